"""Latency of the BLE link at 200 Hz over the fake BlueZ, and its cost per packet.

Run: python bench/ble_latency.py [--seconds 20] [--samples-per-packet 10]

Latency: from the fake sensor handing a notification to D-Bus (its time.monotonic(), the
same clock in every process) to the consumer of ``BleSource.stream()`` holding its samples:
dbus-daemon, bleak's BlueZ backend, our callback (decode, timeline, queue) and the consumer's
queue wait. Cost: decode + timeline placement + live analysis (``Pipeline.push``) of one
packet, measured in this process on the same packets. Needs the test extras (dbusmock).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from imu_monitor.link.ble import BleSource
from imu_monitor.link.families import IMU_MONITOR_V1
from imu_monitor.link.timeline import SessionTimeline
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.samples import SampleBatch
from imu_monitor.testing.fake_bluez import FakeBluez
from imu_monitor.testing.peripheral import Peripheral

RATE_HZ = 200.0
TARGET_MEDIAN_MS, TARGET_P99_MS, TARGET_COST_MS = 5.0, 20.0, 0.2


def latency_ms(seconds: float, per_packet: int) -> np.ndarray:
    with FakeBluez() as bluez:
        sensor = bluez.add_sensor("imu_monitor", "BENCH", "C0:FF:EE:00:BE:01",
                                  rate_hz=RATE_HZ, samples_per_packet=per_packet)
        source = BleSource("BENCH", rate_hz=RATE_HZ)
        got: dict[int, float] = {}  # first seq of a batch → when the consumer had it
        end = time.monotonic() + seconds
        try:
            for item in source.stream():
                if isinstance(item, SampleBatch):
                    got[int(item.seq[0])] = time.monotonic()
                if time.monotonic() > end:
                    break
        finally:
            source.close()
        # One connection from index 0: the session seq is the device's sample index.
        return np.array([(got[first] - sent) * 1e3 for first, _, sent in sensor.sent()
                         if first in got])


def cost_ms(per_packet: int, packets: int = 6000) -> tuple[float, float]:
    """Median decode + timeline, and median Pipeline.push, per packet (ms)."""
    sensor = Peripheral("imu_monitor", rate_hz=RATE_HZ, samples_per_packet=per_packet)
    sensor.start(0.0)
    wire = [sensor.packet(k * per_packet, per_packet) for k in range(packets)]
    decoder = IMU_MONITOR_V1.make_decoder(RATE_HZ)
    timeline = SessionTimeline(RATE_HZ)
    pipeline = Pipeline(RATE_HZ, PipelineConfig(drill="walk"))
    link, analysis = [], []
    for k, packet in enumerate(wire):
        t0 = time.perf_counter()
        batch = decoder.decode(packet, k * per_packet / RATE_HZ)
        batch, _ = timeline.place(batch, (k + 1) * per_packet / RATE_HZ + 0.004)
        t1 = time.perf_counter()
        pipeline.push(batch)
        t2 = time.perf_counter()
        link.append(t1 - t0)
        analysis.append(t2 - t1)
    return float(np.median(link)) * 1e3, float(np.median(analysis)) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--samples-per-packet", type=int, default=10)
    args = parser.parse_args()
    lat = latency_ms(args.seconds, args.samples_per_packet)
    link, analysis = cost_ms(args.samples_per_packet)
    print(f"{len(lat)} notifications at {RATE_HZ:g} Hz, {args.samples_per_packet} samples each")
    print(f"latency notification → consumer: median {np.median(lat):.2f} ms "
          f"(target ≤ {TARGET_MEDIAN_MS:g}), p99 {np.percentile(lat, 99):.2f} ms "
          f"(target ≤ {TARGET_P99_MS:g}), max {lat.max():.2f} ms")
    print(f"decode + pipeline per packet: median {link + analysis:.3f} ms (target ≤ "
          f"{TARGET_COST_MS:g}): decode + timeline {link:.3f} ms, Pipeline.push {analysis:.3f} ms")


if __name__ == "__main__":
    main()
