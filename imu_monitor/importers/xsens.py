"""Movella (Xsens) exports: MT Manager text files and the Movella DOT app's CSV files.

Both number their packets (``PacketCounter``, 16 bits, wraps at 65 536) and stamp samples with
the sensor's clock (``SampleTimeFine``, 32 bits: 0.1 ms ticks from MT Manager, µs from DOT).
The clock places the samples in time (lost ones found from it); the counter's gaps are only
counted (``assemble``). A file without the clock (some exports keep only PacketCounter) is
taken row by row at the rate its preamble states (``Update Rate``, ``OutputRate``,
``Acquisition frequency``) or ``--rate``.

**MT Manager** (File → Export, ASCII): ``//`` preamble lines (``Update Rate: 100.0Hz`` in older
versions; ``DeviceId``, ``ProductCode``, ``Firmware Version``, ``Filter Profile``, ``Coordinate
system`` in newer ones), tab-separated columns, ``NaN`` where a field was not sampled.
Fields: ``Acc_X..Z`` m/s², ``Gyr_X..Z`` rad/s, ``Mag_X..Z`` a.u., ``Quat_q0..q3`` (w, x, y,
z), ``Roll, Pitch, Yaw`` or ``Euler_X..Z`` °, ``FreeAcc_E/N/U`` m/s², ``dq_q0..3``, ``dv[1..3]``.

**DOT app** (Export, CSV): a ``sep=,`` line, then ``DeviceTag:,``, ``FirmwareVersion:,``,
``AppVersion:,``, ``SyncStatus:,``, ``OutputRate:,60Hz``, ``FilterProfile:,``, ``Measurement
Mode:,``, ``StartTime:,`` lines, an empty line, comma-separated columns.
Fields: ``Acc_X..Z`` m/s², ``Gyr_X..Z`` °/s, ``Mag_X..Z``, ``Quat_W..Z``, ``Euler_X..Z`` °
(roll, pitch, yaw, ZYX), ``FreeAcc_X..Z`` m/s² (East-North-Up, gravity removed), ``dq_W..Z``,
``dv[1..3]`` m/s.

What we take, by preference: the accelerometer and gyroscope (6-axis, our own filter); else
the velocity and orientation increments per sample (``dv``, ``dq``); else the sensor's own
orientation with its free acceleration — the *orientation-only* path of the DOT's live link
(``samples.py``). An export with orientation alone holds no acceleration: no steps can be
found, and it is refused with the modes that would work.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import VendorColumns, unwrap_counter
from imu_monitor.importers.table import Table, find_table, preamble_values
from imu_monitor.protocols.movella_dot import quat_from_euler_deg, specific_force

MT_MANAGER, DOT = "xsens-mt", "movella-dot"
TICK_S = {MT_MANAGER: 1e-4, DOT: 1e-6}  # SampleTimeFine
GYR_UNIT = {MT_MANAGER: "rad/s", DOT: "deg/s"}
RATE_KEYS = ("Update Rate", "OutputRate", "Output Rate", "Sample Rate", "Sampling Rate",
             "Acquisition frequency")
COUNTER_BITS, CLOCK_BITS = 16, 32
QUAT_NORM_TOLERANCE = 0.01
FIELDS = {  # our name: the vendor's alternatives (lower case), each a list of columns
    "acc": [["acc_x", "acc_y", "acc_z"]],
    "gyr": [["gyr_x", "gyr_y", "gyr_z"]],
    "mag": [["mag_x", "mag_y", "mag_z"]],
    "quat": [["quat_w", "quat_x", "quat_y", "quat_z"],
             ["quat_q0", "quat_q1", "quat_q2", "quat_q3"]],
    "euler": [["euler_x", "euler_y", "euler_z"], ["roll", "pitch", "yaw"]],
    "free": [["freeacc_x", "freeacc_y", "freeacc_z"], ["freeacc_e", "freeacc_n", "freeacc_u"]],
    "dq": [["dq_w", "dq_x", "dq_y", "dq_z"], ["dq_q0", "dq_q1", "dq_q2", "dq_q3"]],
    "dv": [["dv[1]", "dv[2]", "dv[3]"], ["dv_x", "dv_y", "dv_z"]],
}
VENDOR_KEYS = {"serial": ("DeviceId", "Device ID", "DeviceTag", "Device Tag"),
               "model": ("ProductCode", "Product Code"),
               "firmware": ("Firmware Version", "FirmwareVersion"),
               "filter_profile": ("Filter Profile", "FilterProfile"),
               "software": ("MT Manager version", "AppVersion", "App Version")}


def is_xsens(names: list[str]) -> bool:
    return "PacketCounter" in names or "SampleTimeFine" in names


def read_xsens(path: Path, encoding: str, acc_unit: str | None = None,
               gyr_unit: str | None = None, rate_hz: float | None = None,
               decimal_comma: bool | None = None) -> VendorColumns:
    """An MT Manager or DOT app export, told apart by its preamble (``rate_hz``: for an
    export that states no rate and has no clock; ``decimal_comma`` None: found from the
    first row)."""
    try:
        table = find_table(path, encoding, is_xsens)
    except LookupError:
        raise InputDataError(f"{path} has no PacketCounter or SampleTimeFine column: it is "
                             "not an Xsens or Movella DOT export.") from None
    flavour = _flavour(table)
    vendor = preamble_values(table.preamble, "//" if flavour == MT_MANAGER else "")
    found = _columns(table)
    wanted = [c for cols in found.values() for c in cols]
    extra = [table.index(n) for n in ("PacketCounter", "SampleTimeFine") if n in table.columns]
    values = table.numbers(extra + wanted, decimal_comma)
    col = {}
    at = len(extra)
    for name, cols in found.items():
        col[name] = values[:, at: at + len(cols)]
        at += len(cols)
    rate = _stated_rate(vendor) or rate_hz
    time_s, counter = _time(table, values[:, :len(extra)], flavour)
    acc, gyr, quat, source_kind = _motion(col, rate, time_s, path)
    _refuse_coordinate_system(vendor, quat, path)
    return VendorColumns(
        source=str(path), format=flavour, acc=acc, gyr=gyr,
        acc_unit=acc_unit or "m/s2",
        gyr_unit=gyr_unit or ("rad/s" if source_kind != "rate" else GYR_UNIT[flavour]),
        time_s=time_s, counter=counter, declared_rate_hz=rate,
        mag=col.get("mag"), quat=quat, clock="sensor" if time_s is not None else "file",
        vendor=_vendor(vendor, source_kind), start_utc=_start_utc(vendor))


def _flavour(table: Table) -> str:
    preamble = "\n".join(table.preamble)
    if any(k in preamble for k in ("DeviceTag", "Measurement Mode", "sep=", "Movella DOT")):
        return DOT
    if "//" in preamble or table.delimiter == "\t":
        return MT_MANAGER
    return DOT


def _columns(table: Table) -> dict[str, list[int]]:
    lower = {c.lower(): i for i, c in enumerate(table.columns)}
    found = {}
    for name, alternatives in FIELDS.items():
        for cols in alternatives:
            if all(c in lower for c in cols):
                found[name] = [lower[c] for c in cols]
                break
    return found


def _stated_rate(vendor: dict[str, str]) -> float | None:
    for key in RATE_KEYS:
        match = re.search(r"\d+(\.\d+)?", vendor.get(key, ""))
        if match and float(match.group()) > 0:
            return float(match.group())
    return None


def _time(table: Table, columns: np.ndarray, flavour: str
          ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Sensor time (s, unwrapped) and packet counter (unwrapped), where the file has them."""
    named = [n for n in ("PacketCounter", "SampleTimeFine") if n in table.columns]
    raw = dict(zip(named, columns.T, strict=True))
    fine, counter = raw.get("SampleTimeFine"), raw.get("PacketCounter")
    time_s = None
    if fine is not None and np.count_nonzero(np.isfinite(fine)) >= 0.5 * len(fine):
        # A row whose clock is unreadable (an empty field) keeps NaN: the import leaves that
        # row out as a lost sample, and the clock of every other row still places them.
        time_s = np.full(len(fine), np.nan)
        ok = np.isfinite(fine)
        time_s[ok] = unwrap_counter(fine[ok], CLOCK_BITS) * TICK_S[flavour]
    if counter is None or not np.isfinite(counter).all():
        return time_s, None
    return time_s, unwrap_counter(counter, COUNTER_BITS)


def _motion(col: dict[str, np.ndarray], rate: float | None, time_s: np.ndarray | None,
            path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Specific force, angular rate and orientation, from the best fields the file has."""
    quat = _orientation(col, path)
    if "acc" in col and "gyr" in col:
        return col["acc"], col["gyr"], quat, "rate"
    if "dv" in col and "dq" in col:
        period = _period(rate, time_s, path)
        return col["dv"] / period, _rate_of_turn(col["dq"]) / period, quat, "increments"
    if quat is not None and "free" in col:
        return (specific_force(quat, col["free"]), np.full((len(quat), 3), np.nan), quat,
                "orientation")
    raise InputDataError(
        f"{path} holds no acceleration with its orientation, so no steps can be found. Export "
        "it again with the accelerometer and gyroscope (Acc, Gyr: 'rate quantities' or a custom "
        "mode), or with the orientation and free acceleration (a 'complete' mode).")


def _orientation(col: dict[str, np.ndarray], path: Path) -> np.ndarray | None:
    if "quat" in col:
        quat = col["quat"]
        norm = np.linalg.norm(quat, axis=1)
        bad = np.flatnonzero(~(np.abs(norm - 1) <= QUAT_NORM_TOLERANCE))
        if len(bad):
            raise InputDataError(f"The orientation of sample {bad[0] + 1} of {path} is not a "
                                 "unit quaternion: the file is damaged.")
        return quat / norm[:, None]
    if "euler" in col:
        return quat_from_euler_deg(col["euler"])
    return None


def _period(rate: float | None, time_s: np.ndarray | None, path: Path) -> float:
    if rate:
        return 1.0 / rate
    if time_s is not None:
        return float(np.median(np.diff(time_s)))
    raise InputDataError(f"{path} gives velocity and orientation increments (dv, dq) but "
                         "neither times nor its rate: say the rate (--rate HZ).")


def _rate_of_turn(dq: np.ndarray) -> np.ndarray:
    """Rotation vector (rad) of each orientation increment (w, x, y, z)."""
    dq = dq * np.sign(dq[:, :1] + (dq[:, :1] == 0))  # the short way round
    sin_half = np.linalg.norm(dq[:, 1:], axis=1)
    angle = 2 * np.arctan2(sin_half, dq[:, 0])
    scale = np.where(sin_half > 1e-12, angle / np.maximum(sin_half, 1e-300), 2.0)
    return dq[:, 1:] * scale[:, None]


def _refuse_coordinate_system(vendor: dict[str, str], quat: np.ndarray | None,
                              path: Path) -> None:
    system = vendor.get("Coordinate system", "ENU").upper()
    if quat is not None and system.startswith("NED"):
        raise InputDataError(f"{path} gives its orientation in North-East-Down axes; export it "
                             "again with the ENU coordinate system (MT Manager's default).")


def _vendor(found: dict[str, str], source_kind: str) -> dict:
    out = {"fields": source_kind}
    for ours, theirs in VENDOR_KEYS.items():
        for key in theirs:
            if found.get(key):
                out[ours] = found[key]
                break
    out["header"] = {k: v for k, v in list(found.items())[:40]}
    return out


def _start_utc(found: dict[str, str]) -> str | None:
    """The DOT app's ``StartTime`` (local time with its UTC offset), in UTC."""
    text = found.get("StartTime", "")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            when = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return when.astimezone(dt.UTC).isoformat(timespec="seconds")
    return None
