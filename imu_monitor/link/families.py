"""The sensor families the link knows: their GATT UUIDs, decoder and start/stop commands.

Pure data and bytes (no Bluetooth), so the scanner, the link and the fake peripheral agree
on one table. A family is recognised by the service UUID it advertises.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from imu_monitor.protocols import imu_monitor_v1, witmotion
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


@dataclass(frozen=True)
class Family:
    """One kind of sensor as the link sees it."""

    name: str  # short, stable: stored in recordings and printed by ``scan``
    title: str  # for people
    service_uuid: str
    data_uuid: str  # notify
    control_uuid: str  # write
    make_decoder: Callable[[float], Decoder]  # rate_hz → a fresh decoder (one per connection)
    start_commands: Callable[[float], list[bytes]]  # rate_hz → writes that start streaming
    stop_command: bytes | None
    device_clock: bool  # packets carry a device time (else timed by arrival)


def _v1_start(rate_hz: float) -> list[bytes]:
    return [b"\x03" + struct.pack("<H", round(rate_hz)), b"\x01"]


def _witmotion_start(rate_hz: float) -> list[bytes]:
    code = WITMOTION_RATE_CODES[min(WITMOTION_RATE_CODES, key=lambda r: abs(r - rate_hz))]
    return [WITMOTION_UNLOCK, bytes([0xFF, 0xAA, 0x03, code, 0x00])]


IMU_MONITOR_V1 = Family(
    "imu_monitor", "imu_monitor sensor (profile v1)", imu_monitor_v1.SERVICE_UUID,
    imu_monitor_v1.DATA_UUID, imu_monitor_v1.CONTROL_UUID,
    lambda rate_hz: imu_monitor_v1.ImuMonitorV1Decoder(), _v1_start, b"\x02", True)

WITMOTION = Family(
    "witmotion", "WitMotion BLE IMU", witmotion.SERVICE_UUID, witmotion.NOTIFY_UUID,
    witmotion.WRITE_UUID, witmotion.WitMotionDecoder, _witmotion_start, None, False)

FAMILIES: dict[str, Family] = {f.name: f for f in (IMU_MONITOR_V1, WITMOTION)}


def family_of(service_uuids: list[str]) -> Family | None:
    """The family whose service is among the advertised ones, if any."""
    advertised = {u.lower() for u in service_uuids}
    return next((f for f in FAMILIES.values() if f.service_uuid in advertised), None)
