"""Real walks (the IPOL lower-back set, when present) played at a patient's pace — every
motion slower, its angles the same — are still found and measured
(bench/slow_walking_ipol.py runs all 110 at three paces)."""

import numpy as np
import pytest

from imu_monitor.errors import InputDataError
from imu_monitor.sources.units import check_units

from .conftest import bench_module


@pytest.mark.parametrize("k", [0.65, 0.55])
def test_real_walks_at_a_patients_pace_are_analysed(ipol_folder, k):
    bench = bench_module("slow_walking_ipol")
    for name in ("13-1", "3-6", "8-3"):  # refused ("No walking was found") before
        own, slowed = bench.check_trial(ipol_folder / f"{name}_lb.txt", (k,))
        assert not slowed.error, (name, slowed.error)
        assert slowed.cadence_spm < 0.8 * own.cadence_spm
        assert slowed.f1 >= own.f1 - 0.1, name
        assert slowed.left_right >= 0.85, name
        # Which steps count changes with the pace, so the means move (docs/accuracy.md, slow
        # walking: within 0.3° on 60–82 % of walks); this guards against gross errors.
        assert slowed.mean_change_deg <= 1.5, name


@pytest.mark.parametrize("k", [0.65, 0.55])
def test_units_are_checked_at_a_patients_pace(ipol_folder, k):
    """Slow walking has steady moments with a horizontal push in them (the tilt check once
    refused true units there) and too little movement for the movement check at brisk
    thresholds (rad/s read as deg/s once passed)."""
    bench = bench_module("slow_walking_ipol")
    for name in ("15-1", "18-1", "1-1", "13-1"):
        trial = bench.load_trial(ipol_folder / f"{name}_lb.txt")
        _, quat = bench.analyse(trial.acc, trial.gyr, trial.rate_hz, keep=True)
        acc, gyr = bench.slowed(trial.acc, trial.gyr, quat, k)
        slots = np.arange(len(acc))
        check_units(acc, gyr, slots, trial.rate_hz, "m/s2", "rad/s", name)
        with pytest.raises(InputDataError, match="--gyr-unit rad/s"):
            check_units(acc, gyr * np.pi / 180, slots, trial.rate_hz, "m/s2", "deg/s", name)
