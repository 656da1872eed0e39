"""Pelvis angles (Baker 2001) and heading-frame accelerations from the filter output.

Obliquity and tilt come from the direction of up in pelvis axes alone, so turns and heading
drift cannot enter them. Rotation is the pelvis heading relative to the direction of
progression, taken as the heading with its slow part removed (2nd-order high-pass at 0.2 Hz:
a steady turn leaves no offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

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


@njit(cache=True)
def _kernel(quat, up_sensor, acc, pelvis_from_sensor, out):  # pragma: no cover - compiled
    """Per sample: obliquity, tilt (deg), pelvis heading (rad), heading-frame accelerations."""
    c = pelvis_from_sensor
    rad2deg = 180.0 / np.pi
    for i in range(quat.shape[0]):
        ux, uy, uz = up_sensor[i, 0], up_sensor[i, 1], up_sensor[i, 2]
        px = c[0, 0] * ux + c[0, 1] * uy + c[0, 2] * uz
        py = c[1, 0] * ux + c[1, 1] * uy + c[1, 2] * uz
        pz = c[2, 0] * ux + c[2, 1] * uy + c[2, 2] * uz
        out[0, i] = np.arcsin(min(1.0, max(-1.0, py))) * rad2deg
        out[1, i] = np.arctan2(-px, pz) * rad2deg
        w, x, y, z = quat[i, 0], quat[i, 1], quat[i, 2], quat[i, 3]
        r00, r01, r02 = 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)
        r10, r11, r12 = 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)
        r20, r21, r22 = 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)
        # Pelvis left axis in the world: its heading is Baker's rotation angle.
        lx = r00 * c[1, 0] + r01 * c[1, 1] + r02 * c[1, 2]
        ly = r10 * c[1, 0] + r11 * c[1, 1] + r12 * c[1, 2]
        heading = np.arctan2(-lx, ly)
        out[2, i] = heading
        ax, ay, az = acc[i, 0], acc[i, 1], acc[i, 2]
        wx = r00 * ax + r01 * ay + r02 * az
        wy = r10 * ax + r11 * ay + r12 * az
        ch, sh = np.cos(heading), np.sin(heading)
        out[3, i] = ch * wx + sh * wy
        out[4, i] = -sh * wx + ch * wy
        out[5, i] = r20 * ax + r21 * ay + r22 * az - GRAVITY_MPS2


class PelvisKinematics:
    """Streaming: angles and accelerations for consecutive chunks of filter output."""

    def __init__(self, calibration: Calibration, rate_hz: float) -> None:
        self.pelvis_from_sensor = calibration.pelvis_from_sensor
        self._b, self._a = butter2_highpass(ROTATION_HIGHPASS_HZ, rate_hz)
        self._zi: np.ndarray | None = None
        self._last_heading: float | None = None
        self._turns = 0  # whole turns added by unwrapping so far

    def update(self, quat: np.ndarray, up_sensor: np.ndarray, acc: np.ndarray) -> KinematicsBatch:
        """Angles and accelerations of the samples in this chunk."""
        n = len(quat)
        out = np.empty((6, n))
        _kernel(np.ascontiguousarray(quat), np.ascontiguousarray(up_sensor),
                np.ascontiguousarray(acc, dtype=np.float64), self.pelvis_from_sensor, out)
        obliquity, tilt, raw_heading, forward, lateral, vertical = out
        heading = self._unwrap(raw_heading)
        if self._zi is None and n:
            self._zi = biquad_steady_state(self._b, self._a) * heading[0]
        rotation = heading
        if n:
            rotation, self._zi = biquad(self._b, self._a, heading, self._zi)
        return KinematicsBatch(obliquity, tilt, np.degrees(rotation), forward, lateral, vertical)

    def _unwrap(self, heading: np.ndarray) -> np.ndarray:
        """Continuous heading across chunks (whole turns counted as integers: exact)."""
        if not len(heading):
            return heading
        prev = heading[0] if self._last_heading is None else self._last_heading
        steps = np.diff(np.concatenate([[prev], heading]))
        jumps = -np.round(steps / (2 * np.pi)).astype(np.int64)
        turns = self._turns + np.cumsum(jumps)
        self._turns = int(turns[-1])
        self._last_heading = float(heading[-1])
        return heading + 2 * np.pi * turns
