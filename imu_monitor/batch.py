"""Whole folders at once: every recording and file of samples analysed in parallel, one row
each, in a table a study can open in any tool.

``analyze_file(path, options)`` is a pure function of the file and the options: the same
analysis ``imu-monitor analyze`` prints, reduced to one row (and the steps, if asked). The
batch runs it in worker processes (``jobs``), writes each row the moment it is ready (so an
interrupted batch leaves a valid table of the files done), keys every row by the hash of the
file's content (a rerun skips what is done, whatever the file is called now), and puts a file
that fails in its row with the sentence that says why — one bad file never stops the batch.
"""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from threadpoolctl import threadpool_limits

from imu_monitor.drills import DrillResult, HipHikeBlock, HoldBlock
from imu_monitor.errors import ImuMonitorError, InputDataError
from imu_monitor.importers import ImportOptions
from imu_monitor.importers.sensor_files import is_export_folder
from imu_monitor.logs import fault_message
from imu_monitor.presentation import duration_words, file_state, summary_doubts
from imu_monitor.processing.calibration import calibration_quality, no_standing_warning
from imu_monitor.safe_write import guarded_path

if TYPE_CHECKING:
    from imu_monitor.pipeline import Analysis

SUFFIXES = (".imurec", ".csv", ".txt", ".h5", ".hdf5", ".zip")
ROW_FIELDS = [
    "file", "sha256", "patient", "drill", "date_utc", "duration_s", "rate_hz", "format",
    "calibration", "neutral", "steps", "left_steps", "left_mean_deg", "left_sd_deg",
    "left_max_deg", "right_steps", "right_mean_deg", "right_sd_deg", "right_max_deg",
    "asymmetry_deg", "cadence_spm", "lost_pct",
    "left_drill_deg", "left_hold_s", "left_reps", "right_drill_deg", "right_hold_s",
    "right_reps", "file_note", "error", "cautions",
]
# A single-leg drill's row has its sets' numbers per standing leg instead of the walking's
# (which would be the few steps of the calibration walk before the drill).
WALKING_FIELDS = ["steps", "left_steps", "left_mean_deg", "left_sd_deg", "left_max_deg",
                  "right_steps", "right_mean_deg", "right_sd_deg", "right_max_deg",
                  "asymmetry_deg", "cadence_spm"]
STEP_FIELDS = ["file", "sha256", "step", "time_s", "side", "peak_drop_deg", "counted", "note"]
HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class BatchOptions:
    """What the analysis of every file in the batch is told (none of it is required)."""

    drill: str | None = None
    axes: str | None = None
    threshold_deg: float | None = None
    recalibrate: bool = False
    import_options: ImportOptions = field(default_factory=ImportOptions)
    with_steps: bool = False
    salvage: bool = False  # damaged recordings: their intact parts


def find_files(paths: Iterable[Path], outputs: Iterable[Path | None] = ()) -> list[Path]:
    """Every file of a known kind under ``paths`` (folders searched to any depth), sorted,
    except the batch's own ``outputs``."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir() and is_export_folder(path):
            found.add(path)
        elif path.is_dir():
            inside = list(path.rglob("*"))
            exports = {d for d in inside if d.is_dir() and is_export_folder(d)}
            found.update(exports)  # a phone's unpacked export is one session
            found.update(p for p in inside if p.is_file()
                         and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
                         and p.parent not in exports and not _is_batch_table(p))
        elif path.exists():
            found.add(path)
        else:
            raise InputDataError(f"{path} does not exist.")
    own = {Path(os.path.realpath(o)) for o in outputs if o is not None}
    return sorted(p for p in found if Path(os.path.realpath(p)) not in own)


def _is_batch_table(path: Path) -> bool:
    """A table a batch wrote (found in a folder searched again): not an input."""
    if path.suffix.lower() != ".csv":
        return False
    with open(path, "rb") as f:
        return f.read(12) == b"file,sha256,"


def content_hash(path: Path) -> str:
    """The file's content's hash, with its write-ahead log's where one lies beside it (the
    part of a recording not yet folded in: put back, or grown while recording, it changes
    what the file holds); a folder's (a phone's unpacked export): its CSV files' names and
    contents."""
    digest = hashlib.sha256()
    files = (sorted(p for p in path.glob("*.csv") if p.is_file()) if path.is_dir() else
             [path, *(wal for wal in [path.with_name(path.name + "-wal")] if wal.is_file())])
    for file in files:
        if path.is_dir():
            digest.update(file.name.encode())
        with open(file, "rb") as f:
            while block := f.read(HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()


def cautions(analysis: Analysis) -> list[str]:
    """What the terminal and the report say before the numbers can be read: a neutral not
    from standing, a sensor that moved, a preset set aside, sides with few or no steps
    counted, irregular steps. A table row had dropped them: a subject's re-clipped sensor
    read as a 4° asymmetry with nothing beside it."""
    if analysis.drill_result is not None:
        said = [analysis.calibration_remarks]
    else:
        said = [no_standing_warning(analysis.calibration), analysis.calibration_remarks,
                *summary_doubts(analysis.steps, analysis.summary)]
    return [text for text in said if text]


def analyze_file(path: Path, options: BatchOptions, sha256: str | None = None
                 ) -> tuple[dict, list[dict]]:
    """One file's row (and its steps): the analysis of ``imu-monitor analyze``, or the
    sentence that says why there is none in ``error`` (``sha256``: the content's hash, when
    the caller has it already)."""
    from imu_monitor.analysis import analyze_source  # numerics load in the worker
    from imu_monitor.recording import EXTENSION, is_recording
    from imu_monitor.sources.csv_file import ImportedFile
    from imu_monitor.sources.recording import RecordingReplay

    row: dict = {"file": str(path)}
    try:
        row["sha256"] = sha256 or content_hash(path)
        source = (RecordingReplay(path, salvage=options.salvage)
                  if is_recording(path) or path.suffix.lower() == EXTENSION
                  else ImportedFile(path, options.import_options))
        details = source.info.details
        _, analysis = analyze_source(source, drill=options.drill, axes=options.axes,
                                     threshold_deg=options.threshold_deg,
                                     recalibrate=options.recalibrate)
    except (ImuMonitorError, OSError) as exc:
        row["error"] = str(exc)
        return row, []
    except Exception:  # a fault of ours must not stop the other files
        row["error"] = fault_message(f"analysing {path.name}")
        return row, []
    s = analysis.to_dict()["summary"]
    row.update({
        "patient": details.get("patient_id") or "",
        "drill": analysis.drill,
        "date_utc": details.get("created_utc") or details.get("start_utc") or "",
        "duration_s": s.get("duration_s"), "rate_hz": s.get("rate_hz"),
        "format": details.get("format") or ("imurec" if source.info.kind == "replay"
                                            else source.info.kind),
        "calibration": calibration_quality(analysis.calibration)[0],
        "neutral": analysis.calibration.neutral_source,
        "steps": s.get("steps"),
        "asymmetry_deg": s.get("asymmetry_deg"), "cadence_spm": s.get("cadence_spm"),
        "lost_pct": round(100.0 * s.get("lost_samples", 0)
                          / max(1, s.get("samples", 0) + s.get("lost_samples", 0)), 3),
        "file_note": " ".join(file_state(analysis.info, analysis.drill)),
        "cautions": " ".join(cautions(analysis)),
    })
    for side in ("left", "right"):
        block = s.get(side) or {}
        row.update({f"{side}_steps": block.get("steps"),
                    f"{side}_mean_deg": block.get("mean_peak_drop_deg"),
                    f"{side}_sd_deg": block.get("sd_peak_drop_deg"),
                    f"{side}_max_deg": block.get("max_peak_drop_deg")})
    if analysis.drill_result is not None:
        for key in WALKING_FIELDS:
            row[key] = None
        row.update(drill_columns(analysis.drill_result))
    steps = [{"file": str(path), "sha256": row["sha256"], "step": k + 1,
              # rounded as the JSON and the steps CSV round them
              **{key: value for key, value in st.to_dict().items()
                 if key in ("time_s", "side", "peak_drop_deg", "counted")},
              "note": st.note or ""}
             for k, st in enumerate(analysis.steps)] if options.with_steps else []
    return row, steps


def drill_columns(result: DrillResult) -> dict:
    """Per standing leg: the drill's figure (a hold's mean drop, a step-down's mean peak drop,
    a hip hike's mean range; weighted by hold time or reps), seconds held and reps."""
    out: dict = {}
    for side in ("left", "right"):
        blocks = [b for b in result.blocks if str(b.side) == side]
        values, weights, hold, reps = [], [], 0.0, 0
        for b in blocks:
            if isinstance(b, HoldBlock):
                values.append(b.mean_drop_deg)
                weights.append(b.hold_s)
                hold += b.hold_s
            else:
                reps += b.reps
                figures = ([r.range_deg for r in b.rep_list] if isinstance(b, HipHikeBlock)
                           else [r.peak_drop_deg for r in b.rep_list])
                values += figures
                weights += [1.0] * len(figures)
        total = sum(weights)
        out[f"{side}_drill_deg"] = (round(sum(v * w for v, w in zip(values, weights,
                                                                      strict=True)) / total, 2)
                                    if total > 0 else None)
        out[f"{side}_hold_s"] = round(hold, 2) if blocks and hold else None
        out[f"{side}_reps"] = reps if blocks and not hold else None
    return out


class TableWriter:
    """A CSV table written row by row (each row flushed: an interrupted batch leaves a valid
    table), continuing an earlier one, private to its owner (patient data)."""

    def __init__(self, path: Path, fields: list[str]) -> None:
        new = not path.exists() or path.stat().st_size == 0
        if not new:  # a table of other columns (an older version's) cannot be continued
            with open(path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), None)
            if header != fields:
                raise InputDataError(
                    f"{path} was written with other columns (by another version of "
                    "imu_monitor): write to a new table (another -o), or analyse every file "
                    "again into this one with --force.")
        self.path, self.fields = path, fields
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "w", newline="", encoding="utf-8")
        self._csv = csv.DictWriter(self._file, fields, extrasaction="ignore")
        if new:
            self._csv.writeheader()
            self._file.flush()

    def write(self, row: dict) -> None:
        self._csv.writerow({k: "" if row.get(k) is None else row[k] for k in self.fields})
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def rows_done(table: Path) -> dict[str, dict]:
    """Rows of an earlier run, by content hash (a file that failed is done too: its content
    fails the same way until it changes, or --force)."""
    if not table.exists():
        return {}
    with open(table, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "sha256" not in reader.fieldnames:
            raise InputDataError(f"{table} is not a batch table of ours (no sha256 column): "
                                 "choose another output name.")
        return {r["sha256"]: r for r in reader if r.get("sha256")}


@dataclass
class BatchResult:
    files: int
    analysed: int
    skipped: int
    failed: int
    interrupted: bool
    seconds: float
    skipped_failed: int = 0  # of the skipped files, those whose row is a problem


def run_batch(files: list[Path], table: Path, options: BatchOptions, jobs: int = 1,
              force: bool = False, steps_table: Path | None = None,
              progress: Callable[[int, int, float], None] | None = None,
              executor=None) -> BatchResult:
    """Analyse ``files`` into ``table`` (CSV), ``jobs`` at a time (or on ``executor``, e.g. a
    Dask client's); files whose content is already in the table are skipped unless
    ``force``."""
    if any(f.resolve() == table.resolve() for f in files):
        raise InputDataError(f"{table} is one of the files to analyse: write the table to "
                             "another file (-o).")
    done = rows_done(table)  # refuses a file that is not a batch table, --force or not
    if force:
        done = {}
        table.unlink(missing_ok=True)
    hashes = {} if force else {f: _hash_or_none(f) for f in files}  # read once, passed on
    # Salvaging, a file that failed before is tried again: its old row goes.
    todo = [f for f in files if force or hashes[f] not in done
            or (options.salvage and done[hashes[f]].get("error"))]
    retried = {hashes[f] for f in todo if not force and hashes[f] in done}
    # A file whose content changed since its row (a recording that was still being written,
    # its write-ahead log put back) is analysed again: its old row goes, not kept beside.
    by_file = {row["file"]: digest for digest, row in done.items()}
    changed = {by_file[str(f)] for f in todo if by_file.get(str(f), hashes.get(f))
               != hashes.get(f)}
    if retried | changed:
        _drop_rows(table, retried | changed)
    skipped = len(files) - len(todo)
    doing = set(todo)
    skipped_failed = sum(1 for f in files if f not in doing and done[hashes[f]].get("error"))
    writer = TableWriter(table, ROW_FIELDS)
    step_writer = TableWriter(steps_table, STEP_FIELDS) if steps_table else None
    started, analysed, failed, interrupted = time.monotonic(), 0, 0, False
    try:
        for row, steps in _results(todo, hashes, options, jobs, executor):
            writer.write(row)
            for step in steps:
                step_writer.write(step)
            analysed += 1
            failed += bool(row.get("error"))
            if progress:
                progress(analysed, len(todo), time.monotonic() - started)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        writer.close()
        if step_writer:
            step_writer.close()
    return BatchResult(len(files), analysed, skipped, failed, interrupted,
                       time.monotonic() - started, skipped_failed)


def _drop_rows(table: Path, hashes: set[str]) -> None:
    """The table without the rows of these contents (rewritten whole, never half)."""
    with open(table, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("sha256")
    kept = [rows[0], *(r for r in rows[1:] if len(r) <= column or r[column] not in hashes)]
    with guarded_path(table) as temporary, open(temporary, "w", newline="",
                                                encoding="utf-8") as f:
        csv.writer(f).writerows(kept)


def _hash_or_none(path: Path) -> str | None:
    try:
        return content_hash(path)
    except OSError:
        return None


def _results(todo: list[Path], hashes: dict[Path, str | None], options: BatchOptions,
             jobs: int, executor) -> Iterator[tuple[dict, list[dict]]]:
    """Rows as they are ready: in this process for one job, else on a pool (or ``executor``)
    with at most twice as many files queued as workers (memory stays bounded)."""
    if executor is None and jobs <= 1:
        with threadpool_limits(1):  # --jobs is the number of cores the batch may use
            for path in todo:
                yield analyze_file(path, options, hashes.get(path))
        return
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=jobs, initializer=_worker_start)
    pending: set[Future] = set()
    queue = iter(todo)
    try:
        while True:
            while len(pending) < 2 * max(jobs, 1):
                path = next(queue, None)
                if path is None:
                    break
                pending.add(pool.submit(_analyze_on_one_core, path, options,
                                        hashes.get(path)))
            if not pending:
                return
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _analyze_on_one_core(path: Path, options: BatchOptions, sha256: str | None):
    """``analyze_file`` in a worker (a process of ours or a Dask cluster's): the workers
    share the cores already, so numpy's matrix products keep to one thread each (two
    workers each starting OpenBLAS's threads on two cores made the batch 30 % slower)."""
    with threadpool_limits(1):
        return analyze_file(path, options, sha256)


def _worker_start() -> None:
    """Workers leave Ctrl-C to the batch, which lets the files in hand finish and stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def print_progress(done: int, total: int, elapsed_s: float, out=None) -> None:
    """``[ 12/200]   6 %  eta 3 min 10 s``: rewritten in place on a terminal, one line per
    file in a log."""
    out = out or sys.stderr
    eta = elapsed_s / done * (total - done) if done else 0.0
    width = len(str(total))
    text = (f"[{done:>{width}}/{total}] {100 * done / max(total, 1):3.0f} %  eta "
            f"{duration_words(eta)}")
    if out.isatty():
        out.write(f"\r{text}   " + ("\n" if done == total else ""))
    else:
        out.write(text + "\n")
    out.flush()


__all__ = ["BatchOptions", "BatchResult", "analyze_file", "find_files", "run_batch"]
