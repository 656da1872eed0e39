"""A sensor that moved on the patient: said when it did, never on a walk as recorded.

Run: python bench/sensor_moved_ipol.py PATH/TO/ipol_gait_lowerback [--rolls 3.5 5 8 12 20]

Data: the real IPOL lower-back walks (``ipol_data``). For each walk: (1) the walk as recorded,
where nothing moved: is ``sensor_moved`` said (false alarm)? (2) the walk, 3 s of standing
still, then the same walk again with the sensor rolled by R° about the pelvis forward axis
(its own calibration's, acc and gyro turned alike: a sensor clipped back on rolled): is the
move said, and how far is the jump read from R? The check: walking's mean obliquity jumping
more than ``MOVED_DEG`` between two walks (``processing/sensor_moved.py``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.pipeline import Analysis, analyze_samples
from imu_monitor.processing.sensor_moved import MOVED_DEG
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch

STANDING_S = 3.0


def analyse(acc: np.ndarray, gyr: np.ndarray, rate_hz: float) -> Analysis:
    n = len(acc)
    return analyze_samples(SampleBatch(np.arange(n) / rate_hz, np.arange(n), acc, gyr), rate_hz)


def rolled_twice(acc: np.ndarray, gyr: np.ndarray, rate_hz: float, forward: np.ndarray,
                 roll_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """The walk, standing still (its first sample held), then the walk rolled about forward."""
    turn = rotation_vector_to_matrix(np.radians(roll_deg) * forward)
    still = round(STANDING_S * rate_hz)
    stand_acc = np.repeat(acc[:1], still, axis=0)
    stand_gyr = np.zeros((still, 3))
    return (np.concatenate([acc, stand_acc, acc @ turn]),
            np.concatenate([gyr, stand_gyr, gyr @ turn]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rolls", type=float, nargs="+", default=[3.5, 5.0, 8.0, 12.0, 20.0])
    args = parser.parse_args()
    trials = load_all(args.folder)
    false_alarms = 0
    said: dict[float, list[float]] = {r: [] for r in args.rolls}  # read jump per said move
    for trial in trials:
        own = analyse(trial.acc, trial.gyr, trial.rate_hz)
        false_alarms += bool(own.sensor_moved)
        for roll in args.rolls:
            acc, gyr = rolled_twice(trial.acc, trial.gyr, trial.rate_hz,
                                    own.calibration.forward_sensor, roll)
            moves = analyse(acc, gyr, trial.rate_hz).sensor_moved
            said[roll] += [abs(jump) for _, jump in moves[:1]]
    print(f"{len(trials)} real walks; said when walking's mean obliquity jumps > {MOVED_DEG:g}°")
    print(f"as recorded (nothing moved): said in {false_alarms} of {len(trials)} (target 0)")
    for roll, jumps in said.items():
        error = f", jump read {np.median(jumps):.2f}° (median)" if jumps else ""
        print(f"rolled {roll:4.1f}° about forward between two copies: said in {len(jumps)} of "
              f"{len(trials)}{error}")


if __name__ == "__main__":
    main()
