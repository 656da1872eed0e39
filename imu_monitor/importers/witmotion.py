"""WitMotion exports: the PC software's and the phone app's recordings (.txt or .csv).

One header row whose names carry their units in brackets, tab- or comma-separated, often
GB2312-encoded and sometimes with decimal commas:

``Time  Device name  Chip Time()  Acceleration X(g) … Angular velocity X(°/s) … Angle X(°) …
Magnetic field X(ʯt) … Temperature(℃)  Quaternions 0() … Quaternions 3()``

(older versions: ``ax(g) ay(g) az(g) wx(deg/s) … AngleX(deg)``). ``Time`` is the host's clock,
``HH:MM:SS.mmm`` or a date and time; ``Chip Time()`` the sensor's, ``YYYY-M-D H:M:S:mmm`` (its
milliseconds after a colon) or with a decimal point. The sensor's clock is used when every
row has one that moves on; otherwise the host's, whose jitter and bursts ``place_samples``
absorbs. The units are read from the brackets (g or m/s², °/s or rad/s). A file holding
several sensors (a ``Device name`` column with several names) needs ``--sensor NAME``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import VendorColumns
from imu_monitor.importers.table import Table, find_table, parse_clock_times

PATTERNS = {  # on the lower-case name without spaces: (axis, unit) groups
    "acc": re.compile(r"^(?:acceleration|acc|a)([xyz])\((.*)\)$"),
    "gyr": re.compile(r"^(?:angularvelocity|gyroscope|gyro|gyr|w)([xyz])\((.*)\)$"),
    "mag": re.compile(r"^(?:magneticfield|mag|h)([xyz])\((.*)\)$"),
    "quat": re.compile(r"^(?:quaternions?|q)([0-3])\((.*)\)$"),
}
AXES = {"x": 0, "y": 1, "z": 2, "0": 0, "1": 1, "2": 2, "3": 3}
UNIT_WORDS = {"g": "g", "m/s2": "m/s2", "m/s²": "m/s2", "m/s^2": "m/s2",
              "°/s": "deg/s", "deg/s": "deg/s", "dps": "deg/s", "rad/s": "rad/s"}


def _key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def is_witmotion(names: list[str]) -> bool:
    keys = [_key(n) for n in names]
    return (any(PATTERNS["acc"].match(k) for k in keys)
            and any(PATTERNS["gyr"].match(k) for k in keys)
            and any(k in ("time", "chiptime()", "chiptime") for k in keys))


def read_witmotion(path: Path, encoding: str, sensor: str | None = None,
                   decimal_comma: bool | None = None, acc_unit: str | None = None,
                   gyr_unit: str | None = None) -> VendorColumns:
    """``decimal_comma`` None: found from the first row of a file not separated by commas."""
    try:
        table = find_table(path, encoding, is_witmotion)
    except LookupError:
        raise InputDataError(f"{path} has no WitMotion header (Time, Acceleration X(g), "
                             "Angular velocity X(°/s) …).") from None
    fields, units = _fields(table, path)
    table = table.of_one_sensor(_device_names(table, unique=False), sensor)
    order = [c for name in ("acc", "gyr", "mag", "quat") for c in fields.get(name, [])]
    values = table.numbers(order, decimal_comma)
    col, at = {}, 0
    for name in ("acc", "gyr", "mag", "quat"):
        if name in fields:
            col[name] = values[:, at: at + len(fields[name])]
            at += len(fields[name])
    time_s, clock, start = _times(table, path)
    names = _device_names(table)
    vendor = {"serial": names[0]} if names else {}
    if start:
        vendor["start_local"] = start
    return VendorColumns(
        source=str(path), format="witmotion", acc=col["acc"], gyr=col["gyr"],
        acc_unit=acc_unit or units["acc"], gyr_unit=gyr_unit or units["gyr"],
        time_s=time_s, mag=col.get("mag"), clock=clock, vendor=vendor)


def _fields(table: Table, path: Path) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Column of each axis of each field, and the units the header names."""
    fields: dict[str, dict[int, int]] = {}
    units: dict[str, str] = {}
    for i, name in enumerate(table.columns):
        for field, pattern in PATTERNS.items():
            match = pattern.match(_key(name))
            if match:
                fields.setdefault(field, {})[AXES[match.group(1)]] = i
                if field in ("acc", "gyr"):
                    units[field] = UNIT_WORDS.get(match.group(2), match.group(2))
    complete = {f: [cols[a] for a in sorted(cols)] for f, cols in fields.items()
                if len(cols) == (4 if f == "quat" else 3)}
    for field in ("acc", "gyr"):
        if field not in complete:
            raise InputDataError(f"{path} lacks one of the three "
                                 f"{'acceleration' if field == 'acc' else 'angular velocity'} "
                                 "columns.")
        if units[field] not in ("g", "m/s2", "deg/s", "rad/s"):
            raise InputDataError(f"{path} gives its {field} in '{units[field]}', a unit we do "
                                 "not know: give it with --acc-unit or --gyr-unit.")
    complete.pop("quat", None)  # the sensor's own fusion: our filter is better (docs)
    return complete, units


def _device_names(table: Table, unique: bool = True) -> list[str]:
    keys = [_key(c) for c in table.columns]
    if "devicename" not in keys:
        return []
    names = table.text_column(keys.index("devicename"))
    return list(dict.fromkeys(names)) if unique else names


def _times(table: Table, path: Path) -> tuple[np.ndarray, str, str | None]:
    """Seconds of the sensor's clock if usable, else of the host's; and the first time."""
    keys = [_key(c) for c in table.columns]
    candidates = [(k, "sensor") for k in ("chiptime()", "chiptime") if k in keys]
    candidates += [("time", "host")] if "time" in keys else []
    for key, clock in candidates:
        text = table.text_column(keys.index(key))
        seconds = parse_clock_times(text)
        if seconds is None:
            continue
        steps = np.diff(seconds)
        if clock == "host" or np.mean(steps > 0) >= 0.9:
            return seconds, clock, text[0]
    raise InputDataError(f"The times in {path} are not in a form we know (like 14:03:07.250 or "
                         "2024-3-5 14:03:07:250).")
