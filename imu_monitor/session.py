"""One live session's analysis, whoever shows it: the app's engine and the terminal's
``stream`` and ``record`` push packets into the same ``LiveSession``.

It owns the pipeline in use and a new calibration under way beside it (which replaces it only
once complete), restarts the analysis in a new *segment* when the drill or the calibration
changes (the orientation filter carries on), gives every step in session time as it is shown
(provisional within the next step, then judged), keeps the big number (``reading.py``) and the
running summary, and feeds the Lab Streaming Layer outlets. Recording and threads are the
callers' business.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from imu_monitor.errors import CalibrationError, PresetContradicted
from imu_monitor.lsl import LslPublisher
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig, PipelineUpdate
from imu_monitor.processing.calibration import Calibration
from imu_monitor.processing.metrics import Step, Summary, against_threshold, summarize
from imu_monitor.reading import LiveReading, ReadingTracker
from imu_monitor.samples import SampleBatch


@dataclass
class SessionUpdate:
    """What one packet made, in session time (s since the session's first sample slot)."""

    time_s: np.ndarray  # new angle samples
    obliquity_deg: np.ndarray
    valid: np.ndarray
    steps: list[Step]  # judged
    provisional: list[Step]  # measured within the next step; a judged step replaces each
    calibrated_now: bool
    segment_started: bool  # the analysis restarted (a new calibration took over)
    problems: list[str]  # said in words: e.g. a mounting preset the sensor contradicts
    calibration_refused: bool = False  # the preset in use was refused (replaced, or none)


# Packets kept while not calibrated, for a drill chosen meanwhile (a calibration takes seconds
# to a minute: standing, then ten steps).
KEPT_UNCALIBRATED_S = 120.0


class LiveSession:
    """Push packets in order; read the segment's steps, summary, reading and calibration."""

    def __init__(self, rate_hz: float, config: PipelineConfig,
                 publisher: LslPublisher | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.config = config
        self.publisher = publisher
        self.calibration: Calibration | None = config.calibration  # the one in use
        self.calibration_origin_s = 0.0  # session time where its analysis began (its times')
        self.pipeline = self._new_pipeline(self.calibration)
        self.candidate: Pipeline | None = None  # a new calibration under way
        self._candidate_offset = 0
        self.segment_offset = 0  # session sample slot where the current pipeline began
        self.session_slots = 0
        self.samples_seen = 0
        self.segment_steps: list[Step] = []  # judged, segment time
        self._reading = self._new_reading()
        # While not calibrated: the segment's packets and the filter's state at its start, so
        # that a new drill carries on with the calibration's evidence (it started again, and
        # a patient who had stood had to stand again).
        self._uncalibrated: list[SampleBatch] | None = []  # None: too many to keep
        self._kept_uncalibrated = 0
        self._segment_filter_state: dict | None = None

    # ------------------------------------------------------------------ input
    def push(self, batch: SampleBatch) -> SessionUpdate:
        """One packet through the calibration under way (if any) and the analysis."""
        problems: list[str] = []
        self.samples_seen += len(batch)
        if self.publisher is not None:
            self.publisher.push_samples(batch)
        update, swapped = self._push_candidate(batch, problems)
        try:
            if update is None:
                update = self.pipeline.push(batch)
        except CalibrationError as exc:  # e.g. a mounting preset the sensor contradicts
            # The filter has taken this packet: the next segment starts after it.
            self.session_slots = self.segment_offset + self.pipeline.slots_seen
            config = dataclasses.replace(self.config, axes=None)
            if isinstance(exc, PresetContradicted):  # the standing stays, forward walked
                problems.append(f"{exc} Forward is now found from the walking; the standing "
                                "it was calibrated on is kept.")
                self.calibration = exc.replacement
                self.configure(config)
            else:
                problems.append(f"{exc} The calibration starts again without it: the patient "
                                "stands still, then walks a few steps.")
                self.configure(config, recalibrate=True)
            return self._empty(problems, segment_started=True, refused=True)
        offset = self.segment_offset
        shift = offset / self.rate_hz
        steps = [_shifted(s, shift) for s in update.steps]
        provisional = [_shifted(s, shift) for s in update.provisional]
        self.segment_steps += update.steps
        view = slice(update.start, update.stop)
        obliquity, valid = self.pipeline.obliquity.view[view], self.pipeline.valid.view[view]
        self._reading.add_steps(update.provisional, update.steps)
        self._reading.add_samples(obliquity, valid)
        if self.publisher is not None:
            self.publisher.push_angles(self.pipeline, update.start, update.stop, offset)
            self.publisher.push_steps(steps)
        if update.calibrated_now:
            self.calibration = self.pipeline.calibration
            self.calibration_origin_s = self.segment_offset / self.rate_hz
        self._keep_while_uncalibrated(batch)
        self.session_slots = offset + len(self.pipeline.obliquity)
        return SessionUpdate((offset + np.arange(update.start, update.stop)) / self.rate_hz,
                             obliquity, valid, steps, provisional, update.calibrated_now,
                             swapped, problems)

    def finish(self) -> Analysis:
        """End of the data: the segment's analysis (the steps only the end decided are
        published too)."""
        analysis = self.pipeline.finish()
        if self.publisher is not None:
            self.publisher.push_steps(analysis.steps[len(self.segment_steps):])
        return analysis

    # --------------------------------------------------------------- commands
    def configure(self, config: PipelineConfig, recalibrate: bool = False) -> None:
        """A new drill, side or mounting: the analysis restarts in a new segment, with the
        calibration in use (or none: ``recalibrate``); the filter carries on (a fresh one
        would need a while of walking to learn the gyro bias again). Not calibrated yet, the
        segment goes on instead, its packets given to the new analysis."""
        self.config = config
        self.candidate = None
        if not recalibrate and self.calibration is None and self._uncalibrated:
            self._carry_on_calibrating()
            return
        if recalibrate:
            self.calibration = None
        self._segment_filter_state = self.pipeline.filter_state
        previous, self.pipeline = self.pipeline, self._new_pipeline(
            self.calibration, self._segment_filter_state)
        self.pipeline.watch_forward_from(previous)  # a preset still to be judged
        self._new_segment(self.session_slots)
        self._uncalibrated, self._kept_uncalibrated = [], 0

    def _carry_on_calibrating(self) -> None:
        """A new drill before the calibration is complete: the new analysis is given the
        segment's packets again (from the filter's state at its start), so the standing and
        walking already seen count; the segment keeps its start."""
        assert self._uncalibrated is not None
        replay = self._new_pipeline(None, self._segment_filter_state)
        try:
            for batch in self._uncalibrated:
                replay.push(batch)
        except CalibrationError:  # (a preset it contradicts): start from here instead
            self._uncalibrated = None
            self.configure(self.config)
            return
        self.pipeline = replay
        self._new_segment(self.segment_offset)
        if self.pipeline.calibration is not None:  # completed on the packets given again
            self.calibration = self.pipeline.calibration
            self.calibration_origin_s = self.segment_offset / self.rate_hz
            self.segment_steps = list(self.pipeline.steps)
            self._uncalibrated, self._kept_uncalibrated = None, 0

    def _keep_while_uncalibrated(self, batch: SampleBatch) -> None:
        """Keep the segment's packets until it is calibrated; past ``KEPT_UNCALIBRATED_S``
        none (a replay of the first ones only would skip the packets after them)."""
        if self.pipeline.calibration is not None or self._uncalibrated is None:
            self._uncalibrated, self._kept_uncalibrated = None, 0
            return
        self._kept_uncalibrated += len(batch)
        if self._kept_uncalibrated > KEPT_UNCALIBRATED_S * self.rate_hz:
            self._uncalibrated = None
        else:
            self._uncalibrated.append(batch)

    def set_threshold(self, threshold_deg: float) -> None:
        """A new threshold judges the segment's steps again; nothing restarts (the
        clinician's totals stay)."""
        for pipeline in (self.pipeline, self.candidate):
            if pipeline is not None:
                pipeline.set_threshold(threshold_deg)
        self.config = dataclasses.replace(self.config, threshold_deg=threshold_deg)
        self.segment_steps = against_threshold(self.segment_steps, threshold_deg)
        self._reading.set_threshold(self.pipeline.threshold_deg)

    def recalibrate(self, axes: np.ndarray | None) -> None:
        """A new calibration beside the one in use, which stays until the new one is
        complete (with none in use, the analysis simply starts again, and like the app's
        own first calibration falls back on the initial contacts after a walk without
        standing). Beside one in use it needs the standing it asks for: walking alone
        replaced a calibration from standing with the fallback neutral."""
        self.config = dataclasses.replace(self.config, axes=axes)
        if self.calibration is None:
            self.configure(self.config, recalibrate=True)
            return
        self.candidate = self._new_pipeline(None, self.pipeline.filter_state,
                                            require_standing=True)
        self._candidate_offset = self.session_slots

    def keep_calibration(self) -> None:
        """Give up the calibration under way."""
        self.candidate = None

    def set_publisher(self, publisher: LslPublisher | None) -> None:
        """Publish from now on (the angle history the outlets need is kept from the start
        when nothing came yet), or stop."""
        self.publisher = publisher
        if publisher is not None and not self.samples_seen and self.candidate is None:
            self.pipeline = self._new_pipeline(self.calibration)

    # ------------------------------------------------------------------ state
    @property
    def calibration_stage(self) -> str:
        return (self.candidate or self.pipeline).calibration_stage

    @property
    def calibration_progress(self) -> float:
        return (self.candidate or self.pipeline).calibration_progress

    def reading(self) -> LiveReading | None:
        """The big number (None until calibrated)."""
        return self._reading.reading() if self.pipeline.calibration is not None else None

    def summary(self, from_s: float | None = None) -> Summary:
        """The segment's summary over the steps as shown (the newest ones provisional until
        judged), from ``from_s`` (segment time) on."""
        steps, unjudged = self.segment_steps, self._reading.unjudged()
        if unjudged:
            steps = sorted([*steps, *unjudged], key=lambda s: s.time_s)
        if from_s is not None:
            steps = [s for s in steps if s.time_s >= from_s]
        return summarize(steps, self.pipeline.threshold_deg)

    # -------------------------------------------------------------- internals
    def _push_candidate(self, batch: SampleBatch, problems: list[str]
                        ) -> tuple[PipelineUpdate | None, bool]:
        """Feed a calibration under way; once complete it replaces the one in use and the
        segment restarts where it began (its whole history comes with this update)."""
        if self.candidate is None:
            return None, False
        try:
            update = self.candidate.push(batch)
        except CalibrationError as exc:
            self.candidate = None
            problems.append(f"{exc} The calibration in use is kept.")
            return None, False
        if not update.calibrated_now:
            return None, False
        self.pipeline, self.candidate = self.candidate, None
        self._new_segment(self._candidate_offset)
        return update, True

    def _new_pipeline(self, calibration: Calibration | None,
                      filter_state: dict | None = None, require_standing: bool = False
                      ) -> Pipeline:
        return Pipeline(self.rate_hz, dataclasses.replace(
            self.config, calibration=calibration, filter_state=filter_state,
            angle_history=self.config.angle_history or self.publisher is not None,
            require_standing=require_standing or self.config.require_standing))

    def _new_segment(self, offset: int) -> None:
        self.segment_offset = offset
        self.segment_steps = []
        self._reading = self._new_reading()

    def _new_reading(self) -> ReadingTracker:
        return ReadingTracker(self.pipeline.drill, self.config.side,
                              self.pipeline.threshold_deg, self.rate_hz)

    def _empty(self, problems: list[str], segment_started: bool, refused: bool = False
               ) -> SessionUpdate:
        return SessionUpdate(np.zeros(0), np.zeros(0, np.float32), np.zeros(0, bool), [], [],
                             False, segment_started, problems, refused)


def _shifted(step: Step, shift: float) -> Step:
    """A segment's step in session time."""
    return dataclasses.replace(step, time_s=step.time_s + shift, peak_time_s=None
                               if step.peak_time_s is None else step.peak_time_s + shift)
