"""What a command gives back besides its text: JSON on stdout, its output path, its status."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from imu_monitor.errors import InputDataError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM (a service manager, ``kill``) stops a command as Ctrl-C does: it had killed
    one outright in its first second, before a live session set its own handler."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold a Ctrl-C (or SIGTERM) that arrives while modules load until they have loaded,
    then raise it.

    Raised inside Python's import machinery, an interrupt can be printed as "ignored" (in a
    module lock's callback) and the command goes on as if nothing happened, or come out
    wrapped in another error (a class being created); held, it stops the command as any
    other Ctrl-C does. Only where the signal would interrupt (the default Ctrl-C handler,
    ``terminate_as_interrupt``; the main thread).
    """
    held = {signum: handler for signum in (signal.SIGINT, signal.SIGTERM)
            if (handler := signal.getsignal(signum)) in (signal.default_int_handler,
                                                         terminate_as_interrupt)}
    caught: list[int] = []
    for signum in held:
        signal.signal(signum, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
    if caught:
        raise KeyboardInterrupt


def print_json(document: dict) -> None:
    """JSON on stdout, stable key order; one write (the console checks each write for
    control characters, and ``json.dump`` writes every token on its own)."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def require_output(path: Path | None, what: str) -> Path:
    """An output path, or a clear error."""
    if path is None:
        raise InputDataError(f"Say where to write the {what} with -o FILE.")
    return path
