"""The centripetal acceleration of turns, estimated from the recording so the accelerometer can
be freed of it before the orientation filter runs again.

Why: in a turn the pelvis accelerates toward the centre of the turn (speed × turn rate). An
accelerometer cannot tell that from gravity, so every inclination filter reads it as a tilt
toward the inside of the turn: on simulated walks with turns, up to 1–2° of false obliquity
during and for seconds after each turn (docs/accuracy.md). Offline the whole recording is
known: the turn rate is the gyroscope about the vertical, and the speed is estimated from the
data itself — the lateral acceleration in the walking direction's frame that follows the turn
rate — so no body model, leg length or speed has to be assumed.

The speed is a local regression (a Gaussian weight of ``LOCAL_S`` around each sample), drawn
toward the recording's own estimate where few turns are near, and never below zero. A turn on
the spot (a pivot, the usual U-turn at the end of a walkway: the sacrum hardly moves) gives a
speed near zero and changes nothing; a turn along an arc at walking speed gives its speed.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.processing.kinematics import rotate

# About one stride: the pelvis's own yaw and sway within a stride average out, the path's
# turn stays.
SMOOTH_S = 1.0
# SD of the weight given to the turns near each sample, for its speed.
LOCAL_S = 3.0
# The recording's own estimate counts in each local one as much as a turn at this rate.
PRIOR_RADPS = 0.3
# Turning at least this fast (stride-averaged) counts toward the recording's estimate; less
# than this in all of a recording (a treadmill, single-leg drills) and there is nothing to do.
TURNING_RADPS = 0.3
MIN_TURNING_S = 1.0
PIECE = 65_536  # samples per piece of the per-sample rotations (no long temporaries)
BIN_S = 0.05  # the estimate's time step


def without_turns(quat: np.ndarray, acc: np.ndarray, gyr: np.ndarray,
                  forward_sensor: np.ndarray, rate_hz: float, usable: np.ndarray,
                  out: np.ndarray | None = None) -> np.ndarray | None:
    """The accelerometer ``acc`` (n, 3) less the centripetal acceleration of the turns, into
    ``out`` or a new array, given an orientation ``quat`` (sensor to world, z up) of the same
    samples; None when the recording has no turns. Only ``usable`` samples (measured) give
    evidence. The better ``quat``, the better the estimate: the accelerations are read in the
    world through it.

    Everything between is smooth over a stride or more, so it is worked out on the means of
    short bins (``BIN_S``) and interpolated back: a few bytes per sample, whatever the length.
    """
    n = len(quat)
    size = max(1, round(BIN_S * rate_hz))
    turn_rate, lateral = _binned(quat, acc, gyr, forward_sensor, usable, size)
    bin_rate = rate_hz / size
    turn_rate = _moving_mean(turn_rate, max(1, round(SMOOTH_S * bin_rate)))
    lateral = _moving_mean(lateral, max(1, round(SMOOTH_S * bin_rate)))
    turning = np.abs(turn_rate) > TURNING_RADPS
    if np.count_nonzero(turning) < MIN_TURNING_S * bin_rate:
        return None
    overall = max(0.0, float(np.sum(lateral[turning] * turn_rate[turning])
                             / np.sum(turn_rate[turning] ** 2)))
    width = max(1, round(LOCAL_S * bin_rate))
    prior = PRIOR_RADPS ** 2
    speed = np.maximum(0.0, (_gaussian_mean(lateral * turn_rate, width) + prior * overall)
                       / (_gaussian_mean(turn_rate ** 2, width) + prior))
    toward_centre = speed * turn_rate  # m/s², along the walking direction's left
    centres = (np.arange(len(toward_centre)) + 0.5) * size - 0.5
    out = np.empty((n, 3)) if out is None else out
    for a in range(0, n, PIECE):
        b = min(n, a + PIECE)
        world = np.zeros((b - a, 3))
        world[:, :2] = (np.interp(np.arange(a, b), centres, toward_centre)[:, None]
                        * _left_of_walking(quat[a:b], forward_sensor))
        np.subtract(acc[a:b], rotate(_inverse(quat[a:b]), world), out=out[a:b])
    return out


def _binned(quat: np.ndarray, acc: np.ndarray, gyr: np.ndarray, forward_sensor: np.ndarray,
            usable: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn rate about the vertical (rad/s) and acceleration to the left of the walking
    direction (m/s²), in the world, as means over bins of ``size`` samples (unusable samples
    count as zero)."""
    n = len(quat)
    bins = -(-n // size)
    turn_rate, lateral = np.empty(bins), np.empty(bins)
    piece = max(size, PIECE // size * size)  # whole bins in a piece
    for a in range(0, n, piece):
        b = min(n, a + piece)
        weight = np.asarray(usable[a:b], dtype=np.float64)
        starts = np.arange(0, b - a, size)
        counts = np.diff(np.append(starts, b - a))
        first = a // size
        w = rotate(quat[a:b], gyr[a:b])[:, 2] * weight
        turn_rate[first:first + len(starts)] = np.add.reduceat(w, starts) / counts
        side = np.sum(rotate(quat[a:b], acc[a:b])[:, :2]
                      * _left_of_walking(quat[a:b], forward_sensor), axis=1) * weight
        lateral[first:first + len(starts)] = np.add.reduceat(side, starts) / counts
    return turn_rate, lateral


def _left_of_walking(quat: np.ndarray, forward_sensor: np.ndarray) -> np.ndarray:
    """Unit horizontal vectors (n, 2) to the left of the pelvis forward axis, in the world."""
    forward = rotate(quat, forward_sensor)[:, :2]
    forward /= np.maximum(np.linalg.norm(forward, axis=1, keepdims=True), 1e-9)
    return np.stack([-forward[:, 1], forward[:, 0]], axis=1)


def _inverse(quat: np.ndarray) -> np.ndarray:
    return quat * np.array([1.0, -1.0, -1.0, -1.0])


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """Centred moving average; at the ends, of the values there are."""
    sums = np.concatenate([[0.0], np.cumsum(x)])
    n = len(x)
    i = np.arange(n)
    lo = np.maximum(0, i - size // 2)
    hi = np.minimum(n, i + size - size // 2)
    return (sums[hi] - sums[lo]) / (hi - lo)


def _gaussian_mean(x: np.ndarray, sd: int) -> np.ndarray:
    """A Gaussian-weighted local mean of SD ``sd`` values: three moving averages, each
    2 ``sd`` wide (together their SD is √(``sd``² − 1/4) ≈ ``sd``)."""
    size = max(1, round(2.0 * sd))
    for _ in range(3):
        x = _moving_mean(x, size)
    return x
