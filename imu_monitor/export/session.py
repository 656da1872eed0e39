"""Exporting an analysed session in any of our formats: shared by the CLI and the app."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.export.angles_csv import write_angles_csv
from imu_monitor.export.opensim import write_sto
from imu_monitor.export.steps_csv import write_steps_csv
from imu_monitor.pipeline import Analysis, Pipeline
from imu_monitor.safe_write import check_target, guarded_path
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import write_csv

# format name → (what it is, usual file suffix)
EXPORT_FORMATS = {
    "samples-csv": ("raw samples (CSV)", ".csv"),
    "angles-csv": ("pelvis angles per sample (CSV)", ".csv"),
    "steps-csv": ("one row per step (CSV)", ".csv"),
    "json": ("steps and summary (JSON)", ".json"),
    "sto": ("OpenSim/OpenSense orientations (.sto)", ".sto"),
    "report-pdf": ("clinician report, one A4 page (PDF)", ".pdf"),
    "report-png": ("clinician report, one A4 page (PNG image)", ".png"),
}


def check_export_target(out: Path, source: Path, doing: str = "exported") -> None:
    """An export (or an import) never overwrites the file it comes from, any recording or a
    recording's companion files (refused before the analysis runs)."""
    check_target(out)
    if Path(out).exists() and Path(os.path.realpath(out)) == Path(os.path.realpath(source)):
        raise InputDataError(f"{out} is the file being {doing}: choose another output name.")


# What a samples CSV carries over from its recording, so that it analyses as the recording
# does: without them a mounting declared when recording was found again from the walking (a
# simulated patient's sides read 0.3–0.4° apart from the recording's), and a drill recording
# was analysed as a walk.
CARRIED_SETTINGS = ("axes", "drill", "side", "threshold_deg")


def export_samples(out: Path, samples: SampleBatch, rate_hz: float, source: Path,
                   metadata: dict | None = None) -> int:
    """The raw samples as our CSV (``samples-csv``): no analysis needed, so a recording too
    short or too still to analyse still gives its data back; rows written. Time zero is the
    first sample, as in every other export; the recording's settings
    (``CARRIED_SETTINGS``) come along as comments."""
    check_export_target(out, source)
    settings = {key: value for key, value in (metadata or {}).items()
                if key in CARRIED_SETTINGS and value is not None}
    if len(samples):
        samples = replace(samples, time_s=samples.time_s - samples.time_s[0])
    with guarded_path(out) as temporary:
        write_csv(temporary, samples, rate_hz, {"source": str(source), **settings})
    return len(samples)


def export_session(fmt: str, out: Path, pipeline: Pipeline, analysis: Analysis,
                   source: Path) -> int:
    """Write ``fmt`` (any but ``samples-csv``: :func:`export_samples`) to ``out`` (whole or
    not at all, readable by the user only: patient data); rows written.

    The ``sto`` format needs the pipeline to have kept the orientation (keep_orientation);
    a report is one page (``rows`` = 1).
    """
    if fmt not in EXPORT_FORMATS or fmt == "samples-csv":
        raise InputDataError(f"'{fmt}' is not an export format of an analysis. Choose one "
                             "of: " + ", ".join(f for f in EXPORT_FORMATS
                                                if f != "samples-csv") + ".")
    if fmt == "sto" and pipeline.orientation is None:
        raise InputDataError("This analysis kept no orientations: re-open the recording "
                             "to export the .sto file.")
    check_export_target(out, source)
    with guarded_path(out) as temporary:
        return _write(fmt, temporary, pipeline, analysis, source)


def _write(fmt: str, out: Path, pipeline: Pipeline, analysis: Analysis, source: Path) -> int:
    valid = pipeline.valid.view
    if fmt == "angles-csv":
        rows = write_angles_csv(out, pipeline.rate_hz, pipeline.obliquity.view,
                                pipeline.tilt.view, pipeline.rotation.view, valid)
    elif fmt == "steps-csv":
        rows = write_steps_csv(out, analysis.steps)
    elif fmt == "json":
        Path(out).write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
        rows = len(analysis.steps)
    elif fmt in ("report-pdf", "report-png"):
        from imu_monitor.export.report_page import write_report  # Qt only for a report

        write_report(out, fmt.removeprefix("report-"), analysis, pipeline.obliquity.view, valid,
                     Path(source))
        rows = 1
    else:  # sto
        cal = analysis.calibration
        rows = write_sto(out, pipeline.rate_hz, pipeline.orientation.view, valid,
                         cal.forward_sensor, round(cal.still_end_s * pipeline.rate_hz) - 1)
    return rows


def export_message(fmt: str, rows: int, out: Path) -> str:
    """What was written, in words (the CLI prints it, the app shows it)."""
    if fmt.startswith("report-"):
        return f"Wrote the report ({EXPORT_FORMATS[fmt][1][1:].upper()}) to {out}."
    what = {"samples-csv": f"{rows} samples (CSV)", "angles-csv": f"{rows} rows of angles (CSV)",
            # a row per contact found: the report's counts leave out what was not a step
            "steps-csv": f"{rows} rows, one per contact found (CSV)",
            "json": f"the analysis: {rows} contacts found and the summary (JSON)",
            "sto": f"{rows} orientations (OpenSim .sto)"}[fmt]
    return f"Wrote {what} to {out}."
