"""Accuracy of the whole pipeline on simulated sessions with known truth.

Run: python bench/accuracy.py [--seeds 10] [--rate 200] [--live] [--scenarios A,B]
                               [--true-mounting] [--rigid-sensor]

Every session has sensor noise, gyro bias and drift, an accelerometer offset, a random mounting
(or the scenario's own, e.g. pitched 20°), soft tissue, heel strikes and irregular steps
(docs/simulator.md), and turns. Each is analysed as a saved recording is (offline filter,
calibration pooled from all its walking); ``--live`` analyses it as the live view does
(real-time filter, calibration locked as soon as it can be). Targets: obliquity RMSE ≤ 0.5°,
per-side mean peak drop within 0.3°, ≥ 99 % of steps found with the right foot, forward within
5° of the truth in ≥ 95 % of sessions. "not true": the share of the steps the summary counts
that are no true step of their foot (they enter the means all the same). A simulator alone
proves nothing: the real-data figures beside these are in docs/accuracy.md.

Where an error comes from: ``--true-mounting`` declares the simulated sensor's true mounting
(no forward found from the walk), ``--rigid-sensor`` leaves out the soft tissue (the sensor
rocking on the skin, which no analysis of that one sensor can tell from the bone).
"""

from __future__ import annotations

import argparse

import numpy as np

from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.simulation.evaluation import score
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

SCENARIOS = ["trendelenburg-right", "trendelenburg-left", "symmetric-walk", "walk-varied",
             "walk-10m", "room-4m", "everyday", "turns-frequent", "treadmill", "pitched-sensor",
             "slow-walk", "limp", "run", "run-intervals"]
# Running after a calibration walk: score the running steps only.
STEPS_FROM_S = {"run": 16.0}


def forward_error_deg(analysis, truth) -> float:
    return float(np.degrees(np.arccos(np.clip(
        analysis.calibration.forward_sensor @ truth.pelvis_from_sensor[0], -1, 1))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--live", action="store_true", help="the live view's analysis")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated scenario names (default: all above)")
    parser.add_argument("--true-mounting", action="store_true",
                        help="declare the true mounting instead of finding it")
    parser.add_argument("--rigid-sensor", action="store_true",
                        help="no soft tissue between sensor and bone")
    args = parser.parse_args()
    realism = Realism(tissue=None) if args.rigid_sensor else Realism()
    mode = "live" if args.live else "offline"
    print(f"{args.seeds} seeds per scenario at {args.rate:g} Hz, {mode} analysis"
          + (", true mounting declared" if args.true_mounting else "")
          + (", rigid sensor" if args.rigid_sensor else ""))
    print(f"{'scenario':20s}{'obliquity RMSE °':>17s}{'straight':>9s}{'|side drop error| °':>22s}"
          f"{'right foot':>16s}{'not true':>9s}{'forward error °':>19s}{'neutral':>9s}")
    print(f"{'':20s}{'median   max':>17s}{'median':>9s}{'mean  ≤0.3  max':>22s}"
          f"{'mean    min':>16s}{'':9s}{'median ≤5°  max':>19s}")
    totals: dict[str, list[float]] = {"rmse": [], "drop": [], "found": [], "forward": [],
                                      "straight": []}
    for name in args.scenarios.split(","):
        sc = get_scenario(name)
        rmse, drop, found, forward, straight, neutral, failed = [], [], [], [], [], set(), 0
        counted = not_true = 0
        for seed in range(1, args.seeds + 1):
            rec = simulate(sc.build(sc.default_seconds), args.rate, seed, sc.mounting,
                           realism=realism)
            axes = rec.truth.pelvis_from_sensor if args.true_mounting else None
            pipeline = Pipeline(args.rate, PipelineConfig(drill=sc.drill, orientation=mode,
                                                          axes=axes))
            pipeline.push(rec.samples)
            try:
                analysis = pipeline.finish()
            except ImuMonitorError:
                failed += 1
                continue
            result = score(rec.truth, analysis, pipeline.obliquity.view,
                           steps_from_s=STEPS_FROM_S.get(name, 0.0))
            rmse.append(result.obliquity_rmse_deg)
            straight.append(result.obliquity_rmse_straight_deg)
            drop += [abs(e) for e in result.drop_error_deg.values()]
            found.append(result.found_with_side)
            counted += result.counted_steps
            not_true += result.counted_not_true
            forward.append(forward_error_deg(analysis, rec.truth))
            neutral.add(analysis.calibration.neutral_source.split()[0])
        for key, values in zip(totals, (rmse, drop, found, forward, straight), strict=True):
            totals[key] += values
        print(f"{name:20s}{np.median(rmse):9.2f}{np.max(rmse):7.2f}{np.median(straight):8.2f}"
              f"{np.mean(drop):10.2f}{100 * np.mean(np.array(drop) <= 0.3):5.0f}%"
              f"{np.max(drop):6.2f}{100 * np.mean(found):9.1f}%{100 * np.min(found):6.1f}%"
              f"{100 * not_true / max(counted, 1):8.1f}%"
              f"{np.median(forward):9.1f}{100 * np.mean(np.array(forward) <= 5):6.0f}%"
              f"{np.max(forward):5.1f}  {'/'.join(sorted(neutral))}"
              + (f"  {failed} not analysed" if failed else ""))
    t = {k: np.array(v) for k, v in totals.items()}
    print(f"\nall: obliquity RMSE median {np.median(t['rmse']):.2f}° (≤ 0.5° in "
          f"{100 * np.mean(t['rmse'] <= 0.5):.0f}% of sessions; target ≤ 0.5°), on straight "
          f"walking {np.median(t['straight']):.2f}° (≤ 0.5° in "
          f"{100 * np.mean(t['straight'] <= 0.5):.0f}%), per-side drop "
          f"error mean {np.mean(t['drop']):.2f}°, within 0.3° in "
          f"{100 * np.mean(t['drop'] <= 0.3):.0f}% (target 0.3°), steps found with the right "
          f"foot {100 * np.mean(t['found']):.1f}% (target ≥ 99%), forward within 5° in "
          f"{100 * np.mean(t['forward'] <= 5):.0f}% (target ≥ 95%)")


if __name__ == "__main__":
    main()
