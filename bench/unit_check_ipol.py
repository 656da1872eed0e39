"""The unit check on real lower-back gait data: right units pass, wrong ones are named.

Run: python bench/unit_check_ipol.py PATH/TO/ipol_gait_lowerback [--verbose]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurement Units", IPOL 2023 (not part of this repository): 110 trials, Xsens at L5,
m/s² and rad/s. Each trial is written as a CSV (in a temporary folder) in its true units and
in the wrong ones, and read back with ``read_samples`` exactly as ``imu-monitor import`` does.
Target: every trial read in its true units, every wrong declaration refused with the unit
that fits.

Then the gyroscope's columns mixed up against the accelerometer's (two swapped, one
reversed), units right: refused, saying to check the column map, where the walk has a turn to
tell by (a turn of 90° or more in 3 s with a calm second either side: 94 of the 110 walks).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import IpolTrial, load_all

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.importers import read_samples
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import write_csv


@dataclass(frozen=True)
class Case:
    """One way of writing a trial and declaring its units, and what the import must say."""

    name: str
    acc_per_si: float  # the file's accelerometer numbers per m/s²
    gyr_per_si: float  # the file's gyroscope numbers per rad/s
    acc_unit: str  # as the file declares it
    gyr_unit: str
    hint: str | None  # the option the refusal must name (None: read without complaint)


DEG = float(np.degrees(1.0))
CASES = [
    Case("true units", 1.0, 1.0, "m/s2", "rad/s", None),
    Case("rad/s declared deg/s", 1.0, 1.0, "m/s2", "deg/s", "--gyr-unit rad/s"),
    Case("deg/s declared rad/s", 1.0, DEG, "m/s2", "rad/s", "--gyr-unit deg/s"),
    Case("g declared m/s²", 1.0 / GRAVITY_MPS2, 1.0, "m/s2", "rad/s", "--acc-unit g"),
    Case("m/s² declared g", 1.0, 1.0, "g", "rad/s", "--acc-unit m/s2"),
]


# The gyroscope's columns as a column map might mix them: (name, axes order, signs).
MIXED_AXES = [("gyro x and y swapped", [1, 0, 2], [1, 1, 1]),
              ("gyro y and z swapped", [0, 2, 1], [1, 1, 1]),
              ("gyro x and z swapped", [2, 1, 0], [1, 1, 1]),
              ("gyro x reversed", [0, 1, 2], [-1, 1, 1]),
              ("gyro y reversed", [0, 1, 2], [1, -1, 1]),
              ("gyro z reversed", [0, 1, 2], [1, 1, -1])]
MIXED_HINT = "check the column map"


def mixed_axes_refused(trial: IpolTrial, folder: Path) -> list[bool]:
    """For each of ``MIXED_AXES``: whether the import refused it, naming the column map."""
    out = []
    path = folder / f"{trial.name}-axes.csv"
    n = len(trial.acc)
    for _, order, signs in MIXED_AXES:
        gyr = trial.gyr[:, order] * np.asarray(signs, dtype=float)
        write_csv(path, SampleBatch(np.arange(n) / trial.rate_hz, np.arange(n), trial.acc, gyr),
                  trial.rate_hz, {"acc_unit": "m/s2", "gyr_unit": "rad/s"})
        try:
            read_samples(path)
            out.append(False)
        except InputDataError as exc:
            out.append(MIXED_HINT in str(exc))
    return out


def verdicts(trial: IpolTrial, folder: Path) -> list[tuple[Case, bool, str]]:
    """Each case: whether the import behaved as it must, and what it said."""
    out = []
    path = folder / f"{trial.name}.csv"
    n = len(trial.acc)
    for case in CASES:
        samples = SampleBatch(np.arange(n) / trial.rate_hz, np.arange(n),
                              trial.acc * case.acc_per_si, trial.gyr * case.gyr_per_si)
        write_csv(path, samples, trial.rate_hz,
                  {"acc_unit": case.acc_unit, "gyr_unit": case.gyr_unit})
        try:
            read_samples(path)
            said = ""
        except InputDataError as exc:
            said = str(exc)
        out.append((case, not said if case.hint is None else case.hint in said, said))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    trials = load_all(args.folder)
    right = dict.fromkeys(CASES, 0)
    mixed = np.zeros(len(MIXED_AXES), dtype=int)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for trial in trials:
            for case, ok, said in verdicts(trial, Path(tmp)):
                right[case] += ok
                if not ok or args.verbose:
                    print(f"{trial.name:6s} {case.name:22s} {'ok ' if ok else 'WRONG'} {said}")
            mixed += mixed_axes_refused(trial, Path(tmp))
    seconds = time.perf_counter() - started
    for case in CASES:
        what = "read" if case.hint is None else f"refused naming {case.hint}"
        print(f"{case.name:22s} {what:36s} {right[case]:3d} of {len(trials)}   target "
              f"{len(trials)}")
    for (name, _, _), refused in zip(MIXED_AXES, mixed, strict=True):
        print(f"{name:22s} {'refused: ' + MIXED_HINT:36s} {refused:3d} of {len(trials)}")
    print(f"{len(trials) * (len(CASES) + len(MIXED_AXES))} imports in {seconds:.1f} s")


if __name__ == "__main__":
    main()
