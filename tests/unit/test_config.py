"""Settings: defaults need no keys; invalid values become one line naming the variable."""

from __future__ import annotations

import pytest

from bot.app.config import ConfigError, load_settings
from bot.cli import main

TEAMS_GUID = "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B"
# each an invalid value of a Teams setting, or of a setting Teams widened (KIUN_ADMINS, the channels)
INVALID_TEAMS = [
    ("TEAMS_APP_ID", "kiun-bot"),
    ("TEAMS_APP_ID", TEAMS_GUID + "0"),
    ("TEAMS_TENANT_ID", "chikuma.onmicrosoft.com"),
    ("TEAMS_OPENID_METADATA_URL", "http://login.botframework.com/v1/.well-known/openidconfiguration"),
    ("TEAMS_LOGIN_URL", "login.microsoftonline.com"),
    ("TEAMS_SERVICE_URLS", "https://smba.trafficmanager.net/, ftp://smba.trafficmanager.net/"),
    ("TEAMS_SERVICE_URLS", "https://smba.trafficmanager.net/?region=apac"),
    ("TEAMS_SERVICE_URLS", " , "),
    ("TEAMS_APP_NAME", "機" * 31),
    ("TEAMS_BOT_DOMAIN", "https://kiun.city.example.jp/"),
    ("TEAMS_DEVELOPER_NAME", "課" * 33),
    ("TEAMS_DEVELOPER_URL", "http://www.city.example.jp/"),
    ("TEAMS_PRIVACY_URL", "www.city.example.jp/privacy"),
    ("TEAMS_TERMS_URL", "https://"),
    ("KIUN_ADMINS", "U012ABCDEF,taro@city.example.jp"),
    ("KIUN_POLL_CHANNEL", "#general"),
    ("KIUN_LESSON_CHANNEL", "19:abc@thread.tacv3"),
]


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


def test_teams_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_SERVICE_URLS", "TEAMS_APP_NAME"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.teams_app_id is None and settings.teams_app_password is None
    assert settings.teams_openid_metadata_url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    assert settings.teams_login_url == "https://login.microsoftonline.com"
    assert settings.teams_service_urls == ("https://smba.trafficmanager.net/",)
    assert (settings.teams_app_name, settings.teams_developer_name) == ("kiun（機運）", "情報政策課 DX推進係")
    assert settings.teams_privacy is None and settings.teams_terms is None


def test_teams_values_are_parsed_and_normalised() -> None:
    settings = load_settings(
        _env_file=None,
        TEAMS_APP_ID=TEAMS_GUID,
        TEAMS_TENANT_ID=f" {TEAMS_GUID} ",
        TEAMS_APP_PASSWORD="client~secret.value",
        TEAMS_SERVICE_URLS="https://smba.trafficmanager.net, https://smba.infra.gcc.teams.microsoft.com/teams,,"
        " http://127.0.0.1:3979",
        TEAMS_OPENID_METADATA_URL="http://localhost:3980/openid",  # the tests' stand-ins may use plain http
        TEAMS_BOT_DOMAIN="Kiun.City.Example.JP",
        TEAMS_DEVELOPER_URL="https://www.city.example.jp/",
        TEAMS_TERMS_URL="https://www.city.example.jp/terms.html",
        KIUN_ADMINS=f"U012ABCDEF, {TEAMS_GUID}",
        KIUN_IDEAS_CHANNEL="19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.tacv2",
        KIUN_POLL_CHANNEL="C0123456789",
    )
    assert settings.teams_app_id == settings.teams_tenant_id == TEAMS_GUID.lower()
    # a bare host gets its slash, so the prefix cannot match smba.trafficmanager.net.example.com
    assert settings.teams_service_urls == (
        "https://smba.trafficmanager.net/",
        "https://smba.infra.gcc.teams.microsoft.com/teams",
        "http://127.0.0.1:3979/",
    )
    assert settings.teams_bot_domain == "kiun.city.example.jp"
    assert settings.teams_privacy == "https://www.city.example.jp/"
    assert settings.teams_terms == "https://www.city.example.jp/terms.html"
    assert settings.kiun_admins == ["U012ABCDEF", TEAMS_GUID.lower()]  # Teams sends aadObjectId in lower case
    assert settings.kiun_ideas_channel == "19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.tacv2"
    assert settings.teams_app_password is not None
    assert settings.teams_app_password.get_secret_value() == "client~secret.value"
    assert "client~secret.value" not in repr(settings) and "client~secret.value" not in str(settings)


def test_empty_teams_values_mean_not_set() -> None:
    settings = load_settings(_env_file=None, TEAMS_APP_ID="", TEAMS_APP_PASSWORD="", TEAMS_BOT_DOMAIN=" ")
    assert (settings.teams_app_id, settings.teams_app_password, settings.teams_bot_domain) == (None, None, None)


@pytest.mark.parametrize(("name", "value"), INVALID_TEAMS)
def test_invalid_teams_setting_stops_kiun_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv(name, value)
    assert main(["teams", "package"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiun: {name} is invalid: ") and err.count("\n") == 1, err


def test_require_teams_names_the_first_missing_setting() -> None:
    settings = load_settings(_env_file=None, TEAMS_APP_ID=TEAMS_GUID, TEAMS_APP_PASSWORD="", TEAMS_TENANT_ID="")
    with pytest.raises(ConfigError, match="^TEAMS_APP_PASSWORD is not set: set it from the Entra ID app registration"):
        settings.require_teams()
    settings = load_settings(_env_file=None, TEAMS_APP_ID=TEAMS_GUID, TEAMS_APP_PASSWORD="s", TEAMS_TENANT_ID="")
    with pytest.raises(ConfigError, match="^TEAMS_TENANT_ID is not set"):
        settings.require_teams()
    load_settings(
        _env_file=None, TEAMS_APP_ID=TEAMS_GUID, TEAMS_APP_PASSWORD="s", TEAMS_TENANT_ID=TEAMS_GUID
    ).require_teams()
