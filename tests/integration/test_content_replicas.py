"""Two ``kiun serve --http`` replicas on one PostgreSQL database: a lesson the DX office publishes through one
replica is served by the other right after (the content lives in the database, not in either replica's files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app.core import Core
from bot.chat.i18n import t
from tests.conftest import ADMIN, SIGNING_SECRET
from tests.fakes.signing import SlackSender
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.processes import serve_http
from tests.integration.slack_harness import wait_until
from tests.integration.test_content_slack import CITY_LESSON, press

TITLE = "千曲市で今DXが必要な理由"


@pytest.mark.slow
def test_a_lesson_published_on_one_replica_is_served_by_the_other_at_once(
    core: Core, slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    if core.engine.dialect.name != "postgresql":
        pytest.skip("several kiun processes need PostgreSQL: set KIUN_TEST_DATABASE_URL to run this test")
    env = {
        "DATABASE_URL": core.settings.database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.api_url,
        "KIUN_ADMINS": ADMIN,
    }
    replicas = [serve_http(env, tmp_path / f"replica{n}.log") for n in range(2)]
    try:
        for replica in replicas:
            replica.wait_status("/healthz", 200)
        one, other = (SlackSender(f"{r.url}/slack/events", SIGNING_SECRET, slack_api.base_url) for r in replicas)

        def lesson_on_the_other() -> str:
            answer = other.command("/kiun", "lesson why-dx-now").json()
            return answer["text"] + json.dumps(answer.get("blocks", []), ensure_ascii=False)

        assert TITLE not in lesson_on_the_other()
        slack_api.files["/files-pri/T1-R1/lesson.md"] = CITY_LESSON.encode()
        event = {
            "type": "message",
            "subtype": "file_share",
            "channel_type": "im",
            "channel": f"D{ADMIN}",
            "user": ADMIN,
            "text": "",
            "files": [{"name": "lesson.md", "url_private_download": f"{slack_api.base_url}/files-pri/T1-R1/lesson.md"}],
        }
        assert one.event(event).status == 200
        [preview] = [call.params for call in slack_api.wait_for("chat.postMessage", timeout=15)]
        assert TITLE in json.dumps(preview, ensure_ascii=False)
        assert TITLE not in lesson_on_the_other()  # a preview is not served
        assert press(one, preview, t("content.button.publish")).status == 200
        wait_until(lambda: slack_api.responses(), timeout=15)
        assert slack_api.responses()[0]["text"] == t("content.published", kind="レッスン", key="why-dx-now", number=1)
        assert TITLE in lesson_on_the_other()  # right after the publish, with no restart or file copy
        assert [replica.stop() for replica in replicas] == [0, 0]
    finally:
        for replica in replicas:
            replica.kill()
    assert all("Traceback" not in replica.log() for replica in replicas)
