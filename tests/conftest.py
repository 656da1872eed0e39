"""Shared fixtures: simulated sessions are built once per test run (they are deterministic)."""

from __future__ import annotations

import functools
import importlib.util
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

# The app's tests run without a screen (CI, servers): Qt draws offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Recordings made without a folder go to a scratch folder, never the user's own (nor the
# repository's): the folder is made, with the demos, on first use (recording/places.py).
os.environ["IMU_MONITOR_RECORDINGS"] = str(Path(tempfile.mkdtemp()) / "recordings")
os.environ["IMU_MONITOR_LOG_DIR"] = str(Path(tempfile.mkdtemp()) / "log")

from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import (
    SensorErrors,
    SimulatedRecording,
    simulate,
)

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def simulated(scenario: str, seed: int = 1, rate_hz: float = 200.0, mounting: str = "random",
              perfect: bool = False, seconds: float | None = None) -> SimulatedRecording:
    """A simulated session (cached: tests must not modify it)."""
    sc = get_scenario(scenario)
    errors = SensorErrors.none() if perfect else None
    return simulate(sc.build(seconds or sc.default_seconds), rate_hz, seed, mounting, errors)


def standing_recording(path: Path) -> int:
    """A 10 s recording of standing only (no walking: nothing to analyse); its samples."""
    import numpy as np

    from imu_monitor.recording import RecordingWriter
    from imu_monitor.samples import SampleBatch

    rng = np.random.default_rng(2)
    n = 1000
    with RecordingWriter(path, 100.0, {"drill": "walk"}) as writer:
        writer.append_all(SampleBatch(np.arange(n) / 100.0, np.arange(n),
                                      rng.normal(0, 0.02, (n, 3)) + np.array([0, 0, 9.81]),
                                      rng.normal(0, 0.002, (n, 3))))
    return n


def interruptible() -> None:
    """``preexec_fn`` of a command a test will Ctrl-C: Ctrl-C does what it does at a terminal,
    even when the tests themselves run as a background job (which starts with it ignored,
    and a child inherits that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def bench_module(name: str) -> ModuleType:
    """A script of bench/ as a module: a test reuses what a benchmark checks."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def _shared_data(variable: str, folder_name: str, pattern: str, name: str) -> Path:
    """A real data set beside the repository (not in it): the folder in ``variable``, or
    ``../shared/data/folder_name``; the test is skipped, with the reason, without it."""
    folder = Path(os.environ.get(variable, ROOT / ".." / "shared" / "data" / folder_name))
    if not any(folder.glob(pattern)):
        pytest.skip(f"the {name} data set is not in {folder} (set {variable} to its folder)")
    return folder


@pytest.fixture(scope="session")
def ipol_folder() -> Path:
    """The real lower-back gait data set."""
    return _shared_data("IMU_MONITOR_IPOL", "ipol_gait_lowerback", "*_lb.txt",
                        "IPOL lower-back gait")


@pytest.fixture(scope="session")
def broad_folder() -> Path:
    """Real IMU motion with optical orientation truth (BROAD)."""
    return _shared_data("IMU_MONITOR_BROAD", "broad_orientation", "*.npz", "BROAD orientation")


@pytest.fixture
def sim():
    return simulated


@pytest.fixture(scope="session")
def fake_bluez():
    """One private system bus with the fake BlueZ for all Bluetooth tests (each test adds
    its own sensors, with names and addresses of its own)."""
    from imu_monitor.testing.fake_bluez import FakeBluez

    with FakeBluez() as bluez:
        yield bluez


def reclipped(samples, from_s: float, roll_deg: float, rate_hz: float):
    """``samples`` with the sensor turned by ``roll_deg`` about the body's forward axis
    (sensor z in x=up,y=right,z=forward) from ``from_s`` on: re-clipped between two walks."""
    import numpy as np

    from imu_monitor.rotations import rotation_vector_to_matrix
    from imu_monitor.samples import SampleBatch

    turn = rotation_vector_to_matrix(np.array([0.0, 0.0, np.radians(roll_deg)]))
    k = round(from_s * rate_hz)
    acc, gyr = samples.acc.copy(), samples.gyr.copy()
    acc[k:], gyr[k:] = acc[k:] @ turn.T, gyr[k:] @ turn.T
    return SampleBatch(samples.time_s, samples.seq, acc, gyr)
