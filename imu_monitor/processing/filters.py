"""The few scipy filters the live path needs, without importing scipy.

``scipy.signal`` and ``scipy.ndimage`` cost about 100 MB of memory and half a second at start-up
for a Butterworth design, one biquad, sliding extremes and a moving average. These give the same
numbers (tested against scipy): the Butterworth design to rounding, the biquad the same
recurrence as ``lfilter``, the extremes exactly, the moving average bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


def butter2_highpass(cutoff_hz: float, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.butter(2, cutoff_hz / (rate_hz / 2), btype="high")``, in closed form.

    Bilinear transform of s² / (s² + √2 ωs + ω²) with the cut-off pre-warped, as scipy does.
    """
    k = math.tan(math.pi * cutoff_hz / rate_hz)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b = np.array([norm, -2.0 * norm, norm])
    a = np.array([1.0, 2.0 * (k * k - 1.0) * norm, (1.0 - math.sqrt(2.0) * k + k * k) * norm])
    return b, a


def biquad_steady_state(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter_zi(b, a)`` for a biquad (``a[0] == 1``): the state that a
    constant input of 1 leaves, so a signal starting at ``x0`` starts with ``x0`` times it."""
    y = (b[0] + b[1] + b[2]) / (1.0 + a[1] + a[2])
    return np.array([b[1] + b[2] - (a[1] + a[2]) * y, b[2] - a[2] * y])


@njit(cache=True)
def biquad(b, a, x, zi):  # pragma: no cover - compiled
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for a biquad (``a[0] == 1``): (y, final state).

    Transposed direct form II, the recurrence and order of operations of ``lfilter``.
    """
    y = np.empty(x.shape[0])
    z0, z1 = zi[0], zi[1]
    for i in range(x.shape[0]):
        xi = x[i]
        yi = z0 + b[0] * xi
        z0 = z1 + xi * b[1] - yi * a[1]
        z1 = xi * b[2] - yi * a[2]
        y[i] = yi
    zf = np.empty(2)
    zf[0], zf[1] = z0, z1
    return y, zf


@njit(cache=True)
def _sliding_extreme(x, size, start, largest):  # pragma: no cover - compiled
    """Extreme of ``x[i + start : i + start + size]`` for every i, indices clipped to the array.

    Van Herk / Gil-Werman: running extremes forwards (``g``) and backwards (``h``) within
    blocks of ``size``; any window spans at most two blocks, so it is ``ext(h[s], g[e])``.
    """
    n = x.shape[0]
    m = n + size - 1
    g = np.empty(m)
    h = np.empty(m)
    for p in range(m):
        v = x[min(max(p + start, 0), n - 1)]
        if p % size == 0 or (v > g[p - 1] if largest else v < g[p - 1]):
            g[p] = v
        else:
            g[p] = g[p - 1]
    for p in range(m - 1, -1, -1):
        v = x[min(max(p + start, 0), n - 1)]
        if p == m - 1 or p % size == size - 1 or (v > h[p + 1] if largest else v < h[p + 1]):
            h[p] = v
        else:
            h[p] = h[p + 1]
    out = np.empty(n)
    for i in range(n):
        left, right = h[i], g[i + size - 1]
        out[i] = (left if left > right else right) if largest else (
            left if left < right else right)
    return out


def maximum_filter1d(x: np.ndarray, size: int, origin: int = 0) -> np.ndarray:
    """``scipy.ndimage.maximum_filter1d(x, size, origin=origin, mode="nearest")``."""
    return _extreme(x, size, origin, True)


def minimum_filter1d(x: np.ndarray, size: int, origin: int = 0) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(x, size, origin=origin, mode="nearest")``."""
    return _extreme(x, size, origin, False)


def _extreme(x: np.ndarray, size: int, origin: int, largest: bool) -> np.ndarray:
    # scipy's window for output i: input [i - size // 2 - origin, ... + size), edges repeated.
    if not -(size // 2) <= origin <= (size - 1) // 2:
        raise ValueError("origin outside the window (as scipy.ndimage refuses)")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not len(x):
        return x.copy()
    return _sliding_extreme(x, int(size), -(size // 2) - int(origin), largest)


@njit(cache=True)
def _running_mean(line, size, n):  # pragma: no cover - compiled
    """scipy.ndimage's moving average: one running sum, divided at every output."""
    out = np.empty(n)
    total = 0.0
    for j in range(size):
        total += line[j]
    out[0] = total / size
    for i in range(1, n):
        total += line[i + size - 1] - line[i - 1]
        out[i] = total / size
    return out


def uniform_filter1d(x: np.ndarray, size: int) -> np.ndarray:
    """``scipy.ndimage.uniform_filter1d(x, size)`` (``mode="reflect"``, origin 0), bit for bit.

    "reflect" mirrors about the edge, repeating it (d c b a | a b c d | d c b a), again and
    again when the window is longer than the data.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = len(x)
    if not n:
        return x.copy()
    j = np.arange(-(size // 2), n + size - 1 - size // 2) % (2 * n)
    line = x[np.where(j < n, j, 2 * n - 1 - j)]
    return _running_mean(line, int(size), n)
