"""The scipy-free filters of the live path give scipy's numbers, and importing the live path
loads neither scipy.signal nor scipy.ndimage."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage, signal

from imu_monitor.processing.filters import (
    biquad,
    biquad_steady_state,
    butter2_highpass,
    maximum_filter1d,
    minimum_filter1d,
    uniform_filter1d,
)

RATES_HZ = [60.0, 100.0, 200.0, 1000.0]


@pytest.mark.parametrize(("cutoff_hz", "rate_hz"), [(0.2, r) for r in RATES_HZ]
                         + [(5.0, 50.0), (30.0, 100.0)])
def test_butterworth_highpass_is_scipys(cutoff_hz, rate_hz):
    b, a = butter2_highpass(cutoff_hz, rate_hz)
    b_ref, a_ref = signal.butter(2, cutoff_hz / (rate_hz / 2), btype="high")
    np.testing.assert_allclose(b, b_ref, rtol=1e-12, atol=0)
    np.testing.assert_allclose(a, a_ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_steady_state_is_exact_where_lfilter_zi_rounds(rate_hz):
    """lfilter_zi solves a linear system that is ill-conditioned at a low cut-off (5e-11
    relative error at 1 kHz); the closed form leaves a constant input at exactly zero."""
    b, a = butter2_highpass(0.2, rate_hz)
    zi = biquad_steady_state(b, a)
    np.testing.assert_allclose(zi, signal.lfilter_zi(b, a), rtol=1e-10, atol=0)
    y, zf = biquad(b, a, np.full(1000, 40.0), zi * 40.0)
    assert np.abs(y).max() < 1e-12
    np.testing.assert_allclose(zf, zi * 40.0, rtol=1e-12)


def _extended_precision(b, a, x, zi):
    """lfilter's recurrence in long double: the reference both are judged against."""
    ld = np.longdouble
    b0, b1, b2, a1, a2 = (ld(v) for v in (b[0], b[1], b[2], a[1], a[2]))
    z0, z1 = ld(zi[0]), ld(zi[1])
    y = np.empty(len(x), dtype=np.longdouble)
    for i, xi in enumerate(x.astype(np.longdouble)):
        yi = z0 + b0 * xi
        z0, z1 = z1 + xi * b1 - yi * a1, xi * b2 - yi * a2
        y[i] = yi
    return y


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_biquad_is_lfilter_one_shot_and_chunked(rate_hz):
    """Headings as the kinematics feed them: unwrapped radians, far from zero, with turns."""
    rng = np.random.default_rng(int(rate_hz))
    n = 20_000
    x = 40.0 + np.cumsum(rng.normal(0, 0.01, n)) + 0.2 * np.sin(np.arange(n) / rate_hz * 6)
    b, a = butter2_highpass(0.2, rate_hz)
    zi = biquad_steady_state(b, a) * x[0]
    y, zf = biquad(b, a, x, zi)
    # lfilter's numbers to rounding: poles this close to 1 amplify any recurrence's rounding
    # (lfilter's own is up to 1e-10 at 1 kHz, 6e-9 degrees); the block products' is of the
    # same size (0.6 to 2.1 times lfilter's against long double here).
    y_ref, zf_ref = signal.lfilter(b, a, x, zi=zi)
    exact = _extended_precision(b, a, x, zi)
    assert np.abs(y - exact).max() <= 3 * np.abs(y_ref - exact).max() + 1e-15
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=3e-10)
    np.testing.assert_allclose(zf, zf_ref, rtol=0, atol=3e-10)
    # Against scipy's design and initial state: the coefficients differ in the last bit and
    # lfilter_zi rounds, which poles this close to 1 amplify: up to 5e-11 of the input at
    # 1 kHz (a start transient), 3e-12 at 200 Hz; far below the float32 history.
    b_ref, a_ref = signal.butter(2, 0.2 / (rate_hz / 2), btype="high")
    y_scipy, _ = signal.lfilter(b_ref, a_ref, x, zi=signal.lfilter_zi(b_ref, a_ref) * x[0])
    scale = np.abs(x).max()
    np.testing.assert_allclose(y, y_scipy, rtol=0, atol=1e-10 * scale)
    # Streaming in uneven chunks (empty ones too) is the one-shot call, to rounding.
    z = zi
    parts = []
    cuts = np.sort(rng.integers(0, n, 300))
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True):
        part, z = biquad(b, a, x[lo:hi], z)
        parts.append(part)
    np.testing.assert_allclose(np.concatenate(parts), y, rtol=0, atol=3e-10)
    np.testing.assert_allclose(z, zf, rtol=0, atol=3e-10)


def _random_signals():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 5, 17, 64, 301, 2000):
        yield rng.normal(size=n)
        yield np.round(rng.normal(size=n) * 2) / 2  # plateaus and ties
        yield np.cumsum(rng.normal(size=n))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 31, 41, 81, 500])
def test_sliding_extremes_are_ndimages(size):
    """Every origin scipy allows, windows longer than the data, edges repeated ("nearest")."""
    lowest, highest = -(size // 2), (size - 1) // 2
    origins = range(lowest, highest + 1) if size <= 8 else (lowest, lowest + 1, 0, highest)
    for x in _random_signals():
        for origin in origins:
            np.testing.assert_array_equal(
                maximum_filter1d(x, size, origin=origin),
                ndimage.maximum_filter1d(x, size, origin=origin, mode="nearest"))
            np.testing.assert_array_equal(
                minimum_filter1d(x, size, origin=origin),
                ndimage.minimum_filter1d(x, size, origin=origin, mode="nearest"))


def test_sliding_extremes_as_the_contact_detector_calls_them():
    rng = np.random.default_rng(3)
    smooth = np.convolve(rng.normal(size=5000), np.ones(9) / 9, mode="same")
    for w, a in ((40, 30), (24, 24), (20, 15), (1, 1)):
        np.testing.assert_array_equal(
            minimum_filter1d(smooth, w + 1, origin=w - (w + 1) // 2),
            ndimage.minimum_filter1d(smooth, w + 1, origin=w - (w + 1) // 2, mode="nearest"))
        np.testing.assert_array_equal(
            minimum_filter1d(smooth, a + 1, origin=-((a + 1) // 2)),
            ndimage.minimum_filter1d(smooth, a + 1, origin=-((a + 1) // 2), mode="nearest"))
        np.testing.assert_array_equal(
            maximum_filter1d(smooth, 2 * w + 1),
            ndimage.maximum_filter1d(smooth, 2 * w + 1, mode="nearest"))


def test_sliding_extremes_refuse_what_scipy_refuses():
    with pytest.raises(ValueError):
        maximum_filter1d(np.zeros(10), 4, origin=2)


@pytest.mark.parametrize("size", [1, 2, 3, 10, 60, 100, 200, 1000])
def test_moving_average_is_ndimages(size):
    """Default mode "reflect", repeated when the window is longer than the data: bit for bit."""
    for x in _random_signals():
        for values in (5 * x, (5 * x) ** 2):
            np.testing.assert_array_equal(uniform_filter1d(values, size),
                                          ndimage.uniform_filter1d(values, size))


def test_moving_average_of_float32_history():
    """The drills read float32 history as float64, as before."""
    x = np.random.default_rng(1).normal(size=3000).astype(np.float32)
    np.testing.assert_array_equal(uniform_filter1d(np.asarray(x, float), 200),
                                  ndimage.uniform_filter1d(np.asarray(x, float), 200))


def test_empty_input():
    for f in (maximum_filter1d, minimum_filter1d, uniform_filter1d):
        assert f(np.zeros(0), 3).shape == (0,)


@pytest.mark.parametrize("module", ["imu_monitor.pipeline", "imu_monitor.app.engine",
                                    "imu_monitor.app.main_window"])
def test_live_path_does_not_import_scipy_signal_or_ndimage(module):
    """~100 MB of memory and half a second of start-up (see bench/README.md)."""
    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('scipy.signal', 'scipy.ndimage') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1],
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"
