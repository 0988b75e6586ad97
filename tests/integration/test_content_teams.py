"""The DX office's content from a Teams 1:1 chat, through the real Teams SDK app over HTTP with Bot Framework JWTs:
an admin attaches a lesson (a ``file.download.info`` attachment whose pre-authorised URL the connector stand-in
serves), kiun previews it with 公開 / 取り消し, and 公開 (``Action.Execute``) publishes it. Staff's files, files
outside Teams' storage, too large or with a lapsed link, pasted images and files in a channel get their answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.chat.files import MAX_BYTES
from bot.chat.i18n import t
from bot.content.models import ContentLog, ContentUpload, ContentVersion
from bot.content.tree import content_root
from bot.features.lessons.catalogue import catalogue
from bot.platforms.teams.files import FILE_INFO
from tests.integration.teams_harness import ADMIN_AAD, BOT_ID, TEAM, Person, TeamsClient, button, card_of, card_text
from tests.integration.test_content_slack import CITY_LESSON


def attachment(name: str, url: str) -> dict[str, Any]:
    """A file attached in the 1:1 chat, as Teams sends it to a bot with ``supportsFiles``."""
    return {
        "contentType": FILE_INFO,
        "contentUrl": f"https://contoso-my.sharepoint.com/personal/admin_contoso_com/Documents/{name}",
        "name": name,
        "content": {
            "downloadUrl": url,
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": name.rsplit(".", 1)[-1],
        },
    }


def send_files(teams: TeamsClient, person: Person, *files: dict[str, Any], text: str = "") -> str:
    """``files`` attached to a message in the person's 1:1 chat; the text of kiun's answer there."""
    chat = teams.chat(person)
    before = len(teams.connector.activities(chat))
    activity = teams.activity(person, teams.personal(person), text=text, attachments=list(files))
    assert teams.post(activity).status_code in (200, 201, 202)
    return card_text(card_of(teams.posted(chat, before + 1)[before]))


def uploads(teams: TeamsClient) -> int:
    with teams.core.sessions() as session:
        return session.scalar(select(func.count(ContentUpload.id))) or 0


def versions(teams: TeamsClient) -> list[tuple[str, str, int, str]]:
    with teams.core.sessions() as session:
        rows = session.scalars(select(ContentVersion).order_by(ContentVersion.id)).all()
        return [(row.kind, row.key, row.number, row.state) for row in rows]


def test_an_admin_attaches_a_lesson_sees_the_preview_and_publishes_it(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    url = teams.connector.serve_file("lesson.md", CITY_LESSON.encode())
    chat = teams.chat(admin)
    activity = teams.activity(admin, teams.personal(admin), text="レッスン", attachments=[attachment("lesson.md", url)])
    assert teams.post(activity).status_code in (200, 201, 202)
    posted = teams.posted(chat, 1)[0]
    preview = card_of(posted)
    text = card_text(preview)
    assert "プレビュー" in text and "千曲市で今DXが必要な理由" in text and "第1版" in text
    assert versions(teams) == [("lesson", "why-dx-now", 1, "draft")]
    [download] = teams.connector.file_downloads()
    assert download.status == 200 and "Authorization" not in download.headers  # the URL is pre-authorised
    bundled = catalogue(content_root(teams.core.engine)).get("why-dx-now")
    assert bundled is not None and bundled.title != "千曲市で今DXが必要な理由"

    answer = teams.press(admin, button(preview, t("content.button.publish")), teams.personal(admin), posted["id"])
    assert t("content.published", kind="レッスン", key="why-dx-now", number=1) in card_text(answer["value"])
    assert versions(teams) == [("lesson", "why-dx-now", 1, "published")]
    lesson = catalogue(content_root(teams.core.engine)).get("why-dx-now")
    assert lesson is not None and lesson.title == "千曲市で今DXが必要な理由"
    with teams.core.sessions() as session:
        log = session.scalars(select(ContentLog).order_by(ContentLog.id)).all()
        assert [(row.action, row.user_id) for row in log] == [("upload", ADMIN_AAD), ("publish", ADMIN_AAD)]


def test_a_staff_members_file_is_politely_refused_and_nothing_is_stored(teams: TeamsClient) -> None:
    staff = teams.person()
    url = teams.connector.serve_file("lesson.md", CITY_LESSON.encode())
    assert send_files(teams, staff, attachment("lesson.md", url)) == t("content.upload.admin_only")
    assert uploads(teams) == 0 and versions(teams) == []


def test_a_download_url_outside_teams_storage_is_not_fetched(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    url = teams.connector.serve_file("lesson.md", CITY_LESSON.encode())
    elsewhere = url.replace("127.0.0.1", "localhost")  # the same server under a name outside the allow-list
    answer = send_files(
        teams, admin, attachment("lesson.md", elsewhere), attachment("evil.md", "https://evil.example/x.md")
    )
    reason = t("teams.file.not_allowed")
    assert t("content.upload.failed", name="lesson.md", reason=reason) in answer
    assert t("content.upload.failed", name="evil.md", reason=reason) in answer
    assert teams.connector.file_downloads() == [] and uploads(teams) == 0


def test_a_file_too_large_or_with_a_lapsed_link_is_answered_and_not_stored(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    big = teams.connector.serve_file("big.md", b"x" * (MAX_BYTES + 1))
    lapsed = teams.connector.serve_file("old.md", CITY_LESSON.encode()).replace("tempauth=", "tempauth=0")
    answer = send_files(teams, admin, attachment("big.md", big), attachment("old.md", lapsed))
    too_large = t("teams.file.too_large", limit="50 MB")
    assert t("content.upload.failed", name="big.md", reason=too_large) in answer
    assert t("content.upload.failed", name="old.md", reason=t("teams.file.expired")) in answer
    assert uploads(teams) == 0 and versions(teams) == []


def test_a_pasted_image_gets_a_hint_and_files_in_a_channel_are_not_taken(teams: TeamsClient) -> None:
    admin = teams.person(aad=ADMIN_AAD)
    chat = teams.chat(admin)
    image = {
        "contentType": "image/*",
        "contentUrl": f"{teams.connector.service_url}v3/attachments/0-jpn-d1/views/original",
    }
    teams.post(teams.activity(admin, teams.personal(admin), text="", attachments=[image]))
    assert card_text(card_of(teams.posted(chat, 1)[0])) == t("teams.file.pasted_image")

    url = teams.connector.serve_file("lesson.md", CITY_LESSON.encode())
    entity = {"type": "mention", "text": "<at>kiun</at>", "mentioned": {"id": BOT_ID, "name": "kiun"}}
    post = teams.activity(
        admin,
        teams.in_channel(),
        text="<at>kiun</at> 公用車の予約",
        entities=[entity],
        attachments=[attachment("lesson.md", url)],
    )
    assert teams.post(post).status_code in (200, 201, 202)
    answer = card_text(card_of(teams.posted(TEAM, 1)[0]))  # handled as today: a question, answered in the thread
    assert "プレビュー" not in answer and t("content.upload.admin_only") not in answer
    assert teams.connector.file_downloads() == [] and uploads(teams) == 0
