"""A CSV with each sensor's samples on rows of their own: a time, a column naming the sensor
(``accelerometer``, ``android.sensor.gyroscope``, ``ACC``, ``GYRO``…) and three axis columns
(``x, y, z`` or ``values[0..2]``) — how Android loggers and some Bluetooth hubs write what
arrives, one sensor event at a time.

Why the gyroscope is interpolated onto the accelerometer's times: the two sensors are sampled
by their own clocks, so their rows never share a time; each accelerometer sample gets the
gyroscope interpolated (a cubic spline) between the two gyroscope samples around it, when they
are at most ``MAX_GYRO_SPAN`` of the gyroscope's usual intervals apart (otherwise the sample is lost
and counted). Other sensors' rows (magnetometer, gravity, linear acceleration, uncalibrated
variants) are left out: gravity and linear acceleration are the phone's own fusion, not
measurements. Units are never written in such files: ``--acc-unit`` and ``--gyr-unit`` are
required (Android's are m/s2 and rad/s), and checked against the data.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import UnitsNeeded, VendorColumns
from imu_monitor.importers.columns import times_in_seconds
from imu_monitor.importers.table import find_table

MAX_GYRO_SPAN = 4.0  # gyroscope intervals two samples may be apart and still be bridged
_TYPE_NAMES = ("sensor", "type", "sensortype", "sensorname", "source", "event")
_AXIS_NAMES = (("x", "y", "z"), ("values0", "values1", "values2"),
               ("value0", "value1", "value2"), ("xaxis", "yaxis", "zaxis"))
_TIME = re.compile(r"(time|timestamp|timestampns|timestampms|eventtime|nanos|ns|ms|t)$")
_ACCELEROMETER = re.compile(r"(android\.sensor\.|type_)?(acc|accel|accelerometer)$")
_GYROSCOPE = re.compile(r"(android\.sensor\.|type_)?(gyr|gyro|gyroscope)$")


def _key(name: str) -> str:
    """A name lower case, its unit taken off ("Time (ns)" → "time"; "values[0]" → "values0")."""
    indexed = re.sub(r"\[(\d)\]", r"\1", name.lower())
    return re.sub(r"[^a-z0-9._]", "", re.sub(r"[(\[].*$", "", indexed))


def _where(names: list[str]) -> dict[str, list[int]] | None:
    """The columns of time, sensor type and the three axes, or None when not all are there."""
    keys = [_key(n).replace(".", "").replace("_", "") for n in names]
    kind = next((i for i, k in enumerate(keys) if k in _TYPE_NAMES), None)
    time = next((i for i, k in enumerate(keys) if _TIME.match(k)), None)
    for axes in _AXIS_NAMES:
        if kind is not None and time is not None and all(a in keys for a in axes):
            return {"time": [time], "type": [kind], "xyz": [keys.index(a) for a in axes]}
    return None


def is_sensor_rows(names: list[str]) -> bool:
    return _where(names) is not None


def read_sensor_rows(path: Path, encoding: str, acc_unit: str | None, gyr_unit: str | None,
                     time_unit: str | None, decimal_comma: bool | None) -> VendorColumns:
    table = find_table(path, encoding, is_sensor_rows)
    where = _where(table.columns)
    assert where is not None
    kinds = [_key(k) for k in table.text_column(where["type"][0])]
    acc_rows = np.array([k for k, s in enumerate(kinds) if _ACCELEROMETER.match(s)], np.int64)
    gyr_rows = np.array([k for k, s in enumerate(kinds) if _GYROSCOPE.match(s)], np.int64)
    if len(acc_rows) < 2 or len(gyr_rows) < 2:
        held = ", ".join(dict.fromkeys(kinds)) or "none"
        raise InputDataError(
            f"{path} writes each sensor on rows of its own, but the pelvis's tilt needs both "
            f"the accelerometer and the gyroscope: it holds rows of {held}.")
    if not acc_unit or not gyr_unit:
        raise UnitsNeeded(
            f"{path} does not say the units of its sensors: give them with --acc-unit "
            "g|m/s2|mg and --gyr-unit deg/s|rad/s|mdps (an Android phone writes m/s2 and rad/s; "
            "a wrong guess would scale every angle; the data are checked against them).",
            [key for key, unit in (("acc", acc_unit), ("gyr", gyr_unit)) if not unit])
    time_s, unit = times_in_seconds(table, where["time"][0], time_unit, decimal_comma, path)
    values = table.numbers(where["xyz"], decimal_comma)
    acc_t, acc = in_time_order(time_s[acc_rows], values[acc_rows])
    gyr_t, gyr = in_time_order(time_s[gyr_rows], values[gyr_rows])
    return VendorColumns(
        source=str(path), format="sensor-rows", acc=acc, gyr=gyroscope_onto(acc_t, gyr_t, gyr),
        acc_unit=acc_unit, gyr_unit=gyr_unit, time_s=acc_t,
        vendor={"layout": "one sensor per row", "time_unit": unit,
                "gyroscope_samples": len(gyr_rows)})


def in_time_order(time_s: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One sensor's samples sorted by time (events from two sensors may be written out of
    order; the order within one sensor is checked afterwards with its times)."""
    order = np.argsort(time_s, kind="stable")
    return time_s[order], values[order]


def gyroscope_onto(when: np.ndarray, gyr_t: np.ndarray, gyr: np.ndarray) -> np.ndarray:
    """The gyroscope at the times ``when``, interpolated between samples close enough; NaN
    (lost) elsewhere, and outside its first and last sample. A cubic spline, not straight
    lines: the two sensors' samples half an interval apart, straight lines cut the peaks of
    a heel strike (real walks, ``bench/sensor_rows_ipol.py``: per-side means within 0.05° of
    the walk's own in 96 % of sides with lines, 98 % with the spline). A repeated time or an
    unreadable gyroscope row is left out of it."""
    readable = np.isfinite(gyr).all(axis=1) & np.isfinite(gyr_t)
    gyr_t, first = np.unique(gyr_t[readable], return_index=True)
    gyr = gyr[readable][first]
    if len(gyr_t) < 2:
        return np.full((len(when), 3), np.nan)
    usual = float(np.median(np.diff(gyr_t)))
    after = np.searchsorted(gyr_t, when, side="left")
    inside = (after > 0) & (after < len(gyr_t))
    exact = (after < len(gyr_t)) & (gyr_t[np.minimum(after, len(gyr_t) - 1)] == when)
    span = gyr_t[np.minimum(after, len(gyr_t) - 1)] - gyr_t[np.maximum(after - 1, 0)]
    usable = exact | (inside & (span <= MAX_GYRO_SPAN * usual))
    out = np.full((len(when), 3), np.nan)
    out[usable] = CubicSpline(gyr_t, gyr, axis=0)(when[usable])
    return out

