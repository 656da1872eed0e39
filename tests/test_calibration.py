"""Calibration: vertical and neutral from standing (anywhere) or from initial contacts, forward
pooled from all walking in sensor axes (turns do not matter), or a declared mounting."""

import numpy as np
import pytest

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import CalibrationError, InputDataError
from imu_monitor.pipeline import Pipeline, PipelineConfig, analyze_samples
from imu_monitor.processing.calibration import NEUTRAL_CONTACTS, NEUTRAL_STANDING, parse_axes
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.activities import Gait, SingleLegStance, Stand
from imu_monitor.simulation.sensor_model import simulate

from .conftest import reclipped, simulated

RATE = 200.0


def _mounting_error_deg(cal, truth) -> float:
    relative = cal.pelvis_from_sensor @ truth.pelvis_from_sensor.T
    return float(np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1, 1))))


def _forward_error_deg(cal, truth) -> float:
    true_forward = truth.pelvis_from_sensor[0]
    return float(np.degrees(np.arccos(np.clip(cal.forward_sensor @ true_forward, -1, 1))))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_any_mounting_is_found_within_two_degrees(seed):
    rec = simulated("symmetric-walk", seed=seed)
    cal = analyze_samples(rec.samples, RATE).calibration
    assert cal.forward_source == "walk" and cal.neutral_source == NEUTRAL_STANDING
    assert _mounting_error_deg(cal, rec.truth) < 2.0


def test_a_room_with_a_turn_every_few_seconds_calibrates():
    """No straight stretch longer than three seconds: forward is pooled in sensor axes."""
    walk = [Stand(4.0)]
    for k in range(12):
        walk += [Gait(3.0), Gait(1.5, turn_deg=90.0 if k % 3 else -180.0, turn_seconds=1.5)]
    rec = simulate([*walk, Stand(2.0)], RATE, seed=5)
    pipeline = Pipeline(RATE)
    for first in range(0, len(rec.samples), 10):
        pipeline.push(rec.samples.slice(first, first + 10))
    cal = pipeline.finish().calibration
    assert _forward_error_deg(cal, rec.truth) < 5.0
    assert cal.walking_s <= 10.0  # the live calibration locked after a few steps


def _jolted(samples: SampleBatch, rate_hz: float, at_s: float, seconds: float,
            acc_mps2) -> SampleBatch:
    """The samples with the accelerometer set to ``acc_mps2`` for ``seconds`` from ``at_s``."""
    acc = samples.acc.copy()
    acc[round(at_s * rate_hz): round((at_s + seconds) * rate_hz)] = acc_mps2
    return SampleBatch(samples.time_s, samples.seq, acc, samples.gyr)


def _drops(analysis) -> list[float]:
    return [analysis.summary.side(side).mean_peak_drop_deg for side in ("left", "right")]


def test_a_knock_that_saturates_the_accelerometer_is_lost_not_a_tilt():
    """80 ms of the accelerometer at its full scale (16 g) in the middle of a walk: taken in,
    it tilted the offline filter for seconds either side and turned forward by 24°, and a
    real walk's weaker side came out reversed. No pelvis accelerates like that: those samples
    are lost, bridged like a lost packet."""
    rec = simulated("trendelenburg-right", seconds=40.0)
    clean = analyze_samples(rec.samples, RATE)
    pipeline = Pipeline(RATE, PipelineConfig(orientation="offline"))
    pipeline.push(_jolted(rec.samples, RATE, 20.0, 0.08, [156.9, 156.9, -156.9]))
    knocked = pipeline.finish()
    assert pipeline.invalid_samples == knocked.jolt_samples == round(0.08 * RATE)
    assert _forward_error_deg(knocked.calibration, rec.truth) \
        == pytest.approx(_forward_error_deg(clean.calibration, rec.truth), abs=0.5)
    assert _drops(knocked) == pytest.approx(_drops(clean), abs=0.15)


def test_one_violent_moment_does_not_decide_forward():
    """A jolt under what the analysis refuses as no pelvis's (7 g for 80 ms) gives the walking
    windows around it many times the forward evidence of the others: they are left out
    (with them, forward was 12.7° off in this 30 s walk)."""
    rec = simulated("walk-10m", rate_hz=100.0, seconds=30.0)
    jolt = np.array([2.0, 6.5, 2.0]) * GRAVITY_MPS2
    jolted = analyze_samples(_jolted(rec.samples, 100.0, 15.0, 0.08, jolt), 100.0)
    assert _forward_error_deg(jolted.calibration, rec.truth) < 3.0


@pytest.mark.parametrize("seed", [17, 20])
def test_a_stride_rich_in_harmonics_does_not_pull_forward(seed):
    """The simulator's two walkers whose vertical motion holds the strongest component half a
    step above the step (more than any real walk): each 1.5 s window's own step frequency is
    dragged towards it, and with it the forward (5.7° and 7.8° off before). Read again at the
    cadence of the contacts found, forward is as sure as for any other walker."""
    rec = simulated("everyday", seed=seed)
    cal = analyze_samples(rec.samples, RATE).calibration
    assert _forward_error_deg(cal, rec.truth) < 3.5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_without_any_standing_the_neutral_comes_from_initial_contacts(seed):
    """A recording that starts and ends walking: analysed, forward found, neutral from the
    pelvis at initial contacts (which an asymmetric drop leaves alone), and said so."""
    from imu_monitor.cli.report import format_analysis

    rec = simulated("trendelenburg-right", seed=seed)
    walking_only = rec.samples.slice(1100, len(rec.samples) - 700)
    analysis = analyze_samples(walking_only, RATE)
    cal = analysis.calibration
    assert cal.neutral_source == NEUTRAL_CONTACTS
    assert "NOBODY STOOD STILL" in format_analysis(analysis, "x")
    assert _forward_error_deg(cal, rec.truth) < 3.0
    # The weak right side comes out as it is, not pulled towards the mean posture.
    assert analysis.summary.right.mean_peak_drop_deg == pytest.approx(9.0, abs=1.0)
    assert analysis.summary.left.mean_peak_drop_deg == pytest.approx(4.0, abs=1.0)


def test_the_neutral_from_contacts_leaves_out_the_contacts_in_turns():
    """Straight walking level, then 15 s of circles leaning the pelvis 3°, then straight again:
    the contacts in the turns are not the neutral, unless too few are left (walking only in
    circles keeps them all)."""
    from imu_monitor.processing.alignment import neutral_from_contacts

    rate, n = 100.0, 3000
    up = np.tile([0.0, 0.0, 1.0], (n, 1))
    gyr = np.zeros((n, 3))
    turn = slice(900, 2400)  # 45 °/s about up
    gyr[turn, 2] = np.radians(45.0)
    lean = np.radians(3.0)
    up[turn] = [0.0, np.sin(lean), np.cos(lean)]
    contacts = [(i, "left" if k % 2 else "right") for k, i in enumerate(range(100, 2900, 55))]

    def obliquity_deg(vertical: np.ndarray) -> float:
        return float(np.degrees(np.arcsin(vertical[1])))

    frame = np.eye(3)
    pulled = neutral_from_contacts(up, contacts, rate, frame)
    straight = neutral_from_contacts(up, contacts, rate, frame, gyr)
    assert obliquity_deg(pulled) > 2.0  # most contacts are in the turns
    assert obliquity_deg(straight) == pytest.approx(0.0, abs=1e-9)
    in_turn = [(i, side) for i, side in contacts if 1000 <= i < 2300]
    everywhere = neutral_from_contacts(up, in_turn, rate, frame, gyr)
    assert obliquity_deg(everywhere) == pytest.approx(3.0, abs=1e-6)


def test_the_neutral_from_contacts_is_read_in_steady_walking():
    """Twelve steady steps, forty irregular ones (the pelvis leaning 3° there), twelve steady:
    the neutral comes from the steady walking, where contacts are found most exactly."""
    from imu_monitor.processing.alignment import neutral_from_contacts

    rng = np.random.default_rng(1)
    spacing = [55] * 12 + list(rng.choice([35, 50, 70, 85], 40)) + [55] * 12
    index = 100 + np.concatenate([[0], np.cumsum(spacing)])
    n = int(index[-1]) + 200
    up = np.tile([0.0, 0.0, 1.0], (n, 1))
    lean = np.radians(3.0)
    up[index[12] - 10: index[52] - 10] = [0.0, np.sin(lean), np.cos(lean)]
    contacts = [(int(i), "left" if k % 2 else "right") for k, i in enumerate(index)]
    frame, gyr = np.eye(3), np.zeros((n, 3))  # no turn
    assert np.degrees(np.arcsin(neutral_from_contacts(up, contacts, 100.0, frame)[1])) \
        == pytest.approx(3.0, abs=1e-6)
    assert np.degrees(np.arcsin(neutral_from_contacts(up, contacts, 100.0, frame, gyr)[1])) \
        == pytest.approx(0.0, abs=1e-9)


def test_live_calibration_equals_the_same_samples_pushed_at_once():
    """The live calibration is decided on whole blocks: packets or one push, same sample."""
    rec = simulated("walk-varied", seed=1)
    whole = Pipeline(RATE)
    whole.push(rec.samples)
    packets = Pipeline(RATE)
    for first in range(0, len(rec.samples), 7):
        packets.push(rec.samples.slice(first, first + 7))
    assert whole.calibration.to_dict() == packets.calibration.to_dict()


def test_declared_axes_give_forward_without_walking():
    rec = simulated("symmetric-walk", seed=1, mounting="x=up,y=right,z=forward")
    pipeline = Pipeline(RATE, PipelineConfig(axes=parse_axes("x=up,y=right,z=forward")))
    pipeline.push(rec.samples.slice(0, 1000))  # 5 s of standing only
    cal = pipeline.calibration
    assert cal is not None and cal.forward_source == "axes"
    assert cal.forward_sensor @ np.array([0, 0, 1.0]) > 0.99


@pytest.mark.parametrize("declared, harm", [
    ("x=up,y=left,z=back", "left and right would be swapped"),
    ("x=up,y=back,z=right", "the drop would be read partly as forward tilt"),
])
def test_a_declared_forward_the_walk_contradicts_is_refused(declared, harm):
    """Declared back-to-front, the mounting swaps left and right with nothing to see: the
    walking says which way the patient faced."""
    rec = simulated("symmetric-walk", seed=1, mounting="x=up,y=right,z=forward")
    with pytest.raises(CalibrationError, match=f"away from it: with it, {harm}"):
        analyze_samples(rec.samples, RATE, PipelineConfig(axes=parse_axes(declared)))
    right = analyze_samples(rec.samples, RATE, PipelineConfig(
        axes=parse_axes("x=up,y=right,z=forward")))
    assert right.calibration.forward_source == "axes"


@pytest.mark.parametrize("declared, refused", [
    ("x=up,y=left,z=back", True), ("x=up,y=right,z=forward", False)])
def test_live_a_declared_forward_is_checked_once_the_patient_walks(declared, refused):
    """Live, a declared mounting (the app's preset) locks at the first standing, before any
    walking could check it; the walking after it is watched, and a preset worn back to
    front is refused within a few seconds of walking instead of swapping left and right for
    the whole session."""
    rec = simulated("symmetric-walk", seed=2, mounting="x=up,y=right,z=forward")
    pipeline = Pipeline(RATE, PipelineConfig(axes=parse_axes(declared)))
    calibrated_at = None
    try:
        for first in range(0, len(rec.samples), 10):
            pipeline.push(rec.samples.slice(first, first + 10))
            if calibrated_at is None and pipeline.calibration is not None:
                calibrated_at = first
    except CalibrationError as exc:
        assert refused and "left and right would be swapped" in str(exc)
        walked_s = (first - calibrated_at) / RATE
        assert pipeline.calibration.forward_source == "axes" and walked_s < 15.0
        return
    assert not refused
    assert pipeline._forward_watch is None  # the walking agreed: nothing more is watched


def test_parse_axes_matrix():
    m = parse_axes("x=up,y=right,z=forward")
    np.testing.assert_array_equal(m @ [1, 0, 0], [0, 0, 1])  # sensor x is up
    np.testing.assert_array_equal(m @ [0, 1, 0], [0, -1, 0])  # sensor y is right = -left
    np.testing.assert_array_equal(m @ [0, 0, 1], [1, 0, 0])


@pytest.mark.parametrize("spec, words", [
    ("x=up,y=up,z=forward", "same way"),
    ("x=up,y=left,z=forward", "mirror"),
    ("x=up,y=sideways,z=forward", "cannot be read"),
    ("x=up,y=left", "all three"),
])
def test_bad_axes_are_explained(spec, words):
    with pytest.raises(InputDataError, match=words):
        parse_axes(spec)


def test_too_short_to_calibrate_says_so():
    rec = simulated("symmetric-walk", seed=1)
    with pytest.raises(CalibrationError, match="stand still"):
        analyze_samples(rec.samples.slice(0, 200), RATE)  # one second only


def test_standing_without_walking_asks_for_steps_or_axes():
    rec = simulated("symmetric-walk", seed=1)
    with pytest.raises(CalibrationError, match="--axes"):
        analyze_samples(rec.samples.slice(0, 1000), RATE, PipelineConfig())


def test_still_period_until_the_end_of_the_file_is_used():
    """A 4 s standing file with a declared mounting calibrates (the run ends with the data)."""
    rec = simulated("symmetric-walk", seed=1, mounting="x=up,y=right,z=forward")
    pipeline = Pipeline(RATE, PipelineConfig(axes=parse_axes("x=up,y=right,z=forward")))
    pipeline.push(rec.samples.slice(0, 800))
    result = pipeline.finish(require_steps=False)
    assert result.calibration.forward_source == "axes"
    assert len(pipeline.obliquity) == 800


def test_standing_only_after_the_walk_gives_way_to_initial_contacts():
    """People stand as they happen to stop: a standing after the walk is not the neutral
    (on real data the pelvis at initial contacts is closer to the standing before the walk)."""
    rec = simulated("trendelenburg-right", seed=1)
    analysis = analyze_samples(rec.samples.slice(1100, len(rec.samples)), RATE)
    assert analysis.calibration.neutral_source == NEUTRAL_CONTACTS
    assert analysis.summary.right.mean_peak_drop_deg == pytest.approx(9.0, abs=0.5)
    assert analysis.summary.left.mean_peak_drop_deg == pytest.approx(4.0, abs=0.5)


def test_a_standing_that_is_not_upright_is_not_the_neutral():
    """A still period far from the walking posture (sitting, lying) is no standing."""
    rec = simulated("trendelenburg-right", seed=2)
    s = rec.samples
    tilt = np.radians(40.0)  # the first 5 s seen as if the patient sat leaning back
    turn = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    acc = s.acc.copy()
    acc[:900] = acc[:900] @ (rec.truth.pelvis_from_sensor.T @ turn @ rec.truth.pelvis_from_sensor)
    from imu_monitor.samples import SampleBatch

    analysis = analyze_samples(SampleBatch(s.time_s, s.seq, acc, s.gyr), RATE)
    assert analysis.calibration.neutral_source == NEUTRAL_CONTACTS


def test_running_alone_finds_forward_with_its_sign():
    """Running has the pendulum's phase reversed (flight phases): recognised, sign kept."""
    rec = simulate([Stand(4.0), Gait(30.0, speed_mps=3.0, cadence_spm=168, running=True)],
                   RATE, seed=6)
    cal = analyze_samples(rec.samples, RATE, PipelineConfig(drill="run")).calibration
    assert _forward_error_deg(cal, rec.truth) < 5.0


def test_walking_in_circles_still_finds_forward():
    """No stretch straighter than 25° over 1.5 s: the turning windows are pooled instead of
    giving up (a recording with 20 steps of walking is always analysed)."""
    rec = simulate([Stand(3.0), Gait(30.0, turn_deg=1080.0, turn_seconds=30.0)], 100.0, seed=3)
    analysis = analyze_samples(rec.samples, 100.0)
    assert len(analysis.steps) >= 20
    assert _forward_error_deg(analysis.calibration, rec.truth) < 10.0


@pytest.mark.parametrize("orientation", ["offline", "live"])
def test_bursts_lost_while_standing_leave_the_standing_and_its_neutral(orientation):
    """Two half-second bursts lost in the first seconds of standing (a Bluetooth link): the
    standing before and after them is one standing, so the neutral is that of the clean
    recording; it used to fall back to initial contacts (1–2° away on real walks)."""
    rec = simulated("symmetric-walk", seed=2)
    s = rec.samples
    keep = np.ones(len(s), dtype=bool)
    for start_s in (1.2, 2.4):
        keep[round(start_s * RATE): round((start_s + 0.5) * RATE)] = False
    lossy = type(s)(s.time_s[keep], s.seq[keep], s.acc[keep], s.gyr[keep])
    results = []
    for samples in (s, lossy):
        pipeline = Pipeline(RATE, PipelineConfig(orientation=orientation))
        if orientation == "live":
            for first in range(0, len(samples), 10):
                pipeline.push(samples.slice(first, first + 10))
        else:
            pipeline.push(samples)
        results.append(pipeline.finish().calibration)
    clean, lost = results
    assert lost.neutral_source == NEUTRAL_STANDING
    assert lost.still_start_s < 1.2 and lost.still_end_s > 2.9
    angle = np.degrees(np.arccos(np.clip(clean.up_sensor @ lost.up_sensor, -1, 1)))
    assert angle < 0.2


@pytest.mark.parametrize("orientation", ["offline", "live"])
def test_single_samples_lost_all_through_leave_the_standing_and_its_neutral(orientation):
    """One sample in forty lost all through the recording (a host that drops a notification
    now and then) leaves no block whole: the standing had been thrown away and the neutral
    taken from the contacts (a real walk's asymmetry +3.3° read −0.7°)."""
    rec = simulated("symmetric-walk", seed=2)
    s = rec.samples
    keep = np.arange(len(s)) % 40 != 17
    lossy = type(s)(s.time_s[keep], s.seq[keep], s.acc[keep], s.gyr[keep])
    results = []
    for samples in (s, lossy):
        pipeline = Pipeline(RATE, PipelineConfig(orientation=orientation))
        for first in range(0, len(samples), 10 if orientation == "live" else len(samples)):
            pipeline.push(samples.slice(first, first + (10 if orientation == "live" else
                                                        len(samples))))
        results.append(pipeline.finish())
    clean, lost = results
    assert lost.lost_samples > 100
    assert lost.calibration.neutral_source == NEUTRAL_STANDING
    angle = np.degrees(np.arccos(np.clip(
        clean.calibration.up_sensor @ lost.calibration.up_sensor, -1, 1)))
    assert angle < 0.1
    for side in ("left", "right"):
        assert lost.summary.side(side).mean_peak_drop_deg == pytest.approx(
            clean.summary.side(side).mean_peak_drop_deg, abs=0.15)


def test_a_weight_shift_while_standing_gives_one_neutral_seen_or_lost():
    """A patient shifts their weight half-way through the standing (a moving block between two
    postures 3° apart). Whether that block arrives or is lost in a burst, the neutral is the
    same standing: it had been the first posture alone when the block was seen and both when
    it was lost (a real walk's steps moved 0.9°)."""
    seen, lost, _ = _weight_shift()
    seen_cal, lost_cal = (analyze_samples(x, RATE).calibration for x in (seen, lost))
    assert seen_cal.neutral_source == lost_cal.neutral_source == NEUTRAL_STANDING
    assert seen_cal.still_start_s < 1.0 and seen_cal.still_end_s > 4.0  # both postures
    angle = np.degrees(np.arccos(np.clip(seen_cal.up_sensor @ lost_cal.up_sensor, -1, 1)))
    assert angle < 0.2


@pytest.mark.parametrize("orientation", ["offline", "live"])
def test_with_a_declared_mounting_the_standing_is_the_first_still_period(orientation):
    """Live, a declared mounting locks at the end of the first standing; a recording of the
    same session must take the same neutral, not that standing joined with a later one."""
    seen, _, rec = _weight_shift()
    pipeline = Pipeline(RATE, PipelineConfig(orientation=orientation,
                                             axes=rec.truth.pelvis_from_sensor))
    for first in range(0, len(seen), 10):
        pipeline.push(seen.slice(first, first + 10))
    cal = pipeline.finish().calibration
    assert cal.neutral_source == NEUTRAL_STANDING and cal.still_end_s < 2.5


def test_a_drill_s_hold_before_the_walk_is_not_standing():
    """A single-leg hold is still too, in a posture of its own: a drill session that walks
    afterwards takes its neutral from the standing before the hold, not from both."""
    rec = simulate([Stand(4.0), SingleLegStance("left", 12.0, drop_deg=5.0), Stand(3.0),
                    Gait(20.0)], 100.0, seed=3)
    cal = analyze_samples(rec.samples, 100.0,
                          PipelineConfig(drill="single-leg-stance")).calibration
    assert cal.neutral_source == NEUTRAL_STANDING and cal.still_end_s <= 4.5


def test_the_first_steps_preparation_is_not_the_neutral_wherever_the_recording_begins():
    """Half a second before the first step the pelvis shifts over the stance leg (here it
    rolls 2°). Still or not by a hair, that block had entered the neutral or not depending on
    where the recording began: one sample later moved real walks' means by up to 0.19°. It is
    now left out when it has left the blocks before it, and the neutral is the quiet
    standing's, wherever the recording begins."""
    rec = simulated("symmetric-walk", seed=2)
    s = rec.samples
    quiet = analyze_samples(s, RATE).calibration
    end = round(quiet.still_end_s * RATE)
    roll = (rec.truth.pelvis_from_sensor.T @ rotation_vector_to_matrix(np.radians([2.0, 0, 0]))
            @ rec.truth.pelvis_from_sensor)
    acc = s.acc.copy()
    acc[end - 45:end] = acc[end - 45:end] @ roll.T
    for first in range(0, 50, 7):  # the recording begins later, a few samples at a time
        cal = analyze_samples(type(s)(s.time_s[first:], s.seq[first:], acc[first:],
                                      s.gyr[first:]), RATE).calibration
        assert cal.neutral_source == NEUTRAL_STANDING
        angle = np.degrees(np.arccos(np.clip(cal.up_sensor @ quiet.up_sensor, -1, 1)))
        assert angle < 0.05, first


def _weight_shift():
    """A walk whose standing has a weight shift at 2.4–2.8 s (the posture rolls 3°), as
    recorded and with the shift's block lost; and the simulated recording."""
    rec = simulated("symmetric-walk", seed=2)
    s = rec.samples
    shift, settled = round(2.4 * RATE), round(2.8 * RATE)
    roll = (rec.truth.pelvis_from_sensor.T @ rotation_vector_to_matrix(np.radians([3.0, 0, 0]))
            @ rec.truth.pelvis_from_sensor)
    acc, gyr = s.acc.copy(), s.gyr.copy()
    acc[settled:round(5.0 * RATE)] = acc[settled:round(5.0 * RATE)] @ roll.T
    gyr[shift:settled] += 0.4 * np.sin(np.linspace(0, 6 * np.pi, settled - shift))[:, None]
    keep = np.ones(len(s), dtype=bool)
    keep[shift - 20:settled + 20] = False
    return (type(s)(s.time_s, s.seq, acc, gyr),
            type(s)(s.time_s[keep], s.seq[keep], acc[keep], gyr[keep]), rec)


@pytest.mark.parametrize("preset, set_aside", [("x=up,y=left,z=back", True),
                                               ("x=up,y=right,z=forward", False)])
def test_a_stored_preset_the_recording_contradicts_is_set_aside(tmp_path, preset, set_aside):
    """A recording saved with a preset's calibration before any walking could check it: its
    analysis checks the preset against all its walking, and a preset worn back to front is
    set aside, said, and forward found from the walking (the weak right side stays right)."""
    from imu_monitor.analysis import analyze_source
    from imu_monitor.cli.report import format_analysis
    from imu_monitor.recording import RecordingWriter
    from imu_monitor.sources.recording import RecordingReplay

    rec = simulated("trendelenburg-right", seed=1, mounting="x=up,y=right,z=forward")
    standing = Pipeline(RATE, PipelineConfig(axes=parse_axes(preset)))
    standing.push(rec.samples.slice(0, 1000))  # the preset locks on the standing alone
    assert standing.calibration.forward_source == "axes"
    path = tmp_path / "preset.imurec"
    with RecordingWriter(path, RATE, {"drill": "walk",
                                      "calibration": standing.calibration.to_dict()}) as w:
        w.append_all(rec.samples)
    _, analysis = analyze_source(RecordingReplay(path))
    summary = analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3.0
    if set_aside:
        assert analysis.calibration.forward_source == "walk"
        # The standing stays (the app's recordings start after it: calibrated from scratch,
        # they had read "nobody stood still").
        assert analysis.calibration.neutral_source == NEUTRAL_STANDING
        assert analysis.calibration.still_end_s == standing.calibration.still_end_s
        assert "set aside" in analysis.calibration_note
        assert analysis.calibration_note in format_analysis(analysis, "x")
        assert analysis.to_dict()["summary"]["calibration_note"] == analysis.calibration_note
        # Stored with the recording (its calibration no longer holds the preset), it is
        # said again by every later analysis.
        from imu_monitor.analysis import analyze_saved

        analyze_saved(path)
        _, again = analyze_source(RecordingReplay(path))
        assert again.calibration_note == analysis.calibration_note
    else:
        assert analysis.calibration.forward_source == "axes" and not analysis.calibration_note


@pytest.mark.parametrize("turned_deg, set_aside", [(40.0, True), (15.0, False)])
def test_a_stored_preset_far_off_the_walking_is_set_aside(tmp_path, turned_deg, set_aside):
    """A preset can be wrong by less than back to front: worn turned 40° on the belt, the
    drop was read partly as forward tilt (a 9° drop read 5.5°). Beyond 30° (the walking's
    forward is within 19° of true axes on all 110 real walks) it is set aside."""
    from imu_monitor.analysis import analyze_source
    from imu_monitor.recording import RecordingWriter
    from imu_monitor.samples import SampleBatch
    from imu_monitor.sources.recording import RecordingReplay

    rec = simulated("trendelenburg-right", seed=1, mounting="x=up,y=right,z=forward")
    turn = rotation_vector_to_matrix(np.radians(turned_deg) * np.array([1.0, 0, 0]))
    s = rec.samples
    samples = SampleBatch(s.time_s, s.seq, s.acc @ turn.T, s.gyr @ turn.T)
    standing = Pipeline(RATE, PipelineConfig(axes=parse_axes("x=up,y=right,z=forward")))
    standing.push(samples.slice(0, 1000))
    path = tmp_path / "turned.imurec"
    with RecordingWriter(path, RATE, {"drill": "walk",
                                      "calibration": standing.calibration.to_dict()}) as w:
        w.append_all(samples)
    _, analysis = analyze_source(RecordingReplay(path))
    assert (analysis.calibration.forward_source == "walk") == set_aside
    if set_aside:
        assert "set aside" in analysis.calibration_note
        assert analysis.summary.right.mean_peak_drop_deg == pytest.approx(9.0, abs=1.0)


def test_a_preset_set_aside_gets_the_forward_found_without_it():
    """The walking's forward that replaces a contradicted preset is read as the automatic
    alignment reads it, at the contacts' cadence: on the simulator's most harmonic walker it
    had stayed 7.8° off where the automatic forward is 2.5° off."""
    import dataclasses

    rec = simulated("everyday", seed=17)
    automatic = analyze_samples(rec.samples, RATE).calibration
    turn = rotation_vector_to_matrix(automatic.up_sensor * np.radians(40.0))
    preset = dataclasses.replace(automatic, forward_sensor=turn @ automatic.forward_sensor,
                                 forward_source="axes", forward_confidence=1.0)
    replaced = analyze_samples(rec.samples, RATE,
                               PipelineConfig(calibration=preset)).calibration
    assert replaced.forward_source == "walk"
    assert _forward_error_deg(replaced, rec.truth) < 3.5
    assert replaced.forward_sensor @ automatic.forward_sensor > np.cos(np.radians(0.1))


def test_live_a_preset_worn_back_to_front_is_replaced_by_the_walking():
    """Refused, the preset gives way at once to the same standing with forward from the
    walking that refuted it: no wait for the patient to stand again (it had thrown the
    standing away and fallen back on "nobody stood still")."""
    from imu_monitor.processing.calibration import NEUTRAL_STANDING
    from imu_monitor.session import LiveSession

    rec = simulated("trendelenburg-right", seed=2, mounting="x=up,y=right,z=forward")
    session = LiveSession(RATE, PipelineConfig(axes=parse_axes("x=up,y=left,z=back")))
    refused = []
    for first in range(0, len(rec.samples), 10):
        update = session.push(rec.samples.slice(first, first + 10))
        if update.calibration_refused:
            refused.append(update.problems)
    assert len(refused) == 1 and "left and right would be swapped" in refused[0][0]
    cal = session.calibration
    assert cal.forward_source == "walk" and cal.neutral_source == NEUTRAL_STANDING
    assert cal.forward_sensor @ np.array([0.0, 0, 1]) > 0.95  # z is forward, as worn
    summary = session.finish().summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3.0


def test_live_a_preset_turned_40_degrees_on_the_belt_is_replaced_too():
    """Not back to front, but 40° off: the drop would be read partly as forward tilt (a 9°
    drop as 5.5°). Beyond 30° the walking's forward replaces the preset's, live as well."""
    from imu_monitor.samples import SampleBatch
    from imu_monitor.session import LiveSession

    rec = simulated("trendelenburg-right", seed=2, mounting="x=up,y=right,z=forward")
    turn = rotation_vector_to_matrix(np.radians(40.0) * np.array([1.0, 0, 0]))
    s = rec.samples
    samples = SampleBatch(s.time_s, s.seq, s.acc @ turn.T, s.gyr @ turn.T)
    session = LiveSession(RATE, PipelineConfig(axes=parse_axes("x=up,y=right,z=forward")))
    problems = []
    for first in range(0, len(samples), 10):
        update = session.push(samples.slice(first, first + 10))
        if update.calibration_refused:
            problems += update.problems
    assert len(problems) == 1 and "partly as forward tilt" in problems[0]
    assert session.calibration.forward_source == "walk"
    assert session.finish().summary.right.mean_peak_drop_deg == pytest.approx(9.0, abs=1.0)


def test_a_mounting_declared_with_axes_is_not_judged_as_a_preset(tmp_path):
    """A file imported with --axes keeps its mounting in its description: it is judged by
    the --axes rule (60°) when it is calibrated, not set aside as a preset would be at 30°
    (which had said "preset set aside" of a declared mounting it then used anyway)."""
    from imu_monitor.analysis import analyze_source
    from imu_monitor.recording import RecordingWriter
    from imu_monitor.samples import SampleBatch
    from imu_monitor.sources.recording import RecordingReplay

    rec = simulated("trendelenburg-right", seed=1, mounting="x=up,y=right,z=forward")
    turn = rotation_vector_to_matrix(np.radians(40.0) * np.array([1.0, 0, 0]))
    s = rec.samples
    samples = SampleBatch(s.time_s, s.seq, s.acc @ turn.T, s.gyr @ turn.T)
    declared = "x=up,y=right,z=forward"
    standing = Pipeline(RATE, PipelineConfig(axes=parse_axes(declared)))
    standing.push(samples.slice(0, 1000))
    path = tmp_path / "declared.imurec"
    with RecordingWriter(path, RATE, {"drill": "walk", "axes": declared,
                                      "calibration": standing.calibration.to_dict()}) as w:
        w.append_all(samples)
    _, analysis = analyze_source(RecordingReplay(path))
    assert analysis.calibration.forward_source == "axes" and not analysis.calibration_note



def test_a_sensor_moved_between_two_walks_is_said():
    """Five 10 m walks; between the third and the fourth the sensor is clipped back on 8°
    rolled. The calibration cannot know; the walking's mean obliquity jumps, and the
    analysis says where (a real patient's left-dominant drop had read right-dominant)."""
    rec = simulated("walk-10m", seed=1, mounting="x=up,y=right,z=forward", seconds=120)
    assert not analyze_samples(rec.samples, 200.0).sensor_moved  # nothing moved: nothing said
    analysis = analyze_samples(reclipped(rec.samples, 78.0, 8.0, 200.0), 200.0)
    [(when, jump)] = analysis.sensor_moved
    assert 79.0 < when < 82.0 and 6.5 < abs(jump) < 9.5
    assert "seems to have moved" in analysis.calibration_remarks
    assert analysis.to_dict()["summary"]["sensor_moved"][0]["time_s"] == round(when, 2)


def _handled(samples, rate: float, before: bool):
    """The sensor handled away from the pelvis: turned 90° over 2 s (the body still, the
    gyroscope consistent), then carried in a hand that walks (8 s of the walk's own motion
    in the turned axes), before the session or after it."""
    turn = np.array([0.0, np.radians(90.0), 0.0])
    k = round(2.0 * rate)
    share = (1 - np.cos(np.pi * np.arange(k) / (k - 1))) / 2
    carried = samples.slice(round(10 * rate), round(18 * rate))
    held = rotation_vector_to_matrix(-turn)  # Eᵀ of the whole turn
    hand_acc, hand_gyr = carried.acc @ held.T, carried.gyr @ held.T
    end = samples.acc[:round(rate)].mean(axis=0) if before else samples.acc[-round(rate):].mean(
        axis=0)
    steps = rotation_vector_to_matrix(-share[:, None] * turn)
    turn_acc = np.einsum("kij,j->ki", steps, end)
    turn_gyr = np.gradient(share, 1 / rate)[:, None] * turn
    if before:  # in the hand, then turned onto the pelvis (the turn backwards), then the session
        acc = np.vstack([hand_acc, turn_acc[::-1], samples.acc])
        gyr = np.vstack([hand_gyr, -turn_gyr[::-1], samples.gyr])
    else:
        acc = np.vstack([samples.acc, turn_acc, hand_acc])
        gyr = np.vstack([samples.gyr, turn_gyr, hand_gyr])
    n = len(acc)
    return type(samples)(np.arange(n) / rate, np.arange(n), acc, gyr)


@pytest.mark.parametrize("before", [True, False])
def test_a_sensor_handled_before_it_is_worn_or_after_is_not_the_pelvis(before):
    """Handled, the sensor moves like a brisk walk in another posture: before the session it
    made the standing come "after walking" (no neutral from it), after the session it pulled
    the walking's vertical away from the standing's; and its "steps" counted."""
    rate = 100.0
    rec = simulated("trendelenburg-right", seed=1, rate_hz=rate)
    clean = analyze_samples(rec.samples, rate)
    handled = analyze_samples(_handled(rec.samples, rate, before), rate)
    assert handled.calibration.neutral_source == NEUTRAL_STANDING
    for side in ("left", "right"):
        assert handled.summary.side(side).mean_peak_drop_deg == pytest.approx(
            clean.summary.side(side).mean_peak_drop_deg, abs=0.1)
        assert handled.summary.side(side).steps == clean.summary.side(side).steps
    off = [s for s in handled.steps if "off the pelvis" in s.note]
    assert off and not any(s.counted for s in off)
