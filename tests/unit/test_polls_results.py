"""Poll results: the anonymity thresholds (5 scores, 10 comments), complementary suppression per department,
eNPS, change against the previous run, and the momentum trend."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.core import Core
from bot.features.polls.results import enps, momentum_trend, suppress
from bot.features.polls.runs import PollError, close_run, open_run
from bot.features.polls.templates import get_template
from bot.features.polls.views import results_message
from bot.platforms.console.directory import ConsoleDirectory
from tests.polls_support import USERS, answer, get_run, open_for, question, results


def test_suppress_hides_small_groups_and_the_next_smallest_when_only_one_is_small() -> None:
    assert suppress({"a": 12, "b": 7, "c": 3}, 5) == {"c", "b"}  # c alone would be total - a - b
    assert suppress({"a": 12, "b": 3, "c": 2}, 5) == {"b", "c"}  # two hidden already: nothing more
    assert suppress({"a": 12, "b": 7}, 5) == set()
    assert suppress({"a": 12, "b": 0, "c": 4}, 5) == {"c", "a"}  # empty groups do not count
    assert suppress({"a": 9, "b": 10}, 10) == {"a", "b"}


def test_enps_is_promoters_minus_detractors_in_percent() -> None:
    assert enps([10, 9, 8, 7, 6, 0]) == 0
    assert enps([10, 10, 10, 9]) == 100
    assert enps([6, 5, 9]) == -33
    assert enps([]) is None


def test_scores_hidden_at_4_answers_and_shown_at_5(core: Core) -> None:
    run = open_for(core, USERS)
    for user in USERS[:4]:
        answer(core, run, user, "relevance", "4")
    hidden = results(core, run.id)
    assert hidden.hidden and question(hidden, "relevance").mean is None
    assert hidden.to_json()["questions"][0] == {
        "id": "relevance",
        "type": "likert5",
        "n": 4,
        "mean": None,
        "distribution": None,
        "comments": None,
        "breakdown": {"-": {"label": "", "n": 4, "mean": None}},
    }
    answer(core, run, USERS[4], "relevance", "2")
    shown = results(core, run.id)
    relevance = question(shown, "relevance")
    assert not shown.hidden and relevance.mean == 3.6
    assert relevance.distribution == {"1": 0, "2": 1, "3": 0, "4": 4, "5": 0}


def test_comments_hidden_at_9_and_shown_at_10(core: Core) -> None:
    run = open_for(core, USERS)
    for number, user in enumerate(USERS[:9], 1):
        answer(core, run, user, "comment", f"意見{number}")
    assert question(results(core, run.id), "comment").comments is None
    assert question(results(core, run.id), "comment").n == 9
    answer(core, run, USERS[9], "comment", "意見10")
    assert sorted(question(results(core, run.id), "comment").comments) == sorted(f"意見{n}" for n in range(1, 11))


def test_a_question_with_fewer_than_5_answers_stays_hidden_when_the_run_shows(core: Core) -> None:
    run = open_for(core, USERS)
    for user in USERS[:6]:
        answer(core, run, user, "relevance", "5")
    for user in USERS[:3]:
        answer(core, run, user, "recommend", "10")
    shown = results(core, run.id)
    assert question(shown, "relevance").mean == 5.0
    assert question(shown, "recommend").enps is None and question(shown, "recommend").distribution is None


def test_department_breakdown_uses_the_answer_and_complementary_suppression(core: Core) -> None:
    people = [f"U{n:04d}" for n in range(1, 31)]
    run = open_for(core, people)
    groups = {"somu": people[:12], "kikaku": people[12:20], "shimin": people[20:23]}  # 12, 8, 3; 7 give none
    for department, members in groups.items():
        for user in members:
            answer(core, run, user, "department", department)
    for user in people:
        answer(core, run, user, "relevance", "4" if user in groups["somu"] else "2")
    relevance = question(results(core, run.id), "relevance")
    breakdown = relevance.breakdown
    assert breakdown["somu"].mean == 4.0 and breakdown["somu"].n == 12
    assert breakdown["shimin"].mean is None  # 3 < 5
    # 7 without a department form a group of their own, the next-smallest: hidden too, or shimin's mean would be
    # (total - somu - kikaku - no-department) / 3
    assert breakdown["-"].mean is None and breakdown["-"].n == 7
    assert breakdown["kikaku"].mean == 2.0
    department = question(results(core, run.id), "department")
    assert department.distribution == {"somu": 12, "kikaku": 8, "shimin": None}


def test_change_against_the_previous_run_and_the_momentum_trend(core: Core) -> None:
    first = open_for(core, USERS)
    for user in USERS[:5]:
        answer(core, first, user, "relevance", "3")
        answer(core, first, user, "recommend", "6")
    close_run(core, first.id)
    second = open_for(core, USERS)
    for user in USERS[:6]:
        answer(core, second, user, "relevance", "4")
        answer(core, second, user, "recommend", "10")
    now = results(core, second.id)
    assert question(now, "relevance").previous == 3.0 and question(now, "relevance").mean == 4.0
    assert (question(now, "recommend").previous, question(now, "recommend").enps) == (-100, 100)
    assert now.number == 2
    close_run(core, second.id)
    trend = momentum_trend(core)
    assert [point.run for point in trend] == [first.id, second.id]
    assert trend[0].scores == {"relevance": 3.0, "proposal": None, "time": None, "recommend": -100}
    assert (trend[1].responses, trend[1].recipients) == (6, len(USERS))


def test_a_run_cannot_be_closed_twice(core: Core) -> None:
    run = open_for(core, USERS)
    close_run(core, run.id)
    with pytest.raises(PollError) as caught:
        close_run(core, run.id)
    assert caught.value.key == "poll.already_closed"
    assert get_run(core, run.id).state == "closed"


def test_named_polls_show_everything_and_who_answered(core: Core) -> None:
    run = open_for(core, USERS[:3], poll="training-signup")
    answer(core, run, USERS[0], "join", "yes")
    answer(core, run, USERS[1], "join", "maybe")
    answer(core, run, USERS[1], "request", "午後の回を希望します")
    named = results(core, run.id)
    assert question(named, "join").distribution == {"yes": 1, "maybe": 1}
    assert question(named, "request").comments == ["午後の回を希望します"]
    assert named.respondents == [USERS[0], USERS[1]] and not named.hidden


def test_named_poll_results_show_a_scored_question_nobody_answered(core: Core, tmp_path: Path) -> None:
    (tmp_path / "named-scores.yml").write_text(
        "title: 研修の満足度\nanonymous: false\nperiod_days: 5\nquestions:\n"
        "  - {id: useful, type: likert5, text: 研修は役に立ちましたか}\n"
        "  - {id: recommend, type: enps, text: 同僚に勧めたいですか}\n",
        encoding="utf-8",
    )
    core.directory = ConsoleDirectory(USERS[:3])
    run = open_run(core, get_template("named-scores", tmp_path), core.local_now().date())
    answer(core, run, USERS[0], "useful", "4")
    named = results(core, run.id)
    assert question(named, "recommend").mean is None and question(named, "recommend").distribution is not None
    text = "\n".join(section.text for section in results_message(named, "ja", admin=True).sections)
    assert "4.0" in text and "研修は役に立ちましたか" in text and "同僚に勧めたいですか" in text
