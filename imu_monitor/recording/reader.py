"""Reading a recording back: every row checked, every problem said in words."""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError, RecordingError
from imu_monitor.input_files import check_input_file, starts_with
from imu_monitor.processing.calibration import Calibration
from imu_monitor.recording.metadata import sound_metadata
from imu_monitor.recording.schema import APPLICATION_ID, EXTENSION, FORMAT_VERSION, row_crc
from imu_monitor.recording.storage_words import storage_reason
from imu_monitor.samples import SampleBatch

SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class Recording:
    """A whole recording in memory: samples exactly as stored, and everything about them."""

    path: Path
    rate_hz: float
    metadata: dict
    samples: SampleBatch
    host_time: np.ndarray | None  # None when opened without them (analysis needs none)
    markers: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    damaged_chunks: list[int] = field(default_factory=list)  # skipped when salvaging
    metadata_problems: list[str] = field(default_factory=list)  # entries left out, in words

    @property
    def first_seq(self) -> int:
        """Sequence number of the first sample recorded (even if salvage had to skip it)."""
        return int(self.metadata.get("first_seq", self.samples.seq[0]))

    @property
    def duration_s(self) -> float:
        return (int(self.samples.seq[-1]) - self.first_seq + 1) / self.rate_hz

    @property
    def lost_samples(self) -> int:
        return int(self.samples.seq[-1]) - self.first_seq + 1 - len(self.samples)

    @property
    def calibration(self) -> Calibration | None:
        d = self.metadata.get("calibration")
        if not d:
            return None
        try:
            return Calibration.from_dict(d)
        except (KeyError, TypeError, ValueError):
            raise RecordingError(f"The calibration stored in {self.path.name} cannot be used; "
                                 "analyse it with --recalibrate.") from None


def is_recording(path: str | Path) -> bool:
    """True if the file starts like an SQLite database (our recordings are)."""
    return starts_with(path, SQLITE_MAGIC)


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only connection (the path URI-encoded: names may hold %, # or ?)."""
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=1.0)


def _has_log(path: Path) -> bool:
    """Whether a write-ahead log with anything in it is beside the recording.

    Opening a recording that was not closed makes SQLite put an empty ``-wal`` beside it when
    it is missing; the next read took that empty log for the lost one and called a recording
    of 29 s one that "holds no samples". (What a read created is not removed: a recording
    started that moment in the same folder could be using it.)"""
    log = Path(f"{path}-wal")
    try:
        return log.stat().st_size > 0
    except OSError:
        return False


def _interrupted(path: Path) -> RecordingError | None:
    """A ``-journal`` beside a recording: a change to it (its creation, or the analysis
    stored after it) was interrupted; what is said of it instead of "damaged"."""
    if not Path(f"{path}-journal").exists():
        return None
    return RecordingError(
        f"{path.name} was interrupted while it was being created or updated (the "
        f"{path.name}-journal beside it is from then) and cannot be read as it is: copy the "
        "two files together to a folder you can write to and open it there (the unfinished "
        "change is then undone). Interrupted in its first moments, a recording holds no "
        "samples yet.")


def _explain(exc: Exception, path: Path, salvage: bool = False) -> RecordingError:
    """A sentence for a database error (the database's own words may quote its tables)."""
    name = path.name
    if "locked" in str(exc):
        return RecordingError(f"{name} is being written by another program right now; try "
                              "again when that recording has stopped.")
    interrupted = _interrupted(path)
    if interrupted is not None:
        return interrupted
    if salvage:
        return RecordingError(f"{name} is too damaged for anything of it to be read, even with "
                              "--salvage: a copy from a backup may still hold the session.")
    return RecordingError(
        f"{name} is damaged or truncated and cannot be read as it is: --salvage reads what is "
        "left of it. If it was being recorded when the computer stopped, keep the file with "
        "its -wal companion together in a folder you can write to and try again.")


def open_recording(path: str | Path, salvage: bool = False, host_time: bool = True
                   ) -> Recording:
    """Load a recording. Damaged rows are an error, or skipped and listed with ``salvage``.
    ``host_time=False`` leaves the arrival times out (8 bytes a sample nothing analyses)."""
    path = Path(path)
    name = path.name
    _check_file(path)
    if not salvage and _cut_short(path):
        raise RecordingError(CUT_SHORT.format(name=name))
    had_log = _has_log(path)  # before opening: reading may create an empty one
    try:
        db = _connect(path)
        if salvage:  # a truncated file's pages are read as far as they go
            db.execute("PRAGMA writable_schema=ON")
    except sqlite3.Error as exc:
        raise RecordingError(f"{name} cannot be opened: {storage_reason(exc)}.") from None
    try:
        return _load(db, path, salvage, had_log, host_time)
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError) as exc:
        raise _explain(exc, path, salvage) from None
    finally:
        db.close()


CUT_SHORT = ("{name} is cut short (a copy that stopped, or a full disk): --salvage reads what "
             "is left of it.")


def _cut_short(path: Path) -> bool:
    """Whether the file is shorter than its own first page says it is (a copy that stopped,
    a disk that filled): told from 100 bytes, where a list cannot read every block. Not with
    a write-ahead log beside it: a recording being written (or stopped in the middle of
    copying its log into the file) grows after its first page says so."""
    if _has_log(path):
        return False
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100:
        return True
    page = int.from_bytes(head[16:18], "big") or 65536
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]  # the page count is kept up to date (SQLite ≥ 3.7)
    return valid and path.stat().st_size < page * pages


def read_header(path: str | Path) -> dict:
    """Metadata, duration, sample and marker counts without loading the samples (for lists)."""
    path = Path(path)
    _check_file(path)
    if _cut_short(path):
        raise RecordingError(CUT_SHORT.format(name=path.name))
    try:
        db = _connect(path)
        try:
            metadata, problems = _metadata(db, path)
            totals = metadata.get("totals")
            if isinstance(totals, dict):  # closed cleanly: checked totals
                first, last, n = totals["first_seq"], totals["end_seq"], totals["samples"]
            else:  # still being written, or stopped by a crash
                first, last, n = db.execute("SELECT min(first_seq), max(first_seq + n), "
                                            "sum(n) FROM chunks").fetchone()
            markers = db.execute("SELECT count(*) FROM markers").fetchone()[0]
        finally:
            db.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _explain(exc, path) from None
    rate = float(metadata["rate_hz"])
    return {"metadata": metadata, "samples": int(n or 0),
            "duration_s": 0.0 if first is None else (last - first) / rate,
            "lost_samples": 0 if first is None else int(last - first - n),
            "markers": int(markers), "finished": isinstance(totals, dict),
            "problems": problems}


def _undo_interrupted_change(path: Path) -> None:
    """A ``-journal`` beside a recording is a change to it that was interrupted (its creation,
    or the analysis stored after it). The reader opens recordings read-only, which cannot undo
    it; where the file and its folder can be written, one read-write opening lets SQLite put
    the file back as it was before the change (what any later writer would do first)."""
    if not Path(f"{path}-journal").exists() or not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return
    try:
        db = sqlite3.connect(path, timeout=1.0)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        pass  # said when it is read: _interrupted


def _check_file(path: Path) -> None:
    _undo_interrupted_change(path)
    try:
        check_input_file(path)
    except InputDataError as exc:  # said of a recording, as everything here
        raise RecordingError(str(exc)) from None
    if path.stat().st_size == 0:
        raise RecordingError(f"{path.name} is empty: the recording never received a sample.")
    if not is_recording(path):
        if path.suffix.lower() == EXTENSION:
            raise RecordingError(
                f"{path.name} is damaged at its start: its first bytes are not those of a "
                "recording, so it cannot be read. A copy from a backup, or the recording "
                "program's -wal file beside it, may still hold the session.")
        raise RecordingError(f"{path.name} is not a recording made by imu_monitor (nor any "
                             "SQLite file). If it is a CSV of samples, give it a .csv name.")


def _metadata(db: sqlite3.Connection, path: Path) -> tuple[dict, list[str]]:
    """The sound entries of the metadata, and what was wrong with the others."""
    name = path.name
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        if _cut_short(path):
            raise RecordingError(f"{name} is cut short so early that nothing of the "
                                 "recording is left in it.")
        raise RecordingError(f"{name} is an SQLite database but not an imu_monitor recording.")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > FORMAT_VERSION:
        raise RecordingError(f"{name} was written by a newer imu_monitor (format {version}; "
                             f"this version reads up to {FORMAT_VERSION}). Update imu_monitor "
                             "to open it.")
    metadata = {}
    rows = db.execute("SELECT key, value, crc32 FROM meta").fetchall()
    stopped_early = RecordingError(f"{name} was stopped while it was being created, before "
                                   "its first sample: it holds no samples.")
    if not rows:
        raise stopped_early
    for key, value, crc in rows:
        if row_crc(key, value) != crc:
            raise RecordingError(f"{name} is damaged: its '{key}' entry fails its check.")
        metadata[key] = json.loads(value)
    rate = metadata.get("rate_hz")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not math.isfinite(rate) \
            or not 1 <= rate <= 1e5:
        raise stopped_early if Path(f"{path}-journal").exists() else RecordingError(
            f"{name} is damaged: it does not give a usable sample rate.")
    return sound_metadata(metadata)


def _load(db: sqlite3.Connection, path: Path, salvage: bool, had_log: bool,
          host_time: bool) -> Recording:
    name = path.name
    metadata, problems = _metadata(db, path)
    # Each column is filled chunk by chunk into one array: a whole recording is held once,
    # never also as its blobs or a list of pieces (a two-hour session is 100 MB). The blobs'
    # stored sizes bound the count (a damaged row's ``n`` may say anything).
    damaged: list[int] = []
    rows = _readable_chunks(db, damaged) if salvage else db.execute(CHUNK_ROWS)
    if salvage:
        rows = list(rows)  # (sized below)
        stored = sum(len(row[4] or b"") for row in rows)
    else:
        stored = db.execute("SELECT coalesce(sum(length(seq)), 0) FROM chunks").fetchone()[0]
    columns = _Columns(int(stored) // 8, host_time)
    for row in rows:
        cid, first, n, t, seq, host, acc, gyr, mag, quat, crc = row
        arrays = _decode(n, t, seq, host, acc, gyr, mag, quat)
        if row_crc(first, n, t, seq, host, acc, gyr, mag, quat) != crc or arrays is None or \
                int(arrays[1][0]) != first:
            if not salvage:
                raise RecordingError(
                    f"{name} is damaged in its samples after {columns.position(metadata)} "
                    "(a block fails its check). Nothing wrong is shown: use --salvage to "
                    "read the intact parts, the damaged half-seconds left out as gaps."
                )
            damaged.append(cid)
            continue
        columns.add(arrays)
    if not columns.n:
        if "totals" not in metadata and not had_log and not damaged:
            raise RecordingError(
                f"{name} was not closed (the program or the computer stopped) and the file "
                f"that holds its samples until then, {name}-wal, is not beside it. If you have "
                "that file, put it back in the same folder under that name and open the "
                "recording again.")
        raise RecordingError(f"{name} holds no samples: the recording stopped before the "
                             "first half-second was saved.")
    samples = columns.samples()
    if np.any(np.diff(samples.seq) <= 0):
        raise RecordingError(f"{name} is damaged: its samples are out of order.")
    markers = _rows(db, "SELECT time_s, label, crc32 FROM markers ORDER BY time_s",
                    ("time_s", "label"), name, "markers", salvage)
    events = _rows(db, "SELECT time_s, kind, message, value, crc32 FROM events ORDER BY id",
                   ("time_s", "kind", "message", "value"), name, "events", salvage)
    return Recording(path, float(metadata["rate_hz"]), metadata, samples,
                     columns.host_times(), markers, events, damaged, problems)


CHUNK_COLUMNS = "id, first_seq, n, device_time, seq, host_time, acc, gyr, mag, quat, crc32"
CHUNK_ROWS = f"SELECT {CHUNK_COLUMNS} FROM chunks ORDER BY id"
CHUNK_ROW = f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE id = ?"
# Salvaging: after the first unreadable row, each following block is looked up on its own,
# until this many in a row are neither there nor readable (the end of what is left).
MISSING_BLOCKS_AT_END = 2000


def _readable_chunks(db: sqlite3.Connection, unreadable: list[int]) -> Iterator[tuple]:
    """The blocks a damaged or truncated file still holds, in order: read straight through
    up to the first damaged page, then one by one (a block on a lost page is skipped and
    listed in ``unreadable``, as a block failing its check is)."""
    last = 0
    try:
        for row in db.execute(CHUNK_ROWS):
            last = row[0]
            yield row
        return
    except sqlite3.DatabaseError:
        pass
    missing, cid = 0, last
    while missing < MISSING_BLOCKS_AT_END:
        cid += 1
        try:
            row = db.execute(CHUNK_ROW, (cid,)).fetchone()
        except sqlite3.DatabaseError:
            row = None
            unreadable.append(cid)
        if row is None:
            missing += 1
            continue
        missing = 0
        yield row
    # blocks looked up past the last one found were never there
    unreadable[:] = [c for c in unreadable if c < cid - missing]


class _Columns:
    """The sample columns of a recording, each one array filled chunk by chunk."""

    def __init__(self, capacity: int, host_time: bool) -> None:
        self.n = 0
        self._capacity = capacity
        self._data: dict[str, np.ndarray | None] = {
            "t": np.empty(capacity), "seq": np.empty(capacity, np.int64),
            "host": np.empty(capacity) if host_time else None,
            "acc": np.empty((capacity, 3)), "gyr": np.empty((capacity, 3))}
        self._optional: dict[str, np.ndarray | None] = {}  # mag, quat: kept if every chunk has

    def add(self, arrays: tuple) -> None:
        """Append one decoded chunk (see ``_decode``)."""
        count = len(arrays[0])
        if self.n + count > self._capacity:  # cannot happen with intact sizes; grow anyway
            self._grow(max(self.n + count, 2 * self._capacity))
        stop = self.n + count
        for key, a in zip(("t", "seq", "host", "acc", "gyr"), arrays[:5], strict=True):
            column = self._data[key]
            if column is not None:
                column[self.n: stop] = a
        for key, a in zip(("mag", "quat"), arrays[5:], strict=True):
            if self.n == 0 and a is not None:
                self._optional[key] = np.empty((self._capacity, a.shape[1]))
            column = self._optional.get(key)
            if column is not None:
                if a is None:
                    self._optional[key] = None
                else:
                    column[self.n: stop] = a
        self.n = stop

    def _grow(self, capacity: int) -> None:
        for table in (self._data, self._optional):
            for key, column in table.items():
                if column is not None:
                    grown = np.empty((capacity, *column.shape[1:]), column.dtype)
                    grown[: self.n] = column[: self.n]
                    table[key] = grown
        self._capacity = capacity

    def samples(self) -> SampleBatch:
        d, n = self._data, self.n
        optional = (self._optional.get("mag"), self._optional.get("quat"))
        return SampleBatch(d["t"][:n], d["seq"][:n], d["acc"][:n], d["gyr"][:n],
                           *(None if a is None else a[:n] for a in optional))

    def host_times(self) -> np.ndarray | None:
        host = self._data["host"]
        return None if host is None else host[: self.n]

    def position(self, metadata: dict) -> str:
        """How far the intact samples so far reach, for messages."""
        if not self.n:
            return "its start"
        seq = self._data["seq"]
        seconds = (seq[self.n - 1] - seq[0] + 1) / float(metadata["rate_hz"])
        return f"{seconds:.1f} s"


def _decode(n, t, seq, host, acc, gyr, mag, quat):
    """The blobs as arrays, or None when their sizes do not fit ``n``."""
    try:
        out = (np.frombuffer(t, "<f8"), np.frombuffer(seq, "<i8"), np.frombuffer(host, "<f8"),
               np.frombuffer(acc, "<f8").reshape(n, 3), np.frombuffer(gyr, "<f8").reshape(n, 3),
               None if mag is None else np.frombuffer(mag, "<f8").reshape(n, 3),
               None if quat is None else np.frombuffer(quat, "<f8").reshape(n, 4))
    except (ValueError, TypeError):
        return None
    if not (len(out[0]) == len(out[1]) == len(out[2]) == n) or n <= 0:
        return None
    return out


def _rows(db, sql: str, fields: tuple, name: str, what: str, salvage: bool) -> list[dict]:
    out = []
    try:
        for row in db.execute(sql):
            *values, crc = row
            if row_crc(*values) != crc:
                if salvage:
                    continue
                raise RecordingError(f"{name} is damaged: one of its {what} fails its check "
                                     "(--salvage leaves it out).")
            out.append(dict(zip(fields, values, strict=True)))
    except sqlite3.DatabaseError:
        if not salvage:
            raise
    return out
