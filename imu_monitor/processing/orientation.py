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

The loop runs sample by sample with an explicit state array (interpreted for live packets,
compiled for whole recordings: ``processing/kernels.py``), so feeding packets or one long array
gives bit-identical output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.processing.kernels import kernel

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


@kernel("state", "out_q", "out_up", "out_rest")
def _run(n, gyr, acc, dt, state, params, out_q, out_up, out_rest):
    """Advance the filter by ``n`` samples (flat sequences: ``gyr[3 * i + k]``).

    The state lives in local variables inside the loop (much faster interpreted).
    """
    tau_rest, tau_move, tau_turn, tau_lp = params[0], params[1], params[2], params[3]
    ki, tau_yaw, rest_min, rest_gdev = params[4], params[5], params[6], params[7]
    rest_adev, turn_rate, g0, rest_rate = params[8], params[9], params[10], params[11]
    quiet_dev, tau_quiet, ki_move = params[12], params[13], params[14]
    a_slow = dt / (2.0 + dt)
    a_fast = dt / (0.05 + dt)
    a_acc = dt / (0.5 + dt)
    a_world = dt / (tau_lp + dt)
    qw, qx, qy, qz = state[0], state[1], state[2], state[3]
    bgx, bgy, bgz = state[4], state[5], state[6]  # gyro bias
    sgx, sgy, sgz = state[7], state[8], state[9]  # gyro, 2 s low-pass
    fgx, fgy, fgz = state[10], state[11], state[12]  # gyro, 50 ms low-pass
    lax, lay, laz = state[13], state[14], state[15]  # acc, 0.5 s low-pass
    rest_t, started = state[16], state[17]
    mwx, mwy, mwz = state[18], state[19], state[20]  # specific force (g), world, averaged
    for i in range(n):
        j = 3 * i
        gx, gy, gz = gyr[j], gyr[j + 1], gyr[j + 2]
        rax, ray, raz = acc[j], acc[j + 1], acc[j + 2]
        ax, ay, az = rax, ray, raz
        if started == 0.0:
            # Start level with the first accelerometer reading, heading zero.
            an = math.sqrt(ax * ax + ay * ay + az * az)
            if an < 1e-6:  # no gravity reading yet: start level, the correction will settle
                ax, ay, az, an = 0.0, 0.0, g0, g0
            ux, uy, uz = ax / an, ay / an, az / an
            w = 1.0 + uz
            if w < 1e-9:
                qw, qx, qy, qz = 0.0, 1.0, 0.0, 0.0
            else:
                nq = math.sqrt(w * w + uy * uy + ux * ux)
                qw, qx, qy, qz = w / nq, uy / nq, -ux / nq, 0.0
            sgx, sgy, sgz = gx, gy, gz
            fgx, fgy, fgz = gx, gy, gz
            lax, lay, laz = rax, ray, raz
            mwx, mwy, mwz = 0.0, 0.0, an / g0
            started = 1.0
        # Rest: short-term gyro and acc deviations small, acc magnitude near g, for a while.
        sgx += a_slow * (gx - sgx)
        sgy += a_slow * (gy - sgy)
        sgz += a_slow * (gz - sgz)
        fgx += a_fast * (gx - fgx)
        fgy += a_fast * (gy - fgy)
        fgz += a_fast * (gz - fgz)
        lax += a_acc * (rax - lax)
        lay += a_acc * (ray - lay)
        laz += a_acc * (raz - laz)
        dgx, dgy, dgz = fgx - sgx, fgy - sgy, fgz - sgz
        dax, day, daz = ax - lax, ay - lay, az - laz
        lp_norm = math.sqrt(lax * lax + lay * lay + laz * laz)
        slow_rate = sgx * sgx + sgy * sgy + sgz * sgz
        still = (dgx * dgx + dgy * dgy + dgz * dgz < rest_gdev * rest_gdev
                 and dax * dax + day * day + daz * daz < rest_adev * rest_adev
                 and abs(lp_norm - g0) < 0.5 and slow_rate < rest_rate * rest_rate)
        rest_t = rest_t + dt if still else 0.0
        rest = rest_t >= rest_min
        # Turning: the 2 s average of the bias-free rotation rate is large.
        tx, ty, tz = sgx - bgx, sgy - bgy, sgz - bgz
        turning = tx * tx + ty * ty + tz * tz > turn_rate * turn_rate
        tau = tau_rest if rest else (tau_turn if turning else tau_move)

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
        mwx += a_world * (fx - mwx)
        mwy += a_world * (fy - mwy)
        mwz += a_world * (fz - mwz)
        if rest:
            # Sensor frame: rotation rate that turns the estimated up towards the measurement.
            ex, ey, ez = by * uz - bz * uy, bz * ux - bx * uz, bx * uy - by * ux
            # Horizontal bias: integral of the disagreement (the accelerometer is clean now).
            bgx -= ki * ex * dt
            bgy -= ki * ey * dt
            bgz -= ki * ez * dt
            if dgx * dgx + dgy * dgy + dgz * dgz < quiet_dev * quiet_dev:
                # Quiet two-leg standing: the low-passed gyro is the bias, on every axis.
                k = dt / tau_quiet
                bgx += k * (sgx - bgx)
                bgy += k * (sgy - bgy)
                bgz += k * (sgz - bgz)
            else:
                # Bias about the vertical is invisible to the accelerometer: the low-passed
                # gyro along up (sway about the vertical is negligible when standing).
                dv = ((sgx - bgx) * ux + (sgy - bgy) * uy + (sgz - bgz) * uz) * dt / tau_yaw
                bgx += dv * ux
                bgy += dv * uy
                bgz += dv * uz
        else:
            # World frame: tilt the averaged specific force onto vertical (axis F × z), then
            # express that rotation rate in sensor axes.
            fwx, fwy, fwz = mwx, mwy, mwz
            ewx, ewy = fwy, -fwx
            ex = r00 * ewx + r10 * ewy
            ey = r01 * ewx + r11 * ewy
            ez = r02 * ewx + r12 * ewy
            if not turning:  # slow bias refinement (a centripetal pull is not bias)
                bgx -= ki_move * ex * dt
                bgy -= ki_move * ey * dt
                bgz -= ki_move * ez * dt
            # The average is held in world axes, which this correction rotates: follow it.
            cx, cy = ewx * dt / tau, ewy * dt / tau
            mwx = fwx + cy * fwz
            mwy = fwy - cx * fwz
            mwz = fwz + cx * fwy - cy * fwx
        wx = gx - bgx + ex / tau
        wy = gy - bgy + ey / tau
        wz = gz - bgz + ez / tau
        # q <- q * exp(w dt / 2)
        wn = math.sqrt(wx * wx + wy * wy + wz * wz)
        if wn > 1e-12:
            s = math.sin(0.5 * wn * dt) / wn
            c = math.cos(0.5 * wn * dt)
            dw, dx, dy, dz = c, s * wx, s * wy, s * wz
            nw = qw * dw - qx * dx - qy * dy - qz * dz
            nx = qw * dx + qx * dw + qy * dz - qz * dy
            ny = qw * dy - qx * dz + qy * dw + qz * dx
            nz = qw * dz + qx * dy - qy * dx + qz * dw
            nq = math.sqrt(nw * nw + nx * nx + ny * ny + nz * nz)
            qw, qx, qy, qz = nw / nq, nx / nq, ny / nq, nz / nq
        m = 4 * i
        out_q[m], out_q[m + 1], out_q[m + 2], out_q[m + 3] = qw, qx, qy, qz
        out_up[j] = 2.0 * (qx * qz - qw * qy)
        out_up[j + 1] = 2.0 * (qy * qz + qw * qx)
        out_up[j + 2] = 1.0 - 2.0 * (qx * qx + qy * qy)
        out_rest[i] = rest
    state[0], state[1], state[2], state[3] = qw, qx, qy, qz
    state[4], state[5], state[6] = bgx, bgy, bgz
    state[7], state[8], state[9] = sgx, sgy, sgz
    state[10], state[11], state[12] = fgx, fgy, fgz
    state[13], state[14], state[15] = lax, lay, laz
    state[16], state[17] = rest_t, started
    state[18], state[19], state[20] = mwx, mwy, mwz


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
        _run(n, np.ascontiguousarray(gyr, dtype=np.float64),
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
