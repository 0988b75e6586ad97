"""The Slack manifest, .env.example and README agree with the code, so set-up instructions stay true."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.app.config import Settings
from bot.cli import build_parser
from bot.features import build_router

ROOT = Path(__file__).resolve().parents[2]
INTERNAL_COMMANDS = {"home"}  # App Home, not a slash command
MANIFEST = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
SETTING_NAMES = sorted(field.alias for field in Settings.model_fields.values())


def test_manifest_slash_commands_are_the_routed_ones() -> None:
    manifest = {command["command"] for command in MANIFEST["features"]["slash_commands"]}
    routed = {f"/{name}" for name in build_router().commands} - {f"/{name}" for name in INTERNAL_COMMANDS}
    assert manifest == routed == {"/kiun", "/idea", "/ideas", "/ask"}
    for command in MANIFEST["features"]["slash_commands"]:
        assert len(command["command"]) <= 32 and 0 < len(command["description"]) <= 2000
        assert re.search(r"[ぁ-んァ-ン一-龥]", command["description"]), command  # Japanese for staff
        assert command["should_escape"] is False


def test_manifest_events_scopes_and_modes() -> None:
    settings = MANIFEST["settings"]
    events = {"app_mention", "message.im", "message.channels", "app_home_opened"}
    assert set(settings["event_subscriptions"]["bot_events"]) == events
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert MANIFEST["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "im:history", "app_mentions:read", "channels:read"} <= scopes
    assert "channels:history" in scopes  # message.channels (thread replies) and the after-crash delivery check
    assert not scopes & {"chat:write.public", "groups:read", "users:read.email", "admin"}
    assert "user" not in MANIFEST["oauth_config"]["scopes"]
    assert len(MANIFEST["display_information"]["description"]) <= 140


def test_env_example_lists_every_setting_and_loads() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = sorted(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    assert listed == SETTING_NAMES
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.kiun_locale == "ja" and settings.database_url == "sqlite:///kiun.db"


def test_readme_configuration_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.MULTILINE))
    assert table == set(SETTING_NAMES)


def test_compose_runs_socket_mode_with_a_health_check_on_the_port_it_serves() -> None:
    kiun = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]["kiun"]
    args = build_parser().parse_args(kiun["command"][1:])
    assert (args.command, args.http, args.health_port) == ("serve", False, 8080)
    assert f"127.0.0.1:{args.health_port}/healthz" in " ".join(kiun["healthcheck"]["test"])
