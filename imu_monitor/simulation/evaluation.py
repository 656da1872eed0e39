"""Scoring an analysis against the simulator's ground truth (used by tests and benchmarks).

The product's zero is the mean standing posture of the calibration window, so truth angles
and drops are taken relative to the true posture over that same window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.pipeline import Analysis
from imu_monitor.simulation.sensor_model import Truth

FULL_GAIT = 0.8  # truth steps below this gait amplitude (starting, stopping) are not scored
MATCH_S = 0.25


@dataclass(frozen=True)
class Score:
    """How an analysis compares with the truth."""

    obliquity_rmse_deg: float
    obliquity_rmse_straight_deg: float  # away from turns of the walking path (≥ 1 s)
    drop_error_deg: dict  # side -> measured mean peak drop minus true mean
    steps_scored: int
    found_with_side: float  # fraction of truth steps found within 0.25 s with the right side
    median_timing_error_s: float
    counted_steps: int = 0  # steps the summary counts
    # of them, no true step of their foot (the nearest true contact is the other foot's, or
    # none within MATCH_S): they enter the means all the same
    counted_not_true: int = 0


def straight_walking(truth: Truth) -> np.ndarray:
    """Samples at least 1 s away from any turn of the walking path (heading rate > 5 °/s):
    in a turn the centripetal pull reads as tilt to any inclination filter, which is why
    steps in turns are not counted."""
    rate = 1.0 / float(np.median(np.diff(truth.time_s)))
    heading_rate = np.abs(np.gradient(np.unwrap(np.radians(truth.heading_deg)))) * rate
    window = np.ones(int(2 * rate) + 1)
    return np.convolve(heading_rate > np.radians(5.0), window, "same") == 0


def neutral_obliquity(truth: Truth, analysis: Analysis) -> float:
    """True mean obliquity over the standing window the calibration used; without one (a
    neutral from initial contacts or the mean posture) the truth's own zero, neutral standing:
    how far that neutral is from standing is then part of the error."""
    cal = analysis.calibration
    window = (truth.time_s >= cal.still_start_s) & (truth.time_s < cal.still_end_s)
    return float(truth.obliquity_deg[window].mean()) if window.any() else 0.0


def matched_steps(truth: Truth, analysis: Analysis, from_s: float = 0.0
                  ) -> list[tuple[dict, object]]:
    """(truth step, detected step or None) for every full-amplitude truth step after
    ``from_s``."""
    steps = analysis.real_steps
    detected = np.array([s.time_s for s in steps])
    pairs = []
    for step in truth.steps:
        if step["amplitude"] < FULL_GAIT or step["time_s"] < from_s:
            continue
        hit = None
        if len(detected):
            j = int(np.argmin(np.abs(detected - step["time_s"])))
            if abs(detected[j] - step["time_s"]) < MATCH_S:
                hit = steps[j]
        pairs.append((step, hit))
    return pairs


def score(truth: Truth, analysis: Analysis, obliquity_deg: np.ndarray,
          steps_from_s: float = 0.0) -> Score:
    """Obliquity RMSE, per-side mean drop error, steps found with the right foot (steps
    after ``steps_from_s`` only, e.g. the running part after a calibration walk)."""
    neutral = neutral_obliquity(truth, analysis)
    n = min(len(obliquity_deg), len(truth.obliquity_deg))
    error = np.asarray(obliquity_deg[:n], float) - (truth.obliquity_deg[:n] - neutral)
    pairs = matched_steps(truth, analysis, steps_from_s)
    drop_error = {}
    for side in ("left", "right"):
        shift = neutral if side == "right" else -neutral
        # The true mean over the steps the summary counts (turns, first and last steps of a
        # walk are shown but not counted).
        true_drops = [t["peak_drop_deg"] + shift for t, hit in pairs if t["side"] == side
                      and hit is not None and hit.counted and hit.side == side]
        measured = analysis.summary.side(side).mean_peak_drop_deg
        if steps_from_s > 0:  # the summary counts the steps before too (a calibration walk)
            later = [s.peak_drop_deg for s in analysis.steps if s.counted and s.side == side
                     and s.time_s >= steps_from_s]
            measured = float(np.mean(later)) if later else None
        drop_error[side] = (float(measured - np.mean(true_drops))
                            if true_drops and measured is not None else float("nan"))
    right = [(t, h) for t, h in pairs if h is not None and h.side == t["side"]]
    true_times = np.array([t["time_s"] for t in truth.steps])
    true_sides = [t["side"] for t in truth.steps]
    counted = [s for s in analysis.steps if s.counted and s.time_s >= steps_from_s]
    not_true = 0
    for step in counted:
        k = int(np.argmin(np.abs(true_times - step.time_s))) if len(true_times) else -1
        not_true += k < 0 or true_sides[k] != step.side or \
            abs(true_times[k] - step.time_s) > MATCH_S
    timing = [h.time_s - t["time_s"] for t, h in right]
    straight = straight_walking(truth)[:n]
    return Score(
        obliquity_rmse_deg=float(np.sqrt(np.mean(error**2))),
        obliquity_rmse_straight_deg=float(np.sqrt(np.mean(error[straight] ** 2))),
        drop_error_deg=drop_error,
        steps_scored=len(pairs),
        found_with_side=len(right) / len(pairs) if pairs else float("nan"),
        median_timing_error_s=float(np.median(np.abs(timing))) if timing else float("nan"),
        counted_steps=len(counted),
        counted_not_true=not_true,
    )
