"""WitMotion BLE IMUs (WT901BLECL, BWT901BLE): the documented 20-byte ``0x55 0x61`` frame.

Frame: ``0x55 0x61`` then 9 int16 little-endian: acceleration ×16 g/32768, angular rate
×2000 °/s/32768, angles ×180°/32768 (the angles are the sensor's own fusion; we fuse raw).
The frame has no sequence number and no timestamp: samples are numbered in order of arrival
and timed by the host clock, so a lost frame cannot be seen (say so to the user). One
notification may carry several frames back to back.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.protocols.base import Decoder, Reject
from imu_monitor.samples import SampleBatch

FRAME = 20
HEADER = b"\x55\x61"
SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"


class WitMotionDecoder(Decoder):
    """Decodes 0x61 frames; the rate must be given (the frames do not carry it)."""

    name = "WitMotion"

    def __init__(self, rate_hz: float) -> None:
        super().__init__()
        self.rate_hz = float(rate_hz)
        self._next = 0

    def _decode(self, packet: bytes, host_time_s: float) -> SampleBatch:
        if len(packet) < FRAME:
            raise Reject("short")
        if len(packet) % FRAME:
            raise Reject("long")
        frames = np.frombuffer(packet, dtype=np.uint8).reshape(-1, FRAME)
        if not np.all((frames[:, 0] == 0x55) & (frames[:, 1] == 0x61)):
            raise Reject("header")
        values = frames[:, 2:].copy().view("<i2").astype(float)  # (k, 9)
        k = len(values)
        seq = self._next + np.arange(k)
        self._next += k
        return SampleBatch(
            host_time_s + (np.arange(k) - (k - 1)) / self.rate_hz,
            seq,
            values[:, 0:3] * (16.0 * GRAVITY_MPS2 / 32768.0),
            values[:, 3:6] * (np.radians(2000.0) / 32768.0),
        )
