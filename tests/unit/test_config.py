"""Settings: defaults need no keys; invalid values become one line naming the variable."""

from __future__ import annotations

import pytest

from bot.app.config import ConfigError, load_settings


def test_defaults_need_no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "KIUN_ADMINS", "KIUN_LOCALE", "KIUN_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///kiun.db"
    assert settings.kiun_timezone == "Asia/Tokyo"
    assert settings.kiun_locale == "ja"
    assert settings.kiun_admins == []
    assert settings.slack_api_url == "https://slack.com/api/"


def test_admins_are_split_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIUN_ADMINS", " U1, U2 ,,U3")
    assert load_settings(_env_file=None).kiun_admins == ["U1", "U2", "U3"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KIUN_LOCALE", "fr"),
        ("KIUN_TIMEZONE", "Mars/Olympus"),
        ("KIUN_YEAR_END_CLOSED", "12/29-1/3"),
        ("KIUN_SEND_RATE", "0"),
        ("KIUN_CATCHUP_GRACE_MINUTES", "soon"),
    ],
)
def test_invalid_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid")
    assert "\n" not in message


def test_require_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1")
    settings.require("SLACK_BOT_TOKEN")
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET is not set"):
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def test_year_end_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIUN_YEAR_END_CLOSED", "none")
    assert load_settings(_env_file=None).kiun_year_end_closed == "none"
