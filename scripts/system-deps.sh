#!/usr/bin/env bash
# Install the system tools the hub and its tests use, from Debian's packages, when missing:
# Java 17 and Maven (the local Kafka broker), kcat (broker checks), promtool (metrics checks),
# PostgreSQL (the case store's second backend), Chromium and CJK fonts (the console's browser
# tests: Playwright drives Debian's chromium, its own browser download is not used). Fails
# loudly when something cannot be installed.
set -euo pipefail

declare -A wanted=(
  [java]=openjdk-17-jre-headless
  [mvn]=maven
  [kcat]=kcat
  [promtool]=prometheus
  [/usr/lib/postgresql/15/bin/initdb]=postgresql
  [/usr/bin/chromium]=chromium
  [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]=fonts-noto-cjk
)
missing=()
for cmd in "${!wanted[@]}"; do
  if [[ "$cmd" == /* ]]; then [[ -e "$cmd" ]] || missing+=("${wanted[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${wanted[$cmd]}"); fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing system packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
