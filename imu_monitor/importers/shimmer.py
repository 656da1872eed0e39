"""Shimmer3 exports from Consensys (Export → CSV, calibrated data).

Layout: an optional ``"sep=\\t"`` (or ``sep=;``, ``sep=,``) line telling spreadsheets the
delimiter, a row of names ``<device>_<signal>_CAL`` (the device part is the Shimmer's id,
``Shimmer_8A4F``, or a name the user gave it), then a row of units (``ms``, ``m/(s^2)``,
``deg/s``, ``mV``, ``local_flux``) and the samples; rows often end with the delimiter.
Signals used: ``Accel_WR_X..Z`` (wide range, up to ±16 g) or else ``Accel_LN_X..Z`` (low
noise, ±2 g, which a runner's landings can saturate), ``Gyro_X..Z``, and the time from
``Timestamp_Unix_CAL`` (ms since 1970), else ``Timestamp_CAL`` (ms), else
``TimestampSync_FormattedUnix_CAL`` (``2021/01/11 15:02:55.123``). Units are those of the
units row.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import SensorChoiceNeeded, VendorColumns
from imu_monitor.importers.columns import TIME_UNITS, UNIT_WORDS
from imu_monitor.importers.table import Table, fields, find_table, parse_clock_times

SIGNAL = re.compile(r"(?P<device>.+?)_(?P<signal>Accel_(?:WR|LN)_[XYZ]|Gyro_[XYZ]|"
                    r"Timestamp(?:Sync)?(?:_FormattedUnix|_Unix)?)_CAL$")
TIME_SIGNALS = ("Timestamp_Unix", "Timestamp", "TimestampSync_Unix",
                "TimestampSync_FormattedUnix", "Timestamp_FormattedUnix")


def _signals(names: list[str], device: str | None = None) -> dict[str, int]:
    """Column of each signal (of one ``device`` where given)."""
    return {m["signal"]: i for i, n in enumerate(names) if (m := SIGNAL.fullmatch(n.strip()))
            and (device is None or m["device"] == device)}


def _devices(names: list[str]) -> list[str]:
    """The Shimmers a header holds a gyroscope of, in its order."""
    return list(dict.fromkeys(m["device"] for n in names if (m := SIGNAL.fullmatch(n.strip()))
                              and m["signal"] == "Gyro_X"))


def is_shimmer(names: list[str]) -> bool:
    found = _signals(names)
    return "Gyro_X" in found and ("Accel_WR_X" in found or "Accel_LN_X" in found)


def read_shimmer(path: Path, encoding: str, sensor: str | None = None) -> VendorColumns:
    """``sensor``: which Shimmer of an export holding several (its name in the header)."""
    try:
        names_row = find_table(path, encoding, is_shimmer)
    except LookupError:
        raise InputDataError(f"{path} has no Shimmer columns (…_Accel_LN_X_CAL, "
                             "…_Gyro_X_CAL): it is not a Consensys export.") from None
    # The units row comes right under the names: the samples begin below it.
    table = replace(names_row, header_line=names_row.header_line + 1)
    units_line = next((row for _, row in names_row.lines()), "")
    units = [u.strip().strip('"') for u in fields(units_line, names_row.delimiter)]
    devices = _devices(names_row.columns)
    if sensor is None and len(devices) > 1:
        raise SensorChoiceNeeded(f"{path} holds the Shimmers {', '.join(devices)}: say which "
                                 "one is on the sacrum with --sensor NAME.", devices)
    if sensor is not None and sensor not in devices:
        raise InputDataError(f"{path} has no Shimmer '{sensor}'; it holds "
                             f"{', '.join(devices)}.")
    device = sensor or devices[0]
    found = _signals(names_row.columns, device)
    if "Accel_WR_X" not in found and "Accel_LN_X" not in found:
        raise InputDataError(f"{path} has no accelerometer of the Shimmer {device}.")
    accel = "Accel_WR" if "Accel_WR_X" in found else "Accel_LN"
    acc_cols = [found[f"{accel}_{a}"] for a in "XYZ"]
    gyr_cols = [found[f"Gyro_{a}"] for a in "XYZ"]
    acc_unit = _unit(units, acc_cols, "accelerometer", ("g", "m/s2"), path)
    gyr_unit = _unit(units, gyr_cols, "gyroscope", ("deg/s", "rad/s"), path)
    values = table.numbers(acc_cols + gyr_cols, None)
    # its own timestamps, else another sensor's of the export (Consensys synchronises them)
    time_s = _times(table, {**_signals(names_row.columns), **found}, units, path)
    return VendorColumns(
        source=str(path), format="shimmer", acc=values[:, :3], gyr=values[:, 3:],
        acc_unit=acc_unit, gyr_unit=gyr_unit, time_s=time_s, clock="sensor",
        vendor={"serial": device, "model": "Shimmer3", "accelerometer": accel})


def _unit(units: list[str], columns: list[int], what: str, allowed: tuple[str, ...],
          path: Path) -> str:
    said = {units[c] if c < len(units) else "" for c in columns}
    unit = UNIT_WORDS.get(said.pop().lower()) if len(said) == 1 else None
    if unit not in allowed:
        raise InputDataError(f"The units row of {path} does not give the {what}'s unit "
                             "(m/(s^2) or deg/s, as Consensys writes them): export it again "
                             "with its units row.")
    return unit


def _times(table: Table, found: dict[str, int], units: list[str], path: Path
           ) -> np.ndarray:
    for signal in TIME_SIGNALS:
        if signal not in found:
            continue
        column = found[signal]
        if "Formatted" in signal:
            seconds = parse_clock_times([t.replace("/", "-")
                                         for t in table.text_column(column)])
            if seconds is not None:
                return seconds
            continue
        unit = units[column] if column < len(units) else ""
        if unit in TIME_UNITS:
            raw = table.numbers([column], None)[:, 0]
            return (raw - raw[0]) * TIME_UNITS[unit]
    raise InputDataError(f"{path} has no timestamp column Consensys writes "
                         "(…_Timestamp_Unix_CAL or …_Timestamp_CAL, in ms): export it again "
                         "with its timestamps.")
