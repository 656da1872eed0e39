"""One session timeline for a sensor that may disconnect and come back.

``SampleBatch.time_s`` from a BLE source is **host time in seconds since the first sample
of the session**: device sample times mapped to the host clock with drift correction
(:class:`~imu_monitor.link.clock.ClockMapper`), so it is monotonic and survives device
clock wraps and restarts. ``seq`` is the session sample number: within one connection it is
the device's own sample index plus a constant, so a lost notification is a jump of exactly
its samples; after a reconnect the device index starts again at 0, and the new constant is
chosen from the mapped time elapsed since the last sample before the outage (``round(Δtime_s
× rate)`` after its number), so the outage shows as a gap of the samples it lasted, both in
time and in sequence numbers. (Not from ``time_s`` itself: it starts at the first packet's
arrival, and when that packet came late the mapping then corrects every later time by that
much, so ``time_s`` and ``seq / rate`` may differ by that first latency; their differences
agree.) Nothing is ever interpolated.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from imu_monitor.link.clock import ClockMapper
from imu_monitor.samples import SampleBatch


class SessionTimeline:
    """Places decoded packets on the session's time and sequence axes."""

    def __init__(self, rate_hz: float, device_clock: bool = True) -> None:
        self.rate_hz = float(rate_hz)
        # Without a device clock the sample count at the nominal rate stands in for it.
        self.device_clock = device_clock
        self.clock = ClockMapper()
        self.start_host_s: float | None = None
        self._seq_offset: int | None = None
        self._next_seq = 0
        self._last_time_s = 0.0  # session time of the last sample placed

    def new_connection(self) -> None:
        """The device's sample index restarts with the next packet."""
        self._seq_offset = None

    def place(self, batch: SampleBatch, arrival_s: float) -> tuple[SampleBatch, int]:
        """``batch`` with session time and seq, and how many samples are missing before it."""
        device_s = batch.time_s if self.device_clock else batch.seq / self.rate_hz
        host = self.clock.map(device_s, arrival_s)
        if self.start_host_s is None:
            self.start_host_s = float(host[0])
        time_s = host - self.start_host_s
        if self._seq_offset is None:
            away = round((float(time_s[0]) - self._last_time_s) * self.rate_hz)
            first = max(self._next_seq, self._next_seq - 1 + away) if self._next_seq else 0
            self._seq_offset = first - int(batch.seq[0])
        seq = batch.seq.astype(np.int64) + self._seq_offset
        missing = max(0, int(seq[0]) - self._next_seq)
        if int(seq[-1]) + 1 > self._next_seq:
            self._next_seq, self._last_time_s = int(seq[-1]) + 1, float(time_s[-1])
        return replace(batch, time_s=time_s, seq=seq), missing
