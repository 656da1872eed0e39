"""Device clock → host clock, with drift correction.

A notification arrives some time after its newest sample was taken: a latency that is never
negative and varies by a few ms (connection interval, radio retries, scheduling). So the
smallest ``arrival − device time`` in a stretch of packets is the best measure of the clock
offset. The mapper keeps the smallest value per block of device time and fits a line
through the last blocks: its slope is the drift of the device crystal (typically ±20–200 ppm,
which is up to 0.7 s per hour if left alone), its value the offset.

The device clock may wrap (32-bit µs: every 71.6 min) or restart (sensor power-cycled while
the link was down). Both are recognised by comparing how far the device clock and the host
clock moved between two packets: a wrap is put back, a restart re-anchors the offset and
keeps the drift. Mapped times never go backwards, and corrections are slewed (at most 5 %
of the elapsed time), so sample spacing stays close to the device's.
"""

from __future__ import annotations

from collections import deque

import numpy as np

WRAP_S = (1 << 32) / 1e6


class ClockMapper:
    """Maps device sample times (s) to host times (s) for one sensor, across reconnects.

    ``block_s``: device time per envelope point; ``blocks``: how many points the drift fit
    uses; ``restart_tolerance_s``: a disagreement of the two clocks larger than this (plus
    0.1 % of the elapsed time) between two packets means the device clock restarted;
    ``max_slew``: how fast a corrected estimate is taken up (s per s of device time).
    """

    def __init__(self, block_s: float = 1.0, blocks: int = 60, wrap_s: float = WRAP_S,
                 restart_tolerance_s: float = 0.25, max_slew: float = 0.05) -> None:
        self.block_s = block_s
        self.max_slew = max_slew
        self.wrap_s = wrap_s
        self.restart_tolerance_s = restart_tolerance_s
        self._points: deque[tuple[float, float]] = deque(maxlen=blocks)  # (device, offset)
        self._block: tuple[float, float] | None = None  # current block: (device, min offset)
        self._block_start = 0.0
        self._wraps = 0.0  # added to the device clock (unwrapping and restarts)
        self._last: tuple[float, float] | None = None  # (unwrapped device, arrival host)
        self._slope = 0.0
        self._intercept: float | None = None
        self._applied: tuple[float, float] | None = None  # (device, offset) last used
        self._last_out = -np.inf
        self.restarts = 0

    @property
    def drift_ppm(self) -> float:
        """Estimated device clock rate error: + means the device clock runs slow."""
        return self._slope * 1e6

    def map(self, device_s: np.ndarray, arrival_s: float) -> np.ndarray:
        """Host times of samples taken at ``device_s`` (the newest last), arrived at
        ``arrival_s``. Monotonic: never earlier than any time returned before."""
        device_s = np.asarray(device_s, dtype=float)
        newest = self._unwrap(float(device_s[-1]), arrival_s)
        shift = newest - float(device_s[-1])
        self._observe(newest, arrival_s)
        assert self._intercept is not None
        u = device_s + shift - np.where(device_s > device_s[-1], self.wrap_s, 0.0)
        offset = self._intercept + self._slope * u
        if self._applied is not None:
            # Slew towards a new estimate instead of stepping: sample spacing stays within
            # ``max_slew`` of the device's.
            last_u, last_offset = self._applied
            allowed = self.max_slew * np.maximum(u - last_u, 0.0)
            offset = np.clip(offset, last_offset - allowed, last_offset + allowed)
        self._applied = (float(u[-1]), float(offset[-1]))
        host = u + offset
        host = np.maximum(host, np.nextafter(self._last_out, np.inf))
        host = np.maximum.accumulate(host)
        self._last_out = float(host[-1])
        return host

    def _unwrap(self, device: float, arrival: float) -> float:
        """The device time continued from the previous packet (wraps undone, restarts
        re-anchored)."""
        u = device + self._wraps
        if self._last is None:
            return u
        last_u, last_arrival = self._last
        host_step = arrival - last_arrival
        k = round((host_step - (u - last_u)) / self.wrap_s)
        candidate = u + k * self.wrap_s
        tolerance = self.restart_tolerance_s + 1e-3 * abs(host_step)
        if abs((candidate - last_u) - host_step) <= tolerance:
            self._wraps += k * self.wrap_s
            return candidate
        # Restart: continue the device time line from the host clock, keep the drift.
        self.restarts += 1
        self._wraps += (last_u + host_step) - u
        self._block = None
        self._points.clear()
        self._intercept = None
        self._applied = None
        return last_u + host_step

    def _observe(self, u: float, arrival: float) -> None:
        self._last = (u, arrival)
        offset = arrival - u
        if self._block is None or u - self._block_start >= self.block_s:
            if self._block is not None:
                self._points.append(self._block)
                self._fit()
            self._block_start = u
            self._block = (u, offset)
        elif offset < self._block[1]:
            self._block = (u, offset)
        if self._intercept is None or offset < self._intercept + self._slope * u:
            # Nothing fitted yet, or a packet faster than the line: the line was too late.
            self._intercept = offset - self._slope * u

    def _fit(self) -> None:
        points = np.array(self._points)
        if len(points) >= 3 and points[-1, 0] - points[0, 0] >= 5 * self.block_s:
            self._slope = float(np.polyfit(points[:, 0], points[:, 1], 1)[0])
        # The line through the lower envelope: no recent block lies under it.
        self._intercept = float(np.min(points[:, 1] - self._slope * points[:, 0]))
