"""Turns: their centripetal acceleration is estimated from the recording and taken off the
accelerometer before the offline filter runs again (processing/centripetal.py)."""

import numpy as np
import pytest

import imu_monitor.pipeline as pipeline_module
from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.processing.centripetal import without_turns
from imu_monitor.simulation.evaluation import score

from .conftest import simulated

RATE = 100.0
FORWARD = np.array([1.0, 0.0, 0.0])  # sensor axes are the pelvis axes here


def _walk_round(speed: float, turn_rate: float) -> tuple[np.ndarray, ...]:
    """Straight, a 180° turn along an arc at ``speed`` (or on the spot), straight: exact
    orientation, gyroscope and accelerometer of a sensor level on the pelvis."""
    turn_s = np.pi / abs(turn_rate)
    rate = np.concatenate([np.zeros(round(10 * RATE)), np.full(round(turn_s * RATE), turn_rate),
                           np.zeros(round(10 * RATE))])
    heading = np.cumsum(rate) / RATE
    quat = np.stack([np.cos(heading / 2), 0 * heading, 0 * heading, np.sin(heading / 2)], 1)
    gyr = np.stack([0 * rate, 0 * rate, rate], 1)
    # Toward the centre of the turn, to the left when turning left (turn rate > 0).
    acc = np.stack([0 * rate, speed * rate, np.full(len(rate), GRAVITY_MPS2)], 1)
    return quat, acc, gyr


@pytest.mark.parametrize(("speed", "turn_rate"), [(0.5, 1.5), (1.2, -1.0), (0.8, 0.6)])
def test_an_arc_at_walking_speed_is_taken_off_the_accelerometer(speed, turn_rate):
    quat, acc, gyr = _walk_round(speed, turn_rate)
    freed = without_turns(quat, acc, gyr, FORWARD, RATE, np.ones(len(acc), bool))
    assert freed is not None
    turn = np.flatnonzero(gyr[:, 2])
    middle = turn[len(turn) // 4: -len(turn) // 4]
    # Only gravity is left in the middle of the turn: no false tilt toward its inside.
    assert np.abs(freed[middle, 1]).max() < 0.1 * speed * abs(turn_rate)
    assert np.abs(freed[:, 2] - GRAVITY_MPS2).max() < 1e-9
    # The straight parts away from the turn are left alone.
    assert np.abs(freed[: round(5 * RATE)] - acc[: round(5 * RATE)]).max() < 0.02


def test_a_turn_on_the_spot_changes_nothing():
    """A pivot (the usual U-turn at the end of a walkway): the sacrum hardly moves, so
    there is no centripetal acceleration to take off."""
    quat, acc, gyr = _walk_round(0.0, 2.0)
    freed = without_turns(quat, acc, gyr, FORWARD, RATE, np.ones(len(acc), bool))
    assert freed is not None and np.abs(freed - acc).max() < 1e-9


def test_without_turns_there_is_nothing_to_do():
    quat, acc, gyr = _walk_round(1.0, 1.0)
    straight = slice(0, round(10 * RATE))
    assert without_turns(quat[straight], acc[straight], gyr[straight], FORWARD, RATE,
                         np.ones(round(10 * RATE), bool)) is None


def test_lost_samples_give_no_evidence():
    """Samples the gap filler made up do not count toward the speed."""
    quat, acc, gyr = _walk_round(0.8, 1.2)
    usable = np.ones(len(acc), bool)
    turn = np.flatnonzero(gyr[:, 2])
    lost = turn[len(turn) // 3: len(turn) // 3 + 20]
    usable[lost] = False
    corrupted = acc.copy()
    corrupted[lost, 1] = 30.0  # absurd: a filled-in gap, never measured
    clean = without_turns(quat, acc, gyr, FORWARD, RATE, usable)
    dirty = without_turns(quat, corrupted, gyr, FORWARD, RATE, usable)
    assert clean is not None and dirty is not None
    keep = np.ones(len(acc), bool)
    keep[lost] = False
    assert np.abs(clean[keep] - dirty[keep]).max() < 1e-9


def _rmse(rec, monkeypatch, passes: int) -> float:
    monkeypatch.setattr(pipeline_module, "TURN_PASSES", passes)
    pipeline = Pipeline(200.0, PipelineConfig(orientation="offline"))
    pipeline.push(rec.samples)
    analysis = pipeline.finish()
    return score(rec.truth, analysis, pipeline.obliquity.view).obliquity_rmse_deg


@pytest.mark.parametrize("scenario", ["room-4m", "walk-varied"])
def test_turns_no_longer_tilt_the_pelvis(scenario, monkeypatch):
    """A 4 × 4 m room and a walk with turns and pace changes (simulated with the turns'
    true accelerations): obliquity against the truth over every sample, turns included."""
    rec = simulated(scenario)
    passes = pipeline_module.TURN_PASSES
    pulled = _rmse(rec, monkeypatch, 0)
    corrected = _rmse(rec, monkeypatch, passes)
    assert corrected < 0.5
    assert corrected < pulled - 0.1
