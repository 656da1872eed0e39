"""The live session engine: source → analysis (``LiveSession``, the same as the terminal's)
and recorder on a worker thread; the GUI polls.

The GUI never touches the sensor, the analysis or the recording file. One worker thread drains
the source, pushes every packet through the session and into the recorder, and accumulates
what changed; the GUI's frame timer takes that with ``poll()`` (a lock held for microseconds).
The GUI's commands (record, marker, calibrate, drill) are queued and run on the worker thread
between packets, so the recording file is only ever touched from one thread. No Qt here: the
same engine runs under tests, benchmarks and the app.
"""

from __future__ import annotations

import collections
import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imu_monitor.analysis import analyze_saved
from imu_monitor.conventions import Side
from imu_monitor.drills import DrillResult, shifted
from imu_monitor.errors import ImuMonitorError, RecordingError
from imu_monitor.logs import fault_message
from imu_monitor.lsl import LslPublisher
from imu_monitor.pipeline import Analysis, PipelineConfig
from imu_monitor.processing.calibration import Calibration, in_recording_time
from imu_monitor.processing.metrics import Step, Summary
from imu_monitor.reading import LiveReading
from imu_monitor.recording import RecordingWriter
from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.session import LiveSession
from imu_monitor.sources.base import Source, close_in_background

COMMAND_WAIT_S = 0.05  # the worker looks at the GUI's commands at least this often
READ_AHEAD_ITEMS = 500  # packets the reader may hold for the worker (seconds of data)
DRILL_REFRESH_S = 0.5  # live holds/reps are recomputed at most this often
STILLNESS_WINDOW_S = 1.0
RATE_WINDOW_S = 2.0


@dataclass(frozen=True)
class SessionSettings:
    """What the clinician chose for the live analysis."""

    drill: str = "walk"
    side: Side | None = None
    threshold_deg: float | None = None
    axes: np.ndarray | None = None  # a mounting preset instead of the calibration walk


@dataclass(frozen=True)
class RecordingRequest:
    """Where and for whom to record."""

    path: Path
    patient_id: str | None = None
    notes: str = ""
    device: dict = field(default_factory=dict)


@dataclass
class RecordingResult:
    """A finished recording: its file, and its analysis or why there is none."""

    path: Path
    samples: int
    analysis: Analysis | None
    problem: str | None


@dataclass
class LinkHealth:
    """What the status bar shows about the sensor link."""

    state: str = "connecting"  # connecting, streaming, no data, reconnecting, ended, failed
    rate_hz: float = 0.0
    lost_pct: float = 0.0
    battery_pct: float | None = None
    seconds_since_data: float = 0.0


@dataclass
class LiveFrame:
    """Everything that changed since the previous poll (arrays are the new samples only)."""

    time_s: np.ndarray
    obliquity_deg: np.ndarray
    valid: np.ndarray
    steps: list[Step]  # judged: final, as the recording's analysis will have them
    # Measured within the next step, each replaced by the judged step of the same time_s
    # (see ProvisionalSteps): show these first, then the judged ones.
    provisional_steps: list[Step]
    segment_started: bool  # the pipeline restarted (new drill or calibration): clear the view
    calibration_stage: str  # of the calibration under way (a recalibration's, if one is)
    calibration: Calibration | None  # the one in use (kept while a new one is under way)
    calibration_progress: float  # 0..1: walking seen against what the calibration needs
    recalibrating: bool  # a new calibration is under way; the old one is still in use
    recalibration_started: bool  # one began since the last poll
    mounting_refused: bool  # the mounting preset contradicted the sensor: calibrating without
    stillness_dps: float | None  # gyro SD over the last second, for the standing check
    data_time_s: float  # sensor time received so far (s since the session began)
    summary: Summary | None
    drill_result: DrillResult | None
    reading: LiveReading | None  # the big number, decided here (None until calibrated)
    health: LinkHealth
    recording_path: Path | None
    recording_elapsed_s: float
    arrivals: list[float]  # monotonic time each new packet reached the engine
    messages: list[str]  # news for the status bar
    problems: list[str]  # a command could not be done: shown prominently, with what to do
    finished_recording: RecordingResult | None
    error: str | None


@dataclass
class _News:
    """What changed since the last poll, as it accumulates: ``LiveFrame``'s fields (the new
    samples as parts), the lasting ones carried from one poll to the next."""

    samples: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    provisional_steps: list[Step] = field(default_factory=list)
    segment_started: bool = False
    calibration_stage: str = "standing"
    calibration: Calibration | None = None
    calibration_progress: float = 0.0
    recalibrating: bool = False
    recalibration_started: bool = False
    mounting_refused: bool = False
    stillness_dps: float | None = None
    data_time_s: float = 0.0
    summary: Summary | None = None
    drill_result: DrillResult | None = None
    reading: LiveReading | None = None
    recording_path: Path | None = None
    recording_elapsed_s: float = 0.0
    arrivals: list[float] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    finished_recording: RecordingResult | None = None
    error: str | None = None

    LASTING = ("calibration_stage", "calibration", "calibration_progress", "recalibrating",
               "stillness_dps", "data_time_s", "reading", "recording_path",
               "recording_elapsed_s")

    def next_poll(self) -> _News:
        """The news of the next frame: nothing new yet, the lasting state as it is."""
        return _News(**{name: getattr(self, name) for name in self.LASTING})


class LiveEngine:
    """Runs one live session from one source; the GUI (or a test) polls it."""

    def __init__(self, source: Source, settings: SessionSettings | None = None) -> None:
        self.source = source
        self.rate_hz = source.info.rate_hz
        self.settings = settings or SessionSettings()
        self._lock = threading.Lock()
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        # The reader only drains the source into a queue, so the worker runs the GUI's
        # commands (stop, marker, calibrate) even while a silent link yields nothing.
        # Bounded: a source faster than the pipeline (a replay, a fast-forward) waits instead
        # of piling up in memory.
        self._items: queue.Queue[SampleBatch | StatusEvent | BaseException | None] = (
            queue.Queue(maxsize=READ_AHEAD_ITEMS))
        self._reader = threading.Thread(target=self._read, name="source-reader", daemon=True)
        self._thread = threading.Thread(target=self._run, name="live-engine")
        self._stop = threading.Event()
        # The analysis: pipeline, calibration under way, segments, steps as shown, the big
        # number, the Lab Streaming Layer (when switched on).
        self.session = LiveSession(self.rate_hz, self._config(self.settings))
        self._recorder: RecordingWriter | None = None
        self._recording_start_slot: int | None = None  # session slot of its first sample
        self._shown_calibration: tuple[Calibration | None, Calibration | None] = (None, None)
        self._finishers: list[threading.Thread] = []  # saved recordings being analysed
        self._next_drill_refresh = 0.0
        self._summary_due, self._next_summary = False, 0.0
        self._gyro_recent: collections.deque[np.ndarray] = collections.deque()
        self._arrivals: collections.deque[tuple[float, int]] = collections.deque()
        self._last_data = time.monotonic()
        self.health = LinkHealth()
        self._pending = _News(segment_started=True,
                              calibration_stage=self.session.calibration_stage)

    # --------------------------------------------------------------- GUI side
    def start(self) -> None:
        self._reader.start()
        self._thread.start()

    def stop(self) -> None:
        """End the session without waiting: the worker finishes any recording (analysis
        stored, file closed) and exits; poll until ``running`` is False for its last news.
        The source is closed on a thread of its own (a Bluetooth disconnect takes seconds)."""
        self._stop.set()
        close_in_background(self.source)

    @property
    def running(self) -> bool:
        """The session, or the analysis of a recording it saved, is still going."""
        return self._thread.is_alive() or any(t.is_alive() for t in self._finishers)

    def poll(self) -> LiveFrame:
        """Take what changed since the last poll (called from the GUI's frame timer)."""
        with self._lock:
            news = self._pending
            self._pending = news.next_poll()
            health = dataclasses.replace(self.health,
                                         seconds_since_data=time.monotonic() - self._last_data)
        parts = news.samples
        return LiveFrame(
            time_s=np.concatenate([t for t, _, _ in parts]) if parts else np.zeros(0),
            obliquity_deg=(np.concatenate([o for _, o, _ in parts]) if parts
                           else np.zeros(0, np.float32)),
            valid=np.concatenate([v for _, _, v in parts]) if parts else np.zeros(0, bool),
            health=health,
            **{f.name: getattr(news, f.name) for f in dataclasses.fields(news)
               if f.name != "samples"})

    def set_settings(self, settings: SessionSettings) -> None:
        """A new drill or side: the analysis restarts, the calibration stays. A new threshold
        alone judges the steps again, the totals stay (and a recording saves it). The
        mounting preset is not one of these settings (``recalibrate`` sets it): the one in
        use is kept."""
        self._commands.put(lambda: self._apply_settings(
            dataclasses.replace(settings, axes=self.settings.axes), recalibrate=False))

    def recalibrate(self, axes: np.ndarray | None = None) -> None:
        """Start the calibration again (stand still, then walk, or ``axes`` for the walk).

        The calibration in use stays in use, the live view going on with it, until the new
        one is complete: a second calibration that never completes strands nothing."""
        self._commands.put(lambda: self._start_recalibration(axes))

    def cancel_recalibration(self) -> None:
        """Give up a calibration under way and keep the one in use."""
        self._commands.put(self._drop_candidate)

    def start_recording(self, request: RecordingRequest) -> None:
        self._commands.put(lambda: self._start_recording(request))

    def stop_recording(self) -> None:
        self._commands.put(self._finish_recording)

    def publish_lsl(self, on: bool) -> None:
        """Publish the session to Lab Streaming Layer (docs/lsl.md), or stop."""
        self._commands.put(lambda: self._set_publisher(on))

    def _set_publisher(self, on: bool) -> None:
        if on and self.session.publisher is None:
            self.session.set_publisher(LslPublisher(self.source.info.name, self.rate_hz))
            self._message("Publishing to Lab Streaming Layer: imu_monitor raw, pelvis, steps.")
        elif not on:
            self.session.set_publisher(None)

    def add_marker(self, label: str) -> None:
        self._commands.put(lambda: self._marker(label))

    # ------------------------------------------------------------ worker side
    def _read(self) -> None:
        """Source → queue; ends with None (end of stream) or the exception it raised."""
        try:
            for item in self.source.stream():
                if not self._hand_over(item):
                    return
        except BaseException as exc:  # handed to the worker, which says it in words
            self._hand_over(exc)
        self._hand_over(None)

    def _hand_over(self, item: SampleBatch | StatusEvent | BaseException | None) -> bool:
        """Queue ``item`` for the worker, waiting while it is full; False once stopped."""
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=COMMAND_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._run_commands()
                try:
                    item = self._items.get(timeout=COMMAND_WAIT_S)
                except queue.Empty:
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, StatusEvent):
                    self._on_event(item)
                else:
                    self._on_batch(item)
            self._run_commands()
            if self._summary_due:  # the last steps' summary was waiting for its turn
                self._next_summary = 0.0
                summary = self._refresh_summary(time.monotonic(), False)
                with self._lock:
                    self._pending.summary = summary
            self._set_state("ended", "The sensor stream ended." if not self._stop.is_set()
                            else "Disconnected.")
        except ImuMonitorError as exc:
            self._fail(str(exc))
        except Exception:  # never lose the recording to an unexpected error
            self._fail(f"{fault_message('running the live session')} The live session "
                       "stopped; what was recorded so far is saved.")
        finally:
            if self._recorder is not None:
                self._finish_recording()

    def _run_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except ImuMonitorError as exc:
                with self._lock:
                    self._pending.problems.append(str(exc))

    def _on_batch(self, batch: SampleBatch) -> None:
        now = time.monotonic()
        if self._recorder is not None:
            try:
                self._recorder.append(batch)
            except RecordingError as exc:  # full disk, vanished folder: keep what is saved
                self._recording_failed(str(exc))
        self._track_stillness(batch.gyr)
        update = self.session.push(batch)
        if update.segment_started:
            self._segment_restarted()
            if update.calibration_refused:  # a preset the sensor contradicts
                self.settings = dataclasses.replace(self.settings, axes=None)
                with self._lock:
                    self._pending.mounting_refused = True
                if self._recorder is not None:  # its calibration was the refused preset's:
                    # the one replacing it, or none (the review finds its own)
                    self._store_calibration("Mounting preset replaced by the walking"
                                            if self.session.calibration is not None
                                            else "Mounting preset refused")
            elif self._recorder is not None and update.calibrated_now:
                self._store_calibration("Calibrated again")
        drill = self._refresh_drill(now)
        summary = self._refresh_summary(now, bool(update.steps or update.provisional))
        with self._lock:
            p = self._pending
            p.problems += update.problems
            if len(update.time_s):
                p.samples.append((update.time_s, update.obliquity_deg, update.valid))
            p.steps += update.steps
            p.provisional_steps += update.provisional
            p.reading = self.session.reading()
            p.arrivals.append(now)
            if summary is not None:
                p.summary = summary
            if drill is not None:
                p.drill_result = drill
            self._set_calibration_news()
            p.stillness_dps = self._stillness()
            p.data_time_s = self.session.samples_seen / self.rate_hz
            p.recording_elapsed_s = (self._recorder.elapsed_s if self._recorder is not None
                                      else 0.0)
            self._update_rate(now, len(batch))
            self._last_data = now
            if self.health.state != "streaming":
                self.health.state = "streaming"

    def _on_event(self, event: StatusEvent) -> None:
        if self._recorder is not None:
            try:
                self._recorder.add_event(event)
            except RecordingError as exc:  # the disk went: keep what is saved, go on live
                self._recording_failed(str(exc))
        states = {StatusKind.CONNECTED: "streaming", StatusKind.LOST: "reconnecting",
                  StatusKind.NO_DATA: "no data"}
        with self._lock:
            if event.kind in states:
                self.health.state = states[event.kind]
            if event.kind is StatusKind.BATTERY and event.value is not None:
                self.health.battery_pct = float(event.value)
            else:
                self._pending.messages.append(event.message)

    def _recording_first_sample(self) -> int | None:
        """Where the recording began in the current segment's history (the index of its
        first sample there; negative when the segment began after it, e.g. a calibration
        completed while recording), None when not recording."""
        if self._recorder is None or self._recording_start_slot is None:
            return None
        return self._recording_start_slot - self.session.segment_offset

    def _refresh_drill(self, now: float) -> DrillResult | None:
        """Holds and reps so far (they need the whole history): at most every
        DRILL_REFRESH_S, and never more than a tenth of the time, however long the session.

        While recording, the recording's sets only, in its time (from its first sample, as
        its saved analysis finds them): none yet is an empty result, so that the session's
        sets are not shown as the recording's."""
        pipeline = self.session.pipeline
        if pipeline.drill.gait or now < self._next_drill_refresh:
            return None
        first = self._recording_first_sample()
        result = pipeline.drill_so_far(max(0, first or 0))
        if first is not None:
            result = (DrillResult(pipeline.threshold_deg, ()) if result is None
                      else shifted(result, max(0, -first) / self.rate_hz))
        cost = time.monotonic() - now
        self._next_drill_refresh = now + max(DRILL_REFRESH_S, 10 * cost)
        return result

    def _refresh_summary(self, now: float, new_steps: bool) -> Summary | None:
        """The running summary after new steps: it goes over every step of the segment, so
        it is never given more than a tenth of the time (hours of walking stay cheap)."""
        if new_steps:
            self._summary_due = True
        if not self._summary_due or now < self._next_summary:
            return None
        self._summary_due = False
        # While recording, the live totals count the recording only; the session so far
        # comes back when it stops.
        first = self._recording_first_sample()
        summary = self.session.summary(None if first is None else max(0, first) / self.rate_hz)
        self._next_summary = now + 10 * (time.monotonic() - now)
        return summary

    def _track_stillness(self, gyr: np.ndarray) -> None:
        self._gyro_recent.append(gyr)
        keep = round(STILLNESS_WINDOW_S * self.rate_hz)
        while sum(len(g) for g in self._gyro_recent) - len(self._gyro_recent[0]) >= keep:
            self._gyro_recent.popleft()

    def _stillness(self) -> float | None:
        gyr = np.concatenate(list(self._gyro_recent)) if self._gyro_recent else np.zeros((0, 3))
        gyr = gyr[np.isfinite(gyr).all(axis=1)]
        if len(gyr) < 0.8 * STILLNESS_WINDOW_S * self.rate_hz:
            return None
        return float(np.degrees(np.max(np.std(gyr, axis=0))))

    def _update_rate(self, now: float, n: int) -> None:
        self._arrivals.append((now, n))
        while self._arrivals and now - self._arrivals[0][0] > RATE_WINDOW_S:
            self._arrivals.popleft()
        span = now - self._arrivals[0][0]
        if span > 0.5:
            self.health.rate_hz = sum(k for _, k in list(self._arrivals)[1:]) / span
        p = self.session.pipeline
        total = p.samples + p.lost_samples
        self.health.lost_pct = 100.0 * p.lost_samples / total if total else 0.0

    def _config(self, settings: SessionSettings) -> PipelineConfig:
        """The live analysis for the clinician's choices (angles beyond obliquity are kept
        only when the Lab Streaming Layer needs them: LiveSession adds them then)."""
        return PipelineConfig(drill=settings.drill, side=settings.side,
                              threshold_deg=settings.threshold_deg, axes=settings.axes,
                              angle_history=False)

    def _apply_settings(self, settings: SessionSettings, recalibrate: bool) -> None:
        before = self.settings
        threshold_only = (not recalibrate and (settings.drill, settings.side)
                          == (before.drill, before.side)
                          and (settings.axes is before.axes
                               or (settings.axes is not None and before.axes is not None
                                   and np.array_equal(settings.axes, before.axes))))
        if threshold_only and settings.threshold_deg is not None:
            self.session.set_threshold(settings.threshold_deg)
            self.settings = settings
            if self._recorder is not None:
                try:
                    self._recorder.set_meta("threshold_deg", self.session.pipeline.threshold_deg)
                except RecordingError as exc:
                    self._recording_failed(str(exc))
            self._summary_due = True
            with self._lock:  # the big number's "over" follows at once, data or not
                self._pending.reading = self.session.reading()
            return
        self.settings = settings
        self.session.configure(self._config(settings), recalibrate)
        self._segment_restarted()

    def _segment_restarted(self) -> None:
        """The view starts again from where the session's new segment began."""
        self._next_drill_refresh = 0.0
        self._summary_due = False
        with self._lock:
            self._pending.segment_started = True
            self._pending.samples = []
            self._pending.steps = []
            self._pending.provisional_steps = []
            self._pending.reading = self.session.reading()  # calibrated: no step yet
            self._pending.summary = None
            self._pending.drill_result = None
            self._set_calibration_news()

    def _set_calibration_news(self) -> None:
        """Calibration fields of the next frame (the caller holds the lock)."""
        session = self.session
        self._pending.calibration_stage = session.calibration_stage
        self._pending.calibration_progress = session.calibration_progress
        self._pending.calibration = self._shown(session.pipeline.calibration)
        self._pending.recalibrating = session.candidate is not None

    def _shown(self, calibration: Calibration | None) -> Calibration | None:
        """``calibration`` with its standing in session time, as the panel shows it (one
        object per calibration: frames compare them)."""
        if calibration is None:
            return None
        if self._shown_calibration[0] is not calibration:
            self._shown_calibration = (calibration, in_recording_time(
                calibration, -self.session.calibration_origin_s))
        return self._shown_calibration[1]

    def _start_recalibration(self, axes: np.ndarray | None) -> None:
        self.settings = dataclasses.replace(self.settings, axes=axes)
        if self.session.calibration is None:  # nothing in use to keep: start again, guided
            self.session.recalibrate(axes)
            self._segment_restarted()
            return
        self.session.recalibrate(axes)
        with self._lock:
            self._pending.recalibration_started = True
            self._set_calibration_news()

    def _drop_candidate(self) -> None:
        self.session.keep_calibration()
        with self._lock:
            self._set_calibration_news()

    def _start_recording(self, request: RecordingRequest) -> None:
        if self._recorder is not None:
            return
        calibration = self.session.calibration
        if calibration is None:
            raise RecordingError("Calibrate first (stand still, then walk a few steps): a "
                                 "recording needs to know how the sensor sits on the pelvis.")
        try:
            request.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordingError(f"The recordings folder {request.path.parent} cannot be "
                                 f"created ({exc.strerror}): choose another one.") from None
        s = self.settings
        self._recording_start_slot = self.session.session_slots  # its first sample's
        meta = {"source": self.source.info.kind, "device": request.device,
                "drill": s.drill, "side": s.side, "patient_id": request.patient_id,
                "notes": request.notes, "calibration": self._stored_calibration(),
                "threshold_deg": self.session.pipeline.threshold_deg}
        self._recorder = RecordingWriter(request.path, self.rate_hz, meta)
        self._summary_due, self._next_summary = True, 0.0
        self._next_drill_refresh = 0.0  # the recording's sets (none yet) at once
        with self._lock:
            self._pending.recording_path = request.path

    def _store_calibration(self, marker: str) -> None:
        """The calibration now in use (or none) into the recording, with ``marker``."""
        assert self._recorder is not None
        try:
            self._recorder.set_meta("calibration", self._stored_calibration()
                                    if self.session.calibration is not None else None)
            self._recorder.add_marker(marker)
        except RecordingError as exc:  # the disk went: keep what is saved
            self._recording_failed(str(exc))

    def _stored_calibration(self) -> dict:
        """The calibration in use, its standing in the recording's time (a calibration made
        before the recording started stood before it: "… s before the recording started")."""
        session = self.session
        assert session.calibration is not None and self._recording_start_slot is not None
        recording_start_s = self._recording_start_slot / self.rate_hz
        return in_recording_time(session.calibration,
                                 recording_start_s - session.calibration_origin_s).to_dict()

    def _recording_failed(self, problem: str) -> None:
        """The recording cannot go on (it keeps what was committed); the live view goes on."""
        with self._lock:
            self._pending.problems.append(problem)
        self._finish_recording(problem)

    def _finish_recording(self, problem: str | None = None) -> None:
        """Close the file now; analyse it as ``imu-monitor analyze`` will (the whole-recording
        filter) on a thread of its own, so the live view goes on meanwhile."""
        recorder = self._recorder
        if recorder is None:
            return
        self._recorder = None
        self._recording_start_slot = None
        self._summary_due, self._next_summary = True, 0.0  # the session's totals again
        self._next_drill_refresh = 0.0  # and its sets
        if recorder.closed:  # a write error closed it: nothing more can be stored
            problem = problem or "The recording was stopped by a write error."
        try:
            recorder.close()
        except RecordingError as exc:
            problem = f"{problem or ''} {exc}".strip()
        if not recorder.samples_written:
            problem = problem or "Nothing was recorded: the sensor sent no data."
        with self._lock:
            self._pending.recording_path = None
        finisher = threading.Thread(target=self._analyse_saved, args=(recorder, problem),
                                    name="recording-analysis")
        self._finishers.append(finisher)
        finisher.start()

    def _analyse_saved(self, recorder: RecordingWriter, problem: str | None) -> None:
        analysis = None
        if recorder.samples_written:
            try:
                analysis, why = analyze_saved(recorder.path)
            except (ImuMonitorError, OSError) as exc:
                why = str(exc)
            except Exception:  # a fault of ours: the recording is saved, say so
                why = (f"{fault_message('analysing the saved recording')} The recording "
                       "itself is saved.")
            problem = problem or why
        result = RecordingResult(recorder.path, recorder.samples_written, analysis, problem)
        with self._lock:
            self._pending.finished_recording = result

    def _marker(self, label: str) -> None:
        if self._recorder is None:
            raise RecordingError("Markers are saved with a recording: start recording first.")
        self._recorder.add_marker(label)
        self._message(f"Marker “{label}” at {self._recorder.elapsed_s:.1f} s.")

    def _message(self, text: str) -> None:
        with self._lock:
            self._pending.messages.append(text)

    def _set_state(self, state: str, message: str) -> None:
        with self._lock:
            self.health.state = state
            self._pending.messages.append(message)

    def _fail(self, message: str) -> None:
        with self._lock:
            self.health.state = "failed"
            self._pending.error = message


__all__ = ["LinkHealth", "LiveEngine", "LiveFrame", "RecordingRequest", "RecordingResult",
           "SessionSettings"]

