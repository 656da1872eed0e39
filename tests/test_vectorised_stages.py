"""The per-sample stages written as vectorised numpy (and VQF's C++): any chunking of the
input gives the numbers of one call, each stage matches an independent per-sample reference
(the rotation high-pass: tests/test_filters.py),
and no session, live or reviewed, loads a compiler or scipy.signal (app memory budget)."""

import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

from imu_monitor.pipeline import Pipeline
from imu_monitor.processing import device_orientation, kinematics, orientation
from imu_monitor.rotations import quat_to_matrix

from .conftest import simulated

RATE = 200.0


def _walk():
    return simulated("walk-varied", seed=3, seconds=60)


def _chunks(n: int, seed: int) -> list[tuple[int, int]]:
    """Consecutive pieces of random sizes, from one sample to a few thousand."""
    rng = np.random.default_rng(seed)
    edges = np.cumsum(np.concatenate([[0], rng.integers(1, 3000, n)]))
    edges = np.concatenate([edges[edges < n], [n]])
    return [(int(a), int(b)) for a, b in pairwise(edges)]


def _turned_walk():
    """Filter output of a walk turned so that its turns cross ±180° of heading, and a
    tilted mounting: every matrix entry in use."""
    s = _walk().samples
    f = orientation.OrientationFilter(RATE)
    q = f.update(s.gyr, s.acc)
    c, z = np.cos(-0.35), np.sin(-0.35)
    quat = np.stack([c * q[:, 0] - z * q[:, 3], c * q[:, 1] - z * q[:, 2],
                     c * q[:, 2] + z * q[:, 1], c * q[:, 3] + z * q[:, 0]], axis=1)
    turn = np.radians(25.0)
    mounting = np.array([[np.cos(turn), 0, np.sin(turn)], [0, 1, 0],
                         [-np.sin(turn), 0, np.cos(turn)]])
    calibration = type("Cal", (), {"pelvis_from_sensor": mounting})()
    return quat, orientation.up_in_sensor(quat), np.ascontiguousarray(s.acc), calibration


def _stack(b: kinematics.KinematicsBatch) -> np.ndarray:
    return np.stack([b.obliquity_deg, b.tilt_deg, b.rotation_deg, b.heading_deg,
                     b.forward_acc, b.lateral_acc, b.vertical_acc])


def test_pelvis_kinematics_match_a_per_sample_reference_in_any_chunks():
    quat, up, acc, cal = _turned_walk()
    whole = _stack(kinematics.PelvisKinematics(cal, RATE).update(quat, up, acc))
    pieces = kinematics.PelvisKinematics(cal, RATE)
    chunked = np.concatenate([_stack(pieces.update(quat[a:b], up[a:b], acc[a:b]))
                              for a, b in _chunks(len(quat), 1)], axis=1)
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-9)
    # Reference: Baker's angles and heading-frame accelerations from the rotation matrices.
    r = quat_to_matrix(quat)
    c = cal.pelvis_from_sensor
    pelvis_up = up @ c.T
    np.testing.assert_allclose(whole[0], np.degrees(np.arcsin(pelvis_up[:, 1])), atol=1e-9)
    np.testing.assert_allclose(whole[1], np.degrees(np.arctan2(-pelvis_up[:, 0],
                                                               pelvis_up[:, 2])), atol=1e-9)
    left = r @ c[1]
    heading = np.unwrap(np.arctan2(-left[:, 0], left[:, 1]))
    np.testing.assert_allclose(np.radians(whole[3]), heading - heading[0]
                               + np.radians(whole[3][0]), atol=1e-9)
    assert np.abs(np.radians(whole[3])).max() > np.pi + 0.3  # the unwrapping was exercised
    world = np.einsum("nij,nj->ni", r, acc)
    np.testing.assert_allclose(np.hypot(whole[4], whole[5]), np.hypot(world[:, 0], world[:, 1]),
                               atol=1e-9)
    np.testing.assert_allclose(whole[6], world[:, 2] - 9.80665, atol=1e-9)


def test_device_orientation_keeps_one_hemisphere_and_recovers_the_rate():
    """A sensor turning at a known rate, its quaternions sent in either hemisphere."""
    t = np.arange(4000) / RATE
    rate = np.array([0.3, -0.2, 0.5])  # rad/s, sensor axes: a constant rotation
    angle = np.linalg.norm(rate) * t
    axis = rate / np.linalg.norm(rate)
    quat = np.column_stack([np.cos(angle / 2), np.outer(np.sin(angle / 2), axis)])
    sent = quat * np.where(np.arange(len(t)) % 3 == 1, -1.0, 1.0)[:, None] * 2.0
    whole = device_orientation.DeviceOrientation(RATE)
    out = whole.update(sent)
    assert (np.sum(out[1:] * out[:-1], axis=1) > 0).all()
    np.testing.assert_allclose(np.abs(np.sum(out * quat, axis=1)), 1.0, atol=1e-12)
    np.testing.assert_allclose(whole.rate[1:], np.tile(rate, (len(t) - 1, 1)), atol=1e-9)
    np.testing.assert_allclose(whole.rate[0], 0.0)
    np.testing.assert_allclose(whole.up, orientation.up_in_sensor(out))
    pieces = device_orientation.DeviceOrientation(RATE)
    chunked = [(pieces.update(sent[a:b]), pieces.rate) for a, b in _chunks(len(t), 3)]
    np.testing.assert_allclose(np.concatenate([q for q, _ in chunked]), out, atol=1e-15)
    np.testing.assert_allclose(np.concatenate([r for _, r in chunked]), whole.rate, atol=1e-9)


def test_a_whole_recording_at_once_equals_live_packets():
    """Five minutes in one call (as a review) and in 10-sample packets (as live): the same
    steps and the same angles."""
    rec = simulated("walk-varied", seed=4, seconds=300)
    batch = Pipeline(RATE)
    batch.push(rec.samples)
    live = Pipeline(RATE)
    for first in range(0, len(rec.samples), 10):
        live.push(rec.samples.slice(first, first + 10))
    np.testing.assert_allclose(live.obliquity.view, batch.obliquity.view, rtol=0, atol=1e-9)
    assert live.finish().to_dict() == batch.finish().to_dict()


SESSIONS = """
import sys
import imu_monitor.app.main_window
from imu_monitor.pipeline import Pipeline, PipelineConfig, analyze_samples
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate
for scenario, drill in (("trendelenburg-right", "walk"), ("hip-hike", "hip-hike")):
    samples = simulate(get_scenario(scenario).build(40), 200.0, seed=1).samples
    pipeline = Pipeline(200.0, PipelineConfig(drill=drill))
    for first in range(0, len(samples), 10):
        pipeline.push(samples.slice(first, first + 10))
    result = pipeline.drill_so_far()
    assert pipeline.steps if drill == "walk" else result.blocks[0].reps, "nothing found"
long = simulate(get_scenario("walk-varied").build(600), 200.0, seed=2).samples
assert analyze_samples(long, 200.0).summary.steps, "no steps reviewed"
print("numba" in sys.modules, "llvmlite" in sys.modules, "scipy.signal" in sys.modules)
"""


def test_sessions_never_load_a_compiler_or_scipy_signal():
    """A walk and a rep drill as the app runs them live, then a ten-minute review: no
    compiler and no scipy.signal in the process (about 200 MB together)."""
    out = subprocess.run([sys.executable, "-c", SESSIONS], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1],
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.split() == ["False", "False", "False"]
