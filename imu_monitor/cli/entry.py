"""The ``imu-monitor`` command's entry point (what the installed script runs)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from imu_monitor.cli.output import EXIT_INTERRUPTED, interrupts_held, terminate_as_interrupt


def run() -> None:
    """The command's entry point: an interrupt at any moment — while the program loads, works
    or ends — gives one line and a documented status, never a traceback or a death by signal.

    Once the command has returned, everything is saved and closed; a Ctrl-C that arrives in
    the last milliseconds must not kill the process (CPython's finalisation restores the
    default handler, and an interrupt that reached code an extension was running makes it end
    by SIGINT even once handled): so interrupts are ignored from then on, the output flushed,
    and the process leaves with the command's status.
    """
    with contextlib.suppress(ValueError):  # (not the main thread: nothing to install)
        signal.signal(signal.SIGTERM, terminate_as_interrupt)
    try:
        with interrupts_held():
            from imu_monitor.cli.main import main
            from imu_monitor.logs import start_logging

        start_logging()
        code = main(exiting=True)
    except Exception as exc:  # an interrupt wrapped on its way up (see _interrupted)
        if not _interrupted(exc):
            raise
        code = _stopped()
    except KeyboardInterrupt:
        code = _stopped()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def _stopped() -> int:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write("imu-monitor: stopped.\n")
    return EXIT_INTERRUPTED


def _interrupted(exc: BaseException | None) -> bool:
    """Whether an interrupt caused ``exc``: Python 3.11 turns one that arrives while a class
    is being created (a dataclass field's ``__set_name__``, as our modules load) into a
    ``RuntimeError`` caused by it."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
