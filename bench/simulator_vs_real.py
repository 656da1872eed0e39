"""Does the simulated patient look like real people? Lower-back signals, real against simulated.

Run: python bench/simulator_vs_real.py PATH/TO/ipol_gait_lowerback [--walks 40] [--ideal]

Real: the 110 trials of the IPOL lower-back set (19 healthy adults, Xsens at L5, 100 Hz: stand,
walk 10 m, U-turn, walk back, stop; hand-checked foot contacts). Simulated: the same protocol
at 100 Hz (scenario ``walk-10m``), one simulated adult per seed with their own pace, cadence,
drop and standing time, random mounting and an Xsens-class sensor. Both go through exactly the
same measures (``lower_back_measures.py``).

Each row passes when the simulated median lies inside the real 10–90 % range: the real range is
the spread between healthy adults and their trials, so a simulated median outside it means the
typical simulated patient looks unlike 80 % of real walks. ``--ideal`` simulates without the
realism features (rigid sensor, no heel-strike transients, regular steps) to show what they add.
``--pipeline`` also runs the product's contact detection on both sets: a simulator that earns
its place predicts the real figures.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from gait_events_ipol import TOLERANCE_S, match
from ipol_data import IpolTrial, load_all
from lower_back_measures import LowerBackWalk, measure

from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import analyze_samples
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.scenarios import ten_metre_walk
from imu_monitor.simulation.sensor_model import SensorErrors, simulate

RATE_HZ = 100.0
# An Xsens MTw-class sensor (the real recordings'): datasheet noise densities at 100 Hz.
XSENS_CLASS = SensorErrors(gyro_bias_sd_dps=0.2, gyro_drift_dps_per_sqrt_s=0.002,
                           gyro_noise_dps=0.1, acc_bias_sd_mps2=0.02, acc_noise_mps2=0.01)


def real_walk(trial: IpolTrial) -> LowerBackWalk:
    """An IPOL trial with its contacts (the end of each swing) inside the trial."""
    start, end = trial.trial_bounds
    contacts = np.concatenate([trial.left_ic, trial.right_ic])
    sides = np.array(["left"] * len(trial.left_ic) + ["right"] * len(trial.right_ic))
    keep = (contacts >= start) & (contacts <= min(end, len(trial.acc) - 1))
    order = np.argsort(contacts[keep])
    return LowerBackWalk(trial.name, trial.rate_hz, trial.acc, trial.gyr,
                         contacts[keep][order], sides[keep][order],
                         (trial.uturn_bounds[0] + trial.uturn_bounds[1]) // 2)


def own_tissue(realism: Realism, rng: np.random.Generator) -> Realism:
    """People and straps differ: each walker's soft tissue around the model's values."""
    if realism.tissue is None:
        return realism
    tissue = replace(realism.tissue, slide_hz=rng.uniform(10.0, 18.0),
                     rocking_hz=rng.uniform(9.0, 15.0),
                     rocking_deg_per_mps2=rng.uniform(0.12, 0.3),
                     lever_forward_up=(-1.0, rng.uniform(0.2, 1.0)))
    return replace(realism, tissue=tissue)


def simulated_walk(seed: int, realism: Realism) -> LowerBackWalk:
    """One simulated adult doing the IPOL protocol: pace, cadence and drop like the real
    adults' (the drop is the median measured on them), their own soft tissue."""
    rng = np.random.default_rng(1000 + seed)
    cadence = float(np.clip(rng.normal(110.0, 7.0), 92.0, 130.0))
    step_m = float(np.clip(rng.normal(0.68, 0.06), 0.5, 0.85))
    drop = rng.uniform(2.0, 5.0)
    activities = ten_metre_walk(stand_s=rng.uniform(3.5, 6.5), speed_mps=step_m * cadence / 60,
                                cadence_spm=cadence,
                                drop_left_stance_deg=drop + rng.normal(0, 0.7),
                                drop_right_stance_deg=drop + rng.normal(0, 0.7))
    rec = simulate(activities, RATE_HZ, seed, "random", XSENS_CLASS, own_tissue(realism, rng))
    truth = rec.truth
    steps = [s for s in truth.steps if s["amplitude"] >= 0.5]
    contacts = np.array([round(s["time_s"] * RATE_HZ) for s in steps])
    heading = np.abs(truth.heading_deg)
    return LowerBackWalk(f"sim-{seed}", RATE_HZ, rec.samples.acc, rec.samples.gyr, contacts,
                         np.array([s["side"] for s in steps]),
                         int(np.argmax(heading > heading[-1] / 2)))


def spread(values: list[float]) -> tuple[float, float, float, float, float]:
    """10 %, 25 %, median, 75 %, 90 % of ``values``."""
    return tuple(float(v) for v in np.percentile(values, [10, 25, 50, 75, 90]))


def table(real: list[dict[str, float]], simulated: list[dict[str, float]]) -> tuple[int, int]:
    """Print the comparison; return the rows that pass and those inside the real quartiles."""
    width = max(len(k) for k in real[0])
    print(f"{'measure':{width}s}  {'real median [10–90 %]':>26s}  "
          f"{'simulated median [10–90 %]':>28s}  result")
    passed = central = 0
    for key in real[0]:
        lo, q1, mid, q3, hi = spread([r[key] for r in real])
        slo, _, smid, _, shi = spread([s[key] for s in simulated])
        ok = lo <= smid <= hi
        inside = q1 <= smid <= q3
        passed += ok
        central += inside
        print(f"{key:{width}s}  {mid:8.3g} [{lo:6.3g} – {hi:6.3g}]  "
              f"{smid:10.3g} [{slo:6.3g} – {shi:6.3g}]  {'pass' if ok else 'FAIL'}"
              f"{' *' if inside else ''}")
    return passed, central


def contact_scores(walks: list[LowerBackWalk]) -> str:
    """The product's initial contacts against the reference ones: F1, left/right accuracy, and
    the 10th percentile of left/right accuracy per walk."""
    found = detected = reference = right_side = 0
    per_walk = []
    for walk in walks:
        n = len(walk.acc)
        try:
            steps = analyze_samples(SampleBatch(np.arange(n) / walk.rate_hz, np.arange(n),
                                                walk.acc, walk.gyr), walk.rate_hz).real_steps
        except ImuMonitorError:
            reference += len(walk.contacts)
            continue
        index = np.array([round(s.time_s * walk.rate_hz) for s in steps], dtype=int)
        sides = np.array([s.side for s in steps])
        pairs = match(index, walk.contacts, round(TOLERANCE_S * walk.rate_hz))
        good = sum(sides[j] == walk.contact_sides[k] for k, j in pairs)
        found, detected, reference = found + len(pairs), detected + len(index), reference + len(
            walk.contacts)
        right_side += good
        per_walk.append(good / max(len(pairs), 1))
    precision, recall = found / max(detected, 1), found / max(reference, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return (f"F1 {f1:.3f}, left/right {right_side / max(found, 1):.3f} "
            f"(per walk, 10 %: {np.percentile(per_walk, 10):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--walks", type=int, default=40, help="simulated walks (seeds)")
    parser.add_argument("--ideal", action="store_true",
                        help="simulate without the realism features")
    parser.add_argument("--pipeline", action="store_true",
                        help="also score the product's contact detection on both sets")
    args = parser.parse_args()
    realism = Realism.none() if args.ideal else Realism()
    real_walks = [real_walk(t) for t in load_all(args.folder)]
    simulated_walks = [simulated_walk(seed, realism) for seed in range(args.walks)]
    real = [measure(w) for w in real_walks]
    simulated = [measure(w) for w in simulated_walks]
    print(f"{len(real)} real walks, {len(simulated)} simulated walks "
          f"({'ideal' if args.ideal else 'realistic'} simulator)\n")
    passed, central = table(real, simulated)
    rows = len(real[0])
    print(f"\n{passed} of {rows} rows pass (target: all; pass = simulated median inside the "
          f"real 10–90 % range); * {central} of {rows} inside the real quartiles")
    if args.pipeline:
        print(f"\nproduct's contacts, real:      {contact_scores(real_walks)}")
        print(f"product's contacts, simulated: {contact_scores(simulated_walks)}")


if __name__ == "__main__":
    main()
