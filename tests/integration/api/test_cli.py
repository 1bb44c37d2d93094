from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from fusionhub.api import ApiClient, ApiError
from fusionhub.cli.cases import cases
from fusionhub.settings import ApiSettings, ConfigurationError, Settings
from tests.integration.api.conftest import SHOWN_CASE, RunningApi
from tests.integration.api.test_service import expected_ids
from tests.support import free_port

pytestmark = pytest.mark.integration

# Until ``cases`` is registered in fusionhub/cli/main.py, the child runs the group directly;
# afterwards this becomes [sys.executable, "-m", "fusionhub", "cases"].
CASES_COMMAND = [sys.executable, "-m", "fusionhub", "cases"]


def settings_for(api: RunningApi, token: str | None = None) -> Settings:
    address = urlsplit(api.url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        api=ApiSettings(
            host=str(address.hostname),
            port=int(address.port or 0),
            token=SecretStr(token or api.token),
        ),
    )


def run(api: RunningApi, *args: str, token: str | None = None) -> Result:
    return CliRunner().invoke(cases, list(args), obj=settings_for(api, token))


def test_list_prints_the_matching_cases_as_a_table_with_the_paging_line(api: RunningApi) -> None:
    result = run(api, "list", "--county", "330681", "--status", "new", "--status", "closed")
    assert result.exit_code == 0, result.output
    expected = expected_ids(
        api.records, [("county", "330681"), ("status", "new"), ("status", "closed")]
    )
    rows = [line.split()[0] for line in result.output.splitlines()[2:-1]]
    assert rows == expected
    assert f"cases 1-{len(expected)} of {len(expected)}" in result.output
    assert "枫桥镇" in result.output or "暨阳街道" in result.output


def test_list_pages_with_limit_and_offset_and_says_where_the_next_page_is(api: RunningApi) -> None:
    result = run(api, "list", "--limit", "5", "--offset", "10")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()[2:-1]] == expected_ids(
        api.records, []
    )[10:15]
    assert f"cases 11-15 of {len(api.records)} (next page: --offset 15)" in result.output


def test_list_as_json_is_the_api_answer(api: RunningApi) -> None:
    result = run(api, "list", "--priority", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == api.client.list_cases([("priority", "1"), ("limit", "20")])


def test_show_prints_the_case_its_timeline_and_its_scored_reports(api: RunningApi) -> None:
    result = run(api, "show", SHOWN_CASE)
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"case {SHOWN_CASE}  [dispatched]" in text
    assert "诸暨市 / 枫桥镇" in text
    timeline = text.split("timeline\n")[1].split("\n\n")[0].splitlines()
    assert [line.split()[3] for line in timeline] == ["a1", "a2", "a3"]
    assert "#0 grid:S-1" in text
    assert "opened the case" in text
    assert "#1 hotline:S-2" in text
    assert "score 0.82" in text
    assert "person 0.40" in text
    assert "#2 petition:S-3  (report not stored yet)" in text


def test_show_of_an_unknown_case_fails_with_the_api_message(api: RunningApi) -> None:
    result = run(api, "show", "C-NOPE")
    assert result.exit_code == 1
    assert "no case 'C-NOPE'" in result.output


def test_wrong_filters_fail_with_the_message_for_each(api: RunningApi) -> None:
    result = run(api, "list", "--priority", "9", "--county", "zhuji", "--from", "soon")
    assert result.exit_code == 1
    for field in ("priority", "county", "opened_from"):
        assert f"  {field}: " in result.output


def test_a_wrong_token_or_no_token_is_explained(api: RunningApi) -> None:
    wrong = run(api, "list", token="not-the-token")
    assert (wrong.exit_code, "missing or wrong token" in wrong.output) == (1, True)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    missing = CliRunner().invoke(cases, ["list"], obj=settings)
    # The entry point turns this into one line and exit status 2 (tests/e2e/test_command_line.py).
    assert isinstance(missing.exception, ConfigurationError)
    assert "FUSIONHUB_API__TOKEN" in str(missing.exception)


def test_an_api_that_is_not_running_is_explained(api: RunningApi) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(api, "list", "--url", url)
    assert result.exit_code == 1
    assert f"cannot reach the read API at {url}" in result.output


def test_stats_prints_one_row_per_township(api: RunningApi) -> None:
    result = run(api, "stats", "--county", "330681")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines[2:-1]] == ["330681001", "330681109"]
    count = sum(1 for r in api.records if r["county_code"] == "330681")
    assert lines[-1] == f"{count} cases in 2 townships"


def test_the_command_in_its_own_process_reads_address_and_token_from_the_environment(
    api: RunningApi, tmp_path: Path
) -> None:
    address = urlsplit(api.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUSIONHUB_")}
    env |= {
        "FUSIONHUB_API__PORT": str(address.port),
        "FUSIONHUB_API__TOKEN": api.token,
        "PYTHONPATH": str(Path(__file__).parents[3]),
    }
    listing = subprocess.run(
        [*CASES_COMMAND, "list", "--township", "330782001", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    page = json.loads(listing.stdout)
    assert [i["case_id"] for i in page["items"]] == expected_ids(
        api.records, [("township", "330782001")]
    )
    shown = subprocess.run(
        [*CASES_COMMAND, "show", SHOWN_CASE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "score 0.71" in shown.stdout


def wait_for_health(url: str, server: subprocess.Popen[str], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the API exited with {server.returncode}: {server.communicate()[1]}")
        try:
            if ApiClient(url, "").health():
                return
        except ApiError:
            time.sleep(0.1)
    pytest.fail("the API did not answer /healthz in time")


def test_the_api_command_serves_a_fresh_store_on_the_configured_port(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUSIONHUB_")}
    env |= {
        "FUSIONHUB_API__PORT": str(port),
        "FUSIONHUB_API__TOKEN": "t0ken-for-the-api",
        "FUSIONHUB_CONSOLE__PORT": str(free_port()),
        # No broker here: the live feed must not find someone else's on the default port.
        "FUSIONHUB_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "FUSIONHUB_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).parents[3]),
    }
    command = [sys.executable, "-c", "from fusionhub.cli.cases import api; api()"]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, server)
        page = ApiClient(url, "t0ken-for-the-api").list_cases()
        assert (page["total"], page["items"]) == (0, [])
        assert (tmp_path / "fusionhub.db").is_file()
    finally:
        server.terminate()
        server.wait(10)
