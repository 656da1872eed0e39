"""Starting the app: a display check, the QApplication, the window, and its first action.

Kept apart from the window so that ``imu-monitor`` can decide what to do without a display
(say so in one line and fall back to the terminal) before importing anything from Qt.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path


def has_display() -> bool:
    """Whether a window can be shown (a desktop session, or a Qt platform chosen explicitly).

    An X display that does not answer (a stale ``DISPLAY`` over ssh, a stopped Xvfb) counts
    as none: Qt would abort the whole program when it cannot reach it.
    """
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY")
    return bool(display) and x_server_answers(display)


def x_server_answers(display: str, timeout_s: float = 1.0) -> bool:
    """Whether the X server of ``display`` (``:0``, ``unix:1``, ``host:10.0``) accepts a
    connection: its local socket (file or abstract), or TCP port 6000 + n."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        addresses = [(socket.AF_UNIX, f"/tmp/.X11-unix/X{number}"),
                     (socket.AF_UNIX, f"\0/tmp/.X11-unix/X{number}")]
    else:
        addresses = [(socket.AF_INET, (host, 6000 + int(number)))]
    for family, address in addresses:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.settimeout(timeout_s)
                probe.connect(address)
                return True
        except OSError:
            continue
    return False


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
