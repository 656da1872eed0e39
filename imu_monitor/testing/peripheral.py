"""The firmware of a simulated sensor: simulator samples → the notifications of one family.

No D-Bus here (the fake BlueZ template drives it from its main loop), so the very same
packets can be built in a test to check what the link decoded. The sensor behaves like
the firmware in firmware_notes/PROTOCOL.md: its µs clock runs from power-on (at a chosen
drift), the control point starts and stops streaming and sets the rate, a start restarts
the sample index at 0, and packets are due when their newest sample has been taken. A
simulated Movella DOT sends what :func:`~imu_monitor.simulation.movella_dot.dot_notifications`
makes of the session (its own orientation and free acceleration, one sample per
notification) and obeys its output-rate and start/stop writes.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.link.families import (
    BATTERY_LEVEL_UUID,
    BATTERY_SERVICE_UUID,
    DEVICE_INFO_SERVICE_UUID,
    DOT_MODE,
    FAMILIES,
    FIRMWARE_UUID,
    MANUFACTURER_UUID,
    MODEL_UUID,
    WITMOTION_RATE_CODES,
)
from imu_monitor.protocols import imu_monitor_v1, movella_dot, witmotion
from imu_monitor.simulation.movella_dot import dot_notifications
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import SimulatedRecording, simulate

V1_ACC_CODE, V1_GYR_CODE = 2, 4  # ±8 g, ±2000 °/s: the recommended ranges
V1_ACC_LSB = imu_monitor_v1.ACC_RANGE_G[V1_ACC_CODE] * GRAVITY_MPS2 / 32768.0
V1_GYR_LSB = np.radians(imu_monitor_v1.GYR_RANGE_DPS[V1_GYR_CODE]) / 32768.0
WIT_ACC_LSB = 16.0 * GRAVITY_MPS2 / 32768.0
WIT_GYR_LSB = np.radians(2000.0) / 32768.0
WIT_RATES = {code: rate for rate, code in WITMOTION_RATE_CODES.items()}
DOT_RATE_VISIT = 0x10  # device control: "set the output rate" bit of the visit index
GattLayout = list[tuple[str, list[tuple[str, list[str], bytes]]]]  # services → characteristics


@functools.cache
def _recording(scenario: str, seed: int, rate_hz: float,
               seconds: float | None) -> SimulatedRecording:
    """A simulated session (looped when the sensor streams longer)."""
    sc = get_scenario(scenario)
    return simulate(sc.build(seconds or sc.default_seconds), rate_hz, seed)


@functools.cache
def _dot_packets(scenario: str, seed: int, rate_hz: float,
                 seconds: float | None) -> list[bytes]:
    """The DOT's notifications of that session (their timestamps are replaced when sent)."""
    return dot_notifications(_recording(scenario, seed, rate_hz, seconds), DOT_MODE, seed=seed)


def _counts(values: np.ndarray, lsb: float) -> np.ndarray:
    return np.clip(np.round(values / lsb), -32768, 32767).astype("<i2")


@dataclass
class Peripheral:
    """One simulated sensor. ``loss``: fraction of packets dropped (seeded);
    ``reorder_every``: every k-th packet is held back and sent after the next one."""

    family: str
    rate_hz: float | None = None  # None: the family's default
    samples_per_packet: int | None = None  # None: 10 (a DOT always sends 1)
    scenario: str = "trendelenburg-right"
    seed: int = 1
    seconds: float | None = None  # session length before it loops (None: the scenario's)
    drift_ppm: float = 0.0
    clock_start_us: int = 0
    loss: float = 0.0
    reorder_every: int = 0
    writes: list[tuple[str, bytes]] = field(default_factory=list)  # (characteristic, value)
    streaming: bool = False
    _start_host: float = field(default=0.0, init=False)
    _next_index: int = field(default=0, init=False)
    _held: tuple[int, int, bytes] | None = field(default=None, init=False)
    _packets: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown sensor family {self.family!r}")
        self.rate_hz = float(self.rate_hz or FAMILIES[self.family].default_rate_hz)
        if self.family == "movella_dot":
            self.samples_per_packet = 1
        self.samples_per_packet = self.samples_per_packet or 10
        self._rng = np.random.default_rng(self.seed + 104729)
        self.dropped: list[tuple[int, int]] = []  # (first index, n) never sent
        self.late: list[tuple[int, int]] = []  # sent after the packet that followed them

    # ------------------------------------------------------------- control
    def command(self, uuid: str, data: bytes, now: float) -> None:
        """A write to characteristic ``uuid``, as the firmware would obey it."""
        self.writes.append((uuid, bytes(data)))
        if self.family == "movella_dot":
            self._dot_command(uuid, data, now)
        elif uuid != FAMILIES[self.family].control_uuid:
            return
        elif self.family == "imu_monitor":
            if data[:1] == b"\x01":
                self.start(now)
            elif data[:1] == b"\x02":
                self.streaming = False
            elif data[:1] == b"\x03" and len(data) == 3:
                self.rate_hz = float(struct.unpack_from("<H", data, 1)[0])
        elif self.family == "witmotion" and data[:3] == b"\xff\xaa\x03" and len(data) == 5:
            # The new rate from the next frame on; the frames simply continue.
            self.rate_hz = WIT_RATES.get(data[3], self.rate_hz)
            self._start_host = now - self._next_index / self.rate_hz

    def _dot_command(self, uuid: str, data: bytes, now: float) -> None:
        if uuid == movella_dot.DEVICE_CONTROL_UUID and len(data) == 32 and (
                data[0] & DOT_RATE_VISIT):
            self.rate_hz = float(struct.unpack_from("<H", data, 24)[0])
        elif uuid == movella_dot.CONTROL_UUID and data == movella_dot.control_start(DOT_MODE):
            self.start(now)
        elif uuid == movella_dot.CONTROL_UUID and data == movella_dot.control_stop(DOT_MODE):
            self.streaming = False

    def subscribed(self, now: float) -> None:
        """Notifications were switched on: a WitMotion streams from then on (it has no
        start command)."""
        if self.family == "witmotion":
            self.start(now)

    def start(self, now: float) -> None:
        """Streaming starts (index 0) with the next sample."""
        self.streaming = True
        self._start_host = now
        self._next_index = 0
        self._held = None

    def device_time_us(self, host_s: float) -> int:
        """The sensor's free-running µs clock (from power-on at host time 0), wrapping."""
        return round(self.clock_start_us + host_s * (1 - self.drift_ppm * 1e-6) * 1e6) % (
            1 << 32)

    # ------------------------------------------------------------- data
    @property
    def recording(self) -> SimulatedRecording:
        """The simulated session the sensor streams (with its truth)."""
        return _recording(self.scenario, self.seed, self.rate_hz, self.seconds)

    def _rows(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        samples = self.recording.samples
        k = np.arange(first, first + n) % len(samples)
        return k, samples.acc, samples.gyr

    def samples(self, first: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """acc (m/s²), gyr (rad/s) of samples ``first..first+n`` exactly as the packets
        carry them (quantised to the family's resolution; profile v1 and WitMotion)."""
        k, acc, gyr = self._rows(first, n)
        if self.family == "imu_monitor":
            return (_counts(acc[k], V1_ACC_LSB) * V1_ACC_LSB,
                    _counts(gyr[k], V1_GYR_LSB) * V1_GYR_LSB)
        return (_counts(acc[k], WIT_ACC_LSB) * WIT_ACC_LSB,
                _counts(gyr[k], WIT_GYR_LSB) * WIT_GYR_LSB)

    def packet(self, first: int, n: int) -> bytes:
        """The notification carrying samples ``first..first+n``."""
        k, acc, gyr = self._rows(first, n)
        t_us = self.device_time_us(self._start_host + first / self.rate_hz)
        if self.family == "movella_dot":
            packets = _dot_packets(self.scenario, self.seed, self.rate_hz, self.seconds)
            return struct.pack("<I", t_us) + packets[k[0]][4:]
        if self.family == "imu_monitor":
            counts = np.hstack([_counts(acc[k], V1_ACC_LSB), _counts(gyr[k], V1_GYR_LSB)])
            return imu_monitor_v1.encode(first, t_us, counts, V1_ACC_CODE, V1_GYR_CODE,
                                         round(1e6 / self.rate_hz))
        values = np.hstack([_counts(acc[k], WIT_ACC_LSB), _counts(gyr[k], WIT_GYR_LSB),
                            np.zeros((n, 3), "<i2")])
        return b"".join(witmotion.HEADER + row.tobytes() for row in values)

    def due(self, now: float) -> list[tuple[int, int, bytes]]:
        """(first index, n, packet) to send now: every packet whose newest sample has been
        taken, after loss and reordering."""
        out: list[tuple[int, int, bytes]] = []
        if not self.streaming:
            return out
        n = self.samples_per_packet
        while self._start_host + (self._next_index + n - 1) / self.rate_hz <= now:
            first = self._next_index
            self._next_index += n
            self._packets += 1
            if self.loss and self._rng.random() < self.loss:
                self.dropped.append((first, n))
                continue
            pkt = (first, n, self.packet(first, n))
            if self._held is not None:
                out += [pkt, self._held]
                self.late.append(self._held[:2])
                self._held = None
            elif self.reorder_every and self._packets % self.reorder_every == 0:
                self._held = pkt
            else:
                out.append(pkt)
        return out


def gatt_layout(family: str, battery: int) -> GattLayout:
    """The services the simulated sensor offers: (service UUID, [(characteristic UUID,
    flags, value)]). A DOT has its own configuration and battery services; the others carry
    the standard Battery and Device Information services."""
    fam = FAMILIES[family]
    control_flags = ["read", "write"] if family == "movella_dot" else [
        "write", "write-without-response"]
    measurement = (fam.service_uuid, [(fam.data_uuid, ["notify"], b""),
                                      (fam.control_uuid, control_flags, b"")])
    if family == "movella_dot":
        return [measurement,
                (movella_dot.CONFIGURATION_SERVICE_UUID,
                 [(movella_dot.DEVICE_CONTROL_UUID, ["read", "write"], bytes(32))]),
                (movella_dot.BATTERY_SERVICE_UUID,
                 [(movella_dot.BATTERY_UUID, ["read", "notify"], bytes([battery, 0]))])]
    return [measurement,
            (BATTERY_SERVICE_UUID, [(BATTERY_LEVEL_UUID, ["read", "notify"], bytes([battery]))]),
            (DEVICE_INFO_SERVICE_UUID, [(MANUFACTURER_UUID, ["read"], b"imu_monitor test bench"),
                                        (MODEL_UUID, ["read"], f"fake {family}".encode()),
                                        (FIRMWARE_UUID, ["read"], b"1.0.0")])]


def advertised_service_data(family: str, battery: int) -> dict[str, bytes]:
    """Service data in the advertisement: the battery level, except on a DOT (it has none
    in the Battery service format)."""
    return {} if family == "movella_dot" else {BATTERY_SERVICE_UUID: bytes([battery])}
