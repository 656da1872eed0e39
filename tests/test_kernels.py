"""Per-sample loops: interpreted and compiled give the same bits, each is used where it pays,
and the live path never loads numba (its compiler is half of the app's memory budget)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imu_monitor.pipeline import Pipeline
from imu_monitor.processing import device_orientation, filters, kernels, kinematics, orientation
from imu_monitor.processing.kernels import Kernel, kernel

from .conftest import simulated

RATE = 200.0


def _walk():
    return simulated("walk-varied", seed=3, seconds=60)


def _both_ways(k: Kernel, *args):
    """Run ``k`` interpreted and compiled on separate copies of its arguments."""
    copies = [[a.copy() if isinstance(a, np.ndarray) else a for a in args] for _ in range(2)]
    k.interpreted(*copies[0])
    k.compiled(*copies[1])
    return copies


def _assert_same_bits(copies):
    for a, b in zip(*copies, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)


def test_pelvis_kinematics_interpreted_is_compiled_bit_for_bit():
    s = _walk().samples
    f = orientation.OrientationFilter(RATE)
    q = f.update(s.gyr, s.acc)
    # Turned about the vertical so that the walk's turns cross ±180° of heading.
    c, z = np.cos(-0.35), np.sin(-0.35)
    quat = np.stack([c * q[:, 0] - z * q[:, 3], c * q[:, 1] - z * q[:, 2],
                     c * q[:, 2] + z * q[:, 1], c * q[:, 3] + z * q[:, 0]], axis=1)
    n = len(quat)
    turn = np.radians(25.0)  # a tilted mounting: every matrix entry in use
    c = np.array([[np.cos(turn), 0, np.sin(turn)], [0, 1, 0], [-np.sin(turn), 0, np.cos(turn)]])
    copies = _both_ways(kinematics._kernel, n, quat, f.up, np.ascontiguousarray(s.acc),
                        c.ravel(), np.zeros(3), np.empty((6, n)))
    _assert_same_bits(copies)
    heading = copies[0][6][2]
    assert np.abs(heading).max() > np.pi + 0.3  # the unwrapping was exercised


def test_biquad_and_device_orientation_interpreted_are_compiled_bit_for_bit():
    rng = np.random.default_rng(5)
    x = 40 + np.cumsum(rng.normal(0, 0.01, 5000))
    b, a = filters.butter2_highpass(0.2, RATE)
    zi = filters.biquad_steady_state(b, a) * x[0]
    _assert_same_bits(_both_ways(filters._biquad, len(x), b[0], b[1], b[2], a[1], a[2], x, zi,
                                 np.empty(len(x))))
    s = _walk().samples
    quat = orientation.OrientationFilter(RATE).update(s.gyr, s.acc)  # as a sensor would send
    quat[1::2] *= -1  # in either hemisphere
    n = len(quat)
    _assert_same_bits(_both_ways(device_orientation._run, n, quat, 1 / RATE, np.zeros(5),
                                 np.empty((n, 4)), np.empty((n, 3)), np.empty((n, 3))))


def test_short_calls_are_interpreted_and_long_ones_compiled(monkeypatch):
    @kernel("out")
    def double(n, x, out):
        for i in range(n):
            out[i] = 2.0 * x[i]

    monkeypatch.setattr(kernels, "COMPILE_FROM_SAMPLES", 100)
    x = np.arange(99.0)
    out = np.empty(99)
    double(99, x, out)
    np.testing.assert_array_equal(out, 2 * x)
    assert double._compiled is None
    x = np.arange(100.0)
    out = np.empty(100)
    double(100, x, out)
    np.testing.assert_array_equal(out, 2 * x)
    assert double._compiled is not None


def test_the_live_engines_thread_never_compiles(monkeypatch):
    """A calibration that ends late flushes minutes of samples at once: on the engine's
    thread that stays interpreted (no compiler in the app)."""
    import threading

    @kernel("out")
    def triple(n, x, out):
        for i in range(n):
            out[i] = 3.0 * x[i]

    monkeypatch.setattr(kernels, "COMPILE_FROM_SAMPLES", 100)
    x, out = np.arange(500.0), np.empty(500)

    def engine_thread():
        kernels.interpret_on_this_thread()
        triple(500, x, out)

    worker = threading.Thread(target=engine_thread)
    worker.start()
    worker.join()
    np.testing.assert_array_equal(out, 3 * x)
    assert triple._compiled is None
    triple(500, x, out)  # another thread (a review's analysis) compiles as usual
    assert triple._compiled is not None


def test_an_output_that_is_not_contiguous_is_refused():
    """Its flat view would be a copy: the results would silently be lost."""
    out = np.empty((6, 20))[:, :10]
    with pytest.raises(ValueError, match="contiguous"):
        kinematics._kernel.interpreted(10, np.tile([1.0, 0, 0, 0], 10), np.tile([0, 0, 1.0], 10),
                                       np.zeros(30), np.eye(3).ravel(), np.zeros(3), out)


def test_long_batch_compiled_equals_live_packets_interpreted():
    """Beyond the threshold the batch call is compiled; the 10-sample packets are interpreted:
    the same steps and the same angles, bit for bit."""
    rec = simulated("walk-varied", seed=4, seconds=300)
    assert len(rec.samples) >= kernels.COMPILE_FROM_SAMPLES
    batch = Pipeline(RATE)
    batch.push(rec.samples)
    live = Pipeline(RATE)
    for first in range(0, len(rec.samples), 10):
        live.push(rec.samples.slice(first, first + 10))
    np.testing.assert_array_equal(live.obliquity.view, batch.obliquity.view)
    assert live.finish().to_dict() == batch.finish().to_dict()


LIVE_SESSIONS = """
import sys
import imu_monitor.app.main_window
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate
for scenario, drill in (("trendelenburg-right", "walk"), ("hip-hike", "hip-hike")):
    samples = simulate(get_scenario(scenario).build(40), 200.0, seed=1).samples
    pipeline = Pipeline(200.0, PipelineConfig(drill=drill))
    for first in range(0, len(samples), 10):
        pipeline.push(samples.slice(first, first + 10))
    result = pipeline.drill_so_far()
    assert pipeline.steps if drill == "walk" else result.blocks[0].reps, "nothing found"
print("numba" in sys.modules, "scipy.signal" in sys.modules)
"""


def test_live_sessions_never_load_numba_or_scipy_signal():
    """A walk and a rep drill, as the app runs them: no compiler, no scipy.signal (about
    130 MB together)."""
    out = subprocess.run([sys.executable, "-c", LIVE_SESSIONS], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1],
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.split() == ["False", "False"]


def test_single_precision_input_gives_the_same_angles_both_ways(monkeypatch):
    """Compiled code would compute in float32 if handed float32: inputs are cast first."""
    s = _walk().samples
    f = orientation.OrientationFilter(RATE)
    quat = f.update(s.gyr, s.acc).astype(np.float32)
    up, acc = f.up.astype(np.float32), s.acc.astype(np.float32)
    cal = type("Cal", (), {"pelvis_from_sensor": np.eye(3)})()
    outputs = []
    for threshold in (10**9, 1):  # interpreted, then compiled
        monkeypatch.setattr(kernels, "COMPILE_FROM_SAMPLES", threshold)
        k = kinematics.PelvisKinematics(cal, RATE)
        b = k.update(quat, up, acc)
        outputs.append(np.stack([b.obliquity_deg, b.tilt_deg, b.rotation_deg, b.forward_acc,
                                 b.lateral_acc, b.vertical_acc]))
    np.testing.assert_array_equal(outputs[0], outputs[1])
