"""Patient codes and recording names: pseudonymous by construction.

A recording holds patient data, so it names the patient by a code the clinic keeps elsewhere,
never by name; the same rule applies from the CLI and the app.

The rule (docs/cli.md): 1–12 characters of letters, digits and '-', at least one digit, and no
date in it. A name has no digit ("JohnSmith") or has a dot or a space ("john.smith", "Jane
Doe"); a date of birth is a run of six or more digits or a year with a month
("SMITH_J_1980-01-01", "P-19800101", "P-1980-01"). The length is checked before anything else,
so a pasted paragraph gets the rule, not a file-system error.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.recording.schema import EXTENSION

PATIENT_CODE = re.compile(r"^[A-Za-z0-9-]{1,12}$")
MAX_CODE_LENGTH = 12
DATE_LIKE = re.compile(r"\d{6}|(19|20)\d\d-?(0[1-9]|1[0-2])\b|"
                       r"\b(0?[1-9]|[12]\d|3[01])-(0?[1-9]|1[0-2])-\d{2,4}\b")
CODE_RULE = ("A patient code is 1–12 letters, digits or '-', with at least one digit and no "
             "date in it (like P-017 or K3-044); never a name or a date of birth.")


def check_patient_code(value: str | None) -> str | None:
    """``value`` if it is a valid code (None and "" mean none), else a clear error."""
    if not value:
        return None
    if len(value) > MAX_CODE_LENGTH:
        raise InputDataError(f"That patient code is {len(value)} characters long. {CODE_RULE}")
    if not PATIENT_CODE.match(value):
        other = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c == "-"))})
        what = "a space" if other == [" "] else "'" + "', '".join(other) + "'"
        raise InputDataError(f"'{value}' holds {what}, which a pseudonymous patient code "
                             f"cannot have: a name often does. {CODE_RULE}")
    if not any(c.isdigit() for c in value):
        raise InputDataError(f"'{value}' looks like a name, not a pseudonymous code. {CODE_RULE}")
    if DATE_LIKE.search(value):
        raise InputDataError(f"'{value}' holds a date (of birth?). {CODE_RULE}")
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
