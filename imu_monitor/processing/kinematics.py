"""Pelvis angles (Baker 2001) and heading-frame accelerations from the filter output.

Obliquity and tilt come from the direction of up in pelvis axes alone, so turns and heading
drift cannot enter them. Rotation is the pelvis heading relative to the direction of
progression, taken as the heading with its slow part removed (2nd-order high-pass at 0.2 Hz:
a steady turn leaves no offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.processing.calibration import Calibration
from imu_monitor.processing.filters import biquad, biquad_steady_state, butter2_highpass

ROTATION_HIGHPASS_HZ = 0.2


@dataclass(frozen=True)
class KinematicsBatch:
    """Angles in degrees and accelerations in m/s² (heading frame, gravity removed)."""

    obliquity_deg: np.ndarray
    tilt_deg: np.ndarray
    rotation_deg: np.ndarray
    heading_deg: np.ndarray  # continuous pelvis heading (its slow part is the walking path)
    forward_acc: np.ndarray
    lateral_acc: np.ndarray
    vertical_acc: np.ndarray


def rotate(quat: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (n, 3) — or one vector (3,) — by unit quaternions ``quat`` (n, 4)."""
    w, x, y, z = quat[:, 0], quat[:, 1], quat[:, 2], quat[:, 3]
    vx, vy, vz = (v[..., 0], v[..., 1], v[..., 2])
    # t = 2 q_vec × v ; v' = v + w t + q_vec × t
    tx = 2 * (y * vz - z * vy)
    ty = 2 * (z * vx - x * vz)
    tz = 2 * (x * vy - y * vx)
    return np.stack([vx + w * tx + (y * tz - z * ty),
                     vy + w * ty + (z * tx - x * tz),
                     vz + w * tz + (x * ty - y * tx)], axis=1)


class PelvisKinematics:
    """Streaming: angles and accelerations for consecutive chunks of filter output."""

    def __init__(self, calibration: Calibration, rate_hz: float) -> None:
        self.pelvis_from_sensor = calibration.pelvis_from_sensor
        self._b, self._a = butter2_highpass(ROTATION_HIGHPASS_HZ, rate_hz)
        self._zi: np.ndarray | None = None
        self._last_heading: float | None = None  # raw heading of the last sample so far
        self._turns = 0.0  # whole turns added by unwrapping so far (an integer: exact)

    def update(self, quat: np.ndarray, up_sensor: np.ndarray, acc: np.ndarray) -> KinematicsBatch:
        """Angles and accelerations of the samples in this chunk."""
        quat = np.asarray(quat, dtype=np.float64)
        pelvis_up = np.asarray(up_sensor, dtype=np.float64) @ self.pelvis_from_sensor.T
        obliquity = np.degrees(np.arcsin(np.clip(pelvis_up[:, 1], -1.0, 1.0)))
        tilt = np.degrees(np.arctan2(-pelvis_up[:, 0], pelvis_up[:, 2]))
        # Pelvis left axis in the world: its heading is Baker's rotation angle.
        left = rotate(quat, self.pelvis_from_sensor[1])
        heading = self._unwrapped(np.arctan2(-left[:, 0], left[:, 1]))
        world_acc = rotate(quat, np.asarray(acc, dtype=np.float64))
        ch, sh = np.cos(heading), np.sin(heading)
        forward = ch * world_acc[:, 0] + sh * world_acc[:, 1]
        lateral = -sh * world_acc[:, 0] + ch * world_acc[:, 1]
        vertical = world_acc[:, 2] - GRAVITY_MPS2
        rotation = heading
        if len(heading):
            if self._zi is None:
                self._zi = biquad_steady_state(self._b, self._a) * heading[0]
            rotation, self._zi = biquad(self._b, self._a, heading, self._zi)
        return KinematicsBatch(obliquity, tilt, np.degrees(rotation), np.degrees(heading),
                               forward, lateral, vertical)

    def _unwrapped(self, heading: np.ndarray) -> np.ndarray:
        """Continuous heading (rad): whole turns added where it wraps, across chunks."""
        if not len(heading):
            return heading
        first = heading[0] if self._last_heading is None else self._last_heading
        jumps = np.diff(heading, prepend=first)
        turns = self._turns - np.cumsum(np.round(jumps / (2.0 * np.pi)))
        self._last_heading, self._turns = float(heading[-1]), float(turns[-1])
        return heading + 2.0 * np.pi * turns
