"""Text that is safe to print on any terminal.

Values read from files (a patient code, notes, a device name, a file name) may hold escape
sequences that would drive the terminal (move the cursor, hide lines, set the title); every
control character but newline, tab and carriage return (progress lines) is shown escaped
(``\\x1b``). And a console whose encoding cannot carry our marks (a Windows cp1252 console
and '▲', an ASCII pipe and '°') gets ASCII stand-ins instead of a ``UnicodeEncodeError``.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import sys
from typing import TextIO

ASCII_MARKS = {"▲": "^", "▼": "v", "°": " deg", "–": "-", "—": "-", "−": "-", "…": "...",
               "²": "2", "µ": "u", "×": "x", "≤": "<=", "≥": ">=", "→": "->", "·": ".",
               "±": "+/-", "’": "'", "‘": "'", "“": '"', "”": '"', "é": "e"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # \t \n \r pass
ERRORS = "imu_monitor_ascii"


def _ascii_marks(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(ASCII_MARKS.get(c, "?") for c in text), error.end


codecs.register_error(ERRORS, _ascii_marks)


def printable(text: str) -> str:
    """``text`` with every control character but newline, tab and return escaped."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class SafeConsole:
    """A text stream that escapes control characters before writing them, and that stops
    printing — only printing — when its reader has gone (``record | head -3``: the recording
    goes on to its end; docs/cli.md, exit statuses)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(printable(text))
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()

    def _silence(self) -> None:
        self._stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives on

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def install() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` safe (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, SafeConsole):
            continue
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors=ERRORS)
        setattr(sys, name, SafeConsole(stream))
