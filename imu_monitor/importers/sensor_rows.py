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
from imu_monitor.importers.own_csv import SENSOR_COLUMNS
from imu_monitor.importers.table import Table, find_table
from imu_monitor.sources.timing import place_samples

EARLIEST_SHARE = 0.01  # of a sensor's rows: its least delayed, where its grid is put
MAX_GYRO_SPAN = 4.0  # gyroscope intervals two samples may be apart and still be bridged
_TYPE_NAMES = ("sensor", "type", "sensortype", "sensorname", "source", "event")
_AXIS_NAMES = (("x", "y", "z"), ("values0", "values1", "values2"),
               ("value0", "value1", "value2"), ("xaxis", "yaxis", "zaxis"))
_TIME = re.compile(r"((time|timestamp)(s|ms|us|ns)?|eventtime|nanos|ns|ms|t|secondselapsed"
                   r"|elapsed)$")
# What a row's sensor is called, once lower case with only letters, digits and dots, and
# Android's prefixes and wake-up suffixes taken off: a name ("accelerometer", "ACC"), the
# chip's name before it ("LSM6DSO Accelerometer", Android's Sensor.getName()), or Android's
# sensor type number (1, 4). Uncalibrated, linear and gravity sensors never match.
_KINDS = {"acc": re.compile(r"acc|accel|1|[a-z0-9.]*accelerometer"),
          "gyr": re.compile(r"gyr|gyro|4|[a-z0-9.]*gyroscope")}
_NOT_MEASURED = ("linear", "gravity", "game", "rotation")  # the phone's own fusion


def _key(name: str) -> str:
    """A name lower case, its unit taken off ("Time (ns)" → "time"; "values[0]" → "values0")."""
    indexed = re.sub(r"\[(\d)\]", r"\1", name.lower())
    return re.sub(r"[^a-z0-9._]", "", re.sub(r"[(\[].*$", "", indexed))


def _sensor_kind(name: str) -> str | None:
    """"acc", "gyr", or None for a row of another sensor (or an uncalibrated one)."""
    plain = re.sub(r"[^a-z0-9.]", "", name.lower()).removeprefix("android.sensor.")
    plain = re.sub(r"(nonwakeup|wakeup)$", "", plain.removeprefix("type"))
    if plain.startswith(_NOT_MEASURED):
        return None
    return next((kind for kind, pattern in _KINDS.items() if pattern.fullmatch(plain)), None)


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
                     time_unit: str | None, decimal_comma: bool | None,
                     sensor: str | None = None) -> VendorColumns:
    """A hub's file may name the device of each row as well (``device``…): the rows of one
    device, asked which (``sensor``) when there are several, never mixed."""
    try:
        table = find_table(path, encoding, is_sensor_rows)
    except LookupError:
        raise InputDataError(
            f"{path} is not a file of sensor rows: no header line names a time, the sensor of "
            "each row (sensor, type…) and its x, y, z.") from None
    where = _where(table.columns)
    assert where is not None
    device = next((i for i, name in enumerate(table.columns) if name.lower() in SENSOR_COLUMNS
                   and i != where["type"][0]), None)
    table = table.of_one_sensor([] if device is None else table.text_column(device), sensor)
    kinds = table.text_column(where["type"][0])
    found = [_sensor_kind(name) for name in kinds]
    acc_rows = np.array([k for k, kind in enumerate(found) if kind == "acc"], np.int64)
    gyr_rows = np.array([k for k, kind in enumerate(found) if kind == "gyr"], np.int64)
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
    try:
        values = table.numbers(where["xyz"], decimal_comma)
    except InputDataError:  # text in another sensor's rows: a marker, an annotation
        values = _numbers_in_rows(table, where["xyz"], np.concatenate([acc_rows, gyr_rows]),
                                  decimal_comma)
    acc_t, acc = time_s[acc_rows], values[acc_rows]
    return VendorColumns(
        source=str(path), format="sensor-rows", acc=acc,
        gyr=joined_to_accelerometer(acc_t, acc, time_s[gyr_rows], values[gyr_rows], str(path)),
        acc_unit=acc_unit, gyr_unit=gyr_unit, time_s=acc_t,
        vendor={"layout": "one sensor per row", "time_unit": unit,
                "gyroscope_samples": len(gyr_rows)})


def _numbers_in_rows(table: Table, columns: list[int], rows: np.ndarray, decimal_comma: bool | None
                     ) -> np.ndarray:
    """The columns as numbers in the given rows only (NaN elsewhere), read field by field:
    what other rows hold (a marker's text) is not the sensors' business. A value in those
    rows that is no number is refused, naming it."""
    comma = table.uses_decimal_comma() if decimal_comma is None else decimal_comma
    texts_of = [table.text_column(column) for column in columns]
    out = np.full((len(texts_of[0]), len(columns)), np.nan)
    for j, (column, texts) in enumerate(zip(columns, texts_of, strict=True)):
        for k in rows:
            text = texts[k].strip().strip('"')
            if not text:
                continue
            try:
                out[k, j] = float(text.replace(",", ".") if comma else text)
            except ValueError:
                raise InputDataError(
                    f"Row {k + 1} of the samples in {table.path} holds '{text[:40]}' as its "
                    f"'{table.columns[column]}', not a number.") from None
    return out


def joined_to_accelerometer(acc_t: np.ndarray, acc: np.ndarray, gyr_t: np.ndarray,
                            gyr: np.ndarray, source: str, name: str = "gyroscope"
                            ) -> np.ndarray:
    """Another sensor (the gyroscope, or a phone's gravity) at each accelerometer row, each
    sensor's rows in the order written, matched on their grid times (``grid_times``); NaN
    where it has no samples close enough. A row repeating an earlier accelerometer row gets
    that row's values, so that the import drops and counts it as a repeat (with NaN it had
    been kept as a new sample: 1 % of rows doubled read a real walk at 101 Hz, a side's mean
    0.5° off). Refused when it covers less than half of the accelerometer's rows (an empty
    gyroscope file, or one of another session)."""
    acc_when, gyr_when = grid_times(acc_t, acc, source), grid_times(gyr_t, gyr, source)
    usable = np.isfinite(gyr_when)
    out = np.full((len(acc_t), 3), np.nan)
    timed = np.isfinite(acc_when)
    if np.count_nonzero(usable) >= 2:
        out[timed] = spline_onto(acc_when[timed], gyr_when[usable], gyr[usable])
    if np.count_nonzero(np.isfinite(out).all(axis=1)) < 0.5 * np.count_nonzero(timed):
        raise InputDataError(
            f"The {name} of {source} has samples for less than half of the accelerometer's "
            f"({np.count_nonzero(usable)} samples, "
            + (f"{np.nanmin(gyr_t):.1f}–{np.nanmax(gyr_t):.1f} s against "
               f"{np.nanmin(acc_t):.1f}–{np.nanmax(acc_t):.1f} s" if usable.any() else "none")
            + "): the pelvis's tilt needs both all through. Export the recording again.")
    if (~timed & np.isfinite(acc_t) & np.isfinite(acc).all(axis=1)).any():
        _repeats_as_their_rows(acc_t, acc, out, ~timed)
    return out


def _repeats_as_their_rows(acc_t: np.ndarray, acc: np.ndarray, out: np.ndarray,
                           unplaced: np.ndarray) -> None:
    """Rows left unplaced that repeat an earlier row exactly (time and values) take that
    row's ``out``, in place."""
    rows = np.flatnonzero(np.isfinite(acc_t) & np.isfinite(acc).all(axis=1))
    _, first, group = np.unique(np.column_stack([acc_t[rows], acc[rows]]), axis=0,
                                return_index=True, return_inverse=True)
    original = rows[first[group.ravel()]]
    repeats = unplaced[rows] & (original != rows)
    out[rows[repeats]] = out[original[repeats]]


def grid_times(time_s: np.ndarray, values: np.ndarray, source: str) -> np.ndarray:
    """One sensor's rows, in the order written, at the times of their slots on its own sample
    grid (``timing.place_samples``, as any file's rows: a clock that steps back by more than
    it allows is refused in the same words; rows stamped a packet at a time by a host, rows a
    phone buffered and wrote late, a host clock set back a little, all get their slot); NaN
    for a row without a time or a value, or repeating another. Sorted, or matched by their
    stamps instead, a clock set back 2 s read a walk at 106 Hz, and packets of ten rows under
    one stamp left the gyroscope at a tenth of its rate (a real walk's right side 1.9° →
    2.9°). The grid is put on the sensor's earliest stamps (``EARLIEST_SHARE``), not through
    the middle of them: a host's delay is only ever late, and two sensors' grids each
    through their own delays sat milliseconds apart (real walks so stamped: 96 % of sides
    within 0.05°, against 98 %)."""
    out = np.full(len(time_s), np.nan)
    rows = np.flatnonzero(np.isfinite(time_s) & np.isfinite(values).all(axis=1))
    if len(rows) >= 2:
        placement = place_samples(time_s[rows], values[rows], None, source)
        kept = rows[placement.kept]
        on_grid = placement.slots / placement.rate_hz
        out[kept] = on_grid + float(np.quantile(time_s[kept] - on_grid, EARLIEST_SHARE))
    return out


def spline_onto(when: np.ndarray, gyr_t: np.ndarray, gyr: np.ndarray) -> np.ndarray:
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

