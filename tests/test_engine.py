"""The live engine without a window: commands, stops and failures, as the app drives it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from imu_monitor.app import engine as engine_module
from imu_monitor.app.engine import LiveEngine, RecordingRequest, SessionSettings
from imu_monitor.recording import open_recording
from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.sources.base import SourceInfo
from imu_monitor.sources.simulated import SimulatedSensor


class StallingSource:
    """A simulated session that goes silent (like a Bluetooth link) after ``stall_after_s``;
    with ``hold_at_s`` it also waits there (``waiting`` set) until ``go`` is set, so a test
    can act first; ``packet_pause_s`` paces its 10-sample packets (0: as fast as read)."""

    def __init__(self, stall_after_s: float, hold_at_s: float | None = None,
                 scenario: str = "trendelenburg-right", seconds: float = 60.0, seed: int = 3,
                 packet_pause_s: float = 0.0) -> None:
        self._sim = SimulatedSensor(scenario, seconds, seed=seed)
        self.info = SourceInfo("simulated", "stalling", self._sim.info.rate_hz)
        self._stall = round(stall_after_s * self.info.rate_hz)
        self._hold = None if hold_at_s is None else round(hold_at_s * self.info.rate_hz)
        self._pause = packet_pause_s
        self.waiting, self.go = threading.Event(), threading.Event()
        self._closed = threading.Event()

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        samples = self._sim.samples
        yield StatusEvent(StatusKind.CONNECTED, 0.0, "connected")
        for first in range(0, self._stall, 10):
            if first == self._hold:
                self.waiting.set()
                self.go.wait()
            if self._pause:
                time.sleep(self._pause)
            yield samples.slice(first, first + 10)
        self._closed.wait()  # silent until closed

    def close(self) -> None:
        self.go.set()
        self._closed.set()


def run_until(engine: LiveEngine, condition, timeout_s: float = 20.0) -> list:
    frames, end = [], time.monotonic() + timeout_s
    while time.monotonic() < end:
        frames.append(engine.poll())
        if condition(frames[-1]):
            return frames
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_commands_run_while_the_sensor_is_silent(tmp_path):
    source = StallingSource(30.0, hold_at_s=20.0)
    engine = LiveEngine(source)
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.start_recording(RecordingRequest(tmp_path / "r.imurec", "P-1"))
    run_until(engine, lambda f: f.recording_path is not None)
    source.go.set()  # 10 s more of walking, then the link goes silent
    run_until(engine, lambda f: f.recording_elapsed_s >= 9.9)
    time.sleep(0.5)  # nothing arrives any more
    engine.add_marker("silent")
    engine.stop_recording()
    frames = run_until(engine, lambda f: f.finished_recording is not None, 5.0)
    assert frames[-1].finished_recording.path.exists()
    assert [m["label"] for m in open_recording(tmp_path / "r.imurec").markers] == ["silent"]
    engine.stop()
    run_until(engine, lambda f: not engine.running, 5.0)


def test_stop_never_blocks_and_saves_the_recording_on_the_worker(tmp_path):
    engine = LiveEngine(SimulatedSensor("trendelenburg-right", 60.0, realtime=True, speed=10))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.start_recording(RecordingRequest(tmp_path / "r.imurec"))
    run_until(engine, lambda f: f.recording_elapsed_s > 8.0)
    t0 = time.monotonic()
    engine.stop()
    assert time.monotonic() - t0 < 0.1
    frames = run_until(engine, lambda f: f.finished_recording is not None, 5.0)
    assert frames[-1].finished_recording.analysis is not None
    run_until(engine, lambda f: not engine.running, 5.0)
    assert open_recording(tmp_path / "r.imurec").metadata["headline"]["steps"] > 0


def test_a_fault_in_the_saved_recordings_analysis_still_finishes_it(tmp_path, monkeypatch):
    """A bug in the analysis after Stop must not leave the app saving for ever: the
    recording is reported saved, with a sentence instead of an analysis."""
    def broken(path):
        raise ValueError("a fault of ours")

    monkeypatch.setattr(engine_module, "analyze_saved", broken)
    engine = LiveEngine(SimulatedSensor("trendelenburg-right", 60.0, realtime=True, speed=10))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.start_recording(RecordingRequest(tmp_path / "r.imurec"))
    run_until(engine, lambda f: f.recording_elapsed_s > 3.0)
    engine.stop_recording()
    result = run_until(engine, lambda f: f.finished_recording is not None, 10.0)[-1] \
        .finished_recording
    engine.stop()
    assert result.analysis is None and result.samples > 0
    assert "fault of the program" in result.problem and "recording itself is saved" in \
        result.problem and "ValueError" not in result.problem
    assert open_recording(tmp_path / "r.imurec").duration_s > 2.5


def test_a_failing_disk_stops_the_recording_not_the_live_view(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    engine = LiveEngine(SimulatedSensor("trendelenburg-right", 60.0, realtime=True, speed=10))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.start_recording(RecordingRequest(folder / "r.imurec"))
    run_until(engine, lambda f: f.recording_path is not None)
    writer = engine._recorder
    assert writer is not None
    writer._db.execute("PRAGMA max_page_count = 1")  # the disk is full from now on
    frames = run_until(engine, lambda f: f.finished_recording is not None)
    result = frames[-1].finished_recording
    assert result.problem and any(f.problems for f in frames)
    steps_before = sum(len(f.steps) for f in frames)
    later = run_until(engine, lambda f: len(f.steps) > 0)
    assert engine.running and steps_before + len(later[-1].steps) > steps_before
    assert len(open_recording(folder / "r.imurec", salvage=True).samples) > 0
    engine.stop()


def test_recalibrate_after_a_drill_change_keeps_the_new_drill():
    engine = LiveEngine(StallingSource(20.0))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.set_settings(SessionSettings(drill="single-leg-stance", side="left"))
    engine.recalibrate()
    frames = run_until(engine, lambda f: f.recalibrating)
    assert frames[-1].calibration is not None  # the one in use stays meanwhile
    time.sleep(0.2)
    assert engine.settings.drill == "single-leg-stance"
    engine.stop()


def test_a_new_threshold_keeps_the_orientation_filter():
    """Changing the threshold mid-walk must not restart the filter (it would need a minute
    of walking to converge again)."""
    sensor = SimulatedSensor("trendelenburg-right", 60.0, realtime=True, speed=10, seed=3)
    engine = LiveEngine(sensor)
    engine.start()
    frames = run_until(engine, lambda f: len(f.time_s) and f.time_s[-1] > 25.0)
    engine.set_settings(SessionSettings(threshold_deg=3.0))
    frames += run_until(engine, lambda f: len(f.time_s) and f.time_s[-1] > 35.0)
    engine.stop()
    t = np.concatenate([f.time_s for f in frames])
    y = np.concatenate([f.obliquity_deg for f in frames])
    truth = sensor.truth
    after = (t > 26.0) & (t < 35.0)
    idx = np.round(t[after] * sensor.info.rate_hz).astype(int)
    neutral = truth.obliquity_deg[: round(4 * sensor.info.rate_hz)].mean()
    error = y[after] - (truth.obliquity_deg[idx] - neutral)
    assert np.sqrt(np.mean(error**2)) < 0.6


def test_the_stream_ending_finishes_the_recording(tmp_path):
    engine = LiveEngine(SimulatedSensor("trendelenburg-right", 20.0, realtime=True, speed=20))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None)
    engine.start_recording(RecordingRequest(tmp_path / "r.imurec"))
    frames = run_until(engine, lambda f: f.finished_recording is not None)
    assert frames[-1].finished_recording.analysis is not None
    run_until(engine, lambda f: f.health.state == "ended", 5.0)


def test_a_new_calibration_keeps_the_one_in_use_until_it_is_complete():
    """C pressed mid-walk: the live view goes on with the calibration in use (no blank
    screen), a cancel keeps it, and a new one replaces it only once complete."""
    sensor = SimulatedSensor("trendelenburg-right", 60.0, realtime=True, speed=10, seed=3)
    engine = LiveEngine(sensor)
    engine.start()
    frames = run_until(engine, lambda f: f.calibration is not None)
    first = frames[-1].calibration
    run_until(engine, lambda f: len(f.time_s) and f.time_s[-1] > 15.0)
    engine.recalibrate()
    frames = run_until(engine, lambda f: f.recalibrating)
    frames += run_until(engine, lambda f: len(f.time_s) and f.time_s[-1] > 18.0)
    assert all(f.calibration is first and not f.segment_started for f in frames)
    assert sum(len(f.time_s) for f in frames) > 200  # the trace went on
    engine.cancel_recalibration()
    frames = run_until(engine, lambda f: not f.recalibrating)
    assert frames[-1].calibration is first
    engine.recalibrate()  # again, and the patient walks on without standing still
    frames = run_until(engine, lambda f: len(f.time_s) and f.time_s[-1] > 45.0, timeout_s=30.0)
    engine.stop()
    # The guided calibration asked for standing: walking alone never replaces the one in use
    # (it did, after 10 s, with a neutral from the initial contacts instead of standing).
    assert all(f.calibration is first and not f.segment_started for f in frames)
    assert frames[-1].recalibrating


def test_a_new_calibration_completes_once_the_patient_stands_then_walks():
    """Walk 10 m, U-turn, back, stop; again: C pressed during the first walk completes at
    the next standing and walking, with the neutral from that standing."""
    sensor = SimulatedSensor("walk-10m", 60.0, realtime=True, speed=10, seed=3)
    engine = LiveEngine(sensor)
    engine.start()
    frames = run_until(engine, lambda f: f.calibration is not None)
    first = frames[-1].calibration
    engine.recalibrate()
    frames = run_until(engine, lambda f: f.segment_started and f.calibration is not first,
                       timeout_s=30.0)
    engine.stop()
    new = frames[-1].calibration
    assert new is not None and not frames[-1].recalibrating
    assert new.neutral_source == "standing"
    assert np.degrees(np.arccos(np.clip(new.forward_sensor @ first.forward_sensor, -1, 1))) < 5


def test_a_drill_change_while_calibrated_never_shows_calibrate_first():
    """A new drill restarts the analysis, not the calibration: the big number's reading stays
    there (no step yet), even when the sensor then goes silent. A new threshold restarts
    nothing: the reading follows it at once."""
    engine = LiveEngine(StallingSource(25.0))
    engine.start()
    run_until(engine, lambda f: f.calibration is not None and f.reading is not None)
    time.sleep(1.0)  # the sensor is silent from 25 s of data on, long before now
    engine.set_settings(SessionSettings(drill="walk", threshold_deg=9.0))
    frames = run_until(engine, lambda f: f.reading is not None and f.reading.threshold_deg == 9.0)
    assert not any(f.segment_started for f in frames)
    assert frames[-1].reading.value_deg is not None  # the last step is still the last step
    engine.set_settings(SessionSettings(drill="run", threshold_deg=9.0))
    frames = run_until(engine, lambda f: f.segment_started)
    assert frames[-1].reading is not None and frames[-1].reading.threshold_deg == 9.0
    assert frames[-1].reading.value_deg is None  # no step of the new segment yet
    time.sleep(0.3)
    later = engine.poll()
    assert later.calibration is not None and later.reading is not None
    engine.stop()


def test_a_setting_changed_mid_walk_never_ends_the_session():
    """The analysis restarts with the calibration in use: its first contact can come before
    any foot scale is known (it raised IndexError, ending the live session, at 14 of 44
    switching moments)."""
    import dataclasses

    from imu_monitor.pipeline import PipelineConfig
    from imu_monitor.session import LiveSession
    from imu_monitor.simulation.scenarios import get_scenario
    from imu_monitor.simulation.sensor_model import simulate

    sc = get_scenario("symmetric-walk")
    samples = simulate(sc.build(sc.default_seconds), 200.0, 1, sc.mounting).samples
    for switch_at in range(3000, 9000, 137):
        session = LiveSession(200.0, PipelineConfig())
        for k in range(0, len(samples), 10):
            if k == switch_at - switch_at % 10:
                session.configure(dataclasses.replace(session.config, threshold_deg=6.0))
            session.push(samples.slice(k, k + 10))
        assert session.finish().summary.steps > 20


def test_a_drill_chosen_before_the_calibration_is_complete_keeps_its_evidence():
    """The patient stood, then took a few steps, and the clinician picked the drill: the
    analysis restarted from nothing, and a patient who had stood had to stand again (the
    single-leg drill demo stayed at "walk about ten steps" for good)."""
    import dataclasses

    from imu_monitor.pipeline import PipelineConfig
    from imu_monitor.session import LiveSession
    from imu_monitor.simulation.scenarios import get_scenario
    from imu_monitor.simulation.sensor_model import simulate

    sc = get_scenario("trendelenburg-right")
    samples = simulate(sc.build(sc.default_seconds), 100.0, 1, sc.mounting).samples
    session = LiveSession(100.0, PipelineConfig())
    calibrated_at, switched = None, False
    for k in range(0, len(samples), 10):
        if not switched and session.calibration_stage == "walking":
            session.configure(dataclasses.replace(session.config, drill="run"))
            switched = True
        if session.push(samples.slice(k, k + 10)).calibrated_now:
            calibrated_at = k / 100.0
            break
    assert switched and calibrated_at is not None
    assert session.calibration.neutral_source == "standing"  # the standing before the switch
    unswitched = LiveSession(100.0, PipelineConfig())
    for k in range(0, len(samples), 10):
        if unswitched.push(samples.slice(k, k + 10)).calibrated_now:
            assert abs(k / 100.0 - calibrated_at) < 0.5
            break


def test_a_threshold_above_every_drop_judges_the_big_number_and_summary_again():
    """The reading and the unjudged steps kept their old "over" after a new threshold."""
    from imu_monitor.pipeline import PipelineConfig
    from imu_monitor.session import LiveSession
    from imu_monitor.simulation.scenarios import get_scenario
    from imu_monitor.simulation.sensor_model import simulate

    sc = get_scenario("trendelenburg-right")
    samples = simulate(sc.build(sc.default_seconds), 100.0, 1, sc.mounting).samples
    session = LiveSession(100.0, PipelineConfig(threshold_deg=6.0))
    for k in range(0, 2 * len(samples) // 3, 10):
        session.push(samples.slice(k, k + 10))
    assert session.reading().over and session.summary().right.steps_over_threshold > 0
    session.set_threshold(30.0)
    reading, summary = session.reading(), session.summary()
    assert reading.threshold_deg == 30.0 and not reading.over
    assert summary.right.steps_over_threshold == summary.left.steps_over_threshold == 0


def test_a_drill_chosen_after_two_minutes_uncalibrated_starts_afresh_not_half_replayed():
    """Past the packets kept for it (two minutes), a drill change replayed only the first
    ones: the next packet came as 30 s of lost data and the calibration never completed."""
    import dataclasses

    from imu_monitor.pipeline import PipelineConfig
    from imu_monitor.samples import SampleBatch
    from imu_monitor.session import LiveSession
    from imu_monitor.simulation.scenarios import get_scenario
    from imu_monitor.simulation.sensor_model import simulate

    walk = simulate(get_scenario("trendelenburg-right").build(60.0), 100.0, 1, "random")
    fidget = walk.samples.slice(0, 300)  # standing, repeated: never a calibration walk
    parts = [SampleBatch(fidget.time_s + 3.0 * k, fidget.seq + 300 * k, fidget.acc,
                         fidget.gyr) for k in range(50)]  # 150 s
    session = LiveSession(100.0, PipelineConfig(require_standing=True))
    for part in parts:
        for k in range(0, len(part), 10):
            session.push(part.slice(k, k + 10))
    assert session.calibration is None
    session.configure(dataclasses.replace(session.config, drill="run"))
    rest = walk.samples
    rest = SampleBatch(rest.time_s + 150.0, rest.seq + 15_000, rest.acc, rest.gyr)
    for k in range(0, len(rest), 10):
        session.push(rest.slice(k, k + 10))
    assert session.calibration is not None
    assert session.pipeline.lost_samples == 0


def test_a_first_calibration_asked_for_mid_walk_completes_without_standing():
    """With nothing in use, C mid-walk must not wait for good for a standing (the demo walks
    for half an hour): like the app's own first calibration, it falls back on the pelvis at
    the initial contacts after a walk, and says so."""
    sensor = SimulatedSensor("trendelenburg-right", 90.0, realtime=True, speed=10, seed=3)
    engine = LiveEngine(sensor)
    engine.start()
    frames = run_until(engine, lambda f: f.data_time_s > 6.0)
    assert frames[-1].calibration is None  # standing done, the calibration walk under way
    engine.recalibrate()
    frames = run_until(engine, lambda f: f.calibration is not None, timeout_s=30.0)
    engine.stop()
    assert frames[-1].calibration.neutral_source == "initial contacts"


def test_a_holds_live_result_while_recording_is_the_recordings_own(tmp_path, monkeypatch):
    """The drill picked, Record pressed 17 s later (3 s into the first hold) and stopped
    56 s after, the second hold done: the live "this recording" result counted the holds
    from before Record, in the drill's time (the app's tester saw a hold longer than the
    recording). It must be the recording's, in its time, as its saved analysis finds them
    (the live filter aside: docs/orientation.md)."""
    monkeypatch.setattr(engine_module, "DRILL_REFRESH_S", 0.0)  # a result for every packet
    # the left leg's 3° drop at ten times real time; Record pressed at 17 s, silent after 73 s
    source = StallingSource(73.0, hold_at_s=17.0, scenario="single-leg-stance", seconds=150.0,
                            seed=1, packet_pause_s=0.01)
    engine = LiveEngine(source, SessionSettings(drill="single-leg-stance", side="left"))
    engine.start()
    run_until(engine, lambda f: source.waiting.is_set() and f.data_time_s >= 17.0)
    engine.start_recording(RecordingRequest(tmp_path / "r.imurec", "P-1"))
    run_until(engine, lambda f: f.recording_path is not None)
    source.go.set()
    frames = run_until(engine, lambda f: f.data_time_s >= 73.0, timeout_s=60.0)
    time.sleep(0.3)
    frames.append(engine.poll())
    live = [(f.recording_elapsed_s, f.drill_result) for f in frames
            if f.drill_result is not None]
    engine.stop_recording()
    saved = run_until(engine, lambda f: f.finished_recording is not None,
                      timeout_s=60.0)[-1].finished_recording
    engine.stop()
    assert saved.problem is None, saved.problem
    duration = saved.analysis.duration_s
    assert duration == pytest.approx(56.0, abs=0.1)
    for elapsed, result in live:  # never a set from before Record, nor beyond its end
        for block in result.blocks:
            assert 0.0 <= block.start_s <= block.end_s <= elapsed + 0.5
            assert block.hold_s <= elapsed + 0.5
    blocks, offline = live[-1][1].blocks, saved.analysis.drill_result.blocks
    assert len(blocks) == len(offline) == 2  # the hold under way at Record, then the right's
    for block, saved_block in zip(blocks, offline, strict=True):
        assert block.side == saved_block.side
        assert block.start_s == pytest.approx(saved_block.start_s, abs=0.5)
        assert block.end_s == pytest.approx(saved_block.end_s, abs=2.5)  # the last refresh's
        assert block.hold_s == pytest.approx(saved_block.hold_s, abs=2.5)
        assert saved_block.end_s <= duration
        # Same neutral and tolerance: only the real-time filter's error (single-leg: 0.44°
        # RMS) is left between them
        assert block.mean_drop_deg == pytest.approx(saved_block.mean_drop_deg, abs=0.6)
    assert blocks[0].start_s < 2.0  # the hold began before Record: it starts with it
    assert blocks[0].end_s == pytest.approx(offline[0].end_s, abs=0.5)
    assert live[-1][1].tolerance_deg == saved.analysis.drill_result.tolerance_deg == 4.0
