"""Writing a recording while it happens: samples as received, committed every half second."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from imu_monitor import __version__
from imu_monitor.errors import RecordingError, StorageError
from imu_monitor.recording.schema import (
    APPLICATION_ID,
    CHUNK_S,
    COMPANIONS,
    EXTENSION,
    FORMAT_VERSION,
    SCHEMA,
    dump,
    row_crc,
)
from imu_monitor.recording.storage_words import storage_reason
from imu_monitor.samples import SampleBatch, StatusEvent


def _blob(a: np.ndarray | None, dtype: str) -> bytes | None:
    return None if a is None else np.ascontiguousarray(a, dtype=dtype).tobytes()


class RecordingWriter:
    """Append-only writer. ``close`` leaves one self-contained file (no -wal beside it)."""

    def __init__(self, path: str | Path, rate_hz: float, metadata: dict | None = None,
                 overwrite: bool = False) -> None:
        self.path = Path(path)
        self.rate_hz = float(rate_hz)
        self.closed = False
        self._in_wal = False
        self._pending: list[tuple[SampleBatch, float]] = []
        self._pending_n = 0
        self._seq0: int | None = None
        self._next_seq: int | None = None
        self._last_time_s: float | None = None  # the last sample's time (source clock)
        self.samples_written = 0
        self._saved_slots = 0  # slots up to the last committed sample
        self._written_slots = 0  # ... and written, committed or not yet (append_all)
        self.lost_samples = 0
        self.rejected_samples = 0  # repeated or out-of-order samples, not stored
        self._chunk = max(1, round(CHUNK_S * self.rate_hz))
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise RecordingError(f"The folder {folder} does not exist: create it or choose "
                                 "another place for the recording.")
        if self.path.name.endswith(COMPANIONS):
            raise RecordingError(f"{self.path.name} is the name of a recording's companion "
                                 "file (-wal, -shm, -journal): choose a name ending in "
                                 f"{EXTENSION}.")
        self.problems: list[str] = []  # what went wrong but lost nothing, in words
        if self.path.exists():
            if not overwrite:
                raise RecordingError(f"{self.path} already exists: choose another name (a "
                                     "recording is never overwritten).")
            self.path.unlink()
        try:
            # Created by us, readable by the user only (patient data).
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StorageError(f"Cannot create the recording {self.path}: "
                               f"{exc.strerror or exc}.") from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None,
                                       check_same_thread=False, timeout=2.0)
            # Identity and schema go into the main file before the write-ahead log is on, so
            # even a recording killed in its first second says what it is without its -wal.
            self._db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            self._remove_failed_start()
            raise StorageError(f"Cannot create the recording {self.path}: "
                               f"{storage_reason(exc)}.") from None
        base = {
            "format_version": FORMAT_VERSION,
            "app_version": __version__,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rate_hz": self.rate_hz,
        }
        base.update(metadata or {})
        self._write("BEGIN", ())
        for key, value in base.items():
            self.set_meta(key, value)
        self._write("COMMIT", ())
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._in_wal = True
            self._db.execute("PRAGMA synchronous=FULL")
            # Fold the log into the main file every ~1 MB (about 30 s at 200 Hz).
            self._db.execute("PRAGMA wal_autocheckpoint=250")
        except sqlite3.Error as exc:
            self._remove_failed_start()
            raise StorageError(f"Cannot prepare the recording {self.path}: "
                               f"{storage_reason(exc)}.") from None

    # ----------------------------------------------------------------- input
    @property
    def elapsed_s(self) -> float:
        """Recording time so far (s from the first sample), for markers and events."""
        if self._seq0 is None or self._next_seq is None:
            return 0.0
        return (self._next_seq - self._seq0) / self.rate_hz

    @property
    def saved_s(self) -> float:
        """Recording time committed to the file so far (what a crash or a full disk leaves)."""
        return self._saved_slots / self.rate_hz

    def append(self, batch: SampleBatch, host_time: float | None = None) -> None:
        """Add samples as received; they are committed every half second."""
        if not len(batch):
            return
        if self._seq0 is None:
            self._seq0 = int(batch.seq[0])
            self._next_seq = self._seq0
            self.set_meta("first_seq", self._seq0)
        assert self._next_seq is not None
        # Samples are stored once, in order: a repeated or late sample is counted, not kept.
        newer = batch.seq.astype(np.int64) > np.maximum.accumulate(
            np.concatenate([[self._next_seq - 1], batch.seq.astype(np.int64)]))[:-1]
        if not newer.all():
            self.rejected_samples += int(np.count_nonzero(~newer))
            batch = SampleBatch(*(None if a is None else a[newer] for a in (
                batch.time_s, batch.seq, batch.acc, batch.gyr, batch.mag, batch.quat)))
            if not len(batch):
                return
        seq = np.concatenate([[self._next_seq - 1], batch.seq.astype(np.int64)])
        for k in np.flatnonzero(np.diff(seq) > 1):
            missing = int(seq[k + 1] - seq[k] - 1)
            self.lost_samples += missing
            at = (int(seq[k]) + 1 - self._seq0) / self.rate_hz
            self._event(at, "gap", f"{missing} samples lost", float(missing))
        self._next_seq = max(self._next_seq, int(batch.seq[-1]) + 1)
        self._last_time_s = float(batch.time_s[-1])
        self._pending.append((batch, time.time() if host_time is None else host_time))
        self._pending_n += len(batch)
        if self._pending_n >= self._chunk:
            self.flush()

    def append_all(self, samples: SampleBatch, host_time: float | None = None) -> None:
        """Write a whole session at once (simulate, import): one transaction, same chunks."""
        self._write("BEGIN", ())
        for first in range(0, len(samples), self._chunk):
            self.append(samples.slice(first, first + self._chunk), host_time)
        self.flush()
        self._write("COMMIT", ())
        self._saved_slots = self._written_slots

    def add_marker(self, label: str, time_s: float | None = None) -> None:
        """A clinician's marker (committed at once)."""
        t = float(self.elapsed_s if time_s is None else time_s)
        label = str(label)
        self._write("INSERT INTO markers (time_s, label, crc32) VALUES (?, ?, ?)",
                    (t, label, row_crc(t, label)))

    def add_event(self, event: StatusEvent) -> None:
        """A link event (connected, lost, battery...), committed at once, at the recording
        time it happened: no sample arrives during an outage, so the time since the last
        one (on the source's own clock, that of the samples' ``time_s``) is added."""
        after_last = 0.0 if self._last_time_s is None else event.time_s - self._last_time_s
        self._event(self.elapsed_s + max(0.0, after_last), event.kind.value, event.message,
                    event.value)

    def set_meta(self, key: str, value: object) -> None:
        """Set one metadata entry (JSON value), committed at once."""
        text = dump(value)
        self._write("INSERT OR REPLACE INTO meta (key, value, crc32) VALUES (?, ?, ?)",
                    (key, text, row_crc(key, text)))

    # ---------------------------------------------------------------- output
    def flush(self) -> None:
        """Commit the pending samples as one chunk."""
        if not self._pending:
            return
        batches = [b for b, _ in self._pending]
        host = np.concatenate([np.full(len(b), h) for b, h in self._pending])
        s = SampleBatch.concat(batches)
        self._pending, self._pending_n = [], 0
        blobs = (_blob(s.time_s, "<f8"), _blob(s.seq, "<i8"), _blob(host, "<f8"),
                 _blob(s.acc, "<f8"), _blob(s.gyr, "<f8"), _blob(s.mag, "<f8"),
                 _blob(s.quat, "<f8"))
        first, n = int(s.seq[0]), len(s)
        self._write("INSERT INTO chunks (first_seq, n, device_time, seq, host_time, acc, gyr, "
                    "mag, quat, crc32) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (first, n, *blobs, row_crc(first, n, *blobs)))
        self.samples_written += n
        assert self._seq0 is not None
        self._written_slots = int(s.seq[-1]) + 1 - self._seq0
        if not self._db.in_transaction:
            self._saved_slots = self._written_slots
            self._check_log()

    def _check_log(self) -> None:
        """The write-ahead log holds the last seconds until they are folded into the file; if
        another program deleted it, SQLite still has it open: fold it in now (nothing is lost),
        go on without a log, and say so."""
        wal = Path(f"{self.path}-wal")
        if self._in_wal and not wal.exists():
            self._in_wal = False
            try:
                self._db.execute("PRAGMA wal_checkpoint(FULL)")
                self._db.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.Error as exc:
                self._stop(f"The recording's companion file {wal.name} was deleted while "
                           "recording and what it held could not be saved "
                           f"({storage_reason(exc)}).")
            message = (f"{wal.name} was deleted by another program while recording, at "
                       f"{self.elapsed_s:.1f} s; everything recorded was saved into "
                       f"{self.path.name} and the recording goes on without it.")
            self.problems.append(message)
            self._event(self.elapsed_s, "warning", message, None)

    def close(self) -> None:
        """Commit everything and fold the write-ahead log into the one file."""
        if self.closed:
            return
        try:
            self.flush()
            # Written even with no sample: "totals" is what says a recording was closed.
            first = self._seq0 if self._seq0 is not None else 0
            self.set_meta("totals", {"samples": self.samples_written, "first_seq": first,
                                     "end_seq": self._next_seq if self._next_seq is not None
                                     else first, "rejected_samples": self.rejected_samples})
        finally:
            self.closed = True
            for _ in range(10):  # a reader may hold the file for a moment: try again
                try:
                    busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    if not busy:
                        self._db.execute("PRAGMA journal_mode=DELETE")
                        break
                except sqlite3.Error:
                    pass
                time.sleep(0.1)
            # Otherwise the data is committed all the same; the log beside it is replayed.
            self._db.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------- internals
    def _event(self, t: float, kind: str, message: str, value: float | None) -> None:
        # Stored exactly as SQLite gives it back, so the check reads the same value.
        t = float(t)
        value = None if value is None or not np.isfinite(value) else float(value)
        self._write("INSERT INTO events (time_s, kind, message, value, crc32) "
                    "VALUES (?, ?, ?, ?, ?)", (t, kind, message, value,
                                               row_crc(t, kind, message, value)))

    def _write(self, sql: str, params: tuple) -> None:
        if self.closed:
            raise RecordingError(f"The recording {self.path} is already closed.")
        if not self.path.parent.exists() or not self.path.exists():
            self._stop(f"The folder of the recording {self.path} has disappeared (unplugged "
                       "drive?). Recording stopped; what was recorded before stays in it.")
        try:
            self._db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "full" in text and not self._saved_slots:
                self._stop(f"The disk is full: {self.path} could not be written; free some "
                           "space first.")
            if "full" in text:
                self._stop(f"The disk is full: recording stopped at {self.saved_s:.1f} s. "
                           f"Everything up to then is saved in {self.path}; free some space "
                           "before the next recording.")
            self._stop(f"Cannot write the recording {self.path}: {storage_reason(exc)}. "
                       "Recording stopped; what was recorded before stays in it.")

    def _remove_failed_start(self) -> None:
        """A recording that could not be created leaves nothing behind to block its name."""
        with contextlib.suppress(AttributeError, sqlite3.Error):
            self._db.close()
        for suffix in ("", *COMPANIONS):
            with contextlib.suppress(OSError):
                Path(f"{self.path}{suffix}").unlink()

    def _stop(self, message: str) -> None:
        self.closed = True
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        raise StorageError(message)


@contextlib.contextmanager
def written_whole(path: Path, rate_hz: float, metadata: dict) -> Iterator[RecordingWriter]:
    """A new recording written in one go from data that exists elsewhere (an import, a
    simulated session): closed at the end, or, if it cannot be written whole, removed, since a
    part of it is of no use, and the error says so."""
    writer = RecordingWriter(path, rate_hz, metadata)
    try:
        yield writer
        writer.close()
    except BaseException as exc:
        writer.close()
        Path(path).unlink(missing_ok=True)
        if isinstance(exc, RecordingError):
            raise type(exc)(f"{exc} Nothing was saved.") from None
        raise


def update_metadata(path: str | Path, entries: dict) -> None:
    """Set metadata entries of a closed recording (its analysis, stored after it was saved)."""
    path = Path(path)
    try:
        db = sqlite3.connect(path, isolation_level=None, timeout=2.0)
        try:
            db.execute("BEGIN")
            for key, value in entries.items():
                text = dump(value)
                db.execute("INSERT OR REPLACE INTO meta (key, value, crc32) VALUES (?, ?, ?)",
                           (key, text, row_crc(key, text)))
            db.execute("COMMIT")
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StorageError(f"Cannot store the analysis in {path}: {storage_reason(exc)}."
                           ) from None
