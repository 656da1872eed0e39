"""Our own CSV of samples (what ``simulate`` and ``import`` write; docs/cli.md).

Header ``time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z`` (optional ``mag_x..z``,
``quat_w..z``), any column order; ``#`` lines are comments, and ``# key: value`` comments
carry metadata (``rate_hz``: the nominal rate; ``acc_unit``, ``gyr_unit``; ``axes``,
``source``, ``drill``…). Files we write are in m/s² and rad/s and say so. An orientation-only
sensor's samples have ``nan`` gyroscope values and a quaternion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import VendorColumns
from imu_monitor.importers.columns import TIME_UNITS
from imu_monitor.importers.table import find_table, preamble_values

FORMAT_LINE = "# imu_monitor samples v1"  # the first line of the CSV we write
REQUIRED = ["time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
MAG = ["mag_x", "mag_y", "mag_z"]
QUAT = ["quat_w", "quat_x", "quat_y", "quat_z"]
SETTLED_HERE = ("rate_hz", "acc_unit", "gyr_unit")  # comments this reader acts on
# A column naming each row's sensor (a logger that interleaves several sensors' rows).
SENSOR_COLUMNS = ("sensor", "sensor_id", "sensor_name", "device", "device_id", "device_name",
                  "devicename")


def is_own_csv(names: list[str]) -> bool:
    lower = {n.lower() for n in names}
    return all(c in lower for c in REQUIRED)


def read_own_csv(path: Path, encoding: str, acc_unit: str | None = None,
                 gyr_unit: str | None = None, delimiter: str | None = None,
                 decimal_comma: bool | None = None, time_unit: str | None = None,
                 sensor: str | None = None) -> VendorColumns:
    """Units default to what the comments declare, else m/s² and rad/s. The columns may be
    separated by ';' or tabs, with decimal commas (a spreadsheet's re-save): found from the
    header and the first row unless given. A column naming each row's sensor
    (``SENSOR_COLUMNS``) keeps the rows of one: the only one, or ``sensor``."""
    try:
        table = find_table(path, encoding, is_own_csv, delimiter)
    except LookupError:
        raise InputDataError(
            f"The file {path} lacks the column(s) of our CSV. A CSV of samples needs the header "
            f"{','.join(REQUIRED)} (mag_x..z and quat_w..z are optional); another vendor's "
            "file needs a column map (--columns).") from None
    comments = preamble_values(table.preamble, "#")
    lower = [c.lower() for c in table.columns]
    named = next((lower.index(c) for c in SENSOR_COLUMNS if c in lower), None)
    table = table.of_one_sensor([] if named is None else table.text_column(named), sensor)
    groups = [REQUIRED] + [g for g in (MAG, QUAT) if all(c in lower for c in g)]
    values = table.numbers([lower.index(c) for g in groups for c in g], decimal_comma)
    quat = values[:, 10:14] if QUAT in groups and MAG in groups else (
        values[:, 7:11] if QUAT in groups else None)
    return VendorColumns(
        source=str(path), format="imu-monitor", acc=values[:, 1:4], gyr=values[:, 4:7],
        acc_unit=acc_unit or comments.get("acc_unit", "m/s2"),
        gyr_unit=gyr_unit or comments.get("gyr_unit", "rad/s"),
        time_s=values[:, 0] * (1.0 if time_unit is None else _seconds_per(time_unit)),
        declared_rate_hz=_declared_rate(comments, path),
        mag=values[:, 7:10] if MAG in groups else None,
        quat=None if quat is None else quat / np.linalg.norm(quat, axis=1, keepdims=True),
        axes=comments.get("axes"),
        stated={k: v for k, v in comments.items() if k not in SETTLED_HERE})


def _declared_rate(comments: dict, path: Path) -> float | None:
    """The ``# rate_hz:`` comment, if any: the nominal rate the times are checked against."""
    if "rate_hz" not in comments:
        return None
    try:
        rate = float(comments["rate_hz"])
    except ValueError:
        rate = np.nan
    if not 0 < rate < np.inf:
        raise InputDataError(f"The rate_hz comment in {path} is not a rate in Hz: "
                             f"'{comments['rate_hz']}'. Write it like '# rate_hz: 100'.")
    return rate


def _seconds_per(time_unit: str) -> float:
    """``--time-unit`` for a time_s column a logger wrote in another unit."""
    if time_unit not in TIME_UNITS:
        raise InputDataError(f"Unknown time unit '{time_unit}': use one of "
                             f"{', '.join(TIME_UNITS)}.")
    return TIME_UNITS[time_unit]
