"""The units a file declares, and whether its numbers bear them out.

A CSV's numbers carry no units, and a wrong declaration scales every angle silently: a
gyroscope in rad/s read as deg/s turns 57 times too slowly, and a Trendelenburg gait (9° of
drop) shows as 1°. A wrong unit is off by a large factor (57.3 for rad/s against deg/s, 9.81
for g against m/s²), so the data can tell, from physics a pelvis cannot escape:

* gravity: averaged over a second, the accelerometer reads 9.81 m/s²;
* tilt: between two quiet moments (steady acceleration, so gravity alone) less than a second
  apart, gravity seen in sensor axes turns exactly as the gyroscope integrates
  (``tilt_agreement``); and while the sensor is still, a gyroscope reads no more than its
  offset across gravity;
* movement: while the accelerometer shows walking or running, a pelvis turns at tens of °/s;
  and no body segment turns at 2000 °/s.

A declaration is refused only when the data are far from it *and* the other unit fits, with
that unit named; when the data cannot tell (a file where nothing moves), it is believed.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.processing.orientation import FilterParams
from imu_monitor.sources.tilt_agreement import tilt_agreement
from imu_monitor.sources.turn_agreement import turn_disagreement_deg

ACC_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "mps2": 1.0, "g": GRAVITY_MPS2, "mg": GRAVITY_MPS2 / 1e3}
GYR_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0, "dps": np.pi / 180.0,
             "mdps": np.pi / 180.0 / 1e3}
# The unit a declaration is most likely mistaken for (a factor of 57.3 or 1000 off): a
# refusal names it when the data fit it.
OTHER_GYR_UNIT = {"rad/s": "deg/s", "deg/s": "rad/s", "dps": "rad/s", "mdps": "deg/s"}

GRAVITY_RANGE_MPS2 = (6.0, 14.0)  # median magnitude of one-second means, any recording
# An accelerometer's raw counts per g — 16-bit parts at ±2, 4, 8 and 16 g, and the 10–13-bit
# ones (ADXL345) — in a microcontroller's log written before conversion: gravity within this
# fraction of one of them is said to be so.
RAW_COUNTS_PER_G = (16384, 8192, 4096, 2048, 1024, 512, 256)
RAW_COUNTS_MATCH = 0.15
FASTEST_TURN_RADPS = 35.0  # 2000 °/s: more than any body segment turns
# The mean rate over a whole recording: walking round a 2 m circle all along is 35 °/s (a
# test turns on the spot at 90 °/s); an accelerometer's columns taken for the gyroscope read
# gravity, 560 °/s as rad/s.
STEADY_TURN_LIMIT_RADPS = np.pi
# The largest offset across gravity of a gyroscope read in its right unit (most parts are
# trimmed to ±3 °/s, untrimmed ones to about ±10 °/s).
GYRO_OFFSET_LIMIT_DPS = 10.0
OFFSET_PROBLEM = "while the sensor is still"
# Tilt (measured by tilt_agreement): refused when the declared unit misses by this much and
# the other unit explains the tilt this many times better.
MIN_TILT_MISMATCH_DEG = 1.5
BETTER_BY = 4.0
# Movement: one-second windows where the accelerometer varies this much (walking, running).
# A patient's slow walk varies far less than a brisk one (its accelerations fall with the
# square of the pace): with 1.0 m/s² the real walks played at 63 steps a minute had no such
# windows, and 43 of 110 read rad/s as deg/s passed; with 0.4 none did.
MOVING_MPS2 = 0.4
MIN_MOVING_WINDOWS = 5
# Gyroscope SD (°/s) per accelerometer SD (m/s²) while moving: a pelvis shows about 6–30
# (walking, running; real and simulated), the wrong unit 57 times less or more.
PELVIS_TURN_PER_MOVEMENT = (6, 30)
TURN_PER_MOVEMENT = (1.5, 100.0)  # refused outside
DEAD_GYRO_RADPS = 1e-6  # a gyroscope whose every axis stays within this reads nothing
# Turns (turn_agreement): the gyroscope's predicted gravity this far from the accelerometer's,
# median over the turns. The real IPOL walks in their own axes: at most 11°; the simulated
# scenarios at most 7°; with two gyroscope axes swapped, 31–179° (a median 128–160°).
AXES_MISMATCH_DEG = 45.0


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
    _check_gyroscope(acc, gyr, slots, rate_hz, gyr_unit, source)
    _check_gyroscope_axes(acc, gyr, slots, rate_hz, source)


def _check_gyroscope_axes(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                          source: str) -> None:
    """Turns of the walking path leave gravity where it was; a gyroscope whose axes are not
    the accelerometer's (two swapped, one reversed) tilts it far away in them. Analysed, a
    real walk with two gyroscope columns swapped had read a −1.7° asymmetry as +7.2°."""
    miss = turn_disagreement_deg(acc, gyr, slots, rate_hz)
    if len(miss) and float(np.median(miss)) > AXES_MISMATCH_DEG:
        raise InputDataError(
            f"The gyroscope's turns in {source} do not match the accelerometer: across "
            f"{len(miss)} turn{'s' if len(miss) > 1 else ''} the gyroscope would tilt the "
            f"sensor by {float(np.median(miss)):.0f}° (median), where the accelerometer sees it "
            "upright again. The gyroscope's axes are not the accelerometer's: check the column "
            "map (two axes swapped, or one reversed).")


def _check_gyroscope(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                     gyr_unit: str, source: str) -> None:
    """Too fast for a body, an offset no gyroscope has, a tilt the other unit explains far
    better, or a turn per movement no pelvis shows: each names the other unit — when the
    data fit it. Columns that fit neither (the accelerometer's mapped as the gyroscope) are
    said to be the wrong columns, not sent from one unit to the other and back."""
    _, movement_sd = _windows(acc, rate_hz)  # one-second windows, for both movement checks
    _check_alive(movement_sd, gyr, source)
    problem = _gyroscope_problem(acc, gyr, slots, rate_hz, gyr_unit, source, movement_sd)
    if problem is None:
        return
    likeliest = OTHER_GYR_UNIT[gyr_unit]
    for other in (likeliest, *(u for u in ("deg/s", "rad/s", "mdps") if u != likeliest
                              and GYR_UNITS[u] != GYR_UNITS[gyr_unit])):
        factor = GYR_UNITS[other] / GYR_UNITS[gyr_unit]  # the other unit's reading / this one's
        if _gyroscope_problem(acc, gyr * factor, slots, rate_hz, other, source,
                              movement_sd) is None:
            raise InputDataError(f"{problem}: the gyroscope looks like {other}, not "
                                 f"{gyr_unit}. Read the file again with --gyr-unit {other}.")
    if problem.endswith(OFFSET_PROBLEM):  # a gyroscope, badly zeroed
        if _learnable_offset(acc, gyr, slots, rate_hz):
            return
        raise InputDataError(
            f"{problem}: its zero is further off than the analysis can learn "
            f"({FilterParams().bias_clip_dps:g} °/s on an axis), and every tilt would drift. "
            "Zero the "
            "gyroscope (the sensor's own calibration, or its firmware: firmware_notes/) and "
            "record again.")
    raise InputDataError(f"{problem}. Read in deg/s, rad/s or mdps alike, the columns taken "
                         "for the gyroscope do not look like one: check which columns hold it "
                         "(the column map).")


def _gyroscope_problem(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float,
                       gyr_unit: str, source: str, movement_sd: np.ndarray) -> str | None:
    """The first way ``gyr`` (rad/s, read as ``gyr_unit``) cannot be a pelvis's rotation."""
    factor = GYR_UNITS[OTHER_GYR_UNIT[gyr_unit]] / GYR_UNITS[gyr_unit]  # other's / this one's
    fastest = float(np.percentile(np.abs(gyr), 99.5))
    if fastest > FASTEST_TURN_RADPS:
        return (f"The gyroscope in {source} turns at {np.degrees(fastest):.0f} °/s, faster "
                "than a pelvis ever does: the units cannot be right")
    steady = float(np.linalg.norm(np.nanmean(gyr, axis=0)))
    if steady > STEADY_TURN_LIMIT_RADPS:
        return (f"The gyroscope in {source} reads a turn of {np.degrees(steady):.0f} °/s kept "
                "up over the whole recording, which nobody does")
    tilt = tilt_agreement(acc, gyr, slots, rate_hz, factor)
    offset = tilt.still_offset_dps
    if factor < 1 and offset is not None and offset * factor <= GYRO_OFFSET_LIMIT_DPS < offset:
        return f"The gyroscope in {source} reads {offset:.0f} °/s {OFFSET_PROBLEM}"
    if (tilt.error_deg is not None and tilt.other_error_deg is not None
            and tilt.other_error_deg * BETTER_BY <= tilt.error_deg
            and tilt.error_deg >= MIN_TILT_MISMATCH_DEG):
        return (f"The gyroscope's rotation in {source} does not match the accelerometer's "
                "tilt change")
    turning = _turn_per_movement(movement_sd, gyr, rate_hz)
    low, high = TURN_PER_MOVEMENT
    if turning is not None and (turning < low if factor > 1 else turning > high):
        how, (least, most) = "too little" if turning < low else "too fast", PELVIS_TURN_PER_MOVEMENT
        return (f"The gyroscope in {source} turns far {how} while the accelerometer shows "
                f"walking or running: {turning:.2g} °/s for each m/s² of movement, where a "
                f"pelvis turns about {least}–{most}")
    return None


def _learnable_offset(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray,
                      rate_hz: float) -> bool:
    """A gyroscope read in its unit but badly zeroed: every axis's offset within what the
    orientation filter learns (8 °/s on each axis, 12 °/s across gravity, reads as the
    walk does zeroed, within 0.02°)."""
    axis = tilt_agreement(acc, gyr, slots, rate_hz, 1.0).still_axis_offset_dps
    return axis is not None and axis <= FilterParams().bias_clip_dps


def _check_alive(movement_sd: np.ndarray, gyr: np.ndarray, source: str) -> None:
    """A gyroscope — or one of its axes — that reads one value throughout while the
    accelerometer shows movement (``movement_sd``: its one-second windows' SDs) is not
    measuring: every tilt would come from the accelerometer alone, and every step was "no
    peak" with nothing said. One dead axis had a real walk's sides read 0.5° and −2.1°
    instead of 5.2° and 1.7°, or be refused as "axes swapped"."""
    if np.count_nonzero(movement_sd > MOVING_MPS2) < MIN_MOVING_WINDOWS:
        return
    dead = np.ptp(gyr, axis=0) <= DEAD_GYRO_RADPS
    if dead.all():
        raise InputDataError(
            f"The gyroscope in {source} reads the same value from start to end while the "
            "accelerometer shows movement: it is not measuring (or the columns read as the "
            "gyroscope are not it). Check the sensor, or the column map.")
    if dead.any():
        axes = [f"{'xyz'[k]} axis (the {('first', 'second', 'third')[k]} of its three columns)"
                for k in np.flatnonzero(dead)]
        which = " and ".join(axes)
        raise InputDataError(
            f"The gyroscope's {which} in {source} read{'s' if len(axes) == 1 else ''} the "
            "same value from start to end while the accelerometer shows movement: "
            f"{'that axis is' if len(axes) == 1 else 'those axes are'} not measuring (a "
            "damaged sensor, or a column map that reads an empty column). Check the sensor, "
            "or the column map.")


def _check_gravity(acc: np.ndarray, rate_hz: float, acc_unit: str, source: str) -> None:
    """Averaged over a second, the accelerometer reads gravity, whatever the movement (a
    runner's flight phases read zero: a median of single samples would miss gravity)."""
    low, high = GRAVITY_RANGE_MPS2
    mean, _ = _windows(acc, rate_hz)
    g = float(np.median(np.linalg.norm(mean, axis=1)))
    if low < g < high:
        return
    other = next((unit for unit in ("m/s2", "g", "mg") if unit != acc_unit
                  and low < g * ACC_UNITS[unit] / ACC_UNITS[acc_unit] < high), None)
    counts = g / ACC_UNITS[acc_unit]  # gravity in the numbers as written
    sensitivity = next((c for c in RAW_COUNTS_PER_G if abs(counts / c - 1) < RAW_COUNTS_MATCH),
                       None)
    raise InputDataError(
        f"The accelerometer in {source} reads {g:.3g} m/s² on average, but gravity alone is "
        f"9.81 m/s²: the units cannot be right"
        + (f"; the accelerometer looks like {other}, not {acc_unit}. Read the file again with "
           f"--acc-unit {other}." if other else
           f"; its numbers look like the sensor's raw counts (gravity reads {counts:.0f}: "
           f"about {sensitivity} counts per g). Convert them "
           "with the sensor's sensitivity (its datasheet) into g or m/s², and the "
           "gyroscope's into deg/s, before importing." if sensitivity else "."))


def _turn_per_movement(moving_sd: np.ndarray, gyr: np.ndarray, rate_hz: float
                       ) -> float | None:
    """Median over one-second windows where the body moves (walking, running) of the
    gyroscope's SD in °/s per m/s² of the accelerometer's SD (``moving_sd``: every
    window's); None without such windows."""
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
