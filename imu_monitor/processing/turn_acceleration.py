"""The horizontal acceleration of turns, estimated from the recording so the accelerometer can
be freed of it before the offline filter runs again.

Why: an accelerometer cannot tell a horizontal acceleration from a tilt, so every inclination
filter is pulled toward it. Walking straight at a steady pace, the pelvis's horizontal
acceleration averages out over a stride; in a turn it does not — toward the centre of an arc
(speed × turn rate), and along the path when the walker brakes into a U-turn on the spot while
the pelvis, leading the path by tens of degrees, has already turned. Offline VQF spreads that
pull over a second or two either side of each turn: over a degree of false obliquity.

How, without a model of the walker: the filter's orientation is followed bin by bin (``BIN_S``)
and what its accelerometer correction changed in each bin, beyond the gyroscope (less offline
VQF's bias), is added up. The horizontal specific force read in the world through the filter,
less the gravity that accumulated correction put there, is then the true horizontal
acceleration plus the slow tilt error of the gyroscope alone. That error is a random walk;
the acceleration, averaged over a stride, is nothing but noise when walking straight and
anything during a turn. A Kalman smoother per horizontal axis (``_smoothed_random_walk``)
pins the gyroscope's error on the straight stretches and carries it across each turn; what
the turn leaves over is its acceleration, taken off the accelerometer.
"""

from __future__ import annotations

import math

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.processing.kinematics import rotate

BIN_S = 0.1  # the estimate's time step
STRIDE_S = 1.0  # averaging that removes the stride's own sway and yaw
# A turn: the stride-averaged rate about the vertical above this, while walking (the model —
# nothing sustained in the horizontal when going straight — is a walker's, not that of a
# sensor moved by hand), widened by TURN_MARGIN_S.
TURNING_RADPS = 0.3
TURN_MARGIN_S = 0.5
# Longer than this, "turning" is circling: the gyroscope alone would carry the tilt for too
# long, so such a stretch is left to the filter as it is.
MAX_TURN_S = 8.0
# The smoother's noise: stride-averaged horizontal acceleration when walking straight, and
# the growth of the gyroscope's own tilt error (as a horizontal acceleration, per bin).
STRAIGHT_MPS2 = 0.15
TURN_MPS2 = 3.0
DRIFT_MPS2_PER_BIN = math.sqrt(1e-5)
# Where a long gap restarted the filter, its tilt error may jump by anything; across a short
# gap the filter runs on, bridged, and its error moves by what the bridge got wrong (a lost
# 0.1 s of walking: about 1°, 0.17 m/s²). Allowing any jump there too left a running U-turn
# between a long gap and a short one pinned by two bins: its correction was 1.1 m/s² off
# and the steps after it read 4–5° off (5 % of packets lost, simulated running).
LOST_STEP_MPS2 = 10.0
BRIDGED_STEP_MPS2 = 0.3
PIECE = 65_536  # samples per piece of the per-sample rotations (no long temporaries)


def without_turn_acceleration(quat: np.ndarray, acc: np.ndarray, gyr: np.ndarray,
                              bias_bins: np.ndarray, rate_hz: float, usable: np.ndarray,
                              walking: np.ndarray, runs: np.ndarray | None = None,
                              out: np.ndarray | None = None) -> np.ndarray | None:
    """The accelerometer ``acc`` (n, 3) less the horizontal acceleration of the turns, into
    ``out`` or a new array; None when the recording has no turns.

    ``quat``: the offline filter's orientation (sensor to world, z up); ``bias_bins``: its
    gyro-bias estimate at every ``bin_samples(rate_hz)``-th sample (``offline_vqf``'s
    ``bias_out``); ``usable``: the measured samples (bins with lost data give no evidence);
    ``walking``: the samples of walking bouts (only their turns are corrected); ``runs``:
    the samples the filter ran through continuously, short gaps bridged (``usable`` when not
    given: every gap restarted it)."""
    size = bin_samples(rate_hz)
    n = len(quat)
    if n < 3 * size:
        return None
    starts = np.arange(0, n - size, size)  # bins whose end is a sample
    stride = max(1, round(STRIDE_S * rate_hz / size))  # bins
    evidence = _binned_evidence(quat, acc, gyr, bias_bins, usable, walking, starts, size,
                                stride, rate_hz)
    if evidence is None:
        return None
    horizontal, turning, measured = evidence
    runs = usable if runs is None else runs
    restarted = np.logical_or.reduceat(
        np.asarray(runs, bool) & ~np.concatenate([[True], runs[:-1]]), starts)
    noise = np.where(turning, TURN_MPS2, STRAIGHT_MPS2) ** 2
    noise[~measured | _across(restarted, stride)] = np.inf
    # Across lost data the filter's stretches are joined, not followed: the gyroscope's
    # error starts afresh there.
    step = np.where(restarted, LOST_STEP_MPS2 ** 2,
                    np.where(measured, DRIFT_MPS2_PER_BIN ** 2, BRIDGED_STEP_MPS2 ** 2))
    acceleration = np.zeros((len(starts), 3))
    for axis in range(2):
        drift = _smoothed_random_walk(horizontal[:, axis], noise, step)
        acceleration[:, axis] = np.where(turning, horizontal[:, axis] - drift, 0.0)
    centres = starts + (size - 1) / 2
    out = np.empty((n, 3)) if out is None else out
    for a in range(0, n, PIECE):
        b = min(n, a + PIECE)
        at = np.arange(a, b)
        world = np.stack([np.interp(at, centres, acceleration[:, 0]),
                          np.interp(at, centres, acceleration[:, 1]), np.zeros(b - a)], axis=1)
        np.subtract(acc[a:b], rotate(_inverse(quat[a:b]), world), out=out[a:b])
    return out


def bin_samples(rate_hz: float) -> int:
    """Samples per bin of the estimate (and per bias value it is given)."""
    return max(1, round(BIN_S * rate_hz))


def _binned_evidence(quat, acc, gyr, bias_bins, usable, walking, starts, size, stride,
                     rate_hz):
    """Per bin, averaged over a stride of measured samples: the horizontal specific force in
    the world less the gravity the filter's accumulated correction put there (m/s², x and y);
    whether it is a turn; whether all its samples were measured. None without turns."""
    force, turn_rate, counted = _bin_sums(quat, acc, gyr, usable, starts, size)
    measured = counted == size
    per_stride = np.maximum(_moving_mean(counted.astype(np.float64), stride), 1e-9)
    correction = np.cumsum(_filter_corrections(quat, gyr, bias_bins, starts, size, rate_hz),
                           axis=0)
    correction = np.concatenate([np.zeros((1, 3)), correction[:-1]])  # before each bin
    # A small world rotation ε of the estimate moves gravity's reading by g (ε_y, −ε_x).
    force[:, 0] -= counted * GRAVITY_MPS2 * correction[:, 1]
    force[:, 1] += counted * GRAVITY_MPS2 * correction[:, 0]
    horizontal = np.stack([_moving_mean(force[:, k], stride) / per_stride
                           for k in range(2)], axis=1)
    walking_bins = np.logical_or.reduceat(np.asarray(walking, bool), starts)
    turning = _turns(_moving_mean(turn_rate, stride) / per_stride, walking_bins,
                     rate_hz / size)
    if not turning.any():
        return None
    return horizontal, turning, measured


def _bin_sums(quat, acc, gyr, usable, starts, size):
    """Per bin, over its measured samples only: the sums of the horizontal specific force in
    the world (x, y) and of the turn rate about the vertical, and how many there were."""
    nb = len(starts)
    force, turn_rate, counted = np.empty((nb, 2)), np.empty(nb), np.empty(nb, dtype=np.int64)
    per_piece = max(1, PIECE // size)
    for k in range(0, nb, per_piece):
        first, stop = starts[k], starts[min(nb, k + per_piece) - 1] + size
        local = starts[k:k + per_piece] - first
        q = quat[first:stop]
        weight = np.asarray(usable[first:stop], dtype=np.float64)
        force[k:k + len(local)] = np.add.reduceat(
            rotate(q, acc[first:stop])[:, :2] * weight[:, None], local, axis=0)
        turn_rate[k:k + len(local)] = np.add.reduceat(
            rotate(q, gyr[first:stop])[:, 2] * weight, local)
        counted[k:k + len(local)] = np.add.reduceat(weight, local).astype(np.int64)
    return force, turn_rate, counted


def _filter_corrections(quat, gyr, bias_bins, starts, size, rate_hz) -> np.ndarray:
    """The world rotation (small-angle vectors, rad) the filter made over each bin beyond
    its bias-free gyroscope: its accelerometer correction. The filter takes sample k from
    sample k − 1 with the angular rate of sample k."""
    gyro_only = quat[starts].copy()
    bias = bias_bins[: len(starts)]
    for j in range(1, size + 1):
        gyro_only = _product(gyro_only, _increment(gyr[starts + j] - bias, 1.0 / rate_hz))
    change = _product(quat[starts + size], _inverse(gyro_only))
    change *= np.where(change[:, :1] < 0.0, -1.0, 1.0)
    return 2.0 * change[:, 1:]


def _turns(turn_rate: np.ndarray, walking: np.ndarray, bins_per_s: float) -> np.ndarray:
    """Bins of turns while walking (widened), leaving out stretches too long to bridge with
    the gyro."""
    fast = (np.abs(turn_rate) > TURNING_RADPS) & walking
    widen = max(1, round(TURN_MARGIN_S * bins_per_s))
    fast = np.convolve(fast, np.ones(2 * widen + 1))[widen: widen + len(fast)] > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[0], fast.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start > MAX_TURN_S * bins_per_s:
            fast[start:stop] = False
    return fast


def _smoothed_random_walk(measured: np.ndarray, noise: np.ndarray, step: np.ndarray
                          ) -> np.ndarray:
    """Rauch–Tung–Striebel smoother of a random walk (variance ``step[k]`` into bin k)
    observed with the given noise variances (inf: no observation). Plain floats: a bin costs
    a microsecond."""
    z, r, q = measured.tolist(), noise.tolist(), step.tolist()
    n = len(z)
    x, p = z[0], 1.0
    xf, pf, pp = [0.0] * n, [0.0] * n, [0.0] * n
    for k in range(n):
        if k:
            p += q[k]
        pp[k] = p
        if r[k] != math.inf:
            gain = p / (p + r[k])
            x += gain * (z[k] - x)
            p *= 1.0 - gain
        xf[k], pf[k] = x, p
    out = xf[:]
    for k in range(n - 2, -1, -1):
        out[k] = xf[k] + pf[k] / pp[k + 1] * (out[k + 1] - xf[k])
    return np.array(out)


def _increment(gyr: np.ndarray, dt: float) -> np.ndarray:
    angle = np.linalg.norm(gyr, axis=1) * dt
    axis = gyr / np.maximum(np.linalg.norm(gyr, axis=1, keepdims=True), 1e-12)
    return np.concatenate([np.cos(angle / 2)[:, None], np.sin(angle / 2)[:, None] * axis], 1)


def _product(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    pw, px, py, pz = p.T
    qw, qx, qy, qz = q.T
    return np.stack([pw * qw - px * qx - py * qy - pz * qz,
                     pw * qx + px * qw + py * qz - pz * qy,
                     pw * qy - px * qz + py * qw + pz * qx,
                     pw * qz + px * qy - py * qx + pz * qw], axis=1)


def _inverse(quat: np.ndarray) -> np.ndarray:
    return quat * np.array([1.0, -1.0, -1.0, -1.0])


def _across(starts: np.ndarray, size: int) -> np.ndarray:
    """Bins whose moving mean of ``size`` (as :func:`_moving_mean` takes it) reaches over a
    bin where a stretch starts: it mixes two stretches whose tilt errors are unrelated."""
    stretch = np.cumsum(starts)
    n = len(starts)
    i = np.arange(n)
    lo = np.maximum(0, i - size // 2)
    hi = np.minimum(n, i + size - size // 2) - 1
    return stretch[hi] != stretch[lo]


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """Centred moving average; at the ends, of the values there are."""
    sums = np.concatenate([[0.0], np.cumsum(x)])
    n = len(x)
    i = np.arange(n)
    lo = np.maximum(0, i - size // 2)
    hi = np.minimum(n, i + size - size // 2)
    return (sums[hi] - sums[lo]) / (hi - lo)
