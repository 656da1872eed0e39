"""The simulated sensor: a first-class source that streams a simulated session like a device.

Packets of ``packet_samples`` samples, optional packet loss (sequence numbers show it, exactly
as with a real link), paced in real time for demos and live use or as fast as possible for tests.
Its ground truth stays available as ``truth``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import SensorErrors, Truth, simulate
from imu_monitor.sources.base import SourceInfo, packets


class SimulatedSensor:
    """A simulated sacral IMU running a named scenario."""

    def __init__(
        self,
        scenario: str = "trendelenburg-right",
        seconds: float | None = None,
        rate_hz: float = 100.0,
        seed: int = 1,
        realtime: bool = False,
        speed: float = 1.0,
        packet_samples: int = 10,
        packet_loss: float = 0.0,
        mounting: str | None = None,
        errors: SensorErrors | None = None,
    ) -> None:
        sc = get_scenario(scenario)
        self._seconds = sc.default_seconds if seconds is None else float(seconds)
        # The scenario's own mounting unless one is given (``pitched-sensor`` is about it).
        self._recording = simulate(sc.build(self._seconds), rate_hz, seed,
                                   sc.mounting if mounting is None else mounting, errors)
        # A scenario's activities round up to whole walks: the session lasts what was asked.
        self._length = min(len(self._recording.samples), round(self._seconds * rate_hz))
        self.truth: Truth = self._recording.truth.first(self._length)
        self.realtime = realtime
        self.speed = float(speed)  # when paced: 1 = real time, 20 = twenty times faster
        self.packet_samples = max(1, int(packet_samples))
        self.packet_loss = float(packet_loss)
        self._rng = np.random.default_rng(seed + 7919)
        self._closed = False
        self.info = SourceInfo("simulated", f"Simulated sensor ({scenario})", float(rate_hz),
                               "imu_monitor simulator",
                               {"scenario": scenario, "seed": seed, "seconds": self._seconds,
                                "packet_loss": packet_loss, "mounting": mounting})

    @property
    def samples(self) -> SampleBatch:
        """All samples of the session, before any packet loss."""
        return self._recording.samples.slice(0, self._length)

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        yield StatusEvent(StatusKind.CONNECTED, 0.0, "Simulated sensor connected.")
        speed = self.speed if self.realtime else None
        for packet in packets(self.samples, self.packet_samples, speed, lambda: self._closed):
            if self.packet_loss and self._rng.random() < self.packet_loss:
                continue
            yield packet

    def close(self) -> None:
        self._closed = True
