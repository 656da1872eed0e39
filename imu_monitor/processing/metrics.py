"""Per-step pelvic drop and the per-side, per-bout summary (field names are a public interface).

A step runs from one initial contact to the next (opposite) one; its stance side is the foot
that made the contact. Its peak drop is the largest drop of the opposite hip below neutral in
the loading response and mid-stance part of that window, if it is a real peak (not on an edge).
Steps whose stance was not wholly seen, that lost data, have no peak or whose foot is in doubt
are kept in the step table but left out of the summaries, with the reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from imu_monitor.conventions import Side, drop_from_obliquity
from imu_monitor.processing.events import Contact
from imu_monitor.processing.runs import true_runs
from imu_monitor.processing.thresholds import over_threshold

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
# Not a step at all: a contact the walking rhythm shows to be a second jolt inside the step
# before it (see processing/events.py). Shown, so the live guess it replaces is withdrawn.
NOTE_EXTRA = "not a step: a second jolt inside the step before it (the rhythm rules it out)"
# Not a step either: a weight shift as a walk starts (before its first step), a fraction of the
# jolt of the steps after it (see processing/events.py).
NOTE_SHIFT = "not a step: a weight shift as the walk starts (a fraction of a step's jolt)"
# A pelvis leans this far from its neutral in no walking, running or drill (a Trendelenburg
# drop is under 15°, a runner's forward lean under 20°): beyond it, in obliquity or in tilt,
# the sensor is off the pelvis (unclipped and held, set down) and a "step" is not the
# patient's. Real walks with the sensor handled after them had counted 1–2 such steps each.
OFF_PELVIS_DEG = 40.0
NOTE_OFF_PELVIS = "the sensor was off the pelvis (held or set down): no posture of walking"
# Live only, until the step is judged (see ProvisionalSteps).
NOTE_FOOT_PENDING = "foot not decided yet: the next steps will tell"
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
    on_pelvis: np.ndarray  # the pelvis's posture (see ``on_pelvis``)


@dataclass(frozen=True, slots=True)
class Step:
    """One step. Times in s from the first sample, angles in degrees (slots: a long
    recording has tens of thousands).

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

    @property
    def is_step(self) -> bool:
        """False for a row that only shows a contact judged not to be a step."""
        return self.note not in (NOTE_EXTRA, NOTE_SHIFT)

    def to_dict(self) -> dict:
        """JSON form; floats rounded to what the measurement supports (the fields in order,
        as ``asdict`` gives them, without its deep copy of each value)."""
        d = {f: getattr(self, f) for f in self.__slots__}
        for key in ("time_s", "peak_time_s", "step_time_s"):
            if d[key] is not None:
                d[key] = round(d[key], 3)
        if d["peak_drop_deg"] is not None:
            d["peak_drop_deg"] = round(d["peak_drop_deg"], 2)
        return d


def find_peak(drop: np.ndarray, measured: np.ndarray, half: int,
              step_samples: int | None = None) -> int | None:
    """Index of the step's peak drop within loading response and mid-stance (the first
    ``LOADING_FRACTION`` of the step, ``step_samples`` long: by default all of ``drop``; a
    step measured before its end is in gives its expected length): the largest value there,
    if it lies at least ``half`` samples from both ends of that span with only measured
    samples around it. None when the drop is largest at an end (no peak: the hip was still
    going down, or already was at the contact) or the peak falls in lost data."""
    span, peak = _loading_maximum(drop, measured, step_samples)
    if span < 2 * half + 1:
        return None
    if not half <= peak < span - half or not measured[peak - half: peak + half + 1].all():
        return None
    return peak


def _loading_maximum(drop: np.ndarray, measured: np.ndarray, step_samples: int | None = None
                     ) -> tuple[int, int]:
    """The loading span's length (``LOADING_FRACTION`` of the step) and where the measured
    drop is largest in it."""
    span = max(1, round(LOADING_FRACTION * (len(drop) if step_samples is None
                                            else step_samples)))
    return span, int(np.argmax(np.where(measured[:span], drop[:span], -np.inf)))


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
        self._extras: list[Step] = []  # rows of extra peaks inside the pending step

    def contact(self, contact, history: StepHistory) -> list[Step]:
        """A new contact: closes the pending step (if any) and becomes the pending one; an
        extra peak or a weight shift only gets its row, after the step pending then."""
        if not contact.is_step:
            self._extras.append(Step(contact.index / self.rate_hz, contact.side, None, None,
                                     None, contact.bout, False, counted=False,
                                     note=NOTE_EXTRA if contact.extra else NOTE_SHIFT))
            return []
        steps = self._close(contact, history)
        self._pending = contact
        return steps

    def close(self, history: StepHistory) -> list[Step]:
        """End of the data (or Stop): the pending step is closed without a next contact."""
        return self._close(None, history)

    def _close(self, following, history: StepHistory) -> list[Step]:
        obliquity = history.obliquity_deg
        pending = self._pending
        extras, self._extras = self._extras, []
        if pending is None:
            return extras
        rate = self.rate_hz
        same_bout = following is not None and following.bout == pending.bout
        previous = self._previous if self._previous is not None and \
            self._previous.bout == pending.bout else None
        recent = self._step_times
        usual = _median(recent) if recent else TYPICAL_STEP_S
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
        if not note and _turning(history.heading_deg, pending.index, end, rate):
            note = NOTE_TURN  # (a step already left out needs no more reasons, nor old history)
        peak, peak_drop, data_note = _measure(history, pending.side, pending.index, end, rate)
        # Lost data explains a walk "ending" at it or "starting" after it (the contact that
        # would have closed or opened the step is in it), a missed contact or a repeated
        # foot: said first.
        span = round(usual * rate)
        if data_note == NOTE_LOST or (note == NOTE_LAST and _lost_in(
                history, pending.index, pending.index + 2 * span, rate)) or (
                note == NOTE_FIRST and _lost_in(history, pending.index - span,
                                                pending.index, rate)):
            note = NOTE_LOST
        note = note or data_note
        step_time = None if previous is None else (pending.index - previous.index) / rate
        if same_bout:  # the usual step time, robust to a few odd ones (median)
            self._step_times = [*self._step_times[-8:], step_s]
        self._foot_doubt = foot_doubt_next
        self._previous = pending if same_bout else None
        self._pending = None
        return [_step(pending, peak, peak_drop, step_time, note, rate, self.threshold_deg),
                *extras]

    @property
    def usual_step_s(self) -> float | None:
        """The median of the recent step times, None before any."""
        return _median(self._step_times) if self._step_times else None


class ProvisionalSteps:
    """Each contact's step measured as soon as its loading response and mid-stance are in,
    on the foot the detector guesses then and the step time expected from the last ones.

    Feedback only: a patient needs the drop of a step within the next step, while the judged
    step (``StepJudge``) comes once the next contacts decide its foot, about two seconds
    later. The judged step replaces the provisional one. A foot the detector is unsure of
    (``PROVISIONAL_MIN_CONFIDENCE``) is not counted until judged: on real walking nearly all
    the feet that change are those. ``side_corrections`` counts the counted provisional steps
    whose foot changed or that were no step (the feedback shown was wrong), ``foot_changes``
    every change of foot."""

    def __init__(self, rate_hz: float, threshold_deg: float) -> None:
        self.rate_hz = float(rate_hz)
        self.threshold_deg = threshold_deg
        self._waiting: list[tuple[Contact, Contact | None]] = []  # (contact, previous)
        self._last: Contact | None = None
        self._intervals: list[int] = []  # recent contact-to-contact samples within bouts
        self._shown: dict[int, Step] = {}  # contact index → provisional step, until judged
        self.announced = 0
        self.shown = 0  # provisional steps counted (on the bars and the big number)
        self.side_corrections = 0
        self.foot_changes = 0

    def contacts(self, found: list[Contact]) -> None:
        """Contacts just found, in order, with their provisional foot."""
        for contact in found:
            last = self._last
            previous = last if last is not None and last.bout == contact.bout else None
            if previous is not None:
                self._intervals = [*self._intervals[-8:], contact.index - previous.index]
            self._waiting.append((contact, previous))
            self._last = contact

    def ready(self, history: StepHistory, usual_s: float | None) -> list[Step]:
        """The steps whose loading response and mid-stance are now in the history."""
        rate = self.rate_hz
        expected = round(_median(self._intervals)) if self._intervals else round(
            (usual_s or TYPICAL_STEP_S) * rate)
        out: list[Step] = []
        expected = max(1, expected)
        while self._waiting:
            contact, previous = self._waiting[0]
            available = len(history.obliquity_deg) - contact.index
            if available < round(LOADING_FRACTION * expected):
                break
            length = expected
            if _still_dropping(history, contact, expected, rate):
                # Longer than the last steps, maybe: wait while the hip is still going down.
                longest = round(LONGER_STEP_RATIO * expected)
                length = min(round(available / LOADING_FRACTION), longest)
                if length < longest and _still_dropping(history, contact, length, rate):
                    break
            end = contact.index + length
            self._waiting.pop(0)
            note = ""
            if previous is None:
                note = NOTE_FIRST
            elif previous.side == contact.side:
                note = NOTE_FOOT
            elif contact.foot_confidence < PROVISIONAL_MIN_CONFIDENCE:
                note = NOTE_FOOT_PENDING
            elif _turning(history.heading_deg, contact.index, end, rate):
                note = NOTE_TURN
            peak, peak_drop, data_note = _measure(history, contact.side, contact.index, end,
                                                  rate)
            step_time = None if previous is None else (contact.index - previous.index) / rate
            out.append(_step(contact, peak, peak_drop, step_time, note or data_note, rate,
                             self.threshold_deg))
            self._shown[contact.index] = out[-1]
            self.announced += 1
            self.shown += out[-1].counted
        return out

    def judged(self, steps: list[Step]) -> None:
        """Judged steps arrived: count the feet that changed, and the steps shown that were
        no step at all (an extra peak: the feedback was as wrong as a wrong foot)."""
        for step in steps:
            shown = self._shown.pop(round(step.time_s * self.rate_hz), None)
            if shown is None:
                continue
            if not step.is_step:
                self.side_corrections += shown.counted
            elif shown.side != step.side:
                self.foot_changes += 1
                self.side_corrections += shown.counted


def _still_dropping(history: StepHistory, contact: Contact, length: int, rate: float) -> bool:
    """The step's drop, read over a step of ``length`` samples, is largest at the end of its
    loading span: the hip is still going down there."""
    end = contact.index + length
    drop = drop_from_obliquity(history.obliquity_deg[contact.index:end].astype(np.float64),
                               contact.side)
    span, peak = _loading_maximum(drop, history.valid[contact.index:end], length)
    return len(drop) > 0 and peak >= span - max(1, round(PEAK_HALF_WINDOW_S * rate))


def _turning(heading, start: int, end: int, rate: float) -> bool:
    """The walking path turned during the step or half a second either side of it (as far
    as the history goes)."""
    since = max(0, start - round(TURN_MARGIN_S * rate))
    until = min(len(heading), end + round(TURN_MARGIN_S * rate))
    around = heading[since:until]
    return bool(len(around) and float(np.ptp(around)) > TURN_PER_STEP_DEG)


def _measure(history: StepHistory, side: Side, start: int, end: int, rate: float
             ) -> tuple[int | None, float | None, str]:
    """A step's peak (offset from its contact), its drop, and why the data alone keeps it
    out of the summaries (lost data, no peak), or ""."""
    measured = history.valid[start:end]
    note = ""
    if not history.on_pelvis[start:end].all():
        note = NOTE_OFF_PELVIS
    elif not measured.all():
        longest = max(stop - begin for begin, stop in true_runs(~measured))
        if longest > SHORT_LOSS_S * rate:
            note = NOTE_LOST
    drop = drop_from_obliquity(history.obliquity_deg[start:end].astype(np.float64), side)
    peak = find_peak(drop, measured, max(1, round(PEAK_HALF_WINDOW_S * rate)), end - start)
    if peak is None:
        note = note or (NOTE_LOST if not measured.all() else NOTE_NO_PEAK)
    return peak, None if peak is None else float(drop[peak]), note


def on_pelvis(obliquity_deg: np.ndarray, tilt_deg: np.ndarray) -> np.ndarray:
    """Per sample: a posture a pelvis takes (obliquity and tilt within ``OFF_PELVIS_DEG``)."""
    return (np.abs(obliquity_deg) <= OFF_PELVIS_DEG) & (np.abs(tilt_deg) <= OFF_PELVIS_DEG)


def _lost_in(history: StepHistory, start: int, end: int, rate: float) -> bool:
    """Data lost (longer than bridged) in samples ``[start, end)`` of what is known."""
    missing = ~history.valid[max(0, start):end]
    return bool(missing.any()) and max(
        stop - begin for begin, stop in true_runs(missing)) > SHORT_LOSS_S * rate


def _step(contact: Contact, peak: int | None, peak_drop: float | None,
          step_time: float | None, note: str, rate: float, threshold_deg: float) -> Step:
    return Step(contact.index / rate, contact.side, peak_drop,
                None if peak is None else (contact.index + peak) / rate, step_time,
                contact.bout, over_threshold(peak_drop, threshold_deg),
                counted=not note, note=note)


def _median(values: list) -> float:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2])  # the upper median: as the judge has always used


# Below this the provisional foot is too unsure to count (0..1, see Contact.foot_confidence):
# on the real gait set 21 of the 31 steps shown below 0.2 changed foot when judged, 8 of the
# 3 032 shown above it (bench/feedback_latency.py).
PROVISIONAL_MIN_CONFIDENCE = 0.2
# Lost data up to this long inside a step does not disqualify it when its peak is measured:
# the pipeline bridges gaps this short (pipeline.SHORT_GAP_S) without restarting the filter.
# With 5 % of packets lost on the real walks, 0.06 s left out 487 of 2 855 steps and moved
# 26 % of the per-side means by more than 0.3°; 0.15 s leaves out 326 and moves 22 %, the
# steps kept as accurate (97.5 % within 1°; bench/packet_loss.py).
SHORT_LOSS_S = 0.15
TYPICAL_STEP_S = 0.55  # before any step time is known
# A provisional step whose hip is still going down at the end of its span is given up to this
# many times the expected step (1.6 would be a missed contact, see MISSED_CONTACT_RATIO).
LONGER_STEP_RATIO = 1.4


@dataclass(frozen=True)
class SideSummary:
    """One stance side over its counted steps (drops in degrees, None without steps)."""

    steps: int
    mean_peak_drop_deg: float | None
    sd_peak_drop_deg: float | None
    max_peak_drop_deg: float | None
    steps_over_threshold: int


@dataclass(frozen=True)
class Totals:
    """Both sides of some steps (a recording, or one walking bout), their asymmetry and
    cadence, and how many steps counted."""

    left: SideSummary
    right: SideSummary
    asymmetry_deg: float | None  # right − left mean peak drop
    cadence_spm: float | None
    steps: int
    steps_not_counted: int
    steps_over_threshold: int

    def side(self, side: Side) -> SideSummary:
        return self.left if side == "left" else self.right

    def to_dict(self) -> dict:
        """The JSON form (docs/cli.md: a public interface, field order included)."""
        out = {f.name: getattr(self, f.name) for f in fields(Totals)}
        out["left"], out["right"] = asdict(self.left), asdict(self.right)
        return out


@dataclass(frozen=True)
class BoutSummary(Totals):
    """One walking bout (contacts no more than ``bout_gap_s`` apart)."""

    bout: int
    start_s: float
    end_s: float

    def to_dict(self) -> dict:
        return {"bout": self.bout, "start_s": self.start_s, "end_s": self.end_s,
                **super().to_dict()}


@dataclass(frozen=True)
class Summary(Totals):
    """The whole recording's (or live segment's) summary, and each of its bouts."""

    threshold_deg: float
    bouts: tuple[BoutSummary, ...]

    def to_dict(self) -> dict:
        return {**super().to_dict(), "threshold_deg": self.threshold_deg,
                "bouts": [b.to_dict() for b in self.bouts]}


def side_summary(steps: list[Step], side: Side) -> SideSummary:
    """One side's counted steps: their number, mean, SD and max peak drop, and how many were
    over the threshold."""
    counted = [s for s in steps if s.side == side and s.counted]
    drops = np.array([s.peak_drop_deg for s in counted], dtype=float)
    return SideSummary(
        steps=len(drops),
        mean_peak_drop_deg=_round(np.mean(drops)) if len(drops) else None,
        sd_peak_drop_deg=_round(np.std(drops, ddof=1)) if len(drops) > 1 else None,
        max_peak_drop_deg=_round(np.max(drops)) if len(drops) else None,
        steps_over_threshold=int(sum(s.over_threshold for s in counted)),
    )


def against_threshold(steps: list[Step], threshold_deg: float) -> list[Step]:
    """The steps judged against another threshold (only ``over_threshold`` changes)."""
    return [replace(s, over_threshold=over_threshold(s.peak_drop_deg, threshold_deg))
            for s in steps]


def summarize(steps: list[Step], threshold_deg: float) -> Summary:
    """Whole-recording summary: per side, asymmetry, cadence, and each walking bout."""
    by_bout: dict[int, list[Step]] = {}
    for s in steps:
        by_bout.setdefault(s.bout, []).append(s)
    bouts = tuple(BoutSummary(bout=bout, start_s=round(in_bout[0].time_s, 3),
                              end_s=round(in_bout[-1].time_s, 3), **_totals(in_bout))
                  for bout, in_bout in sorted(by_bout.items()))
    return Summary(threshold_deg=threshold_deg, bouts=bouts, **_totals(steps))


def _totals(steps: list[Step]) -> dict:
    steps = [s for s in steps if s.is_step]
    left, right = side_summary(steps, "left"), side_summary(steps, "right")
    a, b = left.mean_peak_drop_deg, right.mean_peak_drop_deg
    counted = [s for s in steps if s.counted]
    return {"left": left, "right": right,
            "asymmetry_deg": None if a is None or b is None else _round(b - a),
            "cadence_spm": _cadence(steps), "steps": len(counted),
            "steps_not_counted": len(steps) - len(counted),
            "steps_over_threshold": int(sum(s.over_threshold for s in counted))}


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
