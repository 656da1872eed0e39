"""A log of what went wrong, with tracebacks, in the user's log folder.

People see errors in words; whoever fixes the fault needs the traceback. Each run of
``imu-monitor`` (the app included) appends to ``imu_monitor.log`` in the user's log folder
(``~/.local/state/imu_monitor/log`` on Linux, or ``IMU_MONITOR_LOG_DIR``), rotated at 1 MB with
three old files kept. A folder that cannot be written leaves logging off; it never stops the
program.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

LOG_DIR_ENV = "IMU_MONITOR_LOG_DIR"
LOG_NAME = "imu_monitor.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3


def log_folder() -> Path:
    """Where the log goes (``IMU_MONITOR_LOG_DIR``, else the platform's user log folder)."""
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override).expanduser() if override else platformdirs.user_log_path(
        "imu_monitor", appauthor=False)


def start_logging() -> Path | None:
    """Send the package's log (warnings and errors, with tracebacks) to the rotating file;
    returns its path, or None when the folder cannot be written."""
    started = log_file()
    if started is not None:
        return started
    logger = logging.getLogger("imu_monitor")
    path = log_folder() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=_MAX_BYTES,
                                                       backupCount=_BACKUPS, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(threadName)s "
                                           "%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return path


def log_file() -> Path | None:
    """The log file in use, if logging was started."""
    for handler in logging.getLogger("imu_monitor").handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def fault_message(doing: str) -> str:
    """Log the exception being handled (a fault of ours) with its traceback, and return
    what a clinician is told: that it is not their data's fault, and where the details are.
    Call inside ``except``."""
    logging.getLogger("imu_monitor").exception("%s failed", doing)
    where = log_file()
    return (f"Something went wrong inside imu-monitor while {doing}: a fault of the program, "
            "not of the data." + (f" The details are in {where}." if where else ""))

