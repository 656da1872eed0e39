"""The sensor families the link knows: GATT UUIDs, decoder, rates, start/stop commands, battery.

Pure data and bytes (no Bluetooth), so the scanner, the link and the fake peripheral agree
on one table: the link has no per-family code. A family is recognised by the service UUID
it advertises.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from imu_monitor.protocols import imu_monitor_v1, movella_dot, witmotion
from imu_monitor.protocols.base import Decoder

BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO_SERVICE_UUID = "0000180a-0000-1000-8000-00805f9b34fb"
MANUFACTURER_UUID = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_UUID = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_UUID = "00002a26-0000-1000-8000-00805f9b34fb"

# WitMotion rate register (0x03) codes, from the WT901BLECL manual.
WITMOTION_RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
WITMOTION_UNLOCK = bytes.fromhex("ffaa6988b5")
# A DOT streams live at up to 60 Hz (120 Hz only records on the sensor); mode 3 sends its own
# orientation and free acceleration.
DOT_MODE = movella_dot.PayloadMode.COMPLETE_QUATERNION
DOT_LIVE_RATES_HZ = tuple(float(r) for r in movella_dot.OUTPUT_RATES_HZ if r <= 60)

GattWrite = tuple[str, bytes]  # (characteristic UUID, value)


def _battery_level(data: bytes) -> int | None:
    """Percent from the standard Battery Level characteristic (0x2A19)."""
    return int(data[0]) if data else None


@dataclass(frozen=True)
class Family:
    """One kind of sensor as the link sees it."""

    name: str  # short, stable: stored in recordings and printed by ``scan``
    title: str  # for people
    service_uuid: str
    data_uuid: str  # notify
    control_uuid: str  # write: the stop command goes there
    make_decoder: Callable[[float], Decoder]  # rate_hz → a fresh decoder (one per connection)
    start_commands: Callable[[float], list[GattWrite]]  # rate_hz → writes that start streaming
    stop_command: bytes | None
    device_clock: bool  # packets carry a device time (else timed by arrival)
    default_rate_hz: float = 100.0
    rates_hz: tuple[float, ...] = ()  # the rates it can stream; () = any
    battery_uuid: str = BATTERY_LEVEL_UUID  # read at every connection
    battery_percent: Callable[[bytes], int | None] = _battery_level

    def rate(self, requested: float | None) -> float:
        """The rate to stream at: the default, the one asked for, or the nearest offered."""
        if requested is None:
            return self.default_rate_hz
        if not self.rates_hz:
            return float(requested)
        return min(self.rates_hz, key=lambda r: abs(r - requested))


def _v1_start(rate_hz: float) -> list[GattWrite]:
    control = imu_monitor_v1.CONTROL_UUID
    return [(control, b"\x03" + struct.pack("<H", round(rate_hz))), (control, b"\x01")]


def _witmotion_start(rate_hz: float) -> list[GattWrite]:
    code = WITMOTION_RATE_CODES[rate_hz]
    return [(witmotion.WRITE_UUID, WITMOTION_UNLOCK),
            (witmotion.WRITE_UUID, bytes([0xFF, 0xAA, 0x03, code, 0x00]))]


def _dot_start(rate_hz: float) -> list[GattWrite]:
    """The output rate (device control, configuration service), then start mode 3."""
    return [(movella_dot.DEVICE_CONTROL_UUID, movella_dot.output_rate_command(round(rate_hz))),
            (movella_dot.CONTROL_UUID, movella_dot.control_start(DOT_MODE))]


def _dot_battery(data: bytes) -> int | None:
    reading = movella_dot.decode_battery(bytes(data))
    return None if reading is None else reading[0]


IMU_MONITOR_V1 = Family(
    "imu_monitor", "imu_monitor sensor (profile v1)", imu_monitor_v1.SERVICE_UUID,
    imu_monitor_v1.DATA_UUID, imu_monitor_v1.CONTROL_UUID,
    lambda rate_hz: imu_monitor_v1.ImuMonitorV1Decoder(), _v1_start, b"\x02", True)

WITMOTION = Family(
    "witmotion", "WitMotion BLE IMU", witmotion.SERVICE_UUID, witmotion.NOTIFY_UUID,
    witmotion.WRITE_UUID, witmotion.WitMotionDecoder, _witmotion_start, None, False,
    rates_hz=tuple(WITMOTION_RATE_CODES))

MOVELLA_DOT = Family(
    "movella_dot", "Movella DOT", movella_dot.MEASUREMENT_SERVICE_UUID,
    movella_dot.payload_uuid(DOT_MODE), movella_dot.CONTROL_UUID,
    lambda rate_hz: movella_dot.MovellaDotDecoder(DOT_MODE, rate_hz), _dot_start,
    movella_dot.control_stop(DOT_MODE), True,
    default_rate_hz=float(movella_dot.DEFAULT_RATE_HZ),
    rates_hz=DOT_LIVE_RATES_HZ, battery_uuid=movella_dot.BATTERY_UUID,
    battery_percent=_dot_battery)

FAMILIES: dict[str, Family] = {f.name: f for f in (IMU_MONITOR_V1, WITMOTION, MOVELLA_DOT)}


def family_of(service_uuids: list[str]) -> Family | None:
    """The family whose service is among the advertised ones, if any."""
    advertised = {u.lower() for u in service_uuids}
    return next((f for f in FAMILIES.values() if f.service_uuid in advertised), None)
