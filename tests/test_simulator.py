"""The simulator is physics, not decoration: its signals must be consistent with its truth."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.simulation.activities import Gait, Sit, Stand
from imu_monitor.simulation.motion import build_motion
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.scenarios import get_scenario
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
    """Integrating the simulated gyro (midpoint rule) reproduces the sensor's true orientation
    (walk + turn, the soft tissue rocking it on the bone)."""
    rate = 200.0
    rec = simulate([Stand(1.0), Gait(8.0, turn_deg=turn_deg)], rate, seed=5,
                   mounting="x=up,y=right,z=forward", errors=SensorErrors.none())
    t = rec.truth
    world_from_sensor = t.world_from_sensor()
    gyr = rec.samples.gyr
    steps = rotation_vector_to_matrix((gyr[:-1] + gyr[1:]) / 2 / rate)
    r = world_from_sensor[0]
    worst = 0.0
    for k in range(len(steps)):
        r = r @ steps[k]
        cos = (np.trace(world_from_sensor[k + 1].T @ r) - 1) / 2
        worst = max(worst, float(np.degrees(np.arccos(np.clip(cos, -1, 1)))))
    assert worst < 0.5
    assert abs(t.heading_deg[-1] - turn_deg) < 1.0


def _world_force(rec) -> np.ndarray:
    """Specific force less gravity, rotated into the world by the sensor's true orientation."""
    force = np.einsum("nij,nj->ni", rec.truth.world_from_sensor(), rec.samples.acc)
    return force - [0, 0, GRAVITY_MPS2]


def _world_velocity(rec) -> np.ndarray:
    return np.cumsum(_world_force(rec), axis=0) / rec.rate_hz


@pytest.mark.parametrize("realism", [Realism(), Realism.none()], ids=["realistic", "ideal"])
def test_specific_force_is_gravity_plus_the_second_derivative_of_motion(realism):
    """Integrated in the sensor's true orientation, the specific force less gravity gives a
    velocity that walks at ~1.25 m/s and is back to zero once the patient stands again."""
    rec = simulate([Stand(2.0), Gait(10.0, turn_deg=180.0), Stand(3.0)], 200.0, seed=2,
                   errors=SensorErrors.none(), realism=realism)
    velocity = _world_velocity(rec)
    np.testing.assert_allclose(velocity[-1], 0.0, atol=0.01)
    assert 1.0 < np.percentile(np.linalg.norm(velocity[:, :2], axis=1), 75) < 1.6
    # Walking really accelerates the body: vertical swings of a few m/s².
    assert np.ptp(np.diff(velocity[:, 2]) * rec.rate_hz) > 4.0


def test_soft_tissue_moves_the_sensor_not_the_truth():
    """The sensor rocks and slides on the bone (less than a degree, mostly above 10 Hz); the
    truth, which is the bone, is exactly that of a rigid sensor."""
    activities = [Stand(2.0), Gait(12.0), Stand(2.0)]
    soft = simulate(activities, 200.0, seed=4, errors=SensorErrors.none())
    rigid = simulate(activities, 200.0, seed=4, errors=SensorErrors.none(),
                     realism=replace(Realism(), tissue=None))
    for name in ("obliquity_deg", "tilt_deg", "rotation_deg", "heading_deg"):
        np.testing.assert_array_equal(getattr(soft.truth, name), getattr(rigid.truth, name))
    assert soft.truth.steps == rigid.truth.steps
    rocking = np.degrees(np.linalg.norm(soft.truth.tissue_rotation_rad, axis=1))
    assert 0.1 < np.sqrt(np.mean(rocking**2)) < 1.0 and rocking.max() < 3.0
    assert rocking[:200].max() < 0.1 * rocking.max()  # standing, the tissue barely moves

    def high_share(gyr: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(gyr - gyr.mean(axis=0), axis=0)) ** 2
        freqs = np.fft.rfftfreq(len(gyr), 1 / 200.0)
        return float(spectrum[freqs > 10].sum() / spectrum.sum())

    assert high_share(soft.samples.gyr) > 3 * high_share(rigid.samples.gyr)


def test_contact_jolts_and_steps_vary_without_drifting():
    """Heel strikes jolt the pelvis upwards within 50 ms of each contact, and the rest of the
    step gives the velocity back: the body neither rises nor sinks."""
    walk = [Stand(2.0), Gait(20.0), Stand(2.0)]
    rigid = replace(Realism(), tissue=None)

    def jolts(realism: Realism) -> float:
        rec = simulate(walk, 200.0, seed=6, errors=SensorErrors.none(), realism=realism)
        up = _world_force(rec)[:, 2]
        return float(np.median([up[round(s["time_s"] * 200):][:10].max()
                                for s in rec.truth.steps if s["amplitude"] > 0.99]))

    assert jolts(rigid) > jolts(Realism.none()) + 2.0
    height = build_motion(walk, 400.0, 6, rigid).position[:, 2]
    assert 0.02 < np.ptp(height) < 0.08  # a few centimetres of bounce
    assert abs(height[-1] - height[0]) < 0.005  # and no drift


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


def test_the_configured_drop_is_the_walkers_mean_drop():
    """Each walker's own stride pattern reshapes the drop, not its size: over ten walkers the
    mean peak drop per side is the configured one (a walker's wiggles can lift a small drop
    by up to about a degree)."""
    offsets = []
    for seed in range(10):
        rec = simulate([Stand(2.0), Gait(30.0, drop_left_stance_deg=3.0,
                                         drop_right_stance_deg=8.0)], 100.0, seed=seed)
        for side, expected in (("left", 3.0), ("right", 8.0)):
            drops = [s["peak_drop_deg"] for s in rec.truth.steps
                     if s["amplitude"] > 0.99 and s["side"] == side]
            offsets.append(np.mean(drops) - expected)
    assert abs(np.mean(offsets)) < 0.4
    assert np.max(np.abs(offsets)) < 1.3


def test_pitched_mounting_pitches_standing_gravity_by_the_stated_angle():
    """A sensor pitched 20° on the sacrum (top forward) sees standing gravity turned by 20°,
    its forward axis dipping toward the ground."""
    flat = simulate([Stand(3.0)], 100.0, seed=3, mounting="x=up,y=right,z=forward",
                    errors=SensorErrors.none())
    pitched = simulate([Stand(3.0)], 100.0, seed=3, mounting="x=up,y=right,z=forward pitched 20°",
                       errors=SensorErrors.none())
    a, b = flat.samples.acc.mean(axis=0), pitched.samples.acc.mean(axis=0)
    angle = np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    assert angle == pytest.approx(20.0, abs=0.5)
    assert b[2] < a[2] - 0.25 * GRAVITY_MPS2  # z (forward) now points 20° below horizontal


def test_a_mounting_that_cannot_be_read_is_explained():
    with pytest.raises(InputDataError, match="pitched 20°"):
        simulate([Stand(1.0)], 100.0, seed=1, mounting="x=up,y=right,z=forward pitched a bit")


@pytest.mark.parametrize("degrees, seconds", [(180.0, 1.8), (-90.0, 1.2)])
def test_a_turn_lasts_what_was_asked_and_slows_the_walker(degrees, seconds):
    """The heading changes exactly by the turn, only during its seconds, 5–95 % of it in
    about 70 % of them (like real U-turns); the walker slows down into it."""
    rate = 200.0
    motion = build_motion([Stand(2.0), Gait(4.0), Gait(seconds + 2.0, turn_deg=degrees,
                                                      turn_seconds=seconds), Gait(4.0)], rate, 1)
    turning = np.flatnonzero(np.abs(np.diff(motion.heading)) > 1e-12)
    assert (turning[-1] - turning[0] + 1) / rate == pytest.approx(seconds, abs=2 / rate)
    assert turning[0] / rate == pytest.approx(6.0 + 1.0, abs=2 / rate)
    assert np.degrees(motion.heading[-1]) == pytest.approx(degrees, abs=1e-6)
    done = np.degrees(motion.heading) / degrees
    core = (np.argmax(done > 0.95) - np.argmax(done > 0.05)) / rate
    assert core == pytest.approx(0.7 * seconds, abs=0.1 * seconds)
    speed = np.linalg.norm(np.diff(motion.position[:, :2], axis=0), axis=1) * rate
    middle = round((7.0 + seconds / 2) * rate)
    pace = np.median(speed[round(3.0 * rate):round(5.5 * rate)])
    expected = 1 - 0.75 * abs(degrees) / 180  # a U-turn at 25 % of the pace, as real ones
    assert np.mean(speed[middle - 100:middle + 100]) / pace == pytest.approx(expected, abs=0.12)


def test_a_u_turn_looks_like_a_real_one():
    """IPOL walkers: peak yaw rate 130–250 °/s, heading 5–95 % in 1.0–2.0 s."""
    rec = simulate([Stand(2.0), Gait(4.0), Gait(3.0, turn_deg=180.0), Gait(4.0)], 100.0,
                   seed=2, errors=SensorErrors.none())
    yaw_rate = np.einsum("nij,nj->ni", rec.truth.world_from_sensor(), rec.samples.gyr)[:, 2]
    smooth = np.convolve(yaw_rate, np.ones(25) / 25, mode="same")
    assert 130 < np.degrees(np.abs(smooth).max()) < 250
    done = rec.truth.heading_deg / 180.0
    assert 1.0 < (np.argmax(done > 0.95) - np.argmax(done > 0.05)) / 100 < 2.0


def test_sitting_lowers_the_pelvis_and_tilts_it_back_with_the_sensor_still():
    rec = simulate([Stand(2.0), Sit(12.0), Stand(2.0)], 100.0, seed=1,
                   errors=SensorErrors.none())
    seated = slice(round(5.0 * 100), round(10.0 * 100))
    assert np.all(rec.truth.tilt_deg[seated] < -10.0)
    assert np.abs(rec.truth.obliquity_deg[seated]).max() < 0.5
    assert np.linalg.norm(rec.samples.acc[seated].mean(axis=0)) == pytest.approx(GRAVITY_MPS2,
                                                                                  abs=0.01)
    assert np.degrees(np.abs(rec.samples.gyr[seated]).max()) < 2.0
    np.testing.assert_allclose(_world_velocity(rec)[-1], 0.0, atol=0.01)


def test_same_seed_same_realistic_walk():
    walk = [Stand(2.0), Gait(10.0)]
    a, b = simulate(walk, 100.0, seed=8), simulate(walk, 100.0, seed=8)
    np.testing.assert_array_equal(a.samples.gyr, b.samples.gyr)
    assert a.truth.steps == b.truth.steps
    other = simulate(walk, 100.0, seed=9)
    assert [s["time_s"] for s in other.truth.steps] != [s["time_s"] for s in a.truth.steps]


NEW_SCENARIOS = ["walk-10m", "room-4m", "everyday", "turns-frequent", "treadmill",
                 "pitched-sensor", "run-intervals"]


@pytest.mark.parametrize("name", NEW_SCENARIOS)
def test_new_scenarios_yield_at_least_twenty_full_steps(name):
    scenario = get_scenario(name)
    rec = simulate(scenario.build(scenario.default_seconds), 100.0, seed=1,
                   mounting=scenario.mounting)
    full = [s for s in rec.truth.steps if s["amplitude"] > 0.8]
    assert len(full) >= 20
    sides = [s["side"] for s in full]
    assert 0.4 < sides.count("left") / len(sides) < 0.6


def _turn_starts(name: str) -> np.ndarray:
    activities = get_scenario(name).build(get_scenario(name).default_seconds)
    starts, clock = [], 0.0
    for act in activities:
        if isinstance(act, Gait) and act.turn_deg:
            starts.append(clock + (act.seconds - act.turn_seconds) / 2)
        clock += act.seconds
    return np.array(starts)


@pytest.mark.parametrize("name, low, high", [("room-4m", 3.0, 5.0), ("everyday", 3.0, 12.0),
                                             ("turns-frequent", 10.0, 30.0)])
def test_scenarios_turn_as_often_as_they_say(name, low, high):
    gaps = np.diff(_turn_starts(name))
    assert len(gaps) >= 4
    assert low <= np.median(gaps) <= high


def test_room_walks_stay_inside_four_metres():
    scenario = get_scenario("room-4m")
    motion = build_motion(scenario.build(scenario.default_seconds), 100.0, 1)
    assert np.all(np.ptp(motion.position[:, :2], axis=0) < 4.0)


def test_treadmill_walks_from_the_first_sample_and_everyday_sits():
    rec = simulate(get_scenario("treadmill").build(30.0), 100.0, seed=1)
    assert rec.truth.steps[0]["time_s"] < 0.7 and rec.truth.steps[0]["amplitude"] > 0.95
    everyday = get_scenario("everyday")
    activities = everyday.build(everyday.default_seconds)
    assert 120.0 <= sum(a.seconds for a in activities) <= 240.0
    assert any(isinstance(a, Sit) for a in activities)


def test_pitched_sensor_scenario_sits_pitched():
    scenario = get_scenario("pitched-sensor")
    rec = simulate(scenario.build(20.0), 100.0, seed=1, mounting=scenario.mounting,
                   errors=SensorErrors.none())
    standing = rec.samples.acc[:300].mean(axis=0)
    pitch = np.degrees(np.arcsin(-standing[2] / np.linalg.norm(standing)))
    assert 12.0 < pitch < 30.0


@pytest.mark.parametrize(("scenario", "seconds"), [("room-4m", 8.0), ("single-leg-stance", 15.5)])
def test_a_session_cut_short_has_no_truth_after_its_last_sample(scenario, seconds):
    """A scenario rounds its activities up to whole walks; a shorter session's truth must end
    where its samples do (a checker would otherwise look for steps never recorded)."""
    sc = get_scenario(scenario)
    raw = simulate(sc.build(seconds), 100.0, 31, sc.mounting).truth
    sensor = SimulatedSensor(scenario, seconds=seconds, rate_hz=100.0, seed=31)
    n = round(seconds * 100)
    assert len(sensor.samples) == n < len(raw.time_s)  # the activities ran on
    truth = sensor.truth
    assert len(truth.time_s) == len(truth.obliquity_deg) == len(truth.gyro_bias_radps) == n
    assert truth.steps == [step for step in raw.steps if step["time_s"] < seconds]
    assert len(truth.steps) < len(raw.steps) or len(truth.drills) < len(raw.drills)
    assert truth.drills == [d for d in raw.drills if d.get("end_s", d["start_s"]) < seconds]
