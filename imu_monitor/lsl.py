"""Lab Streaming Layer: the live session as three streams other lab software can record.

Labs record every device of an experiment (EMG, motion capture, force plates, ours) with
LabRecorder into one XDF file on one clock. We publish, for the session in progress:

* ``imu_monitor raw`` (type ``IMU``, the sensor's rate, float64): ``acc_x acc_y acc_z`` (m/s²,
  specific force), ``gyr_x gyr_y gyr_z`` (rad/s), ``seq`` (the sample's sequence number: lost
  samples show as missing numbers), in the sensor's own axes;
* ``imu_monitor pelvis`` (type ``PelvicAngles``, the same rate, float32): ``obliquity``
  (positive: the left hip higher, ``conventions.py``), ``tilt``, ``rotation`` in degrees, one
  value per sample slot (bridged gaps included, NaN where no angle can be trusted, and tilt
  and rotation NaN in the app when the switch was turned on mid-session);
* ``imu_monitor steps`` (type ``Markers``, irregular, one string channel): one JSON object per
  step as it is decided — ``{"side", "peak_drop_deg", "over_threshold", "counted", "note",
  "step_time_s"}``, time-stamped at its initial contact.

Each channel is described the XDF way (``desc/channels/channel``: ``label``, ``unit``,
``type``), and every stream carries a stable ``source_id`` (the sensor's name), so LabRecorder
picks them up again after a restart. Time stamps are the samples' device times mapped to the
LSL clock with the same estimator the Bluetooth link uses (``ClockMapper``: the lowest arrival
delay, drift followed), so they are as regular as the sensor's clock, not the radio's.
Needs ``pylsl`` (the optional extra ``lsl``; its wheel ships liblsl).
"""

from __future__ import annotations

import json

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.link.clock import ClockMapper
from imu_monitor.processing.metrics import Step
from imu_monitor.samples import SampleBatch

RAW_CHANNELS = [("acc_x", "m/s^2", "Accelerometer"), ("acc_y", "m/s^2", "Accelerometer"),
                ("acc_z", "m/s^2", "Accelerometer"), ("gyr_x", "rad/s", "Gyroscope"),
                ("gyr_y", "rad/s", "Gyroscope"), ("gyr_z", "rad/s", "Gyroscope"),
                ("seq", "count", "SampleCounter")]
ANGLE_CHANNELS = [("obliquity", "degrees", "PelvicObliquity"), ("tilt", "degrees", "PelvicTilt"),
                  ("rotation", "degrees", "PelvicRotation")]
RAW_NAME, ANGLES_NAME, STEPS_NAME = "imu_monitor raw", "imu_monitor pelvis", "imu_monitor steps"
RECENT_SLOTS = 4096  # (slot, LSL time) pairs kept to time angles and steps


def _pylsl():
    try:
        import pylsl
    except ImportError:
        raise InputDataError("Publishing to Lab Streaming Layer needs pylsl: install it with "
                             "pip install 'imu-monitor[lsl]'.") from None
    return pylsl


class LslPublisher:
    """The three outlets of one live session (``source``: the sensor's name)."""

    def __init__(self, source: str, rate_hz: float) -> None:
        pylsl = _pylsl()
        self._pylsl = pylsl
        self.rate_hz = float(rate_hz)
        self.raw = pylsl.StreamOutlet(_info(pylsl, RAW_NAME, "IMU", RAW_CHANNELS, rate_hz,
                                            pylsl.cf_double64, f"{source}-raw"))
        self.angles = pylsl.StreamOutlet(_info(pylsl, ANGLES_NAME, "PelvicAngles",
                                               ANGLE_CHANNELS, rate_hz, pylsl.cf_float32,
                                               f"{source}-pelvis"))
        self.steps = pylsl.StreamOutlet(_info(pylsl, STEPS_NAME, "Markers",
                                              [("step", "json", "Marker")],
                                              pylsl.IRREGULAR_RATE, pylsl.cf_string,
                                              f"{source}-steps"))
        self._clock = ClockMapper()
        self._seq0: int | None = None
        # A new calibration's pipeline restarts its history where it began: what was sent
        # stays sent (LSL streams never go back in time).
        self._angles_sent = 0  # slots sent
        self._last_step_s = -np.inf
        # The recent samples' (slot, LSL time), as arrays: read on every push.
        self._known_slots = np.zeros(0)
        self._known_stamps = np.zeros(0)

    def push_samples(self, batch: SampleBatch) -> None:
        """Raw samples, as received (time-stamped on the LSL clock)."""
        if not len(batch):
            return
        stamps = self._clock.map(batch.time_s, self._pylsl.local_clock())
        seq = batch.seq.astype(np.int64)
        if self._seq0 is None:
            self._seq0 = int(seq[0])
        self._known_slots = np.concatenate([self._known_slots, seq - self._seq0]
                                           )[-RECENT_SLOTS:]
        self._known_stamps = np.concatenate([self._known_stamps, stamps])[-RECENT_SLOTS:]
        values = np.column_stack([batch.acc, batch.gyr, seq.astype(float)])
        self.raw.push_chunk(values.tolist(), stamps.tolist())

    def push_angles(self, pipeline, start: int, stop: int, slot_offset: int = 0) -> None:
        """The pipeline's angles of its history slots ``[start, stop)`` (NaN where not valid);
        its slot 0 is the session's ``slot_offset``."""
        start = max(start, self._angles_sent - slot_offset)
        if stop <= start:
            return
        valid = pipeline.valid.view[start:stop]
        values = np.full((stop - start, 3), np.nan)
        for k, name in enumerate(("obliquity", "tilt", "rotation")):
            kept = getattr(pipeline, name).view  # tilt, rotation: only if the view keeps them
            if len(kept) >= stop:
                values[:, k] = np.where(valid, kept[start:stop], np.nan)
        stamps = self._stamps(slot_offset + np.arange(start, stop))
        self._angles_sent = slot_offset + stop
        self.angles.push_chunk(values.tolist(), stamps.tolist())

    def push_steps(self, steps: list[Step]) -> None:
        """One marker per decided step, at its initial contact (``time_s`` from the session's
        first sample; steps not after the last one sent are already sent)."""
        for step in steps:
            if step.time_s <= self._last_step_s:
                continue
            self._last_step_s = step.time_s
            marker = json.dumps({
                "side": str(getattr(step.side, "value", step.side)),
                "peak_drop_deg": None if step.peak_drop_deg is None
                else round(step.peak_drop_deg, 2),
                "over_threshold": bool(step.over_threshold), "counted": bool(step.counted),
                "note": step.note, "step_time_s": step.step_time_s})
            stamp = float(self._stamps(np.array([step.time_s * self.rate_hz]))[0])
            self.steps.push_sample([marker], stamp)

    def _stamps(self, slots: np.ndarray) -> np.ndarray:
        """LSL times of sample slots, from the recent raw samples (extrapolated at the
        nominal rate beyond them, e.g. for bridged gaps)."""
        known, stamps = self._known_slots, self._known_stamps
        if not len(known):
            return self._pylsl.local_clock() + np.zeros(len(slots))
        inside = np.interp(slots, known, stamps)
        before = stamps[0] + (slots - known[0]) / self.rate_hz
        after = stamps[-1] + (slots - known[-1]) / self.rate_hz
        return np.where(slots < known[0], before, np.where(slots > known[-1], after, inside))


def _info(pylsl, name: str, kind: str, channels: list[tuple[str, str, str]], rate: float,
          fmt, source_id: str):
    info = pylsl.StreamInfo(name, kind, len(channels), rate, fmt, source_id)
    desc = info.desc()
    desc.append_child_value("manufacturer", "imu_monitor")
    xml = desc.append_child("channels")
    for label, unit, ctype in channels:
        ch = xml.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", unit)
        ch.append_child_value("type", ctype)
    return info
