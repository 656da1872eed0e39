"""Pelvis angles (Baker 2001) and heading-frame accelerations from the filter output.

Obliquity and tilt come from the direction of up in pelvis axes alone, so turns and heading
drift cannot enter them. Rotation is the pelvis heading relative to the direction of
progression, taken as the heading with its slow part removed (2nd-order high-pass at 0.2 Hz:
a steady turn leaves no offset).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.processing.calibration import Calibration
from imu_monitor.processing.filters import biquad, biquad_steady_state, butter2_highpass
from imu_monitor.processing.kernels import kernel

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


@kernel("state", "out")
def _kernel(n, quat, up_sensor, acc, c, state, out):
    """Per sample: obliquity, tilt (deg), continuous pelvis heading (rad), heading-frame
    accelerations.

    Flat sequences: ``quat[4 * i + k]``, ``c`` the pelvis-from-sensor matrix row by row, and
    ``out[n * row + i]`` for the six rows. ``state``: last raw heading, whole turns added by
    unwrapping so far (an integer: exact), started.
    """
    rad2deg = 180.0 / math.pi
    two_pi = 2.0 * math.pi
    last, turns, started = state[0], int(state[1]), state[2]
    c00, c01, c02, c10, c11, c12, c20, c21, c22 = c[0], c[1], c[2], c[3], c[4], c[5], c[6], \
        c[7], c[8]
    for i in range(n):
        j, m = 3 * i, 4 * i
        ux, uy, uz = up_sensor[j], up_sensor[j + 1], up_sensor[j + 2]
        px = c00 * ux + c01 * uy + c02 * uz
        py = c10 * ux + c11 * uy + c12 * uz
        pz = c20 * ux + c21 * uy + c22 * uz
        out[i] = math.asin(min(1.0, max(-1.0, py))) * rad2deg
        out[n + i] = math.atan2(-px, pz) * rad2deg
        w, x, y, z = quat[m], quat[m + 1], quat[m + 2], quat[m + 3]
        r00, r01, r02 = 1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)
        r10, r11, r12 = 2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)
        r20, r21, r22 = 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)
        # Pelvis left axis in the world: its heading is Baker's rotation angle.
        lx = r00 * c10 + r01 * c11 + r02 * c12
        ly = r10 * c10 + r11 * c11 + r12 * c12
        heading = math.atan2(-lx, ly)
        if started == 0.0:
            last, started = heading, 1.0
        turns -= round((heading - last) / two_pi)
        last = heading
        out[2 * n + i] = heading + two_pi * turns
        ax, ay, az = acc[j], acc[j + 1], acc[j + 2]
        wx = r00 * ax + r01 * ay + r02 * az
        wy = r10 * ax + r11 * ay + r12 * az
        ch, sh = math.cos(heading), math.sin(heading)
        out[3 * n + i] = ch * wx + sh * wy
        out[4 * n + i] = -sh * wx + ch * wy
        out[5 * n + i] = r20 * ax + r21 * ay + r22 * az - GRAVITY_MPS2
    state[0], state[1], state[2] = last, turns, started


class PelvisKinematics:
    """Streaming: angles and accelerations for consecutive chunks of filter output."""

    def __init__(self, calibration: Calibration, rate_hz: float) -> None:
        self.pelvis_from_sensor = calibration.pelvis_from_sensor
        self._b, self._a = butter2_highpass(ROTATION_HIGHPASS_HZ, rate_hz)
        self._zi: np.ndarray | None = None
        self._state = np.zeros(3)  # see _kernel

    def update(self, quat: np.ndarray, up_sensor: np.ndarray, acc: np.ndarray) -> KinematicsBatch:
        """Angles and accelerations of the samples in this chunk."""
        n = len(quat)
        out = np.empty((6, n))
        _kernel(n, np.ascontiguousarray(quat, dtype=np.float64),
                np.ascontiguousarray(up_sensor, dtype=np.float64),
                np.ascontiguousarray(acc, dtype=np.float64),
                np.ascontiguousarray(self.pelvis_from_sensor), self._state, out)
        obliquity, tilt, heading, forward, lateral, vertical = out
        if self._zi is None and n:
            self._zi = biquad_steady_state(self._b, self._a) * heading[0]
        rotation = heading
        if n:
            rotation, self._zi = biquad(self._b, self._a, heading, self._zi)
        return KinematicsBatch(obliquity, tilt, np.degrees(rotation), np.degrees(heading),
                               forward, lateral, vertical)
