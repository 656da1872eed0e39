"""Helpers for the Bluetooth tests: drain a source on a thread and wait on conditions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.sources.base import Source


class Collector:
    """Consumes ``source.stream()`` on its own thread (as the app does), keeping every item."""

    def __init__(self, source: Source, on_item: Callable | None = None) -> None:
        self.source = source
        self.items: list[SampleBatch | StatusEvent] = []
        self._on_item = on_item
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        for item in self.source.stream():
            if self._on_item is not None:
                self._on_item(item)
            with self._lock:
                self.items.append(item)

    def samples(self) -> SampleBatch:
        with self._lock:
            return SampleBatch.concat([i for i in self.items if isinstance(i, SampleBatch)])

    def events(self, kind: StatusKind | None = None) -> list[StatusEvent]:
        with self._lock:
            return [i for i in self.items if isinstance(i, StatusEvent)
                    and (kind is None or i.kind is kind)]

    def wait_for(self, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Until ``condition()`` holds; fails the test after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert time.monotonic() < deadline, "condition not met in time"
            time.sleep(0.02)

    def close(self) -> None:
        self.source.close()
        self._thread.join(timeout=5.0)
        assert not self._thread.is_alive()
