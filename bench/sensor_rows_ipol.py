"""Real walks written as phone apps write them read as the walks themselves.

Run: python bench/sensor_rows_ipol.py PATH/TO/ipol_gait_lowerback [--every N]
         [--layout rows|android|iphone] [--stamped-by-host]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurement Units", IPOL 2023 (not part of this repository): Xsens at L5, 100 Hz.
Each walk is written twice: as our CSV, and as one sensor event a row (the ``sensor-rows``
import format, ``imu_monitor.testing.sensor_rows``) with the gyroscope on a clock of its own,
half a sample after the accelerometer (its values the walk's gyroscope band-limited to 200 Hz
and taken there), magnetometer rows between. ``--layout android|iphone``: the same two
sensors as a Sensor Logger export instead, one CSV per sensor (the ``sensor-files`` format:
an Android phone's total acceleration; an iPhone's linear acceleration and gravity, every sign
reversed). Both go through ``imu-monitor analyze``'s path.
Printed: how far each side's mean peak drop moved (target as for host-stamped times: 0.05°).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all

from imu_monitor.analysis import analyze_source
from imu_monitor.conventions import SIDES
from imu_monitor.importers import ImportOptions
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.testing.sensor_rows import write_sensor_logger_export, write_sensor_rows

TOLERANCE_DEG = 0.05


def side_means(source) -> dict[str, float | None]:
    summary = analyze_source(source)[1].summary
    return {side: getattr(summary, side).mean_peak_drop_deg for side in SIDES}


def stamped_ten_at_a_time(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Times as a host writes them on arrival: ten rows a notification, all stamped with the
    tenth's time plus the link's delay (exponential, 30 ms on average), never before the
    previous notification's stamp."""
    last = np.minimum(np.arange(len(t)) // 10 * 10 + 9, len(t) - 1)
    delay = rng.exponential(0.03, size=len(t) // 10 + 1)[np.arange(len(t)) // 10]
    return np.maximum.accumulate(t[last] + delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ipol", type=Path)
    parser.add_argument("--every", type=int, default=1, help="every Nth walk (default: all)")
    parser.add_argument("--layout", choices=("rows", "android", "iphone"), default="rows",
                        help="one sensor a row (default), or a phone's export of a file each")
    parser.add_argument("--stamped-by-host", action="store_true",
                        help="each sensor's rows stamped ten at a time when they arrive (the "
                             "tenth's time, plus an exponential 30 ms)")
    args = parser.parse_args()
    moves, folder, rng = [], Path(tempfile.mkdtemp()), np.random.default_rng(7)
    for k, trial in enumerate(load_all(args.ipol)):
        if k % args.every:
            continue
        n = len(trial.acc)
        time_s = np.arange(n) / trial.rate_hz
        write_csv(folder / "ours.csv", SampleBatch(time_s, np.arange(n), trial.acc, trial.gyr),
                  trial.rate_hz)
        fine_acc = resample_poly(trial.acc, 2, 1, axis=0)
        fine_acc[::2] = trial.acc  # the accelerometer's own samples, as recorded
        fine_t = np.arange(2 * n) / (2 * trial.rate_hz)
        if args.stamped_by_host:
            for first in (0, 1):  # the accelerometer's rows, then the gyroscope's
                fine_t[first::2] = stamped_ten_at_a_time(fine_t[first::2], rng)
        fine = SampleBatch(fine_t, np.arange(2 * n), fine_acc,
                           resample_poly(trial.gyr, 2, 1, axis=0))
        if args.layout == "rows":
            written = write_sensor_rows(folder / "rows.csv", fine)
            options = ImportOptions(acc_unit="m/s2", gyr_unit="rad/s")
        else:
            written = write_sensor_logger_export(
                folder / f"export-{k}", fine,
                platform="ios" if args.layout == "iphone" else "android")
            options = ImportOptions()  # the export says its units and the phone's axes
        ours = side_means(ImportedFile(folder / "ours.csv"))
        rows = side_means(ImportedFile(written, options))
        for side in SIDES:
            if ours[side] is not None and rows[side] is not None:
                moves.append(abs(ours[side] - rows[side]))
                if moves[-1] > TOLERANCE_DEG + 1e-9:
                    print(f"  {trial.name} {side}: {ours[side]:.2f}° → {rows[side]:.2f}°")
    moves_arr = np.array(moves)
    print(f"{len(moves)} per-side means: moved a median {np.median(moves_arr):.2f}°, "
          f"within {TOLERANCE_DEG}° {np.mean(moves_arr <= TOLERANCE_DEG + 1e-9):.0%}, "
          f"largest {moves_arr.max():.2f}° (target: all within {TOLERANCE_DEG}°)")


if __name__ == "__main__":
    main()
