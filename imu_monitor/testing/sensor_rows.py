"""Samples written as phone apps write them — one sensor event a row (the ``sensor-rows``
import format), or one file per sensor (``sensor-files``) — for the tests and the real-data
bench."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from imu_monitor.samples import SampleBatch


def write_sensor_rows(path: Path, samples: SampleBatch, *,
                      header: str = "timestamp_ns,sensor,x,y,z",
                      names: tuple[str, str] = ("android.sensor.accelerometer",
                                                "android.sensor.gyroscope")) -> Path:
    """An Android logger's CSV: one sensor event a row, nanosecond boot-clock times, m/s² and
    rad/s; magnetometer rows between. The two sensors run on clocks of their own: the
    accelerometer writes the even samples, the gyroscope the odd ones (half an interval
    later)."""
    rows = [(time, names[0], v) for time, v in zip(samples.time_s[::2], samples.acc[::2],
                                                    strict=True)]
    rows += [(time, names[1], v) for time, v in zip(samples.time_s[1::2], samples.gyr[1::2],
                                                     strict=True)]
    rows += [(time + 0.001, "android.sensor.magnetic_field", (20.0, 5.0, -40.0))
             for time in samples.time_s[::10]]
    rows.sort(key=lambda row: row[0])
    path.write_text(header + "\n" + "\n".join(
        f"{round((time + 5000.0) * 1e9)},{name}," + ",".join(repr(float(x)) for x in v)
        for time, name, v in rows) + "\n")
    return path


def write_sensor_logger_export(path: Path, samples: SampleBatch, *, platform: str = "android",
                               standardised: bool = False, with_metadata: bool = True) -> Path:
    """A Sensor Logger export (a .zip when ``path`` ends so, else a folder): one CSV per
    sensor, ``time`` in epoch nanoseconds, ``z, y, x`` columns, m/s² and rad/s. The
    accelerometer writes the even samples, the gyroscope the odd ones. Android writes
    ``TotalAcceleration.csv`` and the linear ``Accelerometer.csv``; an iPhone only the linear
    one and ``Gravity.csv``, every acceleration with the opposite sign unless
    ``standardised``."""
    t0_ns = 1_764_000_000_000_000_000
    acc_t, acc = samples.time_s[::2], samples.acc[::2]
    gyr_t, gyr = samples.time_s[1::2], samples.gyr[1::2]
    gravity = _slowly(acc)
    sign = -1.0 if platform == "ios" and not standardised else 1.0
    field = np.tile([20.0, 5.0, -40.0], (len(acc_t[::5]), 1))
    tables = {"Gyroscope": (gyr_t, gyr), "Accelerometer": (acc_t, sign * (acc - gravity)),
              "Magnetometer": (acc_t[::5] + 0.001, field)}
    if platform == "ios":
        tables["Gravity"] = (acc_t, sign * gravity)
    else:
        tables["TotalAcceleration"] = (acc_t, acc)
        tables["Gravity"] = (acc_t + 0.002, gravity)  # Android's own sensor, its own times
    files = {f"{name}.csv": "time,seconds_elapsed,z,y,x\n" + "".join(
        f"{t0_ns + round(t * 1e9)},{t:.6f},{v[2]!r},{v[1]!r},{v[0]!r}\n"
        for t, v in zip(times, values.tolist(), strict=True))
        for name, (times, values) in tables.items()}
    if with_metadata:
        files["Metadata.csv"] = (
            "version,device name,recording epoch time,recording time,recording timezone,"
            "platform,appVersion,device id,sensors,sampleRateMs,standardisation,"
            f"platform version\n3,Test phone,{t0_ns // 1_000_000},2025-11-24_16-00-00,"
            f"Europe/Zurich,{platform},1.40,abc,Accelerometer|Gyroscope,10|10,"
            f"{str(standardised).lower()},17\n")
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in files.items():
                archive.writestr(f"{path.stem}/{name}", text)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (path / name).write_text(text)
    return path


def _slowly(acc: np.ndarray, window: int = 51) -> np.ndarray:
    """What a phone's fusion calls gravity: the acceleration averaged over half a second."""
    kernel = np.ones(window) / window
    padded = np.pad(acc, ((window // 2, window // 2), (0, 0)), mode="edge")
    return np.column_stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(3)])
