"""The clinician's report: one A4 page for the patient file, as PDF or PNG (its words here,
its page in ``report_page.py``, which alone imports Qt's painting).

What a clinician files after a session: who, when and what was done; the numbers per stance side
against the threshold, and what they mean in one sentence; every counted step's drop over the
session; ten seconds of the trace; the drill's sets; how trustworthy the calibration was;
notes, markers and lost data; and what one sacral sensor can and cannot see. Painted with Qt (no
plotting library; the same code makes the PDF and the PNG), off the GUI thread in the app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from imu_monitor import __version__
from imu_monitor.drills import get_drill
from imu_monitor.limits import KNOWN_LIMITS
from imu_monitor.pipeline import Analysis
from imu_monitor.presentation import (
    SUMMARY_ROWS,
    count_of,
    file_state,
    format_drill,
    format_value,
    summary_doubts,
    summary_row_title,
)
from imu_monitor.processing.calibration import (
    describe_calibration,
    no_standing_warning,
)
from imu_monitor.processing.metrics import Summary
from imu_monitor.recording import is_recording, open_recording

MAX_DRILL_LINES = 16
MAX_MARKERS = 12


@dataclass
class ReportText:
    """Every sentence and number on the page (the painter only lays them out)."""

    title: str
    when: str
    session: str
    recording: str
    summary_rows: list[tuple[str, str, str]] = field(default_factory=list)
    statement: str = ""
    drill_lines: list[str] = field(default_factory=list)
    calibration: str = ""
    data: str = ""
    notes: str = ""
    markers: str = ""
    footer: str = ""


def report_text(analysis: Analysis, source: Path) -> ReportText:
    """The page's words and numbers, from the analysis and, for a recording, its notes,
    markers and device."""
    metadata: dict = {}
    markers: list[dict] = []
    if is_recording(source):
        recording = open_recording(source, salvage=True)
        metadata, markers = recording.metadata, recording.markers
    drill = get_drill(analysis.drill)
    created = metadata.get("created_utc") or analysis.info.get("created_utc")
    device = metadata.get("device") or {}
    minutes = analysis.duration_s / 60
    text = ReportText(
        title="Pelvic drop — session report",
        when=_when(created),
        session=" · ".join([f"Patient {metadata.get('patient_id') or '—'}", drill.title,
                            f"{minutes:.1f} min" if minutes >= 1 else
                            f"{analysis.duration_s:.0f} s"]
                           + ([f"{count_of(analysis.summary.steps, 'step')} counted, "
                               f"{analysis.summary.steps_not_counted} not"]
                              if drill.gait else [])),
        recording=" · ".join(x for x in [
            Path(source).name, device.get("name") or device.get("model") or "",
            f"{analysis.rate_hz:g} Hz"] if x),
    )
    summary = analysis.summary
    if analysis.drill_result is None:
        text.summary_rows = [(summary_row_title(title, summary),
                              format_value(getattr(summary.left, key), fmt),
                              format_value(getattr(summary.right, key), fmt))
                             for title, key, fmt in SUMMARY_ROWS]
        text.summary_rows += [
            ("Asymmetry R − L", format_value(summary.asymmetry_deg, "{:+.1f}°"), ""),
            ("Cadence, steps/min", format_value(summary.cadence_spm, "{:.0f}"), "")]
        text.statement = " ".join(part for part in (
            no_standing_warning(analysis.calibration), _statement(summary),
            *summary_doubts(analysis.steps, summary)) if part)
    else:
        lines = format_drill(analysis.drill_result)
        text.drill_lines = lines[:MAX_DRILL_LINES] + (
            [f"… {len(lines) - MAX_DRILL_LINES} more lines in the JSON export"]
            if len(lines) > MAX_DRILL_LINES else [])
    word, found = describe_calibration(analysis.calibration)
    text.calibration = f"Calibration {word}: {found}" + (
        f" {analysis.calibration_remarks}" if analysis.calibration_remarks else "")
    expected = analysis.samples + analysis.lost_samples
    where = ("in transmission or in the damaged blocks left out" if
             analysis.info.get("damaged_blocks") else "in transmission")
    text.data = " ".join([
        f"Samples: {analysis.samples} received, {analysis.lost_samples} lost {where} "
        f"({100 * analysis.lost_samples / max(1, expected):.1f} %), "
        f"{analysis.rejected_samples} rejected.", *file_state(analysis.info, analysis.drill)])
    text.notes = f"Notes: {metadata['notes']}" if metadata.get("notes") else ""
    if markers:
        shown = "; ".join(f"{m['time_s']:.1f} s {m['label']}" for m in markers[:MAX_MARKERS])
        more = f"; … {len(markers) - MAX_MARKERS} more" if len(markers) > MAX_MARKERS else ""
        text.markers = f"Markers: {shown}{more}"
    text.footer = (
        "Angles in degrees from the neutral (standing, or the pelvis at initial contacts when "
        "nobody stood still: see the calibration). Drop: how far the hip opposite the stance "
        f"leg went below neutral (positive = lower). {KNOWN_LIMITS} "
        f"imu_monitor {__version__}; report made {_local(dt.datetime.now(dt.UTC))}.")
    return text


def _when(created: str | None) -> str:
    if not created:
        return ""
    try:
        return _local(dt.datetime.fromisoformat(created))
    except ValueError:
        return created


def _local(when: dt.datetime) -> str:
    """A time as the clinic reads it: local, with its zone (a time without one is UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone()
    return local.strftime("%d %b %Y, %H:%M ") + (local.tzname() or local.strftime("UTC%z"))


def _statement(summary: Summary) -> str:
    """The summary in one or two sentences a colleague can read without the table."""
    left, right = summary.left, summary.right
    if not left.steps and not right.steps:
        return "No steps were found: no drop per step to report."
    if not left.steps or not right.steps:
        return "Steps were counted on one side only: no left–right comparison."
    a, b = left.mean_peak_drop_deg, right.mean_peak_drop_deg
    assert a is not None and b is not None  # (steps on both sides)
    threshold = summary.threshold_deg
    over = (f" Steps over the {threshold:g}° threshold: {left.steps_over_threshold} of "
            f"{left.steps} in left stance, {right.steps_over_threshold} of "
            f"{right.steps} in right stance.")
    if abs(a - b) < 1.0:
        return (f"The drop is alike in left and right stance ({a:.1f}° and {b:.1f}° on "
                f"average).{over}")
    side, other = ("right", "left") if b > a else ("left", "right")
    big, small = max(a, b), min(a, b)
    return (f"The drop is larger in {side} stance: the {other} hip went {big:.1f}° below "
            f"neutral on average while standing on the {side} leg, {big - small:.1f}° more "
            f"than in {other} stance ({small:.1f}°).{over}")
