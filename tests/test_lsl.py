"""The Lab Streaming Layer outlets, received by an inlet in this process (loopback): all three
streams, their channel descriptions, and samples equal to what the recording stores."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

pylsl = pytest.importorskip("pylsl")

from imu_monitor.cli.live import run_live  # noqa: E402
from imu_monitor.lsl import ANGLES_NAME, RAW_NAME, STEPS_NAME, LslPublisher  # noqa: E402
from imu_monitor.pipeline import PipelineConfig  # noqa: E402
from imu_monitor.recording import RecordingWriter, open_recording  # noqa: E402
from imu_monitor.sources.simulated import SimulatedSensor  # noqa: E402


def _inlet(name: str):
    found = pylsl.resolve_byprop("name", name, timeout=10)
    assert found, f"no stream {name}"
    inlet = pylsl.StreamInlet(found[0], max_buflen=600, recover=False)
    inlet.open_stream(timeout=10)
    return inlet


def _drain(inlet, into: list, stamps: list, stop: threading.Event) -> None:
    while not stop.is_set():
        chunk, ts = inlet.pull_chunk(timeout=0.2, max_samples=100_000)
        into += chunk
        stamps += ts


def _channels(info) -> list[tuple[str, str]]:
    channel = info.desc().child("channels").child("channel")
    out = []
    while not channel.empty():
        out.append((channel.child_value("label"), channel.child_value("unit")))
        channel = channel.next_sibling()
    return out


def test_three_streams_carry_every_sample_angle_and_step(tmp_path, capsys):
    source = SimulatedSensor("trendelenburg-right", 40.0, rate_hz=100.0, realtime=True,
                             speed=8.0, seed=2)
    publisher = LslPublisher("test-sensor", 100.0)
    inlets = {name: _inlet(name) for name in (RAW_NAME, ANGLES_NAME, STEPS_NAME)}
    received = {name: ([], []) for name in inlets}
    stop = threading.Event()
    threads = [threading.Thread(target=_drain, args=(inlets[n], *received[n], stop))
               for n in inlets]
    for t in threads:
        t.start()
    path = tmp_path / "r.imurec"
    with RecordingWriter(path, 100.0) as writer:
        analysis = run_live(source, PipelineConfig(), recorder=writer, publisher=publisher)
    time.sleep(1.5)
    stop.set()
    for t in threads:
        t.join()
    rec = open_recording(path)

    raw, raw_t = received[RAW_NAME]
    raw = np.array(raw)
    assert len(raw) == len(rec.samples)
    np.testing.assert_array_equal(raw[:, 6], rec.samples.seq)
    np.testing.assert_allclose(raw[:, :3], rec.samples.acc)
    np.testing.assert_allclose(raw[:, 3:6], rec.samples.gyr)
    spacing = np.diff(raw_t)  # the sensor's clock, mapped: regular, never backwards
    assert np.all(spacing >= 0) and np.median(spacing) == pytest.approx(0.01, rel=0.1)

    angles = np.array(received[ANGLES_NAME][0])
    assert angles.shape[1] == 3 and 0.8 * len(raw) < len(angles) <= len(raw)
    assert np.nanmax(angles[:, 0]) > 5  # the trace of a drop

    markers = [json.loads(m[0]) for m in received[STEPS_NAME][0]]
    assert len(markers) == len(analysis.steps) > 30
    assert {m["side"] for m in markers} == {"left", "right"}
    counted = [m for m in markers if m["counted"]]
    right = np.mean([m["peak_drop_deg"] for m in counted if m["side"] == "right"])
    assert right == pytest.approx(analysis.summary.right.mean_peak_drop_deg, abs=0.01)

    raw_info = inlets[RAW_NAME].info(timeout=5)
    assert raw_info.type() == "IMU" and raw_info.source_id() == "test-sensor-raw"
    assert _channels(raw_info)[0] == ("acc_x", "m/s^2") and _channels(raw_info)[6][0] == "seq"
    assert _channels(inlets[ANGLES_NAME].info(timeout=5)) == [
        ("obliquity", "degrees"), ("tilt", "degrees"), ("rotation", "degrees")]
    assert inlets[STEPS_NAME].info(timeout=5).type() == "Markers"
