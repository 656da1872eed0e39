"""A sensor handled before it is clipped on, or after it is taken off: the walk's numbers must
not change.

Run: python bench/handled_sensor.py PATH/TO/ipol_gait_lowerback PATH/TO/broad_orientation

Data: the real IPOL lower-back walks (``ipol_data``), and real hand-held IMU motion from
BROAD (Laidig et al. 2021; its README): 9 s of slow translation (trial 14, 38–47 s) and 10 s
of fast translation (trial 18, 58–68 s), resampled to 100 Hz. Each walk is analysed as
recorded, then

* **after**: the walk, a 2 s turn of the sensor from the walk's last posture into the hand's
  (the body still, the gyroscope consistent with the turn), then the slow hand motion;
* **before**: the fast hand motion, a 2 s turn into the walk's first posture, then the walk.

Printed for each: the walks that keep their neutral from standing, how far the per-side means
move, and the walks whose counted steps change. Target: the standing kept, every mean within
0.3°.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.conventions import SIDES
from imu_monitor.pipeline import Analysis, analyze_samples
from imu_monitor.processing.calibration import NEUTRAL_STANDING
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch

RATE = 100.0
TURN_S = 2.0
TOLERANCE_DEG = 0.3


def hand_motion(folder: Path, trial: str, start_s: float, stop_s: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """BROAD's acc and gyro over ``[start_s, stop_s)``, at 100 Hz (its 285.7 Hz × 7 / 20)."""
    data = np.load(next(folder.glob(f"{trial}_*.npz")))
    rate = float(data["fs"])
    part = slice(round(start_s * rate), round(stop_s * rate))
    return tuple(resample_poly(data[name][part], 7, 20, axis=0)[20:-20]  # type: ignore[return-value]
                 for name in ("acc", "gyr"))


def turn(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sensor turned from reading gravity as ``start`` to reading it as ``end`` over
    ``TURN_S``, about one axis, the body still: acc ``Eᵀ start``, gyro ``θ̇ axis``."""
    axis = np.cross(start, end)
    axis /= np.linalg.norm(axis)
    angle = np.arccos(np.clip(start @ end / np.linalg.norm(start) / np.linalg.norm(end), -1, 1))
    k = round(TURN_S * RATE)
    share = (1 - np.cos(np.pi * np.arange(k) / (k - 1))) / 2
    # E turns sensor vectors by θ about ``axis``; the sensor then reads gravity as Eᵀ start
    # (the rotation taking ``start`` towards ``end`` is the inverse one).
    acc = np.einsum("kij,j->ki", rotation_vector_to_matrix(share[:, None] * angle * axis), start)
    gyr = -np.gradient(share * angle, 1 / RATE)[:, None] * axis
    return acc, gyr


def analysed(acc: np.ndarray, gyr: np.ndarray) -> Analysis:
    n = len(acc)
    return analyze_samples(SampleBatch(np.arange(n) / RATE, np.arange(n), acc, gyr), RATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ipol", type=Path)
    parser.add_argument("broad", type=Path)
    args = parser.parse_args()
    slow = hand_motion(args.broad, "14", 38.0, 47.0)
    fast = hand_motion(args.broad, "18", 58.0, 68.0)
    outcomes = {"after (slow hand motion)": [], "before (fast hand motion)": []}
    for trial in load_all(args.ipol):
        assert trial.rate_hz == RATE
        walk = analysed(trial.acc, trial.gyr)
        if walk.calibration.neutral_source != NEUTRAL_STANDING:
            continue
        end = trial.acc[-30:].mean(axis=0)
        hand_acc = slow[0] * np.linalg.norm(end) / np.linalg.norm(slow[0][:30].mean(axis=0))
        turn_acc, turn_gyr = turn(end, hand_acc[:30].mean(axis=0))
        after = analysed(np.vstack([trial.acc, turn_acc, hand_acc]),
                         np.vstack([trial.gyr, turn_gyr, slow[1]]))
        start = trial.acc[:30].mean(axis=0)
        hand_acc = fast[0] * np.linalg.norm(start) / np.linalg.norm(fast[0][-30:].mean(axis=0))
        turn_acc, turn_gyr = turn(hand_acc[-30:].mean(axis=0), start)
        before = analysed(np.vstack([hand_acc, turn_acc, trial.acc]),
                          np.vstack([fast[1], turn_gyr, trial.gyr]))
        for name, handled in zip(outcomes, (after, before), strict=True):
            outcomes[name].append((walk, handled))
    print(f"target: the neutral still from standing, every per-side mean within "
          f"{TOLERANCE_DEG}°")
    for name, pairs in outcomes.items():
        moved = np.array([abs(h.summary.side(s).mean_peak_drop_deg
                              - w.summary.side(s).mean_peak_drop_deg)
                          for w, h in pairs for s in SIDES
                          if w.summary.side(s).mean_peak_drop_deg is not None
                          and h.summary.side(s).mean_peak_drop_deg is not None])
        kept = sum(h.calibration.neutral_source == NEUTRAL_STANDING for _, h in pairs)
        steps = sum(h.summary.side(s).steps != w.summary.side(s).steps
                    for w, h in pairs for s in SIDES)
        print(f"{name}, {len(pairs)} real walks with a standing:")
        print(f"  neutral still from standing {kept} of {len(pairs)}; per-side means moved: "
              f"median {np.median(moved):.2f}°, 90th percentile {np.percentile(moved, 90):.2f}°, "
              f"at most {moved.max():.2f}°, within {TOLERANCE_DEG}° "
              f"{100 * np.mean(moved <= TOLERANCE_DEG):.0f} %; sides whose counted steps "
              f"changed: {steps} of {2 * len(pairs)}")


if __name__ == "__main__":
    main()
