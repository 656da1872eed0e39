"""Pelvis angles (Baker 2001) and heading-frame accelerations from the filter output.

Obliquity and tilt come from the direction of up in pelvis axes alone, so turns and heading
drift cannot enter them. Rotation is the pelvis heading relative to the direction of
progression, taken as the heading with its slow part removed (2nd-order high-pass at 0.2 Hz:
a steady turn leaves no offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter, lfilter_zi

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.processing.calibration import Calibration

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
    w = quat[:, :1]
    u = quat[:, 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


class PelvisKinematics:
    """Streaming: angles and accelerations for consecutive chunks of filter output."""

    def __init__(self, calibration: Calibration, rate_hz: float) -> None:
        self.pelvis_from_sensor = calibration.pelvis_from_sensor
        self._left_axis = self.pelvis_from_sensor[1]  # pelvis y in sensor axes
        self._b, self._a = butter(2, ROTATION_HIGHPASS_HZ / (rate_hz / 2), btype="high")
        self._zi: np.ndarray | None = None
        self._last_heading: float | None = None
        self._turns = 0  # whole turns added by unwrapping so far

    def update(self, quat: np.ndarray, up_sensor: np.ndarray, acc: np.ndarray) -> KinematicsBatch:
        """Angles and accelerations of the samples in this chunk."""
        up = up_sensor @ self.pelvis_from_sensor.T
        obliquity = np.degrees(np.arcsin(np.clip(up[:, 1], -1.0, 1.0)))
        tilt = np.degrees(np.arctan2(-up[:, 0], up[:, 2]))
        left_world = rotate(quat, self._left_axis)
        heading = self._unwrap(np.arctan2(-left_world[:, 0], left_world[:, 1]))
        if self._zi is None and len(heading):
            self._zi = lfilter_zi(self._b, self._a) * heading[0]
        rotation = heading
        if len(heading):
            rotation, self._zi = lfilter(self._b, self._a, heading, zi=self._zi)
        acc_world = rotate(quat, acc)
        c, s = np.cos(heading), np.sin(heading)
        return KinematicsBatch(
            obliquity,
            tilt,
            np.degrees(rotation),
            c * acc_world[:, 0] + s * acc_world[:, 1],
            -s * acc_world[:, 0] + c * acc_world[:, 1],
            acc_world[:, 2] - GRAVITY_MPS2,
        )

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
