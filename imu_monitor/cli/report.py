"""Readable text for the terminal: the step table, the summary, drill results."""

from __future__ import annotations

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.pipeline import PELVIS_ACC_LIMIT_MPS2, Analysis
from imu_monitor.presentation import (
    file_state,
    format_drill,
    format_summary,
    format_value,
    headline_text,
)
from imu_monitor.processing.calibration import (
    calibration_quality,
    describe_forward,
    describe_neutral,
    no_standing_warning,
)
from imu_monitor.recording.library import NOT_CLOSED
from imu_monitor.recording.metadata import describe_problems


def format_analysis(analysis: Analysis, title: str, show_steps: bool = True) -> str:
    """The whole report of one analysed recording."""
    cal = analysis.calibration
    lines = [
        f"Pelvic drop — {analysis.drill} — {title}",
        f"{analysis.duration_s:.1f} s at {analysis.rate_hz:g} Hz, "
        f"{analysis.lost_samples} lost samples" + (
            f" ({analysis.jolt_samples} of them over {PELVIS_ACC_LIMIT_MPS2 / GRAVITY_MPS2:g} g: "
            "a knock on the sensor, or a reading at its full scale)"
            if analysis.jolt_samples else ""),
        *file_state(analysis.info, analysis.drill),
        _calibration_line(cal) + (f"\n{analysis.calibration_remarks}"
                                  if analysis.calibration_remarks else ""),
        "Drop = how far the hip opposite the stance leg sinks below standing neutral "
        "(positive = drop, negative = hip hike).",
        "",
    ]
    if analysis.steps and show_steps and analysis.drill_result is None:
        lines.append(f"{'Step':>5} {'Time s':>8}  {'Stance':<6} {'Peak drop °':>11} "
                     f"{'at s':>8} {'Step time s':>11}")
        for k, s in enumerate(analysis.steps, 1):
            flag = "  ▲ over threshold" if s.over_threshold and s.counted else ""
            if not s.counted:
                flag = f"  (not counted: {s.note})"
            lines.append(f"{k:>5} {s.time_s:>8.2f}  {s.side:<6} "
                         f"{format_value(s.peak_drop_deg, '{:.1f}'):>11} "
                         f"{format_value(s.peak_time_s, '{:.2f}'):>8} "
                         f"{format_value(s.step_time_s, '{:.2f}'):>11}{flag}")
        lines.append("")
    if analysis.steps and analysis.drill_result is None:
        lines += format_summary(analysis.summary, analysis.steps)
    if analysis.drill_result is not None:
        lines += format_drill(analysis.drill_result)
    return "\n".join(lines)


def _calibration_line(cal) -> str:
    word, _ = calibration_quality(cal)
    forward = describe_forward(cal)
    line = f"Calibration ({word}): neutral from {describe_neutral(cal)}; forward from {forward}"
    warning = no_standing_warning(cal)
    return f"{warning}\n{line}" if warning else line


def format_list(entries: list[dict], folder) -> str:
    """The session library as a table."""
    if not entries:
        return f"No recordings in {folder}."
    width = max([len(e["file"]) for e in entries] + [4])
    lines = [f"Recordings in {folder}:",
             f"{'Date (UTC)':<17} {'Patient':<12} {'Drill':<18} {'Duration':>8}  "
             f"{'File':<{width}}  Headline"]
    for e in entries:
        if "problem" in e:
            lines.append(f"{'?':<17} {'':<12} {'':<18} {'':>8}  {e['file']:<{width}}  "
                         f"unreadable: {e['problem']}")
            continue
        date = (e["created_utc"] or "")[:16].replace("T", " ")
        lines.append(f"{date:<17} {e['patient_id'] or '—':<12} {e['drill'] or '—':<18} "
                     f"{e['duration_s']:>7.0f}s  {e['file']:<{width}}  "
                     f"{headline_text(e['headline'])}")
        if e.get("damaged"):
            lines.append(f"{'':<17} damaged description: {'; '.join(e['damaged'])}")
        if e.get("closed") is False:
            lines.append(f"{'':<17} not closed normally (still being recorded, or stopped "
                         "by a crash: keep any -wal file beside it with it)")
    return "\n".join(lines)


def format_info(rec) -> str:
    """Everything about one recording, without analysing it."""
    m = rec.metadata
    device = m.get("device") or {}
    lines = [
        f"File:        {rec.path}",
        f"Created:     {m.get('created_utc', '—')} (format {m.get('format_version')}, "
        f"imu_monitor {m.get('app_version')})",
        f"Patient:     {m.get('patient_id') or '—'}",
        f"Drill:       {m.get('drill') or '—'}" + (f", side {m['side']}" if m.get("side")
                                                   else ""),
        f"Device:      {device.get('name', '—')} ({device.get('model', '')}, "
        f"protocol {device.get('protocol', '—')}"
        + (f", address {device['address']}" if device.get("address") else "") + ")",
        f"Duration:    {rec.duration_s:.1f} s at {rec.rate_hz:g} Hz",
        f"Samples:     {len(rec.samples)} ({rec.lost_samples} lost)",
        f"Markers:     {len(rec.markers)}"
        + "".join(f"\n  {mk['time_s']:8.1f} s  {mk['label']}" for mk in rec.markers),
        f"Link events: {len(rec.events)}",
        f"Notes:       {m.get('notes') or '—'}",
        f"Calibration: {'stored' if m.get('calibration') else 'none (found when analysed)'}",
        f"Closed:      {'yes' if isinstance(m.get('totals'), dict) else 'no. ' + NOT_CLOSED}",
        f"Headline:    {headline_text(m.get('headline'))}",
    ]
    imported = m.get("import")
    if isinstance(imported, dict):
        vendor = imported.get("vendor") if isinstance(imported.get("vendor"), dict) else {}
        details = ", ".join(f"{k} {vendor[k]}" for k in ("firmware", "filter_profile")
                            if vendor.get(k))
        lines.insert(5, f"Imported:    {imported.get('file', '—')} ({imported.get('format')}, "
                        f"{imported.get('clock')} clock, on {imported.get('imported_utc', '—')}"
                        + (f"; {details}" if details else "") + ")")
    if m.get("analysis_problem"):
        lines.append(f"Analysis:    {m['analysis_problem']}")
    if rec.metadata_problems:
        lines.append(f"Warning:     {describe_problems(rec.path.name, rec.metadata_problems)}")
    if rec.damaged_chunks:
        lines.append(f"Damaged:     {len(rec.damaged_chunks)} half-second blocks skipped")
    return "\n".join(lines)
