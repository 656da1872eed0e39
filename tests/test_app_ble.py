"""The app on a Bluetooth sensor: Connect screen → scan → connect → live, through bleak's real
BlueZ backend against the fake BlueZ (the same window code as the simulated sensor)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from imu_monitor.app.main_window import MainWindow
from imu_monitor.app.settings import AppSettings


@pytest.fixture
def app_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("IMU_MONITOR_SETTINGS", str(tmp_path / "settings.ini"))
    settings = AppSettings()
    settings.recordings_folder = tmp_path / "recordings"
    w = MainWindow(settings)  # the real scan and sources
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    return w


def test_scan_connect_stream_and_reconnect_from_the_app(qtbot, app_window, fake_bluez):
    w = app_window
    sensor = fake_bluez.add_sensor("imu_monitor", "IMU-APP", "C0:FF:EE:00:0A:01", speed=4.0,
                                   battery=77)
    w.connect_page.search()
    qtbot.waitUntil(lambda: any(e.name == "IMU-APP" for e in w.connect_page.entries()),
                    timeout=20_000)
    row = next(k for k, e in enumerate(w.connect_page.entries()) if e.name == "IMU-APP")
    assert "77%" in w.connect_page.sensors.item(row).text()
    assert "dBm" in w.connect_page.sensors.item(row).text()
    w.connect_page.sensors.setCurrentRow(row)
    w.connect_page.connect_button.click()
    qtbot.waitUntil(lambda: w.engine is not None, timeout=20_000)
    qtbot.waitUntil(lambda: w.live_page.step_count >= 10, timeout=60_000)
    qtbot.waitUntil(lambda: "streaming" in w.health.text() and "77%" in w.health.text(),
                    timeout=15_000)
    assert w.settings.last_sensor == "ble:C0:FF:EE:00:0A:01"
    sensor.vanish()
    qtbot.waitUntil(lambda: "no data" in w.health.text() or "reconnecting" in w.health.text(),
                    timeout=30_000)
    assert w.engine.running  # the session goes on while the link is away
    sensor.reappear()
    steps = w.live_page.step_count
    qtbot.waitUntil(lambda: w.live_page.step_count > steps + 3, timeout=60_000)
    assert "streaming" in w.health.text()
    w.tabs.setCurrentWidget(w.connect_page)
    qtbot.keyClick(w.connect_page.sensors, Qt.Key.Key_Down)  # the list stays usable
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=15_000)
