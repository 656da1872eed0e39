"""How well a gyroscope's reading explains the tilt its accelerometer sees.

At a quiet moment (a fifth of a second of steady acceleration of gravity's size) the
accelerometer shows where gravity is in sensor axes. Between two quiet moments less than a
second apart, gravity must turn exactly as the gyroscope integrates, whatever happened in
between; so a gyroscope read in the wrong unit (57.3 times too slow or too fast) predicts the
wrong tilt. A gyroscope offset would add a turn of its own: it is measured where the sensor is
still (a quiet moment without tilting) and taken off first. This module only measures;
``units.check_units`` judges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.processing.filters import uniform_filter1d
from imu_monitor.rotations import integrated_rotations

QUIET_S = 0.2  # a quiet moment lasts this long ...
QUIET_RESIDUAL_MPS2 = 0.15  # ... with the acceleration this close to a straight line
QUIET_GRAVITY_TOLERANCE = 0.05  # ... and its magnitude this close to gravity (fraction)
# ... and in a calm second: the acceleration's SD over the second around it (all axes) at
# most this. Slow walking, and the first steps out of standing, have steady moments whose
# acceleration is gravity plus a horizontal push of 0.3–0.5 m/s² (2–3° of false tilt, which
# no magnitude test sees): real walks played at 73 and 63 steps a minute had two and one of
# 110 refused in their true unit, with 0.3 one and with 0.2 one (a walk's start); with 0.15
# none at 45–108 steps a minute (standing sways under 0.16 at its 95th percentile).
QUIET_SURROUNDINGS_MPS2 = 0.15
SURROUNDINGS_S = 1.0
STILL_DPS = 1.0  # a quiet moment tilting slower than this is still
MIN_STILL = 5  # still moments needed to measure the offset
PAIR_SPAN_S = 1.0  # quiet moments compared are at most this far apart
MAX_PAIRS = 400
MIN_PAIRS = 5
TELLING_DEG = 1.5  # the two readings predict tilts this far apart: the pair tells them apart


@dataclass(frozen=True)
class TiltAgreement:
    """Median angles (degrees) between the gravity seen and the gravity each reading predicts
    (None: fewer than ``MIN_PAIRS`` telling pairs), and the offset the gyroscope reads across
    gravity while still (°/s as read; None: fewer than ``MIN_STILL`` still moments)."""

    error_deg: float | None
    other_error_deg: float | None
    still_offset_dps: float | None
    still_axis_offset_dps: float | None = None  # the largest of the three axes' offsets


def tilt_agreement(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                   factor: float) -> TiltAgreement:
    """Compare ``gyr`` (rad/s as declared) with the same numbers read ``factor`` times faster."""
    quiet = _QuietMoments(acc, rate_hz)
    offset, across = _still_offset(quiet, gyr)
    axis = None if across is None else float(np.degrees(np.abs(offset).max()))
    first, second = _pairs(quiet.centre, slots, rate_hz)
    start, stop = quiet.centre[first], quiet.centre[second]
    declared = _turned(quiet.gravity[first], gyr - offset, start, stop, rate_hz, 1.0)
    other = _turned(quiet.gravity[first], gyr - offset, start, stop, rate_hz, factor)
    telling = _angle_deg(declared, other) >= TELLING_DEG
    if np.count_nonzero(telling) < MIN_PAIRS:
        return TiltAgreement(None, None, across, axis)
    seen = quiet.gravity[second][telling]
    return TiltAgreement(float(np.median(_angle_deg(declared[telling], seen))),
                         float(np.median(_angle_deg(other[telling], seen))), across, axis)


class _QuietMoments:
    """The ``QUIET_S`` blocks where the acceleration is a straight line of gravity's
    magnitude, as are the blocks either side: their centre sample, mean acceleration and
    how fast it tilts (°/s)."""

    def __init__(self, acc: np.ndarray, rate_hz: float) -> None:
        self.size = max(4, round(QUIET_S * rate_hz))
        blocks = len(acc) // self.size
        if blocks < 3:  # not one block with neighbours either side
            self.block = self.centre = np.zeros(0, dtype=np.int64)
            self.gravity, self.tilting_dps = np.zeros((0, 3)), np.zeros(0)
            return
        x = acc[:blocks * self.size].reshape(blocks, self.size, 3)
        tau = np.arange(self.size) - (self.size - 1) / 2
        mean = x.mean(axis=1)
        slope = np.einsum("j,bjk->bk", tau, x) / (tau @ tau)
        # Squares about the line: the total minus what the mean and the slope explain.
        residual = (np.einsum("bjk,bjk->b", x, x) - self.size * (mean ** 2).sum(axis=1)
                    - (tau @ tau) * (slope ** 2).sum(axis=1))
        magnitude = np.linalg.norm(mean, axis=1)
        g = float(np.median(np.linalg.norm(acc, axis=1)))
        steady = ((np.sqrt(np.maximum(residual, 0.0) / self.size) < QUIET_RESIDUAL_MPS2)
                  & (np.abs(magnitude - g) < QUIET_GRAVITY_TOLERANCE * g))
        # Walking has smooth instants too; a quiet moment is steady with its neighbours, and
        # the second around it is calm.
        quiet = steady & np.pad(steady, 1)[:-2] & np.pad(steady, 1)[2:] & _calm_around(
            mean, np.einsum("bjk,bjk->b", x, x) / self.size,
            max(1, round(SURROUNDINGS_S / QUIET_S)))
        self.block = np.flatnonzero(quiet)
        self.centre = self.block * self.size + self.size // 2
        self.gravity = mean[quiet]
        # Tilting from the neighbours' means: over three blocks, less noisy than one slope.
        around = np.pad(mean, ((1, 1), (0, 0)), mode="edge")
        change = np.linalg.norm(around[2:] - around[:-2], axis=1) / g
        self.tilting_dps = np.degrees(change * rate_hz / (2 * self.size))[quiet]


def _calm_around(mean: np.ndarray, mean_square: np.ndarray, blocks: int) -> np.ndarray:
    """Per block: the acceleration's SD (root of the summed per-axis variances) over the
    ``blocks`` blocks centred on it is at most ``QUIET_SURROUNDINGS_MPS2``."""
    if len(mean) == 0:
        return np.zeros(0, dtype=bool)
    square = uniform_filter1d(mean_square, blocks)
    centre = np.stack([uniform_filter1d(mean[:, axis], blocks) for axis in range(3)], axis=1)
    variance = square - (centre ** 2).sum(axis=1)
    return np.sqrt(np.maximum(variance, 0.0)) <= QUIET_SURROUNDINGS_MPS2


def _still_offset(quiet: _QuietMoments, gyr: np.ndarray) -> tuple[np.ndarray, float | None]:
    """The gyroscope's median reading where the sensor is still (its offset, taken off before
    comparing), and the size of its part across gravity in °/s (a turn about gravity leaves
    the accelerometer still, a turn across it cannot)."""
    still = quiet.tilting_dps < STILL_DPS
    if np.count_nonzero(still) < MIN_STILL:
        return np.zeros(3), None
    size = quiet.size
    reading = gyr[:len(gyr) // size * size].reshape(-1, size, 3).mean(axis=1)[quiet.block[still]]
    up = quiet.gravity[still] / np.linalg.norm(quiet.gravity[still], axis=1)[:, None]
    across = reading - (reading * up).sum(axis=1)[:, None] * up
    return np.median(reading, axis=0), float(np.degrees(np.median(np.linalg.norm(across,
                                                                                  axis=1))))


def _pairs(centre: np.ndarray, slots: np.ndarray, rate_hz: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Each quiet moment with the last one at most ``PAIR_SPAN_S`` later (no samples lost
    between them), as indices into ``centre``; at most ``MAX_PAIRS``, evenly spread."""
    later = np.searchsorted(centre, centre + round(PAIR_SPAN_S * rate_hz), side="right") - 1
    first = np.flatnonzero(later > np.arange(len(centre)))
    second = later[first]
    whole = slots[centre[second]] - slots[centre[first]] == centre[second] - centre[first]
    first, second = first[whole], second[whole]
    keep = np.unique(np.linspace(0, len(first) - 1, min(len(first), MAX_PAIRS)).astype(int))
    return first[keep], second[keep]


def _turned(gravity: np.ndarray, gyr: np.ndarray, start: np.ndarray, stop: np.ndarray,
            rate_hz: float, factor: float) -> np.ndarray:
    """Gravity in sensor axes at ``stop`` as the gyroscope (read ``factor`` times faster)
    turns it from ``start``: ``R^T g`` with ``R`` the integrated rotation."""
    rotation = integrated_rotations(gyr, start, stop, rate_hz, factor)
    return np.einsum("pji,pj->pi", rotation, gravity)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
