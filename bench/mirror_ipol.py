"""Real walks mirrored left for right give the same numbers, sides swapped: the analysis has
no side of its own.

Run: python bench/mirror_ipol.py PATH/TO/ipol_gait_lowerback [--every N]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurement Units", IPOL 2023 (not part of this repository): Xsens at L5, 100 Hz,
its y axis pointing left. Mirrored in the body's sagittal plane, the accelerometer's y
reverses and the gyroscope's x and z do (a rotation is an axial vector): the walk a
mirror-image walker would make, whose left steps are the original's right ones. Printed: how
far each mirrored side's mean is from the original other side's, and in how many walks the
steps found (time, foot, counted) are the original's mirrored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.pipeline import Analysis, analyze_samples
from imu_monitor.samples import SampleBatch

ACC_MIRROR = np.array([1.0, -1.0, 1.0])  # the sensor's y axis points left
GYR_MIRROR = np.array([-1.0, 1.0, -1.0])
OTHER = {"left": "right", "right": "left"}


def mirrored_against_original(trial) -> tuple[list[float], bool]:
    """|mirrored side mean − original other side mean| for each side, and whether the steps
    are the original's mirrored."""
    n, rate = len(trial.acc), trial.rate_hz

    def analysed(acc: np.ndarray, gyr: np.ndarray) -> Analysis:
        return analyze_samples(SampleBatch(np.arange(n) / rate, np.arange(n), acc, gyr), rate)

    original = analysed(trial.acc, trial.gyr)
    mirrored = analysed(trial.acc * ACC_MIRROR, trial.gyr * GYR_MIRROR)
    moved = []
    for side in OTHER:
        a = original.summary.side(side).mean_peak_drop_deg
        b = mirrored.summary.side(OTHER[side]).mean_peak_drop_deg
        if a is not None and b is not None:
            moved.append(abs(a - b))
    same = [(round(s.time_s, 3), s.side, s.counted) for s in original.steps] == [
        (round(s.time_s, 3), OTHER[s.side], s.counted) for s in mirrored.steps]
    return moved, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ipol", type=Path)
    parser.add_argument("--every", type=int, default=1, help="every Nth walk (default: all)")
    args = parser.parse_args()
    moves, same = [], 0
    trials = load_all(args.ipol)[::args.every]
    for trial in trials:
        moved, alike = mirrored_against_original(trial)
        moves += moved
        same += alike
    m = np.array(moves)
    print(f"{len(trials)} real walks mirrored: each side's mean against the other side's of the "
          f"original: median {np.median(m):.3f}°, largest {m.max():.3f}° ({len(m)} sides); the "
          f"steps mirrored in {same} of {len(trials)} walks (target: all, to the hundredth)")


if __name__ == "__main__":
    main()
