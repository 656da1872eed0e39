"""The Bluetooth link's own counters (state, refused packets, reconnections), updated by the
link thread and read as immutable snapshots from any thread. The app's status bar does not
need them: it reads rate and loss from the samples and events every source delivers
(``app/engine.py``); these tell what the link itself did, for its tests and diagnostics."""

from __future__ import annotations

import threading
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
    (also during an outage)."""

    state: LinkState
    packets_rejected: int
    samples_lost: int
    lost_percent: float
    battery_percent: int | None
    reconnects: int


class StatsRecorder:
    """Thread-safe counters behind :class:`LinkStats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = LinkState.SEARCHING
        self.battery: int | None = None
        self.samples = self.lost = self.rejected = self.reconnects = 0

    def update(self, **fields) -> None:
        with self._lock:
            for name, value in fields.items():
                setattr(self, name, value)

    def packet(self, samples: int, lost: int) -> None:
        with self._lock:
            self.samples += samples
            self.lost += lost

    def rejected_packet(self) -> None:
        with self._lock:
            self.rejected += 1

    def snapshot(self) -> LinkStats:
        with self._lock:
            total = self.samples + self.lost
            return LinkStats(self.state, self.rejected, self.lost,
                             100.0 * self.lost / total if total else 0.0, self.battery,
                             self.reconnects)
