"""Starting the app: the QApplication, the window, and its first action (whether a window
can open at all is ``imu_monitor.display``'s question, asked before any Qt is imported)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path


def close_on_interrupt(window) -> None:
    """Ctrl-C in the terminal (or SIGTERM) closes the window as its close button does: a
    recording in progress is saved first. (Python sees the signal between Qt events; the
    window's frame timer gives it those moments.)"""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: window.close())


def run_app(connect: str | None = None, review: Path | None = None, drill: str | None = None,
            threshold_deg: float | None = None) -> int:
    """Open the app; ``connect`` a source spec (e.g. the demo sensor) with ``drill`` and
    ``threshold_deg`` picked, or ``review`` a file."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from imu_monitor.app.main_window import MainWindow
    from imu_monitor.app.settings import AppSettings

    pg.setConfigOptions(antialias=False, background="w", foreground="k")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("imu_monitor")
    app.setOrganizationName("imu_monitor")
    window = MainWindow(AppSettings())
    close_on_interrupt(window)
    window.show()
    if drill:
        window.live_page.select_drill(drill, threshold_deg)
    if connect:
        name = "Demo sensor (simulated)" if connect.startswith("sim") else connect
        window.connect_sensor(connect, name)
    if review is not None:
        window.open_recording(review)
    return app.exec()
