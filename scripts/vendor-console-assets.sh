#!/usr/bin/env bash
# Refresh the console's bundled front-end libraries from the npm registry, at pinned versions.
# The built files and each package's licence are committed under fusionhub/api/web/vendor/, so
# the page needs nothing from the internet and `make setup` needs no npm. Run this only to change
# a version (edit the pins below), then review the diff and commit it with VENDORED.md.
set -euo pipefail
cd "$(dirname "$0")/.."

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3

dest=fusionhub/api/web/vendor
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "leaflet@$LEAFLET" "leaflet.markercluster@$MARKERCLUSTER" >/dev/null)
mkdir -p "$work/leaflet" "$work/markercluster"
tar xzf "$work/leaflet-$LEAFLET.tgz" -C "$work/leaflet"
tar xzf "$work/leaflet.markercluster-$MARKERCLUSTER.tgz" -C "$work/markercluster"

rm -rf "$dest/leaflet" "$dest/leaflet.markercluster"
mkdir -p "$dest/leaflet" "$dest/leaflet.markercluster"
src="$work/leaflet/package"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$src/LICENSE" "$dest/leaflet/"
cp -r "$src/dist/images" "$dest/leaflet/"
src="$work/markercluster/package"
cp "$src/dist/leaflet.markercluster.js" "$src/dist/MarkerCluster.css" \
   "$src/dist/MarkerCluster.Default.css" "$src/MIT-LICENCE.txt" "$dest/leaflet.markercluster/"

{
  echo "# Bundled front-end libraries"
  echo
  echo "Fetched with \`scripts/vendor-console-assets.sh\` (npm pack, integrity checked by npm)."
  echo "Each folder holds the package's published build and its licence, unchanged."
  echo
  echo "| package | version | licence | sha256 of the files |"
  echo "|---|---|---|---|"
  for pkg in leaflet leaflet.markercluster; do
    version=$LEAFLET; licence="BSD-2-Clause"
    if [[ $pkg == leaflet.markercluster ]]; then version=$MARKERCLUSTER; licence="MIT"; fi
    sum=$(cd "$dest/$pkg" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
    echo "| $pkg | $version | $licence | $sum |"
  done
} > "$dest/VENDORED.md"
echo "vendored leaflet $LEAFLET and leaflet.markercluster $MARKERCLUSTER into $dest" >&2
