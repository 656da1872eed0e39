"""What any input file must be before a byte of it is read.

A pipe or a device named like a file would make a reader wait forever; a link in a circle,
a folder or a 40 GB file deserve a sentence, not a hang, a traceback or a machine out of
memory. Recordings and files of samples are checked alike.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from imu_monitor.errors import InputDataError

MAX_INPUT_BYTES = 2_000_000_000  # 24 h at 200 Hz of 7 columns is about 1.7 GB of text


def check_input_file(path: Path) -> None:
    """Refuse, before reading anything, what cannot be a file of samples: a missing file, a
    link that leads nowhere or in a circle, a folder, a pipe or a device (reading one would
    wait forever), and a file larger than any session."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputDataError(f"{path} is a link to a file that does not exist.") from None
        raise InputDataError(f"The file {path} does not exist.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputDataError(f"{path} is a link that leads back to itself: it leads to no "
                                 "file.") from None
        raise InputDataError(f"The file {path} cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputDataError(f"{path} is a folder, not a file of samples.")
    if not stat.S_ISREG(info.st_mode):
        raise InputDataError(f"{path} is not a regular file (a pipe, a socket or a device): "
                             "save the samples to a file first, then give that file.")
    if info.st_size > MAX_INPUT_BYTES:
        raise InputDataError(
            f"{path} is {info.st_size / 1e9:.1f} GB: larger than any session "
            f"({MAX_INPUT_BYTES / 1e9:.0f} GB holds over 24 hours at 200 Hz). Split it, or check "
            "that it is the right file.")
    if not os.access(path, os.R_OK):
        raise InputDataError(f"The file {path} cannot be read: you do not have permission.")


def starts_with(path: str | Path, *signatures: bytes) -> bool:
    """The file is a regular one and starts with one of ``signatures``; a pipe or a device is
    never opened (reading one would wait forever), a file that cannot be read is False."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as f:
            head = f.read(max(len(s) for s in signatures))
    except OSError:
        return False
    return any(head.startswith(s) for s in signatures)
