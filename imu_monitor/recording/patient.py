"""Patient codes and recording names: pseudonymous by construction.

A recording holds patient data, so it names the patient by a code the clinic keeps elsewhere,
never by name; the same rule applies from the CLI and the app.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.recording.schema import EXTENSION

PATIENT_CODE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def check_patient_code(value: str | None) -> str | None:
    """``value`` if it is a valid code (None and "" mean none), else a clear error."""
    if not value:
        return None
    if not PATIENT_CODE.match(value):
        raise InputDataError("Use a pseudonymous patient code (up to 32 letters, digits, '-', "
                             "'_' or '.'), never a name.")
    return value


def default_recording_path(folder: Path, patient: str | None) -> Path:
    """``FOLDER/YYYYMMDD-HHMMSS-CODE.imurec`` (``session`` without a code; ``-2``, ``-3``…
    added when two recordings start within the same second)."""
    stem = f"{dt.datetime.now():%Y%m%d-%H%M%S}-{patient or 'session'}"
    path, k = Path(folder) / f"{stem}{EXTENSION}", 1
    while path.exists():
        k += 1
        path = Path(folder) / f"{stem}-{k}{EXTENSION}"
    return path
