"""6-axis orientation (gyro + accelerometer, no magnetometer): VQF, the field's reference filter.

Why VQF (Laidig & Seel 2023, the ``vqf`` package) and not a filter of our own: on real motion
with optical truth (BROAD) and on real walking it is more accurate than the gait-aware filter
this product used before, which only won on our own simulator (docs/orientation.md has the
tables and ``bench/orientation_choice.py`` re-measures them).

Two variants, one per use:

* **live** (:class:`OrientationFilter`): real-time VQF, causal, sample by sample in C++; any
  chunking of the input gives bit-identical output (its state carries over between packets).
* **recordings** (:func:`offline_orientation`): offline VQF, which uses the whole recording
  (forward and backward); more accurate, so every stored session is analysed with it.

Lost data: nothing is integrated across a gap as if it were measured. Live, the filter keeps
its heading and gyro bias but forgets its averaged gravity, so the inclination is re-acquired
from the accelerometer within about a stride (:meth:`OrientationFilter.restart_inclination`);
offline, every stretch between gaps is its own run of the filter, joined at the same heading.

Heading is free (no magnetometer: clinics are full of steel) and never enters pelvic drop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from vqf import VQF

from imu_monitor.errors import InputDataError
from imu_monitor.processing.offline_vqf import (
    offline_vqf,
    offline_vqf_unbiased,
    turn_about_vertical,
)
from imu_monitor.processing.runs import true_runs


@dataclass(frozen=True)
class FilterParams:
    """VQF's settings that we choose (all others are VQF's published defaults)."""

    tau_acc_s: float = 3.0  # time constant of the inclination correction (VQF's default)
    motion_bias: bool = True  # VQF's gyro-bias estimation while moving
    rest_min_s: float = 0.8  # stillness before the bias is learned at rest (VQF: 1.5 s)
    # Largest gyro offset learned, per axis (VQF: 2°/s). Beyond it VQF neither learns the
    # offset nor even detects rest, and every tilt drifts: an uncalibrated MEMS gyroscope's
    # zero-rate offset is often 2–5°/s. Measured (docs/orientation.md): with 4°/s on each
    # axis the per-step SDs are about twice the exact sensor's at VQF's limit and back to
    # them with 10°/s, while BROAD's inclination error (real motion, optical truth) and the
    # simulator's obliquity do not change.
    bias_clip_dps: float = 10.0

    def as_vqf(self) -> dict:
        return {"tauAcc": self.tau_acc_s, "motionBiasEstEnabled": self.motion_bias,
                "restMinT": self.rest_min_s, "magDistRejectionEnabled": False,
                "biasClip": self.bias_clip_dps}


def up_in_sensor(quat: np.ndarray) -> np.ndarray:
    """World up seen in sensor axes (n, 3): the third row of each rotation matrix."""
    w, x, y, z = quat[:, 0], quat[:, 1], quat[:, 2], quat[:, 3]
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)


class OrientationFilter:
    """Live orientation: sensor-to-world quaternions (w, x, y, z; world z up, heading free)."""

    def __init__(self, rate_hz: float, params: FilterParams | None = None,
                 state: dict | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.params = params or FilterParams()
        self._vqf = VQF(1.0 / self.rate_hz, **self.params.as_vqf())
        if state is not None:  # continue where another filter of this session stopped
            try:
                self._vqf.state = state
            except (TypeError, ValueError, KeyError):
                raise InputDataError("The stored orientation-filter state cannot be used; "
                                     "analyse with --recalibrate.") from None
        self.rest = np.zeros(0, dtype=bool)  # rest flags of the last update
        self.up = np.zeros((0, 3))  # up in sensor axes for the samples of the last update

    def update(self, gyr: np.ndarray, acc: np.ndarray) -> np.ndarray:
        """Advance by ``len(gyr)`` samples (rad/s, m/s²); return their orientations ``(n, 4)``."""
        if not len(gyr):
            self.up, self.rest = np.zeros((0, 3)), np.zeros(0, dtype=bool)
            return np.zeros((0, 4))
        out = self._vqf.updateBatch(np.ascontiguousarray(gyr, dtype=np.float64),
                                    np.ascontiguousarray(acc, dtype=np.float64))
        quat = out["quat6D"]
        self.up = up_in_sensor(quat)
        self.rest = out["restDetected"].astype(bool)
        return quat

    def restart_inclination(self) -> None:
        """After lost data: keep heading and gyro bias, re-average gravity from the next samples.

        VQF averages the accelerometer (in its gyro-integrated frame) from scratch after this,
        and corrects the inclination fully to that average at every sample, so the tilt the gap
        left behind is gone within about one stride of walking.
        """
        state = self._vqf.state
        state["accLpState"] = np.full_like(np.asarray(state["accLpState"], dtype=float), np.nan)
        self._vqf.state = state

    @property
    def state(self) -> dict:
        """The whole filter state (VQF's named fields): another filter of the same session
        continues from it instead of converging again."""
        return self._vqf.state

    @property
    def gyro_bias(self) -> np.ndarray:
        """Current gyro-bias estimate in rad/s (sensor axes)."""
        return np.asarray(self._vqf.getBiasEstimate()[0], dtype=float)


def offline_orientation(gyr: np.ndarray, acc: np.ndarray, rate_hz: float,
                        measured: np.ndarray | None = None,
                        params: FilterParams | None = None,
                        bias_free: bool = False, bias_out: np.ndarray | None = None,
                        bias_step: int = 1) -> np.ndarray:
    """Orientation of a whole recording (n, 4) with offline VQF.

    ``measured`` marks the samples the filter may use (short gaps already bridged count as
    measured); the filter runs on each stretch between longer gaps on its own, so nothing is
    integrated across lost data. The gyro bias is estimated once over the whole recording
    (its measured samples joined end to end) and taken off first, so a short stretch need
    not learn it again (or it was, by the caller: ``bias_free``, see
    :func:`.offline_vqf.offline_vqf_unbiased`). Each
    stretch is turned about the vertical to continue the heading where the previous one
    ended (plus the turn the bridged gyroscope saw in the gap), and slots inside gaps are
    interpolated (they are never reported as measured).

    ``bias_out`` (``bias_rows(n, bias_step)`` rows): the gyro bias ``gyr`` carries, as
    offline VQF estimated it, every ``bias_step`` samples (zeros when ``bias_free``).

    Memory: the result is the only array as long as the recording that this allocates, with
    gaps (unless ``bias_free``) also the bias-free gyroscope; the filter itself works in
    windows (:mod:`.offline_vqf`).
    """
    n = len(gyr)
    params = params or FilterParams()
    if n == 0:
        return np.zeros((0, 4))
    measured = np.ones(n, dtype=bool) if measured is None else np.asarray(measured, bool)
    ts = 1.0 / rate_hz
    gyr = np.ascontiguousarray(gyr, dtype=np.float64)
    # float32 stays so (each window of the filter is made float64: no copy of the whole)
    acc = np.ascontiguousarray(acc, dtype=np.result_type(acc.dtype, np.float32))
    runs = true_runs(measured)
    # One run of the filter over every slot; a recording whose first or last sample was
    # lost is filtered stretch by stretch, as any with gaps (its bias estimate too)
    whole_run = not bias_free and len(runs) == 1 and runs[0][0] == 0 and runs[0][1] == n
    if bias_out is not None and not whole_run:
        bias_out[:] = 0.0
    if not whole_run:
        if not bias_free:
            gyr = offline_vqf_unbiased(gyr, acc, ts, params.as_vqf(), bias_out=bias_out,
                                       bias_step=bias_step, keep=measured)
        run_params = {**params.as_vqf(), "biasSigmaInit": BIAS_KNOWN_DPS}
    else:
        run_params = params.as_vqf()
    usable = [(start, stop) for start, stop in runs if stop - start >= MIN_RUN_SAMPLES]
    if not usable:
        raise InputDataError("The recording holds no stretch of measured samples long enough "
                             "to compute the pelvis orientation.")
    if usable == [(0, n)]:
        return offline_vqf(gyr, acc, ts, run_params,
                           bias_out=bias_out if whole_run else None, bias_step=bias_step)
    quat = np.zeros((n, 4))
    quat[:, 0] = 1.0
    filled = np.zeros(n, dtype=bool)
    previous_stop: int | None = None
    for start, stop in usable:
        q = quat[start:stop]
        offline_vqf(gyr[start:stop], acc[start:stop], ts, run_params, out=q)
        if previous_stop is not None:
            last = quat[previous_stop - 1]
            axis = _most_horizontal_axis(last)
            # The turn about the vertical during the gap, from the bridged gyroscope.
            up_last = up_in_sensor(last[None])[0]
            turned = float(np.sum(gyr[previous_stop:start] @ up_last)) * ts
            _turn_about_vertical(q, _heading(last, axis) + turned - _heading(q[0], axis))
        filled[start:stop] = True
        previous_stop = stop
    return _bridge(quat, filled)


MIN_RUN_SAMPLES = 4  # offline VQF needs a few samples; shorter stretches are bridged
BIAS_KNOWN_DPS = 0.1  # uncertainty of the bias left once the whole recording's is taken off


def _most_horizontal_axis(q: np.ndarray) -> int:
    """The sensor axis closest to horizontal: its heading is well defined."""
    return int(np.argmin(np.abs(up_in_sensor(q[None])[0])))


def _heading(q: np.ndarray, axis: int) -> float:
    """Heading (rad) of sensor axis ``axis`` projected on the horizontal plane (only
    differences of it are used)."""
    w, x, y, z = q
    column = [(1 - 2 * (y * y + z * z), 2 * (x * y + w * z)),
              (2 * (x * y - w * z), 1 - 2 * (x * x + z * z)),
              (2 * (x * z + w * y), 2 * (y * z - w * x))][axis]
    return math.atan2(column[1], column[0])


def _turn_about_vertical(q: np.ndarray, angle: float) -> None:
    """``turn_about_vertical`` piece by piece (its temporaries stay small)."""
    for a, b in _pieces(len(q)):
        turn_about_vertical(q[a:b], angle)


def _bridge(quat: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Slots outside the filtered stretches: normalised linear interpolation between the
    neighbours (held at the ends), in one hemisphere. In place, piece by piece (the numbers
    of interpolating everything at once: tests/test_memory.py)."""
    if filled.all():
        return quat
    stretches = true_runs(filled)
    # Each filtered slot's sign continues the hemisphere of the filtered slot before it.
    sign, before = 1.0, None
    for start, stop in stretches:
        for a, b in _pieces(stop - start):
            q = quat[start + a: start + b]
            pairs = q if before is None else np.concatenate([before[None], q])
            flips = np.sign(np.sum(pairs[1:] * pairs[:-1], axis=1))
            if before is None:
                flips = np.concatenate([[1.0], flips])
            signs = sign * np.cumprod(np.where(flips < 0, -1.0, 1.0))
            before, sign = q[-1].copy(), float(signs[-1])
            q *= signs[:, None]
    # Slots between stretches: interpolated from the (signed) slots either side.
    n = len(quat)
    for start, stop in true_runs(~filled):
        if start == 0:
            quat[:stop] = quat[stop]
        elif stop == n:
            quat[start:] = quat[start - 1]
        else:
            x = np.arange(start, stop)
            ends = np.array([start - 1, stop])
            for k in range(4):
                quat[start:stop, k] = np.interp(x, ends, quat[ends, k])
    for a, b in _pieces(n):
        quat[a:b] /= np.linalg.norm(quat[a:b], axis=1, keepdims=True)
    return quat


def _pieces(n: int, size: int = 65_536) -> list[tuple[int, int]]:
    """``[start, stop)`` of consecutive pieces of at most ``size`` (bounded temporaries)."""
    return [(a, min(a + size, n)) for a in range(0, n, size)]
