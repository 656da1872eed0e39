"""Link health for the app's status display: counters updated by the link thread, read as
immutable snapshots from any thread."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum


class LinkState(Enum):
    """Where the link is; the app shows it next to the sensor's name."""

    SEARCHING = "searching"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    LOST_RECONNECTING = "lost-reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class LinkStats:
    """One consistent snapshot. Lost samples are those the sequence numbers show missing
    (also during an outage); ``packets_lost`` estimates them in packets of the mean size."""

    state: LinkState
    rate_hz: float  # samples per second received over the last 2 s
    packets_received: int
    packets_lost: int
    packets_rejected: int
    samples_received: int
    samples_lost: int
    lost_percent: float
    battery_percent: int | None
    reconnects: int


class StatsRecorder:
    """Thread-safe counters behind :class:`LinkStats`."""

    WINDOW_S = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: deque[tuple[float, int]] = deque()
        self.state = LinkState.SEARCHING
        self.battery: int | None = None
        self.received = self.samples = self.lost = self.rejected = self.reconnects = 0

    def update(self, **fields) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(self, name, value)

    def packet(self, arrival_s: float, samples: int, lost: int) -> None:
        with self._lock:
            self.received += 1
            self.samples += samples
            self.lost += lost
            self._recent.append((arrival_s, samples))
            while self._recent and arrival_s - self._recent[0][0] > self.WINDOW_S:
                self._recent.popleft()

    def rejected_packet(self) -> None:
        with self._lock:
            self.rejected += 1

    def snapshot(self) -> LinkStats:
        with self._lock:
            now = time.monotonic()
            recent = [n for t, n in self._recent if now - t <= self.WINDOW_S]
            per_packet = self.samples / self.received if self.received else 1.0
            total = self.samples + self.lost
            return LinkStats(self.state, sum(recent) / self.WINDOW_S, self.received,
                             round(self.lost / per_packet), self.rejected, self.samples,
                             self.lost, 100.0 * self.lost / total if total else 0.0,
                             self.battery, self.reconnects)
