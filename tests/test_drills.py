"""Single-leg drills against simulated truth."""

import pytest

from imu_monitor.pipeline import PipelineConfig, analyze_samples

from .conftest import simulated


@pytest.mark.parametrize("seed", [1, 2])
def test_single_leg_stance_holds(seed):
    rec = simulated("single-leg-stance", seed=seed)
    result = analyze_samples(rec.samples, 200.0,
                             PipelineConfig(drill="single-leg-stance")).drill_result
    blocks = result.blocks
    assert [b.side for b in blocks] == [t["side"] for t in rec.truth.drills]
    for block, truth in zip(blocks, rec.truth.drills, strict=True):
        assert block.hold_s == pytest.approx(truth["hold_s"], abs=1.0)
        assert block.start_s == pytest.approx(truth["start_s"], abs=0.5)
        assert block.mean_drop_deg == pytest.approx(truth["mean_drop_deg"], abs=0.5)
        assert block.sway_deg == pytest.approx(truth["sway_deg"], abs=0.3)
        assert 0 <= block.time_in_band_pct <= 100


def test_declared_side_overrides_detection():
    rec = simulated("single-leg-stance", seed=1)
    result = analyze_samples(rec.samples, 200.0,
                             PipelineConfig(drill="single-leg-stance", side="right")).drill_result
    assert all(b.side == "right" for b in result.blocks)


def test_hip_hike_reps_and_range():
    rec = simulated("hip-hike", seed=1)
    result = analyze_samples(rec.samples, 200.0, PipelineConfig(drill="hip-hike")).drill_result
    assert [b.side for b in result.blocks] == ["left", "right"]
    for block in result.blocks:
        assert block.reps == 8
        for rep in block.rep_list:
            assert rep.range_deg == pytest.approx(14.0, abs=1.0)
            assert rep.lift_deg == pytest.approx(8.0, abs=1.0)


def test_step_down_peak_drop_per_rep():
    rec = simulated("step-down", seed=1)
    result = analyze_samples(rec.samples, 200.0, PipelineConfig(drill="step-down")).drill_result
    assert [b.side for b in result.blocks] == ["left", "right"]
    for block in result.blocks:
        assert block.reps == 8
        assert block.mean_peak_drop_deg == pytest.approx(6.0, abs=0.8)
