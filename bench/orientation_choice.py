"""Which 6-axis orientation filter? Accuracy of obliquity and tilt on simulated sessions, and speed.

Run: python bench/orientation_choice.py
Each candidate sees the same simulated samples (random mounting, gyro bias and drift, noise);
errors are against the simulator's true pelvic angles, with the true mounting, so only the
filter is judged. Figures are written into docs/orientation.md by hand.
"""

from __future__ import annotations

import statistics
import time

import imufusion
import numpy as np
from vqf import VQF

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.processing import kernels
from imu_monitor.processing.orientation import FilterParams, OrientationFilter
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import SensorErrors, simulate

RATE = 200.0
SCENARIOS = ["trendelenburg-right", "walk-varied", "run", "single-leg-stance", "step-down"]


def up_in_sensor(quat):
    """World up seen in sensor axes: the third row of each quaternion's rotation matrix."""
    w, x, y, z = quat.T
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], 1)


def vqf_up(gyr, acc, **params):
    out = VQF(1 / RATE, **params).updateBatch(gyr, acc)
    return up_in_sensor(out["quat6D"])


def imufusion_up(gyr, acc):
    """x-io Fusion: gain 0.5, acceleration rejection 10°, its own gyro offset (bias) tracker."""
    settings = imufusion.AhrsSettings()
    settings.sample_rate = RATE
    settings.gain = 0.5
    settings.acceleration_rejection = 10.0
    settings.rejection_timeout = 5 * RATE
    ahrs = imufusion.Ahrs()
    ahrs.set_settings(settings)
    bias_settings = imufusion.BiasSettings()
    bias_settings.sample_rate = RATE
    bias = imufusion.Bias()
    bias.set_settings(bias_settings)
    ups = np.empty_like(acc)
    g_dps, a_g = np.degrees(gyr), acc / GRAVITY_MPS2
    for i in range(len(acc)):
        ahrs.update_no_magnetometer(bias.update(g_dps[i]), a_g[i])
        ups[i] = ahrs.get_gravity()
    return ups


def ours_up(gyr, acc, **params):
    f = OrientationFilter(RATE, FilterParams(**params))
    f.update(gyr, acc)
    return f.up


CANDIDATES = {
    "imu_monitor filter (chosen)": ours_up,
    "imu_monitor filter, no world averaging": lambda g, a: ours_up(g, a, tau_world_lp_s=1e-6),
    "vqf (default, tauAcc 3 s)": vqf_up,
    "vqf tauAcc 6 s, no motion bias": lambda g, a: vqf_up(g, a, tauAcc=6.0,
                                                          motionBiasEstEnabled=False),
    "imufusion (gain 0.5, rejection 10°)": imufusion_up,
}


def angle_errors(up_sensor, truth):
    up = up_sensor @ truth.pelvis_from_sensor.T
    obl = np.degrees(np.arcsin(np.clip(up[:, 1], -1, 1)))
    tilt = np.degrees(np.arctan2(-up[:, 0], up[:, 2]))
    # As the standing calibration does: neutral = the first seconds of quiet standing.
    still = (truth.time_s > 0.5) & (truth.time_s < 4.5)
    eo, et = obl - truth.obliquity_deg, tilt - truth.tilt_deg
    return eo - eo[still].mean(), et - et[still].mean()


def main() -> None:
    # A filter over a whole recording, as the batch path runs ours on long recordings:
    # compiled (these sessions are shorter than the length from which that happens).
    kernels.COMPILE_FROM_SAMPLES = 0
    for acc_bias in (0.02, 0.05):
        errors = SensorErrors(acc_bias_sd_mps2=acc_bias)
        recordings = {}
        for name in SCENARIOS:
            sc = get_scenario(name)
            recordings[name] = [simulate(sc.build(sc.default_seconds), RATE, seed,
                                         errors=errors) for seed in (1, 2, 3)]
        print(f"\naccelerometer offset SD {acc_bias} m/s² per axis; obliquity RMSE / tilt RMSE "
              "(deg), mean of 3 seeds, after the standing neutral")
        print(f"{'candidate':40s}" + "".join(f"{s[:19]:>20s}" for s in SCENARIOS)
              + f"{'samples/s':>12s}")
        for label, fn in CANDIDATES.items():
            cells, speeds = [], []
            for name in SCENARIOS:
                obl_rmse, tilt_rmse = [], []
                for rec in recordings[name]:
                    gyr = np.ascontiguousarray(rec.samples.gyr)
                    acc = np.ascontiguousarray(rec.samples.acc)
                    t0 = time.perf_counter()
                    up = fn(gyr, acc)
                    speeds.append(len(acc) / (time.perf_counter() - t0))
                    eo, et = angle_errors(up, rec.truth)
                    obl_rmse.append(np.sqrt(np.mean(eo**2)))
                    tilt_rmse.append(np.sqrt(np.mean(et**2)))
                cells.append(f"{np.mean(obl_rmse):9.2f} / {np.mean(tilt_rmse):5.2f}   ")
            print(f"{label:40s}" + "".join(cells) + f"{statistics.median(speeds):12,.0f}")
    rec = recordings[SCENARIOS[0]][0]
    kernels.COMPILE_FROM_SAMPLES = 10**12
    t0 = time.perf_counter()
    ours_up(np.ascontiguousarray(rec.samples.gyr), np.ascontiguousarray(rec.samples.acc))
    print(f"\nour filter interpreted, as live packets run it: "
          f"{len(rec.samples) / (time.perf_counter() - t0):,.0f} samples/s")


if __name__ == "__main__":
    main()
