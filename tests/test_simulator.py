"""The simulator is physics, not decoration: its signals must be consistent with its truth."""

import itertools

import numpy as np
import pytest

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.rotations import baker_to_matrix, rotation_vector_to_matrix
from imu_monitor.simulation.activities import Gait, Stand
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.sensor_model import SensorErrors, simulate
from imu_monitor.sources.simulated import SimulatedSensor


def test_standing_sensor_reads_gravity_along_up():
    rec = simulate([Stand(3.0)], 100.0, seed=3, errors=SensorErrors.none())
    up_sensor = rec.truth.pelvis_from_sensor.T @ np.array([0, 0, 1.0])
    mean = rec.samples.acc.mean(axis=0)
    assert np.linalg.norm(mean) == pytest.approx(GRAVITY_MPS2, abs=0.01)
    assert np.degrees(np.arccos(mean @ up_sensor / np.linalg.norm(mean))) < 0.3


@pytest.mark.parametrize("turn_deg", [0.0, 180.0])
def test_gyro_integrates_to_the_true_orientation(turn_deg):
    """Integrating the simulated gyro reproduces the true pelvis orientation (walk + turn)."""
    rate = 200.0
    rec = simulate([Stand(1.0), Gait(8.0, turn_deg=turn_deg)], rate, seed=5,
                   mounting="x=up,y=right,z=forward", errors=SensorErrors.none())
    t = rec.truth
    world_from_sensor = t.world_from_sensor()
    steps = rotation_vector_to_matrix(rec.samples.gyr / rate)
    r = world_from_sensor[0]
    worst = 0.0
    for k in range(len(steps) - 1):
        r = r @ steps[k]
        cos = (np.trace(world_from_sensor[k + 1].T @ r) - 1) / 2
        worst = max(worst, float(np.degrees(np.arccos(np.clip(cos, -1, 1)))))
    assert worst < 0.5
    assert abs(t.heading_deg[-1] - turn_deg) < 1.0


def test_specific_force_is_gravity_plus_the_second_derivative_of_motion():
    """Over a whole walk the mean world-frame specific force is gravity (velocity is bounded)."""
    rec = simulate([Stand(1.0), Gait(10.0), Stand(2.0)], 200.0, seed=2,
                   errors=SensorErrors.none())
    t = rec.truth
    world_from_sensor = baker_to_matrix(np.radians(t.heading_deg + t.rotation_deg),
                                        np.radians(t.obliquity_deg),
                                        np.radians(t.tilt_deg)) @ t.pelvis_from_sensor
    f_world = np.einsum("nij,nj->ni", world_from_sensor, rec.samples.acc)
    np.testing.assert_allclose(f_world.mean(axis=0), [0, 0, GRAVITY_MPS2], atol=0.02)
    # Walking really accelerates the body: vertical swings of a few m/s².
    assert np.ptp(f_world[:, 2]) > 4.0


def test_same_seed_same_data_and_different_seed_different_data():
    a = SimulatedSensor("symmetric-walk", 20, seed=4).samples
    b = SimulatedSensor("symmetric-walk", 20, seed=4).samples
    c = SimulatedSensor("symmetric-walk", 20, seed=5).samples
    np.testing.assert_array_equal(a.acc, b.acc)
    assert not np.allclose(a.acc, c.acc)


def test_packet_loss_shows_as_sequence_gaps():
    sensor = SimulatedSensor("symmetric-walk", 20, seed=2, packet_loss=0.1)
    packets = [p for p in sensor.stream() if hasattr(p, "seq")]
    seq = np.concatenate([p.seq for p in packets])
    assert np.all(np.diff(seq) >= 1)
    lost = len(sensor.samples) - len(seq)
    assert 0.05 * len(sensor.samples) < lost < 0.15 * len(sensor.samples)


def test_ideal_truth_steps_alternate_and_carry_the_configured_drop():
    rec = simulate([Stand(2.0), Gait(12.0, drop_left_stance_deg=3.0, drop_right_stance_deg=8.0)],
                   100.0, seed=1, realism=Realism.none())
    steady = [s for s in rec.truth.steps if s["amplitude"] > 0.99]
    sides = [s["side"] for s in steady]
    assert all(a != b for a, b in itertools.pairwise(sides))
    for s in steady:
        expected = 8.0 if s["side"] == "right" else 3.0
        assert s["peak_drop_deg"] == pytest.approx(expected, abs=0.05)
        # The peak comes 15–20 % of the stride after contact (real walkers: 16 %).
        assert 0.15 < (s["peak_time_s"] - s["time_s"]) * 110 / 120 < 0.2


def test_realistic_steps_vary_around_the_configured_drop_like_real_ones():
    """Each step its own drop: mean near the configured one, spread like real walkers'
    (IPOL: SD 0.3–1.0° at drops of 2–5°)."""
    rec = simulate([Stand(2.0), Gait(40.0, drop_left_stance_deg=3.0, drop_right_stance_deg=4.0)],
                   100.0, seed=1)
    steady = [s for s in rec.truth.steps if s["amplitude"] > 0.99]
    sides = [s["side"] for s in steady]
    assert all(a != b for a, b in itertools.pairwise(sides))
    for side, expected in (("left", 3.0), ("right", 4.0)):
        drops = np.array([s["peak_drop_deg"] for s in steady if s["side"] == side])
        assert abs(drops.mean() - expected) < 1.0
        assert 0.3 < drops.std() < 1.0
    step_times = np.diff([s["time_s"] for s in steady])
    assert 0.02 < step_times.std() / step_times.mean() < 0.05
