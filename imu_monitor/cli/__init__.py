"""The ``imu-monitor`` command line."""

from __future__ import annotations

import contextlib
import os
import sys

EXIT_INTERRUPTED = 130


def run() -> None:
    """The command's entry point: an interrupt at any moment — even while the program is still
    loading — ends with one line and status 130, never a traceback."""
    try:
        from imu_monitor.cli.main import main

        code = main()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("imu-monitor: stopped.\n")
    if code == EXIT_INTERRUPTED:
        # An interrupt that reached Python code run by an extension while it loaded (Qt does
        # this) makes CPython end by killing itself with SIGINT even once handled: status
        # -2 instead of 130. Nothing is left to do, so leave with the documented status.
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)
