"""``scipy.signal.find_peaks`` with a minimum height, distance and prominence, without scipy.

Why: rep drills (hip hikes, step-downs, lunges, split squats) count their reps live, and
importing ``scipy.signal`` for this one function costs about 70 MB of the app's memory. Same
algorithm and same order of filters as scipy (height, then distance by priority, then
prominence), tested against it on random signals with plateaus and ties.
"""

from __future__ import annotations

import math

import numpy as np


def find_peaks(x: np.ndarray, height: float, distance: float, prominence: float) -> np.ndarray:
    """Indices of the peaks of ``x`` (as ``scipy.signal.find_peaks(x, height=height,
    distance=distance, prominence=prominence)[0]``)."""
    values = np.asarray(x, dtype=np.float64)
    peaks = np.array(_local_maxima(values.tolist()), dtype=np.intp)
    peaks = peaks[values[peaks] >= height]
    if distance > 1 and len(peaks) > 1:
        peaks = peaks[_keep_apart(peaks, values[peaks], math.ceil(distance))]
    return peaks[_prominences(values.tolist(), peaks.tolist()) >= prominence]


def _local_maxima(x: list[float]) -> list[int]:
    """Samples higher than both neighbours; a flat top counts once, at its middle (rounded
    down). The first and last samples are never peaks."""
    peaks: list[int] = []
    i, last = 1, len(x) - 1
    while i < last:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < last and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                peaks.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    return peaks


def _keep_apart(peaks: np.ndarray, priority: np.ndarray, distance: int) -> np.ndarray:
    """From the highest down, each kept peak removes its neighbours closer than ``distance``."""
    keep = np.ones(len(peaks), dtype=bool)
    order = np.argsort(priority)  # as scipy: ties are broken the same way
    for j in range(len(peaks) - 1, -1, -1):
        i = int(order[j])
        if not keep[i]:
            continue
        k = i - 1
        while k >= 0 and peaks[i] - peaks[k] < distance:
            keep[k] = False
            k -= 1
        k = i + 1
        while k < len(peaks) and peaks[k] - peaks[i] < distance:
            keep[k] = False
            k += 1
    return keep


def _prominences(x: list[float], peaks: list[int]) -> np.ndarray:
    """How far each peak stands above the higher of the lowest points on either side before
    the signal rises above the peak (or ends)."""
    out = np.empty(len(peaks))
    for n, p in enumerate(peaks):
        top = x[p]
        left_min = top
        i = p
        while i >= 0 and x[i] <= top:
            left_min = min(left_min, x[i])
            i -= 1
        right_min = top
        i = p
        while i < len(x) and x[i] <= top:
            right_min = min(right_min, x[i])
            i += 1
        out[n] = top - max(left_min, right_min)
    return out
