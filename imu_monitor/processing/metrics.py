"""Per-step pelvic drop and the per-side, per-bout summary (field names are a public interface).

A step runs from one initial contact to the next (opposite) one; its stance side is the foot
that made the contact. Its peak drop is the largest drop of the opposite hip below neutral in
the loading response and mid-stance part of that window, if it is a real peak (not on an edge).
Steps whose stance was not wholly seen, that lost data, have no peak or whose foot is in doubt
are kept in the step table but left out of the summaries, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import SIDES, Side, drop_from_obliquity
from imu_monitor.processing.runs import true_runs

MAX_STEP_S = 1.5  # a window longer than this is cut: the patient has stopped
# The drop of a step is read from loading response to mid-stance: the first 60 % of the time
# to the next contact (0–30 % of the gait cycle). The later part leads into the other foot's
# loading response, where the same hip rises again or, in some people, is lowest at that
# contact — the next step's motion, not this one's peak.
LOADING_FRACTION = 0.6
# A peak at least this far inside that span: the largest value *on* its edge is no peak.
PEAK_HALF_WINDOW_S = 0.02
MISSED_CONTACT_RATIO = 1.6  # a step this many times longer than usual holds two stances

# Why a step is kept out of the summaries (shown with it in every table).
NOTE_LAST = "last step of a walk: its stance was not seen to the end"
NOTE_FIRST = "first step of a walk: the patient is still getting going"
NOTE_LOST = "data lost or orientation re-acquiring in this step"
NOTE_NO_PEAK = "no peak: the drop is largest at the edge of the step"
NOTE_MISSED = "a contact was missed inside this step: it holds two stances"
NOTE_FOOT = "foot uncertain: two steps in a row on the same side"
NOTE_TURN = "turning: the pelvis leans into turns, so drop is read on straight walking"
# The same reasons in a word or two, for narrow table cells (the sentence goes in a tooltip).
SHORT_NOTES = {NOTE_FIRST: "first step", NOTE_LAST: "last step", NOTE_LOST: "data lost",
               NOTE_NO_PEAK: "no peak", NOTE_MISSED: "missed contact", NOTE_FOOT: "foot unsure",
               NOTE_TURN: "turning"}
# Straight walking turns the pelvis by its own rotation only (±5°: under 15° from one contact
# to the next); a turn of the walking path does far more.
TURN_PER_STEP_DEG = 30.0
# ... over the step and half a second either side: a filter's vertical feels the turn's
# centripetal pull a moment before and after it. (A step is closed when its foot is decided,
# about a second after the next contact, so half a second after it is always there.)
TURN_MARGIN_S = 0.5


@dataclass(frozen=True)
class StepHistory:
    """The per-sample history a step is measured on (absolute sample indices)."""

    obliquity_deg: np.ndarray
    heading_deg: np.ndarray  # or any sequence sliced by absolute index (recent part only)
    valid: np.ndarray


@dataclass(frozen=True)
class Step:
    """One step. Times in s from the first sample, angles in degrees.

    ``counted`` False: the step is shown but kept out of the summaries and the report, and
    ``note`` says why (NOTE_*). ``peak_drop_deg`` is None when the step has no peak.
    """

    time_s: float
    side: Side
    peak_drop_deg: float | None
    peak_time_s: float | None
    step_time_s: float | None  # from the previous (opposite) contact; None at a bout start
    bout: int
    over_threshold: bool
    counted: bool = True
    note: str = ""

    def to_dict(self) -> dict:
        """JSON form; floats rounded to what the measurement supports (the fields in order,
        as ``asdict`` gives them, without its deep copy of each value)."""
        d = dict(self.__dict__)
        for key in ("time_s", "peak_time_s", "step_time_s"):
            if d[key] is not None:
                d[key] = round(d[key], 3)
        if d["peak_drop_deg"] is not None:
            d["peak_drop_deg"] = round(d["peak_drop_deg"], 2)
        return d


def find_peak(drop: np.ndarray, measured: np.ndarray, half: int) -> int | None:
    """Index of the step's peak drop within loading response and mid-stance (the first
    ``LOADING_FRACTION`` of the step): the largest value there, if it lies at least ``half``
    samples from both ends of that span with only measured samples around it. None when the
    drop is largest at an end (no peak: the hip was still going down, or already was at the
    contact) or the peak falls in lost data."""
    span = max(1, round(LOADING_FRACTION * len(drop)))
    if span < 2 * half + 1:
        return None
    values = np.where(measured[:span], drop[:span], -np.inf)
    peak = int(np.argmax(values))
    if not half <= peak < span - half or not measured[peak - half: peak + half + 1].all():
        return None
    return peak


class StepJudge:
    """Turns contacts into steps: measures each when the next contact closes it, and decides
    whether it counts (a whole stance seen, data present, a real peak, feet alternating)."""

    def __init__(self, rate_hz: float, threshold_deg: float) -> None:
        self.rate_hz = float(rate_hz)
        self.threshold_deg = threshold_deg
        self._pending = None  # the last contact, waiting for the next one to close its step
        self._previous = None  # the contact before it in the same bout
        self._step_times: list[float] = []  # recent step times within bouts
        self._foot_doubt = False  # the pending contact repeats its predecessor's side

    def contact(self, contact, history: StepHistory) -> list[Step]:
        """A new contact: closes the pending step (if any) and becomes the pending one."""
        steps = self._close(contact, history)
        self._pending = contact
        return steps

    def close(self, history: StepHistory) -> list[Step]:
        """End of the data (or Stop): the pending step is closed without a next contact."""
        return self._close(None, history)

    def _close(self, following, history: StepHistory) -> list[Step]:
        obliquity, valid = history.obliquity_deg, history.valid
        pending = self._pending
        if pending is None:
            return []
        rate = self.rate_hz
        same_bout = following is not None and following.bout == pending.bout
        previous = self._previous if self._previous is not None and \
            self._previous.bout == pending.bout else None
        recent = sorted(self._step_times)
        usual = recent[len(recent) // 2] if recent else 0.55  # a median (odd lengths aside)
        note = ""
        if same_bout:
            end = following.index
        else:
            end = pending.index + round(usual * rate)
            note = NOTE_LAST
        end = min(end, pending.index + round(MAX_STEP_S * rate), len(obliquity))
        end = max(end, pending.index + 1)
        if end - pending.index >= round(MAX_STEP_S * rate):
            note = note or NOTE_LAST
        step_s = (end - pending.index) / rate
        foot_doubt_next = same_bout and following.side == pending.side
        if same_bout and len(recent) >= 3 and step_s > MISSED_CONTACT_RATIO * usual:
            note = note or NOTE_MISSED
            foot_doubt_next = False  # a missed contact explains the repeated side
        elif foot_doubt_next or self._foot_doubt:
            note = note or NOTE_FOOT
        if previous is None:  # gait initiation (or a weight shift taken for a step)
            note = note or NOTE_FIRST
        heading = history.heading_deg
        if not note:  # (a step already left out needs no more reasons, nor old history)
            since = max(0, pending.index - round(TURN_MARGIN_S * rate))
            until = min(len(heading), end + round(TURN_MARGIN_S * rate))
            around = heading[since:until]
            if len(around) and float(np.ptp(around)) > TURN_PER_STEP_DEG:
                note = NOTE_TURN
        measured = valid[pending.index:end]
        if not measured.all():
            longest = max(stop - start for start, stop in true_runs(~measured))
            if longest > SHORT_LOSS_S * rate:
                note = note or NOTE_LOST
        drop = drop_from_obliquity(obliquity[pending.index:end].astype(np.float64),
                                   pending.side)
        peak = find_peak(drop, measured, max(1, round(PEAK_HALF_WINDOW_S * rate)))
        if peak is None:
            note = note or (NOTE_LOST if not measured.all() else NOTE_NO_PEAK)
        peak_drop = None if peak is None else float(drop[peak])
        step_time = None if previous is None else (pending.index - previous.index) / rate
        if same_bout:  # the usual step time, robust to a few odd ones (median)
            self._step_times = [*self._step_times[-8:], step_s]
        self._foot_doubt = foot_doubt_next
        self._previous = pending if same_bout else None
        self._pending = None
        return [Step(pending.index / rate, pending.side, peak_drop,
                     None if peak is None else (pending.index + peak) / rate, step_time,
                     pending.bout, peak_drop is not None and peak_drop > self.threshold_deg,
                     counted=not note, note=note)]


SHORT_LOSS_S = 0.06  # lost data up to this long inside a step is bridged, not disqualifying


def side_summary(steps: list[Step], side: Side) -> dict:
    """``steps``, ``mean_peak_drop_deg``, ``sd_peak_drop_deg`` (and max, over threshold), over
    the counted steps of that side."""
    counted = [s for s in steps if s.side == side and s.counted]
    drops = np.array([s.peak_drop_deg for s in counted], dtype=float)
    return {
        "steps": len(drops),
        "mean_peak_drop_deg": _round(np.mean(drops)) if len(drops) else None,
        "sd_peak_drop_deg": _round(np.std(drops, ddof=1)) if len(drops) > 1 else None,
        "max_peak_drop_deg": _round(np.max(drops)) if len(drops) else None,
        "steps_over_threshold": int(sum(s.over_threshold for s in counted)),
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
    counted = [s for s in steps if s.counted]
    out["steps"] = len(counted)
    out["steps_not_counted"] = len(steps) - len(counted)
    out["steps_over_threshold"] = int(sum(s.over_threshold for s in counted))
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
