"""The orientation stage for sensors that fuse on board and send no gyroscope (Movella DOT).

Their quaternion (sensor → a z-up world, heading their own) is used as it is instead of our
filter, which must never run on invented gyro data. Obliquity and tilt need only "which way is
up", and heading is free in our world frame, so the quaternion needs no re-expression: it is
only normalised and kept in one hemisphere (q and -q are the same orientation).

Calibration still needs an angular rate (stillness, turns during the forward walk): it is the
rotation between consecutive quaternions divided by the sample interval, in sensor axes
(a backward difference: half a sample late, which stillness and turn detection do not feel).

Vectorised, with the previous quaternion as the only state: any chunking of the input gives
the same output.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.processing.orientation import up_in_sensor


class DeviceOrientation:
    """Streaming: the sensor's own quaternions in, orientation, up and angular rate out."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = float(rate_hz)
        self._previous: np.ndarray | None = None  # the last quaternion given out
        self.up = np.zeros((0, 3))  # up in sensor axes for the samples of the last update
        self.rate = np.zeros((0, 3))  # rad/s, sensor axes, for the samples of the last update

    def update(self, quat: np.ndarray) -> np.ndarray:
        """Advance by ``len(quat)`` samples (w, x, y, z); return their orientations ``(n, 4)``."""
        q = np.asarray(quat, dtype=np.float64).reshape(-1, 4)
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
        if not len(q):
            self.up, self.rate = np.zeros((0, 3)), np.zeros((0, 3))
            return q
        previous = q[0] if self._previous is None else self._previous
        # One hemisphere: each sample's sign continues the one before it.
        before = np.concatenate([previous[None], q[:-1]])
        flips = np.sum(before * q, axis=1) < 0.0
        q *= np.where(np.cumsum(flips) % 2 == 1, -1.0, 1.0)[:, None]
        before = np.concatenate([previous[None], q[:-1]])
        self.rate = self._angular_rate(before, q)
        self.up = up_in_sensor(q)
        self._previous = q[-1].copy()
        return q

    def _angular_rate(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Rotation from each quaternion to the next, in sensor axes (conj(p) * q), per
        second."""
        pw, px, py, pz = before.T
        w, x, y, z = after.T
        dw = pw * w + px * x + py * y + pz * z
        d = np.stack([pw * x - px * w - py * z + pz * y,
                      pw * y + px * z - py * w - pz * x,
                      pw * z - px * y + py * x - pz * w], axis=1)
        s = np.linalg.norm(d, axis=1)
        moved = s > 1e-12
        k = np.full(len(s), 2.0 * self.rate_hz)
        k[moved] = 2.0 * np.arctan2(s[moved], dw[moved]) / s[moved] * self.rate_hz
        return d * k[:, None]
