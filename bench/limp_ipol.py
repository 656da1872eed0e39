"""Real walks given a limp: are the contacts and their feet still found?

Run: python bench/limp_ipol.py PATH/TO/ipol_gait_lowerback [--asymmetry 0.2,0.35] [--jobs J]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository): healthy walkers, whose
two steps of a stride last alike. Each stride (right contact to right contact) is replayed
with its phase running unevenly, as the simulator's limp does (``Gait.step_asymmetry``):
the original time at new phase ``u`` is ``u + a/2π·(1 − cos 2πu)`` of the stride, so the left
contact comes early and the right step is short (a 0.35: 0.43 s against 0.67 s). Rates are
scaled by the local time rate ``r``; the motion's acceleration (in the world, from the walk's
own offline orientation) by ``r²``, plus the velocity times ``dr/dt`` (velocity: the
acceleration integrated, its drift taken off over 2 s); gravity stays. The hand-checked
contacts move with the warp.

Only contacts and feet are judged: initial-contact F1 and left/right against the moved
hand-checked contacts. The drop of each step keeps its angle under the warp, but the velocity
term is approximate (a few tenths of a m/s² where the pace changes within the stride), so the
per-side means are printed for what they are and not judged.
"""

from __future__ import annotations

import argparse
import functools
import sys
from itertools import pairwise
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter1d

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import IpolTrial, load_trial
from slow_walking_ipol import analyse

from imu_monitor.conventions import GRAVITY_MPS2, SIDES
from imu_monitor.errors import ImuMonitorError
from imu_monitor.processing.kinematics import rotate
from imu_monitor.processing.orientation import up_in_sensor

MATCH_S = 0.25
VELOCITY_DETREND_S = 2.0
STRIDE_RANGE_S = (0.6, 1.6)  # strides outside this (turns, stops) are left as they were


def limped(trial: IpolTrial, quat: np.ndarray, a: float
           ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """acc, gyr, the hand-checked contacts and the walk's bounds, in the limp's time."""
    rate, n = trial.rate_hz, len(trial.acc)
    gravity = up_in_sensor(quat) * GRAVITY_MPS2
    motion = rotate(quat, trial.acc - gravity)  # world frame
    velocity = np.cumsum(motion, axis=0) / rate
    velocity -= uniform_filter1d(velocity, round(VELOCITY_DETREND_S * rate), axis=0,
                                 mode="nearest")
    old = np.arange(n, dtype=float)
    new = old.copy()  # each original sample's time in the limp
    u = np.linspace(0.0, 1.0, 2001)
    phase = u + a / (2 * np.pi) * (1 - np.cos(2 * np.pi * u))
    rights = np.sort(trial.right_ic)
    for r0, r1 in pairwise(rights):
        if STRIDE_RANGE_S[0] * rate <= r1 - r0 <= STRIDE_RANGE_S[1] * rate:
            inside = (old >= r0) & (old < r1)
            new[inside] = r0 + (r1 - r0) * np.interp((old[inside] - r0) / (r1 - r0), phase, u)
    at = np.interp(np.arange(0.0, new[-1]), new, old)  # original time of each limp sample
    speed = np.gradient(at)  # original seconds per limp second
    change = np.gradient(speed) * rate

    def resample(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(at, old, x[:, i]) for i in range(x.shape[1])])

    q = resample(quat)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    g = resample(gravity)
    g *= GRAVITY_MPS2 / np.linalg.norm(g, axis=1, keepdims=True)
    world = resample(motion) * (speed**2)[:, None] + resample(velocity) * change[:, None]
    acc = rotate(q * np.array([1.0, -1.0, -1.0, -1.0]), world) + g
    gyr = resample(trial.gyr) * speed[:, None]
    moved = {"left": np.interp(trial.left_ic, old, new), "right": np.interp(trial.right_ic,
                                                                           old, new)}
    return acc, gyr, moved, np.interp(np.array(trial.trial_bounds, float), old, new)


def check_trial(lb_file: Path, asymmetries: tuple[float, ...]) -> list[tuple]:
    """(trial, a, F1, left/right, largest change of a per-side mean, right step, left step)."""
    trial = load_trial(lb_file)
    own, quat = analyse(trial.acc, trial.gyr, trial.rate_hz, keep=True)
    out = []
    for a in asymmetries:
        acc, gyr, contacts, bounds = limped(trial, quat, a)
        try:
            analysis, _ = analyse(acc, gyr, trial.rate_hz)
        except ImuMonitorError:
            out.append((trial.name, a, 0.0, np.nan, np.nan, np.nan, np.nan))
            continue
        reference = sorted((t, side) for side in SIDES for t in contacts[side])
        times = np.array([t for t, _ in reference])
        steps = [s for s in analysis.real_steps
                 if bounds[0] <= s.time_s * trial.rate_hz <= bounds[1]]
        used, right_foot = set(), 0
        for step in steps:
            d = np.abs(times - step.time_s * trial.rate_hz)
            best = int(np.argmin(d))
            if d[best] <= MATCH_S * trial.rate_hz and best not in used:
                used.add(best)
                right_foot += reference[best][1] == step.side
        wanted = int(np.sum((times >= bounds[0]) & (times <= bounds[1])))
        precision, recall = len(used) / max(1, len(steps)), len(used) / max(1, wanted)
        f1 = 2 * precision * recall / (precision + recall) if used else 0.0
        changes = [abs(analysis.summary.side(s).mean_peak_drop_deg
                       - own.summary.side(s).mean_peak_drop_deg) for s in SIDES
                   if analysis.summary.side(s).mean_peak_drop_deg is not None
                   and own.summary.side(s).mean_peak_drop_deg is not None]
        durations = {side: [s.step_time_s for s in steps if s.side == side and s.step_time_s]
                     for side in SIDES}
        out.append((trial.name, a, f1, right_foot / max(1, len(used)),
                    max(changes, default=np.nan), np.median(durations["right"] or [np.nan]),
                    np.median(durations["left"] or [np.nan])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--asymmetry", default="0,0.2,0.35")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    asymmetries = tuple(float(a) for a in args.asymmetry.split(","))
    files = sorted(args.folder.glob("*_lb.txt"))
    with Pool(args.jobs) as pool:
        rows = [r for trial in pool.imap(functools.partial(check_trial,
                                                           asymmetries=asymmetries), files)
                for r in trial]
    print(f"{len(files)} real walks given a limp; judged: initial-contact F1 and left/right")
    print(f"{'asymmetry':>9s} {'steps (s, as found)':>20s} {'F1':>6s} {'left/right':>10s} "
          f"{'per-side means moved (not judged): median':>44s}")
    for a in asymmetries:
        sel = [r for r in rows if r[1] == a]
        print(f"{a:9.2f} {np.nanmedian([r[5] for r in sel]):9.2f} / "
              f"{np.nanmedian([r[6] for r in sel]):4.2f}    {np.mean([r[2] for r in sel]):6.3f} "
              f"{np.nanmean([r[3] for r in sel]):10.3f} {np.nanmedian([r[4] for r in sel]):40.2f}°")


if __name__ == "__main__":
    main()
