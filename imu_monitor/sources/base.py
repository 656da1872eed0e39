"""The source interface and helpers shared by all sources."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from imu_monitor.samples import SampleBatch, StatusEvent


@dataclass(frozen=True)
class SourceInfo:
    """What the user is told about a source, and what a recording stores about it."""

    kind: str  # "simulated", "csv", "ble", "replay"
    name: str
    rate_hz: float
    model: str = ""
    details: dict = field(default_factory=dict)


class Source(Protocol):
    """Anything that produces samples: start streaming, yield packets and events, close."""

    info: SourceInfo

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        """Packets in order of arrival, interleaved with link events."""
        ...

    def close(self) -> None:
        """Stop streaming and release the device or file."""
        ...


def close_in_background(source: Source) -> None:
    """Close ``source`` on a thread of its own: a Bluetooth disconnect takes seconds, which
    the GUI thread must never wait for."""
    threading.Thread(target=source.close, name="source-close", daemon=True).start()


def read_all(source: Source) -> tuple[SampleBatch, list[StatusEvent]]:
    """Drain a (finite) source into one batch, for batch analysis and export."""
    batches: list[SampleBatch] = []
    events: list[StatusEvent] = []
    try:
        for item in source.stream():
            (batches if isinstance(item, SampleBatch) else events).append(item)
    finally:
        source.close()
    if len(batches) == 1:  # a file read at once: the batch itself, not a copy of it
        return batches[0], events
    return SampleBatch.concat(batches), events


def packets(samples: SampleBatch, packet_samples: int, speed: float | None,
            closed: Callable[[], bool]) -> Iterator[SampleBatch]:
    """A session's samples as a sensor sends them: packets of ``packet_samples``, each when
    its last sample is due at ``speed`` times real time (None: at once), until ``closed()``.
    The one pacing of every source that plays stored or simulated samples."""
    start = time.monotonic()
    t0 = float(samples.time_s[0]) if len(samples) else 0.0
    for first in range(0, len(samples), max(1, packet_samples)):
        if closed():
            return
        packet = samples.slice(first, first + packet_samples)
        if speed:
            delay = start + (float(packet.time_s[-1]) - t0) / speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield packet
