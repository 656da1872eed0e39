"""Pelvis motion of what is done in place: single-leg drills, and sitting on a chair.

Each returns obliquity and tilt (degrees) and displacement (m; x forward, y left, z up) over the
segment's own clock ``tau``; drills also return their truth (reps, holds, drops).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from imu_monitor.simulation.activities import Activity, HipHike, SingleLegStance, StepDown

SIT_TRANSITION_S = 1.6
SIT_DEPTH_M = 0.45  # the pelvis drops from standing to seat height
SIT_BACK_M = 0.2  # and moves back onto the seat
SIT_LEAN_DEG = 20.0  # anterior tilt at the middle of sitting down or standing up (trunk lean)
SIT_TILT_DEG = -12.0  # seated: the pelvis rolls back
LIFT_S = 0.3  # the free foot leaves the ground this long after the weight shift
REPS_AFTER_SHIFT_S = 0.5  # the first rep starts this long after the weight shift


def drill_seconds(act: Activity) -> float:
    """Length of a drill segment: its hold or reps plus the weight shifts around them."""
    if isinstance(act, SingleLegStance):
        return act.hold_s + 2 * (act.shift_s + LIFT_S)
    if isinstance(act, HipHike | StepDown):
        return act.reps * act.rep_s + 2 * (act.shift_s + REPS_AFTER_SHIFT_S)
    raise TypeError(f"unknown activity {act!r}")


def ramp(x: np.ndarray) -> np.ndarray:
    """0 → 1 smoothly for x in [0, 1]."""
    x = np.clip(x, 0, 1)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def drill(act: SingleLegStance | HipHike | StepDown, tau: np.ndarray, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
    """Obliquity, tilt (deg), displacement (m) and truth of one single-leg drill segment.

    Every drill shifts the weight over the stance leg (``act.shift_s``), does its work, and
    shifts back.
    """
    stance_sign = 1.0 if act.side == "left" else -1.0  # +y is left
    # Obliquity that drops the free (contralateral) hip by ``d`` degrees: right stance → -d.
    drop_sign = 1.0 if act.side == "left" else -1.0
    total = drill_seconds(act)
    shift = ramp(tau / act.shift_s) * ramp((total - tau) / act.shift_s)
    disp = np.zeros((len(tau), 3))
    disp[:, 1] = stance_sign * 0.05 * shift
    obl = np.zeros_like(tau)
    tilt = np.zeros_like(tau)
    truth: list[dict] = []
    if isinstance(act, SingleLegStance):
        # Foot off LIFT_S after the weight shift; foot down LIFT_S before the shift back.
        start = act.shift_s + LIFT_S
        end = start + act.hold_s
        on = ramp((tau - start) / 0.3) * ramp((end - tau) / 0.3)
        sway = gaussian_filter1d(rng.normal(0, 1, len(tau)), 0.3 * len(tau) / total)
        hold = (tau >= start) & (tau < end)
        sway = (sway - sway[hold].mean()) * act.sway_deg / max(float(sway[hold].std()), 1e-9)
        drop = (act.drop_deg + sway) * on
        obl = drop_sign * drop
        truth.append({"drill": "single-leg-stance", "side": act.side, "start_s": start,
                      "end_s": end, "hold_s": act.hold_s,
                      "mean_drop_deg": float(drop[hold].mean()),
                      "max_drop_deg": float(drop[hold].max()),
                      "sway_deg": float(np.std(drop[hold]))})
    else:
        first = act.shift_s + REPS_AFTER_SHIFT_S
        for r in range(act.reps):
            u = (tau - first - r * act.rep_s) / act.rep_s
            inside = (u >= 0) & (u < 1)
            if isinstance(act, HipHike):
                # free hip: down to -lower at 25 %, up to +lift at 55 %, held to 75 %, back.
                elev = np.interp(u, [0, 0.25, 0.55, 0.75, 1.0],
                                 [0, -act.lower_deg, act.lift_deg, act.lift_deg, 0])
                elev = np.where(inside, elev, 0.0)
                elev = gaussian_filter1d(elev, 0.05 * len(tau) / total)
                obl += -drop_sign * elev
                truth.append({"drill": "hip-hike", "side": act.side,
                              "start_s": first + r * act.rep_s,
                              "range_deg": act.lower_deg + act.lift_deg})
            else:
                depth = np.where(inside, np.sin(np.pi * np.clip(u / 0.9, 0, 1)) ** 2, 0.0)
                obl += drop_sign * act.drop_deg * depth
                tilt += act.tilt_deg * depth
                disp[:, 2] += -0.15 * depth
                truth.append({"drill": "step-down", "side": act.side,
                              "start_s": first + r * act.rep_s, "peak_drop_deg": act.drop_deg})
    return obl, tilt, disp, truth


def sitting(tau: np.ndarray, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Tilt (deg) and displacement (m) of sitting down, sitting and standing up again."""
    down = ramp(tau / SIT_TRANSITION_S) * ramp((total_s - tau) / SIT_TRANSITION_S)
    moving = (np.sin(np.pi * np.clip(tau / SIT_TRANSITION_S, 0, 1)) ** 2
              + np.sin(np.pi * np.clip((total_s - tau) / SIT_TRANSITION_S, 0, 1)) ** 2)
    tilt = SIT_TILT_DEG * down + SIT_LEAN_DEG * moving
    disp = np.stack([-SIT_BACK_M * down, np.zeros_like(tau), -SIT_DEPTH_M * down], axis=1)
    return tilt, disp
