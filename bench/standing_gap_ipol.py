"""Data lost while the patient stands for the calibration: the standing must still count.

Run: python bench/standing_gap_ipol.py PATH/TO/ipol_gait_lowerback [--seed 3]

Two kinds of loss, each on every real walk whose neutral comes from its standing: a long
gap inside the standing (below), and one sample in forty lost all through the recording (a
host that drops a notification now and then: no half-second block is whole).

Data: the real IPOL lower-back walks (``ipol_data``) whose analysis takes its neutral from
the standing before the walk. In each, 1.5–3.5 s of samples are lost somewhere inside that
standing (between 0.3 s and 0.3 s before the first foot event; the position and length drawn
with ``--seed``), then the walk is analysed again. Printed: how many keep their neutral from
standing (the rest fall back to the initial contacts, and their means move), and how far the
per-side means move. ``MAX_STILL_GAP_S`` (processing/alignment.py) is how much lost data a
still period bridges.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.conventions import SIDES
from imu_monitor.pipeline import Analysis, analyze_samples
from imu_monitor.processing.alignment import MAX_STILL_GAP_S, MIN_BLOCK_MEASURED
from imu_monitor.processing.calibration import NEUTRAL_STANDING
from imu_monitor.samples import SampleBatch

GAP_S = (1.5, 3.5)
MARGIN_S = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    gap, scattered = _Outcome(), _Outcome()
    for trial in load_all(args.folder):
        n, rate = len(trial.acc), trial.rate_hz
        whole = SampleBatch(np.arange(n) / rate, np.arange(n), trial.acc, trial.gyr)
        before = analyze_samples(whole, rate)
        margin = round(MARGIN_S * rate)
        length = round(rng.uniform(*GAP_S) * rate)  # (drawn for every walk: the same draws)
        if before.calibration.neutral_source != NEUTRAL_STANDING:
            continue
        scattered.add(before, _analysed(whole, np.arange(n) % 40 != 17, rate))
        if trial.first_foot_off - margin - length <= margin:
            continue
        start = int(rng.integers(margin, trial.first_foot_off - margin - length))
        keep = np.ones(n, dtype=bool)
        keep[start:start + length] = False
        gap.add(before, _analysed(whole, keep, rate))
    gap.show(f"{GAP_S[0]:g}–{GAP_S[1]:g} s lost inside the standing of {gap.tried} real walks "
             f"(a still period bridges {MAX_STILL_GAP_S:g} s)")
    scattered.show(f"one sample in forty lost all through {scattered.tried} real walks "
                   f"(a block counts as standing {MIN_BLOCK_MEASURED:.0%} measured)")


def _analysed(whole: SampleBatch, keep: np.ndarray, rate: float) -> Analysis:
    return analyze_samples(SampleBatch(whole.time_s[keep], whole.seq[keep], whole.acc[keep],
                                       whole.gyr[keep]), rate)


class _Outcome:
    """Walks tried, those that kept their neutral from standing, and the means' moves."""

    def __init__(self) -> None:
        self.tried, self.kept, self.moved = 0, 0, []

    def add(self, before: Analysis, after: Analysis) -> None:
        self.tried += 1
        self.kept += after.calibration.neutral_source == NEUTRAL_STANDING
        self.moved += [abs(after.summary.side(s).mean_peak_drop_deg
                           - before.summary.side(s).mean_peak_drop_deg) for s in SIDES
                       if after.summary.side(s).mean_peak_drop_deg is not None
                       and before.summary.side(s).mean_peak_drop_deg is not None]

    def show(self, title: str) -> None:
        moved_deg = np.array(self.moved)
        print(f"{title}:")
        print(f"  neutral still from standing: {self.kept} of {self.tried}")
        print(f"  per-side means moved: median {np.median(moved_deg):.2f}°, within 0.3° "
              f"{100 * np.mean(moved_deg <= 0.3):.0f} %, at most {moved_deg.max():.2f}°")


if __name__ == "__main__":
    main()
