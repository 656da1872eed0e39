"""What every source promises the pipeline, the recorder and the app — the simulated sensor,
a replayed recording, a file of samples (ours and a sensor app's export), the Bluetooth link
through the fake BlueZ — checked the same way for each (docs/architecture.md)."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from imu_monitor.importers import FORMATS
from imu_monitor.samples import SampleBatch, StatusEvent
from imu_monitor.sources.base import Source
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.sources.simulated import SimulatedSensor
from imu_monitor.sources.spec import open_source
from tests.vendor_files import write_mt_manager

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo-symmetric-walk.imurec"
KINDS = {"simulated", "replay", "csv", "ble", *FORMATS}  # a file: the format it was read as
_BLE_NUMBERS = itertools.count(1)
SPEED = 20.0  # paced sources play this many times faster than real time here


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sources")
    walk = SimulatedSensor("symmetric-walk", 12.0, rate_hz=100.0, seed=5).samples
    write_csv(folder / "walk.csv", walk, 100.0, {"source": "simulated"})
    write_mt_manager(folder / "MT_walk.txt", walk, 100.0)
    return folder


def _sources(files: Path, fake_bluez) -> dict[str, Callable[[], Source]]:
    def ble() -> Source:
        from imu_monitor.link.ble import BleSource

        k = next(_BLE_NUMBERS)  # each test its own fake sensor
        fake_bluez.add_sensor("imu_monitor", f"CONFORM-{k}", f"C0:00:00:00:0C:{k:02X}",
                              rate_hz=100.0)
        return BleSource(f"CONFORM-{k}", rate_hz=100.0)

    return {
        "sim": lambda: open_source("sim:symmetric-walk", realtime=False, seconds=12),
        "sim paced": lambda: SimulatedSensor("symmetric-walk", 12.0, realtime=True,
                                             speed=SPEED),
        "recording": lambda: open_source(str(DEMO), realtime=False),
        "recording paced": lambda: RecordingReplay(DEMO, speed=SPEED),
        "csv": lambda: open_source(str(files / "walk.csv"), realtime=False),
        "csv paced": lambda: ImportedFile(files / "walk.csv", speed=SPEED),
        "vendor export": lambda: open_source(str(files / "MT_walk.txt"), realtime=False),
        "ble": ble,
    }


NAMES = ["sim", "sim paced", "recording", "recording paced", "csv", "csv paced",
         "vendor export", "ble"]


def _drain(source: Source, enough: int) -> tuple[list, float, bool]:
    """Items of ``source.stream()`` on a thread until it ends or ``enough`` samples came;
    then ``close()``: (items, seconds taken, whether the stream ended by itself)."""
    items: list = []
    done = threading.Event()
    ended = []

    def read() -> None:
        for item in source.stream():
            items.append(item)
            if sum(len(i) for i in items if isinstance(i, SampleBatch)) >= enough:
                break
        else:
            ended.append(True)
        done.set()

    t0 = time.monotonic()
    threading.Thread(target=read, daemon=True).start()
    assert done.wait(60.0), "the source produced nothing for a minute"
    taken = time.monotonic() - t0
    source.close()
    source.close()  # twice is harmless
    return items, taken, bool(ended)


@pytest.mark.parametrize("name", NAMES)
def test_every_source_keeps_the_same_promises(name, files, fake_bluez):
    source = _sources(files, fake_bluez)[name]()
    info = source.info
    assert info.kind in KINDS and isinstance(info.name, str) and info.name
    assert math.isfinite(info.rate_hz) and info.rate_hz > 0
    items, taken, _ = _drain(source, enough=800)
    batches = [i for i in items if isinstance(i, SampleBatch)]
    assert all(isinstance(i, SampleBatch | StatusEvent) for i in items)
    assert batches and sum(len(b) for b in batches) >= 800
    for b in batches:
        assert len(b) >= 1 and b.acc.shape == (len(b), 3) and b.gyr.shape == (len(b), 3)
        assert np.issubdtype(b.seq.dtype, np.integer)
        assert np.isfinite(b.acc).all() and np.isfinite(b.time_s).all()
    seq = np.concatenate([b.seq for b in batches])
    t = np.concatenate([b.time_s for b in batches])
    assert (np.diff(seq) > 0).all(), "sequence numbers go forward"
    # Times follow the sequence numbers at the stated rate (a link's clock within 2 %).
    np.testing.assert_allclose(np.diff(t), np.diff(seq) / info.rate_hz, rtol=0.02, atol=2e-3)
    if name.endswith("paced") or name == "ble":  # played like a live sensor: in (scaled) time
        speed = 1.0 if name == "ble" else SPEED
        assert taken >= 0.8 * (t[-1] - t[0]) / speed


@pytest.mark.parametrize("name", ["sim paced", "recording paced", "csv paced", "ble"])
def test_closing_a_live_source_ends_its_stream_at_once(name, files, fake_bluez):
    source = _sources(files, fake_bluez)[name]()
    stream = iter(source.stream())
    next(stream)
    ended = threading.Event()

    def read_on() -> None:
        for _ in stream:
            pass
        ended.set()

    threading.Thread(target=read_on, daemon=True).start()
    time.sleep(0.2)
    source.close()
    assert ended.wait(5.0), "the stream went on after close()"
