"""What every decoder shares: the result of one notification and the rejection counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from imu_monitor.samples import SampleBatch


@dataclass
class DecoderStats:
    """Packets accepted and rejected, by reason: a refused packet's samples reach the app
    as lost ones (a gap in the sequence numbers), these say why they were refused."""

    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


class Decoder:
    """Base: subclasses implement ``_decode`` and raise ``Reject(reason)`` on bad packets."""

    name = "decoder"

    def __init__(self) -> None:
        self.stats = DecoderStats()

    def decode(self, packet: bytes, host_time_s: float = 0.0) -> SampleBatch | None:
        """Samples of one notification, or None if it was rejected (and counted)."""
        try:
            batch = self._decode(bytes(packet), host_time_s)
        except Reject as why:
            self.stats.rejected[why.reason] += 1
            return None
        self.stats.accepted += 1
        return batch

    def _decode(self, packet: bytes, host_time_s: float) -> SampleBatch:
        raise NotImplementedError


WRAP = 1 << 32  # device counters and clocks are 32 bits wide


def unwrap(value: int, last: int | None) -> int:
    """The 32-bit counter ``value`` continued from the unwrapped ``last`` (nearest, either way)."""
    if last is None:
        return value
    base = last - (last % WRAP)
    candidates = (base - WRAP + value, base + value, base + WRAP + value)
    return min(candidates, key=lambda c: abs(c - last))


class Reject(Exception):  # a verdict on one packet: it never leaves the decoder
    """A packet the decoder refuses; ``reason`` is one of a few short, stable words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
