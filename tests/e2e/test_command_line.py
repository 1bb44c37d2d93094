"""Every ``fusionhub`` subcommand, run as a new user would with nothing configured: a missing or
invalid setting is one line on stderr naming it, exit status 2, and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from fusionhub.cli.main import cli
from tests.conftest import EXAMPLES
from tests.support import new_user_env

pytestmark = pytest.mark.e2e

PII = "FUSIONHUB_SECRETS__PII_KEY"
SEALING = "FUSIONHUB_SECRETS__SEALING_KEY"
API = "FUSIONHUB_API__TOKEN"
REGISTRY = "FUSIONHUB_REGISTRY__SERVE_TOKEN"

# The first setting each command asks for when none is configured.
NEEDS: dict[str, tuple[list[str], str]] = {
    "worker": (["worker"], SEALING),
    "sink": (["sink"], SEALING),
    "up": (["up"], PII),
    "demo": (["demo", "--exit-when-done"], PII),
    "ingest": (["ingest", "grid", str(EXAMPLES / "grid.json")], PII),
    "ingest-api": (["ingest-api"], PII),
    "ingest-raw": (["ingest-raw"], PII),
    "api": (["api"], API),
    "cases list": (["cases", "list"], API),
    "cases show": (["cases", "show", "C330681202611250001"], API),
    "cases stats": (["cases", "stats"], API),
    "cases corrections": (["cases", "corrections", "--out", "corrections.jsonl"], API),
    "registry serve": (["registry", "serve"], REGISTRY),
    "deadletter show": (["deadletter", "show"], SEALING),
}
# Commands that need no secret (the benchmarks and replay make throwaway keys).
NO_NEEDS: dict[str, list[str]] = {
    "broker start": ["broker", "start"],
    "broker stop": ["broker", "stop"],
    "broker status": ["broker", "status"],
    "broker logs": ["broker", "logs"],
    "bench ingest": ["bench", "ingest"],
    "bench correlate": ["bench", "correlate"],
    "bench hub": ["bench", "hub"],
    "bench api": ["bench", "api"],
    "bench recovery": ["bench", "recovery"],
    # The child process of `bench correlate`'s Faust floor contender (hidden).
    "bench floor-agent": ["bench", "floor-agent", "t.faust-floor"],
    # The child process of `bench correlate`'s output floor contender (hidden).
    "bench output-floor-agent": ["bench", "output-floor-agent", "t-outputs"],
    "keys init": ["keys", "init"],
    # They read topics and change configs, never records.
    "topics check": ["topics", "check"],
    "topics apply": ["topics", "apply"],
    "topics create-cases": ["topics", "create-cases"],
    # Reads a topic back: a broker is needed, no secret.
    "tail": ["tail", "events", "--exit-at-end"],
    "replay": ["replay", ".", "--out", "cases.jsonl"],
    "simulate": ["simulate", "--out", "sim"],
    "evaluate": ["evaluate", "--cases", ".", "--truth", "."],
    "tune": ["tune", ".", "--truth", ".", "--out", "p.toml"],
    # Sent to the command topic: a broker is needed, no secret.
    "cases merge": ["cases", "merge", "C1", "--into", "C2", "--county", "330681", "--reason", "x"],
    "cases split": ["cases", "split", "C1", "grid:WG-1", "--county", "330681", "--reason", "x"],
}


def leaf_commands(group: click.Group, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names |= leaf_commands(command, f"{full} ")
        else:
            names.add(full)
    return names


def run_bare(tmp_path: Path, args: list[str], extra: dict[str, str] | None = None):
    """``fusionhub ARGS`` with an empty HOME, no FUSIONHUB_ variables and no ./.env."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = new_user_env(home, **(extra or {}))
    return subprocess.run(
        [sys.executable, "-m", "fusionhub", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_naming(done: subprocess.CompletedProcess[str], setting: str) -> None:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert setting in lines[0]
    assert done.stdout == ""


def test_the_tables_below_cover_every_subcommand() -> None:
    assert leaf_commands(cli) == set(NEEDS) | set(NO_NEEDS)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_a_command_without_its_secret_says_which_in_one_line(tmp_path: Path, name: str) -> None:
    args, setting = NEEDS[name]
    assert_one_line_naming(run_bare(tmp_path, args), setting)


@pytest.mark.parametrize("name", sorted(set(NEEDS) | set(NO_NEEDS)))
def test_an_invalid_setting_stops_every_command_in_one_line(tmp_path: Path, name: str) -> None:
    args = NEEDS[name][0] if name in NEEDS else NO_NEEDS[name]
    done = run_bare(tmp_path, args, {"FUSIONHUB_BROKER__PORT": "not-a-port"})
    assert_one_line_naming(done, "FUSIONHUB_BROKER__PORT")


def test_a_key_that_is_too_short_is_named_with_its_rule(tmp_path: Path) -> None:
    done = run_bare(tmp_path, ["ingest-raw"], {PII: "short"})
    assert_one_line_naming(done, PII)
    assert "16" in done.stderr


def test_with_the_first_secret_set_the_next_one_is_named(tmp_path: Path) -> None:
    done = run_bare(tmp_path, ["ingest-api"], {PII: "k" * 32})
    assert_one_line_naming(done, SEALING)


def test_keys_init_writes_what_the_services_ask_for(tmp_path: Path) -> None:
    assert run_bare(tmp_path, ["keys", "init"]).returncode == 0
    written = (tmp_path / ".env").read_text(encoding="utf-8")
    for setting in (PII, SEALING, "FUSIONHUB_INGEST__TOKEN", API, REGISTRY):
        assert f"{setting}=" in written


def test_keys_init_writes_a_demo_set_of_centre_tokens_the_settings_read(tmp_path: Path) -> None:
    assert run_bare(tmp_path, ["keys", "init"]).returncode == 0
    assert run_bare(tmp_path, ["keys", "init"]).returncode == 0  # kept, not doubled
    written = (tmp_path / ".env").read_text(encoding="utf-8")
    assert written.count("FUSIONHUB_API__CENTRES__ZHUJI__TOKEN=") == 1
    program = (
        "from fusionhub.settings import load_settings; "
        "print(sorted((k, c.county, c.township, c.department) "
        "for k, c in load_settings().api.centres.items()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        env=new_user_env(tmp_path / "home"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == (
        "[('fengqiao', None, '330681109', None), ('market', '330681', None, '市场监管所'), "
        "('zhuji', '330681', None, None)]"
    )


def test_an_unusable_data_folder_stops_the_worker_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    run_bare(tmp_path, ["keys", "init"])
    done = run_bare(tmp_path, ["worker"], {"FUSIONHUB_DATA_DIR": str(tmp_path / "taken")})
    assert_one_line_naming(done, "FUSIONHUB_STREAMS__DATA_DIR")
