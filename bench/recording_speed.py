"""Recording file speed: loading one hour, and the cost of writing live at 1 kHz.

Run: python bench/recording_speed.py

Load: open and read a one-hour 200 Hz recording (720 000 samples, every row checked).
Target well under 0.5 s. Write: 10 minutes of 1 kHz samples appended in 10-sample packets,
as a live session does (a commit with fsync every half second); CPU time as a share of one
core over the real duration of the data. Target: a few percent.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from imu_monitor.recording import RecordingWriter, open_recording
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate


def main() -> None:
    sc = get_scenario("walk-varied")
    print("simulating one hour at 200 Hz ...", flush=True)
    hour = simulate(sc.build(3600), 200.0, seed=1).samples.slice(0, 720_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.imurec"
        with RecordingWriter(path, 200.0) as writer:
            writer.append_all(hour)
        size_mb = path.stat().st_size / 1e6
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            rec = open_recording(path)
            loads.append(time.perf_counter() - t0)
        assert len(rec.samples) == len(hour)
        print(f"load 1 h at 200 Hz ({len(hour)} samples, {size_mb:.0f} MB): median "
              f"{statistics.median(loads):.3f} s over 5   (target well under 0.5 s)")

        live = hour.slice(0, 600_000)  # ten minutes at 1 kHz
        path = Path(tmp) / "live.imurec"
        wall0, cpu0 = time.perf_counter(), time.process_time()
        with RecordingWriter(path, 1000.0) as writer:
            for first in range(0, len(live), 10):
                writer.append(live.slice(first, first + 10))
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - wall0
        data_s = len(live) / 1000.0
        print(f"write 10 min at 1 kHz in 10-sample packets: {cpu:.2f} s CPU, {wall:.2f} s wall "
              f"for {data_s:.0f} s of data = {100 * cpu / data_s:.2f} % of one core "
              f"(target: a few %), {data_s / wall:.0f}× faster than real time")


if __name__ == "__main__":
    main()
