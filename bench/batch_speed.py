"""Speed-up of `imu-monitor batch` with the cores of this machine.

Run: python bench/batch_speed.py [--files 16] [--minutes 30] [--jobs 2]

One simulated walking recording (``--minutes`` at 100 Hz) is analysed ``--files`` times (the
folder holds links to it, plus the demo recordings): through the real command line, once with
``--jobs 1`` and once with ``--jobs N`` (default: the cores). Target: a speed-up of at least
1.8× on 2 cores (the work per file is independent; the rest is the start-up of the worker
processes). The issue's full measure: ``--files 200 --minutes 60``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SPEEDUP_2_CORES = 1.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    command = [sys.executable, "-m", "imu_monitor"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sessions"
        folder.mkdir()
        one = Path(tmp) / "walk.imurec"
        print(f"simulating {args.minutes:g} min at 100 Hz ...", flush=True)
        subprocess.run([*command, "simulate", "--scenario", "walk-varied", "--seconds",
                        str(args.minutes * 60), "-o", str(one)], check=True,
                       capture_output=True)
        for k in range(args.files):
            (folder / f"session-{k:03d}.imurec").symlink_to(one)
        for demo in Path("recordings").glob("demo-*.imurec"):
            shutil.copy(demo, folder / demo.name)
        files = args.files + len(list(Path("recordings").glob("demo-*.imurec")))
        times = {}
        for jobs in (1, args.jobs):
            table = Path(tmp) / f"table-{jobs}.csv"
            started = time.perf_counter()
            subprocess.run([*command, "batch", str(folder), "-o", str(table), "--jobs",
                            str(jobs)], check=True, capture_output=True)
            times[jobs] = time.perf_counter() - started
            hours = args.files * args.minutes / 60
            print(f"--jobs {jobs}: {times[jobs]:.1f} s for {files} files "
                  f"({hours / times[jobs] * 3600:.0f} recorded hours per hour of batch)")
        speedup = times[1] / times[args.jobs]
        target = TARGET_SPEEDUP_2_CORES * args.jobs / 2
        print(f"speed-up with {args.jobs} jobs: {speedup:.2f}x   target >= {target:.1f}x "
              f"({'met' if speedup >= target else 'NOT met'})")


if __name__ == "__main__":
    main()
