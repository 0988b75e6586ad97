"""Review DMs follow the business calendar: the day promised in a quiz's feedback is the first business day on
which ``quiz-review`` runs from the 3/7/21-day target, and that is the day the DM goes out — never a weekend,
holiday, 年末年始 or admin closed day. Each test runs wholly in frozen time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app.core import Core
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.features import build_router
from bot.models import OutboxMessage
from bot.scheduling.scheduler import next_run, run_occurrence, sync_schedules
from tests.addresses import as_user
from tests.conftest import ADMIN
from tests.content_fixtures import content_fixture  # noqa: F401 - the content fixture

TZ = ZoneInfo("Asia/Tokyo")
ROUTER = build_router()
STAFF = "U_STAFF"
WRONG = "L:first|0"  # the test lessons' right answer is the second choice


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture
def clock(core: Core, content: Path) -> Iterator:
    """A frozen clock (moved with ``clock.move_to(local(...))``) over a database with the default schedules."""
    with freeze_time(local("2026-11-30T08:00").astimezone(UTC)) as frozen:
        sync_schedules(core)
        yield frozen


def at(clock, core: Core, when: str) -> None:
    clock.move_to(local(when).astimezone(UTC))


def press(core: Core, value: str, user: str = STAFF) -> str:
    reply = ROUTER.dispatch(core, Request(as_user(user), kind="action", action_id="quiz_answer_0", value=value))
    return "\n".join([reply.text, *(section.text for section in reply.sections)])


def admin(core: Core, text: str) -> str:
    return ROUTER.dispatch(core, Request(as_user(ADMIN), kind="command", command="kiun", text=text, is_admin=True)).text


def review_job(clock, core: Core, when: str) -> list[OutboxMessage]:
    """Run ``quiz-review`` for the occurrence ``when`` (the clock moved there); the review DMs queued so far."""
    at(clock, core, when)
    assert run_occurrence(core, "quiz-review", local(when)) == "done"
    with core.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.key.like("quiz-review:%")).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def test_a_review_due_on_saturday_is_promised_and_sent_on_monday(core: Core, clock) -> None:
    at(clock, core, "2026-12-02T10:00")  # Wednesday: 3 days on is Saturday 12/5
    assert "12月7日（月）ごろに、この問題の復習クイズをDMでお送りします" in press(core, WRONG)
    assert review_job(clock, core, "2026-12-03T09:30") == []
    assert review_job(clock, core, "2026-12-04T09:30") == []
    assert next_run(core, "quiz-review", local("2026-12-04T09:30")) == local("2026-12-07T09:30")
    assert review_job(clock, core, "2026-12-05T09:30") == []  # even run by hand on the Saturday
    [dm] = review_job(clock, core, "2026-12-07T09:30")
    assert dm.address == as_user(STAFF) and "1回目の復習" in Reply.model_validate(dm.payload).sections[0].text


def test_a_review_due_in_the_year_end_closure_goes_out_on_january_4(core: Core, clock) -> None:
    at(clock, core, "2027-12-27T10:00")  # Monday: 12/30 is in 12/29–1/3 (and 1/1 a holiday)
    assert "1月4日（火）ごろに" in press(core, WRONG)
    assert next_run(core, "quiz-review", local("2027-12-28T09:30")) == local("2028-01-04T09:30")
    assert review_job(clock, core, "2027-12-28T09:30") == []
    assert len(review_job(clock, core, "2028-01-04T09:30")) == 1


def test_an_admin_closed_day_is_skipped(core: Core, clock) -> None:
    at(clock, core, "2026-12-02T10:00")
    assert "2026-12-07" in admin(core, "admin closed add 2026-12-07 庁舎点検")
    assert "12月8日（火）ごろに" in press(core, WRONG)
    assert review_job(clock, core, "2026-12-07T09:30") == []  # a run by hand on the closed day sends nothing
    assert len(review_job(clock, core, "2026-12-08T09:30")) == 1


def test_the_next_review_after_a_right_answer_skips_a_holiday(core: Core, clock) -> None:
    at(clock, core, "2027-01-01T10:00")  # answered on New Year's Day: 3 days on is Monday 1/4, a business day
    assert "1月4日（月）ごろに" in press(core, WRONG)
    [dm] = review_job(clock, core, "2027-01-04T09:30")
    right = Reply.model_validate(dm.payload).buttons()[1].value
    at(clock, core, "2027-01-04T12:00")  # 7 days on is 成人の日 (Monday 1/11)
    assert "次の復習は1月12日（火）ごろにお送りします。" in press(core, right)
    assert len(review_job(clock, core, "2027-01-11T09:30")) == 1
    assert len(review_job(clock, core, "2027-01-12T09:30")) == 2


def test_the_promise_follows_the_quiz_review_schedule(core: Core, clock) -> None:
    at(clock, core, "2026-12-01T10:00")
    assert "quiz-review" in admin(core, 'admin schedule quiz-review "月 9:30"')  # Mondays only
    assert "12月7日（月）ごろに" in press(core, WRONG)  # 3 days on is Friday 12/4, when it no longer runs
    assert next_run(core, "quiz-review", local("2026-12-01T10:00")) == local("2026-12-07T09:30")
    assert len(review_job(clock, core, "2026-12-07T09:30")) == 1


def test_two_reviews_due_the_same_day_are_promised_for_the_days_they_go_out(core: Core, clock) -> None:
    at(clock, core, "2026-12-02T10:00")
    assert "12月7日（月）ごろに" in press(core, WRONG)
    assert "12月8日（火）ごろに" in press(core, "L:second|0")  # one review DM a person a day
    assert [dm.key for dm in review_job(clock, core, "2026-12-07T09:30")] == ["quiz-review:1:1"]
    assert [dm.key for dm in review_job(clock, core, "2026-12-08T09:30")] == ["quiz-review:1:1", "quiz-review:2:1"]
