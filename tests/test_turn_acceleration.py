"""Turns: their horizontal acceleration is estimated from the recording and taken off the
accelerometer before the offline filter runs again (processing/turn_acceleration.py)."""

import numpy as np
import pytest

import imu_monitor.pipeline as pipeline_module
from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.processing.kinematics import rotate
from imu_monitor.processing.offline_vqf import bias_rows, offline_vqf
from imu_monitor.processing.orientation import FilterParams, offline_orientation, up_in_sensor
from imu_monitor.processing.turn_acceleration import bin_samples, without_turn_acceleration
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.evaluation import neutral_obliquity, score

from .conftest import simulated

RATE = 100.0
SPEED = 1.2  # m/s
TURN_S = 1.6
BIAS = np.radians([0.4, -0.3, 0.5])  # rad/s, the gyroscope's own


def _walk_and_turn(on_the_spot: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Straight, a 180° turn (along an arc at walking speed, or on the spot: braking along
    the path while the pelvis turns, then off the other way), straight back: the exact
    orientation, gyroscope (with a bias) and accelerometer of a sensor level on the pelvis."""
    straight = round(12 * RATE)
    turn = round(TURN_S * RATE)
    u = (np.arange(turn) + 0.5) / turn
    heading = np.concatenate([np.zeros(straight), np.pi * u, np.full(straight, np.pi)])
    rate = np.gradient(heading) * RATE
    world = np.zeros((len(heading), 3))
    inside = slice(straight, straight + turn)
    if on_the_spot:  # velocity +SPEED → −SPEED along x while the pelvis turns
        world[inside, 0] = -SPEED * np.pi / TURN_S * np.sin(np.pi * u)
    else:  # toward the centre of the arc, to the left
        world[inside, :2] = SPEED * rate[inside, None] * np.stack(
            [-np.sin(heading[inside]), np.cos(heading[inside])], axis=1)
    world[:, 2] = GRAVITY_MPS2
    quat = np.stack([np.cos(heading / 2), 0 * heading, 0 * heading, np.sin(heading / 2)], 1)
    acc = rotate(quat * [1, -1, -1, -1], world)
    gyr = np.stack([0 * rate, 0 * rate, rate], axis=1) + BIAS
    return quat, acc, gyr


def _tilt_error_deg(quat: np.ndarray) -> np.ndarray:
    """Angle between the estimated and the true vertical (the sensor is level)."""
    return np.degrees(np.arccos(np.clip(up_in_sensor(quat)[:, 2], -1.0, 1.0)))


def _bias(acc, gyr):
    """The filter's gyro-bias estimate every bin, as the pipeline keeps it."""
    step = bin_samples(RATE)
    bias = np.empty((bias_rows(len(gyr), step), 3))
    offline_vqf(gyr, acc, 1 / RATE, FilterParams().as_vqf(), bias_out=bias, bias_step=step)
    return bias


def _freed(quat, acc, gyr, usable=None, bias=None):
    usable = np.ones(len(acc), bool) if usable is None else usable
    bias = _bias(acc, gyr) if bias is None else bias
    return without_turn_acceleration(quat, acc, gyr, bias, RATE, usable,
                                     walking=np.ones(len(acc), bool))


@pytest.mark.parametrize("on_the_spot", [False, True])
def test_a_turn_no_longer_tilts_the_filter(on_the_spot):
    """The filter alone is pulled several degrees toward the turn's acceleration; run again
    on the accelerometer freed of it, it is not."""
    _, acc, gyr = _walk_and_turn(on_the_spot)
    pulled = offline_orientation(gyr, acc, RATE)
    freed = _freed(pulled, acc, gyr)
    assert freed is not None
    again = offline_orientation(gyr, freed, RATE)
    before, after = _tilt_error_deg(pulled).max(), _tilt_error_deg(again).max()
    assert before > 2.0
    assert after < 0.25 * before and after < 1.0


def test_straight_walking_is_left_alone():
    quat, acc, gyr = _walk_and_turn(on_the_spot=False)
    freed = _freed(quat, acc, gyr)
    assert freed is not None
    away = np.r_[0:round(9 * RATE), -round(9 * RATE):0]
    assert np.abs(freed[away] - acc[away]).max() < 1e-9


def test_without_turns_there_is_nothing_to_do():
    quat, acc, gyr = _walk_and_turn(on_the_spot=False)
    straight = slice(0, round(12 * RATE))
    assert _freed(quat[straight], acc[straight], gyr[straight]) is None


def test_lost_samples_give_no_evidence():
    """Samples the gap filler made up do not count."""
    quat, acc, gyr = _walk_and_turn(on_the_spot=True)
    usable = np.ones(len(acc), bool)
    lost = slice(round(12.5 * RATE), round(12.7 * RATE))
    usable[lost] = False
    corrupted = acc.copy()
    corrupted[lost, :2] = 30.0  # absurd: a filled-in gap, never measured
    bias = _bias(acc, gyr)  # the filter's, from what it was given (the filled gap too)
    clean = _freed(quat, acc, gyr, usable, bias)
    dirty = _freed(quat, corrupted, gyr, usable, bias)
    assert clean is not None and dirty is not None
    keep = np.ones(len(acc), bool)
    keep[lost] = False
    assert np.abs(clean[keep] - dirty[keep]).max() < 1e-9


def _rmse(rec, monkeypatch, corrected: bool) -> float:
    if not corrected:
        monkeypatch.setattr(pipeline_module, "without_turn_acceleration",
                            lambda *args, **kwargs: None)
    pipeline = Pipeline(200.0, PipelineConfig(orientation="offline"))
    pipeline.push(rec.samples)
    analysis = pipeline.finish()
    monkeypatch.undo()
    return score(rec.truth, analysis, pipeline.obliquity.view).obliquity_rmse_deg


@pytest.mark.parametrize("scenario", ["room-4m", "walk-varied", "trendelenburg-right"])
def test_turns_no_longer_tilt_the_pelvis(scenario, monkeypatch):
    """A 4 × 4 m room, a walk with turns and pace changes, a walkway with U-turns on the
    spot (simulated with the turns' true accelerations): obliquity against the truth over
    every sample, turns included."""
    rec = simulated(scenario)
    pulled = _rmse(rec, monkeypatch, corrected=False)
    corrected = _rmse(rec, monkeypatch, corrected=True)
    assert corrected < 0.4
    assert corrected < pulled - 0.15


def test_a_turn_outside_walking_is_left_to_the_filter():
    """The model — nothing sustained in the horizontal when going straight — is a walker's:
    a sensor turned by hand, or a patient turning on a chair, is left as the filter sees it
    (on the real hand-held BROAD motions, applied everywhere, it made the inclination
    worse: docs/orientation.md)."""
    quat, acc, gyr = _walk_and_turn(on_the_spot=True)
    bias = _bias(acc, gyr)
    assert without_turn_acceleration(quat, acc, gyr, bias, RATE, np.ones(len(acc), bool),
                                     walking=np.zeros(len(acc), bool)) is None


def test_turns_are_taken_off_across_long_gaps(monkeypatch):
    """Lost stretches longer than the pipeline bridges: the filter runs stretch by stretch
    on a gyroscope whose bias it took off once (the second run must not take it off again),
    and the correction still helps."""
    rec = simulated("room-4m", rate_hz=100.0)
    keep = np.ones(len(rec.samples), bool)
    for start in (1500, 3200, 4700, 6100):
        keep[start:start + 100] = False  # 1 s lost, four times
    samples = rec.samples
    lossy = SampleBatch(samples.time_s[keep], samples.seq[keep], samples.acc[keep],
                        samples.gyr[keep])

    def rmse(corrected: bool) -> float:
        if not corrected:
            monkeypatch.setattr(pipeline_module, "without_turn_acceleration",
                                lambda *args, **kwargs: None)
        pipeline = Pipeline(100.0, PipelineConfig(orientation="offline"))
        pipeline.push(lossy)
        analysis = pipeline.finish()
        monkeypatch.undo()
        measured = pipeline.valid.view
        truth = rec.truth.obliquity_deg - neutral_obliquity(rec.truth, analysis)
        error = pipeline.obliquity.view - truth[:len(measured)]
        return float(np.sqrt(np.mean(error[measured] ** 2)))

    pulled, corrected = rmse(False), rmse(True)
    assert corrected < 0.45
    assert corrected < pulled - 0.15
