"""Crash mid-broadcast: ``kiun worker`` is killed with SIGKILL three times at random points of a pulse poll sent
to 500 members and restarted each time; every member gets the poll exactly once (the restarted sender asks Slack,
through the message metadata, whether the message in flight went out). 20 kills: ``benchmarks/crash_broadcast.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.core import Core
from tests.fakes.slack_api import FakeSlackAPI
from tests.integration.crash_broadcast import crash_broadcast


@pytest.mark.slow
def test_sigkill_mid_broadcast_three_times_every_member_gets_the_poll_once(
    core: Core, slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    result = crash_broadcast(core, slack_api, tmp_path, members=500, kills=3, seed=7)
    assert len(result.in_flight) == 3 and all(count <= 1 for count in result.in_flight)
    assert (result.delivered, result.duplicates, result.lost) == (500, 0, 0)
    assert result.states == {"sent": 500}
