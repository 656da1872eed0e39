"""Files in other vendors' formats, written from known samples (for the importer tests).

Each writer follows the vendor's documented layout (the readers' docstrings) including the
awkward parts: wrapping counters and clocks, preambles, tab separation, GB18030 text, units
other than ours, several sensors in one file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.protocols.movella_dot import euler_deg_from_quat
from imu_monitor.rotations import quat_to_matrix
from imu_monitor.samples import SampleBatch

HEAD = "PacketCounter,SampleTimeFine,"
START = dt.datetime(2026, 3, 5, 14, 12, 33, 120000, tzinfo=dt.UTC)


def _slots(samples: SampleBatch) -> np.ndarray:
    return samples.seq - samples.seq[0]


def write_mt_manager(path: Path, samples: SampleBatch, rate_hz: float, *, newer: bool = False,
                     counter_start: int = 65_000, fine_start: int = (1 << 32) - 100_000) -> Path:
    """MT Manager ASCII export: ``//`` preamble, tabs, PacketCounter (16 bits) and
    SampleTimeFine (32 bits of 0.1 ms), both started close to their wrap."""
    slots = _slots(samples)
    counter = (counter_start + slots) % (1 << 16)
    fine = (fine_start + np.round(slots * 1e4 / rate_hz).astype(np.int64)) % (1 << 32)
    if newer:  # MT Manager 2022: no update rate line, more columns, NaN where not sampled
        preamble = ["// General information: ", "//  MT Manager version: 2022.2.0 ",
                    "//  XDA version: 2022.2.0 build 7381 rev 124627 built on 2023-07-19",
                    "// Device information: ", "//  DeviceId: 00B42D4F",
                    "//  ProductCode: MTW2-3A7G6", "//  Firmware Version: 4.4.0",
                    "//  Hardware Version: 1.1.0", "// Device settings: ",
                    "//  Filter Profile: human(46.1)",
                    "//  Option Flags: Orientation Smoother Disabled, AHS Disabled",
                    "// Coordinate system: ENU"]
        columns = ["PacketCounter", "SampleTimeFine", "Year", "Month", "Day", "Second",
                   "Acc_X", "Acc_Y", "Acc_Z", "Gyr_X", "Gyr_Y", "Gyr_Z", "Roll", "Pitch", "Yaw",
                   "Status"]
        nan = np.full((len(slots), 4), np.nan)
        body = np.column_stack([counter, fine, nan, samples.acc, samples.gyr,
                                np.zeros((len(slots), 3)), np.full(len(slots), 3)])
    else:
        preamble = ["// Start Time: 0", f"// Update Rate: {rate_hz:.1f}Hz",
                    "// Filter Profile: human (46.1)", "// Option Flags: AHS Disabled ICC Disabled",
                    "// Firmware Version: 4.0.2"]
        columns = ["PacketCounter", "SampleTimeFine", "Acc_X", "Acc_Y", "Acc_Z", "Gyr_X",
                   "Gyr_Y", "Gyr_Z", "Mag_X", "Mag_Y", "Mag_Z"]
        body = np.column_stack([counter, fine, samples.acc, samples.gyr,
                                np.tile([0.3, -0.1, 0.8], (len(slots), 1))])
    rows = ["\t".join(_numbers(row)) for row in body]
    path.write_text("\n".join([*preamble, "\t".join(columns), *rows]) + "\n", encoding="utf-8")
    return path


def write_dot(path: Path, samples: SampleBatch, rate_hz: float, mode: str = "rate",
              quat: np.ndarray | None = None, fine_start: int = (1 << 32) - 5_000_000) -> Path:
    """Movella DOT app CSV: ``sep=,`` and ``Key:,value`` lines, ", " between values,
    SampleTimeFine in µs (32 bits, wrapping 5 s in). ``mode``: "rate" (Acc m/s², Gyr °/s),
    "quaternion" (Quat + FreeAcc), "euler" (Euler ° + FreeAcc), "orientation" (Quat alone)."""
    slots = _slots(samples)
    counter = (7 + slots) % (1 << 16)
    fine = (fine_start + np.round(slots * 1e6 / rate_hz).astype(np.int64)) % (1 << 32)
    titles = {"rate": "Rate quantities (with mag)", "quaternion": "Complete (Quaternion)",
              "euler": "Complete (Euler)", "orientation": "Orientation (Quaternion)"}
    preamble = ["sep=,", "DeviceTag:,Sacrum,,,,,,,,", "FirmwareVersion:,2.6.0,,,,,,,,",
                "AppVersion:,2023.6.0,,,,,,,,", "SyncStatus:,Un-synced,,,,,,,,",
                f"OutputRate:,{rate_hz:g}Hz,,,,,,,,", "FilterProfile:,General,,,,,,,,",
                f"Measurement Mode:,{titles[mode]},,,,,,,,",
                f"StartTime:,{_local_start()} +0100,,,,,,,,",
                "Movella Technologies B. V. 2005-2026,,,,,,,,,", ""]
    if mode == "rate":
        columns = HEAD + "Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z,Mag_X,Mag_Y,Mag_Z"
        body = np.column_stack([counter, fine, samples.acc, np.degrees(samples.gyr),
                                np.tile([0.3, -0.1, 0.8], (len(slots), 1))])
    else:
        free = np.einsum("nij,nj->ni", quat_to_matrix(quat), samples.acc) - [0, 0, GRAVITY_MPS2]
        if mode == "quaternion":
            columns = HEAD + "Quat_W,Quat_X,Quat_Y,Quat_Z,FreeAcc_X,FreeAcc_Y,FreeAcc_Z"
            body = np.column_stack([counter, fine, quat, free])
        elif mode == "euler":
            columns = HEAD + "Euler_X,Euler_Y,Euler_Z,FreeAcc_X,FreeAcc_Y,FreeAcc_Z"
            body = np.column_stack([counter, fine, euler_deg_from_quat(quat), free])
        else:
            columns = HEAD + "Quat_W,Quat_X,Quat_Y,Quat_Z"
            body = np.column_stack([counter, fine, quat])
    rows = [", ".join(_numbers(row)) for row in body]
    path.write_text("\n".join([*preamble, columns, *rows]) + "\n", encoding="utf-8")
    return path


def write_witmotion(path: Path, samples: SampleBatch, rate_hz: float, *,
                    chip_time: bool = True, devices: tuple[str, ...] = ("WT901BLE67(d6:a8)",),
                    decimal_comma: bool = False, host_jitter_s: float = 0.004,
                    gyr_header: str = "°/s", gyr_scale: float = 180 / np.pi) -> Path:
    """WitMotion PC software export: tabs, GB18030, acceleration in g and angular velocity
    in °/s, host ``Time`` (jittered) and sensor ``Chip Time()`` with its milliseconds after a
    colon. Several ``devices`` interleave their rows (the first one carries ``samples``)."""
    slots = _slots(samples)
    rng = np.random.default_rng(3)
    host = START + np.array([dt.timedelta(seconds=float(s)) for s in
                             slots / rate_hz + np.abs(rng.normal(0, host_jitter_s, len(slots)))])
    chip = [START + dt.timedelta(seconds=float(s)) for s in slots / rate_hz]
    columns = (["Time", "Device name"] + (["Chip Time()"] if chip_time else [])
               + [f"Acceleration {a}(g)" for a in "XYZ"]
               + [f"Angular velocity {a}({gyr_header})" for a in "XYZ"]
               + [f"Angle {a}(°)" for a in "XYZ"] + [f"Magnetic field {a}(ʯt)" for a in "XYZ"]
               + ["Temperature(℃)"] + [f"Quaternions {k}()" for k in range(4)])
    rows = []
    for k in range(len(slots)):
        for device in devices:
            other = device != devices[0]
            acc = samples.acc[k] / GRAVITY_MPS2 * (0.5 if other else 1.0)
            values = ([_number(v) for v in acc] + [_number(v) for v in samples.gyr[k] * gyr_scale]
                      + ["1.5", "-2.25", "170.0", "20", "-33", "41", "31.2", "1", "0", "0", "0"])
            if decimal_comma:
                values = [v.replace(".", ",") for v in values]
            stamp = [f"{host[k]:%H:%M:%S}.{host[k].microsecond // 1000:03d}", device]
            if chip_time:
                c = chip[k]
                stamp.append(f"{c.year}-{c.month}-{c.day} {c.hour}:{c.minute}:{c.second}:"
                             f"{c.microsecond // 1000:03d}")
            rows.append("\t".join(stamp + values))
    path.write_bytes(("\n".join(["\t".join(columns), *rows]) + "\n").encode("gb18030"))
    return path


def write_apdm(path: Path, samples: SampleBatch, rate_hz: float,
               labels: tuple[str, ...] = ("Sternum", "Lumbar", "Left Foot"),
               carrier: str = "Lumbar", version: int = 5) -> Path:
    """APDM Opal HDF5; the sensor labelled ``carrier`` holds ``samples``, the others a still
    sensor. Format 5 (``/Sensors``) or 3 (``CaseIdList``, ``Calibrated``)."""
    import h5py

    slots = _slots(samples)
    time_us = int(START.timestamp() * 1e6) + np.round(slots * 1e6 / rate_hz).astype(np.uint64)
    still_acc = np.tile([0.0, 0.0, GRAVITY_MPS2], (len(slots), 1))
    with h5py.File(path, "w") as f:
        f.attrs["FileFormatVersion"] = version
        cases = [f"XI-{1000 + k:06d}" for k in range(len(labels))]
        if version < 5:
            f.attrs["CaseIdList"] = [c.encode() for c in cases]
            f.attrs["MonitorLabelList"] = [lbl.encode() for lbl in labels]
        for case, label in zip(cases, labels, strict=True):
            ours = label == carrier
            acc = samples.acc if ours else still_acc
            gyr = samples.gyr if ours else np.zeros_like(still_acc)
            if version >= 5:
                group = f.create_group(f"Sensors/{case}")
                config = group.create_group("Configuration")
                config.attrs["Label 0"] = label.encode()
                config.attrs["Sample Rate"] = np.uint16(rate_hz)
                config.attrs["Timezone Offset"] = np.float64(1.0)
                group["Accelerometer"], group["Gyroscope"] = acc, gyr
                group["Magnetometer"] = np.tile([20.0, -5.0, 40.0], (len(slots), 1))
                group["Time"] = time_us
            else:
                group = f.create_group(case)
                group.attrs["SampleRate"] = np.uint16(rate_hz)
                group["Calibrated/Accelerometers"] = acc.T  # stored 3 × n by that version
                group["Calibrated/Gyroscopes"] = gyr.T
                group["Time"] = time_us
    return path


def write_shimmer(path: Path, samples: SampleBatch, rate_hz: float, *, sep: str = "\t",
                  wide_range: bool = True, comma: bool = False) -> Path:
    """Consensys CSV export: a ``sep=`` line, ``Shimmer_8A4F_…_CAL`` names, a units row
    (m/(s^2), deg/s, ms), rows ending with the separator; the wide-range accelerometer (the
    one used) beside a low-noise one that a walk's heel strikes saturate at 2 g."""
    slots = _slots(samples)
    unix_ms = 1.71742e12 + slots * 1000.0 / rate_hz
    device = "Shimmer_8A4F"
    signals = [("Timestamp_Unix_CAL", "ms"), *((f"Accel_LN_{a}_CAL", "m/(s^2)") for a in "XYZ"),
               ("Battery_CAL", "mV"), *((f"Gyro_{a}_CAL", "deg/s") for a in "XYZ")]
    ln = np.clip(samples.acc, -19.6, 19.6)
    columns = [unix_ms, *ln.T, np.full(len(slots), 4139.19), *np.degrees(samples.gyr).T]
    if wide_range:
        signals += [(f"Accel_WR_{a}_CAL", "m/(s^2)") for a in "XYZ"]
        columns += list(samples.acc.T)
    lines = [f'"sep={sep}"', sep.join(f"{device}_{name}" for name, _ in signals) + sep,
             sep.join(unit for _, unit in signals) + sep]
    for row in np.column_stack(columns):
        text = sep.join([f"{row[0]:.1f}", *(_number(v) for v in row[1:])]) + sep
        lines.append(text.replace(".", ",") if comma else text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _local_start() -> str:
    """The DOT app's start time: local (here UTC+1), to the millisecond."""
    local = START.astimezone(dt.timezone(dt.timedelta(hours=1)))
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"


def _numbers(row: np.ndarray) -> list[str]:
    """A row whose first two values are a counter and a clock (integers)."""
    return [str(int(v)) for v in row[:2]] + [_number(v) for v in row[2:]]


def _number(value: float) -> str:
    return repr(float(value)) if value == value else "NaN"
