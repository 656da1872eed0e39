"""Whether a window can open here, asked without importing Qt.

Qt aborts the whole program when its platform plugin cannot start (a ``DISPLAY`` that does not
answer, a fresh Linux desktop without libxcb-cursor0): ``imu-monitor`` and the report writer
ask first, then say why in one line and fall back to the terminal or to offscreen drawing.
"""

from __future__ import annotations

import functools
import os
import re
import socket
import subprocess
import sys

PROBE_TIMEOUT_S = 20.0
# What Qt 6's X11 plugin needs beyond a basic X desktop (Debian/Ubuntu package names).
XCB_PACKAGES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                "xcb-keysyms": "libxcb-keysyms1", "xcb-image": "libxcb-image0",
                "xcb-render-util": "libxcb-render-util0", "xcb-shape": "libxcb-shape0",
                "xkbcommon-x11": "libxkbcommon-x11-0"}


def has_display() -> bool:
    """Whether a window can be shown (a desktop session, or a Qt platform chosen explicitly)."""
    return display_problem() is None


@functools.cache
def display_problem() -> str | None:
    """Why no window can open here, in a few words, or None.

    A ``DISPLAY`` that does not answer (a stale one over ssh, a stopped Xvfb), or a Qt that
    cannot load its X11 plugin (a fresh desktop without libxcb-cursor0), would make Qt abort
    the whole program; both are found first — the plugin by a child process that tries.
    """
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        return None
    display = os.environ.get("DISPLAY")
    if not display:
        return "no desktop session: DISPLAY is not set"
    if not x_server_answers(display):
        return f"the display {display} does not answer"
    return qt_plugin_problem()


def qt_plugin_problem() -> str | None:
    """Whether Qt's X11 plugin loads (tried in a child process: a failure aborts it)."""
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "from PySide6.QtGui import QGuiApplication; "
                                   "QGuiApplication(['imu-monitor'])"],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return None  # cannot tell: let Qt try
    if probe.returncode == 0:
        return None
    missing = sorted(set(re.findall(r"lib(xcb-[a-z-]+|xkbcommon-x11)", probe.stderr)))
    packages = " ".join(XCB_PACKAGES.get(m, f"lib{m}") for m in missing) or " ".join(
        XCB_PACKAGES.values())
    return ("Qt cannot load its X11 plugin (a library it needs is missing); on Debian or "
            f"Ubuntu install it with: sudo apt install {packages}")


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
