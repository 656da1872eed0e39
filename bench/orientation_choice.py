"""Which 6-axis orientation filter? Real motion with optical truth first, then the simulator.

Run: python bench/orientation_choice.py [PATH/TO/broad_orientation] [--seeds 3]

Real data (BROAD, Laidig et al. 2021: hand-held IMU motion with OptiTrack truth, not in this
repository): the inclination error — the angle between the vertical as the filter sees it in
sensor axes and as the optical truth sees it, RMS over the trial's movement — for the product's
live filter, its recording filter, and the field's reference (VQF, real-time and offline, with
their published defaults). Targets: recording filter ≤ 0.55° (ahead of real-time VQF).
Simulator: obliquity RMSE against the simulated bone with the true mounting, over all samples
and away from turns, and speed. The product's recording filter is measured as a recording is
analysed: on the simulator (the mounting declared, the true one) through the pipeline, which
takes the horizontal acceleration of the turns in walking bouts off the accelerometer
(processing/turn_acceleration.py); on BROAD, which has no walking, it is offline VQF alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from vqf import VQF, offlineVQF

from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.processing.calibration import Calibration
from imu_monitor.processing.orientation import OrientationFilter, offline_orientation, up_in_sensor
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.evaluation import straight_walking
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

SIM_RATE = 100.0
SCENARIOS = ["trendelenburg-right", "walk-10m", "room-4m", "turns-frequent", "run",
             "single-leg-stance", "step-down"]


def product_live(gyr, acc, rate, forward=None):
    f = OrientationFilter(rate)
    f.update(gyr, acc)
    return f.up


def product_recording(gyr, acc, rate, forward=None):
    """A recording's orientation as the product computes it: offline VQF, then, where the
    pipeline finds walking (the simulator, its true mounting declared; never BROAD's
    hand-held motions), again without the turns' horizontal acceleration."""
    if forward is None:
        return up_in_sensor(offline_orientation(gyr, acc, rate))
    declared = Calibration(np.array([0.0, 0.0, 1.0]), forward, 0.0, 0.0, "axes", 1.0, 0.0)
    pipeline = Pipeline(rate, PipelineConfig(calibration=declared, keep_orientation=True,
                                             angle_history=False, orientation="offline"))
    pipeline.push(SampleBatch(np.arange(len(acc)) / rate, np.arange(len(acc)), acc, gyr))
    pipeline.finish(require_steps=False)
    assert pipeline.orientation is not None
    return up_in_sensor(pipeline.orientation.view)


def vqf_real_time(gyr, acc, rate, forward=None):
    return up_in_sensor(VQF(1 / rate).updateBatch(gyr, acc)["quat6D"])


def vqf_offline(gyr, acc, rate, forward=None):
    return up_in_sensor(offlineVQF(gyr, acc, None, 1 / rate)["quat6D"])


CANDIDATES = {
    "imu_monitor live (real-time VQF, rest 0.8 s)": product_live,
    "imu_monitor recordings (offline VQF, turns)": product_recording,
    "VQF 2.1 real-time, defaults": vqf_real_time,
    "VQF 2.1 offline, defaults": vqf_offline,
}


def inclination_error_deg(up: np.ndarray, truth_quat: np.ndarray, movement: np.ndarray) -> float:
    """RMS angle between the estimated and the optical vertical (sensor axes)."""
    truth = up_in_sensor(truth_quat)
    ok = movement & np.isfinite(truth).all(axis=1)
    cos = np.einsum("ij,ij->i", up[ok], truth[ok]) / np.linalg.norm(up[ok], axis=1)
    return float(np.sqrt(np.mean(np.degrees(np.arccos(np.clip(cos, -1, 1))) ** 2)))


def broad(folder: Path) -> None:
    files = sorted(folder.glob("*.npz"))
    print(f"Real motion with optical truth (BROAD, {len(files)} trials): inclination error °")
    print(f"{'filter':46s}{'mean':>7s}  per trial")
    for label, fn in CANDIDATES.items():
        errors = []
        for f in files:
            d = np.load(f)
            rate = float(d["fs"])
            up = fn(np.ascontiguousarray(d["gyr"]), np.ascontiguousarray(d["acc"]), rate)
            errors.append(inclination_error_deg(up, d["opt_quat"], d["movement"]))
        print(f"{label:46s}{np.mean(errors):7.2f}  " + " ".join(f"{e:.2f}" for e in errors))
    print("target: the recording filter ≤ 0.55° (ahead of real-time VQF)\n")


def simulator(seeds: int) -> None:
    print(f"Simulator ({seeds} seeds, {SIM_RATE:g} Hz, true mounting): obliquity RMSE ° all / "
          "away from turns, after the first standing's neutral")
    print(f"{'filter':46s}" + "".join(f"{s[:14]:>15s}" for s in SCENARIOS)
          + f"{'M samples/s':>13s}")
    recordings = {name: [simulate(get_scenario(name).build(get_scenario(name).default_seconds),
                                  SIM_RATE, seed) for seed in range(1, seeds + 1)]
                  for name in SCENARIOS}
    for label, fn in CANDIDATES.items():
        cells, speeds = [], []
        for name in SCENARIOS:
            all_rms, straight_rms = [], []
            for rec in recordings[name]:
                gyr = np.ascontiguousarray(rec.samples.gyr)
                acc = np.ascontiguousarray(rec.samples.acc)
                t0 = time.perf_counter()
                up = fn(gyr, acc, SIM_RATE, rec.truth.pelvis_from_sensor[0])
                speeds.append(len(acc) / (time.perf_counter() - t0))
                pelvis = up @ rec.truth.pelvis_from_sensor.T
                error = np.degrees(np.arcsin(np.clip(pelvis[:, 1], -1, 1))) \
                    - rec.truth.obliquity_deg
                still = (rec.truth.time_s > 0.5) & (rec.truth.time_s < 4.5)
                error -= error[still].mean()
                all_rms.append(np.sqrt(np.mean(error**2)))
                straight_rms.append(np.sqrt(np.mean(error[straight_walking(rec.truth)] ** 2)))
            cells.append(f"{np.mean(all_rms):7.2f} / {np.mean(straight_rms):4.2f}")
        print(f"{label:46s}" + "".join(f"{c:>15s}" for c in cells)
              + f"{np.median(speeds) / 1e6:13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("broad", type=Path, nargs="?", help="folder of the BROAD trials (.npz)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if args.broad is not None:
        broad(args.broad)
    simulator(args.seeds)


if __name__ == "__main__":
    main()
