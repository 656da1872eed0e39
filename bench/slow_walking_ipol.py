"""Real walks slowed down to a patient's pace: the same pelvis angles, found at any cadence.

Run: python bench/slow_walking_ipol.py PATH/TO/ipol_gait_lowerback [--pace 0.8,0.65,0.55]
     [--jobs J]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository): healthy adults at
their own pace, a median 108 steps a minute. The people this product is for — a weak hip
after surgery, osteoarthritis, old age — often walk at 60–90. Each real walk is played
slower by a factor ``k``: every motion takes ``1/k`` times as long, so its angles are
the same and its rates ``k`` times, its accelerations ``k²`` times as large (the gravity the
sensor sees, taken from the walk's own offline orientation, stays). The hand-checked
contacts move with it. Nothing about the pelvis' angles changed, so the per-side drops
should not either; contacts must still be found, on the right feet.

What this cannot show: a slow walker's heel strike is still a jolt, here it is slowed too
(harder for the contact detector than reality); real slow walkers also take shorter steps,
which makes their accelerations smaller still.

Targets: every walk analysed; initial-contact F1 and left/right within 0.02 of the walk at
its own pace; per-side means within 0.3° of it. The unit check too: the true units read, the
gyroscope's rad/s declared as deg/s refused (as ``imu-monitor import`` checks a file).
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import IpolTrial, load_trial

from imu_monitor.conventions import GRAVITY_MPS2, SIDES
from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig
from imu_monitor.processing.orientation import up_in_sensor
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.units import check_units

MATCH_S = 0.25  # a contact found this close to a hand-checked one (at the walk's own pace)
MEAN_TOLERANCE_DEG = 0.3


def analyse(acc: np.ndarray, gyr: np.ndarray, rate_hz: float, keep: bool = False
            ) -> tuple[Analysis, np.ndarray | None]:
    n = len(acc)
    pipeline = Pipeline(rate_hz, PipelineConfig(orientation="offline", keep_orientation=keep))
    pipeline.push(SampleBatch(np.arange(n) / rate_hz, np.arange(n), acc, gyr))
    analysis = pipeline.finish()
    return analysis, np.asarray(pipeline.orientation.view) if keep else None


def slowed(acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray, k: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """The samples of the same motion played ``1/k`` times slower at the same sample rate."""
    gravity = up_in_sensor(quat) * GRAVITY_MPS2
    n = len(acc)
    at = np.arange(int((n - 1) / k) + 1) * k  # the original sample times (in samples)

    def resample(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(at, np.arange(n), x[:, i]) for i in range(3)])

    g = resample(gravity)
    g *= GRAVITY_MPS2 / np.linalg.norm(g, axis=1, keepdims=True)
    return k * k * resample(acc - gravity) + g, k * resample(gyr)


@dataclass(frozen=True)
class Result:
    trial: str
    k: float
    error: str
    f1: float
    left_right: float
    mean_change_deg: float  # the larger |change| of the two sides' mean peak drop
    cadence_spm: float
    units_read: bool = False  # the true units pass the unit check
    wrong_refused: bool = False  # rad/s declared as deg/s is refused


def scores(analysis: Analysis, trial: IpolTrial, k: float) -> tuple[float, float]:
    """Initial-contact F1 within the trial's walk, and left/right of the matched contacts."""
    reference = sorted([(i / k, "left") for i in trial.left_ic]
                       + [(i / k, "right") for i in trial.right_ic])
    times = np.array([t for t, _ in reference])
    lo, hi = trial.trial_bounds[0] / k, trial.trial_bounds[1] / k
    steps = [s for s in analysis.real_steps if lo <= s.time_s * trial.rate_hz <= hi]
    used, right_foot = set(), 0
    for step in steps:
        d = np.abs(times - step.time_s * trial.rate_hz)
        best = int(np.argmin(d))
        if d[best] <= MATCH_S * trial.rate_hz / k and best not in used:
            used.add(best)
            right_foot += reference[best][1] == step.side
    wanted = int(np.sum((times >= lo) & (times <= hi)))
    precision, recall = len(used) / max(1, len(steps)), len(used) / max(1, wanted)
    f1 = 2 * precision * recall / (precision + recall) if used else 0.0
    return f1, right_foot / max(1, len(used))


def unit_check(acc: np.ndarray, gyr: np.ndarray, rate_hz: float) -> tuple[bool, bool]:
    """Whether the true units pass the check, and whether rad/s declared as deg/s fails."""
    slots = np.arange(len(acc))
    outcomes = []
    for gyr_declared, unit in ((gyr, "rad/s"), (gyr * np.pi / 180, "deg/s")):
        try:
            check_units(acc, gyr_declared, slots, rate_hz, "m/s2", unit, "the walk")
            outcomes.append(True)
        except ImuMonitorError:
            outcomes.append(False)
    return outcomes[0], not outcomes[1]


def check_trial(lb_file: Path, paces: tuple[float, ...]) -> list[Result]:
    trial = load_trial(lb_file)
    own, quat = analyse(trial.acc, trial.gyr, trial.rate_hz, keep=True)
    assert quat is not None
    results = [Result(trial.name, 1.0, "", *scores(own, trial, 1.0), 0.0,
                      own.summary.cadence_spm or np.nan,
                      *unit_check(trial.acc, trial.gyr, trial.rate_hz))]
    for k in paces:
        acc, gyr = slowed(trial.acc, trial.gyr, quat, k)
        units = unit_check(acc, gyr, trial.rate_hz)
        try:
            analysis, _ = analyse(acc, gyr, trial.rate_hz)
        except ImuMonitorError as exc:
            results.append(Result(trial.name, k, str(exc), np.nan, np.nan, np.nan, np.nan,
                                  *units))
            continue
        changes = []
        for side in SIDES:
            a = own.summary.side(side).mean_peak_drop_deg
            b = analysis.summary.side(side).mean_peak_drop_deg
            if a is not None and b is not None:
                changes.append(abs(b - a))
            elif (a is None) != (b is None):
                changes.append(np.inf)
        results.append(Result(trial.name, k, "", *scores(analysis, trial, k),
                              max(changes, default=0.0), analysis.summary.cadence_spm or np.nan,
                              *units))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pace", default="0.8,0.65,0.55",
                        help="slowing factors k (motion 1/k times slower)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    paces = tuple(float(p) for p in args.pace.split(","))
    files = sorted(args.folder.glob("*_lb.txt"))
    with Pool(args.jobs) as pool:
        results = [r for rows in pool.imap(functools.partial(check_trial, paces=paces), files)
                   for r in rows]
    print(f"{len(files)} real walks played slower; targets: all analysed, F1 and left/right "
          f"within 0.02 of the own pace, per-side means within {MEAN_TOLERANCE_DEG}°")
    print(f"{'pace':>6s} {'cadence':>8s} {'analysed':>9s} {'F1':>6s} {'left/right':>10s} "
          f"{'means ≤0.3°':>11s} {'median':>7s} {'max':>6s} {'units read':>10s} "
          f"{'wrong refused':>13s}")
    for k in (1.0, *paces):
        rows = [r for r in results if r.k == k]
        done = [r for r in rows if not r.error]
        change = np.array([r.mean_change_deg for r in done])
        print(f"{k:6.2f} {np.nanmedian([r.cadence_spm for r in done]):5.0f}/min "
              f"{len(done):4d}/{len(rows):<4d} {np.mean([r.f1 for r in done]):6.3f} "
              f"{np.mean([r.left_right for r in done]):10.3f} "
              f"{100 * np.mean(change <= MEAN_TOLERANCE_DEG):10.0f}% "
              f"{np.median(change):6.2f}° {change.max():5.2f}° "
              f"{sum(r.units_read for r in rows):6d}/{len(rows):<3d} "
              f"{sum(r.wrong_refused for r in rows):9d}/{len(rows):<3d}")
    failed = [r for r in results if r.error]
    for r in failed[:8]:
        print(f"  not analysed: {r.trial} at {r.k}: {r.error}")
    if len(failed) > 8:
        print(f"  … and {len(failed) - 8} more")


if __name__ == "__main__":
    main()
