"""Where recordings live unless told otherwise: a per-user data folder.

Not the folder the program happens to be started from: inside a source checkout, recordings
would show up as untracked files and patient data could end up committed. A clinic that
keeps recordings elsewhere (a shared drive) sets ``IMU_MONITOR_RECORDINGS``; the app's
Folder… button and the CLI's ``--output``/FOLDER arguments choose per use.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import platformdirs

RECORDINGS_ENV = "IMU_MONITOR_RECORDINGS"
# The demo recordings beside the package in a source checkout (not in an installed wheel).
DEMO_FOLDER = Path(__file__).resolve().parents[2] / "recordings"


def default_recordings_folder() -> Path:
    """``IMU_MONITOR_RECORDINGS``, or ``recordings`` in the user's data folder
    (``~/.local/share/imu_monitor`` on Linux, ``~/Library/Application Support/imu_monitor``
    on macOS, ``%LOCALAPPDATA%\\imu_monitor`` on Windows)."""
    override = os.environ.get(RECORDINGS_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path("imu_monitor", appauthor=False) / "recordings"


def prepared_recordings_folder() -> Path:
    """The default folder, made when first needed; a new one gets a copy of the demo
    recordings (when they are there to copy), so a new user's library is not empty."""
    folder = default_recordings_folder()
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for demo in sorted(DEMO_FOLDER.glob("demo-*.imurec")):
            shutil.copy2(demo, folder / demo.name)
    return folder
