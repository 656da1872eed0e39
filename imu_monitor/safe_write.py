"""One guarded way to write any file we make (exports, reports, CSVs, truth files).

A recording is patient data that cannot be made again, so no output may ever land on one —
nor on the write-ahead log (``-wal``) or shared-memory file (``-shm``) beside it that hold the
last seconds of a crashed recording — whatever path or symbolic link leads there. And a file
we write is either complete or absent: it is written to a temporary file beside the target,
created readable by the user only (0600: patient data), flushed to the disk, then renamed over
the target in one step. On any error the temporary file is removed and the error is raised
(the command exits non-zero with a sentence); a full disk never leaves a truncated file that
looks finished.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.input_files import starts_with
from imu_monitor.recording import is_recording
from imu_monitor.recording.schema import COMPANIONS

WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def check_target(path: Path) -> Path:
    """The real file ``path`` leads to, if we may write it; refuses recordings and their
    companions with a sentence."""
    target = Path(os.path.realpath(path))
    shown = Path(path)
    if target.is_dir():
        raise InputDataError(f"{shown} is a folder: give a file name to write.")
    if target.exists() and not target.is_file():
        raise InputDataError(f"{shown} is not a regular file (a pipe, a socket or a device): "
                             "give a file name to write.")
    if target.exists() and is_recording(target):
        raise InputDataError(f"{shown} is a recording: nothing is ever written over one. "
                             "Choose another output name.")
    for suffix in COMPANIONS:
        base = target.with_name(target.name.removesuffix(suffix))
        if target.name.endswith(suffix) and base.exists() and is_recording(base):
            raise InputDataError(
                f"{shown} belongs to the recording {base.name} (it holds its last samples if "
                "it was not closed): nothing is ever written over it. Choose another name.")
    if target.exists() and starts_with(target, *WAL_MAGIC):
        raise InputDataError(f"{shown} is a recording's write-ahead log: nothing is ever "
                             "written over it. Choose another output name.")
    if not target.parent.is_dir():
        raise InputDataError(f"The folder {shown.parent} does not exist: create it or choose "
                             "another place.")
    return target


@contextlib.contextmanager
def guarded_path(path: Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; on leaving without error it becomes
    ``path`` (0600, flushed to the disk); on an error it is removed."""
    target = check_target(path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.",
                                    suffix=f".part{target.suffix}")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        if temporary.stat().st_size == 0:
            raise OSError(errno.EIO, "nothing could be written", str(path))
        with open(temporary, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except OSError as exc:  # said of the file asked for, not of our temporary one
        temporary.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def write_text(path: Path, text: str) -> None:
    """``text`` to ``path``, guarded (UTF-8)."""
    with guarded_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
