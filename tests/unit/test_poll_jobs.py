"""The poll jobs: biweekly opening, resuming an interrupted opening, one reminder to non-respondents only,
closing at the end of the period; and the secret key they need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from bot.app.config import ConfigError
from bot.app.core import Core
from bot.features.polls.jobs import poll_close, poll_open, poll_remind
from bot.features.polls.runs import start_run
from bot.features.polls.templates import get_template
from bot.platforms.console.directory import ConsoleDirectory
from tests.addresses import as_channel
from tests.polls_support import USERS, answer, at, get_run, open_for, outbox_keys

TOKYO = ZoneInfo("Asia/Tokyo")


CLOCK: list[FrozenDateTimeFactory] = []  # this test's frozen clock (see ``frozen``)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test here runs wholly in frozen time, from Monday 2026-12-07 09:00 in Tokyo; ``fire`` and ``on``
    move the clock on."""
    with freeze_time("2026-12-07T00:00:00Z") as clock:
        CLOCK[:] = [clock]
        yield
    CLOCK.clear()


def on(day: date, hour: int = 9) -> date:
    """Move the clock to ``hour`` o'clock on ``day`` in Tokyo; returns ``day``."""
    CLOCK[0].move_to(datetime.combine(day, time(hour), tzinfo=TOKYO))
    return day


def fire(job: Callable, core: Core, day: date, hour: int, params: dict | None = None) -> None:
    """Run ``job`` for its occurrence at ``hour`` on ``day``, at that time, as the scheduler does."""
    on(day, hour)
    job(core, at(day, hour, core), params or {})


def runs_of(core: Core):
    from sqlalchemy import select

    from bot.models import PollRun

    with core.sessions() as session:
        return list(session.scalars(select(PollRun).order_by(PollRun.id)))


def test_poll_open_opens_the_pulse_every_other_week(core: Core) -> None:
    core.directory = ConsoleDirectory(USERS)
    fire(poll_open, core, date(2026, 12, 14), 9)  # week 49 from 2026-01-05: odd
    assert runs_of(core) == []
    fire(poll_open, core, date(2026, 12, 7), 9)  # week 48: even
    (run,) = runs_of(core)
    assert (run.poll, run.state, run.recipients) == ("dx-momentum", "open", len(USERS))
    assert (run.opened_on, run.remind_on, run.closes_on) == (date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 11))
    assert len(outbox_keys(core, f"poll:{run.id}:")) == len(USERS)
    fire(poll_open, core, date(2026, 12, 7), 9)  # a second firing (catch-up) changes nothing
    assert len(runs_of(core)) == 1 and len(outbox_keys(core, "poll:")) == len(USERS)
    fire(poll_open, core, date(2026, 12, 7), 9, {"templates": ["quick-pulse"]})
    assert len(runs_of(core)) == 1


def test_period_skips_closed_days(core: Core) -> None:
    run = open_for(core, USERS, today=on(date(2026, 12, 25)))  # Fri; 12/29-1/3 closed; 5 days: 12/25, 28, 1/4, 5, 6
    assert (run.opened_on, run.closes_on) == (date(2026, 12, 25), date(2027, 1, 6))
    quick = open_for(core, USERS, poll="quick-pulse", today=on(date(2026, 12, 26)))  # Saturday: opens Monday
    assert (quick.opened_on, quick.remind_on, quick.closes_on) == (
        date(2026, 12, 28),
        date(2027, 1, 4),
        date(2027, 1, 5),
    )


def test_interrupted_opening_is_resumed_once(core: Core) -> None:
    core.directory = ConsoleDirectory(USERS)
    run = start_run(core, get_template("quick-pulse"), on(date(2026, 12, 7)))  # stopped before sending
    fire(poll_remind, core, date(2026, 12, 7), 10)
    fire(poll_remind, core, date(2026, 12, 7), 10)
    assert get_run(core, run.id).state == "open"
    assert len(outbox_keys(core, f"poll:{run.id}:")) == len(USERS)


def test_reminder_goes_once_and_only_to_those_who_have_not_answered(core: Core) -> None:
    run = open_for(core, USERS, today=on(date(2026, 12, 7)))
    answer(core, run, USERS[0], "relevance", "4")
    answer(core, run, USERS[1], "comment", "よい取り組みです")
    fire(poll_remind, core, date(2026, 12, 8), 10)  # before mid-period
    assert outbox_keys(core, "poll-remind:") == {}
    fire(poll_remind, core, date(2026, 12, 9), 10)
    reminded = outbox_keys(core, f"poll-remind:{run.id}:")
    assert sorted(row.address.id for row in reminded.values()) == USERS[2:]
    assert {row.address.kind for row in reminded.values()} == {"user"}
    answer(core, run, USERS[2], "relevance", "5")
    fire(poll_remind, core, date(2026, 12, 10), 10)
    assert outbox_keys(core, "poll-remind:").keys() == reminded.keys()


def test_close_at_the_end_of_the_period_posts_results_and_forgets_who_was_reminded(core: Core) -> None:
    run = open_for(core, USERS, today=on(date(2026, 12, 7)))
    fire(poll_remind, core, date(2026, 12, 9), 10)
    fire(poll_close, core, date(2026, 12, 10), 17)
    assert get_run(core, run.id).state == "open"
    fire(poll_close, core, date(2026, 12, 11), 17)
    assert get_run(core, run.id).state == "closed"
    posted = outbox_keys(core, f"poll-results:{run.id}")[f"poll-results:{run.id}"]
    assert posted.address == as_channel("C_POLLS") and "DX機運パルス（第1回）の結果" in posted.payload["text"]
    assert outbox_keys(core, "poll-remind:") == {}  # pending reminders are pointless now and name non-respondents


def test_polls_need_the_secret_key(core: Core) -> None:
    core.settings.kiun_secret_key = None
    core.directory = ConsoleDirectory(USERS)
    with pytest.raises(ConfigError, match="KIUN_SECRET_KEY is not set"):
        fire(poll_open, core, date(2026, 12, 7), 9)
    assert runs_of(core) == []
