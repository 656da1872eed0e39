"""Peak memory of analysing, exporting and simulating long recordings.

Run: python bench/memory.py [--quick] [--keep DIR]

Each figure is the peak resident set (``ru_maxrss``) of one fresh ``imu-monitor`` process,
read with ``os.wait4`` for that process alone. The recordings are made in a temporary folder:

* two hours at 200 Hz by ``imu-monitor simulate`` (walk-varied, stretched to 2 h; this
  command is measured too: it simulates, writes and analyses);
* the same with 5 % of the packets lost (``--packet-loss 0.05``);
* eight hours at 100 Hz written through the library (``--seconds`` stops at six hours): the
  same simulated hour, seed 1, eight times end to end with continuing sequence numbers, and
  no stored calibration (so its analysis calibrates too).

Then ``analyze`` and ``export --format sto`` of each. Bytes per sample are counted above the
baseline, the peak of a process that analyses a 5-minute recording (imports, vqf and the
filter's window: what any long analysis pays once). The issue's targets: 8 h at 100 Hz
under 600 MB, 2 h at 200 Hz under 400 MB, at most 3 × 56 bytes (the raw samples in float64)
per sample above the baseline. ``simulate`` has none: it must write as it goes (it does),
but the simulator builds the whole session at once (bench/README.md). ``--quick``: 30 and
60 minutes instead of 2 and 8 hours (only bytes per sample are then compared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RAW_BYTES = 56  # a sample in float64 as the issue counts it: time, acc (3), gyr (3)
TARGET_BYTES = 3 * RAW_BYTES
ROOT = Path(__file__).resolve().parents[1]

WRITE_LONG = """
import sys
import numpy as np
from imu_monitor.recording import RecordingWriter
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

path, hours, rate, piece_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), 3600.0
sc = get_scenario("walk-varied")
piece = simulate(sc.build(piece_s), rate, seed=1).samples
n = round(piece_s * rate)
piece = piece.slice(0, n)
with RecordingWriter(path, rate, {"source": "simulated:walk-varied", "seed": 1,
                                  "drill": "walk"}) as writer:
    for k in range(round(hours * 3600 / piece_s)):
        writer.append_all(SampleBatch(piece.time_s + k * piece_s, piece.seq + k * n,
                                      piece.acc, piece.gyr), host_time=0.0)
"""


@dataclass
class Run:
    """One measured process."""

    peak_mb: float
    seconds: float
    output: str


def measure(args: list[str], cwd: Path) -> Run:
    """Peak RSS of one fresh process running ``args`` (our copy of the package first)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{text}")
    return Run(usage.ru_maxrss / 1024, time.perf_counter() - t0, text)


def cli(*words: str) -> list[str]:
    return [sys.executable, "-m", "imu_monitor", *words]


def samples_of(path: Path) -> int:
    from imu_monitor.recording import read_header

    return int(read_header(path)["samples"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 min and 1 h instead")
    parser.add_argument("--keep", type=Path, help="make the recordings in this folder and "
                        "keep them (reused when there)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # this copy of the package, as in the measured processes
    short_h, long_h = (0.5, 1.0) if args.quick else (2.0, 8.0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        # label, samples, run, MB target, bytes-per-sample target
        rows: list[tuple[str, int, Run, float | None, float | None]] = []

        imports = measure([sys.executable, "-c", "import imu_monitor.cli.commands"], folder)
        small = folder / "small.imurec"
        if not small.exists():
            measure(cli("simulate", "--scenario", "walk-varied", "--seconds", "300",
                        "--rate", "200", "-o", str(small)), folder)
        base = measure(cli("analyze", str(small)), folder)
        base_n = samples_of(small)
        print(f"baseline: imports {imports.peak_mb:.0f} MB; analysing {base_n} samples (5 min "
              f"at 200 Hz: imports, vqf) {base.peak_mb:.0f} MB", flush=True)

        seconds = short_h * 3600  # simulate writes the seconds asked for
        two = folder / f"walk-{short_h:g}h-200hz.imurec"
        lossy = folder / f"walk-{short_h:g}h-200hz-loss.imurec"
        for path, extra in ((two, ()), (lossy, ("--packet-loss", "0.05"))):
            if path.exists():
                print(f"reusing {path}")
                continue
            print(f"simulate {short_h:g} h at 200 Hz (--seconds {seconds:g}) ...", flush=True)
            run = measure(cli("simulate", "--scenario", "walk-varied", "--seconds", str(seconds),
                              "--rate", "200", *extra, "-o", str(path)), folder)
            if not extra:
                rows.append((f"simulate {short_h:g} h @ 200 Hz", samples_of(path), run, None,
                             None))
        eight = folder / f"walk-{long_h:g}h-100hz.imurec"
        if eight.exists():
            print(f"reusing {eight}")
        else:
            print(f"writing {long_h:g} h at 100 Hz ...", flush=True)
            measure([sys.executable, "-c", WRITE_LONG, str(eight), str(long_h), "100"], folder)

        for path, label, limit in ((two, f"{short_h:g} h @ 200 Hz", 400.0),
                                   (lossy, f"{short_h:g} h @ 200 Hz, 5 % lost", 400.0),
                                   (eight, f"{long_h:g} h @ 100 Hz", 600.0)):
            n = samples_of(path)
            sto = folder / f"{path.stem}.sto"
            for words in (("analyze", str(path)),
                          ("export", str(path), "--format", "sto", "-o", str(sto))):
                print(f"{words[0]} {label} ...", flush=True)
                run = measure(cli(*words), folder)
                rows.append((f"{words[0]} {label}", n, run, None if args.quick else limit,
                             TARGET_BYTES))
                sto.unlink(missing_ok=True)

        print()
        print(f"{'':34s} {'samples':>9s} {'peak MB':>8s} {'target':>7s} "
              f"{'B/sample':>9s} {'target':>7s} {'time s':>7s}")
        for label, n, run, limit, per_target in rows:
            per = (run.peak_mb - base.peak_mb) * 2**20 / max(n - base_n, 1)
            verdict = "—" if per_target is None else "pass" if per <= per_target and (
                limit is None or run.peak_mb <= limit) else "FAIL"
            print(f"{label:34s} {n:>9d} {run.peak_mb:>8.0f} "
                  f"{'≤ ' + format(limit, 'g') if limit else '—':>7s} {per:>9.0f} "
                  f"{'≤ ' + format(per_target, 'g') if per_target else '—':>7s} "
                  f"{run.seconds:>7.1f}  {verdict}")


if __name__ == "__main__":
    main()
