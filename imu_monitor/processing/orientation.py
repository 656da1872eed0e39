"""Real-time 6-axis orientation for a sacral sensor: a gait-aware complementary filter.

Why our own filter (measured against VQF and imufusion in docs/orientation.md):

* The accelerometer correction acts in the *sensor* frame (Mahony-style), so a constant
  accelerometer offset stays a constant tilt offset that the standing calibration removes.
  Filters that low-pass in the world frame (VQF) turn that offset into errors after every turn.
* The correction gain follows what the patient does: fast when standing still, slow when
  moving, almost off while turning (the centripetal pull would read as pelvic obliquity).
* Gyro bias is learned only at rest and against the accelerometer, so postural sway in a
  single-leg hold is not mistaken for bias, and gait dynamics never are.

The kernel is compiled with numba and runs sample by sample with an explicit state array, so
feeding packets or one long array gives bit-identical output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from imu_monitor.conventions import GRAVITY_MPS2

# State layout.
_Q, _BIAS, _GYR_SLOW, _GYR_FAST, _ACC_LP = slice(0, 4), slice(4, 7), slice(7, 10), \
    slice(10, 13), slice(13, 16)
_REST_T, _INIT = 16, 17
_STATE_SIZE = 18


@dataclass(frozen=True)
class FilterParams:
    """Time constants (s) and thresholds of the filter."""

    tau_rest_s: float = 0.5  # attitude correction while standing still
    tau_move_s: float = 6.0  # while walking, running, exercising
    tau_turn_s: float = 40.0  # while turning (centripetal acceleration)
    bias_gain_rest: float = 1.0  # integral gain (1/s²) of the bias loop, at rest only
    rest_min_s: float = 0.8
    rest_gyro_dev_dps: float = 3.0
    rest_acc_dev_mps2: float = 0.4
    turn_rate_dps: float = 20.0
    tau_yaw_bias_s: float = 2.0  # learning the bias about the vertical from gyro at rest


@njit(cache=True)
def _run(gyr, acc, dt, state, params, out_q, out_up, out_rest):  # pragma: no cover - compiled
    tau_rest, tau_move, tau_turn, ki, rest_min, rest_gdev, rest_adev, turn_rate, g0, tau_yaw = (
        params[0], params[1], params[2], params[3], params[4], params[5], params[6], params[7],
        params[8], params[9])
    a_slow = dt / (2.0 + dt)
    a_fast = dt / (0.05 + dt)
    a_acc = dt / (0.5 + dt)
    for i in range(gyr.shape[0]):
        gx, gy, gz = gyr[i, 0], gyr[i, 1], gyr[i, 2]
        ax, ay, az = acc[i, 0], acc[i, 1], acc[i, 2]
        an = np.sqrt(ax * ax + ay * ay + az * az)
        if state[17] == 0.0:
            # Start level with the first accelerometer reading, heading zero.
            if an > 0:
                ux, uy, uz = ax / an, ay / an, az / an
                # quaternion rotating sensor up (ux,uy,uz) onto world z
                w = 1.0 + uz
                if w < 1e-9:
                    state[0], state[1], state[2], state[3] = 0.0, 1.0, 0.0, 0.0
                else:
                    n = np.sqrt(w * w + uy * uy + ux * ux)
                    state[0], state[1], state[2], state[3] = w / n, uy / n, -ux / n, 0.0
            for k in range(3):
                state[7 + k] = gyr[i, k]
                state[10 + k] = gyr[i, k]
                state[13 + k] = acc[i, k]
            state[17] = 1.0
        # Low-passed signals for rest and turn detection.
        for k in range(3):
            state[7 + k] += a_slow * (gyr[i, k] - state[7 + k])
            state[10 + k] += a_fast * (gyr[i, k] - state[10 + k])
            state[13 + k] += a_acc * (acc[i, k] - state[13 + k])
        dgx = state[10] - state[7]
        dgy = state[11] - state[8]
        dgz = state[12] - state[9]
        dax, day, daz = ax - state[13], ay - state[14], az - state[15]
        lpn = np.sqrt(state[13] ** 2 + state[14] ** 2 + state[15] ** 2)
        still = (dgx * dgx + dgy * dgy + dgz * dgz < rest_gdev * rest_gdev
                 and dax * dax + day * day + daz * daz < rest_adev * rest_adev
                 and abs(lpn - g0) < 0.5)
        state[16] = state[16] + dt if still else 0.0
        rest = state[16] >= rest_min
        tx, ty, tz = state[7] - state[4], state[8] - state[5], state[9] - state[6]
        turning = tx * tx + ty * ty + tz * tz > turn_rate * turn_rate
        tau = tau_rest if rest else (tau_turn if turning else tau_move)
        qw, qx, qy, qz = state[0], state[1], state[2], state[3]
        # Up in sensor axes = third row of the rotation matrix.
        ux = 2.0 * (qx * qz - qw * qy)
        uy = 2.0 * (qy * qz + qw * qx)
        uz = 1.0 - 2.0 * (qx * qx + qy * qy)
        # Linear in the measured specific force (not normalised): phases of high force count
        # more and flight phases (free fall) count nothing, so over a stride the correction
        # averages the kinematic acceleration out instead of its direction.
        bx, by, bz = ax / g0, ay / g0, az / g0
        ex = by * uz - bz * uy
        ey = bz * ux - bx * uz
        ez = bx * uy - by * ux
        if rest:
            # Horizontal bias: integral of the accelerometer disagreement (immune to sway).
            state[4] -= ki * ex * dt
            state[5] -= ki * ey * dt
            state[6] -= ki * ez * dt
            # Bias about the vertical is invisible to the accelerometer: take the low-passed
            # gyro along up (sway about the vertical is negligible when standing).
            dv = ((state[7] - state[4]) * ux + (state[8] - state[5]) * uy
                  + (state[9] - state[6]) * uz) * dt / tau_yaw
            state[4] += dv * ux
            state[5] += dv * uy
            state[6] += dv * uz
        wx = gx - state[4] + ex / tau
        wy = gy - state[5] + ey / tau
        wz = gz - state[6] + ez / tau
        # q <- q * exp(w dt / 2)
        wn = np.sqrt(wx * wx + wy * wy + wz * wz)
        half = 0.5 * wn * dt
        if wn > 1e-12:
            s = np.sin(half) / wn
            c = np.cos(half)
            dw, dx, dy, dz = c, s * wx, s * wy, s * wz
            nw = qw * dw - qx * dx - qy * dy - qz * dz
            nx = qw * dx + qx * dw + qy * dz - qz * dy
            ny = qw * dy - qx * dz + qy * dw + qz * dx
            nz = qw * dz + qx * dy - qy * dx + qz * dw
            n = np.sqrt(nw * nw + nx * nx + ny * ny + nz * nz)
            qw, qx, qy, qz = nw / n, nx / n, ny / n, nz / n
        state[0], state[1], state[2], state[3] = qw, qx, qy, qz
        out_q[i, 0], out_q[i, 1], out_q[i, 2], out_q[i, 3] = qw, qx, qy, qz
        out_rest[i] = rest
        out_up[i, 0], out_up[i, 1], out_up[i, 2] = (2.0 * (qx * qz - qw * qy),
                                                    2.0 * (qy * qz + qw * qx),
                                                    1.0 - 2.0 * (qx * qx + qy * qy))


class OrientationFilter:
    """Sensor-to-world quaternions (w, x, y, z; world z up, heading free) from acc and gyro."""

    def __init__(self, rate_hz: float, params: FilterParams | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.params = params or FilterParams()
        p = self.params
        self._params = np.array([
            p.tau_rest_s, p.tau_move_s, p.tau_turn_s, p.bias_gain_rest, p.rest_min_s,
            np.radians(p.rest_gyro_dev_dps), p.rest_acc_dev_mps2, np.radians(p.turn_rate_dps),
            GRAVITY_MPS2, p.tau_yaw_bias_s,
        ])
        self._state = np.zeros(_STATE_SIZE)
        self.rest = np.zeros(0, dtype=bool)  # rest flags of the last update
        self.up = np.zeros((0, 3))  # up in sensor axes for the samples of the last update

    def update(self, gyr: np.ndarray, acc: np.ndarray) -> np.ndarray:
        """Advance by ``len(gyr)`` samples (rad/s, m/s²) and return their orientations ``(n, 4)``."""
        n = len(gyr)
        out = np.empty((n, 4))
        self.up = np.empty((n, 3))
        self.rest = np.empty(n, dtype=np.bool_)
        _run(np.ascontiguousarray(gyr, dtype=np.float64), np.ascontiguousarray(acc,
             dtype=np.float64), 1.0 / self.rate_hz, self._state, self._params, out, self.up,
             self.rest)
        return out

    @property
    def gyro_bias(self) -> np.ndarray:
        """Current gyro-bias estimate in rad/s (sensor axes)."""
        return self._state[_BIAS].copy()


def up_in_sensor(quat: np.ndarray) -> np.ndarray:
    """The world's up direction seen in sensor axes: the third row of the rotation matrix."""
    w, x, y, z = quat[:, 0], quat[:, 1], quat[:, 2], quat[:, 3]
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)

