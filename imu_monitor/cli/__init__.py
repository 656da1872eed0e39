"""The ``imu-monitor`` command line: ``entry`` (the script), ``main`` (arguments), ``commands``
(what each does), ``live`` and ``report`` (terminal views), ``output`` and ``console``."""

from __future__ import annotations


def run() -> None:
    """The entry point as installations made before ``cli.entry`` name it (their script
    imports ``imu_monitor.cli:run``)."""
    from imu_monitor.cli.entry import run as entry_run

    entry_run()
