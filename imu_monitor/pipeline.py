"""The one pipeline for live, replay, batch and tests.

source → (gap filling) → orientation filter → calibration → pelvis angles → contacts → steps
→ summary. Sensors that send their own orientation and no gyroscope skip the filter: their
quaternion is used instead (``device_orientation``, docs/orientation.md).

Every stage is streaming and decides only on absolute sample indices, so pushing a recording
packet by packet or as one array gives the same numbers (tested); ``analyze_samples`` is
nothing but one push and ``finish``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imu_monitor import __version__
from imu_monitor.conventions import Side
from imu_monitor.drills import DRILLS, analyze_drill, get_drill
from imu_monitor.errors import AnalysisError, CalibrationError, InputDataError
from imu_monitor.processing.calibration import Calibration, StreamingCalibrator
from imu_monitor.processing.device_orientation import DeviceOrientation
from imu_monitor.processing.events import ContactDetector, DetectorParams
from imu_monitor.processing.kinematics import PelvisKinematics
from imu_monitor.processing.metrics import Step, measure_step, summarize
from imu_monitor.processing.orientation import FilterParams, OrientationFilter
from imu_monitor.samples import SampleBatch

MAX_GAP_FILL_S = 600.0
# m/s², rad/s or quaternion units: a million is beyond any IMU (16 g is 157 m/s², 2000 °/s is
# 35 rad/s), so such a reading is corrupt, counted as lost, never computed with.
IMPLAUSIBLE_READING = 1e6


class _Growable:
    """An array that grows by appending rows, with amortised doubling (no quadratic copies)."""

    def __init__(self, shape_tail: tuple[int, ...], dtype=np.float64) -> None:
        self._data = np.zeros((1024, *shape_tail), dtype=dtype)
        self._n = 0

    def append(self, rows: np.ndarray) -> None:
        need = self._n + len(rows)
        if need > len(self._data):
            grown = np.zeros((max(need, 2 * len(self._data)), *self._data.shape[1:]),
                             dtype=self._data.dtype)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n: need] = rows
        self._n = need

    @property
    def view(self) -> np.ndarray:
        return self._data[: self._n]

    def __len__(self) -> int:
        return self._n


@dataclass(frozen=True)
class PipelineConfig:
    """What to analyse and how. ``threshold_deg`` None = the drill's default tolerance."""

    drill: str = "walk"
    threshold_deg: float | None = None
    axes: np.ndarray | None = None  # declared mounting (pelvis-from-sensor), see parse_axes
    calibration: Calibration | None = None  # a stored calibration instead of finding one
    side: Side | None = None  # tested leg for single-leg drills (None: found from the data)
    keep_orientation: bool = False  # keep every sensor quaternion (for .sto export)
    first_seq: int | None = None  # sequence number of time zero, if before the first sample
    # The orientation filter's state at the first sample (a recording started mid-session
    # continues the live filter; see OrientationFilter.state). Ignored for device orientation.
    filter_state: np.ndarray | None = None
    # Keep tilt, rotation and lateral acceleration for every sample (exports need them, and
    # single-leg drills always keep them). A live walking view needs only obliquity: without
    # them the history costs 5 bytes a sample instead of 17 (two hours at 200 Hz: 7 MB).
    angle_history: bool = True


@dataclass
class PipelineUpdate:
    """What one push made available: history samples ``[start, stop)`` and finished steps."""

    start: int
    stop: int
    steps: list[Step]
    calibrated_now: bool


@dataclass
class Analysis:
    """The result of a whole recording (or of a live session so far, at ``finish``)."""

    rate_hz: float
    drill: str
    steps: list[Step]
    summary: dict
    calibration: Calibration
    duration_s: float
    samples: int
    lost_samples: int
    rejected_samples: int = 0
    drill_result: dict | None = None
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The public JSON document: ``steps`` and ``summary`` (see docs/cli.md)."""
        summary = dict(self.summary)
        summary.update({
            "drill": self.drill,
            "duration_s": round(self.duration_s, 3),
            "samples": self.samples,
            "lost_samples": self.lost_samples,
            "rejected_samples": self.rejected_samples,
            "rate_hz": self.rate_hz,
            "calibration": self.calibration.to_dict(),
        })
        if self.drill_result is not None:
            summary[self.drill.replace("-", "_")] = self.drill_result
        return {
            "imu_monitor_version": __version__,
            "source": self.info,
            "steps": [s.to_dict() for s in self.steps],
            "summary": summary,
        }


class Pipeline:
    """Push sample batches in order; read angles, steps and status as they become available."""

    def __init__(self, rate_hz: float, config: PipelineConfig | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.config = config or PipelineConfig()
        self.drill = get_drill(self.config.drill)
        self.threshold_deg = (self.config.threshold_deg if self.config.threshold_deg is not None
                              else self.drill.default_threshold_deg)
        if not np.isfinite(self.threshold_deg) or not 0 <= self.threshold_deg <= 45:
            raise InputDataError("The threshold is a number of degrees between 0 and 45.")
        running = self.drill.name == "run"
        self._filter = OrientationFilter(self.rate_hz, FilterParams.for_running() if running
                                         else FilterParams(), self.config.filter_state)
        # Sensors that send their own orientation and no gyroscope (see samples.py) use it
        # instead of the filter; decided by the first samples of the session.
        self._device: DeviceOrientation | None = None
        self.device_orientation: bool | None = None
        self._calibrator = StreamingCalibrator(self.rate_hz, self.config.axes)
        self.calibration: Calibration | None = self.config.calibration
        self._pre = {name: _Growable(tail) for name, tail in
                     (("acc", (3,)), ("gyr", (3,)), ("quat", (4,)), ("up", (3,)))}
        self._kinematics: PelvisKinematics | None = None
        # Contacts are found in every drill: in single-leg drills they mark the walking to
        # leave out (the calibration walk, walking between sets).
        self._detector = ContactDetector(self.rate_hz, DetectorParams.for_running()
                                         if running else DetectorParams())
        # History of everything downstream of calibration, one row per sample slot.
        self.obliquity = _Growable((), np.float32)
        self.tilt = _Growable((), np.float32)
        self.rotation = _Growable((), np.float32)
        self.lateral_acc = _Growable((), np.float32)
        self._angle_history = self.config.angle_history or not self.drill.gait
        self.valid = _Growable((), np.bool_)
        self.orientation = _Growable((4,)) if self.config.keep_orientation else None
        self._valid_pre = _Growable((), np.bool_)
        self.steps: list[Step] = []
        self._pending = None  # last contact, waiting for the next one to close its step
        self._previous_in_bout: int | None = None
        self._last_step_time_s: float | None = None
        self._seq0: int | None = None
        self._next_seq = 0
        self.samples = 0
        self.lost_samples = 0
        self.rejected_samples = 0  # duplicates and out-of-order samples
        self.invalid_samples = 0  # non-finite or empty readings (counted as lost too)
        self._last: np.ndarray | None = None  # last received sample: gyr, acc (and quat)

    @property
    def filter_state(self) -> np.ndarray:
        """The orientation filter's state now (for a recording that starts here)."""
        return self._filter.state

    @property
    def calibration_stage(self) -> str:
        """``"standing"``, ``"walking"`` or ``"done"`` (see StreamingCalibrator.stage)."""
        return "done" if self.calibration is not None else self._calibrator.stage

    # ------------------------------------------------------------------ input
    def push(self, batch: SampleBatch) -> PipelineUpdate:
        """Process the next samples (sequence numbers must not go backwards)."""
        gyr, acc, device_quat, valid = self._fill_gaps(batch)
        start = len(self.obliquity)
        if self._device is not None:
            quat = self._device.update(device_quat)
            up, gyr = self._device.up, self._device.rate
        else:
            quat = self._filter.update(gyr, acc)
            up = self._filter.up
        calibrated_now = False
        if self.calibration is None:
            for name, rows in (("acc", acc), ("gyr", gyr), ("quat", quat), ("up", up)):
                self._pre[name].append(rows)
            self._valid_pre.append(valid)
            self.calibration = self._calibrator.update(self._pre["acc"].view,
                                                       self._pre["gyr"].view,
                                                       self._pre["quat"].view)
            if self.calibration is None:
                return PipelineUpdate(start, start, [], False)
            calibrated_now = True
            quat, up, acc = self._pre["quat"].view, self._pre["up"].view, self._pre["acc"].view
            valid = self._valid_pre.view
        steps = self._downstream(quat, up, acc, valid)
        if calibrated_now:
            self._pre = {}
            self._valid_pre = _Growable((), np.bool_)
        return PipelineUpdate(start, len(self.obliquity), steps, calibrated_now)

    def finish(self, require_steps: bool = True) -> Analysis:
        """End of the data: close pending steps, summarise, run the drill analysis.

        ``require_steps=False`` accepts a walking recording without steps (exports of
        angles or samples need none).
        """
        if self.calibration is None and self._pre:
            pre = (self._pre["acc"].view, self._pre["gyr"].view, self._pre["quat"].view)
            # A still period that runs to the very end may still be long enough; failing that,
            # a recording without any standing is referred to its mean posture (and says so).
            self.calibration = (self._calibrator.update(*pre, final=True)
                                or self._calibrator.fallback(*pre))
            if self.calibration is not None:
                self._downstream(self._pre["quat"].view, self._pre["up"].view,
                                 self._pre["acc"].view, self._valid_pre.view)
                self._pre = {}
        if self.calibration is None:
            raise CalibrationError(self._calibrator.problem)
        steps: list[Step] = []
        for contact in self._detector.finish():
            steps += self._on_contact(contact)
        steps += self._close_pending(None)
        self.steps += steps
        obliquity = self.obliquity.view
        drill_result = None
        if self.drill.gait:
            if not self.steps and require_steps:
                raise AnalysisError(
                    "No walking was found in this recording: the analysis needs at least a few "
                    "steps. Check that the sensor was worn during the walk, or choose the drill "
                    "that was done with --drill."
                )
        else:
            drill_result = self._analyze_drill()
        return Analysis(
            rate_hz=self.rate_hz,
            drill=self.drill.name,
            steps=self.steps,
            summary=summarize(self.steps, self.threshold_deg),
            calibration=self.calibration,
            duration_s=len(obliquity) / self.rate_hz,
            samples=self.samples,
            lost_samples=self.lost_samples,
            rejected_samples=self.rejected_samples,
            drill_result=drill_result,
        )

    def drill_so_far(self) -> dict | None:
        """The single-leg drill's holds or reps in the history so far (what the live view
        shows), None for gait drills, before calibration, or before any drill work."""
        if self.drill.gait or self.calibration is None or not len(self.obliquity):
            return None
        try:
            return self._analyze_drill()
        except AnalysisError:
            return None

    def _analyze_drill(self) -> dict:
        obliquity = self.obliquity.view
        return analyze_drill(self.drill, obliquity, self.tilt.view, self.rotation.view,
                             self.lateral_acc.view, self._walking_mask(len(obliquity)),
                             self.rate_hz, self.threshold_deg, self.config.side)

    def _walking_mask(self, n: int) -> np.ndarray:
        """Samples inside walking bouts (first to last contact, half a second around)."""
        mask = np.zeros(n, dtype=bool)
        pad = round(0.5 * self.rate_hz)
        bouts: dict[int, list[int]] = {}
        for s in self.steps:
            bouts.setdefault(s.bout, []).append(round(s.time_s * self.rate_hz))
        for idx in bouts.values():
            if len(idx) >= 3:  # a lone contact is a stumble or a weight shift, not walking
                mask[max(0, idx[0] - pad): idx[-1] + pad] = True
        return mask

    # -------------------------------------------------------------- internals
    def _fill_gaps(self, batch: SampleBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
        """Uniform sample slots: lost samples are bridged for the filter and marked invalid.

        The filter must integrate over the real elapsed time, so it is fed a straight line
        between the samples either side of a gap (device quaternions too, renormalised
        downstream); nothing bridged is ever reported as measured (``valid`` is False there,
        steps never take a peak from it) and every lost sample is counted. Returns gyr, acc,
        device quaternions (no columns unless the session uses the device orientation), valid.
        """
        seq = batch.seq.astype(np.int64)
        if self._seq0 is None and len(seq):
            first = self.config.first_seq
            self._seq0 = int(seq[0]) if first is None else min(int(first), int(seq[0]))
            self._next_seq = self._seq0
            self._choose_orientation(batch)
        if self.device_orientation and len(seq) and batch.quat is None:
            raise InputDataError(
                "The sensor stopped sending its orientation in the middle of the session: "
                "stop, check the sensor's measurement mode and start a new recording."
            )
        keep = np.ones(len(seq), dtype=bool)
        if len(seq):
            # Drop anything not strictly after what we already have (duplicates, reordering).
            running_max = np.maximum.accumulate(np.concatenate([[self._next_seq - 1], seq]))
            keep = seq > running_max[:-1]
        self.rejected_samples += int(np.count_nonzero(~keep))
        # A sample that is not a measurement (NaN, infinite, absurd, no acceleration at all) is
        # lost.
        # Orientation-only sensors have no gyroscope: their quaternion must be finite instead.
        columns = np.concatenate([batch.acc, batch.quat] if self.device_orientation
                                 else [batch.gyr, batch.acc], axis=1)
        # NaN, infinity, or beyond any IMU's range (a corrupt file) fail this comparison.
        plausible = (np.abs(columns) < IMPLAUSIBLE_READING).all(axis=1)
        measured = plausible & (np.abs(batch.acc).sum(axis=1) > 0)
        self.invalid_samples += int(np.count_nonzero(keep & ~measured))
        keep &= measured
        seq, rows = seq[keep], columns[keep]
        self.samples += len(seq)
        if not len(seq):
            return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 4)), np.zeros(0, dtype=bool)
        slots = seq - self._next_seq
        total = int(slots[-1]) + 1
        if total - len(seq) > round(MAX_GAP_FILL_S * self.rate_hz):
            raise AnalysisError(
                f"The sensor was silent for more than {MAX_GAP_FILL_S / 60:.0f} minutes inside "
                "this recording; analyse the parts before and after separately."
            )
        self.lost_samples += total - len(seq)
        self._next_seq = int(seq[-1]) + 1
        # Before the first sample there is nothing to bridge from: hold the first one.
        previous = self._last if self._last is not None else rows[0]
        if self.device_orientation:
            rows = _same_hemisphere(rows, previous)
        self._last = rows[-1].copy()
        if total == len(seq):  # nothing lost: the common case, no copies
            filled, valid = rows, np.ones(total, dtype=bool)
        else:
            valid = np.zeros(total, dtype=bool)
            valid[slots] = True
            # Known points: the last sample before this batch (slot -1) and the received ones.
            known = np.concatenate([[-1], slots])
            everywhere = np.arange(total)
            filled = np.column_stack([
                np.interp(everywhere, known, np.concatenate([[previous[k]], rows[:, k]]))
                for k in range(rows.shape[1])])
        if self.device_orientation:  # the angular rate comes from the quaternions, later
            return np.zeros((total, 3)), filled[:, :3], filled[:, 3:], valid
        return filled[:, :3], filled[:, 3:], np.zeros((total, 4)), valid

    def _choose_orientation(self, batch: SampleBatch) -> None:
        """Device orientation when the samples carry a quaternion and no gyroscope at all."""
        self.device_orientation = bool(batch.quat is not None
                                       and not np.isfinite(batch.gyr).any())
        if self.device_orientation:
            self._device = DeviceOrientation(self.rate_hz)
            self._calibrator.vertical_from_orientation = True

    def _downstream(self, quat, up, acc, valid) -> list[Step]:
        if self._kinematics is None:
            assert self.calibration is not None
            self._kinematics = PelvisKinematics(self.calibration, self.rate_hz)
        kin = self._kinematics.update(quat, up, acc)
        self.obliquity.append(kin.obliquity_deg)
        if self._angle_history:
            self.tilt.append(kin.tilt_deg)
            self.rotation.append(kin.rotation_deg)
            self.lateral_acc.append(kin.lateral_acc)
        self.valid.append(valid)
        if self.orientation is not None:
            self.orientation.append(quat)
        steps: list[Step] = []
        for contact in self._detector.push(kin.forward_acc, kin.lateral_acc, kin.vertical_acc):
            steps += self._on_contact(contact)
        self.steps += steps
        return steps

    def _on_contact(self, contact) -> list[Step]:
        steps = self._close_pending(contact)
        self._pending = contact
        return steps

    def _close_pending(self, following) -> list[Step]:
        pending = self._pending
        if pending is None:
            return []
        if following is not None and following.bout == pending.bout:
            end = following.index
        else:
            end = pending.index + round((self._last_step_time_s or 0.55) * self.rate_hz)
        step = measure_step(pending.index, pending.side, pending.bout, end,
                            self._previous_in_bout, self.obliquity.view, self.valid.view,
                            self.rate_hz, self.threshold_deg)
        same_bout = following is not None and following.bout == pending.bout
        if step.step_time_s is not None:
            self._last_step_time_s = step.step_time_s
        self._previous_in_bout = pending.index if same_bout else None
        self._pending = None
        return [step]


def _same_hemisphere(rows: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``rows`` (acc, quat) with each quaternion's sign chosen continuous from ``previous``
    (q and -q are one orientation; bridging a gap between them would pass through zero)."""
    q = rows[:, 3:]
    before = np.concatenate([previous[None, 3:], q[:-1]])
    dot = (q[:, 0] * before[:, 0] + q[:, 1] * before[:, 1] + q[:, 2] * before[:, 2]
           + q[:, 3] * before[:, 3])
    sign = np.cumprod(np.where(dot < 0, -1.0, 1.0))
    return np.concatenate([rows[:, :3], q * sign[:, None]], axis=1)


def analyze_samples(samples: SampleBatch, rate_hz: float,
                    config: PipelineConfig | None = None) -> Analysis:
    """Batch analysis of a whole recording: the live pipeline fed in one push."""
    pipeline = Pipeline(rate_hz, config)
    pipeline.push(samples)
    return pipeline.finish()


__all__ = ["DRILLS", "Analysis", "Pipeline", "PipelineConfig", "PipelineUpdate",
           "analyze_samples"]
