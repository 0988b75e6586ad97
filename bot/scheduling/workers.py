"""The background work of a kiun process: the scheduler, the deferred-work runner and the outbox sender.

``kiun worker`` runs only these (:func:`run_worker`); ``kiun serve`` runs the same :class:`Workers` next to the
Slack listener unless ``--no-worker``; the caller picks the platform's transport. Stopping is graceful: the sender
finishes and records the message in flight, the runner finishes its task in flight and starts no other, the
scheduler lets running jobs finish; anything not yet sent stays in the outbox, anything not yet run in the deferred
queue, for the next start.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from bot.app.core import Core
from bot.delivery.deferred import Runner
from bot.delivery.outbox import CheckedTransport, Sender, Transport
from bot.scheduling.scheduler import Scheduler

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 30.0


class Workers:
    """The scheduler plus a sender thread delivering the outbox through ``transport``: the rows addressed on
    ``platform`` (all rows when None), at ``rate_per_second`` (default ``KIUN_SEND_RATE``)."""

    def __init__(
        self,
        core: Core,
        transport: Transport | CheckedTransport,
        platform: str | None = None,
        rate_per_second: float | None = None,
    ) -> None:
        self.sender = Sender(core, transport, rate_per_second, platform=platform)
        self.runner = Runner(core, on_reply=self.sender.notify)
        self.scheduler = Scheduler(core)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self.sender.run, args=(self._stop,), name="kiun-sender", daemon=True),
            threading.Thread(target=self.runner.run, args=(self._stop,), name="kiun-deferred", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        self.scheduler.start()
        log.info("workers started: scheduler, deferred runner %s and outbox sender %s", self.runner.id, self.sender.id)

    def notify(self) -> None:
        """Tell the sender that there is something to send now (it also polls every second)."""
        self.sender.notify()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop taking work, finish what is in flight; False if the runner or sender did not stop within
        ``timeout``."""
        self._stop.set()
        self.runner.notify()
        self.sender.notify()
        self.scheduler.shutdown(wait=True)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        busy = [thread.name for thread in self._threads if thread.is_alive()]
        if busy:
            log.warning("%s still busy after %.0f s; its work is resumed at the next start", busy, timeout)
        else:
            log.info("workers stopped")
        return not busy


def run_worker(
    connect: Callable[[threading.Event], Core | None],
    transport_for: Callable[[Core], Transport | CheckedTransport],
    platform: str | None = None,
    rate_per_second: float | None = None,
) -> int:
    """``kiun worker``: run the workers until SIGTERM or SIGINT, then stop them gracefully (exit code 0).

    ``connect(stop)`` gives the Core once the database answers (None when stopped while waiting for it);
    ``transport_for(core)`` the platform's transport; ``platform`` and ``rate_per_second`` as for :class:`Workers`."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        core = connect(stop)
        if core is None:
            return 0
        workers = Workers(core, transport_for(core), platform, rate_per_second)
        try:
            workers.start()
            log.info("kiun worker running; stop with Ctrl-C or SIGTERM")
            while not stop.wait(1.0):
                pass
            log.info("kiun worker stopping; finishing work in flight")
        finally:
            workers.stop()
            core.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
