"""Speed of one analysis, beside mobgap's on the same hour; live cost per packet.

Run: python bench/speed.py [--minutes 60] [--repeats 5]   (mobgap: pip install -e ".[bench]")

One hour at 200 Hz (720 000 samples, walk-varied, the sensor mounted x up, y right, z forward
so that mobgap gets the frame it expects) analysed:

* in process: ``analyze_samples`` — gap check, offline filter, calibration, angles, contacts,
  steps, summary — in one call (median of ``--repeats``);
* end to end from the command line: ``imu-monitor analyze FILE --json`` in a fresh process on
  the hour written as a recording (``.imurec``) and as our CSV, less interpreter start-up —
  the median time of ``imu-monitor --help`` (the interpreter, the command's imports and
  argument parsing, then exit) is taken off each run's median. Targets ≥ 2 000 000 samples/s
  from a recording, ≥ 1 000 000 from CSV;
* by mobgap (the Mobilise-D reference pipeline for the lower back): gait sequences
  (GsdIluz), then per sequence initial contacts (IcdIonescu) and their side (LrcUllrich), as
  ``MobilisedPipeline`` runs them, without its cadence, stride length and speed; in process,
  from arrays already in memory (acc in m/s², gyr in °/s, sensor frame). Our figures are
  printed as ratios to it; "mobgap not installed" when it is absent.

Live: the same pipeline fed 10-sample packets; median and p99 time per packet (target
median ≤ 0.2 ms). Everything runs on one core (the offline filter is C++ that holds the
interpreter lock): on a busy machine the figures drop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from imu_monitor.pipeline import Pipeline, analyze_samples
from imu_monitor.recording import RecordingWriter
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

RATE = 200.0
MOUNTING = "x=up,y=right,z=forward"  # mobgap's sensor frame on the lower back
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"simulating {args.minutes:g} min at {RATE:g} Hz ...", flush=True)
    n = round(args.minutes * 60 * RATE)
    samples = simulate(get_scenario("walk-varied").build(args.minutes * 60), RATE, seed=1,
                       mounting=MOUNTING).samples.slice(0, n)
    samples = SampleBatch(samples.time_s - samples.time_s[0], samples.seq - samples.seq[0],
                          samples.acc, samples.gyr)

    analyze_samples(samples.slice(0, 60_000), RATE)  # compile and warm up
    batch = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        analysis = analyze_samples(samples, RATE)
        batch.append(time.perf_counter() - t0)
    ours = n / statistics.median(batch)
    print(f"in process: {n} samples ({n / RATE / 60:.0f} min), {len(analysis.steps)} steps, "
          f"median {statistics.median(batch):.3f} s of {args.repeats}: {ours:,.0f} samples/s")

    with tempfile.TemporaryDirectory() as folder:
        cli = _command_line(samples, Path(folder), max(3, args.repeats // 2))
    mobgap = _mobgap(samples)

    print("\nsamples/s" + " " * 35 + "target      × mobgap")
    rows = [("analyze_samples (in process)", ours, None),
            ("imu-monitor analyze rec.imurec --json", cli["imurec"], 2e6),
            ("imu-monitor analyze rec.csv --json", cli["csv"], 1e6)]
    for name, rate, target in rows:
        ratio = f"{rate / mobgap:6.1f}×" if mobgap else "   —"
        goal = f"≥ {target / 1e6:.0f} M" if target else ""
        print(f"  {name:<40} {rate / 1e6:5.2f} M   {goal:<10} {ratio}")
    if mobgap:
        print(f"  {'mobgap GSD + ICD + LRC (in process)':<40} {mobgap / 1e6:5.2f} M")
    else:
        print("  mobgap not installed (pip install -e '.[bench]')")

    _live(samples, n)


def _command_line(samples: SampleBatch, folder: Path, repeats: int) -> dict[str, float]:
    """Samples/s of ``imu-monitor analyze`` in a fresh process, less start-up."""
    rec, csv = folder / "hour.imurec", folder / "hour.csv"
    with RecordingWriter(rec, RATE, {"source": "simulated:walk-varied", "drill": "walk"}) as w:
        w.append_all(samples)
    _cli("export", str(rec), "--format", "samples-csv", "-o", str(csv))
    _cli("analyze", str(rec), "--json")  # a first run: files and imports in the page cache
    startup = statistics.median(_cli("--help") for _ in range(repeats))
    print(f"start-up (imu-monitor --help): median {startup:.3f} s")
    out = {}
    for name, path in (("imurec", rec), ("csv", csv)):
        took = statistics.median(_cli("analyze", str(path), "--json") for _ in range(repeats))
        out[name] = len(samples) / (took - startup)
        print(f"imu-monitor analyze {path.name} --json: median {took:.3f} s, "
              f"{took - startup:.3f} s less start-up")
    return out


def _cli(*args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "imu_monitor", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _mobgap(samples: SampleBatch) -> float | None:
    """Samples/s of mobgap's gait sequences, initial contacts and laterality; None when
    mobgap is not installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its models' scikit-learn version, pandas
        try:
            import mobgap
            import pandas as pd
            from mobgap.gait_sequences import GsdIluz
            from mobgap.initial_contacts import IcdIonescu
            from mobgap.laterality import LrcUllrich
            from mobgap.pipeline import GsIterator
            from mobgap.utils.conversions import to_body_frame
        except ImportError:
            return None
        gyr = np.degrees(samples.gyr)
        data = pd.DataFrame({**{f"acc_{a}": samples.acc[:, k] for k, a in enumerate("xyz")},
                             **{f"gyr_{a}": gyr[:, k] for k, a in enumerate("xyz")}})
        t0 = time.perf_counter()
        body = to_body_frame(data)
        gsd = GsdIluz().detect(body, sampling_rate_hz=RATE)
        sequences = GsIterator()
        for (_, gs), result in sequences.iterate(body, gsd.gs_list_):
            icd = IcdIonescu().detect(gs, sampling_rate_hz=RATE)
            result.ic_list = LrcUllrich().predict(gs, icd.ic_list_,
                                                  sampling_rate_hz=RATE).ic_lr_list_
        contacts = sequences.results_.ic_list
        took = time.perf_counter() - t0
    print(f"mobgap {mobgap.__version__}: {len(gsd.gs_list_)} gait sequences, "
          f"{len(contacts)} initial contacts, {took:.2f} s")
    return len(samples) / took


def _live(samples: SampleBatch, n: int) -> None:
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
    print(f"\nlive: {len(per_packet)} packets of {packet} samples: median "
          f"{np.median(per_packet_ms):.3f} ms, p99 {np.percentile(per_packet_ms, 99):.3f} ms, "
          f"max {per_packet_ms.max():.2f} ms   (target median ≤ 0.2 ms)")


if __name__ == "__main__":
    main()
