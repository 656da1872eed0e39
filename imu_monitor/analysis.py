"""Analysing a stored session, and storing the result with it: shared by CLI and app.

A recording is always re-analysed from its raw samples with the current pipeline and the
offline (whole-recording) orientation filter, using the settings it was recorded with (drill,
side, mounting, calibration) unless the user overrides them; what a session list shows is that
analysis, stored in the recording when it is saved.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imu_monitor.errors import ImuMonitorError, InputDataError, RecordingError, StorageError
from imu_monitor.heap import give_back_free_memory
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig, offline_analysis
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.recording import RecordingWriter
from imu_monitor.recording.writer import update_metadata
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.base import Source, read_all
from imu_monitor.sources.recording import RecordingReplay


def analysis_config(metadata: dict, drill: str | None = None, side: str | None = None,
                    axes: str | None = None, **options) -> PipelineConfig:
    """Analysis settings: what the user gave, else what the recording says, else defaults."""
    axes = axes or metadata.get("axes")
    return PipelineConfig(drill=drill or metadata.get("drill") or "walk",
                          side=side or metadata.get("side"),
                          axes=parse_axes(axes) if axes else None, orientation="offline",
                          **options)


def _stored_threshold(metadata: dict) -> float | None:
    """The threshold a recording (a number) or our CSV (a ``# threshold_deg:`` comment, text)
    was made with."""
    value = metadata.get("threshold_deg")
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputDataError(f"The file's threshold_deg is not a number of degrees: '{value}'. "
                             "Write it like '# threshold_deg: 6', or give --threshold.") from None


def source_samples(source: Source) -> SampleBatch:
    """All the samples of a finite source (a recording's own arrays: its packets are slices
    of them, no copy of the whole session)."""
    if isinstance(source, RecordingReplay):
        return source.take_samples()
    samples, _ = read_all(source)
    return samples


def analyze_source(source: Source, *, drill: str | None = None, side: str | None = None,
                   axes: str | None = None, threshold_deg: float | None = None,
                   recalibrate: bool = False, keep_orientation: bool = False,
                   require_steps: bool = True) -> tuple[Pipeline, Analysis]:
    """Recompute everything from the raw samples of a finite source (recording or CSV).

    A recording's stored calibration is used unless ``recalibrate`` or ``axes`` is given.
    The samples are let go once pushed: the pipeline holds only what it still needs (with
    lost samples, its own filled copy: the session's 64 bytes a sample are not carried
    through the filter).
    """
    metadata = source.info.details
    replay = source if isinstance(source, RecordingReplay) else None
    stored_calibration, first_seq = None, None
    if replay is not None:
        stored_calibration, first_seq = replay.recording.calibration, replay.recording.first_seq
    stored = replay is not None and not recalibrate and not axes
    config = analysis_config(
        metadata, drill, side, axes,
        # the clinician's threshold at recording time, for the drill it was recorded with
        threshold_deg=threshold_deg if threshold_deg is not None or drill not in (
            None, metadata.get("drill")) else _stored_threshold(metadata),
        calibration=stored_calibration if stored else None,
        keep_orientation=keep_orientation,
        first_seq=first_seq,
    )
    pipeline, analysis = offline_analysis(source_samples(source), source.info.rate_hz, config,
                                          require_steps)
    # Rows a file repeated exactly were dropped when it was read (an imported recording
    # keeps its file's timing): rejected, as repeats are.
    imported = metadata.get("import")
    timing = metadata.get("timing") or (imported.get("timing") if isinstance(imported, dict)
                                        else None)
    if isinstance(timing, dict):
        analysis.rejected_samples += int(timing.get("duplicate_rows_dropped") or 0)
    if stored and not analysis.calibration_note:
        analysis.calibration_note = metadata.get("calibration_note") or ""
    analysis.info = {"kind": source.info.kind,
                     **{k: v for k, v in metadata.items()
                        if k in ("source", "axes", "patient_id", "created_utc")}}
    recorded = metadata.get("drill")
    if drill and isinstance(recorded, str) and recorded != analysis.drill:
        analysis.info["recorded_drill"] = recorded
    if replay is not None:  # what a reader of the numbers must know about the file
        analysis.info["closed"] = "totals" in replay.recording.metadata
        if replay.recording.damaged_chunks:
            analysis.info["damaged_blocks"] = len(replay.recording.damaged_chunks)
            totals = replay.recording.metadata.get("totals") or {}
            stored = totals.get("samples") if isinstance(totals, dict) else None
            if isinstance(stored, int) and stored > analysis.samples:
                analysis.info["unreadable_samples"] = stored - analysis.samples
    return pipeline, analysis


def headline(analysis: Analysis) -> dict:
    """The few numbers a session list shows (stored in the recording when it is closed)."""
    s = analysis.summary
    out = {"drill": analysis.drill, "steps": s.steps,
           "left_mean_peak_drop_deg": s.left.mean_peak_drop_deg,
           "right_mean_peak_drop_deg": s.right.mean_peak_drop_deg,
           "asymmetry_deg": s.asymmetry_deg, "cadence_spm": s.cadence_spm}
    if analysis.drill_result is not None:
        blocks = analysis.drill_result.to_dict()["blocks"]
        out["blocks"] = [{k: b.get(k) for k in ("side", "hold_s", "mean_drop_deg", "reps",
                                                 "mean_peak_drop_deg") if k in b}
                         for b in blocks]
    return out


def analysis_metadata(analysis: Analysis) -> dict:
    """What a recording keeps of its analysis: the calibration, the headline numbers, and
    what was said of the calibration (a preset set aside: said again whenever the stored
    calibration, which no longer holds the preset, is used)."""
    return {"calibration": analysis.calibration.to_dict(), "headline": headline(analysis),
            "calibration_note": analysis.calibration_note or None}


def store_analysis(writer: RecordingWriter, analysis: Analysis) -> None:
    """Keep the calibration and the headline numbers with the recording (for lists)."""
    for key, value in analysis_metadata(analysis).items():
        writer.set_meta(key, value)


def analyze_saved(path: Path) -> tuple[Analysis | None, str | None]:
    """Analyse a recording just saved, exactly as ``imu-monitor analyze`` will, and store the
    result in it (for lists); returns the analysis (None: there is none) and what went wrong,
    if anything: why there is no analysis (also stored), or that it could not be stored (a
    disk full just then: the analysis is still given)."""
    try:
        _, analysis = analyze_source(RecordingReplay(path, salvage=False))
    except ImuMonitorError as exc:
        with contextlib.suppress(RecordingError):
            update_metadata(path, {"analysis_problem": str(exc)})
        return None, str(exc)
    try:
        update_metadata(path, analysis_metadata(analysis))
    except StorageError as exc:
        return analysis, (f"{exc} The recording is complete; only its numbers for the "
                          "recordings list are missing.")
    return analysis, None


@dataclass(frozen=True)
class StoredSession:
    """A recording opened for review: its analysis (as ``imu-monitor analyze`` gives it), the
    obliquity it was measured on, its markers, and its exports. What the Review screen reads,
    and nothing more: the samples and orientations behind it (130 MB for two hours at
    200 Hz) are let go, and an export analyses the recording again."""

    path: Path
    analysis: Analysis
    markers: list[tuple[float, str]]
    metadata: dict
    rate_hz: float
    threshold_deg: float
    obliquity_deg: np.ndarray  # at every sample slot (float32)
    valid: np.ndarray  # whether each slot's angle is trustworthy (measured, settled)

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(len(self.obliquity_deg)) / self.rate_hz

    def export(self, fmt: str, out: Path) -> int:
        """Write one of ``EXPORT_FORMATS`` (export/session.py) from the recording analysed
        again (the same numbers: the analysis is a function of the file); rows written."""
        from imu_monitor.export.session import export_session

        if fmt == "samples-csv":  # the samples as recorded need no analysis
            return export_recording_samples(self.path, out)
        pipeline, analysis = analyze_source(
            RecordingReplay(self.path), keep_orientation=fmt == "sto", require_steps=False)
        return export_session(fmt, out, pipeline, analysis, self.path)


def export_recording_samples(path: Path, out: Path) -> int:
    """A recording's samples as our CSV, with no analysis (one too short or too still to
    analyse still gives its data back); rows written."""
    from imu_monitor.export.session import export_samples

    replay = RecordingReplay(path)
    return export_samples(out, source_samples(replay), replay.info.rate_hz, path,
                          replay.info.details)


def open_stored(path: Path) -> StoredSession:
    """Analyse a recording for review, exactly as ``imu-monitor analyze`` does (slow: call
    it off the GUI thread); the memory the analysis worked in goes back to the system."""
    source = RecordingReplay(path)
    markers = [(float(m["time_s"]), str(m["label"])) for m in source.recording.markers]
    metadata = dict(source.recording.metadata)
    pipeline, analysis = analyze_source(source, require_steps=False)
    session = StoredSession(Path(path), analysis, markers, metadata, pipeline.rate_hz,
                            pipeline.threshold_deg, pipeline.obliquity.view.copy(),
                            pipeline.valid.view.copy())
    del source, pipeline
    give_back_free_memory()
    return session
