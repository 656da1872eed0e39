"""Shared fixtures: simulated sessions are built once per test run (they are deterministic)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

# The app's tests run without a screen (CI, servers): Qt draws offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import (
    SensorErrors,
    SimulatedRecording,
    simulate,
)


@functools.cache
def simulated(scenario: str, seed: int = 1, rate_hz: float = 200.0, mounting: str = "random",
              perfect: bool = False, seconds: float | None = None) -> SimulatedRecording:
    """A simulated session (cached: tests must not modify it)."""
    sc = get_scenario(scenario)
    errors = SensorErrors.none() if perfect else None
    return simulate(sc.build(seconds or sc.default_seconds), rate_hz, seed, mounting, errors)


@pytest.fixture
def sim():
    return simulated


@pytest.fixture(scope="session")
def ipol_folder() -> Path:
    """The IPOL lower-back gait set (real walks with hand-checked footsteps; not part of the
    repository): ``IMU_MONITOR_IPOL``, else ``../shared/data/ipol_gait_lowerback`` next to the
    repository. Tests that need it are skipped without it."""
    root = Path(__file__).resolve().parents[1]
    folder = Path(os.environ.get("IMU_MONITOR_IPOL",
                                 root.parent / "shared" / "data" / "ipol_gait_lowerback"))
    if not any(folder.glob("*_lb.txt")):
        pytest.skip(f"real gait data not found in {folder} (set IMU_MONITOR_IPOL to the IPOL "
                    "lower-back gait set)")
    return folder


@pytest.fixture(scope="session")
def fake_bluez():
    """One private system bus with the fake BlueZ for all Bluetooth tests (each test adds
    its own sensors, with names and addresses of its own)."""
    from imu_monitor.testing.fake_bluez import FakeBluez

    with FakeBluez() as bluez:
        yield bluez
