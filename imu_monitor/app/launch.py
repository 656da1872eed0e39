"""Starting the app: a display check, the QApplication, the window, and its first action.

Kept apart from the window so that ``imu-monitor`` can decide what to do without a display
(say so in one line and fall back to the terminal) before importing anything from Qt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def has_display() -> bool:
    """Whether a window can be shown (a desktop session, or a Qt platform chosen explicitly)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


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
    window.show()
    if drill:
        window.live_page.select_drill(drill, threshold_deg)
    if connect:
        name = "Demo sensor (simulated)" if connect.startswith("sim") else connect
        window.connect_sensor(connect, name)
    if review is not None:
        window.open_recording(review)
    return app.exec()
