"""Timestamped sample batches and status events: what every source yields.

Units are fixed at the source boundary: device time in s, acc as specific force in m/s²,
gyro in rad/s, all in the sensor's own axes.

Sensors that fuse on board and send no gyroscope (Movella DOT quaternion and Euler modes) are
*orientation-only*: ``quat`` is their orientation, sensor → a z-up world (w, x, y, z; heading
arbitrary), ``gyr`` is NaN (not measured), and ``acc`` is still the specific force in sensor
axes, rebuilt by the decoder from the free acceleration a_free (world axes, gravity removed) as
``R_world←sensorᵀ (a_free + g·ẑ)``. The pipeline recognises such batches (a quaternion and no
finite gyro value) and uses the quaternion instead of its own filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """``n`` consecutive samples as received (sequence numbers reveal lost ones)."""

    time_s: np.ndarray  # (n,) device time, s
    seq: np.ndarray  # (n,) int64 per-sample sequence number
    acc: np.ndarray  # (n, 3) m/s², specific force
    gyr: np.ndarray  # (n, 3) rad/s; NaN from orientation-only sensors
    mag: np.ndarray | None = None  # (n, 3) arbitrary units
    quat: np.ndarray | None = None  # (n, 4) device orientation w, x, y, z, sensor → world

    def __post_init__(self) -> None:
        n = len(self.time_s)
        for name in ("seq", "acc", "gyr", "mag", "quat"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name} has {len(value)} rows, time_s has {n}")

    def __len__(self) -> int:
        return len(self.time_s)

    def slice(self, start: int, stop: int) -> SampleBatch:
        """Samples ``start:stop`` as a new batch (views, no copies)."""
        return SampleBatch(
            self.time_s[start:stop],
            self.seq[start:stop],
            self.acc[start:stop],
            self.gyr[start:stop],
            None if self.mag is None else self.mag[start:stop],
            None if self.quat is None else self.quat[start:stop],
        )

    @staticmethod
    def concat(batches: list[SampleBatch]) -> SampleBatch:
        """One batch holding ``batches`` in order (optional fields kept only if all have them)."""
        if not batches:
            return SampleBatch(np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3)),
                               np.zeros((0, 3)))

        def joined(name: str) -> np.ndarray | None:
            parts = [getattr(b, name) for b in batches]
            return None if any(p is None for p in parts) else np.concatenate(parts)

        return SampleBatch(
            np.concatenate([b.time_s for b in batches]),
            np.concatenate([b.seq for b in batches]),
            np.concatenate([b.acc for b in batches]),
            np.concatenate([b.gyr for b in batches]),
            joined("mag"),
            joined("quat"),
        )


class StatusKind(Enum):
    """What a status event reports about the link."""

    CONNECTED = "connected"
    LOST = "lost"
    BATTERY = "battery"
    PACKETS_LOST = "packets_lost"
    NO_DATA = "no_data"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A link event; ``message`` is a sentence for the clinician."""

    kind: StatusKind
    time_s: float
    message: str
    value: float | None = None
