"""Authorization, table-driven: every admin command (each word the router knows, with arguments that would change
something), every admin button and form, and a document sent in a DM, done by a member of staff through signed
Slack requests → refused in Japanese, and nothing changed: the same database, nothing posted, no modal opened."""

from __future__ import annotations

import json

import pytest

from bot.app.core import Core
from bot.chat.i18n import t
from bot.features import build_router
from bot.features.ideas import store
from bot.features.ideas.rules import IdeaFields
from bot.models import Base
from tests.integration.ideas_helpers import modal_values
from tests.integration.slack_harness import Kiun, wait_until

STAFF = "U_STAFF"
# Arguments that would change something if an admin typed them; a word the table does not know is tried bare
# and with arbitrary arguments (so a new admin command is covered too).
ADMIN_ARGUMENTS = {
    "jobs": [""],
    "closed": ["list", "add 2026-05-01 市の行事", "open 2026-05-03 選挙", "remove 2026-05-01"],
    "outbox": [""],
    "schedule": ["housekeeping", 'housekeeping "毎日 4:00"'],
    "lesson": ["list", "preview first"],
    "poll": ["list", "start dx-momentum", "close 1", "results 1"],
    "ideas": ["export"],
    "champion": ["list", "add <@U_OTHER> 総務部", "remove <@U_OTHER> 総務部"],
    "docs": [""],
    "report": ["", "2026-05"],
}


def admin_commands() -> list[str]:
    words = ["jobs", "closed", "outbox", *build_router().admin_commands]
    texts = ["admin"]
    for word in words:
        texts += [f"admin {word} {args}".strip() for args in ADMIN_ARGUMENTS.get(word, ["", "x 1 2026-05-01"])]
    return texts


def snapshot(core: Core) -> dict[str, list[str]]:
    with core.engine.connect() as connection:
        return {
            table.name: sorted(
                json.dumps(dict(row), ensure_ascii=False, default=str)
                for row in connection.execute(table.select()).mappings()
            )
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def world(kiun: Kiun) -> Kiun:
    """An idea of the 総務部 (managed by admins and that department's champions) and a few members."""
    fields = IdeaFields(
        title="紙の申請書を減らす", problem="手書きの申請が多い", proposal="電子申請にする", department="somu"
    )
    store.create_idea(kiun.core, "U_A", fields)
    kiun.slack_api.members = [STAFF, "U_A", "U_OTHER"]
    return kiun


def refused(world: Kiun, act, expected: str) -> None:
    """``act()`` by staff changes no row, posts nothing but the refusal (in the ack, through response_url, or in
    a DM to them when a form closed) and opens nothing."""
    before, calls = snapshot(world.core), len(world.slack_api.calls)
    body = act().json()
    world.server.stop(grace=5)  # every listener has finished
    later = world.slack_api.calls[calls:]
    answers = [body or {}, *(call.params for call in later if call.method.startswith(("/commands/", "/actions/")))]
    dms = [call.params for call in later if call.method == "chat.postMessage" and call.params["channel"] == f"D{STAFF}"]
    assert [answer for answer in answers + dms if expected in answer.get("text", "")], (expected, answers, dms)
    assert snapshot(world.core) == before
    others = [call.method for call in later if call.method in ("views.open", "files.getUploadURLExternal")]
    others += [call.params["channel"] for call in later if call.method == "chat.postMessage"]
    assert others in ([], [f"D{STAFF}"]), others


@pytest.mark.parametrize("text", admin_commands())
def test_admin_command_by_staff_is_refused_and_changes_nothing(world: Kiun, text: str) -> None:
    refused(world, lambda: world.sender().command("/kiun", text, user_id=STAFF), t("error.not_admin"))


@pytest.mark.parametrize(
    ("action_id", "value", "expected"),
    [
        ("idea_status", "1", t("idea.error.not_manager")),
        ("home_report", "2026-05", t("error.not_admin")),
    ],
    ids=["idea_status", "home_report"],
)
def test_admin_button_by_staff_is_refused_and_changes_nothing(world: Kiun, action_id, value, expected) -> None:
    refused(world, lambda: world.sender().block_action(action_id, value, user_id=STAFF), expected)


def test_status_form_by_staff_is_refused_and_changes_nothing(world: Kiun) -> None:
    values = modal_values(status="adopted", reason="採用します")
    submit = world.sender().view_submission
    refused(
        world,
        lambda: submit("idea_status", values, user_id=STAFF, private_metadata="1:new"),
        t("idea.error.not_manager"),
    )


def test_a_document_sent_by_staff_in_a_dm_is_not_indexed(world: Kiun) -> None:
    world.slack_api.files["/files/rules.md"] = "# 規程\n内容".encode()
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D_STAFF",
        "channel_type": "im",
        "user": STAFF,
        "text": "",
        "ts": "1700000000.000200",
        "files": [{"id": "F1", "name": "rules.md", "url_private": f"{world.slack_api.base_url}/files/rules.md"}],
    }
    before = snapshot(world.core)
    assert world.sender().event(event).status == 200
    wait_until(lambda: world.slack_api.calls_to("chat.postMessage"))
    world.server.stop(grace=5)
    (post,) = world.slack_api.calls_to("chat.postMessage")
    assert t("content.upload.admin_only") in post.params["text"]
    after = snapshot(world.core)
    assert {name: rows for name, rows in after.items() if name != "platform_events"} == {
        name: rows for name, rows in before.items() if name != "platform_events"
    }
