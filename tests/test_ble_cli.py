"""``imu-monitor scan``, ``stream`` and ``record`` with a Bluetooth sensor, end to end: a
subprocess on the private bus of the fake BlueZ, as a user would run them."""

import json
import subprocess
import sys

from imu_monitor.recording import open_recording


def run(fake_bluez, *args):
    return subprocess.run([sys.executable, "-m", "imu_monitor", *map(str, args)],
                          capture_output=True, text=True, timeout=60, env=fake_bluez.env)


def test_scan_lists_name_address_signal_battery_family_of_each_sensor(fake_bluez):
    fake_bluez.add_sensor("imu_monitor", "CLI-SCAN", "C0:00:00:00:07:01", battery=55)
    fake_bluez.add_sensor("movella_dot", "CLI-DOT", "C0:00:00:00:07:04")
    result = run(fake_bluez, "scan", "--timeout", "1", "--json")
    assert result.returncode == 0, result.stderr
    sensors = {s["name"]: s for s in json.loads(result.stdout)["sensors"]}
    assert sensors["CLI-SCAN"] == {"name": "CLI-SCAN", "address": "C0:00:00:00:07:01",
                                   "rssi_dbm": sensors["CLI-SCAN"]["rssi_dbm"],
                                   "battery_percent": 55, "family": "imu_monitor"}
    assert sensors["CLI-DOT"]["family"] == "movella_dot"
    text = run(fake_bluez, "scan", "--timeout", "1").stdout
    assert "CLI-SCAN" in text and "55 %" in text and "dBm" in text
    assert "CLI-DOT" in text and "movella_dot" in text


def test_stream_prints_steps_live_from_a_sensor(fake_bluez):
    fake_bluez.add_sensor("imu_monitor", "CLI-STREAM", "C0:00:00:00:07:02", rate_hz=100.0)
    result = run(fake_bluez, "stream", "--source", "ble:CLI-STREAM", "--seconds", "10")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[Sensor CLI-STREAM connected.]" in out
    assert "Calibrated" in out
    assert "RIGHT stance" in out and "LEFT stance" in out


def test_record_from_a_sensor(fake_bluez, tmp_path):
    fake_bluez.add_sensor("imu_monitor", "CLI-REC", "C0:00:00:00:07:03", rate_hz=200.0)
    path = tmp_path / "rec.imurec"
    result = run(fake_bluez, "record", "--source", "ble:CLI-REC", "--rate", "200",
                 "--seconds", "5", "--patient", "P-7", "-o", path)
    assert result.returncode == 0, result.stderr
    rec = open_recording(path)
    assert rec.rate_hz == 200.0
    assert 900 < len(rec.samples) < 1100
    assert rec.metadata["device"]["protocol"] == "imu_monitor"
    assert rec.metadata["source"] == "ble:CLI-REC"
    assert [e["kind"] for e in rec.events][:2] == ["connected", "battery"]


def test_bluetooth_sentences_reach_the_terminal(fake_bluez):
    result = run(fake_bluez, "stream", "--source", "ble:NOBODY-HERE")
    assert result.returncode == 2
    assert "No sensor called NOBODY-HERE found — is it charged and within 10 m?" in result.stderr
