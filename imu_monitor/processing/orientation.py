"""Real-time 6-axis orientation for a sacral sensor: a gait-aware complementary filter.

Why our own filter (measured against VQF and imufusion in docs/orientation.md):

* While the patient moves, the accelerometer is averaged in the world frame (as VQF does), so
  the pelvis swinging through each stride cannot rectify the gait accelerations into a tilt.
* At rest the correction acts directly and fast in the sensor frame, and the gyro bias is
  learned there against the accelerometer, so postural sway in a single-leg hold is never
  taken for bias. While walking straight a slow integral of the world-frame correction keeps
  refining it: a residual bias would otherwise hold the estimate a few tenths of a degree off.
* The correction gain follows what the patient does: fast when standing still, slow when
  moving, almost off while turning (the centripetal pull would read as pelvic obliquity).

The kernel is compiled with numba and runs sample by sample with an explicit state array, so
feeding packets or one long array gives bit-identical output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError

_STATE_SIZE = 21  # q(4) bias(3) gyro slow(3) gyro fast(3) acc lp(3) rest t, init, world lp(3)


@dataclass(frozen=True)
class FilterParams:
    """Time constants (s) and thresholds of the filter."""

    tau_rest_s: float = 0.5  # attitude correction while standing still
    tau_move_s: float = 4.0  # while walking or exercising
    tau_turn_s: float = 40.0  # while turning (centripetal acceleration)
    tau_world_lp_s: float = 1.0  # world-frame averaging of the specific force while moving
    bias_gain_rest: float = 1.0  # integral gain (1/s²) of the bias loop, at rest only
    tau_yaw_bias_s: float = 2.0  # learning the bias about the vertical, at rest only
    rest_min_s: float = 0.8
    rest_gyro_dev_dps: float = 3.0
    rest_acc_dev_mps2: float = 0.4
    rest_max_rate_dps: float = 4.0  # above any gyro bias: a steady turn is not rest
    quiet_gyro_dev_dps: float = 1.0  # quiet two-leg standing: the gyro reads its bias
    tau_quiet_bias_s: float = 1.0
    bias_gain_move: float = 0.015  # integral gain (1/s²) of the bias loop while walking
    turn_rate_dps: float = 20.0

    @classmethod
    def for_running(cls) -> FilterParams:
        """Running brings larger, longer accelerations: average them more."""
        return cls(tau_move_s=8.0)

    def as_array(self) -> np.ndarray:
        return np.array([
            self.tau_rest_s, self.tau_move_s, self.tau_turn_s, self.tau_world_lp_s,
            self.bias_gain_rest, self.tau_yaw_bias_s, self.rest_min_s,
            np.radians(self.rest_gyro_dev_dps), self.rest_acc_dev_mps2,
            np.radians(self.turn_rate_dps), GRAVITY_MPS2, np.radians(self.rest_max_rate_dps),
            np.radians(self.quiet_gyro_dev_dps), self.tau_quiet_bias_s, self.bias_gain_move,
        ])


@njit(cache=True)
def _run(gyr, acc, dt, state, params, out_q, out_up, out_rest):  # pragma: no cover - compiled
    tau_rest, tau_move, tau_turn, tau_lp = params[0], params[1], params[2], params[3]
    ki, tau_yaw, rest_min, rest_gdev = params[4], params[5], params[6], params[7]
    rest_adev, turn_rate, g0, rest_rate = params[8], params[9], params[10], params[11]
    quiet_dev, tau_quiet, ki_move = params[12], params[13], params[14]
    a_slow = dt / (2.0 + dt)
    a_fast = dt / (0.05 + dt)
    a_acc = dt / (0.5 + dt)
    a_world = dt / (tau_lp + dt)
    for i in range(gyr.shape[0]):
        gx, gy, gz = gyr[i, 0], gyr[i, 1], gyr[i, 2]
        ax, ay, az = acc[i, 0], acc[i, 1], acc[i, 2]
        if state[17] == 0.0:
            # Start level with the first accelerometer reading, heading zero.
            an = np.sqrt(ax * ax + ay * ay + az * az)
            if an < 1e-6:  # no gravity reading yet: start level, the correction will settle
                ax, ay, az, an = 0.0, 0.0, g0, g0
            ux, uy, uz = ax / an, ay / an, az / an
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
            state[18], state[19], state[20] = 0.0, 0.0, an / g0
            state[17] = 1.0
        # Rest: short-term gyro and acc deviations small, acc magnitude near g, for a while.
        for k in range(3):
            state[7 + k] += a_slow * (gyr[i, k] - state[7 + k])
            state[10 + k] += a_fast * (gyr[i, k] - state[10 + k])
            state[13 + k] += a_acc * (acc[i, k] - state[13 + k])
        dgx, dgy, dgz = state[10] - state[7], state[11] - state[8], state[12] - state[9]
        dax, day, daz = ax - state[13], ay - state[14], az - state[15]
        lp_norm = np.sqrt(state[13] ** 2 + state[14] ** 2 + state[15] ** 2)
        slow_rate = state[7] * state[7] + state[8] * state[8] + state[9] * state[9]
        still = (dgx * dgx + dgy * dgy + dgz * dgz < rest_gdev * rest_gdev
                 and dax * dax + day * day + daz * daz < rest_adev * rest_adev
                 and abs(lp_norm - g0) < 0.5 and slow_rate < rest_rate * rest_rate)
        state[16] = state[16] + dt if still else 0.0
        rest = state[16] >= rest_min
        # Turning: the 2 s average of the bias-free rotation rate is large.
        tx, ty, tz = state[7] - state[4], state[8] - state[5], state[9] - state[6]
        turning = tx * tx + ty * ty + tz * tz > turn_rate * turn_rate
        tau = tau_rest if rest else (tau_turn if turning else tau_move)

        qw, qx, qy, qz = state[0], state[1], state[2], state[3]
        r00 = 1 - 2 * (qy * qy + qz * qz)
        r01 = 2 * (qx * qy - qw * qz)
        r02 = 2 * (qx * qz + qw * qy)
        r10 = 2 * (qx * qy + qw * qz)
        r11 = 1 - 2 * (qx * qx + qz * qz)
        r12 = 2 * (qy * qz - qw * qx)
        ux, uy, uz = 2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy)
        # Specific force in g, in sensor axes and in world axes (averaged there).
        bx, by, bz = ax / g0, ay / g0, az / g0
        fx = r00 * bx + r01 * by + r02 * bz
        fy = r10 * bx + r11 * by + r12 * bz
        fz = ux * bx + uy * by + uz * bz
        state[18] += a_world * (fx - state[18])
        state[19] += a_world * (fy - state[19])
        state[20] += a_world * (fz - state[20])
        if rest:
            # Sensor frame: rotation rate that turns the estimated up towards the measurement.
            ex, ey, ez = by * uz - bz * uy, bz * ux - bx * uz, bx * uy - by * ux
            # Horizontal bias: integral of the disagreement (the accelerometer is clean now).
            state[4] -= ki * ex * dt
            state[5] -= ki * ey * dt
            state[6] -= ki * ez * dt
            if dgx * dgx + dgy * dgy + dgz * dgz < quiet_dev * quiet_dev:
                # Quiet two-leg standing: the low-passed gyro is the bias, on every axis.
                k = dt / tau_quiet
                state[4] += k * (state[7] - state[4])
                state[5] += k * (state[8] - state[5])
                state[6] += k * (state[9] - state[6])
            else:
                # Bias about the vertical is invisible to the accelerometer: the low-passed
                # gyro along up (sway about the vertical is negligible when standing).
                dv = ((state[7] - state[4]) * ux + (state[8] - state[5]) * uy
                      + (state[9] - state[6]) * uz) * dt / tau_yaw
                state[4] += dv * ux
                state[5] += dv * uy
                state[6] += dv * uz
        else:
            # World frame: tilt the averaged specific force onto vertical (axis F × z), then
            # express that rotation rate in sensor axes.
            fwx, fwy, fwz = state[18], state[19], state[20]
            ewx, ewy = fwy, -fwx
            ex = r00 * ewx + r10 * ewy
            ey = r01 * ewx + r11 * ewy
            ez = r02 * ewx + r12 * ewy
            if not turning:  # slow bias refinement (a centripetal pull is not bias)
                state[4] -= ki_move * ex * dt
                state[5] -= ki_move * ey * dt
                state[6] -= ki_move * ez * dt
            # The average is held in world axes, which this correction rotates: follow it.
            cx, cy = ewx * dt / tau, ewy * dt / tau
            state[18] = fwx + cy * fwz
            state[19] = fwy - cx * fwz
            state[20] = fwz + cx * fwy - cy * fwx
        wx = gx - state[4] + ex / tau
        wy = gy - state[5] + ey / tau
        wz = gz - state[6] + ez / tau
        # q <- q * exp(w dt / 2)
        wn = np.sqrt(wx * wx + wy * wy + wz * wz)
        if wn > 1e-12:
            s = np.sin(0.5 * wn * dt) / wn
            c = np.cos(0.5 * wn * dt)
            dw, dx, dy, dz = c, s * wx, s * wy, s * wz
            nw = qw * dw - qx * dx - qy * dy - qz * dz
            nx = qw * dx + qx * dw + qy * dz - qz * dy
            ny = qw * dy - qx * dz + qy * dw + qz * dx
            nz = qw * dz + qx * dy - qy * dx + qz * dw
            n = np.sqrt(nw * nw + nx * nx + ny * ny + nz * nz)
            qw, qx, qy, qz = nw / n, nx / n, ny / n, nz / n
        state[0], state[1], state[2], state[3] = qw, qx, qy, qz
        out_q[i, 0], out_q[i, 1], out_q[i, 2], out_q[i, 3] = qw, qx, qy, qz
        out_up[i, 0] = 2.0 * (qx * qz - qw * qy)
        out_up[i, 1] = 2.0 * (qy * qz + qw * qx)
        out_up[i, 2] = 1.0 - 2.0 * (qx * qx + qy * qy)
        out_rest[i] = rest


class OrientationFilter:
    """Sensor-to-world quaternions (w, x, y, z; world z up, heading free) from acc and gyro."""

    def __init__(self, rate_hz: float, params: FilterParams | None = None,
                 state: np.ndarray | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.params = params or FilterParams()
        self._params = self.params.as_array()
        self._state = np.zeros(_STATE_SIZE)
        if state is not None:  # continue where another filter stopped (see ``state``)
            if np.shape(state) != (_STATE_SIZE,) or not np.isfinite(state).all():
                raise InputDataError("The stored orientation-filter state cannot be used; "
                                     "analyse with --recalibrate.")
            self._state[:] = state
        self.rest = np.zeros(0, dtype=bool)  # rest flags of the last update
        self.up = np.zeros((0, 3))  # up in sensor axes for the samples of the last update

    def update(self, gyr: np.ndarray, acc: np.ndarray) -> np.ndarray:
        """Advance by ``len(gyr)`` samples (rad/s, m/s²); return their orientations ``(n, 4)``."""
        n = len(gyr)
        out = np.empty((n, 4))
        self.up = np.empty((n, 3))
        self.rest = np.empty(n, dtype=np.bool_)
        _run(np.ascontiguousarray(gyr, dtype=np.float64),
             np.ascontiguousarray(acc, dtype=np.float64),
             1.0 / self.rate_hz, self._state, self._params, out, self.up, self.rest)
        return out

    @property
    def state(self) -> np.ndarray:
        """The whole filter state (orientation, bias, averages): a recording that starts in the
        middle of a session stores it, so its analysis continues the live filter instead of
        converging again from a walking start."""
        return self._state.copy()

    @property
    def gyro_bias(self) -> np.ndarray:
        """Current gyro-bias estimate in rad/s (sensor axes)."""
        return self._state[4:7].copy()
