"""A walk imported with host-stamped times gives the numbers of the same walk with exact times.

End to end through the public path of ``imu-monitor analyze FILE.csv``: the CSV is read,
its times placed, and the analysis run on both files; the per-side mean peak drop may differ
by 0.05° at most, and the steps must be the same steps.
"""

import numpy as np
import pytest

from imu_monitor.analysis import analyze_source
from imu_monitor.pipeline import Analysis
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.sensor_model import SimulatedRecording
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.testing.host_times import HostTimes, host_times

from .conftest import simulated

RATE = 100.0  # nominal: what the files declare
PATTERNS = {
    "jitter ±20 %": {"jitter": 0.2},
    "jitter, clock 300 ppm fast": {"jitter": 0.2, "drift_ppm": 300},
    "jitter, clock 250 ppm slow, bursts, repeated rows": {
        "jitter": 0.2, "drift_ppm": -250, "bursts": 40, "duplicates": 20},
}


@pytest.fixture(scope="module")
def walk() -> SimulatedRecording:
    return simulated("trendelenburg-right", seed=3, rate_hz=RATE)


def _analysis(path, walk: SimulatedRecording, host: HostTimes) -> Analysis:
    rows = SampleBatch(host.time_s, np.arange(len(host.sample)), walk.samples.acc[host.sample],
                       walk.samples.gyr[host.sample])
    write_csv(path, rows, RATE)
    _, analysis = analyze_source(ImportedFile(path))
    return analysis


def _exact(n: int, sample: np.ndarray | None = None) -> HostTimes:
    sample = np.arange(n) if sample is None else np.unique(sample)
    return HostTimes(sample / RATE, sample)


def _assert_same_numbers(got: Analysis, exact: Analysis) -> None:
    for side in ("left", "right"):
        assert got.summary.side(side).steps == exact.summary.side(side).steps > 20
        assert got.summary.side(side).mean_peak_drop_deg == pytest.approx(
            exact.summary.side(side).mean_peak_drop_deg, abs=0.05)
    assert [s.side for s in got.steps] == [s.side for s in exact.steps]
    np.testing.assert_allclose([s.time_s for s in got.steps], [s.time_s for s in exact.steps],
                               atol=0.03)  # a clock 300 ppm off moves the last steps 20 ms,
    # and a contact may land one sample (10 ms) either side
    np.testing.assert_allclose([np.nan if s.peak_drop_deg is None else s.peak_drop_deg
                                for s in got.steps],
                               [np.nan if s.peak_drop_deg is None else s.peak_drop_deg
                                for s in exact.steps], atol=0.05)


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_host_stamped_walk_gives_the_exact_walks_numbers(tmp_path, walk, pattern):
    n = len(walk.samples)
    exact = _analysis(tmp_path / "exact.csv", walk, _exact(n))
    host = host_times(n, RATE, seed=8, **PATTERNS[pattern])
    got = _analysis(tmp_path / "host.csv", walk, host)
    assert got.lost_samples == exact.lost_samples == 0
    _assert_same_numbers(got, exact)
    assert exact.summary.right.mean_peak_drop_deg > 7.0  # the weak right side shows


def test_lost_packets_are_gaps_where_they_were(tmp_path, walk):
    """Jittered, drifting, bursting and with packets lost: the same as exact times with the
    same packets lost."""
    host = host_times(len(walk.samples), RATE, jitter=0.2, drift_ppm=200, bursts=30,
                      lost_packets=15, seed=9)
    got = _analysis(tmp_path / "host.csv", walk, host)
    exact = _analysis(tmp_path / "exact.csv", walk, _exact(len(walk.samples), host.sample))
    assert got.lost_samples == exact.lost_samples == host.missing == 150
    _assert_same_numbers(got, exact)
