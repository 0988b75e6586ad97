"""Integration fixtures: ``kiun`` (the real kiun HTTP server) and ``sender`` (signed Slack requests)."""

from tests.integration.slack_harness import kiun_fixture, sender_fixture

__all__ = ["kiun_fixture", "sender_fixture"]
