"""Two OS processes run the real scheduler on one PostgreSQL database: each occurrence runs exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.core import Core
from bot.db.session import transaction
from bot.models import JobRun, Schedule

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_processes_run_each_occurrence_once(core: Core, database_url: str) -> None:
    if core.engine.dialect.name != "postgresql":
        pytest.skip("several scheduler processes need PostgreSQL: set KIUN_TEST_DATABASE_URL to run this test")
    with transaction(core.sessions) as session:
        session.add(Schedule(name="tick", job="test-tick", cron="* * * * * *", business_days_only=False, params={}))
    env = os.environ | {"DATABASE_URL": database_url, "KIUN_CATCHUP_GRACE_MINUTES": "0", "KIUN_LOG_LEVEL": "INFO"}
    start_at = time.time() + 3.0  # both processes import and connect first, then start together
    command = [sys.executable, "-m", "tests.integration.scheduler_worker", str(start_at), str(start_at + 3.0)]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=20) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _, err in outputs]

    attempts = []  # per process: occurrence -> won
    for _, err in outputs:
        records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")], records
        attempts.append({r["occurrence"]: r["won"] for r in records if r.get("schedule") == "tick" and "won" in r})

    with core.sessions() as session:
        rows = session.scalars(select(JobRun).where(JobRun.schedule == "tick")).all()
    occurrences = Counter(row.occurrence for row in rows)
    assert len(rows) >= 2
    assert max(occurrences.values()) == 1
    assert {row.state for row in rows} == {"done"}
    assert {row.worker for row in rows} <= {f"{os.uname().nodename}:{p.pid}" for p in processes}

    assert all(len(attempted) >= 2 for attempted in attempts), attempts
    won = [occurrence for attempted in attempts for occurrence, took in attempted.items() if took]
    assert len(won) == len(set(won)) == len(rows)
    both = set(attempts[0]) & set(attempts[1])
    assert both, attempts
    for occurrence in both:
        assert attempts[0][occurrence] != attempts[1][occurrence], occurrence
