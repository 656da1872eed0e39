"""Samples written as an Android logger writes them: one sensor event a row (the
``sensor-rows`` import format), for the tests and the real-data bench."""

from __future__ import annotations

from pathlib import Path

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
