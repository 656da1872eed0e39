"""A sacral IMU riding on the simulated pelvis: mounting, soft tissue, sampling, bias, drift, noise.

Specific force is ``R_ws^T (a + g·up)`` with ``a`` the second derivative of the sensor's position
and ``R_ws`` its orientation: the bone's, turned by the soft-tissue rocking, turned by the
mounting. The gyroscope reads the exact body angular velocity of that orientation. Truth (pelvic
angles of the bone, contacts, per-step peak drop, drills) travels with the samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2, drop_from_obliquity
from imu_monitor.rotations import baker_to_matrix, rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation import soft_tissue
from imu_monitor.simulation.activities import Activity
from imu_monitor.simulation.motion import Motion, build_motion
from imu_monitor.simulation.mounting import mounting_matrix
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.rows import by_rows
from imu_monitor.simulation.spectral import lowpass

ANTI_ALIAS = 0.4  # the sensor's digital low-pass, as a share of its output rate


@dataclass(frozen=True)
class SensorErrors:
    """IMU imperfections (defaults: a consumer MEMS part such as the LSM6DS3)."""

    gyro_bias_sd_dps: float = 0.6  # turn-on bias, per axis
    gyro_drift_dps_per_sqrt_s: float = 0.003  # bias random walk (≈ 0.2 °/s after an hour)
    gyro_noise_dps: float = 0.25  # white noise per sample
    acc_bias_sd_mps2: float = 0.02  # after offset calibration (firmware_notes)
    acc_noise_mps2: float = 0.05

    @classmethod
    def none(cls) -> SensorErrors:
        """A perfect sensor (for physics tests)."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass
class Truth:
    """What really happened, on the output sample times."""

    time_s: np.ndarray
    obliquity_deg: np.ndarray
    tilt_deg: np.ndarray
    rotation_deg: np.ndarray  # relative to the direction of progression
    heading_deg: np.ndarray  # direction of progression in the world
    pelvis_from_sensor: np.ndarray
    steps: list[dict] = field(default_factory=list)  # time_s, side, peak_drop_deg, amplitude
    drills: list[dict] = field(default_factory=list)
    gyro_bias_radps: np.ndarray | None = None
    tissue_rotation_rad: np.ndarray | None = None  # (n, 3) sensor on bone, pelvis axes

    def world_from_sensor(self) -> np.ndarray:
        """The sensor's true orientation (n, 3, 3): bone, soft-tissue rocking, mounting."""
        bone = baker_to_matrix(np.radians(self.heading_deg + self.rotation_deg),
                               np.radians(self.obliquity_deg), np.radians(self.tilt_deg))
        if self.tissue_rotation_rad is not None:
            bone = bone @ rotation_vector_to_matrix(self.tissue_rotation_rad)
        return bone @ self.pelvis_from_sensor

    def first(self, n: int) -> Truth:
        """The truth of the first ``n`` samples: a session cut short (a scenario's activities
        round up to whole walks) has no steps after its last sample, and no drill that had
        not ended by then (a hold cut short has no true hold, mean or sway)."""
        if n >= len(self.time_s):
            return self
        end_s = float(self.time_s[n])

        def cut(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[:n]

        return replace(
            self, time_s=self.time_s[:n], obliquity_deg=self.obliquity_deg[:n],
            tilt_deg=self.tilt_deg[:n], rotation_deg=self.rotation_deg[:n],
            heading_deg=self.heading_deg[:n], gyro_bias_radps=cut(self.gyro_bias_radps),
            tissue_rotation_rad=cut(self.tissue_rotation_rad),
            steps=[step for step in self.steps if step["time_s"] < end_s],
            drills=[drill for drill in self.drills
                    if drill.get("end_s", drill["start_s"]) < end_s])


@dataclass
class SimulatedRecording:
    """All samples of a simulated session (before any packet loss) and its truth."""

    rate_hz: float
    samples: SampleBatch
    truth: Truth


def simulate(
    activities: list[Activity],
    rate_hz: float,
    seed: int,
    mounting: str = "random",
    errors: SensorErrors | None = None,
    realism: Realism | None = None,
) -> SimulatedRecording:
    """Sample the IMU at ``rate_hz`` while the simulated patient does ``activities``.

    ``realism`` (default: on, as real data shows) adds soft tissue, heel strikes and irregular
    steps; ``Realism.none()`` gives the idealised model.
    """
    errors = SensorErrors() if errors is None else errors
    realism = Realism() if realism is None else realism
    rng = np.random.default_rng(seed)
    oversample = max(1, int(np.ceil(400.0 / rate_hz)))
    fine_rate = rate_hz * oversample
    motion = build_motion(activities, fine_rate, seed, realism)
    pelvis_from_sensor = mounting_matrix(mounting, rng)
    acc_pelvis, gyro_pelvis, tissue_rotation = _sensor_on_pelvis(motion, fine_rate, realism)

    take = slice(None, None, oversample)
    if oversample > 1:  # the sensor's own low-pass before it samples: no aliasing
        acc_pelvis = lowpass(acc_pelvis, fine_rate, ANTI_ALIAS * rate_hz)
        gyro_pelvis = lowpass(gyro_pelvis, fine_rate, ANTI_ALIAS * rate_hz)
    acc = acc_pelvis[take] @ pelvis_from_sensor  # = (pelvis_from_sensor^T @ f_p) per row
    gyr = gyro_pelvis[take] @ pelvis_from_sensor

    n = len(acc)
    dt = 1 / rate_hz
    bias = np.radians(rng.normal(0, errors.gyro_bias_sd_dps, 3)) + np.cumsum(
        rng.normal(0, np.radians(errors.gyro_drift_dps_per_sqrt_s) * np.sqrt(dt), (n, 3)),
        axis=0)
    gyr = gyr + bias + rng.normal(0, np.radians(errors.gyro_noise_dps), (n, 3))
    acc = (acc + rng.normal(0, errors.acc_bias_sd_mps2, 3)
           + rng.normal(0, errors.acc_noise_mps2, (n, 3)))

    time_s = np.arange(n) * dt
    samples = SampleBatch(time_s, np.arange(n, dtype=np.int64), acc, gyr)
    truth = Truth(
        time_s=time_s,
        obliquity_deg=np.degrees(motion.obliquity[take]),
        tilt_deg=np.degrees(motion.tilt[take]),
        rotation_deg=np.degrees(motion.rotation[take]),
        heading_deg=np.degrees(motion.heading[take]),
        pelvis_from_sensor=pelvis_from_sensor,
        steps=_true_steps(motion, time_s, np.degrees(motion.obliquity[take])),
        drills=motion.drill_truth,
        gyro_bias_radps=bias,
        # its own array: a view would keep every fine sample of the rocking
        tissue_rotation_rad=None if tissue_rotation is None
        else np.ascontiguousarray(tissue_rotation[take]),
    )
    return SimulatedRecording(rate_hz, samples, truth)


def _sensor_on_pelvis(motion: Motion, rate: float, realism: Realism
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Specific force and angular rate of the sensor, in pelvis axes turned by the tissue's
    rocking (before the mounting), and that rocking (None for a rigid sensor).

    A long session's arrays are many times its samples: each goes as soon as it has been
    used, and the per-sample rotations run a piece of rows at a time."""
    yaw, obliquity, tilt = motion.heading + motion.rotation, motion.obliquity, motion.tilt
    position = motion.position
    gyro = _body_rates(motion, rate)
    tissue = realism.tissue
    theta = None
    if tissue is not None:
        bone_acc = by_rows(soft_tissue.to_pelvis, yaw, obliquity, tilt,
                            _second_derivative(position, rate))
        moved = by_rows(soft_tissue.to_world, yaw, obliquity, tilt,
                         soft_tissue.slide(bone_acc, rate, tissue))
        moved += position  # the sensor's position: the bone's, plus its slide
        position = moved
        theta = soft_tissue.rocking(bone_acc, rate, tissue)
        del bone_acc, moved
    force = _second_derivative(position, rate)
    del position
    force += np.array([0, 0, GRAVITY_MPS2])
    force = by_rows(soft_tissue.to_pelvis, yaw, obliquity, tilt, force)
    del yaw
    if theta is not None:
        force = by_rows(soft_tissue.rotate_by_rotation_vector, theta, force, inverse=True)
        gyro = by_rows(_tissue_rates, theta, gyro, np.gradient(theta, 1 / rate, axis=0))
    return force, gyro, theta


def _tissue_rates(theta: np.ndarray, gyro: np.ndarray, theta_rate: np.ndarray) -> np.ndarray:
    """The bone's angular rate seen by a sensor turned by ``theta``, plus its own turning."""
    return (soft_tissue.rotate_by_rotation_vector(theta, gyro, inverse=True)
            + soft_tissue.body_rate(theta, theta_rate))


def _second_derivative(x: np.ndarray, rate: float) -> np.ndarray:
    return np.gradient(np.gradient(x, 1 / rate, axis=0), 1 / rate, axis=0)


def _body_rates(motion: Motion, rate: float) -> np.ndarray:
    """Exact body-frame angular velocity of ``Rz(a) @ Rx(b) @ Ry(c)`` from the angle rates."""
    a = motion.heading + motion.rotation
    b, c = motion.obliquity, motion.tilt
    da, db, dc = (np.gradient(x, 1 / rate) for x in (a, b, c))
    del a
    return by_rows(_rates_from_angles, b, c, da, db, dc)


def _rates_from_angles(b: np.ndarray, c: np.ndarray, da: np.ndarray, db: np.ndarray,
                       dc: np.ndarray) -> np.ndarray:
    return np.stack([
        db * np.cos(c) - da * np.cos(b) * np.sin(c),
        da * np.sin(b) + dc,
        db * np.sin(c) + da * np.cos(b) * np.cos(c),
    ], axis=1)


def _true_steps(motion: Motion, time_s: np.ndarray, obliquity_deg: np.ndarray) -> list[dict]:
    """Each contact with the true peak drop of the opposite hip until the next contact."""
    steps = []
    contacts = motion.contacts
    for k, (when, side, amplitude) in enumerate(contacts):
        end = contacts[k + 1][0] if k + 1 < len(contacts) else when + 0.6
        # The samples with when <= t < end (times ascend: a slice, not a mask of them all).
        first, stop = np.searchsorted(time_s, [when, end], side="left")
        if stop <= first:
            continue
        drop = drop_from_obliquity(obliquity_deg[first:stop], side)
        peak = int(np.argmax(drop))
        steps.append({"time_s": when, "side": side, "amplitude": amplitude,
                      "peak_drop_deg": float(drop[peak]),
                      "peak_time_s": float(time_s[first + peak])})
    return steps
