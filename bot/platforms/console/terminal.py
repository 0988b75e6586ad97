"""Line input and output for the console."""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import TextIO

_WRITE = threading.Lock()  # whole lines only, even when a worker thread prints deliveries meanwhile


def write_line(stream: TextIO, text: str) -> None:
    with _WRITE:
        stream.write(text + "\n")
        stream.flush()


class Terminal:
    """Writes whole lines and reads lines until end of input.

    In a terminal the prompt stays on the line and the person's typing is echoed by the terminal (with line
    editing and history where ``readline`` exists); when the input is scripted, each line read is written after
    its prompt, so the output reads like the conversation.
    """

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = _isatty(stdin)
        self._use_input = self.interactive and stdin is sys.stdin and stdout is sys.stdout
        if self._use_input:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401 - line editing and history for input()

    def say(self, text: str) -> None:
        write_line(self.stdout, text)

    def ask(self, prompt: str) -> str | None:
        """One line without its newline, or None at end of input."""
        if self._use_input:
            try:
                return input(prompt)
            except EOFError:
                self.say("")
                return None
        with _WRITE:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        if not self.interactive:
            write_line(self.stdout, line.rstrip("\r\n"))
        return None if line == "" else line.rstrip("\r\n")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
