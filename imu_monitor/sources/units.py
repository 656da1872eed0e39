"""The units a file declares, and whether its numbers bear them out.

A CSV's numbers carry no units, and a wrong declaration scales every angle silently: a
gyroscope in rad/s read as deg/s turns 57 times too slowly, and a Trendelenburg gait (9° of
drop) shows as 1°. A wrong unit is off by a large factor (57.3 for rad/s against deg/s, 9.81
for g against m/s²), so the data can tell, from physics a pelvis cannot escape:

* gravity: averaged over a second, the accelerometer reads 9.81 m/s²;
* tilt: between two quiet moments (steady acceleration, so gravity alone) less than a second
  apart, gravity seen in sensor axes turns exactly as the gyroscope integrates;
* movement: while the accelerometer shows walking or running, a pelvis turns at tens of °/s;
  and no body segment turns at 2000 °/s.

A declaration is refused only when the data are far from it *and* the other unit fits, with
that unit named; when the data cannot tell (a file where nothing moves), it is believed.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.rotations import rotation_vector_to_matrix

ACC_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "mps2": 1.0, "g": GRAVITY_MPS2}
GYR_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0, "dps": np.pi / 180.0}

GRAVITY_RANGE_MPS2 = (6.0, 14.0)  # median magnitude of one-second means, any recording
FASTEST_TURN_RADPS = 35.0  # 2000 °/s: more than any body segment turns
# Tilt: quiet moments and the pairs of them that are compared.
QUIET_S = 0.2  # a quiet moment lasts this long ...
QUIET_RESIDUAL_MPS2 = 0.15  # ... with the acceleration this close to a straight line
QUIET_GRAVITY_TOLERANCE = 0.05  # ... and its magnitude this close to gravity (fraction)
PAIR_SPAN_S = 1.0  # at most this far apart (a gyroscope's offset stays small)
MAX_PAIRS = 400
MIN_PAIRS = 5
TELLING_DEG = 2.0  # the two units predict tilts this far apart: the pair can tell them apart
GYRO_OFFSET_LIMIT_DPS = 6.0  # the largest offset (bias) of a gyroscope read in the right unit
MIN_TILT_MISMATCH_DEG = 2.0
BETTER_BY = 4.0  # the other unit must explain the tilt this many times better
# Movement: one-second windows where the accelerometer varies this much (walking, running).
MOVING_MPS2 = 1.0
MIN_MOVING_WINDOWS = 5
# Gyroscope SD (°/s) per accelerometer SD (m/s²) while moving: a pelvis shows about 6–30
# (walking, running; real and simulated), the wrong unit 57 times less or more.
PELVIS_TURN_PER_MOVEMENT = (6, 30)
TURN_PER_MOVEMENT = (1.5, 100.0)  # refused outside


def unit_name(name: str, table: dict, option: str) -> str:
    """The table's key for a unit as the user wrote it (``m/s²``, ``DEG/S``...)."""
    key = name.strip().lower().replace("²", "2")
    if key not in table:
        raise InputDataError(f"Unknown unit '{name}' for {option}: use one of "
                             + ", ".join(table) + ".")
    return key


def check_units(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                acc_unit: str, gyr_unit: str, source: str) -> None:
    """Refuse declared units the data contradict, naming the unit that fits.

    ``acc`` and ``gyr`` are already converted with the declared units (m/s², rad/s).
    """
    _check_gravity(acc, rate_hz, acc_unit, source)
    other = "deg/s" if GYR_UNITS[gyr_unit] == 1.0 else "rad/s"
    factor = GYR_UNITS[other] / GYR_UNITS[gyr_unit]  # the other unit's reading / this one's
    hint = (f"the gyroscope looks like {other}, not {gyr_unit}. Import again with "
            f"--gyr-unit {other}.")
    fastest = float(np.percentile(np.abs(gyr), 99.5))
    if fastest > FASTEST_TURN_RADPS:
        raise InputDataError(
            f"The gyroscope in {source} turns at {np.degrees(fastest):.0f} °/s, faster than a "
            "pelvis ever does: the units cannot be right"
            + (f"; {hint}" if fastest * factor <= FASTEST_TURN_RADPS else "."))
    if _tilt_contradicts(acc, gyr, slots, rate_hz, factor):
        raise InputDataError(f"The gyroscope's rotation in {source} does not match the "
                             f"accelerometer's tilt change: {hint}")
    turning = _turn_per_movement(acc, gyr, rate_hz)
    low, high = TURN_PER_MOVEMENT
    if turning is not None and (turning < low if factor > 1 else turning > high):
        how, (least, most) = "too little" if turning < low else "too fast", PELVIS_TURN_PER_MOVEMENT
        raise InputDataError(
            f"The gyroscope in {source} turns far {how} while the accelerometer shows walking "
            f"or running: {turning:.2g} °/s for each m/s² of movement, where a pelvis turns "
            f"about {least}–{most}: {hint}")


def _check_gravity(acc: np.ndarray, rate_hz: float, acc_unit: str, source: str) -> None:
    """Averaged over a second, the accelerometer reads gravity, whatever the movement (a
    runner's flight phases read zero: a median of single samples would miss gravity)."""
    low, high = GRAVITY_RANGE_MPS2
    mean, _ = _windows(acc, rate_hz)
    g = float(np.median(np.linalg.norm(mean, axis=1)))
    if low < g < high:
        return
    other = "m/s2" if acc_unit == "g" else "g"
    fits = low < g * ACC_UNITS[other] / ACC_UNITS[acc_unit] < high
    raise InputDataError(
        f"The accelerometer in {source} reads {g:.3g} m/s² on average, but gravity alone is "
        f"9.81 m/s²: the units cannot be right"
        + (f"; the accelerometer looks like {other}, not {acc_unit}. Import again with "
           f"--acc-unit {other}." if fits else "."))


def _tilt_contradicts(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                      factor: float) -> bool:
    """Does the other unit explain how gravity turned between quiet moments far better?

    A gyroscope's offset adds a turn the accelerometer does not see, the more the faster
    the unit reads: a declared unit faster than the other one is refused only for errors
    beyond what the largest plausible offset makes.
    """
    centre, gravity = _quiet_moments(acc, rate_hz)
    first, second = _quiet_pairs(centre, slots, rate_hz)
    start, stop = centre[first], centre[second]
    declared = _turned(gravity[first], gyr, start, stop, rate_hz, 1.0)
    other = _turned(gravity[first], gyr, start, stop, rate_hz, factor)
    telling = _angle_deg(declared, other) >= TELLING_DEG
    if np.count_nonzero(telling) < MIN_PAIRS:
        return False
    seen = gravity[second][telling]
    error = float(np.median(_angle_deg(declared[telling], seen)))
    other_error = float(np.median(_angle_deg(other[telling], seen)))
    span_s = float(np.median(stop - start)) / rate_hz
    allowed = GYRO_OFFSET_LIMIT_DPS * span_s if factor < 1 else MIN_TILT_MISMATCH_DEG
    return error >= allowed and other_error * BETTER_BY <= error


def _quiet_moments(acc: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre sample and mean acceleration of the ``QUIET_S`` blocks where the acceleration
    is a straight line (a steady turn is allowed) of gravity's magnitude."""
    size = max(4, round(QUIET_S * rate_hz))
    blocks = len(acc) // size
    x = acc[:blocks * size].reshape(blocks, size, 3)
    tau = np.arange(size) - (size - 1) / 2
    mean = x.mean(axis=1)
    slope = np.einsum("j,bjk->bk", tau, x) / (tau @ tau)
    # Squares about the line: the total minus what the mean and the slope explain.
    residual = (np.einsum("bjk,bjk->b", x, x) - size * (mean ** 2).sum(axis=1)
                - (tau @ tau) * (slope ** 2).sum(axis=1))
    magnitude = np.linalg.norm(mean, axis=1)
    g = float(np.median(np.linalg.norm(acc, axis=1)))
    quiet = ((np.sqrt(np.maximum(residual, 0.0) / size) < QUIET_RESIDUAL_MPS2)
             & (np.abs(magnitude - g) < QUIET_GRAVITY_TOLERANCE * g))
    return (np.arange(blocks) * size + size // 2)[quiet], mean[quiet]


def _quiet_pairs(centre: np.ndarray, slots: np.ndarray, rate_hz: float
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
    rotation = np.broadcast_to(np.eye(3), (len(start), 3, 3)).copy()
    for k in range(int((stop - start).max(initial=0))):
        turning = (start + k < stop)[:, None]
        step = np.where(turning, gyr[np.minimum(start + k, len(gyr) - 1)], 0.0)
        rotation = rotation @ rotation_vector_to_matrix(step * (factor / rate_hz))
    return np.einsum("pji,pj->pi", rotation, gravity)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _turn_per_movement(acc: np.ndarray, gyr: np.ndarray, rate_hz: float) -> float | None:
    """Median over one-second windows where the body moves (walking, running) of the
    gyroscope's SD in °/s per m/s² of the accelerometer's SD; None without such windows."""
    _, moving_sd = _windows(acc, rate_hz)
    moving = moving_sd > MOVING_MPS2
    if np.count_nonzero(moving) < MIN_MOVING_WINDOWS:
        return None
    _, turning_sd = _windows(gyr, rate_hz)
    return float(np.median(np.degrees(turning_sd[moving]) / moving_sd[moving]))


def _windows(x: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD (root of the summed per-axis variances) of consecutive one-second windows
    (one window if the file is shorter)."""
    size = min(max(2, round(rate_hz)), len(x))
    w = x[:len(x) // size * size].reshape(-1, size, 3)
    mean = w.mean(axis=1)
    variance = np.einsum("bjk,bjk->b", w, w) / size - (mean ** 2).sum(axis=1)
    return mean, np.sqrt(np.maximum(variance, 0.0))
