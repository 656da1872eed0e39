"""Real walks written with host-stamped times give the numbers of the same walks with exact times.

Run: python bench/host_times_ipol.py PATH/TO/ipol_gait_lowerback [--trials N]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository). Each real walk (100 Hz)
is written as a CSV file twice — with its exact sample times, and with times as a phone or a
Bluetooth host stamps them (``imu_monitor.testing.host_times``: ±20 % jitter, the host's clock
300 ppm fast or 250 ppm slow, bursts of late samples, repeated rows; or each ten-sample
notification stamped when it arrives, an exponential 30 ms late) — and both go through
``imu-monitor analyze``'s path (``analyze_source``). Target: per-side mean peak drop within
0.05° of the exact-time file, the same steps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.analysis import analyze_source
from imu_monitor.conventions import SIDES
from imu_monitor.pipeline import Analysis
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.testing.host_times import HostTimes, host_times

TOLERANCE_DEG = 0.05
PATTERNS = {
    "jitter ±20 %, clock 300 ppm fast": {"jitter": 0.2, "drift_ppm": 300},
    "jitter, 250 ppm slow, bursts, repeated rows": {"jitter": 0.2, "drift_ppm": -250,
                                                    "bursts": 20, "duplicates": 10},
    "packets stamped on arrival, 30 ms, 200 ppm fast": {"latency_s": 0.03, "drift_ppm": 200},
}


def analyse_csv(path: Path, acc: np.ndarray, gyr: np.ndarray, rate: float,
                host: HostTimes) -> Analysis:
    """The samples ``host`` says reached the file, written as our CSV with its times and
    analysed as ``imu-monitor analyze`` does."""
    rows = SampleBatch(host.time_s, np.arange(len(host.sample)), acc[host.sample],
                       gyr[host.sample])
    write_csv(path, rows, rate)
    return analyze_source(ImportedFile(path))[1]


def against_exact(trial, seed: int, pattern: dict, folder: Path
                  ) -> tuple[list[float], bool]:
    """How far each side's mean moved with host-stamped times (°), and whether the steps
    (foot, counted) are the same as with the exact times."""
    n, rate = len(trial.acc), trial.rate_hz
    exact = analyse_csv(folder / "exact.csv", trial.acc, trial.gyr, rate,
                      HostTimes(np.arange(n) / rate, np.arange(n)))
    got = analyse_csv(folder / "host.csv", trial.acc, trial.gyr, rate,
                    host_times(n, rate, seed=seed, **pattern))
    moved = []
    for side in SIDES:
        a, b = (x.summary.side(side).mean_peak_drop_deg for x in (got, exact))
        if a is not None and b is not None:
            moved.append(abs(a - b))
    same = [(s.side, s.counted) for s in got.steps] == [(s.side, s.counted) for s in exact.steps]
    return moved, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--trials", type=int, default=None, help="only the first N trials")
    args = parser.parse_args()
    moved: dict[str, list[float]] = {name: [] for name in PATTERNS}
    same_steps: dict[str, int] = dict.fromkeys(PATTERNS, 0)
    trials = load_all(args.folder)[:args.trials]
    with tempfile.TemporaryDirectory() as folder:
        for k, trial in enumerate(trials):
            for name, pattern in PATTERNS.items():
                change, same = against_exact(trial, k, pattern, Path(folder))
                moved[name] += change
                same_steps[name] += same
    print(f"{len(trials)} real walks; target: per-side means within {TOLERANCE_DEG}° of the "
          "exact-time file")
    for name in PATTERNS:
        m = np.array(moved[name])
        print(f"{name:48s} per-side mean moved: median {np.median(m):.3f}°, max "
              f"{m.max():.3f}°, within {TOLERANCE_DEG}° {100 * np.mean(m <= TOLERANCE_DEG):.0f} % "
              f"of {len(m)} sides; the same steps in {same_steps[name]} of {len(trials)} walks")


if __name__ == "__main__":
    main()
