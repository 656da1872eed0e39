"""Accuracy of the whole pipeline on simulated sessions with known truth.

Run: python bench/accuracy.py [--seeds 10] [--rate 200]

Every session has sensor noise, gyro bias and drift, an accelerometer offset, a random
mounting and U-turns or 90° turns. Targets (issue): obliquity RMSE ≤ 0.5°, per-side mean peak
drop within 0.3°, ≥ 99 % of steps found with the right foot.
"""

from __future__ import annotations

import argparse

import numpy as np

from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.simulation.evaluation import score
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

SCENARIOS = ["trendelenburg-right", "trendelenburg-left", "symmetric-walk", "walk-varied", "run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    print(f"{args.seeds} seeds per scenario at {args.rate:g} Hz")
    print(f"{'scenario':22s}{'obliquity RMSE °':>20s}{'|side drop error| °':>24s}"
          f"{'steps found, right foot':>26s}{'timing':>10s}")
    print(f"{'':22s}{'median    max':>20s}{'mean   ≤0.3   max':>24s}{'mean     min':>26s}"
          f"{'median':>10s}")
    all_rmse, all_drop, all_found = [], [], []
    for name in SCENARIOS:
        sc = get_scenario(name)
        rmse, drop, found, timing = [], [], [], []
        for seed in range(1, args.seeds + 1):
            rec = simulate(sc.build(sc.default_seconds), args.rate, seed)
            pipeline = Pipeline(args.rate, PipelineConfig(drill="run" if name == "run"
                                                          else "walk"))
            pipeline.push(rec.samples)
            # Running sessions start with a calibration walk: score the running steps.
            result = score(rec.truth, pipeline.finish(), pipeline.obliquity.view,
                           steps_from_s=16.0 if name == "run" else 0.0)
            rmse.append(result.obliquity_rmse_deg)
            drop += [abs(e) for e in result.drop_error_deg.values()]
            found.append(result.found_with_side)
            timing.append(result.median_timing_error_s)
        all_rmse += rmse
        all_drop += drop
        all_found += found
        print(f"{name:22s}{np.median(rmse):11.2f}{np.max(rmse):9.2f}"
              f"{np.mean(drop):11.2f}{100 * np.mean(np.array(drop) <= 0.3):6.0f}%"
              f"{np.max(drop):7.2f}{100 * np.mean(found):14.1f}%{100 * np.min(found):8.1f}%"
              f"{1000 * np.median(timing):8.0f} ms")
    print(f"\nall: obliquity RMSE median {np.median(all_rmse):.2f}° (target ≤ 0.5°), "
          f"per-side drop error mean {np.mean(all_drop):.2f}°, within 0.3° in "
          f"{100 * np.mean(np.array(all_drop) <= 0.3):.0f}% (target 0.3°), steps found with the "
          f"right foot {100 * np.mean(all_found):.1f}% (target ≥ 99%)")


if __name__ == "__main__":
    main()
