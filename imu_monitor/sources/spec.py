"""One way to name a source, shared by the command line and the app.

``sim`` or ``sim:SCENARIO`` (the simulated sensor), ``ble:ADDRESS_OR_NAME`` (a Bluetooth
sensor), the path of a recording (replayed) or of a file of samples (our CSV, or any format
``imu-monitor import`` reads: played like a sensor). The Bluetooth link is imported only when a
``ble:`` source is asked for, so nothing else needs bleak.
"""

from __future__ import annotations

from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.sources.base import Source

DEFAULT_SCENARIO = "trendelenburg-right"
SIM_OPTIONS = ("seconds", "rate_hz", "seed", "speed")
BLE_OPTIONS = ("rate_hz", "scan_timeout_s", "connect_timeout_s")


def open_source(spec: str, *, realtime: bool = True, **options) -> Source:
    """The source ``spec`` names. ``options``: for ``sim`` seconds, rate_hz, seed, speed; for
    ``ble`` rate_hz, scan_timeout_s, connect_timeout_s (others are ignored). ``realtime``
    paces the simulated sensor and a replayed recording like a live one."""
    kind, _, rest = spec.partition(":")
    if kind == "sim":
        from imu_monitor.sources.simulated import SimulatedSensor

        scenario = rest or DEFAULT_SCENARIO
        sim = {k: v for k, v in options.items() if k in SIM_OPTIONS and v is not None}
        return SimulatedSensor(scenario, realtime=realtime, **sim)
    if kind == "ble":
        if not rest:
            raise InputDataError("Name the sensor after 'ble:', e.g. ble:IMU-1 or "
                                 "ble:C0:FF:EE:00:00:01 (imu-monitor scan lists them).")
        from imu_monitor.link.ble import BleSource

        return BleSource(rest, **{k: v for k, v in options.items()
                                  if k in BLE_OPTIONS and v is not None})
    path = Path(spec)
    if path.is_file():
        from imu_monitor.recording import EXTENSION, is_recording
        from imu_monitor.sources.recording import RecordingReplay

        if is_recording(path) or path.suffix.lower() == EXTENSION:
            return RecordingReplay(path, speed=1.0 if realtime else None)
        from imu_monitor.sources.csv_file import ImportedFile

        return ImportedFile(path, speed=1.0 if realtime else None)
    raise InputDataError(f"'{spec}' is not a source: use sim, sim:SCENARIO, "
                         "ble:ADDRESS_OR_NAME, the path of a recording or a file of samples "
                         "(a CSV, or what a sensor's app exports).")
