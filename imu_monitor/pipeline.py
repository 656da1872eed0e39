"""The one pipeline for live, replay, batch and tests.

source → (gap filling) → orientation → calibration → pelvis angles → contacts → steps → summary.
Sensors that send their own orientation and no gyroscope skip the filter: their quaternion is
used instead (``device_orientation``, docs/orientation.md).

Two orientation modes, everything downstream shared:

* ``"live"`` — the real-time filter, sample by sample as packets come; every stage is streaming
  and decides only on absolute sample indices, so pushing packets or one array gives the same
  numbers (tested). The app and ``stream`` use it.
* ``"offline"`` — a stored recording is analysed as a whole: the offline filter (which also
  looks ahead) and the calibration pooled from all its walking, then the same downstream
  stages: ``offline_analysis``, which every CLI command and Review reach through
  ``analysis.analyze_source`` (with the recording's settings). Live and reviewed numbers
  of one session can therefore differ by the filters' difference (docs/orientation.md
  measures it); the review says which it shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np

from imu_monitor import __version__
from imu_monitor.conventions import GRAVITY_MPS2, Side
from imu_monitor.drills import DRILLS, DrillResult, analyze_drill, get_drill
from imu_monitor.errors import (
    AnalysisError,
    CalibrationError,
    InputDataError,
    PresetContradicted,
)
from imu_monitor.presentation import duration_words
from imu_monitor.processing.alignment import (
    PRESET_LIMIT_DEG,
    Aligner,
    neutral_from_contacts,
)
from imu_monitor.processing.calibration import (
    NEUTRAL_CONTACTS,
    NEUTRAL_MEAN,
    NEUTRAL_STANDING,
    Calibration,
)
from imu_monitor.processing.device_orientation import DeviceOrientation
from imu_monitor.processing.events import Contact, ContactDetector, DetectorParams
from imu_monitor.processing.gap_fill import RUNNING_LOOK_S, GapFiller, running
from imu_monitor.processing.kinematics import PelvisKinematics
from imu_monitor.processing.metrics import (
    ProvisionalSteps,
    Step,
    StepHistory,
    StepJudge,
    Summary,
    against_threshold,
    on_pelvis,
    summarize,
)
from imu_monitor.processing.offline_vqf import bias_rows, offline_vqf_unbiased
from imu_monitor.processing.orientation import (
    FilterParams,
    OrientationFilter,
    offline_orientation,
    up_in_sensor,
)
from imu_monitor.processing.runs import true_runs
from imu_monitor.processing.sensor_moved import sensor_moves
from imu_monitor.processing.turn_acceleration import bin_samples, without_turn_acceleration
from imu_monitor.samples import SampleBatch

# The longest silence bridged inside a session (a sensor out of range over a lunch break, a
# host clock put forward an hour): an hour lost at 100 Hz analyses in 0.9 s and 132 MB, four
# hours at 200 Hz in 3.3 s and 427 MB. Longer, the file joins two recordings.
MAX_GAP_FILL_S = 4 * 3600.0
HEADING_KEPT_S = 10.0  # heading history kept for telling turns (a step is at most 1.5 s)
# m/s², rad/s or quaternion units: a million is beyond any IMU (16 g is 157 m/s², 2000 °/s is
# 35 rad/s), so such a reading is corrupt, counted as lost, never computed with.
IMPLAUSIBLE_READING = 1e6
# No pelvis accelerates like this walking or running (the real IPOL walks: at most 4.0 g; the
# simulated runner at most 6.7 g; a runner's sacrum 3–6 g): a knock on the sensor, or an
# accelerometer stuck at its full scale. Such samples are lost, bridged like a lost packet:
# 80 ms of 16 g in a real walk, taken in, tilted the offline filter by degrees for seconds
# either side and reversed which side looked weaker; 80 ms of 9 g moved a side by 1.5–2°.
PELVIS_ACC_LIMIT_MPS2 = 8 * GRAVITY_MPS2
# A gap up to this long is bridged for the filter (straight lines); longer ones, and any gap
# in running (processing/gap_fill.py), restart the filter's inclination (live) or split the
# recording into separately filtered stretches (offline). Measured in docs/accuracy.md
# (packet loss).
SHORT_GAP_S = 0.15
# Live: after a longer gap the inclination is re-acquired from gravity averaged over this
# long (about a stride); angles before that are not reported as measured. Offline, each
# stretch between longer gaps is filtered forwards and backwards on its own: its first and
# last OFFLINE_MARGIN_S are where it knows least.
REACQUIRE_S = 1.5
OFFLINE_MARGIN_S = 0.25
# Offline, a stretch between long gaps shorter than this is never trusted: its inclination
# comes from its own accelerometer alone, and under a second of walking cannot average the
# swing out. Stretches cut from the real IPOL walks (filtered alone, against the whole
# recording; worst obliquity error inside the margins, median / 95th percentile): 0.5 s
# 1.85° / 4.3°, 0.75 s 1.06° / 3.0°, 1 s 0.59° / 2.5°, and no better for longer ones
# (5 s: 0.59° / 2.1°).
MIN_TRUSTED_STRETCH_S = 1.0
# Offline, the horizontal acceleration of turns is taken off within walking bouts only:
# contacts at most this far apart, and this much around them.
BOUT_STEP_S = 1.5
BOUT_MARGIN_S = 1.0
# Live, a declared mounting (the app's preset) locks at the first standing, before any
# walking: the walking after it is watched this long at most for a forward clear enough to
# check the declared one against (about 15 steps make it clear; 50 MB at 1 kHz at most).
FORWARD_WATCH_S = 180.0
# Long arrays go through the per-sample stages in pieces of this many samples or more: every
# stage streams and decides on absolute sample indices, so the numbers are those of one call
# (tested), and no stage makes temporaries as long as the recording. Long enough for numpy's
# per-call cost not to count.
PIECE = 65_536

Mode = Literal["live", "offline"]


class _Growable:
    """An array that grows by appending rows, with amortised doubling (no quadratic copies)."""

    def __init__(self, shape_tail: tuple[int, ...], dtype=np.float64) -> None:
        self._data = np.zeros((1024, *shape_tail), dtype=dtype)
        self._n = 0

    @classmethod
    def wrap(cls, array: np.ndarray) -> _Growable:
        """An existing array as the rows so far (not copied: a whole recording's arrays)."""
        grown = cls.__new__(cls)
        grown._data, grown._n = array, len(array)
        return grown

    def reserve(self, rows: int) -> None:
        """Room for ``rows`` rows in all, allocated once (doubling could leave half unused)."""
        if rows > len(self._data):
            grown = np.zeros((rows, *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self._n] = self._data[: self._n]
            self._data = grown

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


class _ForwardWatch:
    """Live, after a calibration from a declared mounting: the walking that follows, pooled
    until it says clearly which way the patient faces, then the declared forward checked
    against it. Contradicted (worn back to front, a preset swaps left and right), it raises
    ``PresetContradicted`` with the calibration to go on with: the same standing, forward
    from that walking."""

    def __init__(self, aligner: Aligner, calibration: Calibration, rate_hz: float,
                 detector: DetectorParams) -> None:
        self._aligner, self._calibration = aligner, calibration
        self._rate_hz, self._detector = rate_hz, detector
        self._limit = round(FORWARD_WATCH_S * rate_hz)
        self._rows = {name: _Growable(tail) for name, tail in
                      (("acc", (3,)), ("gyr", (3,)), ("quat", (4,)), ("up", (3,)))}
        self._valid, self._measured = _Growable((), np.bool_), _Growable((), np.bool_)

    def add(self, acc, gyr, quat, up, valid, measured) -> bool:
        """The next samples; False once the watch is over (the declared forward agrees with
        the walking, or ``FORWARD_WATCH_S`` went by without walking clear enough)."""
        for name, rows in (("acc", acc), ("gyr", gyr), ("quat", quat), ("up", up)):
            self._rows[name].append(rows)
        self._valid.append(valid)
        self._measured.append(measured)
        views = [self._rows[name].view for name in ("acc", "gyr", "quat", "up")]
        aligner, n = self._aligner, len(self._valid)
        # Once it has seen standing, ``add`` stops after each block: look at them all.
        while (aligner.add(*views, self._valid.view, measured=self._measured.view)
               and aligner.seen + aligner.block <= n):
            pass
        if judge_preset(aligner, self._calibration, dict(zip(("acc", "quat", "up"),
                                                              views[:1] + views[2:],
                                                              strict=True)),
                        self._valid.view, self._rate_hz, self._detector):
            return False
        return n < self._limit


def judge_preset(aligner: Aligner, calibration: Calibration, views: dict[str, np.ndarray],
                 valid: np.ndarray, rate_hz: float, detector: DetectorParams) -> bool:
    """A mounting preset's forward judged against the walking ``aligner`` pooled, live and
    for a saved session alike: False while it cannot be judged yet, True when it agrees, and
    more than ``PRESET_LIMIT_DEG`` off, ``PresetContradicted`` with the calibration to go on
    with. As much walking as a live calibration locks on is needed: on the real IPOL walks
    with their true axes declared, the first check then finds forward a median 3.9° from the
    declared one (at most 24°, against the 30° limit); with less, after 1.5–3 s of walking, 2
    of the 110 were refused (bench/mounting_ipol.py --declared). ``views``: the samples the
    aligner pooled (``acc``, ``quat``, ``up``) and ``valid`` those it may read, for the
    replacement's contacts."""
    if not aligner.can_judge_preset():
        return False
    try:
        aligner.check_declared_forward(calibration.pelvis_from_sensor[2], PRESET_LIMIT_DEG)
    except CalibrationError as exc:
        aligner.axes = None  # the aligner no longer holds the preset
        walked = with_walked_forward(calibration, aligner)
        at_contact_cadence(aligner, walked, views, valid, rate_hz, detector)
        raise PresetContradicted(str(exc), with_walked_forward(calibration, aligner)) from None
    return True


def with_walked_forward(calibration: Calibration, aligner: Aligner) -> Calibration:
    """``calibration`` (a preset's) with forward from the walking ``aligner`` pooled (which
    holds no preset): the same standing, vertical and neutral, forward as found without a
    preset."""
    forward, confidence, spread = aligner.forward(calibration.pelvis_from_sensor[2])
    return dataclasses.replace(
        calibration, forward_sensor=forward, forward_source="walk",
        forward_confidence=confidence, walking_s=aligner.walking_s,
        forward_spread_deg=spread)


def found_contacts(cal: Calibration, views: dict[str, np.ndarray], rate_hz: float,
                   detector: DetectorParams) -> list[tuple[int, str]]:
    """The initial contacts (sample index, foot) found with ``cal`` in ``views`` (``acc``,
    ``quat``, and ``up`` when known), contacts that are no step (a second jolt, the weight
    shift before a walk) left out."""
    kinematics = PelvisKinematics(cal, rate_hz)
    finder = ContactDetector(rate_hz, detector)
    found: list[Contact] = []
    for a, b in _pieces(len(views["quat"])):
        up = views["up"][a:b] if "up" in views else up_in_sensor(views["quat"][a:b])
        kin = kinematics.update(views["quat"][a:b], up, views["acc"][a:b])
        found += finder.push(kin.forward_acc, kin.lateral_acc, kin.vertical_acc)
    found += finder.finish()
    return [(c.index, c.side) for c in found if c.is_step]


def at_contact_cadence(aligner: Aligner, first: Calibration, views: dict[str, np.ndarray],
                       valid: np.ndarray, rate_hz: float, detector: DetectorParams) -> None:
    """``aligner``'s forward windows read again at the cadence of the contacts found with
    the forward it pooled first, ``first`` (``Aligner.refine_forward``; ``valid``: the
    samples of ``views`` it may read)."""
    if aligner.axes is not None:
        return
    found = sorted(found_contacts(first, views, rate_hz, detector))
    up = views["up"] if "up" in views else _up_in_sensor(views["quat"])
    aligner.refine_forward(views["acc"], up, valid[:len(views["acc"])],
                           np.array([i for i, _ in found], np.int64),
                           np.array([side == "left" for _, side in found], bool))


class _Trailing:
    """The recent values of a stream, read by absolute index: a step is judged when the next
    contact's foot is decided, never more than a few seconds after it began."""

    def __init__(self, keep: int) -> None:
        self._keep = max(1, keep)
        self._data = np.zeros(0, np.float32)
        self._start = 0  # absolute index of _data[0]

    def append(self, values: np.ndarray) -> None:
        """Add values; what is older than ``keep`` is let go at the next push (until then a
        push, however long, is all there to be read)."""
        if len(self._data) > 2 * self._keep:  # trimmed by halves: no copy at every push
            drop = len(self._data) - self._keep
            self._data = self._data[drop:]
            self._start += drop
        self._data = np.concatenate([self._data, np.asarray(values, np.float32)])

    def __len__(self) -> int:
        return self._start + len(self._data)

    def __getitem__(self, span: slice) -> np.ndarray:
        start = max(span.start - self._start, 0)
        return self._data[start: span.stop - self._start]


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
    # Live only: the orientation filter's state at the first sample (a drill change in the
    # middle of a session continues the filter; see OrientationFilter.state).
    filter_state: dict | None = None
    # Keep tilt, rotation and lateral acceleration for every sample (exports need them, and
    # single-leg drills always keep them). A live walking view needs only obliquity: without
    # them the history costs 5 bytes a sample instead of 17 (two hours at 200 Hz: 7 MB).
    angle_history: bool = True
    orientation: Mode = "live"
    # Live: calibrate only with a standing period (a guided calibration: see Aligner).
    require_standing: bool = False


@dataclass
class PipelineUpdate:
    """What one push made available: history samples ``[start, stop)``, judged steps, and
    (live) the newest steps measured provisionally, each replaced later by its judged step
    of the same ``time_s`` (see ``ProvisionalSteps``)."""

    start: int
    stop: int
    steps: list[Step]
    calibrated_now: bool
    provisional: list[Step] = field(default_factory=list)


@dataclass
class Analysis:
    """The result of a whole recording (or of a live session so far, at ``finish``)."""

    rate_hz: float
    drill: str
    steps: list[Step]
    summary: Summary
    calibration: Calibration
    duration_s: float
    samples: int
    lost_samples: int
    rejected_samples: int = 0
    jolt_samples: int = 0  # of the lost: over PELVIS_ACC_LIMIT_MPS2 (a knock, a saturation)
    drill_result: DrillResult | None = None
    info: dict = field(default_factory=dict)
    orientation: Mode = "offline"
    calibration_note: str = ""  # said beside the calibration (a stored preset replaced)
    # (time s, jump °) where walking's mean obliquity jumped: the sensor moved on the patient
    sensor_moved: list[tuple[float, float]] = field(default_factory=list)

    @property
    def calibration_remarks(self) -> str:
        """What is said beside the calibration: a preset set aside, a sensor that moved."""
        moved = ""
        if self.sensor_moved:
            where = ", ".join(f"{jump:+.1f}° at {t:.0f} s" for t, jump in self.sensor_moved[:3])
            if len(self.sensor_moved) > 3:
                where += f" and {len(self.sensor_moved) - 3} times more"
            moved = (f"The sensor seems to have moved on the patient: walking's mean "
                     f"obliquity jumped by {where}. The numbers after that do not compare with "
                     "those before: check the sensor and calibrate again.")
        return " ".join(part for part in (self.calibration_note, moved) if part)

    @property
    def real_steps(self) -> list[Step]:
        """The steps without the rows of contacts found to be no step (extra peaks): what
        is matched against reference contacts."""
        return [s for s in self.steps if s.is_step]

    def to_dict(self) -> dict:
        """The public JSON document: ``steps`` and ``summary`` (see docs/cli.md)."""
        summary = self.summary.to_dict()
        summary.update({
            "drill": self.drill,
            "duration_s": round(self.duration_s, 3),
            "samples": self.samples,
            "lost_samples": self.lost_samples,
            "rejected_samples": self.rejected_samples,
            "jolt_samples": self.jolt_samples,
            "rate_hz": round(self.rate_hz, 6),
            "calibration": self.calibration.to_dict(),
            "orientation_filter": "offline" if self.orientation == "offline" else "real-time",
        })
        if self.calibration_note:
            summary["calibration_note"] = self.calibration_note
        if self.sensor_moved:
            summary["sensor_moved"] = [{"time_s": round(t, 2), "obliquity_jump_deg": round(j, 2)}
                                       for t, j in self.sensor_moved]
        if self.drill_result is not None:
            summary[self.drill.replace("-", "_")] = self.drill_result.to_dict()
        return {
            "imu_monitor_version": __version__,
            "source": self.info,
            "steps": [s.to_dict() for s in self.steps],
            "summary": summary,
        }


@dataclass
class _Filled:
    """One batch on uniform sample slots (see ``Pipeline._fill_gaps``)."""

    gyr: np.ndarray
    acc: np.ndarray
    device_quat: np.ndarray | None  # sensors with their own orientation only
    measured: np.ndarray  # a real sample in this slot
    restart: np.ndarray  # slots where a long gap ended (the next real sample after it)
    own: bool = True  # gyr and acc are the pipeline's (False: the pushed batch's own arrays)


class Pipeline:
    """Push sample batches in order; read angles, steps and status as they become available."""

    def __init__(self, rate_hz: float, config: PipelineConfig | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.config = config or PipelineConfig()
        self.drill = get_drill(self.config.drill)
        self.threshold_deg = _checked_threshold(
            self.config.threshold_deg if self.config.threshold_deg is not None
            else self.drill.default_threshold_deg)
        if self.config.orientation not in ("live", "offline"):
            raise ValueError(f"unknown orientation mode {self.config.orientation!r}")
        self.offline = self.config.orientation == "offline"
        running = self.drill.name == "run"
        self._filter_params = FilterParams()  # running too: VQF needs no other setting
        self._filter = (None if self.offline else
                        OrientationFilter(self.rate_hz, self._filter_params,
                                          self.config.filter_state))
        # Sensors that send their own orientation and no gyroscope (see samples.py) use it
        # instead of the filter; decided by the first samples of the session.
        self._device: DeviceOrientation | None = None
        self.device_orientation: bool | None = None
        self._aligner = Aligner(self.rate_hz, self.config.axes, self.config.require_standing,
                                one_posture=not self.drill.gait)
        self._forward_watch: _ForwardWatch | None = None  # live, a declared mounting's
        self.calibration: Calibration | None = self.config.calibration
        # Samples kept until calibrated (live); offline, until the end: the filled batches as
        # pushed (a batch that needed no filling is kept as it is, not copied).
        self._pre = {name: _Growable(tail) for name, tail in
                     (("acc", (3,)), ("gyr", (3,)), ("quat", (4,)), ("up", (3,)))}
        self._valid_pre = _Growable((), np.bool_)
        self._measured_pre = _Growable((), np.bool_)  # measured, trusted or not (standing)
        self._offline_parts: list[_Filled] | None = [] if self.offline else None
        self._offline_runs: np.ndarray | None = None  # offline: stretches the filter ran on
        self._gyr_bias_free = False  # offline: the gyroscope kept has had its bias taken off
        self._bias_bins = np.zeros((0, 3))  # offline: the filter's gyro bias, every bin
        self._reacquire_left = 0  # live: samples still re-acquiring after a gap
        self._kinematics: PelvisKinematics | None = None
        # Contacts are found in every drill: in single-leg drills they mark the walking to
        # leave out (the calibration walk, walking between sets).
        self._detector_params = DetectorParams.for_running() if running else DetectorParams()
        self._detector = ContactDetector(self.rate_hz, self._detector_params,
                                         announce=not self.offline)
        # History of everything downstream of calibration, one row per sample slot.
        self.obliquity = _Growable((), np.float32)
        # Tells turns from straight walking; only the recent part is ever looked at.
        self.heading = _Trailing(round(HEADING_KEPT_S * self.rate_hz))
        self.tilt = _Growable((), np.float32)
        self.rotation = _Growable((), np.float32)
        self.lateral_acc = _Growable((), np.float32)
        self._angle_history = self.config.angle_history or not self.drill.gait
        self.valid = _Growable((), np.bool_)
        self.on_pelvis = _Growable((), np.bool_)  # a pelvis's posture (steps elsewhere: none)
        self.orientation = _Growable((4,)) if self.config.keep_orientation else None
        self.steps: list[Step] = []
        self._judge = StepJudge(self.rate_hz, self.threshold_deg)
        # Live feedback within the next step (a recording's analysis needs none).
        self.provisional = (None if self.offline else
                            ProvisionalSteps(self.rate_hz, self.threshold_deg))
        self._provisional_out: list[Step] = []
        self._seq0: int | None = None
        self._next_seq = 0
        self.samples = 0
        self.lost_samples = 0
        self.rejected_samples = 0  # duplicates and out-of-order samples
        self.calibration_note = ""  # a stored preset the recording contradicts, set aside
        self.invalid_samples = 0  # not measurements: non-finite, empty, jolts (lost too)
        self.jolt_samples = 0  # of them, accelerations no pelvis has (PELVIS_ACC_LIMIT_MPS2)
        # The last sample number received, usable or not: slots after the last usable one
        # are lost too, counted at the end (a later usable sample makes them a gap).
        self._seen_until: int | None = None
        self._last: np.ndarray | None = None  # last received sample: gyr, acc (and quat)

    def set_threshold(self, threshold_deg: float) -> None:
        """Judge every step against a new threshold (its peak stays what it was): a
        clinician who nudges the threshold keeps the session's steps and totals."""
        self.threshold_deg = _checked_threshold(threshold_deg)
        self._judge.threshold_deg = self.threshold_deg
        if self.provisional is not None:
            self.provisional.threshold_deg = self.threshold_deg
        self.steps = against_threshold(self.steps, self.threshold_deg)

    def watch_forward_from(self, previous: Pipeline) -> None:
        """Go on judging a preset by the walking where ``previous`` (the session's analysis
        before a new drill or side, with the same calibration) left off."""
        if previous._forward_watch is not None and self.calibration is previous.calibration:
            self._forward_watch = previous._forward_watch

    @property
    def slots_seen(self) -> int:
        """Sample slots pushed so far, lost ones included (the session's time axis)."""
        return 0 if self._seq0 is None else self._next_seq - self._seq0

    @property
    def filter_state(self) -> dict | None:
        """The live orientation filter's state now (a new pipeline of the same session
        continues from it); None offline."""
        return None if self._filter is None else self._filter.state

    @property
    def calibration_stage(self) -> str:
        """``"standing"``, ``"walking"`` or ``"done"``, for a guided calibration."""
        return "done" if self.calibration is not None else self._aligner.stage()

    @property
    def calibration_progress(self) -> float:
        """0..1: walking seen so far against what a live calibration needs."""
        return 1.0 if self.calibration is not None else self._aligner.walking_progress()

    # ------------------------------------------------------------------ input
    def push(self, batch: SampleBatch) -> PipelineUpdate:
        """Process the next samples (sequence numbers must not go backwards)."""
        filled = self._fill_gaps(batch)
        start = len(self.obliquity)
        if self.offline:
            if self._offline_parts is not None and len(filled.measured):
                self._offline_parts.append(filled)
            return PipelineUpdate(start, start, [], False)
        gyr, acc = filled.gyr, filled.acc
        if self._device is not None:
            quat = self._device.update(filled.device_quat)
            up, gyr = self._device.up, self._device.rate
            valid = filled.measured
        else:
            quat, up, valid = self._live_orientation(filled)
        if self.calibration is not None:
            if self._forward_watch is not None and not self._forward_watch.add(
                    acc, gyr, quat, up, valid, filled.measured):
                self._forward_watch = None
            steps = self._downstream(quat, up, acc, valid)
            return PipelineUpdate(start, len(self.obliquity), steps, False,
                                  self._take_provisional(steps))
        self._keep_pre(acc, gyr, quat, up, valid, filled.measured)
        pre = self._pre_views()
        if not self._aligner.add(pre["acc"], pre["gyr"], pre["quat"], pre["up"],
                                 self._evidence(), measured=self._measured_pre.view):
            return PipelineUpdate(start, start, [], False)
        seen = self._aligner.seen  # decided on these samples alone, however they came
        self.calibration = self._calibrate({k: v[:seen] for k, v in pre.items()})
        self._watch_declared_forward()
        steps = self._flush_pre()
        return PipelineUpdate(start, len(self.obliquity), steps, True,
                              self._take_provisional(steps))

    def _take_provisional(self, judged: list[Step]) -> list[Step]:
        """The provisional steps of this push not already replaced by their judged step."""
        out, self._provisional_out = self._provisional_out, []
        done = {s.time_s for s in judged}
        return [s for s in out if s.time_s not in done]

    def finish(self, require_steps: bool = True) -> Analysis:
        """End of the data: close pending steps, summarise, run the drill analysis.

        ``require_steps=False`` accepts a walking recording without steps (exports of
        angles or samples need none).
        """
        if self._seen_until is not None and self._seen_until >= self._next_seq:
            self.lost_samples += self._seen_until - self._next_seq + 1
            self._next_seq = self._seen_until + 1
        if self._offline_parts is not None:
            self._offline_orientation()
        self._set_aside_stored_preset()
        if self.calibration is None and self._pre:
            pre = self._pre_views()
            if "up" not in pre:  # offline: up for the whole recording, for calibrating only
                pre["up"] = _up_in_sensor(pre["quat"])
            if self._aligner.add(pre["acc"], pre["gyr"], pre["quat"], pre["up"],
                                 self._evidence(), final=True,
                                 measured=self._measured_pre.view):
                self.calibration = self._calibrate(pre)
            del pre
        if self.calibration is None:
            raise CalibrationError(
                "Nothing to calibrate on was found: the patient must stand still for "
                "1.5 s or walk a few steps, or the mounting must be declared (--axes)."
            )
        if self._pre:
            if self.offline and not self.device_orientation:
                self._correct_for_turns()
            self._flush_pre()
        steps: list[Step] = []
        for contact in self._detector.finish():
            steps += self._judge.contact(contact, self._history())
        steps += self._judge.close(self._history())
        self.steps += steps
        if self.provisional is not None:
            self.provisional.judged(steps)
        obliquity = self.obliquity.view
        drill_result = None
        if self.drill.gait:
            if not self.steps and require_steps:
                raise AnalysisError(
                    "No walking was found in this recording: the analysis needs at least a few "
                    "steps. Check that the sensor was worn during the walk, or choose the drill "
                    "that was done (--drill)."
                )
        else:
            drill_result = self._analyze_drill()
            if not drill_result.blocks:  # only a set whose leg could not be seen
                raise AnalysisError(f"No {self.drill.label.lower()} to report: "
                                    f"{drill_result.note}.")
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
            jolt_samples=self.jolt_samples,
            drill_result=drill_result,
            calibration_note=self.calibration_note,
            orientation=self.config.orientation,
            sensor_moved=sensor_moves(self.steps, obliquity, self.valid.view, self.rate_hz)
            if self.drill.gait else [],
        )

    def drill_so_far(self, start: int = 0) -> DrillResult | None:
        """The single-leg drill's holds or reps in the history so far (what the live view
        shows), None for gait drills, before calibration, or before any drill work.

        ``start``: from this sample of the history on, its times counted from there (a
        recording started mid-segment: its holds, as its own analysis will find them)."""
        if (self.drill.gait or self.calibration is None
                or len(self.obliquity) - max(0, start) <= 0):
            return None
        try:
            return self._analyze_drill(max(0, start))
        except AnalysisError:
            return None

    def _analyze_drill(self, start: int = 0) -> DrillResult:
        """The drill analysis of the history from sample ``start`` on (times from there):
        what came before it is not looked at, as if the data began there (walking bouts that
        began before it are still known as walking)."""
        n = len(self.obliquity)
        part = slice(start, n)
        return analyze_drill(self.drill, self.obliquity.view[part], self.tilt.view[part],
                             self.rotation.view[part], self.lateral_acc.view[part],
                             self._walking_mask(n)[part], self.rate_hz, self.threshold_deg,
                             self.config.side, self.valid.view[part])

    def _walking_mask(self, n: int) -> np.ndarray:
        """Samples inside walking bouts (first to last contact, half a second around)."""
        bouts: dict[int, list[int]] = {}
        for s in self.steps:
            bouts.setdefault(s.bout, []).append(round(s.time_s * self.rate_hz))
        return _around_bouts(n, bouts.values(), round(0.5 * self.rate_hz))

    def _history(self):
        return StepHistory(self.obliquity.view, self.heading, self.valid.view,
                           self.on_pelvis.view)

    # ------------------------------------------------------------ orientation
    def _live_orientation(self, filled: _Filled) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Real-time filter over one filled batch, restarting its inclination after each long
        gap; returns quaternions, up and which samples are trustworthy."""
        assert self._filter is not None
        cuts = [0, *np.flatnonzero(filled.restart).tolist(), len(filled.gyr)]
        quats, ups = [], []
        for a, b in pairwise(cuts):
            if a > 0:
                self._filter.restart_inclination()
            quats.append(self._filter.update(filled.gyr[a:b], filled.acc[a:b]))
            ups.append(self._filter.up)
        valid = filled.measured.copy()
        if not filled.restart.any() and self._reacquire_left == 0:
            return np.concatenate(quats), np.concatenate(ups), valid
        settle = round(REACQUIRE_S * self.rate_hz)
        for k in range(len(valid)):  # mark re-acquisition (only around gaps, which are rare)
            if filled.restart[k]:
                self._reacquire_left = settle
            if self._reacquire_left > 0:
                valid[k] = False
                self._reacquire_left -= 1
        return np.concatenate(quats), np.concatenate(ups), valid

    def _offline_orientation(self) -> None:
        """Offline: orientation of everything pushed, stretch by stretch between long gaps."""
        filled = self._offline_inputs()
        acc, measured = filled.acc, filled.measured
        if self.device_orientation:
            device = DeviceOrientation(self.rate_hz)
            assert filled.device_quat is not None
            quat = device.update(filled.device_quat)
            up, gyr = device.up, device.rate
            valid = measured
        else:
            gyr = filled.gyr
            runs = _bridged(measured, round(SHORT_GAP_S * self.rate_hz), acc,
                            round(RUNNING_LOOK_S * self.rate_hz))
            # Stretches between long gaps: the whole recording's gyro bias (from its measured
            # samples) comes off first, into the pipeline's own copy (lost samples were
            # filled in: it has one), all that is needed of it afterwards.
            stretches = len(true_runs(runs)) > 1
            if stretches:
                gyr = offline_vqf_unbiased(gyr, acc, 1.0 / self.rate_hz,
                                           self._filter_params.as_vqf(), gyr_scratch=filled.own,
                                           keep=runs)
            # The filter's bias estimate is kept in bins, for the turns' correction.
            step = bin_samples(self.rate_hz)
            self._bias_bins = np.empty((bias_rows(len(gyr), step), 3))
            quat = offline_orientation(gyr, acc, self.rate_hz, runs, self._filter_params,
                                       bias_free=stretches, bias_out=self._bias_bins,
                                       bias_step=step)
            self._offline_runs, self._gyr_bias_free = runs, stretches
            up = None  # up is computed where needed: a whole recording's is 24 bytes a sample
            valid = _with_margins(measured, runs, round(OFFLINE_MARGIN_S * self.rate_hz),
                                  round(MIN_TRUSTED_STRETCH_S * self.rate_hz))
        self._pre = {"acc": _Growable.wrap(acc), "quat": _Growable.wrap(quat)}
        if gyr is not None:
            self._pre["gyr"] = _Growable.wrap(gyr)
        if up is not None:
            self._pre["up"] = _Growable.wrap(up)
        self._valid_pre = _Growable.wrap(valid)
        self._measured_pre = _Growable.wrap(measured)

    def _correct_for_turns(self) -> None:
        """Offline: the orientation again with the horizontal acceleration of the turns taken
        off the accelerometer (:mod:`.processing.turn_acceleration`). The accelerometer kept
        for the contacts is the measured one; the one given to the filter is float32 (a
        micro-g is far below any sensor's noise)."""
        assert self.calibration is not None
        acc, gyr, quat = (self._pre[name].view for name in ("acc", "gyr", "quat"))
        walking = self._walking_bouts(len(acc))
        if not walking.any():
            return
        freed = without_turn_acceleration(quat, acc, gyr, self._bias_bins, self.rate_hz,
                                          self._measured_pre.view, walking, self._offline_runs,
                                          out=np.empty(acc.shape, np.float32))
        del walking
        if freed is None:  # no turns
            return
        del quat
        self._pre["quat"] = _Growable((4,))  # the old orientation goes before the new
        self._pre["quat"] = _Growable.wrap(offline_orientation(
            gyr, freed, self.rate_hz, self._offline_runs, self._filter_params,
            bias_free=self._gyr_bias_free))

    def _walking_bouts(self, n: int) -> np.ndarray:
        """Samples of walking (or running): bouts of three or more initial contacts at most
        ``BOUT_STEP_S`` apart, and ``BOUT_MARGIN_S`` around them, as the contact detector
        finds them on the orientation so far."""
        assert self.calibration is not None
        contacts = np.array(sorted(i for i, _ in self._contacts_with(self.calibration,
                                                                     self._pre_views())),
                            dtype=np.int64)
        breaks = np.flatnonzero(np.diff(contacts) > BOUT_STEP_S * self.rate_hz) + 1
        return _around_bouts(n, np.split(contacts, breaks),
                             round(BOUT_MARGIN_S * self.rate_hz))

    def _offline_inputs(self) -> _Filled:
        """Everything pushed offline as one set of arrays: the only batch as it is, or the
        batches joined (then the pipeline's own arrays)."""
        parts = self._offline_parts or []
        self._offline_parts = None
        if len(parts) == 1:
            return parts[0]
        quat_width = 4 if self.device_orientation else 0

        def joined(name: str, tail: tuple[int, ...], dtype=np.float64) -> np.ndarray:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays) if arrays else np.zeros((0, *tail), dtype)

        return _Filled(joined("gyr", (3,)), joined("acc", (3,)),
                       joined("device_quat", (quat_width,)) if quat_width else None,
                       joined("measured", (), np.bool_), joined("restart", (), np.bool_))

    def _evidence(self) -> np.ndarray:
        """Samples the calibration may use: trusted ones, and short bridged gaps (a lost
        packet in the middle of standing still does not end the standing)."""
        return _bridged(self._valid_pre.view, round(SHORT_GAP_S * self.rate_hz))

    # ------------------------------------------------------------ calibration
    def _calibrate(self, pre: dict[str, np.ndarray]) -> Calibration:
        """The calibration from the evidence so far: standing before the walking, otherwise the
        pelvis at initial contacts (found with a provisional mean-posture calibration),
        otherwise standing anywhere, otherwise the mean posture."""
        aligner = self._aligner
        aligner.set_aside_off_posture()
        still = aligner.standing()
        if still is not None:
            aligner.check_declared_up(still.up)
            aligner.check_declared_forward(still.up)
            at_contact_cadence(aligner, aligner.calibration(still.up, NEUTRAL_STANDING, still),
                               pre, self._evidence(), self.rate_hz, self._detector_params)
            return aligner.calibration(still.up, NEUTRAL_STANDING, still)
        mean_up = aligner.walking_up()
        if mean_up is None:
            mean_up = pre["up"].mean(axis=0)
            mean_up /= np.linalg.norm(mean_up)
        aligner.check_declared_up(mean_up)
        aligner.check_declared_forward(mean_up)
        at_contact_cadence(aligner, aligner.calibration(mean_up, NEUTRAL_MEAN, None), pre,
                           self._evidence(), self.rate_hz, self._detector_params)
        provisional = aligner.calibration(mean_up, NEUTRAL_MEAN, None)
        contacts = self._contacts_with(provisional, pre)
        up = neutral_from_contacts(pre["up"], contacts, self.rate_hz,
                                   provisional.pelvis_from_sensor, pre["gyr"])
        if up is not None:
            return aligner.calibration(up, NEUTRAL_CONTACTS, None)
        still = aligner.any_standing()
        if still is not None:
            return aligner.calibration(still.up, NEUTRAL_STANDING, still)
        return provisional

    def _set_aside_stored_preset(self) -> None:
        """Offline, a stored calibration from a mounting preset is checked against all the
        walking of the recording, as the live view checks it (it may have been saved before
        5 s of walking could, or by a version that did not): more than ``PRESET_LIMIT_DEG``
        off, it is said (``calibration_note``) and forward taken from the walking, the
        standing kept. A mounting declared with ``--axes`` (also one stored in the file's
        description) is judged at its own calibration instead."""
        stored = self.config.calibration
        if (not self.offline or stored is None or stored.forward_source != "axes"
                or self.config.axes is not None or not (self._pre and "quat" in self._pre)):
            return
        pre = self._pre_views()
        up = pre["up"] if "up" in pre else _up_in_sensor(pre["quat"])
        aligner = self._preset_aligner(stored.pelvis_from_sensor)
        aligner.add(pre["acc"], pre["gyr"], pre["quat"], up, self._evidence(), final=True,
                    measured=self._measured_pre.view)
        try:  # a drill's few steps cannot judge it: as live, it is kept
            judge_preset(aligner, stored, {**pre, "up": up}, self._evidence(), self.rate_hz,
                         self._detector_params)
        except PresetContradicted as exc:
            self.calibration_note = (f"The mounting preset stored with this recording was "
                                     f"set aside: {exc} Forward was found from the walking; "
                                     "the standing it was calibrated on is kept.")
            self.calibration = exc.replacement

    def _watch_declared_forward(self) -> None:
        """Live, a declared mounting locked at the standing: the walking to come is watched
        for its forward (what little walked before, checked as it locked only against
        ``DECLARED_FORWARD_LIMIT_DEG``, is not enough to judge it by ``PRESET_LIMIT_DEG``)."""
        assert self.calibration is not None
        if self._aligner.axes is None:
            return
        self._forward_watch = _ForwardWatch(self._preset_aligner(self._aligner.axes),
                                            self.calibration, self.rate_hz,
                                            self._detector_params)

    def _preset_aligner(self, axes: np.ndarray) -> Aligner:
        """A fresh aligner holding a declared mounting, to pool the walking it is judged by."""
        aligner = Aligner(self.rate_hz, axes)
        aligner.vertical_from_orientation = self._aligner.vertical_from_orientation
        return aligner

    def _contacts_with(self, cal: Calibration, pre: dict[str, np.ndarray]
                       ) -> list[tuple[int, str]]:
        return found_contacts(cal, pre, self.rate_hz, self._detector_params)

    # -------------------------------------------------------------- internals
    def _keep_pre(self, acc, gyr, quat, up, valid, measured) -> None:
        self._pre["acc"].append(acc)
        self._pre["gyr"].append(gyr)
        self._pre["quat"].append(quat)
        if len(up):
            self._pre["up"].append(up)
        self._valid_pre.append(valid)
        self._measured_pre.append(measured)

    def _pre_views(self) -> dict[str, np.ndarray]:
        return {name: g.view for name, g in self._pre.items()}

    def _flush_pre(self) -> list[Step]:
        self._pre.pop("gyr", None)  # nothing downstream needs the angular rate
        pre = self._pre_views()
        valid = self._valid_pre.view
        n = len(valid)
        histories = [self.obliquity, self.valid, self.on_pelvis]
        if self._angle_history:
            histories += [self.tilt, self.rotation, self.lateral_acc]
        for history in histories:
            history.reserve(len(history) + n)
        keep_quat = self.orientation is not None
        if keep_quat and self.offline:  # the whole orientation already is one array
            self.orientation = _Growable.wrap(pre["quat"])
            keep_quat = False
        steps: list[Step] = []
        quat, up = pre["quat"], pre.get("up")
        for a, b in _pieces(n):
            steps += self._downstream(quat[a:b], up_in_sensor(quat[a:b]) if up is None
                                      else up[a:b], pre["acc"][a:b], valid[a:b], keep_quat)
        self._pre = {}
        self._valid_pre = _Growable((), np.bool_)
        self._measured_pre = _Growable((), np.bool_)
        return steps

    def _fill_gaps(self, batch: SampleBatch) -> _Filled:
        """Uniform sample slots: lost samples are bridged and marked as not measured.

        The filter must integrate over the real elapsed time, so it is fed what
        ``GapFiller`` makes of a gap (a straight line, or the same part of the stride before;
        device quaternions are interpolated and renormalised downstream); nothing bridged is
        ever reported as measured, and every lost sample is counted. A gap longer than
        ``SHORT_GAP_S`` marks the slot after it as a restart.

        A batch with nothing lost, repeated or unusable is used as it is (a whole recording
        is not copied); otherwise the slots are filled in pieces into arrays allocated once.
        """
        seq = np.asarray(batch.seq, dtype=np.int64)
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
            del running_max
        self.rejected_samples += int(np.count_nonzero(~keep))
        # A sample that is not a measurement (NaN, infinite, absurd, no acceleration at all, an
        # acceleration no pelvis has) is lost. Orientation-only sensors have no gyroscope:
        # their quaternion must be finite and of about unit length (all zeros would stop the
        # angles for good).
        left, right = ((batch.acc, batch.quat) if self.device_orientation
                       else (batch.gyr, batch.acc))
        assert right is not None
        measured = _plausible(left) & _plausible(right) & (np.abs(batch.acc).sum(axis=1) > 0)
        with np.errstate(over="ignore", invalid="ignore"):  # absurd rows are out already
            jolt = measured & (np.einsum("ij,ij->i", batch.acc, batch.acc)
                               >= PELVIS_ACC_LIMIT_MPS2**2)
        self.jolt_samples += int(np.count_nonzero(keep & jolt))
        measured &= ~jolt
        if self.device_orientation:  # a rotation is a unit quaternion (quantised: near 1)
            norm = np.linalg.norm(right, axis=1)
            measured &= (norm > 0.5) & (norm < 2.0)
        self.invalid_samples += int(np.count_nonzero(keep & ~measured))
        if keep.any():  # (new samples' numbers only ever increase)
            self._seen_until = int(seq[np.flatnonzero(keep)[-1]])
        keep &= measured
        kept = int(np.count_nonzero(keep))
        self.samples += kept
        if not kept:
            return _Filled(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 4)),
                           np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))
        index = None if kept == len(seq) else np.flatnonzero(keep)
        slots = (seq if index is None else seq[index]) - self._next_seq
        total = int(slots[-1]) + 1
        if total - kept > round(MAX_GAP_FILL_S * self.rate_hz):
            silent = np.diff(np.concatenate([[-1], slots])) - 1
            k = int(np.argmax(silent))
            since = (self._next_seq - self._seq0 + int(slots[k] - silent[k])) / self.rate_hz
            longest = (f"{duration_words(silent[k] / self.rate_hz)} from "
                       f"{duration_words(since)} into this recording")
            raise AnalysisError(
                "The sensor was silent for "
                + (f"{duration_words((total - kept) / self.rate_hz)} in all (the longest "
                   f"{longest})" if silent[k] < total - kept else longest)
                + f": more than the {MAX_GAP_FILL_S / 3600:.0f} hours a session may be "
                "silent. The file seems to join recordings: save each part as a file of its "
                "own and analyse each."
            )
        self.lost_samples += total - kept
        self._next_seq = int(seq[-1] if index is None else seq[index[-1]]) + 1
        restart = np.zeros(total, dtype=bool)
        measured_slots = np.ones(total, dtype=bool)
        if index is None and total == kept and not self.device_orientation and \
                left.dtype == right.dtype == np.float64:
            # Nothing to fill: the batch's own arrays (the rows the filler would return).
            self._last = np.concatenate([left[-1], right[-1]])
            tail = self._gap_filler.history_rows
            self._gap_filler.remember(np.concatenate([left[-tail:], right[-tail:]], axis=1))
            return _Filled(left, right, None, measured_slots, restart, own=False)
        # Filled slots are interpolated in float64, as the filler does.
        dtype = np.result_type(left, right) if total == kept else np.float64
        out_left = np.empty((total, left.shape[1]), dtype)
        out_right = np.empty((total, right.shape[1]), out_left.dtype)
        # Before the first sample there is nothing to bridge from: hold the first one.
        previous = self._last
        # Live, a gap in running restarts the filter: told from the second before it.
        live_gaps = total != kept and not self.offline and not self.device_orientation
        acc_before = self._gap_filler.recent_acc() if live_gaps else np.zeros((0, 3))
        done = 0  # slots filled so far
        for a, b in _pieces(kept):
            rows_at = slice(a, b) if index is None else index[a:b]
            rows = np.concatenate([left[rows_at], right[rows_at]], axis=1)
            if previous is None:
                previous = rows[0]
            if self.device_orientation:
                rows = _same_hemisphere(rows, previous)
            piece_slots = slots[a:b] - done
            count = int(piece_slots[-1]) + 1
            filled = self._gap_filler.fill(rows, piece_slots, previous, count)
            out_left[done: done + count] = filled[:, :left.shape[1]]
            out_right[done: done + count] = filled[:, left.shape[1]:]
            previous = rows[-1]
            done += count
        self._last = previous.copy()
        if total != kept:
            measured_slots[:] = False
            measured_slots[slots] = True
            lost_before = np.diff(np.concatenate([[-1], slots])) - 1
            long_gap = lost_before > round(SHORT_GAP_S * self.rate_hz)
            if live_gaps:
                long_gap |= _in_running(lost_before, slots, acc_before, out_right,
                                        round(RUNNING_LOOK_S * self.rate_hz))
            restart[slots[long_gap]] = True
        if self.device_orientation:  # the angular rate comes from the quaternions, later
            return _Filled(np.zeros((total, 3)), out_left, out_right, measured_slots, restart)
        return _Filled(out_left, out_right, None, measured_slots, restart)

    def _choose_orientation(self, batch: SampleBatch) -> None:
        """Device orientation when the samples carry a quaternion and no gyroscope at all."""
        self.device_orientation = bool(batch.quat is not None
                                       and not np.isfinite(batch.gyr).any())
        if self.device_orientation:
            self._device = DeviceOrientation(self.rate_hz)
            self._aligner.vertical_from_orientation = True
        self._gap_filler = GapFiller(self.rate_hz, periodic=not self.device_orientation)

    def _downstream(self, quat, up, acc, valid, keep_quat: bool = True) -> list[Step]:
        if self._kinematics is None:
            assert self.calibration is not None
            self._kinematics = PelvisKinematics(self.calibration, self.rate_hz)
        kin = self._kinematics.update(quat, up, acc)
        self.obliquity.append(kin.obliquity_deg)
        self.heading.append(kin.heading_deg)
        if self._angle_history:
            self.tilt.append(kin.tilt_deg)
            self.rotation.append(kin.rotation_deg)
            self.lateral_acc.append(kin.lateral_acc)
        self.valid.append(valid)
        self.on_pelvis.append(on_pelvis(kin.obliquity_deg, kin.tilt_deg))
        if self.orientation is not None and keep_quat:
            self.orientation.append(quat)
        steps: list[Step] = []
        for contact in self._detector.push(kin.forward_acc, kin.lateral_acc, kin.vertical_acc):
            steps += self._judge.contact(contact, self._history())
        self.steps += steps
        if self.provisional is not None:
            self.provisional.contacts(self._detector.provisional())
            self._provisional_out += self.provisional.ready(self._history(),
                                                            self._judge.usual_step_s)
            self.provisional.judged(steps)
        return steps


def _checked_threshold(threshold_deg: float) -> float:
    if not np.isfinite(threshold_deg) or not 0 <= threshold_deg <= 45:
        raise InputDataError("The threshold is a number of degrees between 0 and 45.")
    return float(threshold_deg)


def _around_bouts(n: int, bouts: Iterable[Sequence[int]], pad: int) -> np.ndarray:
    """Samples from ``pad`` before the first to ``pad`` after the last contact of each bout
    of three or more (a lone contact or two is a stumble or a weight shift, not walking)."""
    mask = np.zeros(n, dtype=bool)
    for bout in bouts:
        if len(bout) >= 3:
            mask[max(0, int(bout[0]) - pad): int(bout[-1]) + pad] = True
    return mask


def _pieces(n: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of the pieces long arrays are processed in: ``PIECE`` samples or
    more each (the last takes the remainder), one piece below that."""
    edges = [*range(0, max(1, n // PIECE) * PIECE, PIECE), n] if n else [0, 0]
    return list(pairwise(edges))


def _up_in_sensor(quat: np.ndarray) -> np.ndarray:
    """``up_in_sensor`` of a whole recording, piece by piece (its temporaries stay small)."""
    up = np.empty((len(quat), 3))
    for a, b in _pieces(len(quat)):
        up[a:b] = up_in_sensor(quat[a:b])
    return up


def _plausible(rows: np.ndarray) -> np.ndarray:
    """Rows whose every value is finite and within any IMU's range."""
    return (np.abs(rows) < IMPLAUSIBLE_READING).all(axis=1)


def _with_margins(measured: np.ndarray, runs: np.ndarray, margin: int, shortest: int
                  ) -> np.ndarray:
    """Measured samples, less ``margin`` either side of every gap not bridged in ``runs``
    and, when there is such a gap, less every stretch of ``runs`` shorter than ``shortest``
    (at the ends of the recording too: it was filtered on its own as well)."""
    valid = measured.copy()
    for start, stop in true_runs(~runs):
        valid[max(0, start - margin): stop + margin] = False
    stretches = true_runs(runs)
    if len(stretches) > 1:
        for start, stop in stretches:
            if stop - start < shortest:
                valid[start:stop] = False
    return valid


def _in_running(lost_before: np.ndarray, slots: np.ndarray, acc_before: np.ndarray,
                acc: np.ndarray, look: int) -> np.ndarray:
    """Live, per received sample: whether a gap just before it came in running (``running``
    in the ``look`` samples before the gap: ``acc_before``, then this batch's ``acc``)."""
    out = np.zeros(len(slots), dtype=bool)
    for k in np.flatnonzero(lost_before > 0):
        start = int(slots[k] - lost_before[k])  # the gap's first slot in this batch
        before = acc[max(0, start - look):start]
        if len(before) < look:
            before = np.concatenate([acc_before[max(0, len(acc_before) - look + len(before)):],
                                     before])
        out[k] = running(before)
    return out


def _bridged(measured: np.ndarray, short: int, acc: np.ndarray | None = None,
             look: int = 0) -> np.ndarray:
    """``measured`` with gaps of at most ``short`` slots counted as measured (bridged); with
    ``acc``, not those in running (``running`` in the ``look`` samples either side: a run
    that starts just after a gap counts)."""
    out = measured.copy()
    for start, stop in true_runs(~measured):
        if stop - start <= short and start > 0:
            around = slice(max(0, start - look), stop + look)
            if acc is None or not running(acc[around][measured[around]]):
                out[start:stop] = True
    return out


def _same_hemisphere(rows: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``rows`` (acc, quat) with each quaternion's sign chosen continuous from ``previous``
    (q and -q are one orientation; bridging a gap between them would pass through zero)."""
    q = rows[:, 3:]
    before = np.concatenate([previous[None, 3:], q[:-1]])
    dot = (q[:, 0] * before[:, 0] + q[:, 1] * before[:, 1] + q[:, 2] * before[:, 2]
           + q[:, 3] * before[:, 3])
    sign = np.cumprod(np.where(dot < 0, -1.0, 1.0))
    return np.concatenate([rows[:, :3], q * sign[:, None]], axis=1)


def offline_analysis(samples: SampleBatch, rate_hz: float, config: PipelineConfig,
                     require_steps: bool = True) -> tuple[Pipeline, Analysis]:
    """A whole recording analysed: the offline filter, then the one pipeline. Pass the
    samples as a temporary: they are let go once pushed (the pipeline keeps what it needs)."""
    pipeline = Pipeline(rate_hz, dataclasses.replace(config, orientation="offline"))
    pipeline.push(samples)
    del samples
    return pipeline, pipeline.finish(require_steps=require_steps)


def analyze_samples(samples: SampleBatch, rate_hz: float,
                    config: PipelineConfig | None = None) -> Analysis:
    """Bare arrays analysed as a recording, without any recording's stored settings (tests,
    benchmarks); a file or a recording goes through ``analysis.analyze_source``."""
    return offline_analysis(samples, rate_hz, config or PipelineConfig())[1]


__all__ = ["DRILLS", "Analysis", "Contact", "Pipeline", "PipelineConfig", "PipelineUpdate",
           "analyze_samples", "offline_analysis"]
