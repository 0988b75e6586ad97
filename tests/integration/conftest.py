"""Integration fixtures: ``kiun`` (the real kiun HTTP server), ``sender`` (signed Slack requests) and ``teams``
(the real kiun Teams server with signed activities)."""

from tests.integration.slack_harness import kiun_fixture, sender_fixture
from tests.integration.teams_harness import teams

__all__ = ["kiun_fixture", "sender_fixture", "teams"]
