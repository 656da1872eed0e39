"""Movella (Xsens) DOT: real-time payloads of its BLE measurement service.

From the vendor's *Movella DOT BLE Service Specification* (XD0506P) and *User Manual* (XD0502P).
Every notification is one sample, little-endian: a uint32 timestamp (µs of the sensor's clock,
wrapping at 2³²) then float32 fields. The payload mode chosen at start decides the fields and
the characteristic that carries them; trailing unused bytes of the characteristic are zero.

* Orientation is the sensor's own fusion, sensor → local earth frame L, which is East-North-Up
  (z up; heading from the magnetometer, irrelevant to obliquity). Quaternions are w, x, y, z.
  Euler angles are x = roll, y = pitch, z = yaw in degrees, ZYX (aerospace) sequence:
  R_LS = Rz(yaw) · Ry(pitch) · Rx(roll).
* Free acceleration is in L with the local gravity removed (m/s²).
* The packets carry no sample counter: the sample index is the elapsed timestamp divided by the
  nominal interval, so lost notifications show as missing sequence numbers, as with our sensor.

What leaves the decoder (see ``SampleBatch``): for orientation modes ``quat`` is the device
orientation, ``acc`` the specific force in sensor axes rebuilt as R_LSᵀ (free acc + g·ẑ) and
``gyr`` NaN (not measured; the pipeline then uses the device orientation instead of its filter).
"Rate quantities" gives calibrated acc and gyro in sensor axes, like any 6-axis sensor.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.protocols.base import WRAP, Decoder, Reject, unwrap
from imu_monitor.rotations import quat_to_matrix
from imu_monitor.samples import SampleBatch


def uuid(short: int) -> str:
    """The full 128-bit UUID of a DOT service or characteristic from its 16-bit short form."""
    return f"1517{short:04x}-4947-11e9-8646-d663bd873d93"


MEASUREMENT_SERVICE_UUID = uuid(0x2000)
CONTROL_UUID = uuid(0x2001)  # read, write: [1, 1 = start / 0 = stop, payload mode]
# 0x2002 (long payload, 63 bytes, notify) carries none of the modes decoded here.
MEDIUM_PAYLOAD_UUID = uuid(0x2003)  # notify, 40 bytes
SHORT_PAYLOAD_UUID = uuid(0x2004)  # notify, 20 bytes
BATTERY_SERVICE_UUID = uuid(0x3000)
BATTERY_UUID = uuid(0x3001)  # read, notify: [level %, charging 0/1]
CONFIGURATION_SERVICE_UUID = uuid(0x1000)
DEVICE_CONTROL_UUID = uuid(0x1002)  # read, write: 32 bytes, holds the output rate

OUTPUT_RATES_HZ = (1, 4, 10, 12, 15, 20, 30, 60, 120)  # 120 Hz only when recording on the sensor
DEFAULT_RATE_HZ = 60
MAX_STEP_S = 1.0  # a longer silence is believed only when the next packet confirms it
GRID_TOLERANCE = 0.25  # of a sample interval
QUAT_NORM_TOLERANCE = 0.01
MAX_ACC_MPS2 = 20 * GRAVITY_MPS2  # the DOT's accelerometer range is ±16 g
MAX_GYR_DPS = 2500.0  # its gyroscope range is ±2000 °/s


class PayloadMode(IntEnum):
    """Payload modes we decode (the byte written to the control characteristic)."""

    COMPLETE_QUATERNION = 3
    ORIENTATION_QUATERNION = 5
    COMPLETE_EULER = 16
    RATE_QUANTITIES = 21


@dataclass(frozen=True)
class _Layout:
    characteristic: str
    length: int  # of the characteristic: shorter payloads are zero-padded up to it
    fields: tuple[str, ...]  # after the timestamp, 3 or 4 float32 each

    @property
    def size(self) -> int:
        return 4 + 4 * sum(_WIDTH[f] for f in self.fields)


_WIDTH = {"quat": 4, "euler": 3, "free_acc": 3, "acc": 3, "gyr_dps": 3}
LAYOUTS = {
    PayloadMode.COMPLETE_QUATERNION: _Layout(MEDIUM_PAYLOAD_UUID, 40, ("quat", "free_acc")),
    PayloadMode.ORIENTATION_QUATERNION: _Layout(SHORT_PAYLOAD_UUID, 20, ("quat",)),
    PayloadMode.COMPLETE_EULER: _Layout(MEDIUM_PAYLOAD_UUID, 40, ("euler", "free_acc")),
    PayloadMode.RATE_QUANTITIES: _Layout(MEDIUM_PAYLOAD_UUID, 40, ("acc", "gyr_dps")),
}


def payload_uuid(mode: int) -> str:
    """The characteristic that notifies the samples of payload ``mode``."""
    return LAYOUTS[PayloadMode(mode)].characteristic


def control_start(mode: int = PayloadMode.COMPLETE_QUATERNION) -> bytes:
    """Written to CONTROL_UUID (after enabling notifications) to start streaming ``mode``."""
    return bytes([1, 1, int(PayloadMode(mode))])


def control_stop(mode: int = PayloadMode.COMPLETE_QUATERNION) -> bytes:
    """Written to CONTROL_UUID to stop streaming."""
    return bytes([1, 0, int(PayloadMode(mode))])


def output_rate_command(rate_hz: int) -> bytes:
    """Written to DEVICE_CONTROL_UUID before starting: sets only the output rate (visit bit 4)."""
    if rate_hz not in OUTPUT_RATES_HZ:
        raise InputDataError(_rate_problem(rate_hz))
    return bytes([0x10]) + bytes(23) + struct.pack("<H", rate_hz) + bytes(6)


def decode_battery(data: bytes) -> tuple[int, bool] | None:
    """Battery level in percent and whether it is charging, or None if unreadable."""
    if len(data) < 2 or data[0] > 100 or data[1] > 1:
        return None
    return data[0], bool(data[1])


def quat_from_euler_deg(euler_deg: np.ndarray) -> np.ndarray:
    """Quaternions (n, 4) w, x, y, z of DOT Euler angles (n, 3): roll, pitch, yaw, ZYX."""
    half = np.radians(np.asarray(euler_deg, float).reshape(-1, 3)) / 2
    cr, cp, cy = np.cos(half).T
    sr, sp, sy = np.sin(half).T
    return np.stack([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                     cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy], axis=1)


def specific_force(quat: np.ndarray, free_acc: np.ndarray) -> np.ndarray:
    """What an accelerometer reads (sensor axes, m/s²) from the orientation (sensor → z-up
    world) and the free acceleration (world axes, gravity removed): R_LSᵀ (a_free + g·ẑ)."""
    world = np.asarray(free_acc, float) + np.array([0.0, 0.0, GRAVITY_MPS2])
    return np.einsum("...ji,...j->...i", quat_to_matrix(quat), world)


def euler_deg_from_quat(quat: np.ndarray) -> np.ndarray:
    """Inverse of :func:`quat_from_euler_deg` (pitch within ±90°)."""
    w, x, y, z = np.asarray(quat, float).reshape(-1, 4).T
    roll = np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = np.arcsin(np.clip(2 * (w * y - x * z), -1, 1))
    yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return np.degrees(np.stack([roll, pitch, yaw], axis=1))


def encode(mode: int, timestamp_us: int, *fields: np.ndarray, pad: bool = True) -> bytes:
    """One notification of ``mode`` (fields in the mode's order), zero-padded like the sensor's
    characteristic unless ``pad`` is False."""
    layout = LAYOUTS[PayloadMode(mode)]
    values = np.concatenate([np.asarray(f, float).ravel() for f in fields]).astype("<f4")
    packet = struct.pack("<I", timestamp_us % WRAP) + values.tobytes()
    if len(packet) != layout.size:
        raise ValueError(f"payload mode {mode} takes {layout.fields}")
    return packet + bytes(layout.length - len(packet)) if pad else packet


def encode_complete_quaternion(timestamp_us: int, quat_wxyz: np.ndarray, free_acc: np.ndarray,
                               pad: bool = True) -> bytes:
    """Mode 3 on MEDIUM_PAYLOAD_UUID: timestamp, quaternion w x y z, free acc m/s² (ENU)."""
    return encode(PayloadMode.COMPLETE_QUATERNION, timestamp_us, quat_wxyz, free_acc, pad=pad)


def encode_complete_euler(timestamp_us: int, euler_deg: np.ndarray, free_acc: np.ndarray,
                          pad: bool = True) -> bytes:
    """Mode 16 on MEDIUM_PAYLOAD_UUID: timestamp, roll pitch yaw °, free acc m/s² (ENU)."""
    return encode(PayloadMode.COMPLETE_EULER, timestamp_us, euler_deg, free_acc, pad=pad)


class MovellaDotDecoder(Decoder):
    """Decodes the notifications of one DOT streaming ``mode`` at ``rate_hz`` (its output rate)."""

    name = "Movella DOT"

    def __init__(self, mode: int = PayloadMode.COMPLETE_QUATERNION,
                 rate_hz: float = DEFAULT_RATE_HZ) -> None:
        super().__init__()
        if rate_hz not in OUTPUT_RATES_HZ:
            raise InputDataError(_rate_problem(rate_hz))
        self.mode = PayloadMode(mode)
        self.name = f"Movella DOT mode {int(self.mode)}"
        self.rate_hz = float(rate_hz)
        self._layout = LAYOUTS[self.mode]
        self._interval_us = 1e6 / self.rate_hz
        self._last_us: int | None = None  # unwrapped sensor clock of the last accepted sample
        self._offset_us = 0  # sensor clock → stream clock (changes only if the sensor rebooted)
        self._seq = 0
        self._host_s = 0.0
        self._suspect: int | None = None  # clock of the last packet that did not fit

    def _decode(self, packet: bytes, host_time_s: float) -> SampleBatch:
        layout = self._layout
        if len(packet) < layout.size:
            raise Reject("short")
        if len(packet) > layout.length:
            raise Reject("long")
        if any(packet[layout.size:]):
            raise Reject("padding")  # e.g. an Extended mode's status bytes: another mode
        (timestamp,) = struct.unpack_from("<I", packet)
        raw = np.frombuffer(packet, "<f4", count=(layout.size - 4) // 4, offset=4)
        if not np.isfinite(raw).all():
            raise Reject("nan")
        values = raw.astype(float)
        fields, start = {}, 0
        for name in layout.fields:
            fields[name] = values[start: start + _WIDTH[name]]
            start += _WIDTH[name]
        acc, gyr, quat = self._physical(fields)
        seq, time_us = self._place(timestamp, host_time_s)
        return SampleBatch(np.array([time_us / 1e6]), np.array([seq], np.int64), acc[None],
                           gyr[None], None, None if quat is None else quat[None])

    @staticmethod
    def _physical(fields: dict[str, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Specific force (m/s², sensor axes), angular rate (rad/s) and orientation, checked."""
        if "gyr_dps" in fields:
            acc, gyr_dps = fields["acc"], fields["gyr_dps"]
            if np.abs(acc).max() > MAX_ACC_MPS2 or np.abs(gyr_dps).max() > MAX_GYR_DPS:
                raise Reject("range")
            return acc, np.radians(gyr_dps), None
        if "euler" in fields:
            roll, pitch, yaw = fields["euler"]
            if max(abs(roll), abs(yaw)) > 180.001 or abs(pitch) > 90.001:
                raise Reject("angle")
            quat = quat_from_euler_deg(fields["euler"])[0]
        else:
            quat = fields["quat"]
            norm = float(np.linalg.norm(quat))
            if abs(norm - 1) > QUAT_NORM_TOLERANCE:
                raise Reject("quaternion")
            quat = quat / norm
        free_acc = fields.get("free_acc", np.zeros(3))  # mode 5 sends orientation alone
        if np.abs(free_acc).max() > MAX_ACC_MPS2:
            raise Reject("range")
        return specific_force(quat, free_acc), np.full(3, np.nan), quat

    def _place(self, timestamp: int, host_time_s: float) -> tuple[int, int]:
        """Sequence number and stream time (µs) of a sample, from its timestamp.

        A step of more than MAX_STEP_S, or backwards, is a corrupted timestamp unless the next
        packet follows it by one interval: then the link was silent (forward: the samples in
        between count as lost) or the sensor restarted its clock (backward: the host clock
        says how long it was away).
        """
        if self._last_us is None:
            self._accept(timestamp, 0, host_time_s)
            return 0, timestamp
        t = unwrap(timestamp, self._last_us)
        dt = t - self._last_us
        steps = dt / self._interval_us
        if 0 < dt <= MAX_STEP_S * 1e6:
            k = round(steps)
            if k < 1 or abs(steps - k) > GRID_TOLERANCE:
                raise Reject("timing")
        else:
            suspect, self._suspect = self._suspect, t
            if suspect is None or abs((t - suspect) / self._interval_us - 1) > GRID_TOLERANCE:
                raise Reject("jump" if dt > 0 else "order")
            if dt > 0:
                k = round(steps)
            else:
                k = max(2, round((host_time_s - self._host_s) * self.rate_hz))
                stream_us = self._last_us + self._offset_us + k * self._interval_us
                self._offset_us = round(stream_us) - t
        self._accept(t, self._seq + k, host_time_s)
        return self._seq, t + self._offset_us

    def _accept(self, t: int, seq: int, host_time_s: float) -> None:
        self._last_us, self._seq, self._host_s, self._suspect = t, seq, host_time_s, None


def _rate_problem(rate_hz: float) -> str:
    return (f"A Movella DOT cannot stream at {rate_hz:g} Hz: choose one of "
            + ", ".join(f"{r}" for r in OUTPUT_RATES_HZ[:-1]) + " Hz (60 Hz is best).")
