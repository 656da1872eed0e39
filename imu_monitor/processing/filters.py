"""The few scipy filters the live path needs, without importing scipy.

``scipy.signal`` and ``scipy.ndimage`` cost about 100 MB of memory and half a second at start-up
for a Butterworth design, one biquad, sliding extremes and a moving average. These give the same
numbers (tested against scipy): the Butterworth design to rounding, the biquad the same
recurrence as ``lfilter``, the extremes exactly, the moving average bit for bit. The biquad is a
kernel (``processing/kernels.py``): interpreted on live packets, compiled on whole recordings.
"""

from __future__ import annotations

import math

import numpy as np

from imu_monitor.processing.kernels import kernel


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


def biquad(b: np.ndarray, a: np.ndarray, x: np.ndarray,
           zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for a biquad (``a[0] == 1``): (y, final state)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.empty(len(x))
    zf = np.array(zi, dtype=np.float64)
    _biquad(len(x), b[0], b[1], b[2], a[1], a[2], x, zf, y)
    return y, zf


@kernel("z", "y")
def _biquad(n, b0, b1, b2, a1, a2, x, z, y):
    """Transposed direct form II, the recurrence and order of operations of ``lfilter``."""
    z0, z1 = z[0], z[1]
    for i in range(n):
        xi = x[i]
        yi = z0 + b0 * xi
        z0 = z1 + xi * b1 - yi * a1
        z1 = xi * b2 - yi * a2
        y[i] = yi
    z[0], z[1] = z0, z1


def maximum_filter1d(x: np.ndarray, size: int, origin: int = 0) -> np.ndarray:
    """``scipy.ndimage.maximum_filter1d(x, size, origin=origin, mode="nearest")``."""
    return _extreme(x, size, origin, True)


def minimum_filter1d(x: np.ndarray, size: int, origin: int = 0) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(x, size, origin=origin, mode="nearest")``."""
    return _extreme(x, size, origin, False)


def _extreme(x: np.ndarray, size: int, origin: int, largest: bool) -> np.ndarray:
    """Extreme of every window, vectorised (exact: extremes only select values; for finite
    input — the contact detector's signal always is — as NaN spreads through a block here).

    Van Herk / Gil-Werman: running extremes forwards (``g``) and backwards (``h``) within
    blocks of ``size``; any window spans at most two blocks, so it is ``ext(h[s], g[e])``.
    """
    # scipy's window for output i: input [i - size // 2 - origin, ... + size), edges repeated.
    if not -(size // 2) <= origin <= (size - 1) // 2:
        raise ValueError("origin outside the window (as scipy.ndimage refuses)")
    x = np.ascontiguousarray(x, dtype=np.float64)
    n, size = len(x), int(size)
    if not n:
        return x.copy()
    m = n + size - 1
    blocks = -(-m // size)
    # Padding fills only the last block past m; no window that is used reaches into it.
    index = np.arange(-(size // 2) - int(origin), blocks * size - (size // 2) - int(origin))
    padded = x[np.minimum(np.maximum(index, 0), n - 1)].reshape(blocks, size)
    pick = np.maximum if largest else np.minimum
    g = pick.accumulate(padded, axis=1).reshape(-1)
    h = pick.accumulate(padded[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return pick(h[:n], g[size - 1:size - 1 + n])


def _running_mean(line: list[float], size: int, n: int) -> list[float]:
    """scipy.ndimage's moving average: one running sum, divided at every output. Plain Python
    on a list (a tenth of a microsecond a sample): never worth compiling."""
    total = 0.0
    for j in range(size):
        total += line[j]
    out = [total / size]
    for i in range(1, n):
        total += line[i + size - 1] - line[i - 1]
        out.append(total / size)
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
    return np.array(_running_mean(line.tolist(), int(size), n))
