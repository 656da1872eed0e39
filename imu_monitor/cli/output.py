"""What a command gives back besides its text: JSON on stdout, its output path, its status."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from imu_monitor.errors import InputDataError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def print_json(document: dict) -> None:
    """JSON on stdout, stable key order; one write (the console checks each write for
    control characters, and ``json.dump`` writes every token on its own)."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def require_output(path: Path | None, what: str) -> Path:
    """An output path, or a clear error."""
    if path is None:
        raise InputDataError(f"Say where to write the {what} with -o FILE.")
    return path
