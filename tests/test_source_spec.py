"""Naming a source: the same strings in the command line and the app."""

from pathlib import Path

import pytest

from imu_monitor.errors import InputDataError
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.sources.simulated import SimulatedSensor
from imu_monitor.sources.spec import open_source

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo-symmetric-walk.imurec"


def test_sim_with_and_without_scenario():
    default = open_source("sim", realtime=False)
    assert isinstance(default, SimulatedSensor)
    assert default.info.details["scenario"] == "trendelenburg-right"
    walk = open_source("sim:symmetric-walk", realtime=False, seconds=10, rate_hz=200.0,
                       connect_timeout_s=3)  # options of other kinds are ignored
    assert walk.info.details["scenario"] == "symmetric-walk"
    assert walk.info.rate_hz == 200.0 and not walk.realtime


def test_recording_path_is_replayed():
    source = open_source(str(DEMO), realtime=False)
    assert isinstance(source, RecordingReplay)
    assert source.speed is None


@pytest.mark.parametrize("spec, words", [("sim:moonwalk", "no simulated scenario"),
                                         ("ble:", "Name the sensor"),
                                         ("usb:3", "is not a source")])
def test_bad_specs_are_explained(spec, words):
    with pytest.raises(InputDataError, match=words):
        open_source(spec)
