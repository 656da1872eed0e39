"""Readable text for the terminal: the step table, the summary, drill results."""

from __future__ import annotations

from imu_monitor.pipeline import Analysis


def _num(value, fmt: str = "{:.2f}") -> str:
    return "—" if value is None else fmt.format(value)


def format_analysis(analysis: Analysis, title: str, show_steps: bool = True) -> str:
    """The whole report of one analysed recording."""
    cal = analysis.calibration
    lines = [
        f"Pelvic drop — {analysis.drill} — {title}",
        f"{analysis.duration_s:.1f} s at {analysis.rate_hz:g} Hz, "
        f"{analysis.lost_samples} lost samples",
        f"Calibration: standing still {cal.still_start_s:.1f}–{cal.still_end_s:.1f} s; forward "
        f"from {'the declared mounting' if cal.forward_source == 'axes' else 'the first walk'}"
        f" (confidence {cal.forward_confidence:.2f})",
        "Drop = how far the hip opposite the stance leg sinks below standing neutral "
        "(positive = drop, negative = hip hike).",
        "",
    ]
    if analysis.steps and show_steps and analysis.drill_result is None:
        lines.append(f"{'Step':>5} {'Time s':>8}  {'Stance':<6} {'Peak drop °':>11} "
                     f"{'at s':>8} {'Step time s':>11}")
        for k, s in enumerate(analysis.steps, 1):
            flag = "  ▲ over threshold" if s.over_threshold else ""
            lines.append(f"{k:>5} {s.time_s:>8.2f}  {s.side:<6} {s.peak_drop_deg:>11.1f} "
                         f"{s.peak_time_s:>8.2f} {_num(s.step_time_s):>11}{flag}")
        lines.append("")
    if analysis.steps and analysis.drill_result is None:
        lines += format_summary(analysis.summary)
    if analysis.drill_result is not None:
        lines += format_drill(analysis.drill, analysis.drill_result)
    return "\n".join(lines)


def format_summary(summary: dict) -> list[str]:
    """Left and right stance side by side, then asymmetry and cadence."""
    left, right = summary["left"], summary["right"]
    rows = [
        ("Steps", "steps", "{:d}"),
        ("Mean peak drop °", "mean_peak_drop_deg", "{:.1f}"),
        ("SD °", "sd_peak_drop_deg", "{:.1f}"),
        ("Max °", "max_peak_drop_deg", "{:.1f}"),
        (f"Over {summary['threshold_deg']:g}°", "steps_over_threshold", "{:d}"),
    ]
    out = [f"{'Summary':<20}{'Left stance':>14}{'Right stance':>14}"]
    for label, key, fmt in rows:
        out.append(f"{label:<20}{_num(left[key], fmt):>14}{_num(right[key], fmt):>14}")
    out.append(f"Asymmetry (right − left): {_num(summary['asymmetry_deg'], '{:+.1f}')}°   "
               f"Cadence: {_num(summary['cadence_spm'], '{:.0f}')} steps/min   "
               f"Walking bouts: {len(summary['bouts'])}")
    return out


def format_drill(drill: str, result: dict) -> list[str]:
    """Holds or reps, one block per line group."""
    out = [f"Tolerance: {result['tolerance_deg']:g}°"]
    for k, block in enumerate(result["blocks"], 1):
        head = f"Block {k}: standing on the {block['side']} leg, {block['start_s']:.1f}–" \
               f"{block['end_s']:.1f} s"
        out.append(head)
        if drill == "single-leg-stance":
            out.append(f"  hold {block['hold_s']:.1f} s, mean drop {block['mean_drop_deg']:.1f}°,"
                       f" max {block['max_drop_deg']:.1f}°, sway {block['sway_deg']:.1f}°, "
                       f"within tolerance {block['time_in_band_pct']:.0f}% of the time")
        else:
            out.append(f"  {block['reps']} reps")
            for r in block["rep_list"]:
                if drill == "hip-hike":
                    out.append(f"    {r['time_s']:>7.1f} s  range {r['range_deg']:.1f}°  "
                               f"lift {r['lift_deg']:.1f}°  top held {r['top_hold_s']:.1f} s")
                else:
                    flag = "  ▲" if r["over_threshold"] else ""
                    out.append(f"    {r['time_s']:>7.1f} s  peak drop {r['peak_drop_deg']:.1f}°"
                               f"  rotation range {r['rotation_range_deg']:.1f}°{flag}")
    return out
