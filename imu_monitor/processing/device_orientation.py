"""The orientation stage for sensors that fuse on board and send no gyroscope (Movella DOT).

Their quaternion (sensor → a z-up world, heading their own) is used as it is instead of our
filter, which must never run on invented gyro data. Obliquity and tilt need only "which way is
up", and heading is free in our world frame, so the quaternion needs no re-expression: it is
only normalised and kept in one hemisphere (q and -q are the same orientation).

Calibration still needs an angular rate (stillness, turns during the forward walk): it is the
rotation between consecutive quaternions divided by the sample interval, in sensor axes
(a backward difference: half a sample late, which stillness and turn detection do not feel).

Compiled with numba, sample by sample with an explicit state: any chunking of the input gives
bit-identical output.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _run(quat_in, dt, state, out_q, out_up, out_rate):  # pragma: no cover - compiled
    for i in range(quat_in.shape[0]):
        w, x, y, z = quat_in[i, 0], quat_in[i, 1], quat_in[i, 2], quat_in[i, 3]
        n = np.sqrt(w * w + x * x + y * y + z * z)
        w, x, y, z = w / n, x / n, y / n, z / n
        pw, px, py, pz = state[0], state[1], state[2], state[3]
        if state[4] == 0.0:
            pw, px, py, pz = w, x, y, z
            state[4] = 1.0
        if pw * w + px * x + py * y + pz * z < 0.0:
            w, x, y, z = -w, -x, -y, -z
        # Rotation from the previous sample to this one, in sensor axes: conj(p) * q.
        dw = pw * w + px * x + py * y + pz * z
        dx = pw * x - px * w - py * z + pz * y
        dy = pw * y + px * z - py * w - pz * x
        dz = pw * z - px * y + py * x - pz * w
        s = np.sqrt(dx * dx + dy * dy + dz * dz)
        k = 2.0 * np.arctan2(s, dw) / (s * dt) if s > 1e-12 else 2.0 / dt
        out_rate[i, 0], out_rate[i, 1], out_rate[i, 2] = k * dx, k * dy, k * dz
        state[0], state[1], state[2], state[3] = w, x, y, z
        out_q[i, 0], out_q[i, 1], out_q[i, 2], out_q[i, 3] = w, x, y, z
        out_up[i, 0] = 2.0 * (x * z - w * y)
        out_up[i, 1] = 2.0 * (y * z + w * x)
        out_up[i, 2] = 1.0 - 2.0 * (x * x + y * y)


class DeviceOrientation:
    """Streaming: the sensor's own quaternions in, orientation, up and angular rate out."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = float(rate_hz)
        self._state = np.zeros(5)  # previous quaternion, started flag
        self.up = np.zeros((0, 3))  # up in sensor axes for the samples of the last update
        self.rate = np.zeros((0, 3))  # rad/s, sensor axes, for the samples of the last update

    def update(self, quat: np.ndarray) -> np.ndarray:
        """Advance by ``len(quat)`` samples (w, x, y, z); return their orientations ``(n, 4)``."""
        n = len(quat)
        out = np.empty((n, 4))
        self.up = np.empty((n, 3))
        self.rate = np.empty((n, 3))
        _run(np.ascontiguousarray(quat, dtype=np.float64), 1.0 / self.rate_hz, self._state, out,
             self.up, self.rate)
        return out
