"""Slow work started by a person (an answer from the documents, a monthly report) without holding up Slack's
3-second acknowledgement: on the console it runs at once; elsewhere it runs in a thread and its reply goes to
the person's DM through the delivery outbox (so it is retried like any message)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

from bot.app.core import Core
from bot.chat.i18n import t
from bot.chat.reply import Reply
from bot.chat.request import Request
from bot.db.session import transaction
from bot.delivery.outbox import enqueue

log = logging.getLogger(__name__)


def reply_later(core: Core, request: Request, name: str, work: Callable[[], Reply], now: Reply) -> Reply:
    """Run ``work``; on the console return its reply, elsewhere return ``now`` and DM the reply when ready."""
    if request.platform == "console":
        return work()
    key = f"{name}:{request.user_id}:{uuid.uuid4().hex[:12]}"

    def run() -> None:
        try:
            reply = work()
        except Exception:  # noqa: BLE001 - the person still gets an answer; the detail goes to the log
            log.exception("%s failed", name)
            reply = Reply(text=t("error.generic", request.lang))
        with transaction(core.sessions) as session:
            enqueue(session, key, request.user, reply.model_copy(update={"ephemeral": False}))

    threading.Thread(target=run, name=f"kiun-{name}", daemon=True).start()
    return now
