"""The drills a clinician runs, what each shows live, and the analysis of the single-leg ones.

Single-leg drills are analysed from the pelvis angles after the fact, with one function that the
live view calls on the history so far and the batch analysis calls on the whole recording.
A drill block is a stretch of single-leg work between quiet two-leg standing; its stance leg is
the side the pelvis shifted to before it (weight shift), unless the clinician says it.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, replace

import numpy as np

from imu_monitor.conventions import Side, drop_from_obliquity
from imu_monitor.errors import AnalysisError, InputDataError
from imu_monitor.processing.filters import maximum_filter1d, uniform_filter1d
from imu_monitor.processing.peaks import find_peaks
from imu_monitor.processing.runs import true_runs
from imu_monitor.processing.thresholds import over_threshold, within_band


@dataclass(frozen=True)
class Drill:
    """A drill: its CLI name, what the clinician reads live, and its default tolerance."""

    name: str
    title: str
    label: str  # short, for lists and titles beside other things
    gait: bool
    live_metric: str
    default_threshold_deg: float


DRILLS: dict[str, Drill] = {
    d.name: d
    for d in [
        Drill("walk", "Walking", "Walk", True, "peak drop per step, left vs right stance", 6.0),
        Drill("run", "Running", "Run", True, "peak drop per step, left vs right stance", 8.0),
        Drill("single-leg-stance", "Single-leg stance (Trendelenburg test)",
              "Single-leg stance", False,
              "drop now, hold timer, time within the tolerance band", 4.0),
        Drill("hip-hike", "Hip hikes", "Hip hikes", False, "rep count and range per rep", 4.0),
        Drill("step-down", "Lateral step-downs / single-leg squats", "Step-downs", False,
              "peak drop per rep", 6.0),
        # Lunges and split squats are scored like step-downs (reps from the pelvic tilt
        # excursion); the number that matters is the frontal-plane range per rep.
        Drill("lateral-lunge", "Lateral lunges", "Lateral lunges", False,
              "rep count and frontal-plane range per rep", 6.0),
        Drill("split-squat", "Split squats", "Split squats", False,
              "rep count and frontal-plane range per rep", 6.0),
    ]
}

QUIET_SD_DEG = 0.25
ACTIVE_OBLIQUITY_DEG = 1.0
ACTIVE_TILT_DEG = 4.0
MIN_BLOCK_S = 3.0
MERGE_GAP_S = 1.5
# Seated: the pelvis rolled back this far from standing (posterior tilt; the drills tilt it
# forward, a step-down by 15°). Sitting down to rest between sets, and the lean of sitting
# down and standing up within SEAT_MARGIN_S of it, is no set: it was scored as one (a 19 s
# "hold" on a chair, 2 step-down reps, batch hold times doubled).
SEATED_TILT_DEG = 6.0
SEAT_MARGIN_S = 2.0
# A hold that moves the pelvis too little to be seen (level and steady, or a second or two)
# is found between its weight shifts: onto the leg and back, each at least this fast
# sideways (a 5 cm shift: 0.09 m/s over 1 s, 0.035 over 3 s; standing sways at under 0.01),
# the speed taken from the acceleration less its mean over SHIFT_CONTEXT_S.
MIN_SHIFT_SPEED_MPS = 0.02
SHIFT_CONTEXT_S = 6.0
SETTLE_AFTER_WALKING_S = 1.0
WIDEN_S = 2.0
# A rep: a step-down (lunge, split squat) tilts the pelvis forward this far; a hip hike lifts
# the free hip this far.
STEP_DOWN_REP_TILT_DEG = 5.0
HIP_HIKE_REP_DEG = 2.0
DESCENT_AFTER_S = 0.1  # a rep's drop may peak just after the bottom of its bend


@dataclass(frozen=True)
class HoldBlock:
    """One single-leg stance hold (Trendelenburg test): drop of the free side, degrees."""

    side: Side  # the standing leg
    start_s: float
    end_s: float
    hold_s: float
    mean_drop_deg: float
    max_drop_deg: float
    sway_deg: float
    time_in_band_s: float
    time_in_band_pct: float
    unseen_s: float = 0.0  # of the hold, lost or not yet trustworthy: left out of its figures
    note: str = ""  # a leg declared against the weight shift the data shows


@dataclass(frozen=True)
class HipHikeRep:
    time_s: float
    range_deg: float
    lift_deg: float
    top_hold_s: float


@dataclass(frozen=True)
class HipHikeBlock:
    """One set of hip hikes standing on ``side``."""

    side: Side
    start_s: float
    end_s: float
    reps: int
    mean_rep_s: float | None
    rep_list: tuple[HipHikeRep, ...]
    note: str = ""  # a leg declared against the weight shift the data shows


@dataclass(frozen=True)
class StepDownRep:
    time_s: float
    peak_drop_deg: float
    obliquity_range_deg: float
    peak_time_s: float
    rotation_range_deg: float
    over_threshold: bool


@dataclass(frozen=True)
class StepDownBlock:
    """One set of step-downs (single-leg squats; lunges and split squats alike)."""

    side: Side
    start_s: float
    end_s: float
    reps: int
    mean_peak_drop_deg: float | None
    rep_list: tuple[StepDownRep, ...]
    note: str = ""  # a leg declared against the weight shift the data shows


@dataclass(frozen=True)
class DrillResult:
    """A single-leg drill's sets (blocks), each with its clinical numbers."""

    tolerance_deg: float
    blocks: tuple[HoldBlock | HipHikeBlock | StepDownBlock, ...]
    note: str = ""  # a set left out, and why

    def to_dict(self) -> dict:
        """The JSON form (docs/cli.md: a public interface, field order included)."""
        return {"tolerance_deg": self.tolerance_deg,
                "blocks": [_as_json(asdict(b)) for b in self.blocks], "note": self.note}


def shifted(result: DrillResult, seconds: float) -> DrillResult:
    """``result`` with every time ``seconds`` later (an analysis that began that long after
    the recording did, in the recording's time)."""
    if not seconds:
        return result

    def later(t: float) -> float:
        return round(t + seconds, 2)

    blocks = []
    for b in result.blocks:
        moved = replace(b, start_s=later(b.start_s), end_s=later(b.end_s))
        if isinstance(b, HipHikeBlock):
            moved = replace(moved, rep_list=tuple(replace(r, time_s=later(r.time_s))
                                                  for r in b.rep_list))
        elif isinstance(b, StepDownBlock):
            moved = replace(moved, rep_list=tuple(
                replace(r, time_s=later(r.time_s), peak_time_s=later(r.peak_time_s))
                for r in b.rep_list))
        blocks.append(moved)
    return DrillResult(result.tolerance_deg, tuple(blocks), result.note)


def _as_json(value):
    """``asdict`` keeps tuples: the JSON document has lists."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


def get_drill(name: str) -> Drill:
    """The drill called ``name`` or a clear error naming the valid ones."""
    try:
        return DRILLS[name]
    except KeyError:
        raise InputDataError(
            f"'{name}' is not a drill this version knows. Choose one of: "
            + ", ".join(DRILLS) + "."
        ) from None


def analyze_drill(drill: Drill, obliquity: np.ndarray, tilt: np.ndarray, rotation: np.ndarray,
                  lateral_acc: np.ndarray, walking: np.ndarray, rate_hz: float,
                  tolerance_deg: float, side: Side | None,
                  valid: np.ndarray | None = None) -> DrillResult:
    """Holds or reps of a single-leg drill, per block, with the drill's clinical numbers
    (a hold's from its ``valid`` samples: measured, the orientation trustworthy).

    ``walking`` marks samples inside walking bouts (from the contact detector): the
    calibration walk and any walking between sets are not drill work.
    """
    obliquity = np.asarray(obliquity, dtype=float)
    blocks = find_blocks(obliquity, tilt, walking, rate_hz)
    if not blocks and len(obliquity) < MIN_BLOCK_S * rate_hz:
        raise AnalysisError(
            f"This recording is too short for a set of {drill.label.lower()}: "
            f"{len(obliquity) / rate_hz:.1f} s, where a set takes at least {MIN_BLOCK_S:g} s. "
            "Record the whole set.")
    if drill.name == "single-leg-stance":
        # A level, steady hold (the result hoped for) or one of a second or two (a patient who
        # cannot hold longer) moves the pelvis too little to be seen, or only now and then:
        # its weight shifts are. Pieces of one hold are one set.
        holds = holds_between_shifts(lateral_acc, walking, rate_hz)
        blocks = _joined_by_holds(blocks, holds, rate_hz, len(obliquity)) if blocks else holds
    if not blocks:
        raise AnalysisError(
            f"No {drill.label.lower()} found: the recording shows no single-leg work after "
            "the calibration. Check the drill chosen (--drill)."
        )
    results = []
    unseen = False  # a set under way when the data began, its leg unknown, was left out
    previous: tuple[int, int | None] | None = None  # the set before: its end, off its leg at
    for k, (start, end) in enumerate(blocks):
        # The shift back off the leg is looked for before the next set's own shift begins:
        # a search must end with the body still, like it starts.
        next_start = blocks[k + 1][0] if k + 1 < len(blocks) else None
        walked = np.flatnonzero(walking[:start])
        # not into the walking before (its steps are sideways pushes)
        not_before = int(walked[-1]) + 1 if len(walked) else 0
        search = _shift_search(start, rate_hz, not_before, previous)
        began_before_data = search[0] == 0 and start < round(SHIFT_BEFORE_S * rate_hz)
        if side is None and began_before_data and not _clear_shift(lateral_acc, search,
                                                                    rate_hz):
            # Under way when the data began (the recording started, or the drill was chosen
            # live, during it): its shift onto the leg is not in the data, and the strongest
            # sway read for one had put a right hold on the left leg, its drop shown as a hip
            # hike. Its leg unknown, it is left out, and said so.
            unseen = True
            continue
        found = stance_side_from_shift(lateral_acc, search, rate_hz)
        stance = side or found
        note = (f"declared on the {side} leg, but the weight shift before it went onto the "
                f"{found}: check the leg" if side and found != side
                and _clear_shift(lateral_acc, search, rate_hz) else "")
        # a set running to the end of the data has no shift back yet (live: under way)
        back = (_shift_back(lateral_acc, end, stance, rate_hz, next_start)
                if end < len(obliquity) else None)
        previous = (end, back[1] if back else None)
        if drill.name == "single-leg-stance":
            hold = hold_bounds(lateral_acc, search, start, end, stance, rate_hz, back)
            block = _hold(obliquity, *hold, stance, rate_hz, tolerance_deg, valid)
        elif drill.name == "hip-hike":
            block = _hip_hikes(obliquity, start, end, stance, rate_hz)
        else:
            block = _step_downs(obliquity, tilt, rotation, start, end, stance, rate_hz,
                                tolerance_deg)
        if end >= len(obliquity):  # a recording stopped mid-set: not a short hold
            note = "; ".join(filter(None, [note, "still under way when the data ends: it may "
                                                 "have gone on"]))
        results.append(replace(block, note=note) if note else block)
    note = ("the set under way when the data begins is left out: the patient was already on "
            "one leg, so which leg cannot be seen. Start the recording, or choose the drill, "
            "before the foot is lifted — or choose the leg") if unseen else ""
    return DrillResult(tolerance_deg, tuple(results), note)


def _clear_shift(lateral_acc: np.ndarray, search: tuple[int, int], rate_hz: float) -> bool:
    """Whether the strongest shift in ``search`` is a weight shift, not sway."""
    speed = _sideways_speed(lateral_acc, *search, rate_hz)
    return speed is not None and float(np.abs(speed).max()) >= MIN_SHIFT_SPEED_MPS


def holds_between_shifts(lateral_acc: np.ndarray, walking: np.ndarray, rate_hz: float
                         ) -> list[tuple[int, int]]:
    """Holds seen only from their weight shifts: in each stretch without walking, a shift onto
    a leg, then one back, at least ``MIN_SHIFT_SPEED_MPS`` fast, 0.5 s or more apart; at the
    end of the data a shift onto a leg with none back yet is the hold under way (live, or a
    recording stopped in it)."""
    settle = round(SETTLE_AFTER_WALKING_S * rate_hz)
    holds = []
    for start, stop in true_runs(~np.asarray(walking, dtype=bool)):
        # from a moment after walking: a walker coming to a stop sways sideways too
        first = start + (settle if start > 0 else 0)
        holds += [(first + on, first + off) for on, off in _holds_in(
            np.asarray(lateral_acc[first:stop], float), rate_hz, stop == len(walking))]
    return holds


def _holds_in(a: np.ndarray, rate_hz: float, open_end: bool) -> list[tuple[int, int]]:
    """:func:`holds_between_shifts` in one stretch of lateral acceleration."""
    if len(a) < 2 * rate_hz:
        return []
    win = max(2, round(SHIFT_CONTEXT_S * rate_hz))
    speed = np.cumsum(a - uniform_filter1d(a, win)) / rate_hz
    speed -= uniform_filter1d(speed, win)  # what integrating leaves of slow drift
    size = np.abs(speed)
    # humps' tops, and not the small lobes the mean leaves beside a big one
    tops = np.flatnonzero((size >= MIN_SHIFT_SPEED_MPS)
                          & (size >= maximum_filter1d(size, win // 6 + 1))
                          & (size >= 0.4 * maximum_filter1d(size, win)))
    shifts: list[tuple[int, int, float]] = []  # (start, end, direction) of each hump
    for top in tops:
        hump = _hump(speed, int(top))
        if not shifts or hump[0] > shifts[-1][1]:
            shifts.append(hump)
    holds, k = [], 0
    while k + 1 < len(shifts):  # onto a leg, then back: the shift back starts no hold
        on, off = shifts[k], shifts[k + 1]
        if off[2] == -on[2] and off[0] - on[1] >= 0.5 * rate_hz:
            holds.append((on[1], off[0]))
            k += 2
        else:
            k += 1
    if open_end and k == len(shifts) - 1 and len(a) - shifts[k][1] >= rate_hz:
        holds.append((shifts[k][1], len(a)))
    return holds


def _joined_by_holds(blocks: list[tuple[int, int]], holds: list[tuple[int, int]],
                     rate_hz: float, n: int) -> list[tuple[int, int]]:
    """The blocks, each widened to a hold between weight shifts it overlaps where that hold
    reaches ``WIDEN_S`` or more beyond it, and those then overlapping joined: the pieces of a
    nearly level hold are one set. A block is not moved by less: where its own movement
    starts is where its shift is looked for, and a slow shift read half a second earlier was
    read the other way. A hold no block overlaps, nor begins within ``SHIFT_BEFORE_S`` after
    (where that set's shift back lies, read as a shift onto the other leg when the shift onto
    it was too slow to be seen), is a set of its own if it lasts ``MIN_BLOCK_S`` (a level hold
    on the better leg beside a drop on the other; a shorter pair of shifts beside sets is
    more likely a weight shift on both feet)."""
    reach = round(WIDEN_S * rate_hz)
    widened = []
    for start, end in blocks:
        # (not by a hold still open at the end of the data: its shift back may only have
        # been too slow to be seen, and the standing after it is no hold)
        for h_start, h_end in holds:
            if h_start < end and start < h_end and h_end < n:
                start = h_start if h_start < start - reach else start
                end = h_end if h_end > end + reach else end
        widened.append((start, end))
    after = round(SHIFT_BEFORE_S * rate_hz)  # a set's own shift back off its leg lies there
    widened += [(h_start, h_end) for h_start, h_end in holds
                if h_end - h_start >= MIN_BLOCK_S * rate_hz
                and not any(h_start < end + after and start < h_end for start, end in blocks)]
    out: list[tuple[int, int]] = []
    for start, end in sorted(widened):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def find_blocks(obliquity: np.ndarray, tilt: np.ndarray, walking: np.ndarray,
                rate_hz: float) -> list[tuple[int, int]]:
    """Sample ranges of single-leg work: the pelvis off neutral or swaying, not walking, not
    seated."""
    win = max(1, round(rate_hz))
    mean = uniform_filter1d(obliquity, win)
    sway = np.sqrt(np.maximum(uniform_filter1d(obliquity**2, win) - mean**2, 0))
    tilt = np.asarray(tilt, dtype=float)
    seated = maximum_filter1d((tilt < -SEATED_TILT_DEG).astype(float),
                              2 * round(SEAT_MARGIN_S * rate_hz) + 1) > 0
    active = ((np.abs(obliquity) > ACTIVE_OBLIQUITY_DEG) | (sway > QUIET_SD_DEG)
              | (np.abs(tilt) > ACTIVE_TILT_DEG)) & ~walking & ~seated
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    merged: list[list[int]] = []
    for s, e in zip(edges[::2], edges[1::2], strict=True):
        if merged and s - merged[-1][1] < MERGE_GAP_S * rate_hz and not walking[
                merged[-1][1]:s].any():
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged if e - s >= MIN_BLOCK_S * rate_hz]


LIFT_AFTER_SHIFT_S = 0.3  # the free foot leaves the ground this long after the shift
# Where a set's weight shift is looked for: from this long before the set's first movement
# (a shift of 3 s and the free foot lifted after it fit) to 2 s into it (not before the end of
# any walking, whose steps are sideways pushes too; near the set before, see _shift_search).
SHIFT_BEFORE_S = 3.5
SHIFT_AFTER_S = 2.0
SHIFT_EDGE = 0.2  # a shift lasts while the sideways speed is above this share of its peak


def weight_shift(lateral_acc: np.ndarray, lo: int, hi: int, rate_hz: float,
                 sign: float | None = None, last_before: int | None = None,
                 first: bool = False) -> tuple[int, int, float] | None:
    """A sideways weight shift in samples ``[lo, hi)``: (start, end, direction).

    A weight shift moves the pelvis sideways and stops it there: one hump of sideways speed,
    whatever its length (a one-second template of the push and the brake put every set on
    the wrong leg once a patient took 1.5–2 s to shift; :func:`_sideways_speed`). The
    strongest hump, or with
    ``last_before`` the last at least half as strong that peaks before that sample, or with
    ``first`` the first such (the shift back from a set and the shift onto the next leg may
    share a search). Direction +1 = towards the left; ``sign`` keeps to that direction (None
    when the strongest shift that way is not half as strong as one the other way: a leg
    declared against the data, whose set then keeps the bounds of its movement).
    """
    lo = max(0, lo)
    speed = _sideways_speed(lateral_acc, lo, hi, rate_hz)
    if speed is None:
        return None
    signed = speed * sign if sign is not None else np.abs(speed)
    if signed.max() <= 0.5 * np.abs(speed).max():  # that way, no more than a sway back
        return None
    peak = int(np.argmax(signed))
    if last_before is not None or first:  # humps whose top is at least half the strongest's
        tops = np.flatnonzero((signed >= 0.5 * signed[peak])
                              & (signed >= maximum_filter1d(signed, round(0.5 * rate_hz))))
        if last_before is not None:
            tops = tops[tops < last_before - lo]
        peak = int(tops[0 if first else -1]) if len(tops) else peak
    begin, finish, direction = _hump(speed, peak)
    return lo + begin, lo + finish, direction


def _sideways_speed(lateral_acc: np.ndarray, lo: int, hi: int, rate_hz: float
                    ) -> np.ndarray | None:
    """The sideways speed over samples ``[lo, hi)`` of a search that starts and ends with the
    body still: the lateral acceleration integrated, its mean over the stretch taken off
    first (an offset or a tilt leak goes). None for less than a second."""
    lo, hi = max(0, lo), min(len(lateral_acc), hi)
    if hi - lo < round(1.0 * rate_hz):
        return None
    a = np.asarray(lateral_acc[lo:hi], dtype=float)
    return np.cumsum(a - a.mean()) / rate_hz


def _hump(speed: np.ndarray, top: int) -> tuple[int, int, float]:
    """The shift whose speed peaks at ``top``: (start, end, direction), while the speed that
    way is above ``SHIFT_EDGE`` of its peak."""
    direction = float(np.sign(speed[top]))
    moving = speed * direction > SHIFT_EDGE * abs(speed[top])
    begin, finish = top, top
    while begin > 0 and moving[begin - 1]:
        begin -= 1
    while finish < len(moving) - 1 and moving[finish + 1]:
        finish += 1
    return begin, finish, direction


def _shift_search(start: int, rate_hz: float, not_before: int,
                  previous: tuple[int, int | None] | None = None) -> tuple[int, int]:
    """Where to look for the shift that starts a set: it must start with the body still. Near
    the set before (its end within ``SHIFT_BEFORE_S``), a search starting half-way through
    the shift back off its leg read the end of that shift for a shift the other way (2 s of
    standing between a left and a right hold gave the right one to the left leg). So it
    starts once that shift back is over, when the patient then stood for a second or more;
    otherwise (straight onto the other leg) 2 s before that set's end, in its hold, and
    spans the whole change of leg."""
    lo = start - round(SHIFT_BEFORE_S * rate_hz)
    if previous is not None:
        end, off_leg = previous
        if off_leg is not None and off_leg < start - round(1.0 * rate_hz):
            lo = max(lo, off_leg)
        elif end - round(2.0 * rate_hz) < lo < end + round(SHIFT_BEFORE_S * rate_hz):
            lo = end - round(2.0 * rate_hz)
    return max(not_before, lo), start + round(SHIFT_AFTER_S * rate_hz)


def _shift_back(lateral_acc: np.ndarray, end: int, side: Side, rate_hz: float,
                next_start: int | None = None) -> tuple[int, int, float] | None:
    """The shift off the stance leg at the end of a set: the first from 1 s before its end to
    ``SHIFT_BEFORE_S`` after it, or half-way to the next set's start if that comes sooner
    (a search that ended inside the next set's shift read a shift the other way)."""
    hi = end + round(SHIFT_BEFORE_S * rate_hz)
    if next_start is not None:
        hi = min(hi, max(end + round(1.0 * rate_hz), (end + next_start) // 2))
    return weight_shift(lateral_acc, end - round(1.0 * rate_hz), hi, rate_hz,
                        -1.0 if side == "left" else 1.0, first=True)


def stance_side_from_shift(lateral_acc: np.ndarray, search: tuple[int, int], rate_hz: float
                           ) -> Side:
    """The leg the patient shifted onto: the strongest shift in ``search``
    (:func:`_shift_search`; the last strong one before the set misread slow shifts, whose
    speed is no larger than a hold's sway)."""
    found = weight_shift(lateral_acc, *search, rate_hz)
    return "left" if found is None or found[2] > 0 else "right"


def hold_bounds(lateral_acc: np.ndarray, search: tuple[int, int], start: int, end: int,
                side: Side, rate_hz: float, off: tuple[int, int, float] | None
                ) -> tuple[int, int]:
    """Foot off to foot down: after the shift onto the stance leg (the last one in ``search``:
    the shift back from the set before may go the same way), before the shift back ``off``
    (:func:`_shift_back`)."""
    towards = 1.0 if side == "left" else -1.0
    lift = round(LIFT_AFTER_SHIFT_S * rate_hz)
    on = weight_shift(lateral_acc, *search, rate_hz, towards,
                      last_before=start + round(0.5 * rate_hz))
    hold_start = on[1] + lift if on else start
    hold_end = off[0] - lift if off else end
    if hold_end - hold_start < 0.5 * rate_hz:  # shifts not found where expected: the block
        return start, end
    return hold_start, hold_end


def _hold(obliquity, start, end, side: Side, rate_hz, tolerance_deg,
          valid: np.ndarray | None = None) -> HoldBlock:
    """A hold's figures from its trusted samples only: 8 s lost inside a hold had been
    filled in and counted as held within tolerance, and nothing said so."""
    seen = np.ones(end - start, dtype=bool) if valid is None else np.asarray(valid[start:end])
    if not seen.any():
        seen = np.ones(end - start, dtype=bool)  # nothing measured: the block as it is
    drop = drop_from_obliquity(obliquity[start:end], side)[seen]
    in_band = within_band(drop, tolerance_deg)
    return HoldBlock(
        side=side,
        start_s=round(start / rate_hz, 2),
        end_s=round(end / rate_hz, 2),
        hold_s=round((end - start) / rate_hz, 2),
        mean_drop_deg=round(float(drop.mean()), 2),
        max_drop_deg=round(float(drop.max()), 2),
        sway_deg=round(float(drop.std()), 2),
        time_in_band_s=round(float(in_band.sum()) / rate_hz, 2),
        time_in_band_pct=round(100.0 * float(in_band.mean()), 1),
        unseen_s=round(float((~seen).sum()) / rate_hz, 2),
    )


def _reps(signal: np.ndarray, height: float, rate_hz: float) -> list[tuple[int, int, int]]:
    """(start, peak, end) of each excursion above ``height``, split half-way between peaks."""
    peaks = find_peaks(signal, height=height, distance=max(1, round(1.2 * rate_hz)),
                       prominence=height)
    bounds = [0] + [int((a + b) // 2) for a, b in itertools.pairwise(peaks)] + [
        len(signal)]
    return [(bounds[k], int(p), bounds[k + 1]) for k, p in enumerate(peaks)]


def _hip_hikes(obliquity, start, end, side: Side, rate_hz) -> HipHikeBlock:
    elevation = -drop_from_obliquity(obliquity[start:end], side)  # free hip up = positive
    reps = []
    for s, p, e in _reps(elevation, HIP_HIKE_REP_DEG, rate_hz):
        top = elevation[p]
        near_top = elevation[s:e] >= top - 1.0
        reps.append(HipHikeRep(
            time_s=round((start + p) / rate_hz, 2),
            range_deg=round(float(top - elevation[s:e].min()), 2),
            lift_deg=round(float(top), 2),
            top_hold_s=round(float(near_top.sum()) / rate_hz, 2),
        ))
    tempo = np.diff([r.time_s for r in reps])
    return HipHikeBlock(side, round(start / rate_hz, 2), round(end / rate_hz, 2), len(reps),
                        round(float(tempo.mean()), 2) if len(tempo) else None, tuple(reps))


def _descent_extreme(drop: np.ndarray, bend: np.ndarray, s: int, bottom: int,
                     rate_hz: float) -> int:
    """Where a rep's drop is read: on its descent (from the least bend before the bottom to
    the bottom, and ``DESCENT_AFTER_S`` past it), the largest drop — or, if the free hip rose
    further than it fell, the highest hip, a negative drop: a hip hiked to compensate is
    reported, not hidden (it read 0°, the rep "perfectly controlled"). The whole rep had been
    searched, and a drop on the way up was taken for the descent's."""
    first = s + int(np.argmin(bend[s:bottom + 1]))
    last = min(len(drop), bottom + 1 + round(DESCENT_AFTER_S * rate_hz))
    part = drop[first:last]
    k = int(np.argmax(part)) if part.max() >= -part.min() else int(np.argmin(part))
    return first + k


def _step_downs(obliquity, tilt, rotation, start, end, side: Side, rate_hz,
                tolerance_deg) -> StepDownBlock:
    drop = drop_from_obliquity(obliquity[start:end], side)
    bend = np.asarray(tilt[start:end], float)
    reps = []
    for s, p, e in _reps(bend, STEP_DOWN_REP_TILT_DEG, rate_hz):
        peak = _descent_extreme(drop, bend, s, p, rate_hz)
        rot = np.asarray(rotation[start + s:start + e], float)
        reps.append(StepDownRep(
            time_s=round((start + p) / rate_hz, 2),
            peak_drop_deg=round(float(drop[peak]), 2),
            obliquity_range_deg=round(float(drop[s:e].max() - drop[s:e].min()), 2),
            peak_time_s=round((start + peak) / rate_hz, 2),
            rotation_range_deg=round(float(rot.max() - rot.min()), 2),
            # on the value kept (and shown from it): 10.0457° kept as 10.05 is shown "10.1°"
            over_threshold=over_threshold(round(float(drop[peak]), 2), tolerance_deg),
        ))
    drops = [r.peak_drop_deg for r in reps]
    return StepDownBlock(side, round(start / rate_hz, 2), round(end / rate_hz, 2), len(reps),
                         round(float(np.mean(drops)), 2) if drops else None, tuple(reps))
