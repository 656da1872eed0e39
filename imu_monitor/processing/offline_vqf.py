"""Offline VQF in bounded memory: the ``vqf`` package's ``offlineVQF``, step for step.

Why: ``vqf.offlineVQF`` keeps twelve numbers a sample from its forward pass (the gyro bias and
the inverse of its covariance) besides seven output arrays, about 210 bytes a sample: on two
hours at 200 Hz, 300 MB for the filter alone, more than a whole analysis may take. This is the
same algorithm (Laidig & Seel 2023; vqf 2.1: ``cpp/offline_vqf.cpp`` and what a 6-axis update
runs of ``cpp/vqf.cpp``), written as the same operations in the same order, so it gives the
same bits (tests/test_memory.py compares them). It keeps only a checkpoint of each filter
every ``SEGMENT`` samples and runs a stretch of one of them again where it meets the other
(``_bias_pass``): 56 bytes a sample (the output and one working array) for one more filter
pass, and the two halves of the work on two threads.

Coefficients come from ``vqf.VQF`` itself, so every parameter means what it means there. Only
what a 6-axis offline run computes is here: no magnetometer, no debugging outputs.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numba import njit
from vqf import VQF

from imu_monitor.processing.kernels import filter_threads

SEGMENT = 32_768  # samples between checkpoints of the filters (two threads keep one each)

# The filter's state in one array (a checkpoint is a copy), VQFState's fields in order.
_GYRQ, _ACCQ, _REST, _LASTACCLP, _ACCLP = 0, 4, 8, 9, 12
_BIAS, _BIASP, _RLP, _BIASLP, _SQDEV = 18, 21, 30, 48, 52
_RESTT, _RESTGYRLP, _RESTGYRST, _RESTACCLP, _RESTACCST = 54, 55, 58, 64, 67
_STATE = 73
# Coefficients and parameters in one array.
_GYRTS, _ACCTS, _TAUACC, _RESTTAU = 0, 1, 2, 3
_ACCB, _ACCA, _RGB, _RGA, _RAB, _RAA = 4, 7, 9, 12, 14, 17
_P0, _V, _WMOTION, _WVERTICAL, _WREST = 19, 20, 21, 22, 23
_THGYR, _THACC, _RESTMINT, _BIASCLIP = 24, 25, 26, 27
_MOTIONEST, _RESTEST, _MAGREJECT = 28, 29, 30
_COEFFS = 31

_EPS = float(np.finfo(np.float64).eps)
_DEG = math.pi / 180.0  # vqf's PI/180.0, folded in double precision as C++ does


def coefficients(ts: float, params: dict) -> np.ndarray:
    """``vqf.VQF(ts, **params)``'s coefficients and parameters, packed for the kernels."""
    vqf = VQF(ts, **params)
    co, pa = vqf.coeffs, vqf.params
    out = np.zeros(_COEFFS)
    out[_GYRTS], out[_ACCTS] = co["gyrTs"], co["accTs"]
    out[_TAUACC], out[_RESTTAU] = pa["tauAcc"], pa["restFilterTau"]
    out[_ACCB:_ACCB + 3], out[_ACCA:_ACCA + 2] = co["accLpB"], co["accLpA"]
    out[_RGB:_RGB + 3], out[_RGA:_RGA + 2] = co["restGyrLpB"], co["restGyrLpA"]
    out[_RAB:_RAB + 3], out[_RAA:_RAA + 2] = co["restAccLpB"], co["restAccLpA"]
    out[_P0], out[_V] = co["biasP0"], co["biasV"]
    out[_WMOTION], out[_WVERTICAL] = co["biasMotionW"], co["biasVerticalW"]
    out[_WREST] = co["biasRestW"]
    out[_THGYR], out[_THACC] = pa["restThGyr"], pa["restThAcc"]
    out[_RESTMINT], out[_BIASCLIP] = pa["restMinT"], pa["biasClip"]
    out[_MOTIONEST] = float(pa["motionBiasEstEnabled"])
    out[_RESTEST] = float(pa["restBiasEstEnabled"])
    out[_MAGREJECT] = float(pa["magDistRejectionEnabled"])
    return out


def offline_vqf(gyr: np.ndarray, acc: np.ndarray, ts: float, params: dict,
                segment: int = SEGMENT, out: np.ndarray | None = None,
                gyr_scratch: bool = False) -> np.ndarray:
    """``vqf.offlineVQF(gyr, acc, None, ts, params)["quat6D"]`` into ``out`` ((n, 4),
    C-contiguous float64) or a new array. 56 bytes a sample: the output and one working
    array, which is ``gyr`` itself with ``gyr_scratch`` (then overwritten)."""
    gyr = np.ascontiguousarray(gyr, dtype=np.float64)
    acc = np.ascontiguousarray(acc, dtype=np.float64)
    n = len(gyr)
    c = coefficients(ts, params)
    quat = np.empty((n, 4)) if out is None else out
    if quat.shape != (n, 4) or quat.dtype != np.float64 or not quat.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous float64 array of shape (n, 4)")
    work = _working_array(gyr, gyr_scratch)
    if n:
        _bias_pass(n, gyr, acc, c, max(1, int(segment)), work)
        _orientation_pass(n, acc, c, work, quat)
    return quat


def offline_vqf_unbiased(gyr: np.ndarray, acc: np.ndarray, ts: float, params: dict,
                         segment: int = SEGMENT, gyr_scratch: bool = False) -> np.ndarray:
    """``gyr - vqf.offlineVQF(gyr, acc, None, ts, params)["bias"]``: the gyroscope less
    offline VQF's bias estimate, in 24 bytes a sample, or none with ``gyr_scratch`` (then
    written into ``gyr`` itself and returned)."""
    gyr = np.ascontiguousarray(gyr, dtype=np.float64)
    acc = np.ascontiguousarray(acc, dtype=np.float64)
    out = _working_array(gyr, gyr_scratch)
    if len(gyr):
        _bias_pass(len(gyr), gyr, acc, coefficients(ts, params), max(1, int(segment)), out)
    return out


def _working_array(gyr: np.ndarray, gyr_scratch: bool) -> np.ndarray:
    """Where the bias pass writes: ``gyr`` itself when the caller lets it go, else new."""
    if gyr_scratch and not gyr.flags.writeable:
        raise ValueError("gyr_scratch needs a writable gyroscope array")
    return gyr if gyr_scratch else np.empty((len(gyr), 3))


# ------------------------------------------------------------------ vqf.cpp, 6-axis update
@njit(cache=True)
def _reset(s: np.ndarray, c: np.ndarray) -> None:
    """VQF::resetState."""
    s[:] = 0.0
    s[_GYRQ] = 1.0
    s[_ACCQ] = 1.0
    s[_ACCLP:_ACCLP + 6] = np.nan
    s[_BIASP] = c[_P0]
    s[_BIASP + 4] = c[_P0]
    s[_BIASP + 8] = c[_P0]
    s[_RLP:_RLP + 18] = np.nan
    s[_BIASLP:_BIASLP + 4] = np.nan
    s[_RESTGYRST:_RESTGYRST + 6] = np.nan
    s[_RESTACCST:_RESTACCST + 6] = np.nan


@njit(cache=True)
def _filter_vec(x, xo, n, tau, ts, c, bo, ao, st, so, out, oo):
    """VQF::filterVec: second-order low-pass of ``n`` values (the first ``tau`` averaged)."""
    if math.isnan(st[so]):  # initialisation: average the first samples
        if math.isnan(st[so + 1]):
            st[so + 1] = 0.0
            for i in range(n):
                st[so + 2 + i] = 0.0
        st[so + 1] += 1.0
        for i in range(n):
            st[so + 2 + i] += x[xo + i]
            out[oo + i] = st[so + 2 + i] / st[so + 1]
        if st[so + 1] * ts >= tau:
            for i in range(n):  # VQF::filterInitialState
                x0 = out[oo + i]
                st[so + 2 * i] = x0 * (1 - c[bo])
                st[so + 2 * i + 1] = x0 * (c[bo + 2] - c[ao + 1])
        return
    for i in range(n):  # VQF::filterStep
        xi = x[xo + i]
        y = c[bo] * xi + st[so + 2 * i]
        st[so + 2 * i] = c[bo + 1] * xi - c[ao] * y + st[so + 2 * i + 1]
        st[so + 2 * i + 1] = c[bo + 2] * xi - c[ao + 1] * y
        out[oo + i] = y


@njit(cache=True)
def _quat_multiply(q1, o1, q2, o2, out, oo):
    """VQF::quatMultiply (``out`` may be either input)."""
    a0, a1, a2, a3 = q1[o1], q1[o1 + 1], q1[o1 + 2], q1[o1 + 3]
    b0, b1, b2, b3 = q2[o2], q2[o2 + 1], q2[o2 + 2], q2[o2 + 3]
    w = a0 * b0 - a1 * b1 - a2 * b2 - a3 * b3
    x = a0 * b1 + a1 * b0 + a2 * b3 - a3 * b2
    y = a0 * b2 - a1 * b3 + a2 * b0 + a3 * b1
    z = a0 * b3 + a1 * b2 - a2 * b1 + a3 * b0
    out[oo], out[oo + 1], out[oo + 2], out[oo + 3] = w, x, y, z


@njit(cache=True)
def _quat_rotate(q, qo, v, vo, out, oo):
    """VQF::quatRotate (``out`` may be ``v``)."""
    q0, q1, q2, q3 = q[qo], q[qo + 1], q[qo + 2], q[qo + 3]
    v0, v1, v2 = v[vo], v[vo + 1], v[vo + 2]
    x = (1 - 2 * q2 * q2 - 2 * q3 * q3) * v0 + 2 * v1 * (q2 * q1 - q0 * q3) \
        + 2 * v2 * (q0 * q2 + q3 * q1)
    y = 2 * v0 * (q0 * q3 + q2 * q1) + v1 * (1 - 2 * q1 * q1 - 2 * q3 * q3) \
        + 2 * v2 * (q2 * q3 - q1 * q0)
    z = 2 * v0 * (q3 * q1 - q0 * q2) + 2 * v1 * (q0 * q1 + q3 * q2) \
        + v2 * (1 - 2 * q1 * q1 - 2 * q2 * q2)
    out[oo], out[oo + 1], out[oo + 2] = x, y, z


@njit(cache=True)
def _norm(v, vo, n):
    """VQF::norm."""
    s = 0.0
    for i in range(n):
        s += v[vo + i] * v[vo + i]
    return math.sqrt(s)


@njit(cache=True)
def _normalize(v, vo, n):
    """VQF::normalize."""
    length = _norm(v, vo, n)
    if length < _EPS:
        return
    for i in range(n):
        v[vo + i] /= length


@njit(cache=True)
def _clip(v, vo, n, lo, hi):
    """VQF::clip."""
    for i in range(n):
        if v[vo + i] < lo:
            v[vo + i] = lo
        elif v[vo + i] > hi:
            v[vo + i] = hi


@njit(cache=True)
def _mat_mul(a, ao, b, bo, out, oo, t):
    """VQF::matrix3Multiply: a b (``t``: nine scratch values)."""
    for r in range(3):
        for k in range(3):
            t[3 * r + k] = a[ao + 3 * r] * b[bo + k] + a[ao + 3 * r + 1] * b[bo + 3 + k] \
                + a[ao + 3 * r + 2] * b[bo + 6 + k]
    for i in range(9):
        out[oo + i] = t[i]


@njit(cache=True)
def _mat_mul_tps_first(a, ao, b, bo, out, oo, t):
    """VQF::matrix3MultiplyTpsFirst: aᵀ b."""
    for r in range(3):
        for k in range(3):
            t[3 * r + k] = a[ao + r] * b[bo + k] + a[ao + 3 + r] * b[bo + 3 + k] \
                + a[ao + 6 + r] * b[bo + 6 + k]
    for i in range(9):
        out[oo + i] = t[i]


@njit(cache=True)
def _mat_mul_tps_second(a, ao, b, bo, out, oo, t):
    """VQF::matrix3MultiplyTpsSecond: a bᵀ."""
    for r in range(3):
        for k in range(3):
            t[3 * r + k] = a[ao + 3 * r] * b[bo + 3 * k] + a[ao + 3 * r + 1] * b[bo + 3 * k + 1] \
                + a[ao + 3 * r + 2] * b[bo + 3 * k + 2]
    for i in range(9):
        out[oo + i] = t[i]


@njit(cache=True)
def _mat_inv(m, mo, out, oo):
    """VQF::matrix3Inv (``out`` may be ``m``)."""
    i0, i1, i2 = m[mo], m[mo + 1], m[mo + 2]
    i3, i4, i5 = m[mo + 3], m[mo + 4], m[mo + 5]
    i6, i7, i8 = m[mo + 6], m[mo + 7], m[mo + 8]
    a = i4 * i8 - i5 * i7
    d = i2 * i7 - i1 * i8
    g = i1 * i5 - i2 * i4
    b = i5 * i6 - i3 * i8
    e = i0 * i8 - i2 * i6
    h = i2 * i3 - i0 * i5
    cc = i3 * i7 - i4 * i6
    f = i1 * i6 - i0 * i7
    ii = i0 * i4 - i1 * i3
    det = i0 * a + i1 * b + i2 * cc
    if -_EPS <= det <= _EPS:
        for k in range(9):
            out[oo + k] = 0.0
        return
    out[oo], out[oo + 1], out[oo + 2] = a / det, d / det, g / det
    out[oo + 3], out[oo + 4], out[oo + 5] = b / det, e / det, h / det
    out[oo + 6], out[oo + 7], out[oo + 8] = cc / det, f / det, ii / det


@njit(cache=True)
def _mat_vec(m, mo, v, vo, out, oo):
    """matrix3MultiplyVec (offline_vqf.cpp; ``out`` may be ``v``)."""
    v0, v1, v2 = v[vo], v[vo + 1], v[vo + 2]
    t0 = m[mo] * v0 + m[mo + 1] * v1 + m[mo + 2] * v2
    t1 = m[mo + 3] * v0 + m[mo + 4] * v1 + m[mo + 5] * v2
    t2 = m[mo + 6] * v0 + m[mo + 7] * v1 + m[mo + 8] * v2
    out[oo], out[oo + 1], out[oo + 2] = t0, t1, t2


@njit(cache=True)
def _update(s, c, g, go, sign, a, ao, w):
    """VQF::update(gyr, acc): updateGyr then updateAcc. ``sign`` -1 turns the gyroscope round
    (the backward pass); ``w``: scratch (48 values)."""
    ts_g, ts_a = c[_GYRTS], c[_ACCTS]
    bias_clip = c[_BIASCLIP] * _DEG
    # ---- updateGyr
    w[0], w[1], w[2] = sign * g[go], sign * g[go + 1], sign * g[go + 2]
    if c[_RESTEST] != 0.0 or c[_MAGREJECT] != 0.0:
        _filter_vec(w, 0, 3, c[_RESTTAU], ts_g, c, _RGB, _RGA, s, _RESTGYRST, s, _RESTGYRLP)
        d0 = w[0] - s[_RESTGYRLP]
        d1 = w[1] - s[_RESTGYRLP + 1]
        d2 = w[2] - s[_RESTGYRLP + 2]
        s[_SQDEV] = d0 * d0 + d1 * d1 + d2 * d2
        th = c[_THGYR] * _DEG
        if s[_SQDEV] >= th * th or abs(s[_RESTGYRLP]) > bias_clip \
                or abs(s[_RESTGYRLP + 1]) > bias_clip or abs(s[_RESTGYRLP + 2]) > bias_clip:
            s[_RESTT] = 0.0
            s[_REST] = 0.0
    w[3] = w[0] - s[_BIAS]
    w[4] = w[1] - s[_BIAS + 1]
    w[5] = w[2] - s[_BIAS + 2]
    gyr_norm = _norm(w, 3, 3)
    angle = gyr_norm * ts_g
    if gyr_norm > _EPS:
        cos = math.cos(angle / 2)
        sin = math.sin(angle / 2) / gyr_norm
        w[6], w[7], w[8], w[9] = cos, sin * w[3], sin * w[4], sin * w[5]
        _quat_multiply(s, _GYRQ, w, 6, s, _GYRQ)
        _normalize(s, _GYRQ, 4)
    # ---- updateAcc
    a0, a1, a2 = a[ao], a[ao + 1], a[ao + 2]
    if a0 == 0.0 and a1 == 0.0 and a2 == 0.0:
        return
    w[0], w[1], w[2] = a0, a1, a2
    if c[_RESTEST] != 0.0:
        _filter_vec(w, 0, 3, c[_RESTTAU], ts_a, c, _RAB, _RAA, s, _RESTACCST, s, _RESTACCLP)
        d0 = a0 - s[_RESTACCLP]
        d1 = a1 - s[_RESTACCLP + 1]
        d2 = a2 - s[_RESTACCLP + 2]
        s[_SQDEV + 1] = d0 * d0 + d1 * d1 + d2 * d2
        if s[_SQDEV + 1] >= c[_THACC] * c[_THACC]:
            s[_RESTT] = 0.0
            s[_REST] = 0.0
        else:
            s[_RESTT] += ts_a
            if s[_RESTT] >= c[_RESTMINT]:
                s[_REST] = 1.0
    _quat_rotate(s, _GYRQ, w, 0, w, 3)  # acc in the inertial frame: w[3:6]
    _filter_vec(w, 3, 3, c[_TAUACC], ts_a, c, _ACCB, _ACCA, s, _ACCLP, s, _LASTACCLP)
    _quat_rotate(s, _ACCQ, s, _LASTACCLP, w, 3)  # accEarth: w[3:6]
    _normalize(w, 3, 3)
    e0, e1, e2 = w[3], w[4], w[5]
    q_w = math.sqrt((e2 + 1) / 2)
    if q_w > 1e-6:
        w[6], w[7], w[8], w[9] = q_w, 0.5 * e1 / q_w, -0.5 * e0 / q_w, 0.0
    else:
        w[6], w[7], w[8], w[9] = 0.0, 1.0, 0.0, 0.0
    _quat_multiply(w, 6, s, _ACCQ, s, _ACCQ)
    _normalize(s, _ACCQ, 4)
    if c[_MOTIONEST] == 0.0 and c[_RESTEST] == 0.0:
        return
    # ---- bias estimation
    _quat_multiply(s, _ACCQ, s, _GYRQ, w, 6)  # getQuat6D: w[6:10]
    q0, q1, q2, q3 = w[6], w[7], w[8], w[9]
    r = 10  # R: w[10:19]
    w[r] = 1 - 2 * (q2 * q2) - 2 * (q3 * q3)
    w[r + 1] = 2 * (q2 * q1 - q0 * q3)
    w[r + 2] = 2 * (q0 * q2 + q3 * q1)
    w[r + 3] = 2 * (q0 * q3 + q2 * q1)
    w[r + 4] = 1 - 2 * (q1 * q1) - 2 * (q3 * q3)
    w[r + 5] = 2 * (q2 * q3 - q1 * q0)
    w[r + 6] = 2 * (q3 * q1 - q0 * q2)
    w[r + 7] = 2 * (q0 * q1 + q3 * q2)
    w[r + 8] = 1 - 2 * (q1 * q1) - 2 * (q2 * q2)
    b0, b1, b2 = s[_BIAS], s[_BIAS + 1], s[_BIAS + 2]
    lp = 19  # biasLp: w[19:21]
    w[lp] = w[r] * b0 + w[r + 1] * b1 + w[r + 2] * b2
    w[lp + 1] = w[r + 3] * b0 + w[r + 4] * b1 + w[r + 5] * b2
    _filter_vec(w, r, 9, c[_TAUACC], ts_a, c, _ACCB, _ACCA, s, _RLP, w, r)
    _filter_vec(w, lp, 2, c[_TAUACC], ts_a, c, _ACCB, _ACCA, s, _BIASLP, w, lp)
    ev = 21  # e: w[21:24], weights: w[24:27]
    wt = 24
    if s[_REST] != 0.0 and c[_RESTEST] != 0.0:
        w[ev] = s[_RESTGYRLP] - b0
        w[ev + 1] = s[_RESTGYRLP + 1] - b1
        w[ev + 2] = s[_RESTGYRLP + 2] - b2
        for k in range(9):
            w[r + k] = 0.0
        w[r] = 1.0
        w[r + 4] = 1.0
        w[r + 8] = 1.0
        w[wt] = c[_WREST]
        w[wt + 1] = c[_WREST]
        w[wt + 2] = c[_WREST]
    elif c[_MOTIONEST] != 0.0:
        w[ev] = -e1 / ts_a + w[lp] - w[r] * b0 - w[r + 1] * b1 - w[r + 2] * b2
        w[ev + 1] = e0 / ts_a + w[lp + 1] - w[r + 3] * b0 - w[r + 4] * b1 - w[r + 5] * b2
        w[ev + 2] = -w[r + 6] * b0 - w[r + 7] * b1 - w[r + 8] * b2
        w[wt] = c[_WMOTION]
        w[wt + 1] = c[_WMOTION]
        w[wt + 2] = c[_WVERTICAL]
    else:
        w[wt] = -1.0
        w[wt + 1] = -1.0
        w[wt + 2] = -1.0
    for k in (0, 4, 8):  # P = P + V
        if s[_BIASP + k] < c[_P0]:
            s[_BIASP + k] += c[_V]
    if w[wt] >= 0:
        _clip(w, ev, 3, -bias_clip, bias_clip)
        kk, t = 27, 36  # K: w[27:36], scratch w[36:45]
        _mat_mul_tps_second(s, _BIASP, w, r, w, kk, w[t:])
        _mat_mul(w, r, w, kk, w, kk, w[t:])
        w[kk] += w[wt]
        w[kk + 4] += w[wt + 1]
        w[kk + 8] += w[wt + 2]
        _mat_inv(w, kk, w, kk)
        _mat_mul_tps_first(w, r, w, kk, w, kk, w[t:])
        _mat_mul(s, _BIASP, w, kk, w, kk, w[t:])
        s[_BIAS] += w[kk] * w[ev] + w[kk + 1] * w[ev + 1] + w[kk + 2] * w[ev + 2]
        s[_BIAS + 1] += w[kk + 3] * w[ev] + w[kk + 4] * w[ev + 1] + w[kk + 5] * w[ev + 2]
        s[_BIAS + 2] += w[kk + 6] * w[ev] + w[kk + 7] * w[ev + 1] + w[kk + 8] * w[ev + 2]
        _mat_mul(w, kk, w, r, w, kk, w[t:])
        _mat_mul(w, kk, s, _BIASP, w, kk, w[t:])
        for k in range(9):
            s[_BIASP + k] -= w[kk + k]
        _clip(s, _BIAS, 3, -bias_clip, bias_clip)


# ---------------------------------------------------------------------- offline_vqf.cpp
def _bias_pass(n, gyr, acc, c, segment, out):
    """The forward and backward real-time filters and their bias estimates combined by their
    covariances (offlineVQF up to ``integrateGyr``); ``out`` (n, 3) gets the gyroscope less
    that bias. ``out`` may be ``gyr``: a sample is written once both filters are past it.

    The two filters are independent until combined, so they meet in the middle: first the
    forward filter runs over the first half and the backward one over the second (keeping a
    checkpoint at every segment), then each goes on over the other half, where the other
    filter's stretch is run again from its checkpoint and combined. Two filter updates a
    sample in all plus one, as in a single thread (forward, backward, forward again), but
    the halves run on two threads at once where the machine has two cores (the compiled
    loops release the interpreter lock)."""
    count = -(-n // segment)
    count += count % 2  # an even number of equal segments: equal halves
    segment = -(-n // count)
    count = -(-n // segment)
    half = count // 2
    g, a, o = gyr.reshape(-1), acc.reshape(-1), out.reshape(-1)
    fwd = np.empty((count, _STATE))
    bwd = np.empty((count, _STATE))
    s, back = np.empty(_STATE), np.empty(_STATE)
    _reset(s, c)
    _reset(back, c)
    def part(which: int):  # scratch allocated here: a thread's own allocations stay with it
        scratch = np.empty(12 * segment) if which > 1 else np.empty(0)
        return lambda: _part(which, s, back, g, a, c, n, segment, half, count, fwd, bwd, o,
                             scratch)

    _in_parallel(part(0), part(1))
    _in_parallel(part(2), part(3))


def _in_parallel(first, second) -> None:
    """``first()`` and ``second()``, on two threads where two cores are ours."""
    if filter_threads() < 2:
        first()
        second()
        return
    worker = threading.Thread(target=second)
    worker.start()
    first()
    worker.join()


@njit(cache=True, nogil=True)
def _part(which, s, back, g, a, c, n, segment, half, count, fwd, bwd, o, scratch):
    """One of the four parts of ``_bias_pass`` (one compiled entry: each entry's machine code
    is loaded on its own, with its own copy of the filter)."""
    middle = min(n, half * segment)
    if which == 0:
        _forward(s, g, a, c, 0, middle, segment, fwd)
    elif which == 1:
        _backward(back, g, a, c, middle, n, n, segment, bwd)
    elif which == 2:
        _second_half(s, g, a, c, half, count, n, segment, bwd, o, scratch)
    else:
        _first_half(back, g, a, c, half, n, segment, fwd, o, scratch)


@njit(cache=True)
def _forward(s, g, a, c, start, stop, segment, checkpoints):
    """The forward filter over ``[start, stop)``, keeping its state at each segment's start."""
    w = np.empty(48)
    for i in range(start, stop):
        if i % segment == 0:
            checkpoints[i // segment, :] = s
        _update(s, c, g, 3 * i, 1.0, a, 3 * i, w)


@njit(cache=True)
def _backward(back, g, a, c, start, stop, n, segment, checkpoints):
    """The backward filter over ``[start, stop)`` from its end, keeping its state before
    each segment's last sample."""
    w = np.empty(48)
    for i in range(stop - 1, start - 1, -1):
        if i == n - 1 or (i + 1) % segment == 0:
            checkpoints[i // segment, :] = back
        _update(back, c, g, 3 * i, -1.0, a, 3 * i, w)


@njit(cache=True)
def _second_half(s, g, a, c, first, count, n, segment, bwd, o, scratch):
    """The forward filter on from segment ``first``, each segment combined with the backward
    filter run again from its checkpoint."""
    back = np.empty(_STATE)
    bias1, inv1 = scratch[: 3 * segment], scratch[3 * segment:]
    for k in range(first, count):
        back[:] = bwd[k]
        _combine(s, back, g, a, c, k * segment, min(n, (k + 1) * segment), o, bias1, inv1)


@njit(cache=True)
def _first_half(back, g, a, c, stop_segment, n, segment, fwd, o, scratch):
    """The backward filter on down from segment ``stop_segment - 1``, each segment combined
    with the forward filter run again from its checkpoint."""
    s = np.empty(_STATE)
    bias1, inv1 = scratch[: 3 * segment], scratch[3 * segment:]
    for k in range(stop_segment - 1, -1, -1):
        s[:] = fwd[k]
        _combine(s, back, g, a, c, k * segment, min(n, (k + 1) * segment), o, bias1, inv1)


@njit(cache=True)
def _combine(s, back, g, a, c, start, stop, o, bias1, inv1):
    """One segment: the forward filter from ``s`` at its start, the backward one from
    ``back`` at its end (both left at the other end), combined into ``o``; ``bias1`` and
    ``inv1`` hold the forward filter's bias and inverse covariance over the segment."""
    w = np.empty(48)
    inv2 = np.empty(9)
    bias2 = np.empty(3)
    for i in range(start, stop):
        _update(s, c, g, 3 * i, 1.0, a, 3 * i, w)
        j = i - start
        bias1[3 * j], bias1[3 * j + 1], bias1[3 * j + 2] = s[_BIAS], s[_BIAS + 1], s[_BIAS + 2]
        _mat_inv(s, _BIASP, inv1, 9 * j)
    for i in range(stop - 1, start - 1, -1):
        _update(back, c, g, 3 * i, -1.0, a, 3 * i, w)
        j = i - start
        bias2[0], bias2[1], bias2[2] = back[_BIAS], back[_BIAS + 1], back[_BIAS + 2]
        _mat_inv(back, _BIASP, inv2, 0)
        _mat_vec(inv1, 9 * j, bias1, 3 * j, bias1, 3 * j)  # P1⁻¹ b1
        _mat_vec(inv2, 0, bias2, 0, bias2, 0)  # P2⁻¹ b2
        bias1[3 * j] -= bias2[0]
        bias1[3 * j + 1] -= bias2[1]
        bias1[3 * j + 2] -= bias2[2]
        for m in range(9):
            inv1[9 * j + m] += inv2[m]
        _mat_inv(inv1, 9 * j, inv1, 9 * j)
        _mat_vec(inv1, 9 * j, bias1, 3 * j, bias2, 0)  # the bias
        o[3 * i] = g[3 * i] - bias2[0]
        o[3 * i + 1] = g[3 * i + 1] - bias2[1]
        o[3 * i + 2] = g[3 * i + 2] - bias2[2]


@njit(cache=True)
def _orientation_pass(n, acc, c, work, out):
    """integrateGyr, the inertial acceleration, lowpassButterFiltfilt and accCorrection;
    ``work`` holds the gyroscope less its bias on entry and the filtered inertial
    acceleration on return, ``out`` (n, 4) gets quat6D."""
    a = acc.reshape(-1)
    b = work.reshape(-1)
    q = out.reshape(-1)
    ts = c[_GYRTS]
    tau = c[_TAUACC]
    w = np.empty(8)
    cur = np.empty(4)
    cur[0], cur[1], cur[2], cur[3] = 1.0, 0.0, 0.0, 0.0
    for i in range(n):  # integrateGyr; then acc in the inertial frame replaces the bias
        j = 3 * i
        w[0], w[1], w[2] = b[j], b[j + 1], b[j + 2]
        gyr_norm = _norm(w, 0, 3)
        angle = gyr_norm * ts
        if gyr_norm > _EPS:
            cos = math.cos(angle / 2)
            sin = math.sin(angle / 2) / gyr_norm
            w[4], w[5], w[6], w[7] = cos, sin * w[0], sin * w[1], sin * w[2]
            _quat_multiply(cur, 0, w, 4, cur, 0)
            _normalize(cur, 0, 4)
        q[4 * i], q[4 * i + 1], q[4 * i + 2], q[4 * i + 3] = cur[0], cur[1], cur[2], cur[3]
        _quat_rotate(q, 4 * i, a, j, b, j)
    st = np.empty(6)
    st[:] = np.nan
    for i in range(n):  # lowpassButterFiltfilt: forwards ...
        _filter_vec(b, 3 * i, 3, tau, ts, c, _ACCB, _ACCA, st, 0, b, 3 * i)
    for j in range(3):
        x0 = b[3 * n - 3 + j]
        st[2 * j] = x0 * (1 - c[_ACCB])
        st[2 * j + 1] = x0 * (c[_ACCB + 2] - c[_ACCA + 1])
    for i in range(n - 1, -1, -1):  # ... and backwards
        _filter_vec(b, 3 * i, 3, tau, ts, c, _ACCB, _ACCA, st, 0, b, 3 * i)
    cur[0], cur[1], cur[2], cur[3] = 1.0, 0.0, 0.0, 0.0
    for i in range(n):  # accCorrection
        _quat_rotate(cur, 0, b, 3 * i, w, 0)
        _normalize(w, 0, 3)
        q_w = math.sqrt((w[2] + 1) / 2)
        if q_w > 1e-6:
            w[4], w[5], w[6], w[7] = q_w, 0.5 * w[1] / q_w, -0.5 * w[0] / q_w, 0.0
        else:
            w[4], w[5], w[6], w[7] = 0.0, 1.0, 0.0, 0.0
        _quat_multiply(w, 4, cur, 0, cur, 0)
        _normalize(cur, 0, 4)
        _quat_multiply(cur, 0, q, 4 * i, q, 4 * i)
