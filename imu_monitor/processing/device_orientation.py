"""The orientation stage for sensors that fuse on board and send no gyroscope (Movella DOT).

Their quaternion (sensor → a z-up world, heading their own) is used as it is instead of our
filter, which must never run on invented gyro data. Obliquity and tilt need only "which way is
up", and heading is free in our world frame, so the quaternion needs no re-expression: it is
only normalised and kept in one hemisphere (q and -q are the same orientation).

Calibration still needs an angular rate (stillness, turns during the forward walk): it is the
rotation between consecutive quaternions divided by the sample interval, in sensor axes
(a backward difference: half a sample late, which stillness and turn detection do not feel).

Sample by sample with an explicit state (a kernel: ``processing/kernels.py``): any chunking of
the input gives bit-identical output.
"""

from __future__ import annotations

import math

import numpy as np

from imu_monitor.processing.kernels import kernel


@kernel("state", "out_q", "out_up", "out_rate")
def _run(n, quat_in, dt, state, out_q, out_up, out_rate):
    """Flat sequences: ``quat_in[4 * i + k]``, ``out_rate[3 * i + k]``."""
    for i in range(n):
        j, m = 3 * i, 4 * i
        w, x, y, z = quat_in[m], quat_in[m + 1], quat_in[m + 2], quat_in[m + 3]
        norm = math.sqrt(w * w + x * x + y * y + z * z)
        w, x, y, z = w / norm, x / norm, y / norm, z / norm
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
        s = math.sqrt(dx * dx + dy * dy + dz * dz)
        k = 2.0 * math.atan2(s, dw) / (s * dt) if s > 1e-12 else 2.0 / dt
        out_rate[j], out_rate[j + 1], out_rate[j + 2] = k * dx, k * dy, k * dz
        state[0], state[1], state[2], state[3] = w, x, y, z
        out_q[m], out_q[m + 1], out_q[m + 2], out_q[m + 3] = w, x, y, z
        out_up[j] = 2.0 * (x * z - w * y)
        out_up[j + 1] = 2.0 * (y * z + w * x)
        out_up[j + 2] = 1.0 - 2.0 * (x * x + y * y)


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
        _run(n, np.ascontiguousarray(quat, dtype=np.float64), 1.0 / self.rate_hz, self._state, out,
             self.up, self.rate)
        return out
