"""Replay of a recording: just another source, packet by packet, optionally in real time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from imu_monitor.recording.reader import open_recording
from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.sources.base import SourceInfo, packets


class RecordingReplay:
    """Streams a recording's samples as they were received (gaps stay gaps)."""

    def __init__(self, path: str | Path, speed: float | None = None, packet_samples: int = 10,
                 salvage: bool = False) -> None:
        # Arrival times are not replayed: leaving them unread saves 8 bytes a sample.
        self.recording = open_recording(path, salvage=salvage, host_time=False)
        self.speed = speed
        self.packet_samples = max(1, int(packet_samples))
        self._closed = False
        device = self.recording.metadata.get("device") or {}
        self.info = SourceInfo("replay", Path(path).name, self.recording.rate_hz,
                               str(device.get("model", "")), dict(self.recording.metadata))

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        rec = self.recording
        yield StatusEvent(StatusKind.INFO, 0.0, f"Replaying {rec.path.name}.")
        yield from packets(rec.samples, self.packet_samples, self.speed, lambda: self._closed)

    def close(self) -> None:
        self._closed = True

    def take_samples(self) -> SampleBatch:
        """Every sample at once, for analysing the whole recording: the replay is closed and
        keeps no reference to them (its recording keeps only metadata, markers and events), so
        the analysis decides how long they are held."""
        self.close()
        samples = self.recording.samples
        self.recording = replace(self.recording, samples=SampleBatch.concat([]))  # not a view
        return samples
