"""Our open sensor profile, data packet version 1 (byte-exact spec: firmware_notes/PROTOCOL.md).

Little-endian. Header (14 bytes): version u8 = 1, flags u8 (0), first sample index u32,
device time of the first sample u32 (µs), sample count N u8 (1–19), ranges u8 (low nibble
accelerometer code, high nibble gyroscope code), sample interval u16 (µs); then N × 6 int16
(ax, ay, az, gx, gy, gz in sensor counts). The 32-bit index and clock wrap; the decoder
unwraps them, so a session can last any time.
"""

from __future__ import annotations

import struct

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.protocols.base import WRAP, Decoder, Reject, unwrap
from imu_monitor.samples import SampleBatch

VERSION = 1
HEADER = struct.Struct("<BBIIBBH")
SAMPLE_BYTES = 12
MAX_SAMPLES = 19  # 14 + 19 × 12 = 242 bytes: fits a 247-byte ATT MTU
ACC_RANGE_G = {0: 2.0, 1: 4.0, 2: 8.0, 3: 16.0}
GYR_RANGE_DPS = {0: 125.0, 1: 250.0, 2: 500.0, 3: 1000.0, 4: 2000.0}

SERVICE_UUID = "7d5a0001-2f0e-4c8a-9b1e-6a3f1c2d0b01"
DATA_UUID = "7d5a0002-2f0e-4c8a-9b1e-6a3f1c2d0b01"  # notify
CONTROL_UUID = "7d5a0003-2f0e-4c8a-9b1e-6a3f1c2d0b01"  # write


def encode(first_index: int, time_us: int, counts: np.ndarray, acc_code: int = 2,
           gyr_code: int = 4, interval_us: int = 5000, flags: int = 0) -> bytes:
    """A data packet (what the firmware sends; used for test vectors and the fake sensor)."""
    counts = np.asarray(counts, dtype="<i2").reshape(-1, 6)
    head = HEADER.pack(VERSION, flags, first_index % WRAP, time_us % WRAP, len(counts),
                       acc_code | (gyr_code << 4), interval_us)
    return head + counts.tobytes()


class ImuMonitorV1Decoder(Decoder):
    """Decodes data packets of one sensor, unwrapping its sample index and clock."""

    name = "imu_monitor v1"

    def __init__(self) -> None:
        super().__init__()
        self._last_index: int | None = None  # unwrapped index of the last accepted sample
        self._last_time_us: int | None = None

    def _decode(self, packet: bytes, host_time_s: float) -> SampleBatch:
        if len(packet) < HEADER.size:
            raise Reject("short")
        version, flags, index, time_us, n, ranges, interval = HEADER.unpack_from(packet)
        if version != VERSION:
            raise Reject("version")
        if flags != 0:
            raise Reject("flags")
        if not 1 <= n <= MAX_SAMPLES:
            raise Reject("count")
        if len(packet) != HEADER.size + n * SAMPLE_BYTES:
            raise Reject("short" if len(packet) < HEADER.size + n * SAMPLE_BYTES else "long")
        acc_g = ACC_RANGE_G.get(ranges & 0x0F)
        gyr_dps = GYR_RANGE_DPS.get(ranges >> 4)
        if acc_g is None or gyr_dps is None:
            raise Reject("range")
        if not 500 <= interval <= 50_000:
            raise Reject("interval")
        first = unwrap(index, self._last_index)
        if self._last_index is not None and first <= self._last_index:
            raise Reject("order")
        start_us = unwrap(time_us, self._last_time_us)
        counts = np.frombuffer(packet, dtype="<i2", offset=HEADER.size).reshape(n, 6)
        self._last_index = first + n - 1
        self._last_time_us = start_us + (n - 1) * interval
        k = np.arange(n)
        return SampleBatch(
            (start_us + k * interval) / 1e6,
            first + k,
            counts[:, :3] * (acc_g * GRAVITY_MPS2 / 32768.0),
            counts[:, 3:] * (np.radians(gyr_dps) / 32768.0),
        )
