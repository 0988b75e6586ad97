"""Weekly lessons, quizzes, spaced reviews and facts on the real database, scheduler and Slack stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.db.session import transaction
from bot.delivery.outbox import Sender
from bot.features import build_router
from bot.features.lessons.actions import QuizAnswer as QuizButton
from bot.models import ContentPost, OutboxMessage, QuizAnswer, QuizReview, Schedule
from bot.platforms.slack.client import make_client
from bot.platforms.slack.transport import SlackTransport
from bot.scheduling.scheduler import next_run, run_occurrence, sync_schedules
from tests.addresses import as_channel, as_user
from tests.conftest import ADMIN
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture
from tests.fakes.slack_api import FakeSlackAPI

TZ = ZoneInfo("Asia/Tokyo")
ROUTER = build_router()
STAFF = "U_STAFF"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def press(core: Core, value: str, user: str = STAFF) -> Reply:
    return ROUTER.dispatch(core, Request(as_user(user), kind="action", action_id="quiz_answer_0", value=value))


def kiun(core: Core, text: str, user: str = STAFF) -> Reply:
    request = Request(as_user(user), kind="command", command="kiun", text=text, is_admin=core.is_admin(user))
    return ROUTER.dispatch(core, request)


def body(reply: Reply) -> str:
    return "\n".join([reply.text, *(section.text for section in reply.sections)])


def outbox(core: Core) -> list[OutboxMessage]:
    with core.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


CLOCK: list[FrozenDateTimeFactory] = []  # this test's frozen clock (see ``frozen``)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test here runs wholly in frozen time, from Monday 2026-11-16 09:00 in Tokyo; ``run`` moves the clock
    on to each occurrence, as the scheduler fires then (``freeze_time`` inside a test moves it for a moment)."""
    with freeze_time("2026-11-16T00:00:00Z") as clock:
        CLOCK[:] = [clock]
        yield
    CLOCK.clear()


def run(core: Core, name: str, when: str) -> None:
    """Run the occurrence ``when`` (Tokyo) of schedule ``name`` at that time."""
    CLOCK[0].move_to(local(when))
    assert run_occurrence(core, name, local(when)) == "done"


@pytest.fixture
def scheduled(core: Core, content: Path) -> Core:
    sync_schedules(core)
    return core


# -- schedule: holidays and 年末年始 ---------------------------------------------------------------------------


def test_monday_holiday_moves_the_lesson_to_tuesday(scheduled: Core) -> None:
    # 2026-11-23 is 勤労感謝の日 (a Monday): the lesson moves to Tuesday 09:00
    assert next_run(scheduled, "lesson", local("2026-11-20T12:00")) == local("2026-11-24T09:00")
    with freeze_time("2026-11-20T03:00:00Z"):
        reply = kiun(scheduled, "admin schedule lesson", user=ADMIN)
    assert "• 2026-11-24（火）09:00\n• 2026-11-30（月）09:00\n• 2026-12-07（月）09:00" in reply.text
    run(scheduled, "lesson", "2026-11-24T09:00")
    [message] = outbox(scheduled)
    assert (message.key, message.address) == ("lesson:C_LESSONS:first:0", as_channel("C_LESSONS"))


def test_year_end_closure_moves_posts_to_january_4(scheduled: Core) -> None:
    # 12/29–1/3 closed: Thursday 12/31's fact and nothing on Monday 12/28 moved (a business day)
    assert next_run(scheduled, "lesson", local("2026-12-21T10:00")) == local("2026-12-28T09:00")
    assert next_run(scheduled, "fact", local("2026-12-25T10:00")) == local("2027-01-04T09:00")
    assert next_run(scheduled, "lesson", local("2026-12-28T10:00")) == local("2027-01-04T09:00")
    assert next_run(scheduled, "quiz-review", local("2026-12-28T10:00")) == local("2027-01-04T09:30")


# -- posting: no repeat, then the hardest lessons' reviews -----------------------------------------------------


def test_lessons_never_repeat_then_hardest_lesson_reviews_cycle(scheduled: Core) -> None:
    core = scheduled
    for day in ("2026-12-07", "2026-12-14", "2026-12-21"):
        run(core, "lesson", f"{day}T09:00")
    # staff found "second" hardest (0 of 2 right), then "first" (1 of 2), "third" easiest (2 of 2)
    for user, answers in {"U1": (0, 0, 1), "U2": (0, 1, 1)}.items():
        for lesson, right in zip(("second", "first", "third"), answers, strict=True):
            press(core, f"L:{lesson}|{1 if right else 0}", user)
    for day in ("2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"):
        run(core, "lesson", f"{day}T09:00")

    keys = [message.key for message in outbox(core)]
    assert keys == [
        "lesson:C_LESSONS:first:0",
        "lesson:C_LESSONS:second:0",
        "lesson:C_LESSONS:third:0",
        "lesson:C_LESSONS:second:1",
        "lesson:C_LESSONS:first:1",
        "lesson:C_LESSONS:third:1",
        "lesson:C_LESSONS:second:2",
    ]
    review = Reply.model_validate(outbox(core)[3].payload)
    assert review.text == t("lesson.review.title", title="レッスン2")
    assert [button.value for button in review.buttons()] == [
        QuizButton(quiz="L:second:1", choice=c).payload for c in range(3)
    ]
    with pytest.raises(IntegrityError), transaction(core.sessions) as session:  # the database refuses a repeat
        session.add(
            ContentPost(
                kind="lesson", item_id="first", channel="C_LESSONS", round=0, occurrence=local("2027-02-01T09:00")
            )
        )


def test_lesson_post_has_quiz_buttons_and_sources(scheduled: Core) -> None:
    run(scheduled, "lesson", "2026-12-07T09:00")
    reply = Reply.model_validate(outbox(scheduled)[0].payload)
    assert not reply.ephemeral and reply.text.startswith("今週のDXミニレッスン（1/3）")
    assert [button.action_id for button in reply.buttons()] == ["quiz_answer"] * 3
    assert [button.label for button in reply.buttons()] == ["A. 選択肢A", "B. 選択肢B", "C. 選択肢C"]
    assert "出典: [テスト出典](https://example.org/)" in body(reply)


def test_no_lesson_channel_posts_nothing(core: Core, content: Path, settings, caplog) -> None:
    from bot.features.lessons.jobs import post_lesson

    core.settings = settings.model_copy(update={"kiun_lesson_channel": None})
    with caplog.at_level(logging.WARNING):
        post_lesson(core, local("2026-12-07T09:00"), {})
    assert outbox(core) == [] and "KIUN_LESSON_CHANNEL is not set" in caplog.text


# -- answers ----------------------------------------------------------------------------------------------------


def test_first_answer_counts_and_feedback_is_personal(core: Core, content: Path) -> None:
    right = press(core, "L:first|1")
    assert right.ephemeral and right.text == "正解です！"
    assert "レッスン1の解説です。" in body(right)
    again = press(core, "L:first|0")
    assert again.ephemeral and again.text == t("lesson.feedback.already_short")
    assert "あなたの回答：「選択肢B」— 正解" in body(again)
    other = press(core, "L:first|2", user="U_OTHER")
    assert "残念、正解は「選択肢B」です。" in body(other)
    with core.sessions() as session:
        rows = session.execute(select(QuizAnswer.user_id, QuizAnswer.choice, QuizAnswer.correct)).all()
    assert sorted(rows) == [("U_OTHER", 2, False), (STAFF, 1, True)]


def test_quiz_on_a_deleted_lesson_or_bad_value_is_polite(core: Core, content: Path) -> None:
    assert press(core, "L:removed-lesson|0").text == t("lesson.quiz.gone")
    assert press(core, "L:first|3").text == t("lesson.quiz.gone")  # the lesson has three choices now
    assert press(core, "L:first|9").text == t("error.unknown_action")  # no quiz has ten
    assert press(core, "R:999|1|0").text == t("error.unknown_action")
    assert press(core, "garbage").text == t("error.unknown_action")
    with core.sessions() as session:
        assert session.scalars(select(QuizAnswer)).all() == []


# -- spaced reviews -----------------------------------------------------------------------------------------------


def review_dms(core: Core) -> list[OutboxMessage]:
    return [message for message in outbox(core) if message.key.startswith("quiz-review:")]


def test_wrong_answer_comes_back_by_dm_after_3_then_7_then_21_days(scheduled: Core) -> None:
    core = scheduled
    with freeze_time("2026-12-07T01:00:00Z"):  # Monday 10:00
        feedback = press(core, "L:first|0")
    assert "12月10日（木）ごろに、この問題の復習クイズをDMでお送りします" in body(feedback)

    run(core, "quiz-review", "2026-12-09T09:30")
    assert review_dms(core) == []
    run(core, "quiz-review", "2026-12-10T09:30")
    [dm] = review_dms(core)
    assert dm.address == as_user(STAFF)
    reply = Reply.model_validate(dm.payload)
    assert reply.text == t("lesson.review.title", title="レッスン1") and "1回目の復習" in body(reply)
    value = reply.buttons()[1].value

    with freeze_time("2026-12-10T01:00:00Z"):
        feedback = press(core, value)
    assert "次の復習は12月17日（木）ごろにお送りします。" in body(feedback)
    assert "回答済み" in press(core, value).text  # one answer per review, too

    run(core, "quiz-review", "2026-12-16T09:30")
    assert len(review_dms(core)) == 1
    run(core, "quiz-review", "2026-12-17T09:30")
    second = Reply.model_validate(review_dms(core)[1].payload)
    with freeze_time("2026-12-17T01:00:00Z"):
        feedback = press(core, second.buttons()[1].value)
    assert "次の復習は1月7日（木）ごろ" in body(feedback)

    run(core, "quiz-review", "2027-01-07T09:30")
    third = Reply.model_validate(review_dms(core)[2].payload)
    with freeze_time("2027-01-07T01:00:00Z"):
        feedback = press(core, third.buttons()[1].value)
    assert t("lesson.feedback.review_done") in body(feedback)
    run(core, "quiz-review", "2027-02-01T09:30")
    assert len(review_dms(core)) == 3
    with core.sessions() as session:
        assert session.scalars(select(QuizReview.state)).all() == ["done"]


def test_wrong_review_answer_starts_again_at_3_days(scheduled: Core) -> None:
    core = scheduled
    with freeze_time("2026-12-07T01:00:00Z"):
        press(core, "L:first|0")
    run(core, "quiz-review", "2026-12-10T09:30")
    value = Reply.model_validate(review_dms(core)[0].payload).buttons()[2].value
    with freeze_time("2026-12-10T01:00:00Z"):
        assert "12月14日（月）ごろ" in body(press(core, value))  # 3 days is a Sunday: the DM goes on Monday
    run(core, "quiz-review", "2026-12-14T09:30")
    assert [dm.key for dm in review_dms(core)][-1].endswith(":2")


def test_review_off_stops_the_dms_and_on_resumes_them(scheduled: Core) -> None:
    core = scheduled
    with freeze_time("2026-12-07T01:00:00Z"):
        press(core, "L:first|0")
        assert kiun(core, "review off").text == t("lesson.review.off")
        assert "オフ" in kiun(core, "review").text
    run(core, "quiz-review", "2026-12-10T09:30")
    assert review_dms(core) == []
    assert kiun(core, "review on").text == t("lesson.review.on")
    run(core, "quiz-review", "2026-12-11T09:30")
    assert [dm.address for dm in review_dms(core)] == [as_user(STAFF)]
    assert kiun(core, "review maybe").text == t("lesson.review.usage")


def test_at_most_one_review_dm_a_day_per_person(scheduled: Core) -> None:
    core = scheduled
    with freeze_time("2026-12-07T01:00:00Z"):
        press(core, "L:first|0")
        press(core, "L:second|0")
    run(core, "quiz-review", "2026-12-10T09:30")
    run(core, "quiz-review", "2026-12-11T09:30")
    assert [dm.key for dm in review_dms(core)] == ["quiz-review:1:1", "quiz-review:2:1"]


# -- progress -------------------------------------------------------------------------------------------------


def test_progress_counts_lessons_answers_rate_and_week_streak(scheduled: Core) -> None:
    core = scheduled
    run(core, "lesson", "2026-12-07T09:00")
    run(core, "lesson", "2026-12-14T09:00")
    for when, value in (("2026-12-08", "L:first|1"), ("2026-12-15", "L:second|0"), ("2026-12-22", "L:third|1")):
        with freeze_time(f"{when}T01:00:00Z"):
            press(core, value)
    with freeze_time("2026-12-28T01:00:00Z"):  # a new week with no answer yet: the streak still counts
        reply = kiun(core, "lessons")
    assert "見たレッスン: 3本（配信済み 2本）" in body(reply)
    assert "回答したクイズ: 3本（回答 3回）" in body(reply)
    assert "正答率: 67%" in body(reply) and "続けて回答した週: 3週" in body(reply)
    assert "復習DM: オン（予定 1件）" in body(reply)
    with freeze_time("2027-01-05T01:00:00Z"):  # a whole week missed
        assert "続けて回答した週: 0週" in body(kiun(core, "lessons"))
    assert t("lesson.progress.empty", posted=2) in body(kiun(core, "lessons", user="U_NEW"))


# -- /kiun lesson and admin -----------------------------------------------------------------------------------


def test_kiun_lesson_shows_the_latest_post_with_its_quiz(scheduled: Core) -> None:
    core = scheduled
    first = kiun(core, "lesson")
    assert first.ephemeral and "レッスン1" in first.text  # nothing posted yet: the first of the curriculum
    run(core, "lesson", "2026-12-07T09:00")
    run(core, "lesson", "2026-12-14T09:00")
    latest = kiun(core, "lesson")
    assert "レッスン2" in latest.text and latest.buttons()[0].value == QuizButton(quiz="L:second", choice=0).payload
    assert "レッスン3" in kiun(core, "lesson third").text
    assert "レッスン「nope」は見つかりません" in kiun(core, "lesson nope").text


def test_admin_preview_records_nothing(core: Core, content: Path) -> None:
    preview = kiun(core, "admin lesson preview second", user=ADMIN)
    assert "プレビューです" in body(preview) and preview.ephemeral
    value = preview.buttons()[1].value
    assert value == QuizButton(quiz="P:second", choice=1).payload and press(core, value, ADMIN).text == "正解です！"
    assert press(core, value, ADMIN).text == "正解です！"  # still not recorded
    with core.sessions() as session:
        assert session.scalars(select(QuizAnswer)).all() == []
    assert kiun(core, "admin lesson preview second", user=STAFF).text == t("error.not_admin")
    assert kiun(core, "admin lesson", user=ADMIN).text == t("lesson.admin.usage")
    listing = body(kiun(core, "admin lesson list", user=ADMIN))
    assert "1. `first` レッスン1 — 未配信・正答率 -" in listing


def test_admin_schedule_validates_saves_and_shows_the_next_runs(scheduled: Core) -> None:
    core = scheduled
    rebuilt: list[bool] = []
    core.on_schedules_changed.append(lambda: rebuilt.append(True))
    with freeze_time("2026-11-20T03:00:00Z"):
        saved = kiun(core, 'admin schedule fact "火 10:30"', user=ADMIN)
        bad = kiun(core, 'admin schedule fact "来週のどこか"', user=ADMIN)
        crontab = kiun(core, 'admin schedule lesson "0 9 * * 1"', user=ADMIN)
    assert saved.text.startswith("スケジュール「fact」を `30 10 * * tue` に変更しました。")
    assert "• 2026-11-24（火）10:30\n• 2026-12-01（火）10:30\n• 2026-12-08（火）10:30" in saved.text
    assert "読み取れませんでした" in bad.text and '`"月 9:00"`' in bad.text
    assert "`0 9 * * 1`" in crontab.text and rebuilt == [True, True]
    with core.sessions() as session:
        crons = dict(session.execute(select(Schedule.name, Schedule.cron)).all())
    assert crons["fact"] == "30 10 * * tue" and crons["lesson"] == "0 9 * * 1"
    assert "「nope」はありません" in kiun(core, 'admin schedule nope "mon 9:00"', user=ADMIN).text
    assert "`lesson`" in kiun(core, "admin schedule", user=ADMIN).text
    assert kiun(core, 'admin schedule lesson "mon 9:00"').text == t("error.not_admin")


# -- broken content ---------------------------------------------------------------------------------------------


def test_broken_lesson_is_named_and_the_valid_ones_keep_posting(scheduled: Core, content: Path, caplog) -> None:
    from bot.cli.connect import core_for

    broken = content / "lessons" / "02-second.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("answer: 選択肢B", "answer: 選択肢Z"), "utf-8")
    with caplog.at_level(logging.WARNING):
        core_for(scheduled.settings, migrate=False).close()
    assert f"{broken}:13: 'answer' is not one of the choices" in caplog.text
    run(scheduled, "lesson", "2026-12-07T09:00")
    run(scheduled, "lesson", "2026-12-14T09:00")
    assert [message.key for message in outbox(scheduled)] == [
        "lesson:C_LESSONS:first:0",
        "lesson:C_LESSONS:third:0",
    ]


# -- facts through the Slack transport --------------------------------------------------------------------------


def test_fact_posts_with_its_chart_uploaded_and_the_source(scheduled: Core, slack_api: FakeSlackAPI) -> None:
    core = scheduled
    run(core, "fact", "2026-12-10T09:00")
    run(core, "lesson", "2026-12-14T09:00")
    run(core, "fact", "2026-12-17T09:00")
    assert Sender(core, SlackTransport(make_client(core.settings))).drain() == 3

    posts = slack_api.calls_to("chat.postMessage")
    assert [call.params["channel"] for call in posts] == ["C_LESSONS"] * 3
    assert "データ1の説明です。" in posts[0].params["text"]
    assert "出典: テスト出典 (2024)" in str(posts[0].params["blocks"])
    [first, second] = slack_api.calls_to("files.getUploadURLExternal")
    assert first.params["filename"] == "fact-one.png" and second.params["filename"] == "fact-two.png"
    assert all(data.startswith(b"\x89PNG") for data in slack_api.uploads.values()) and len(slack_api.uploads) == 2
    completed = slack_api.calls_to("files.completeUploadExternal")[0].params
    assert json.loads(completed["files"])[0]["title"] == "人口の見込み（指数）（出典: テスト出典 (2024)）"
    assert completed["channel_id"] == "C_LESSONS"


def test_facts_cycle_after_all_were_posted(scheduled: Core) -> None:
    for day in ("2026-12-03", "2026-12-10", "2026-12-17"):
        run(scheduled, "fact", f"{day}T09:00")
    assert [message.key for message in outbox(scheduled)] == [
        "fact:C_LESSONS:fact-one:0",
        "fact:C_LESSONS:fact-two:0",
        "fact:C_LESSONS:fact-one:1",
    ]


def test_an_answer_to_an_outdated_review_dm_changes_nothing(scheduled: Core) -> None:
    core = scheduled
    with freeze_time("2026-12-07T01:00:00Z"):
        press(core, "L:first|0")
    run(core, "quiz-review", "2026-12-10T09:30")
    unanswered = Reply.model_validate(review_dms(core)[0].payload)
    with freeze_time("2026-12-10T02:00:00Z"):  # wrong again in a channel review round: the review restarts
        press(core, "L:first:1|0")
    run(core, "quiz-review", "2026-12-14T09:30")
    assert len(review_dms(core)) == 2
    with freeze_time("2026-12-14T01:00:00Z"):
        feedback = press(core, unanswered.buttons()[1].value)  # the first DM's right answer, pressed late
    assert feedback.text == "正解です！" and t("lesson.feedback.review_done") not in body(feedback)
    with core.sessions() as session:
        item = session.scalars(select(QuizReview)).one()
    assert (item.state, item.step, item.sends) == ("sent", 0, 2)


def test_bundled_lessons_and_facts_render_within_slack_limits(core: Core, slack_api: FakeSlackAPI) -> None:
    """Every bundled lesson and fact, posted through the real transport to the stand-in (which checks Block Kit
    limits), with the chart uploaded."""
    from bot.common.paths import bundled
    from bot.features.lessons.catalogue import build_catalogue
    from bot.features.lessons.facts import build_facts
    from bot.features.lessons.views import fact_reply, lesson_reply

    transport = SlackTransport(make_client(core.settings))
    lessons = build_catalogue(bundled("content"))
    for lesson in lessons.lessons:
        transport.send(
            as_channel("C_LESSONS", "slack"), lesson_reply(lesson, lessons, f"L:{lesson.id}", "ja"), key=lesson.id
        )
    facts = build_facts(bundled("content"))
    for fact in facts.facts:
        transport.send(as_channel("C_LESSONS", "slack"), fact_reply(fact, "ja"), key=fact.id)
    posts = slack_api.calls_to("chat.postMessage")
    assert len(posts) == len(lessons.lessons) + len(facts.facts)
    charts = sum(1 for fact in facts.facts if fact.chart)
    assert charts >= 5 and len(slack_api.calls_to("files.completeUploadExternal")) == charts
