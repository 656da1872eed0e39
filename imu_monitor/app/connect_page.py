"""The connect screen: the sensors in range, the demo sensor, the last one used, and the state.

Scanning runs on a worker thread (it takes seconds); the list fills when it returns. The demo
(simulated) sensor is always listed, so the app is usable without hardware.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imu_monitor.app import theme
from imu_monitor.app.widgets.choices import compact_choices
from imu_monitor.app.workers import run_in_thread
from imu_monitor.simulation.scenarios import SCENARIOS

STATE_TEXT = {
    "idle": "Not connected. Pick a sensor and press Connect.",
    "searching": "Searching for sensors…",
    "connecting": "Connecting to {name}…",
    "streaming": "Streaming from {name}.",
    "no data": "No data from {name} — is it switched on and within 10 m?",
    "reconnecting": "Sensor lost — reconnecting (recording continues).",
    "ended": "{name} stopped sending (end of the stream).",
    "failed": "The connection to {name} failed.",
}


@dataclass(frozen=True)
class SensorEntry:
    """One line of the list: what to show and the source spec to connect to."""

    spec: str  # "sim:SCENARIO" or "ble:ADDRESS"
    name: str
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}    {self.detail}".rstrip()


def bluetooth_scan(timeout_s: float = 5.0) -> list[SensorEntry]:
    """Sensors in range, through the Bluetooth link (imported only when scanning)."""
    from imu_monitor.link.ble import scan

    entries = []
    for found in scan(timeout_s):
        battery = "" if found.battery_percent is None else f" · battery {found.battery_percent}%"
        entries.append(SensorEntry(f"ble:{found.address}", found.name or found.address,
                                   f"{found.family} · {found.address} · signal "
                                   f"{found.rssi_dbm} dBm{battery}"))
    return entries


class ConnectPage(QWidget):
    """Emits ``connect_requested(spec, name)`` and ``disconnect_requested``."""

    connect_requested = Signal(str, str)
    disconnect_requested = Signal()

    def __init__(self, scan: Callable[[], list[SensorEntry]] = bluetooth_scan) -> None:
        super().__init__()
        self._scan = scan
        self.state = QLabel(STATE_TEXT["idle"])
        theme.set_point_size(self.state, 18)
        self.state.setWordWrap(True)
        self.sensors = QListWidget()
        self.sensors.setAlternatingRowColors(True)
        self.sensors.itemDoubleClicked.connect(lambda _: self._connect())
        theme.set_point_size(self.sensors, 14)
        self.scenario = QComboBox()
        for name, sc in SCENARIOS.items():
            self.scenario.addItem(f"{name} — {sc.description}", name)
        compact_choices(self.scenario, 48)
        self.scenario.currentIndexChanged.connect(lambda _: self._refresh_list())
        self.search_button = QPushButton("Search for sensors")
        self.search_button.clicked.connect(self.search)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self._connect)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.clicked.connect(self.disconnect_requested)
        self.disconnect_button.setEnabled(False)  # until connected
        buttons = QHBoxLayout()
        buttons.addWidget(self.search_button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        buttons.addWidget(self.connect_button)
        demo_row = QHBoxLayout()
        demo_row.addWidget(QLabel("Demo sensor plays:"))
        demo_row.addWidget(self.scenario, 1)
        hint = QLabel("Switch the sensor on and clip it over the sacrum (any way up). Sensors "
                      "of our open profile, WitMotion and Movella DOT are found.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(hint)
        layout.addWidget(self.sensors, 1)
        layout.addLayout(demo_row)
        layout.addLayout(buttons)
        self._last: SensorEntry | None = None
        self._found: list[SensorEntry] = []
        self._refresh_list()

    # ---------------------------------------------------------------- list
    def demo_entry(self) -> SensorEntry:
        scenario = self.scenario.currentData()
        return SensorEntry(f"sim:{scenario}", "Demo sensor (simulated)",
                           f"plays “{scenario}” in real time")

    def set_last(self, spec: str, name: str) -> None:
        """The sensor connected last time (listed first, selected)."""
        if spec.startswith("sim:"):
            index = self.scenario.findData(spec.partition(":")[2])
            if index >= 0:
                self.scenario.setCurrentIndex(index)
            self._last = None
        elif spec:
            self._last = SensorEntry(spec, name or spec, "last used")
        self._refresh_list()

    def _refresh_list(self) -> None:
        entries = []
        if self._last is not None and all(e.spec != self._last.spec for e in self._found):
            entries.append(self._last)
        entries += self._found
        entries.append(self.demo_entry())
        self.sensors.clear()
        for entry in entries:
            item = QListWidgetItem(entry.label)
            item.setData(Qt.ItemDataRole.UserRole, entry)
            self.sensors.addItem(item)
        self.sensors.setCurrentRow(0)

    def entries(self) -> list[SensorEntry]:
        return [self.sensors.item(k).data(Qt.ItemDataRole.UserRole)
                for k in range(self.sensors.count())]

    # -------------------------------------------------------------- actions
    def search(self) -> None:
        self.show_state("searching")
        self.search_button.setEnabled(False)
        run_in_thread(self._scan, self._scan_done, self._scan_failed,
                      "searching for sensors")

    def _scan_done(self, found: list[SensorEntry]) -> None:
        self.search_button.setEnabled(True)
        self._found = list(found)
        self._refresh_list()
        self.state.setText(f"Found {len(found)} sensor{'s' if len(found) != 1 else ''}. Pick "
                           "one and press Connect." if found else
                           "No sensor found — is it charged and within 10 m? The demo sensor "
                           "is always available.")

    def _scan_failed(self, message: str) -> None:
        self.search_button.setEnabled(True)
        self.state.setText(f"{message} The demo sensor is always available.")

    def _connect(self) -> None:
        item = self.sensors.currentItem()
        if item is None:
            return
        entry: SensorEntry = item.data(Qt.ItemDataRole.UserRole)
        self.connect_requested.emit(entry.spec, entry.name)

    def show_state(self, state: str, name: str = "") -> None:
        self.state.setText(STATE_TEXT.get(state, state).format(name=name or "the sensor"))
        if state != "searching":  # a search while connected leaves the link as it is
            self.disconnect_button.setEnabled(state != "idle")
