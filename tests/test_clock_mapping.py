"""Device → host clock mapping against synthetic clocks with known offset, drift and jitter."""

import numpy as np
import pytest

from imu_monitor.link.clock import WRAP_S, ClockMapper

RATE = 200.0
PER_PACKET = 10


def run(mapper: ClockMapper, seconds: float, drift_ppm: float, offset_s: float = 1234.5,
        device_start_s: float = 0.0, host_start_s: float = 0.0, wrap: bool = False,
        seed: int = 0):
    """Feed packets of a device clock running (1 − drift) as fast as the host clock; arrival
    = host time of the newest sample + 3 ms + exponential jitter (mean 4 ms)."""
    rng = np.random.default_rng(seed)
    errors, drifts = [], []
    n_packets = int(seconds * RATE / PER_PACKET)
    for p in range(n_packets):
        host_true = host_start_s + (p * PER_PACKET + np.arange(PER_PACKET)) / RATE
        device = device_start_s + (host_true - host_start_s) * (1 - drift_ppm * 1e-6)
        if wrap:
            device = np.mod(device, WRAP_S)
        arrival = offset_s + host_true[-1] + 0.003 + rng.exponential(0.004)
        mapped = mapper.map(device, arrival)
        errors.append(mapped - (offset_s + host_true))
        drifts.append(mapper.drift_ppm)
    return np.concatenate(errors), np.array(drifts)


@pytest.mark.parametrize("drift_ppm", [-200.0, 0.0, 200.0])
def test_offset_and_drift_are_tracked(drift_ppm):
    mapper = ClockMapper()
    errors, drifts = run(mapper, 120.0, drift_ppm)
    late = errors[len(errors) // 4:]
    # Only the minimum latency (3 ms) and a little envelope noise remain.
    assert np.all(np.abs(late - 0.003) < 0.003), (late.min(), late.max())
    assert drifts[-1] == pytest.approx(drift_ppm, abs=25)


def test_times_never_go_backwards_despite_jitter():
    mapper = ClockMapper()
    errors, _ = run(mapper, 30.0, 150.0)
    times = np.arange(len(errors)) / RATE + errors
    assert np.all(np.diff(times) > 0)


def test_clock_wrap_is_undone():
    mapper = ClockMapper()
    errors, _ = run(mapper, 60.0, 100.0, device_start_s=WRAP_S - 20.0, wrap=True)
    assert mapper.restarts == 0
    assert np.all(np.abs(errors[len(errors) // 4:] - 0.003) < 0.003)


def test_device_restart_reanchors_and_keeps_time_going():
    mapper = ClockMapper()
    run(mapper, 60.0, 200.0)
    # The sensor was off for 5 s and its clock restarts at zero.
    errors, _ = run(mapper, 30.0, 200.0, device_start_s=0.0, host_start_s=65.0, seed=1)
    assert mapper.restarts == 1
    assert np.all(np.abs(errors - 0.003) < 0.03)
    assert np.all(np.abs(errors[len(errors) // 2:] - 0.003) < 0.003)


def test_a_late_first_packet_does_not_shorten_an_outage_in_sample_numbers():
    """The session's time starts at the first packet's arrival; when it came 0.25 s late, the
    mapping later corrects every time by that much. The samples an outage cost must come
    from the time elapsed across it, not from the corrected time itself (which had made a
    3 s outage 0.2 s short in sample numbers)."""
    from imu_monitor.link.timeline import SessionTimeline
    from imu_monitor.samples import SampleBatch

    timeline = SessionTimeline(RATE)
    rng = np.random.default_rng(3)

    def packets(device_start_s: float, host_start_s: float, seconds: float, first_late: float):
        out = []
        for p in range(int(seconds * RATE / PER_PACKET)):
            index = p * PER_PACKET + np.arange(PER_PACKET)
            arrival = host_start_s + index[-1] / RATE + 0.003 + rng.exponential(0.004)
            if p == 0:
                arrival += first_late
            batch = SampleBatch(device_start_s + index / RATE, index, np.zeros((10, 3)),
                                np.zeros((10, 3)))
            out.append(timeline.place(batch, arrival))
        return out

    before = packets(0.0, 100.0, 15.0, first_late=0.25)
    timeline.new_connection()  # the sensor was away 3 s; its clock restarted
    after = packets(0.0, 118.0, 5.0, first_late=0.0)
    missing = after[0][1]
    assert missing == pytest.approx(3.0 * RATE, abs=3)
    last, first = before[-1][0], after[0][0]
    assert int(first.seq[0]) - int(last.seq[-1]) - 1 == missing
    assert float(first.time_s[0] - last.time_s[-1]) == pytest.approx(3.0 + 1 / RATE, abs=0.02)
