"""``kiun serve`` and ``kiun worker`` check at start the settings their scheduled jobs will need, as real
processes: a missing one stops them with exit 2 and one line naming it, before anything else happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SIGNING_SECRET
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import free_port, start_kiun
from tests.integration.slack_harness import wait_until
from tests.integration.test_console_cli import run_kiun

NO_SECRET = "kiun: KIUN_SECRET_KEY is not set; pulse polls need it to keep answers anonymous (set a long random value)"
SLACK = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": "http://127.0.0.1:9/api/"}  # never reached


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["worker"], {}),
        (["serve"], {"SLACK_APP_TOKEN": "xapp-test"}),
        (["serve", "--http", "--port", "9"], {"SLACK_SIGNING_SECRET": SIGNING_SECRET}),
    ],
    ids=["worker", "serve", "serve-http"],
)
def test_polls_on_without_the_secret_key_stop_at_start(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    result = run_kiun(args, tmp_path, **SLACK, **env, KIUN_POLL_CHANNEL="C_POLLS")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [NO_SECRET]
    assert result.stdout == ""
    assert not (tmp_path / "kiun.db").exists()  # stopped before the database was touched


def test_serve_without_its_worker_does_not_need_the_key(tmp_path: Path, slack_api: FakeSlackAPI) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kiun.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_POLL_CHANNEL": "C_POLLS",
        "KIUN_SECRET_KEY": "",
    }
    port = free_port()
    args = ["serve", "--http", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
    kiun = start_kiun(args, env, tmp_path / "serve.log", port=port)
    try:
        kiun.wait_status("/healthz", 200)
    finally:
        assert kiun.stop() == 0


def test_worker_with_polls_off_starts_and_says_which_schedules_will_do_nothing(
    tmp_path: Path, slack_api: FakeSlackAPI
) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kiun.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_CATCHUP_GRACE_MINUTES": "0",
        "KIUN_SECRET_KEY": "",
        "KIUN_POLL_CHANNEL": "",
        "KIUN_LESSON_CHANNEL": "C_LESSONS",
        "KIUN_IDEAS_CHANNEL": "C_IDEAS",
        "KIUN_ADMINS": "U_ADMIN",
    }
    worker = start_kiun(["worker"], env, tmp_path / "worker.log")
    try:
        wait_until(lambda: worker.process.poll() is not None or "kiun worker running" in worker.log(), timeout=30)
        messages = [record["message"] for record in worker.records() if record.get("level") == "WARNING"]
    finally:
        code = worker.stop()
    assert code == 0, worker.log()[-2000:]
    assert "KIUN_POLL_CHANNEL is not set: the poll-open, poll-remind schedules will do nothing" in messages
