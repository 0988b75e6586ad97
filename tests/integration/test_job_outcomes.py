"""``kiun jobs run NAME`` says what the run did, or why it did nothing and what to do instead — for every job.

Each test runs wholly in frozen time (the CLI's clock is the frozen one), on the test database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import update

from bot.app.core import Core
from bot.cli import main
from bot.db.session import transaction
from bot.features.ideas.rules import IdeaFields
from bot.features.ideas.store import create_idea
from bot.models import JobRun, OutboxMessage, QuizReview
from tests.addresses import as_channel
from tests.content_fixtures import write_content
from tests.fakes.slack_api import FakeSlackAPI

MEMBERS = ["U0001", "U0002", "U0003"]


@pytest.fixture(autouse=True)
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI on the test database with polls on (KIUN_POLL_CHANNEL, KIUN_SECRET_KEY) but no other channel, no
    admins and no Slack token unless a test sets them; logging (which the CLI configures) restored afterwards."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KIUN_YEAR_END_CLOSED", "12-29..01-03")
    for name in (
        "KIUN_CATCHUP_GRACE_MINUTES",
        "KIUN_CONTENT_DIR",
        "KIUN_LESSON_CHANNEL",
        "KIUN_IDEAS_CHANNEL",
        "KIUN_ADMINS",
        "SLACK_BOT_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIUN_SECRET_KEY", "outcome-test-secret-key")
    monkeypatch.setenv("KIUN_POLL_CHANNEL", "C_POLLS")
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def jst(text: str) -> datetime:
    """A Tokyo wall-clock time (``2026-12-02T10:00``)."""
    return datetime.fromisoformat(text + "+09:00").astimezone(UTC)


def frozen(text: str):
    return freeze_time(jst(text))


def run(capsys: pytest.CaptureFixture[str], clock, name: str) -> tuple[int, str]:
    """``kiun jobs run NAME``: exit code and the one line it printed (stdout when done, stderr otherwise). The
    frozen clock then moves on a second, as a run is one occurrence: a second run at the same instant is refused."""
    code = main(["jobs", "run", name])
    clock.tick(1)
    out, err = capsys.readouterr()
    return code, (out if code == 0 else err).strip().splitlines()[-1]


# -- polls ---------------------------------------------------------------------------------------------------


def test_poll_open_on_a_day_nothing_is_due_names_the_next_due_template(core: Core, capsys) -> None:
    # a Wednesday of a week dx-momentum (every 2 weeks from 2026-01-05) skips
    with frozen("2026-12-02T10:00") as clock:
        assert run(capsys, clock, "poll-open") == (
            0,
            "kiun: poll-open: no poll template is due on 12/2; dx-momentum is next due on 12/7; "
            "to open one now: /kiun admin poll start dx-momentum",
        )


def test_poll_open_next_due_skips_the_year_end_closure(core: Core, capsys) -> None:
    with frozen("2027-12-28T10:00") as clock:  # a Tuesday of a week dx-momentum skips
        # the week of Monday 2028-01-03 is due, but 1/3 is closed: poll-open runs on Tuesday 1/4
        assert "dx-momentum is next due on 1/4;" in run(capsys, clock, "poll-open")[1]


def test_a_due_week_closed_from_monday_to_friday_opens_its_poll_on_the_next_business_day(
    core: Core, capsys, slack_api: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2031-12-29 (Mon) to 2032-01-02 (Fri) is 年末年始, in a week dx-momentum is due; the week of 1/5 is not due,
    # yet its Monday is the first business day after the due week
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    slack_api.members = MEMBERS
    with frozen("2031-12-24T10:00") as clock:
        assert "dx-momentum is next due on 1/5;" in run(capsys, clock, "poll-open")[1]
        clock.move_to(jst("2032-01-05T09:00:05"))
        assert run(capsys, clock, "poll-open") == (
            0,
            "kiun: poll-open: dx-momentum opened as run #1 and sent to 3 members",
        )


def test_poll_remind_and_close_with_no_open_poll_say_so(core: Core, capsys) -> None:
    with frozen("2026-12-02T10:00") as clock:
        assert run(capsys, clock, "poll-remind") == (0, "kiun: poll-remind: no open poll is due a reminder on 12/2")
        assert run(capsys, clock, "poll-close") == (0, "kiun: poll-close: no open poll closes on 12/2")


def test_poll_open_remind_and_close_say_what_they_did(
    core: Core, capsys, slack_api: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack_api.api_url)
    slack_api.members = MEMBERS
    with frozen("2026-12-07T09:00:05") as clock:  # Monday of a due week
        assert run(capsys, clock, "poll-open") == (
            0,
            "kiun: poll-open: dx-momentum opened as run #1 and sent to 3 members",
        )
        assert run(capsys, clock, "poll-open") == (
            0,
            "kiun: poll-open: dx-momentum not opened: run #1 is still open (close it with /kiun admin poll close 1)",
        )
        assert run(capsys, clock, "poll-remind") == (
            0,
            "kiun: poll-remind: no open poll is due a reminder on 12/7; run #1 (dx-momentum) is reminded on 12/9",
        )
        assert run(capsys, clock, "poll-close") == (
            0,
            "kiun: poll-close: no open poll closes on 12/7; run #1 (dx-momentum) closes on 12/11",
        )
        clock.move_to(jst("2026-12-09T10:00:05"))
        assert run(capsys, clock, "poll-remind") == (0, "kiun: poll-remind: reminded 3 members of run #1")
        clock.move_to(jst("2026-12-11T17:00:05"))
        assert run(capsys, clock, "poll-close") == (
            0,
            "kiun: poll-close: closed run #1 and posted its results to C_POLLS",
        )


def test_poll_open_without_a_poll_channel_says_polls_are_off(core: Core, capsys, monkeypatch) -> None:
    monkeypatch.delenv("KIUN_POLL_CHANNEL")
    with frozen("2026-12-07T09:00:05") as clock:  # a due Monday
        assert run(capsys, clock, "poll-open") == (0, "kiun: poll-open: KIUN_POLL_CHANNEL is not set; no poll opened")


def test_a_failing_run_prints_its_error(core: Core, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIUN_SECRET_KEY")
    with frozen("2026-12-07T09:00:05") as clock:  # due, but the key is missing (kiun worker would not start)
        code, line = run(capsys, clock, "poll-open")
    assert code == 1
    assert line.startswith("kiun: poll-open: failed: ConfigError: KIUN_SECRET_KEY is not set")


# -- lessons, facts, reviews ---------------------------------------------------------------------------------


def test_lesson_and_fact_say_what_they_posted_or_why_not(
    core: Core, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with frozen("2026-12-07T09:00:05") as clock:
        monkeypatch.setenv("KIUN_CONTENT_DIR", str(write_content(tmp_path / "content", ["first"], ["fact-one"])))
        missing = "is not set (nor a channel in the schedule's params)"
        assert run(capsys, clock, "lesson") == (0, f"kiun: lesson: KIUN_LESSON_CHANNEL {missing}; no lesson posted")
        assert run(capsys, clock, "fact") == (0, f"kiun: fact: KIUN_LESSON_CHANNEL {missing}; no fact posted")
        monkeypatch.setenv("KIUN_LESSON_CHANNEL", "C_LESSONS")
        assert run(capsys, clock, "lesson") == (0, "kiun: lesson: lesson first queued for C_LESSONS")
        assert run(capsys, clock, "lesson") == (0, "kiun: lesson: review round 1 of lesson first queued for C_LESSONS")
        assert run(capsys, clock, "fact") == (0, "kiun: fact: fact fact-one queued for C_LESSONS")
        monkeypatch.setenv("KIUN_CONTENT_DIR", str(write_content(tmp_path / "empty", [])))
        assert run(capsys, clock, "lesson") == (0, "kiun: lesson: no valid lesson to post (see kiun content check)")
        assert run(capsys, clock, "fact") == (0, "kiun: fact: no valid fact to post (see kiun content check)")


def test_quiz_review_with_nothing_due_says_when_the_next_is(core: Core, capsys) -> None:
    with frozen("2026-12-02T10:00") as clock:
        assert run(capsys, clock, "quiz-review") == (0, "kiun: quiz-review: no review quiz is due on 12/2")
        with transaction(core.sessions) as session:
            session.add(
                QuizReview(user_id="U0001", lesson_id="first", step=0, due_on=date(2026, 12, 7), state="waiting")
            )
        assert run(capsys, clock, "quiz-review") == (
            0,
            "kiun: quiz-review: no review quiz is due on 12/2; the next is due on 12/7",
        )


# -- ideas, the weekly plan, housekeeping -------------------------------------------------------------------


def test_idea_digest_says_what_it_posted_or_why_not(core: Core, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    with frozen("2026-12-04T16:00:05") as clock:
        create_idea(core, "U0001", IdeaFields(title="会議資料をペーパーレスにしたい", proposal="資料を減らします。"))
        clock.tick(1)
        missing = "KIUN_IDEAS_CHANNEL is not set (nor a channel in the schedule's params); no digest posted"
        assert run(capsys, clock, "idea-digest") == (0, f"kiun: idea-digest: {missing}")
        monkeypatch.setenv("KIUN_IDEAS_CHANNEL", "C_IDEAS")
        assert run(capsys, clock, "idea-digest") == (
            0,
            "kiun: idea-digest: digest queued for C_IDEAS (1 new, 0 changed, 0 most voted)",
        )
        assert run(capsys, clock, "idea-digest") == (
            0,
            "kiun: idea-digest: today's digest was already queued for C_IDEAS; nothing posted",
        )


def test_weekly_plan_says_whom_it_told(core: Core, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    with frozen("2026-12-07T08:30:05") as clock:
        assert run(capsys, clock, "weekly-plan") == (
            0,
            "kiun: weekly-plan: KIUN_ADMINS is empty; nobody to send the weekly plan to",
        )
        monkeypatch.setenv("KIUN_ADMINS", "U_ADMIN")
        assert run(capsys, clock, "weekly-plan") == (0, "kiun: weekly-plan: weekly plan queued for 1 of 1 admins")


def test_housekeeping_says_what_it_deleted(core: Core, capsys) -> None:
    with frozen("2026-12-07T03:00:05") as clock:
        assert run(capsys, clock, "housekeeping") == (
            0,
            "kiun: housekeeping: nothing old enough to delete "
            "(event ids after 7 days, sent messages after 90, job runs after 180)",
        )
        long_ago = datetime(2026, 1, 5, tzinfo=UTC)
        with transaction(core.sessions) as session:
            session.add(
                OutboxMessage(
                    key="old", address=as_channel("C_X"), payload={"text": "x"}, state="sent", sent_at=long_ago
                )
            )
        with transaction(core.sessions) as session:
            session.execute(update(JobRun).values(started_at=long_ago))  # the first run's row
        assert run(capsys, clock, "housekeeping") == (
            0,
            "kiun: housekeeping: deleted platform event ids: 0, sent messages: 1, job runs: 1",
        )
