"""``kiun`` with Socket Mode's reconnection timings shortened, for the Socket Mode tests:
``python -m tests.integration.socket_serve serve …``.

A 30-second outage then fits in about two seconds of test: backoff 0.1 s doubling to 0.4 s (instead of 1 s to 30 s)
and a ping every 0.5 s. These are the module's constants, not settings, so production keeps one tested set of
figures; everything else is the real ``kiun``.
"""

from __future__ import annotations

import sys

from bot.cli import main
from bot.platforms.slack import socket

socket.BACKOFF_FIRST_SECONDS = 0.1
socket.BACKOFF_MAX_SECONDS = 0.4
socket.PING_SECONDS = 0.5

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
