"""The few scipy filters the live path needs, without importing scipy.

``scipy.signal`` and ``scipy.ndimage`` cost about 100 MB of memory and half a second at start-up
for a Butterworth design, one biquad, sliding extremes and a moving average. These give the same
numbers (tested against scipy): the Butterworth design to rounding, the biquad the same
filter to rounding (vectorised in blocks, below), the extremes exactly, the moving average bit
for bit.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


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


BLOCK = 64  # samples a biquad advances in one matrix product


def biquad(b: np.ndarray, a: np.ndarray, x: np.ndarray,
           zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.lfilter(b, a, x, zi=zi)`` for a biquad (``a[0] == 1``): (y, final state).

    Vectorised: the filter is a linear state-space system (transposed direct form II), so a
    block of ``BLOCK`` samples is its zero-state response (a product with the block's
    impulse-response matrix) plus the response to the state it starts from; only the state
    is carried from block to block in Python. Equal to ``lfilter`` to rounding.
    """
    x = np.asarray(x, dtype=np.float64)
    coeffs = (float(b[0]), float(b[1]), float(b[2]), float(a[1]), float(a[2]))
    # Filtered as an offset (at steady state it only passes the DC gain) plus what is left:
    # the products then round on the signal's changes, not on its level (a heading far from
    # zero would otherwise leave 1e-11 where a constant must give exactly 0).
    offset = float(x[0]) if len(x) else 0.0
    steady = biquad_steady_state(b, a)
    gain = (coeffs[0] + coeffs[1] + coeffs[2]) / (1.0 + coeffs[3] + coeffs[4])
    state = np.array(zi, dtype=np.float64) - offset * steady
    varying = x - offset
    full = len(x) // BLOCK * BLOCK
    y = np.empty(len(x))
    for start, stop, length in ((0, full, BLOCK), (full, len(x), len(x) - full)):
        if stop > start:
            y[start:stop], state = _blocks(coeffs, length, varying[start:stop], state)
    return y + offset * gain, state + offset * steady


def _blocks(coeffs: tuple[float, ...], length: int, x: np.ndarray,
            state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The biquad over consecutive blocks of ``length`` samples (``len(x)`` a multiple)."""
    impulse, from_state, to_state, advance = _block_matrices(coeffs, length)
    blocks = x.reshape(-1, length)
    carried = blocks @ to_state.T  # each block's input's share of the state after it
    states = np.empty((len(blocks) + 1, 2))
    states[0] = state
    s0, s1 = float(state[0]), float(state[1])
    (a00, a01), (a10, a11) = advance
    for k, (c0, c1) in enumerate(carried.tolist()):
        s0, s1 = a00 * s0 + a01 * s1 + c0, a10 * s0 + a11 * s1 + c1
        states[k + 1] = s0, s1
    y = blocks @ impulse.T + states[:-1] @ from_state.T
    return y.reshape(-1), states[-1].copy()


@lru_cache(maxsize=64)
def _block_matrices(coeffs: tuple[float, ...], length: int,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For a block of ``length`` samples: output from input (lower-triangular Toeplitz),
    output from the starting state, state from input, state from the starting state.

    State space of lfilter's recurrence: y = z0 + b0 x; z0' = z1 + b1 x - a1 y;
    z1' = b2 x - a2 y.
    """
    b0, b1, b2, a1, a2 = coeffs
    a = np.array([[-a1, 1.0], [-a2, 0.0]])
    bx = np.array([b1 - a1 * b0, b2 - a2 * b0])
    powers = [np.eye(2)]
    for _ in range(length):
        powers.append(a @ powers[-1])
    from_state = np.array([p[0] for p in powers[:length]])  # C A^i, C = [1, 0]
    response = np.concatenate([[b0], [p[0] @ bx for p in powers[:length - 1]]])
    index = np.arange(length)
    lag = index[:, None] - index[None, :]
    impulse = np.where(lag >= 0, response[np.clip(lag, 0, None)], 0.0)
    to_state = np.column_stack([powers[length - 1 - k] @ bx for k in range(length)])
    return impulse, from_state, to_state, powers[length]


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
