"""Linear filters applied exactly in the frequency domain (oscillators, double integrals, bands).

Signals are padded with their edge values for ``SETTLE_S`` on both sides, so filters that ring
or integrate start and end at rest instead of wrapping around.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft, rfftfreq

SETTLE_S = 2.0


def apply_response(x: np.ndarray, rate_hz: float,
                   response: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Filter the columns of ``x`` by ``response(angular frequency in rad/s)``."""
    pad = round(SETTLE_S * rate_hz)
    n = next_fast_len(len(x) + 2 * pad, real=True)
    tail = n - len(x) - pad
    padded = np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], tail, 0)])
    spectrum = rfft(padded, axis=0)
    del padded  # a long session's arrays are many times its samples: none kept past its use
    w = 2 * np.pi * rfftfreq(n, 1 / rate_hz)
    spectrum *= response(w).reshape(-1, *([1] * (x.ndim - 1)))
    return irfft(spectrum, n=n, axis=0)[pad:pad + len(x)]


def oscillator(drive: np.ndarray, rate_hz: float, frequency_hz: float, damping: float
               ) -> np.ndarray:
    """``x`` with ``x'' + 2ζωx' + ω²x = drive`` per column (steady state on the edge values)."""
    w0 = 2 * np.pi * frequency_hz
    return apply_response(drive, rate_hz,
                          lambda w: 1.0 / (w0**2 - w**2 + 2j * damping * w0 * w))


def double_integral(acc: np.ndarray, rate_hz: float, lowest_hz: float) -> np.ndarray:
    """A bounded displacement whose second derivative is ``acc`` less its content below
    ``lowest_hz`` (that slow share is what the rest of the gait cycle gives back)."""
    w_low = 2 * np.pi * lowest_hz

    def response(w: np.ndarray) -> np.ndarray:
        keep = 0.5 - 0.5 * np.cos(np.pi * np.clip(w / w_low - 1, 0, 1))
        return -keep / np.maximum(w, w_low) ** 2

    return apply_response(acc, rate_hz, response)


def lowpass(x: np.ndarray, rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """Zero-phase low-pass: flat to 80 % of ``cutoff_hz``, nothing above 125 % of it."""
    w_pass, w_stop = 2 * np.pi * 0.8 * cutoff_hz, 2 * np.pi * 1.25 * cutoff_hz
    return apply_response(x, rate_hz, lambda w: 0.5 + 0.5 * np.cos(
        np.pi * np.clip((w - w_pass) / (w_stop - w_pass), 0, 1)))


def band_noise(rng: np.random.Generator, shape: tuple[int, ...], rate_hz: float,
               low_hz: float, high_hz: float) -> np.ndarray:
    """Gaussian noise of unit RMS confined to ``low_hz``–``high_hz`` (raised-cosine edges)."""
    w_low, w_high = 2 * np.pi * low_hz, 2 * np.pi * high_hz

    def band(w: np.ndarray) -> np.ndarray:
        rise = 0.5 - 0.5 * np.cos(np.pi * np.clip(w / w_low - 0.5, 0, 1))
        fall = 0.5 - 0.5 * np.cos(np.pi * np.clip(2 - w / w_high, 0, 1))
        return rise * fall

    noise = apply_response(rng.normal(size=shape), rate_hz, band)
    noise /= max(float(np.sqrt(np.mean(noise**2))), 1e-12)
    return noise
