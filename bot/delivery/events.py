"""Platform events handled once: a retried delivery (Slack's retries, Teams re-sending an activity) or another
replica's copy finds its key already in ``platform_events`` and is ignored."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.app.core import Core
from bot.db.session import transaction
from bot.delivery.models import PlatformEvent

KEY_LENGTH = 200


def first_delivery(core: Core, key: str) -> bool:
    """Record ``key`` (a platform's event or activity id) as handled; False when it already was — by this process
    or another replica (a unique database row)."""
    try:
        with transaction(core.sessions) as session:
            session.add(PlatformEvent(event_id=key[:KEY_LENGTH]))
    except IntegrityError:
        return False
    return True
