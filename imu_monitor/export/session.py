"""Exporting an analysed session in any of our formats: shared by the CLI and the app."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.export.angles_csv import write_angles_csv
from imu_monitor.export.opensim import write_sto
from imu_monitor.export.report import write_report
from imu_monitor.export.steps_csv import write_steps_csv
from imu_monitor.pipeline import Analysis, Pipeline
from imu_monitor.recording import is_recording
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


def check_export_target(out: Path, source: Path) -> None:
    """An export never overwrites the recording it comes from, or any recording."""
    if out.exists() and (out.resolve() == Path(source).resolve() or is_recording(out)):
        raise InputDataError(f"{out} is a recording: an export never overwrites one. Choose "
                             "another output name.")


def export_session(fmt: str, out: Path, pipeline: Pipeline, analysis: Analysis,
                   samples: SampleBatch, source: Path) -> int:
    """Write ``fmt`` to ``out`` (readable by the user only: patient data); rows written.

    The ``sto`` format needs the pipeline to have kept the orientation (keep_orientation);
    a report is one page (``rows`` = 1).
    """
    check_export_target(out, source)
    valid = pipeline.valid.view
    if fmt == "samples-csv":
        write_csv(out, samples, pipeline.rate_hz, {"source": str(source)})
        rows = len(samples)
    elif fmt == "angles-csv":
        rows = write_angles_csv(out, pipeline.rate_hz, pipeline.obliquity.view,
                                pipeline.tilt.view, pipeline.rotation.view, valid)
    elif fmt == "steps-csv":
        rows = write_steps_csv(out, analysis.steps)
    elif fmt == "json":
        Path(out).write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
        rows = len(analysis.steps)
    elif fmt in ("report-pdf", "report-png"):
        write_report(out, fmt.removeprefix("report-"), analysis, pipeline.obliquity.view, valid,
                     Path(source))
        rows = 1
    elif fmt == "sto":
        if pipeline.orientation is None:
            raise InputDataError("This analysis kept no orientations: re-open the recording "
                                 "to export the .sto file.")
        cal = analysis.calibration
        rows = write_sto(out, pipeline.rate_hz, pipeline.orientation.view, valid,
                         cal.forward_sensor, round(cal.still_end_s * pipeline.rate_hz) - 1)
    else:
        raise InputDataError(f"'{fmt}' is not an export format. Choose one of: "
                             + ", ".join(EXPORT_FORMATS) + ".")
    with contextlib.suppress(OSError):
        os.chmod(out, 0o600)
    return rows


def export_message(fmt: str, rows: int, out: Path) -> str:
    """What was written, in words (the CLI prints it, the app shows it)."""
    if fmt.startswith("report-"):
        return f"Wrote the report ({EXPORT_FORMATS[fmt][1][1:].upper()}) to {out}."
    return f"Wrote {rows} rows ({fmt}) to {out}."
