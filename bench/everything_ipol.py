"""Real walks as a clinic's file may really come: every difficulty at once, the numbers must hold.

Run: python bench/everything_ipol.py PATH/TO/ipol_gait_lowerback [--trials N] [--jobs J]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository). Each benchmark of its
own takes one difficulty away from a real walk; a file from a clinic has several. Here each
walk is written as a CSV file and analysed as ``imu-monitor analyze`` does (``analyze_source``,
automatic alignment), three times:

* **plain**: from 0.2 s before the first foot event (no standing: the neutral must come from
  the initial contacts), exact times, nothing lost, the sensor as it was clipped on;
* **lost**: the same with 5 % of its 10-sample packets lost (single and bursts up to 0.5 s,
  as ``bench/packet_loss.py``), the rows simply missing from the file;
* **everything**: the same lost packets, and the sensor turned to one of
  ``bench/mounting_ipol.py``'s eleven mountings (pitched 12–30°, sideways, upside down,
  arbitrary; a different one for each walk in turn), and the times a phone or Bluetooth host
  writes (``imu_monitor.testing.host_times``: ±20 % jitter, a clock 300 ppm fast or 250 ppm
  slow, bursts of late samples, repeated rows);
* **everything, packets stamped on arrival**: the same, but each ten-sample notification
  stamped when it arrived, an exponential 30 ms late (the way many Bluetooth hosts log).

Printed: how many walks were analysed (target: all), and against *plain*, how far each
per-side mean moved and which share of the counted steps kept their foot. The difficulties
other than loss should add nothing to what the loss alone does (bench/packet_loss.py: no mean
moved > 0.3°, which the loss alone does not meet on walks this short: docs/accuracy.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from host_times_ipol import analyse_csv
from ipol_data import load_trial
from mounting_ipol import mountings
from packet_loss import PACKET, lost_packets

from imu_monitor.conventions import SIDES
from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import Analysis
from imu_monitor.testing.host_times import HostTimes, host_times

LOSS = 0.05
LEAD_IN_S = 0.2
MEAN_TOLERANCE_DEG = 0.3
SAME_STEP_S = 0.08
VARIANTS = ("lost", "everything", "everything, packets stamped on arrival")


@dataclass(frozen=True)
class Outcome:
    trial: str
    mean_moved_deg: dict[str, list[float]]  # per variant, each side's |change| against plain
    same_foot: dict[str, tuple[int, int]]  # per variant: counted steps with plain's foot, matched
    error: str = ""


def _compare(plain: Analysis, other: Analysis) -> tuple[list[float], tuple[int, int]]:
    moved = []
    for side in SIDES:
        a, b = (x.summary.side(side).mean_peak_drop_deg for x in (other, plain))
        if a is not None and b is not None:
            moved.append(abs(a - b))
    reference = plain.real_steps
    times = np.array([s.time_s for s in reference])
    same = matched = 0
    for step in other.steps:
        if not step.counted or not len(times):
            continue
        k = int(np.argmin(np.abs(times - step.time_s)))
        if abs(times[k] - step.time_s) <= SAME_STEP_S:
            matched += 1
            same += reference[k].side == step.side
    return moved, (same, matched)


def check(lb_file: Path, index: int) -> Outcome:
    trial = load_trial(lb_file)
    first = max(0, trial.trial_bounds[0] - round(LEAD_IN_S * trial.rate_hz))
    acc, gyr, rate = trial.acc[first:], trial.gyr[first:], trial.rate_hz
    n = len(acc)
    lost = np.repeat(lost_packets(n // PACKET, rate, LOSS, np.random.default_rng(index)), PACKET)
    arrived = np.ones(n, dtype=bool)
    arrived[:len(lost)] = ~lost
    mounting = list(mountings().values())[index % 11]
    drift = 300 if index % 2 else -250
    stamps = host_times(n, rate, jitter=0.2, drift_ppm=drift, bursts=10, duplicates=5,
                        seed=index)
    packets = host_times(n, rate, latency_s=0.03, drift_ppm=drift, seed=index)
    keep, packet_keep = arrived[stamps.sample], arrived[packets.sample]
    exact = np.arange(n)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "walk.csv"
        try:
            plain = analyse_csv(path, acc, gyr, rate, HostTimes(exact / rate, exact))
            variants = {
                "lost": analyse_csv(path, acc, gyr, rate,
                                 HostTimes(exact[arrived] / rate, exact[arrived])),
                "everything": analyse_csv(path, acc @ mounting.T, gyr @ mounting.T, rate,
                                       HostTimes(stamps.time_s[keep], stamps.sample[keep])),
                "everything, packets stamped on arrival": analyse_csv(
                    path, acc @ mounting.T, gyr @ mounting.T, rate,
                    HostTimes(packets.time_s[packet_keep], packets.sample[packet_keep])),
            }
        except ImuMonitorError as exc:
            return Outcome(trial.name, {}, {}, str(exc))
    moved, same = {}, {}
    for name, analysis in variants.items():
        moved[name], same[name] = _compare(plain, analysis)
    return Outcome(trial.name, moved, same)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--trials", type=int, default=None, help="only the first N trials")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = sorted(args.folder.glob("*_lb.txt"))[:args.trials]
    with Pool(args.jobs) as pool:
        outcomes = pool.starmap(check, [(f, k) for k, f in enumerate(files)])
    failed = [o for o in outcomes if o.error]
    done = [o for o in outcomes if not o.error]
    print(f"{len(done)} of {len(files)} real walks analysed in every variant (target: all)")
    for o in failed:
        print(f"  {o.trial}: {o.error}")
    print(f"{'variant':40s} {'per-side mean moved: median':>28s} {'≤ 0.3°':>7s} {'max':>6s} "
          f"{'counted steps, same foot':>25s}")
    for name in VARIANTS:
        moved = np.array([m for o in done for m in o.mean_moved_deg[name]])
        same = sum(o.same_foot[name][0] for o in done)
        matched = sum(o.same_foot[name][1] for o in done)
        within = 100 * np.mean(moved <= MEAN_TOLERANCE_DEG)
        print(f"{name:40s} {np.median(moved):27.2f}° {within:6.0f}% {moved.max():5.2f}° "
              f"{100 * same / max(matched, 1):16.1f} % of {matched}")


if __name__ == "__main__":
    main()
