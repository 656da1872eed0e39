"""Per-step pelvic drop and the per-side, per-bout summary (field names are a public interface).

A step runs from one initial contact to the next (opposite) one; its stance side is the foot
that made the contact. Its peak drop is the largest drop of the opposite hip below neutral in
that window (loading response through mid-stance and single support).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from imu_monitor.conventions import SIDES, Side, drop_from_obliquity

MAX_STEP_S = 1.5  # a window longer than this is cut: the patient has stopped


@dataclass(frozen=True)
class Step:
    """One step. Times in s from the first sample, angles in degrees."""

    time_s: float
    side: Side
    peak_drop_deg: float
    peak_time_s: float
    step_time_s: float | None  # from the previous (opposite) contact; None at a bout start
    bout: int
    over_threshold: bool

    def to_dict(self) -> dict:
        """JSON form; floats rounded to what the measurement supports."""
        d = asdict(self)
        for key in ("time_s", "peak_time_s", "step_time_s"):
            if d[key] is not None:
                d[key] = round(d[key], 3)
        d["peak_drop_deg"] = round(d["peak_drop_deg"], 2)
        return d


def measure_step(
    index: int,
    side: Side,
    bout: int,
    end_index: int,
    previous_index: int | None,
    obliquity_deg: np.ndarray,
    valid: np.ndarray,
    rate_hz: float,
    threshold_deg: float,
) -> Step:
    """The step starting at sample ``index`` and ending at ``end_index`` (exclusive).

    The peak is taken from measured samples (``valid``) whenever the step has any; a step
    lost entirely inside a gap keeps the bridged values (it is rare and is marked by the gap).
    """
    end = min(end_index, index + round(MAX_STEP_S * rate_hz), len(obliquity_deg))
    end = max(end, index + 1)
    drop = drop_from_obliquity(obliquity_deg[index:end], side)
    measured = valid[index:end]
    if not measured.all() and measured.any():
        drop = np.where(measured, drop, -np.inf)
    peak = int(drop.argmax())
    peak_drop = float(drop[peak])
    step_time = None if previous_index is None else (index - previous_index) / rate_hz
    return Step(index / rate_hz, side, peak_drop, (index + peak) / rate_hz, step_time, bout,
                peak_drop > threshold_deg)


def side_summary(steps: list[Step], side: Side) -> dict:
    """``steps``, ``mean_peak_drop_deg``, ``sd_peak_drop_deg`` (and max, over threshold)."""
    drops = np.array([s.peak_drop_deg for s in steps if s.side == side])
    return {
        "steps": len(drops),
        "mean_peak_drop_deg": _round(np.mean(drops)) if len(drops) else None,
        "sd_peak_drop_deg": _round(np.std(drops, ddof=1)) if len(drops) > 1 else None,
        "max_peak_drop_deg": _round(np.max(drops)) if len(drops) else None,
        "steps_over_threshold": int(sum(s.over_threshold for s in steps if s.side == side)),
    }


# How a summary is shown, one row per field, the same on screen, in the terminal and in the
# report: (title, field of each side's summary, format). "Over" gets the threshold appended.
SUMMARY_ROWS = (("Steps", "steps", "{:d}"),
                ("Mean peak drop °", "mean_peak_drop_deg", "{:.1f}"),
                ("SD °", "sd_peak_drop_deg", "{:.1f}"),
                ("Max °", "max_peak_drop_deg", "{:.1f}"),
                ("Over", "steps_over_threshold", "{:d}"))


def format_value(value: float | None, fmt: str) -> str:
    """A summary number for people: "—" where there is none (no steps on that side)."""
    return "—" if value is None else fmt.format(value)


def summary_row_title(title: str, summary: dict) -> str:
    return f"Over {summary['threshold_deg']:g}°" if title == "Over" else title


def summarize(steps: list[Step], threshold_deg: float) -> dict:
    """Whole-recording summary: per side, asymmetry, cadence, and each walking bout."""
    summary = _block(steps)
    summary["threshold_deg"] = threshold_deg
    by_bout: dict[int, list[Step]] = {}
    for s in steps:
        by_bout.setdefault(s.bout, []).append(s)
    bouts = []
    for bout, in_bout in sorted(by_bout.items()):
        entry = {"bout": bout, "start_s": round(in_bout[0].time_s, 3),
                 "end_s": round(in_bout[-1].time_s, 3)}
        entry.update(_block(in_bout))
        bouts.append(entry)
    summary["bouts"] = bouts
    return summary


def _block(steps: list[Step]) -> dict:
    out: dict = {side: side_summary(steps, side) for side in SIDES}
    left, right = out["left"]["mean_peak_drop_deg"], out["right"]["mean_peak_drop_deg"]
    out["asymmetry_deg"] = None if left is None or right is None else _round(right - left)
    out["cadence_spm"] = _cadence(steps)
    out["steps"] = len(steps)
    out["steps_over_threshold"] = int(sum(s.over_threshold for s in steps))
    return out


def _cadence(steps: list[Step]) -> float | None:
    """Steps per minute while walking: contacts per time between first and last of each bout."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    count: dict[int, int] = {}
    for s in steps:
        first.setdefault(s.bout, s.time_s)
        last[s.bout] = s.time_s
        count[s.bout] = count.get(s.bout, 0) + 1
    intervals = sum(c - 1 for c in count.values())
    duration = sum(last[b] - first[b] for b in count)
    return _round(60.0 * intervals / duration, 1) if duration > 0 else None


def _round(x: float, digits: int = 2) -> float:
    return round(float(x), digits)
