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
from imu_monitor.processing.orientation import up_in_sensor
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

RATE = 200.0
SCENARIOS = ["trendelenburg-right", "walk-varied", "run", "single-leg-stance"]


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


def complementary_up(gyr, acc, tau_s=3.0):
    """Our own baseline: gravity-vector complementary filter with rest-time gyro-bias capture."""
    k = 1 / (tau_s * RATE)
    up = acc[0] / np.linalg.norm(acc[0])
    bias = np.zeros(3)
    ups = np.empty_like(acc)
    for i in range(len(acc)):
        w = gyr[i] - bias
        up = up - np.cross(w, up) / RATE
        a = acc[i] / np.linalg.norm(acc[i])
        up = (1 - k) * up + k * a
        up /= np.linalg.norm(up)
        if np.linalg.norm(gyr[i] - bias) < 0.05 and abs(np.linalg.norm(acc[i]) - 9.81) < 0.2:
            bias += 0.01 * (gyr[i] - bias)
        ups[i] = up
    return ups


CANDIDATES = {
    "vqf (default, tauAcc 3 s)": vqf_up,
    "vqf tauAcc 10 s": lambda g, a: vqf_up(g, a, tauAcc=10.0),
    "vqf tauAcc 6 s": lambda g, a: vqf_up(g, a, tauAcc=6.0),
    "vqf tauAcc 20 s": lambda g, a: vqf_up(g, a, tauAcc=20.0),
    "imufusion (gain 0.5, rejection 10°)": imufusion_up,
    "own complementary (Python)": complementary_up,
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
    recordings = {}
    for name in SCENARIOS:
        sc = get_scenario(name)
        recordings[name] = [simulate(sc.build(sc.default_seconds), RATE, seed) for seed in (1, 2)]
    print(f"{'candidate':38s} " + " ".join(f"{s[:18]:>18s}" for s in SCENARIOS)
          + f" {'samples/s':>10s}")
    print(" " * 38 + " obliquity RMSE / tilt RMSE (deg), mean of 2 seeds")
    for label, fn in CANDIDATES.items():
        cells = []
        speeds = []
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
            cells.append(f"{np.mean(obl_rmse):8.2f} / {np.mean(tilt_rmse):5.2f}  ")
        print(f"{label:38s} " + " ".join(cells) + f" {statistics.median(speeds):10.0f}")


if __name__ == "__main__":
    main()
