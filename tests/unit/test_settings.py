"""Where settings put things, and how a bad setting is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from fusionhub.settings import (
    BrokerSettings,
    ConfigurationError,
    SecretSettings,
    Settings,
    load_settings,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No FUSIONHUB_ or XDG_ variables, an empty HOME, and a working folder with no .env."""
    import os

    for name in list(os.environ):
        if name.startswith(("FUSIONHUB_", "XDG_")):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    return home


def test_the_data_folder_follows_xdg_data_home(bare_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(bare_env / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(bare_env / "cache"))
    settings = Settings()
    assert settings.data_dir == bare_env / "xdg" / "fusionhub"
    assert settings.broker.cache_dir == bare_env / "cache" / "fusionhub"


def test_without_xdg_variables_the_home_folder_defaults_apply(bare_env: Path) -> None:
    settings = Settings()
    assert settings.data_dir == bare_env / ".local" / "share" / "fusionhub"
    assert settings.broker.cache_dir == bare_env / ".cache" / "fusionhub"


def test_a_relative_xdg_data_home_is_ignored_as_the_spec_says(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert Settings().data_dir == bare_env / ".local" / "share" / "fusionhub"


def test_the_broker_and_faust_folders_live_under_the_data_dir(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUSIONHUB_DATA_DIR", str(bare_env / "hub"))
    settings = Settings()
    assert settings.broker.data_dir == bare_env / "hub" / "broker"
    assert settings.streams.data_dir == bare_env / "hub" / "streams"


def test_a_folder_set_on_its_own_is_kept(bare_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUSIONHUB_DATA_DIR", str(bare_env / "hub"))
    monkeypatch.setenv("FUSIONHUB_STREAMS__DATA_DIR", str(bare_env / "fast-disk"))
    shared = BrokerSettings(data_dir=bare_env / "kafka")
    settings = Settings(broker=shared)
    assert settings.streams.data_dir == bare_env / "fast-disk"
    assert settings.broker.data_dir == bare_env / "kafka"


def test_a_group_passed_in_is_not_changed_by_the_derivation(bare_env: Path) -> None:
    shared = BrokerSettings()
    before = shared.data_dir
    Settings(data_dir=bare_env / "elsewhere", broker=shared)
    assert shared.data_dir == before


def test_an_invalid_value_is_one_line_naming_its_variable(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUSIONHUB_BROKER__PORT", "ninety")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("FUSIONHUB_BROKER__PORT is invalid")
    assert "'ninety'" in message


def test_an_invalid_secret_is_named_but_never_echoed(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUSIONHUB_SECRETS", '{"pii_key": ["do-not-print-me"]}')
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "FUSIONHUB_SECRETS__PII_KEY" in str(caught.value)
    assert "do-not-print-me" not in str(caught.value)


@pytest.mark.parametrize(
    ("secrets", "needs", "named"),
    [
        (SecretSettings(), ("pii_key",), "FUSIONHUB_SECRETS__PII_KEY is not set"),
        (SecretSettings(pii_key="short"), ("pii_key",), "shorter than 16"),
        (SecretSettings(), ("sealing_key",), "FUSIONHUB_SECRETS__SEALING_KEY is not set"),
        (SecretSettings(), ("ingest_token",), "FUSIONHUB_INGEST__TOKEN"),
        (SecretSettings(), ("api_token",), "FUSIONHUB_API__TOKEN is not set"),
    ],
)
def test_a_missing_requirement_names_the_setting_and_the_fix(
    bare_env: Path, secrets: SecretSettings, needs: tuple, named: str
) -> None:
    settings = Settings(secrets=secrets)
    with pytest.raises(ConfigurationError) as caught:
        settings.require(*needs)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_requirements_that_are_met_pass_quietly(bare_env: Path) -> None:
    settings = Settings(
        secrets=SecretSettings(pii_key="k" * 16, sealing_key="s"),
        ingest={"token": "t"},
        api={"token": "a"},
    )
    settings.require("pii_key", "sealing_key", "ingest_token", "api_token")


def test_centre_tokens_are_read_per_centre_and_their_reach_checked(bare_env: Path) -> None:
    from fusionhub.settings import ApiSettings, CentreSettings

    centre = CentreSettings(name="枫桥镇", token="t" * 16, township="330681109")
    assert ApiSettings(centres={"fq": centre}).require_token() == ""
    for wrong, why in (
        ({"name": "x", "token": "short"}, "at least 16"),
        ({"name": "x", "token": "t" * 16}, "county, township or department"),
        ({"name": "x", "token": "t" * 16, "county": "330681", "township": "330681109"}, "only"),
        ({"name": "x", "token": "t" * 16, "township": "3306"}, "pattern"),
    ):
        with pytest.raises(ValueError, match=why):
            CentreSettings(**wrong)
    with pytest.raises(ValueError, match="share a token"):
        ApiSettings(token="t" * 16, centres={"fq": centre})


def test_an_invalid_centre_never_echoes_its_token(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUSIONHUB_API__CENTRES__FQ__TOKEN", "do-not-print")
    monkeypatch.setenv("FUSIONHUB_API__CENTRES__FQ__NAME", "枫桥镇")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "FUSIONHUB_API__CENTRES__FQ" in str(caught.value)
    assert "do-not-print" not in str(caught.value)
