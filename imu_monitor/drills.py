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
from imu_monitor.processing.filters import uniform_filter1d
from imu_monitor.processing.peaks import find_peaks
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


@dataclass(frozen=True)
class DrillResult:
    """A single-leg drill's sets (blocks), each with its clinical numbers."""

    tolerance_deg: float
    blocks: tuple[HoldBlock | HipHikeBlock | StepDownBlock, ...]

    def to_dict(self) -> dict:
        """The JSON form (docs/cli.md: a public interface, field order included)."""
        return {"tolerance_deg": self.tolerance_deg,
                "blocks": [_as_json(asdict(b)) for b in self.blocks]}


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
    return DrillResult(result.tolerance_deg, tuple(blocks))


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
                  tolerance_deg: float, side: Side | None) -> DrillResult:
    """Holds or reps of a single-leg drill, per block, with the drill's clinical numbers.

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
    if not blocks:
        raise AnalysisError(
            f"No {drill.label.lower()} found: the recording shows no single-leg work after "
            "the calibration. Check the drill chosen (--drill)."
        )
    results = []
    for start, end in blocks:
        walked = np.flatnonzero(walking[:start])
        not_before = int(walked[-1]) + 1 if len(walked) else 0
        stance = side or stance_side_from_shift(lateral_acc, start, rate_hz, not_before)
        if drill.name == "single-leg-stance":
            hold = hold_bounds(lateral_acc, start, end, stance, rate_hz, not_before)
            results.append(_hold(obliquity, *hold, stance, rate_hz, tolerance_deg))
        elif drill.name == "hip-hike":
            results.append(_hip_hikes(obliquity, start, end, stance, rate_hz))
        else:
            results.append(_step_downs(obliquity, tilt, rotation, start, end, stance, rate_hz,
                                       tolerance_deg))
    return DrillResult(tolerance_deg, tuple(results))


def find_blocks(obliquity: np.ndarray, tilt: np.ndarray, walking: np.ndarray,
                rate_hz: float) -> list[tuple[int, int]]:
    """Sample ranges of single-leg work: the pelvis off neutral or swaying, not walking."""
    win = max(1, round(rate_hz))
    mean = uniform_filter1d(obliquity, win)
    sway = np.sqrt(np.maximum(uniform_filter1d(obliquity**2, win) - mean**2, 0))
    active = ((np.abs(obliquity) > ACTIVE_OBLIQUITY_DEG) | (sway > QUIET_SD_DEG)
              | (np.abs(np.asarray(tilt, float)) > ACTIVE_TILT_DEG)) & ~walking
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    merged: list[list[int]] = []
    for s, e in zip(edges[::2], edges[1::2], strict=True):
        if merged and s - merged[-1][1] < MERGE_GAP_S * rate_hz and not walking[
                merged[-1][1]:s].any():
            merged[-1][1] = e
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged if e - s >= MIN_BLOCK_S * rate_hz]


SHIFT_S = 1.0  # a weight shift takes about a second
LIFT_AFTER_SHIFT_S = 0.3  # the free foot leaves the ground this long after the shift


def weight_shift(lateral_acc: np.ndarray, lo: int, hi: int, rate_hz: float,
                 sign: float | None = None) -> tuple[int, float] | None:
    """The strongest sideways weight shift in samples ``[lo, hi)``: (start index, direction).

    A weight shift is a sideways push then a brake: the lateral acceleration looks like one
    period of a sine lasting about a second. The template is zero-mean, so a tilt leak or an
    offset cannot sway it. Direction +1 = towards the left. ``sign`` restricts the search to
    shifts in that direction.
    """
    lo, hi = max(0, lo), min(len(lateral_acc), hi)
    template = np.sin(2 * np.pi * np.arange(round(SHIFT_S * rate_hz)) / (SHIFT_S * rate_hz))
    a = np.asarray(lateral_acc[lo:hi], dtype=float)
    if len(a) < len(template):
        return None
    match = np.correlate(a, template, mode="valid")
    # One shift also matches the template half a period early and late, with the opposite
    # sign and half the size: subtracting half of those neighbours leaves the true one on top.
    half = len(template) // 2
    padded = np.pad(match, half)
    score = match - 0.5 * (padded[: len(match)] + padded[2 * half: 2 * half + len(match)])
    best = int(np.argmax(score * sign if sign is not None else np.abs(score)))
    return lo + best, float(np.sign(score[best]))


def stance_side_from_shift(lateral_acc: np.ndarray, start: int, rate_hz: float,
                           not_before: int = 0) -> Side:
    """The leg the patient shifted onto around ``start`` (2.5 s before to 2 s after, but not
    before ``not_before``: the end of any walking, whose steps are sideways pushes too)."""
    lo = max(not_before, start - round(2.5 * rate_hz))
    found = weight_shift(lateral_acc, lo, start + round(2.0 * rate_hz), rate_hz)
    return "left" if found is None or found[1] > 0 else "right"


def hold_bounds(lateral_acc: np.ndarray, start: int, end: int, side: Side,
                rate_hz: float, not_before: int = 0) -> tuple[int, int]:
    """Foot off to foot down: after the shift onto the stance leg, before the shift back."""
    towards = 1.0 if side == "left" else -1.0
    shift_len = round(SHIFT_S * rate_hz)
    lift = round(LIFT_AFTER_SHIFT_S * rate_hz)
    on = weight_shift(lateral_acc, max(not_before, start - round(2.5 * rate_hz)),
                      start + round(2.0 * rate_hz), rate_hz, towards)
    off = weight_shift(lateral_acc, end - round(1.0 * rate_hz), end + round(2.5 * rate_hz),
                       rate_hz, -towards)
    hold_start = on[0] + shift_len + lift if on else start
    hold_end = off[0] - lift if off else end
    if hold_end - hold_start < rate_hz:  # shifts not found where expected: keep the block
        return start, end
    return hold_start, hold_end


def _hold(obliquity, start, end, side: Side, rate_hz, tolerance_deg) -> HoldBlock:
    drop = drop_from_obliquity(obliquity[start:end], side)
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
    for s, p, e in _reps(elevation, 2.0, rate_hz):
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


def _step_downs(obliquity, tilt, rotation, start, end, side: Side, rate_hz,
                tolerance_deg) -> StepDownBlock:
    drop = drop_from_obliquity(obliquity[start:end], side)
    reps = []
    for s, p, e in _reps(np.asarray(tilt[start:end], float), 5.0, rate_hz):
        peak = s + int(np.argmax(drop[s:e]))
        rot = np.asarray(rotation[start + s:start + e], float)
        reps.append(StepDownRep(
            time_s=round((start + p) / rate_hz, 2),
            peak_drop_deg=round(float(drop[peak]), 2),
            obliquity_range_deg=round(float(drop[s:e].max() - drop[s:e].min()), 2),
            peak_time_s=round((start + peak) / rate_hz, 2),
            rotation_range_deg=round(float(rot.max() - rot.min()), 2),
            over_threshold=over_threshold(float(drop[peak]), tolerance_deg),
        ))
    drops = [r.peak_drop_deg for r in reps]
    return StepDownBlock(side, round(start / rate_hz, 2), round(end / rate_hz, 2), len(reps),
                         round(float(np.mean(drops)), 2) if drops else None, tuple(reps))
