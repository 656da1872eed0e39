"""Our peak finder is scipy's, for the options the rep counters use."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from imu_monitor.processing.peaks import find_peaks


def _scipy(x, height, distance, prominence):
    return signal.find_peaks(x, height=height, distance=distance, prominence=prominence)[0]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-4, 4), min_size=0, max_size=80),
       height=st.integers(-3, 3), distance=st.integers(1, 12), prominence=st.integers(0, 4))
def test_small_integer_signals_with_plateaus_and_ties(values, height, distance, prominence):
    x = np.array(values, dtype=float)
    np.testing.assert_array_equal(find_peaks(x, height, distance, prominence),
                                  _scipy(x, height, distance, prominence))


def test_rep_like_signals():
    """Hip hikes as the drill sees them: noisy repetitions of a few degrees, 200 Hz."""
    rng = np.random.default_rng(3)
    for seed in range(20):
        t = np.arange(0, 40, 1 / 200)
        period = 2.0 + 0.5 * np.sin(seed)
        x = 4 * np.clip(np.sin(2 * np.pi * t / period), 0, None) ** 2 + rng.normal(0, 0.3, len(t))
        got = find_peaks(x, 2.0, 240, 2.0)
        np.testing.assert_array_equal(got, _scipy(x, 2.0, 240, 2.0))
        assert abs(len(got) - 40 / period) <= 1.5
