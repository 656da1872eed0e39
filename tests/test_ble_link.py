"""The BLE link end to end through bleak's real BlueZ backend, against the fake BlueZ."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from imu_monitor.errors import BluetoothOffError, NoSensorFoundError, SensorUnreachableError
from imu_monitor.link.ble import BleSource, scan
from imu_monitor.link.families import WITMOTION_UNLOCK
from imu_monitor.link.stats import LinkState
from imu_monitor.recording import RecordingWriter, open_recording
from imu_monitor.samples import SampleBatch, StatusKind
from tests.ble_helpers import Collector


def test_scan_finds_sensors_of_each_family(fake_bluez):
    fake_bluez.add_sensor("imu_monitor", "SCAN-V1", "C0:00:00:00:01:01", battery=64)
    fake_bluez.add_sensor("witmotion", "SCAN-WT", "C0:00:00:00:01:02")
    found = {s.name: s for s in scan(1.0)}
    assert found["SCAN-V1"].family == "imu_monitor"
    assert found["SCAN-V1"].address == "C0:00:00:00:01:01"
    assert found["SCAN-V1"].battery_percent == 64
    assert -100 < found["SCAN-V1"].rssi_dbm < 0
    assert found["SCAN-WT"].family == "witmotion"


@pytest.mark.parametrize("rate_hz", [100.0, 200.0])
def test_every_notification_arrives_with_the_simulators_values(fake_bluez, rate_hz):
    name = f"RATE-{rate_hz:g}"
    sensor = fake_bluez.add_sensor("imu_monitor", name, f"C0:00:00:00:02:{int(rate_hz) % 256:02X}",
                                   rate_hz=rate_hz)
    source = BleSource(name, rate_hz=rate_hz)
    collector = Collector(source)
    collector.wait_for(lambda: len(collector.samples()) >= rate_hz)
    assert source.stats.state is LinkState.STREAMING
    collector.close()
    got = collector.samples()
    sent = sensor.sent()
    assert len(got) == sum(n for _, n, _ in sent)  # nothing lost on a clean link
    np.testing.assert_array_equal(got.seq, np.arange(len(got)))
    acc, gyr = sensor.peripheral.samples(0, len(got))
    np.testing.assert_array_equal(got.acc, acc)
    np.testing.assert_array_equal(got.gyr, gyr)
    # Session time from the device clock: monotonic, one sample period apart.
    assert got.time_s[0] == 0.0
    np.testing.assert_allclose(np.diff(got.time_s), 1 / rate_hz, atol=2e-3)
    kinds = [e.kind for e in collector.events()]
    assert kinds[:2] == [StatusKind.CONNECTED, StatusKind.BATTERY]
    assert source.stats.lost_percent == 0.0


def test_start_and_stop_commands_reach_the_control_point(fake_bluez):
    sensor = fake_bluez.add_sensor("imu_monitor", "CTRL-V1", "C0:00:00:00:03:01")
    source = BleSource("c0:00:00:00:03:01", rate_hz=200.0)  # an address works as well
    source.close()
    assert sensor.writes() == [b"\x03" + struct.pack("<H", 200), b"\x01", b"\x02"]


def test_witmotion_is_configured_and_decoded(fake_bluez):
    sensor = fake_bluez.add_sensor("witmotion", "CTRL-WT", "C0:00:00:00:03:02",
                                   samples_per_packet=1, rate_hz=100.0)
    source = BleSource("CTRL-WT", rate_hz=100.0)
    collector = Collector(source)
    collector.wait_for(lambda: len(collector.samples()) >= 50)
    collector.close()
    assert sensor.writes() == [WITMOTION_UNLOCK, b"\xff\xaa\x03\x09\x00"]
    got = collector.samples()
    acc, gyr = sensor.peripheral.samples(0, len(got))
    np.testing.assert_array_equal(got.acc, acc)
    np.testing.assert_array_equal(got.gyr, gyr)
    assert np.all(np.diff(got.time_s) > 0)


def test_packet_loss_and_reordering_are_counted_as_gaps(fake_bluez):
    sensor = fake_bluez.add_sensor("imu_monitor", "LOSSY", "C0:00:00:00:04:01", rate_hz=200.0,
                                   samples_per_packet=5)
    sensor.set_link(loss=0.1, reorder_every=7)
    source = BleSource("LOSSY", rate_hz=200.0)
    collector = Collector(source)
    collector.wait_for(lambda: len(sensor.dropped()) >= 3 and len(sensor.late()) >= 3)
    collector.close()
    got = collector.samples()
    late = sensor.late()
    arrived = [(first, n) for first, n, _ in sensor.sent() if (first, n) not in late]
    expected = np.concatenate([np.arange(first, first + n) for first, n in arrived])
    np.testing.assert_array_equal(got.seq, expected)  # the gaps are in seq, nothing invented
    lost = int(expected[-1]) + 1 - len(expected)
    stats = source.stats
    assert stats.samples_lost == lost > 0
    assert stats.packets_rejected == len(late)  # a late packet is refused, not re-ordered
    assert sum(e.value for e in collector.events(StatusKind.PACKETS_LOST)) == lost
    assert stats.lost_percent == pytest.approx(100 * lost / (lost + len(got)))


def test_sensor_vanishing_mid_recording_comes_back_into_the_same_file(fake_bluez, tmp_path):
    sensor = fake_bluez.add_sensor("imu_monitor", "VANISH", "C0:00:00:00:05:01", rate_hz=200.0)
    source = BleSource("VANISH", rate_hz=200.0)
    path = tmp_path / "session.imurec"
    writer = RecordingWriter(path, source.info.rate_hz, {"source": "ble:VANISH"})

    def record(item):
        if isinstance(item, SampleBatch):
            writer.append(item)
        else:
            writer.add_event(item)

    collector = Collector(source, record)
    collector.wait_for(lambda: len(collector.samples()) >= 100)
    sensor.vanish()
    collector.wait_for(lambda: collector.events(StatusKind.LOST))
    assert "reconnecting (recording continues)" in collector.events(StatusKind.LOST)[0].message
    collector.wait_for(lambda: collector.events(StatusKind.NO_DATA))
    time.sleep(0.5)  # the sensor stays away for a while (nothing to wait for: it is gone)
    assert source.stats.state is LinkState.LOST_RECONNECTING
    sensor.reappear()
    collector.wait_for(lambda: len(collector.events(StatusKind.CONNECTED)) == 2)
    collector.wait_for(lambda: collector.samples().seq[-1] - collector.samples().seq[0] > 400)
    collector.close()
    writer.close()

    rec = open_recording(path)
    sent = sensor.sent()
    assert len(rec.samples) == sum(n for _, n, _ in sent)  # everything received was kept
    jumps = np.flatnonzero(np.diff(rec.samples.seq) != 1)
    assert len(jumps) == 1  # one gap: the outage, in sequence numbers ...
    gap_samples = int(np.diff(rec.samples.seq)[jumps[0]]) - 1
    gap_s = float(np.diff(rec.samples.time_s)[jumps[0]])
    assert gap_samples == pytest.approx(gap_s * 200.0, abs=4)  # ... and in time
    assert gap_s > 0.5
    kinds = [e["kind"] for e in rec.events]
    assert kinds.count("connected") == 2 and "lost" in kinds
    gap = next(e for e in rec.events if e["kind"] == "gap")
    assert gap["value"] == gap_samples
    assert rec.lost_samples == gap_samples
    assert source.stats.reconnects == 1


def test_services_that_never_resolve_give_a_clear_error_in_time(fake_bluez):
    fake_bluez.add_sensor("imu_monitor", "STUCK", "C0:00:00:00:06:01", never_resolve=True)
    start = time.monotonic()
    with pytest.raises(SensorUnreachableError, match="did not complete the connection within 1 s"):
        BleSource("STUCK", connect_timeout_s=1.0)
    assert time.monotonic() - start < 4.0


def test_no_such_sensor(fake_bluez):
    with pytest.raises(NoSensorFoundError, match="is it charged and within 10 m"):
        BleSource("NOBODY", scan_timeout_s=0.3)


def test_bluetooth_off_is_said_in_words(fake_bluez):
    fake_bluez.set_powered(False)
    try:
        with pytest.raises(BluetoothOffError, match=r"^Bluetooth is off"):
            scan(0.3)
        with pytest.raises(BluetoothOffError, match=r"^Bluetooth is off"):
            BleSource("ANY", scan_timeout_s=0.3)
    finally:
        fake_bluez.set_powered(True)


def test_a_computer_without_any_bluetooth_service_is_not_told_to_switch_it_on(tmp_path):
    """No system bus (or no BlueZ on it): not 'Bluetooth is off'."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"}
    result = subprocess.run([sys.executable, "-m", "imu_monitor", "scan", "--timeout", "1"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert "This computer has no Bluetooth" in result.stderr
    assert "switch it on" not in result.stderr
