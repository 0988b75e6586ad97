"""Every kiun feature through the real Teams SDK app over HTTP, with Bot Framework JWTs and the Bot Connector
stand-in: help, home, lessons and quiz, facts with a chart, ideas (form, quick, vote, review with a DM), polls,
Q&A, the report."""

from __future__ import annotations

from tests.integration.teams_harness import TeamsClient, button, card_of, card_text, teams  # noqa: F401


def test_help_in_the_personal_chat(teams: TeamsClient) -> None:
    staff = teams.person()
    teams.say(staff, "kiun help")
    [answer] = teams.posted(teams.chat(staff))
    text = card_text(card_of(answer))
    assert "idea" in text and "ask" in text
