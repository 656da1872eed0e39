"""Opening any source from one string, for the CLI and the app alike.

``sim`` / ``sim:SCENARIO`` (the simulated sensor, paced in real time unless told otherwise),
``ble:ADDRESS_OR_NAME`` (a Bluetooth sensor), or the path of a recording (replayed).
"""

from __future__ import annotations

from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.sources.base import Source
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.sources.simulated import SimulatedSensor

DEMO_SECONDS = 600.0  # a demo walk long enough to try every screen


def open_source(spec: str, *, realtime: bool = True, **options) -> Source:
    """The source ``spec`` names (see the module docstring); a sentence if it names none."""
    kind, _, rest = spec.partition(":")
    if kind == "sim":
        scenario = rest or "trendelenburg-right"
        get_scenario(scenario)  # a clear error for an unknown name
        options.setdefault("seconds", DEMO_SECONDS)
        return SimulatedSensor(scenario, realtime=realtime, **options)
    if kind == "ble":
        if not rest:
            raise InputDataError("Name the Bluetooth sensor: ble:ADDRESS or ble:NAME "
                                 "(imu-monitor scan lists them).")
        from imu_monitor.link import BleSource

        return BleSource(rest, **options)
    if Path(spec).exists():
        return RecordingReplay(spec, speed=1.0 if realtime else None, **options)
    raise InputDataError(f"'{spec}' is not a source: use sim, sim:SCENARIO, ble:ADDRESS_OR_NAME "
                         "or the path of a recording.")
