"""Speed of the measurement core: batch throughput and live per-packet cost.

Run: python bench/speed.py [--minutes 60]

Batch: one hour at 200 Hz (720 000 samples) through the whole pipeline — gap check, fusion,
calibration, angles, contacts, steps, summary — in one call. Target ≥ 2 000 000 samples/s.
Live: the same pipeline fed 10-sample packets; median and p99 time per packet.
Target median ≤ 0.2 ms. Baseline in the same run: numpy copying the same arrays once, so the
figures can be compared across machines (ratio to a memory-bound floor).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from imu_monitor.pipeline import Pipeline, analyze_samples
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

RATE = 200.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sc = get_scenario("walk-varied")
    print(f"simulating {args.minutes:g} min at {RATE:g} Hz ...", flush=True)
    n = round(args.minutes * 60 * RATE)
    samples = simulate(sc.build(args.minutes * 60), RATE, seed=1).samples.slice(0, n)
    analyze_samples(samples.slice(0, 20000), RATE)  # compile and warm up

    baseline, batch = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        _ = (samples.acc.copy(), samples.gyr.copy(), samples.time_s.copy())
        baseline.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        analysis = analyze_samples(samples, RATE)
        batch.append(time.perf_counter() - t0)
    med = statistics.median(batch)
    print(f"batch: {n} samples ({n / RATE / 60:.0f} min), {len(analysis.steps)} steps, "
          f"median {med:.3f} s over {args.repeats} runs")
    print(f"  throughput {n / med:,.0f} samples/s   (target ≥ 2,000,000)   "
          f"{med / statistics.median(baseline):.0f}× a plain copy of the input")

    pipeline = Pipeline(RATE)
    per_packet = []
    packet = 10
    limit = min(n, round(10 * 60 * RATE))  # ten minutes of packets is plenty
    for first in range(0, limit, packet):
        batch_in = samples.slice(first, first + packet)
        t0 = time.perf_counter()
        pipeline.push(batch_in)
        per_packet.append(time.perf_counter() - t0)
    per_packet_ms = np.array(per_packet) * 1e3
    print(f"live: {len(per_packet)} packets of {packet} samples: median "
          f"{np.median(per_packet_ms):.3f} ms, p99 {np.percentile(per_packet_ms, 99):.3f} ms, "
          f"max {per_packet_ms.max():.2f} ms   (target median ≤ 0.2 ms)")


if __name__ == "__main__":
    main()
