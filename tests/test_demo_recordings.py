"""The demo recordings shipped in recordings/ open and show what they promise."""

from pathlib import Path

import pytest

from imu_monitor.pipeline import PipelineConfig, analyze_samples
from imu_monitor.recording import open_recording

FOLDER = Path(__file__).resolve().parents[1] / "recordings"


@pytest.mark.parametrize("name, left, right", [
    ("demo-trendelenburg-right.imurec", 4.0, 9.0),
    ("demo-symmetric-walk.imurec", 4.0, 4.0),
])
def test_walk_demos(name, left, right):
    rec = open_recording(FOLDER / name)
    analysis = analyze_samples(rec.samples, rec.rate_hz,
                               PipelineConfig(calibration=rec.calibration))
    assert analysis.summary.left.mean_peak_drop_deg == pytest.approx(left, abs=0.4)
    assert analysis.summary.right.mean_peak_drop_deg == pytest.approx(right, abs=0.4)


def test_single_leg_stance_demo():
    rec = open_recording(FOLDER / "demo-single-leg-stance.imurec")
    assert rec.metadata["drill"] == "single-leg-stance"
    result = analyze_samples(rec.samples, rec.rate_hz,
                             PipelineConfig(drill="single-leg-stance")).drill_result
    assert [b.side for b in result.blocks] == ["left", "right"]
