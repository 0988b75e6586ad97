"""``kiun serve --teams`` as a real process: its start checks (exit 2 and one line), and serving a signed activity,
``/healthz`` and a graceful stop."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.fakes.teams_auth import FakeBotAuth
from tests.fakes.teams_connector import FakeConnector
from tests.fakes.teams_login import APP_ID, APP_PASSWORD, TENANT_ID, FakeLogin
from tests.integration.processes import free_port, start_kiun
from tests.integration.slack_harness import wait_until
from tests.integration.test_console_cli import run_kiun

TEAMS = {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": APP_PASSWORD, "TEAMS_TENANT_ID": TENANT_ID}


def test_serve_teams_without_its_app_id_stops_with_one_line(tmp_path: Path) -> None:
    result = run_kiun(["serve", "--teams", "--no-worker"], tmp_path, TEAMS_APP_PASSWORD="x", TEAMS_TENANT_ID=TENANT_ID)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kiun: ") and "TEAMS_APP_ID" in line


def test_serve_teams_refuses_the_sdks_unauthenticated_mode(tmp_path: Path) -> None:
    result = run_kiun(
        ["serve", "--teams", "--no-worker"], tmp_path, **TEAMS, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true"
    )
    assert result.returncode == 2
    refusal = "kiun serve --teams never accepts activities without a JWT"
    assert result.stderr.strip().splitlines() == [f"kiun: DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is on: {refusal}"]
    assert not (tmp_path / "kiun.db").exists()


def test_serve_teams_answers_a_signed_message_and_stops_gracefully(
    tmp_path: Path, teams_auth: FakeBotAuth, teams_login: FakeLogin, teams_connector: FakeConnector
) -> None:
    env = TEAMS | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kiun.db'}",
        "TEAMS_OPENID_METADATA_URL": teams_auth.openid_metadata_url,
        "TEAMS_LOGIN_URL": teams_login.base_url,
        "TEAMS_SERVICE_URLS": teams_connector.base_url + "/",
        "REQUESTS_CA_BUNDLE": teams_login.ca_bundle,
        "SLACK_BOT_TOKEN": "",
        "SLACK_APP_TOKEN": "",
    }
    port = free_port()
    kiun = start_kiun(
        ["serve", "--teams", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
        env,
        tmp_path / "serve.log",
        port=port,
    )
    try:
        kiun.wait_status("/healthz", 200)
        [member] = teams_connector.add_members("19:served@thread.tacv2", 1)
        chat = teams_connector.personal_conversation(member["id"])
        teams_connector.add_members(chat, 0)  # the 1:1 chat exists on Teams' side
        activity = {
            "type": "message",
            "id": "1",
            "channelId": "msteams",
            "serviceUrl": teams_connector.service_url,
            "from": {"id": member["id"], "aadObjectId": member["aadObjectId"]},
            "conversation": {"id": chat, "conversationType": "personal", "tenantId": TENANT_ID},
            "recipient": {"id": f"28:{APP_ID}"},
            "channelData": {"tenant": {"id": TENANT_ID}},
            "text": "kiun help",
        }
        token = teams_auth.sign(teams_connector.service_url, app_id=APP_ID)
        response = httpx.post(
            f"http://127.0.0.1:{port}/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        wait_until(lambda: teams_connector.activities(chat), timeout=20)
    finally:
        assert kiun.stop() == 0
