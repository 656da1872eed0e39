"""Offline VQF on a recording of any length, in bounded memory: the ``vqf`` package's own
``offlineVQF`` (C++), window by window.

Why windows: ``vqf.offlineVQF`` keeps about 210 bytes a sample (its forward pass's gyro bias
and covariance, seven output arrays): on two hours at 200 Hz, 300 MB for the filter alone,
more than a whole analysis may take. A long recording is therefore filtered in windows of
one size, at most ``CORE_SAMPLES`` samples, each with ``MARGIN_S`` seconds of the recording
either side as context. Every sample kept has at least ``MARGIN_S`` of past and future
behind its estimate (or the recording's own end): offline VQF's inclination correction is a
zero-phase low-pass of a few seconds (``tauAcc``) and its bias estimate forgets over 100 s,
so what lies further away hardly reaches it (tests/test_memory.py measures the difference
to one whole run, simulated and on real motion with optical truth).

Neighbouring windows overlap by twice the margin. There the later one is turned about the
vertical to continue the earlier one's heading (free without a magnetometer) and the two are
cross-faded, each weighted by how much context it has, so nothing steps at a seam. Shorter
recordings run whole: then the result is the package's, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
from vqf import offlineVQF

CORE_SAMPLES = 262_144  # most samples kept from one window (22 min at 200 Hz)
MARGIN_S = 90.0  # context either side of a window's kept samples


def offline_vqf(gyr: np.ndarray, acc: np.ndarray, ts: float, params: dict,
                out: np.ndarray | None = None, bias_out: np.ndarray | None = None,
                bias_step: int = 1) -> np.ndarray:
    """``vqf.offlineVQF(gyr, acc, None, ts, params)["quat6D"]`` into ``out`` ((n, 4)) or a
    new array; window by window on long inputs. ``bias_out``: also its gyro-bias estimate
    (rad/s, sensor axes) at samples 0, ``bias_step``, 2 ``bias_step``… (``bias_rows``), from
    the same run (the bias changes over minutes: a few bytes a sample)."""
    quat = np.empty((len(gyr), 4)) if out is None else out
    if quat.shape != (len(gyr), 4):
        raise ValueError("out must have the shape (n, 4)")
    joins = {"quat6D": _join_orientations}
    if bias_out is not None:
        joins["bias"] = _cross_fade
    for start, piece in _pieces(gyr, acc, ts, params, joins):
        quat[start:start + len(piece["quat6D"])] = piece["quat6D"]
        if bias_out is not None:
            _pick_every(bias_out, start, piece["bias"], bias_step)
    return quat


def offline_vqf_unbiased(gyr: np.ndarray, acc: np.ndarray, ts: float, params: dict,
                         gyr_scratch: bool = False, bias_out: np.ndarray | None = None,
                         bias_step: int = 1, keep: np.ndarray | None = None) -> np.ndarray:
    """``gyr - vqf.offlineVQF(gyr, acc, None, ts, params)["bias"]``: the gyroscope less
    offline VQF's bias estimate, a new array, or written into ``gyr`` itself (and returned)
    with ``gyr_scratch`` (no window reads a sample after it has been written); the estimate
    every ``bias_step`` samples into ``bias_out`` too, as :func:`offline_vqf`.

    ``keep``: the samples the estimate may come from, joined end to end; the others (long
    gaps, filled in) take the estimate interpolated from both sides. A filled gap is no
    motion: its gyroscope, a straight line between the samples either side, turns while its
    accelerometer, another straight line, does not, and the filter's motion bias estimate
    took that turn for bias (3 s lost in a real walk: 5°/s, and 8° of obliquity error over
    the whole recording)."""
    if gyr_scratch and not (isinstance(gyr, np.ndarray) and gyr.flags.writeable):
        raise ValueError("gyr_scratch needs a writable gyroscope array")
    out = gyr if gyr_scratch else np.empty((len(gyr), 3))
    if keep is not None and not np.all(keep):
        return _unbiased_from(np.flatnonzero(keep), gyr, acc, ts, params, out, bias_out,
                              bias_step)
    for start, piece in _pieces(gyr, acc, ts, params, {"bias": _cross_fade}):
        bias = piece["bias"]
        if bias_out is not None:
            _pick_every(bias_out, start, bias, bias_step)
        stop = start + len(bias)
        out[start:stop] = gyr[start:stop] - bias
    return out


def _unbiased_from(kept: np.ndarray, gyr: np.ndarray, acc: np.ndarray, ts: float,
                   params: dict, out: np.ndarray, bias_out: np.ndarray | None,
                   bias_step: int) -> np.ndarray:
    """:func:`offline_vqf_unbiased` with the estimate from the samples ``kept`` alone."""
    if len(kept) == 0:
        out[:] = gyr
        return out
    joined = np.empty((len(kept), 3))
    for start, piece in _pieces(gyr[kept], acc[kept], ts, params, {"bias": _cross_fade}):
        joined[start:start + len(piece["bias"])] = piece["bias"]
    everywhere = np.arange(len(gyr))
    for k in range(3):
        bias = np.interp(everywhere, kept, joined[:, k])
        if bias_out is not None:
            bias_out[:, k] = bias[::bias_step]
        out[:, k] = gyr[:, k] - bias
    return out


def bias_rows(n: int, step: int) -> int:
    """Rows of a bias kept every ``step`` samples of ``n``."""
    return -(-n // step)


def _pick_every(out: np.ndarray, start: int, values: np.ndarray, step: int) -> None:
    """The samples of ``values`` (samples ``start``… of the recording) at multiples of
    ``step``, into their rows of ``out``."""
    first = -(-start // step)  # the first wanted sample in this piece
    picked = values[first * step - start::step]
    out[first:first + len(picked)] = picked


def windows(n: int, ts: float) -> list[tuple[int, int]]:
    """``[start, stop)`` of each window's kept samples (one window when short enough): as
    many as ``CORE_SAMPLES`` needs, all of one size, so the last is never a sliver that
    sees less of the recording than the one before it."""
    margin = _margin(ts)
    core = max(CORE_SAMPLES, 2 * margin)  # an overlap only ever joins two windows
    if n <= core + 2 * margin:
        return [(0, n)]
    size = math.ceil(n / math.ceil(n / core))  # at least core / 2: at least the margin
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def _margin(ts: float) -> int:
    return max(1, round(MARGIN_S / ts))


def _pieces(gyr: np.ndarray, acc: np.ndarray, ts: float, params: dict,
            joins: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]],
            ) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """(start, {output: values}) of ``offlineVQF``'s outputs named in ``joins``, final, in
    order: each window's result joined (``join(earlier, later)`` over their overlap) to the
    one before."""
    n, margin = len(gyr), _margin(ts)
    held: dict[str, np.ndarray] = {}  # the previous window's outputs over the next overlap
    for a, b in windows(n, ts):
        lo, hi = max(0, a - margin), min(n, b + margin)
        result = offlineVQF(np.ascontiguousarray(gyr[lo:hi], dtype=np.float64),
                            np.ascontiguousarray(acc[lo:hi], dtype=np.float64),
                            None, ts, params)
        values = {key: result[key] for key in joins}
        del result
        for key, earlier in held.items():
            values[key][:len(earlier)] = joins[key](earlier, values[key])
        if hi == n:  # this window sees the end: the next could only see less
            yield lo, values
            return
        keep = b - margin - lo  # the rest is overlapped by the next window
        held = {key: v[keep:].copy() for key, v in values.items()}
        yield lo, {key: v[:keep] for key, v in values.items()}


def _weights(n: int) -> np.ndarray:
    """The later window's weight across an overlap of ``n`` samples: its context grows from
    nothing to twice the margin while the earlier one's shrinks the same way."""
    return ((np.arange(n) + 0.5) / n)[:, None]


def _cross_fade(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    w = _weights(len(earlier))
    return (1.0 - w) * earlier + w * later[:len(earlier)]


def _join_orientations(earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
    """Turn all of ``later`` (in place) to the heading of ``earlier`` over their overlap,
    then blend the overlap (normalised, in one hemisphere)."""
    turn_about_vertical(later, _mean_turn(earlier, later[:len(earlier)]))
    overlap = later[:len(earlier)]
    signs = np.where(np.sum(earlier * overlap, axis=1) < 0.0, -1.0, 1.0)[:, None]
    w = _weights(len(earlier))
    blend = (1.0 - w) * earlier + w * signs * overlap
    return blend / np.linalg.norm(blend, axis=1, keepdims=True)


def _mean_turn(target: np.ndarray, source: np.ndarray) -> float:
    """The rotation about the world vertical (rad) that best takes ``source`` onto
    ``target``: the circular mean over the samples of the vertical part of
    ``target ⊗ conj(source)``."""
    tw, tx, ty, tz = target.T
    sw, sx, sy, sz = source.T
    dw = tw * sw + tx * sx + ty * sy + tz * sz
    dz = -tw * sz - tx * sy + ty * sx + tz * sw
    angle = 2.0 * np.arctan2(dz * np.sign(dw + (dw == 0)), np.abs(dw))
    return float(np.arctan2(np.mean(np.sin(angle)), np.mean(np.cos(angle))))


def turn_about_vertical(q: np.ndarray, angle: float) -> None:
    """World-frame rotation about z by ``angle`` (rad) applied to every quaternion (heading
    only), in place."""
    c, s = np.cos(angle / 2), np.sin(angle / 2)
    w, x, y, z = q[:, 0].copy(), q[:, 1].copy(), q[:, 2].copy(), q[:, 3].copy()
    q[:, 0], q[:, 1] = c * w - s * z, c * x - s * y
    q[:, 2], q[:, 3] = c * y + s * x, c * z + s * w
