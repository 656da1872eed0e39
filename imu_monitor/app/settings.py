"""What the app remembers between runs: thresholds, folder, last sensor, layout, looks.

Stored with QSettings in an INI file (per user; a test or a second clinic profile can point
it elsewhere with the ``IMU_MONITOR_SETTINGS`` environment variable).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from imu_monitor.recording.places import DEMO_FOLDER, prepared_recordings_folder


def _default_file() -> str:
    override = os.environ.get("IMU_MONITOR_SETTINGS")
    if override:
        return override
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation)
    return str(Path(folder or Path.home() / ".config" / "imu_monitor") / "settings.ini")


class AppSettings:
    """Typed access to the few things worth remembering."""

    def __init__(self, path: str | None = None) -> None:
        self._q = QSettings(path or _default_file(), QSettings.Format.IniFormat)

    def threshold(self, drill: str, default: float) -> float:
        return float(self._q.value(f"threshold/{drill}", default))

    def set_threshold(self, drill: str, value: float) -> None:
        self._q.setValue(f"threshold/{drill}", float(value))

    @property
    def recordings_folder(self) -> Path:
        """Where recordings go and the library looks: the per-user folder the first time
        (``prepared_recordings_folder``), remembered (then any folder chosen, except the
        source checkout's demo folder)."""
        value = self._q.value("recordings_folder")
        if value is None or Path(str(value)) == DEMO_FOLDER:
            # (earlier versions remembered the folder they were first started from: in a
            # source checkout, its demo folder, where patient data must not go)
            value = str(prepared_recordings_folder().resolve())
            self._q.setValue("recordings_folder", value)
        return Path(str(value))

    @recordings_folder.setter
    def recordings_folder(self, value: Path) -> None:
        self._q.setValue("recordings_folder", str(value))

    @property
    def last_sensor(self) -> str:
        """The source spec last connected (``sim:SCENARIO`` or ``ble:ADDRESS``)."""
        return str(self._q.value("last_sensor", ""))

    @last_sensor.setter
    def last_sensor(self, value: str) -> None:
        self._q.setValue("last_sensor", value)

    @property
    def last_sensor_name(self) -> str:
        return str(self._q.value("last_sensor_name", ""))

    @last_sensor_name.setter
    def last_sensor_name(self, value: str) -> None:
        self._q.setValue("last_sensor_name", value)

    @property
    def theme(self) -> str:
        return str(self._q.value("theme", "light"))

    @theme.setter
    def theme(self, value: str) -> None:
        self._q.setValue("theme", value)

    @property
    def sound(self) -> bool:
        return str(self._q.value("sound", "false")).lower() == "true"

    @sound.setter
    def sound(self, value: bool) -> None:
        self._q.setValue("sound", "true" if value else "false")

    @property
    def exaggeration(self) -> float:
        return float(self._q.value("exaggeration", 1.0))

    @exaggeration.setter
    def exaggeration(self, value: float) -> None:
        self._q.setValue("exaggeration", float(value))

    def splitter_state(self, name: str) -> QByteArray | None:
        return self._q.value(f"window/splitter_{name}")

    def save_splitter_state(self, name: str, state: QByteArray) -> None:
        self._q.setValue(f"window/splitter_{name}", state)

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._q.value("window/geometry"), self._q.value("window/state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)

    def sync(self) -> None:
        self._q.sync()
