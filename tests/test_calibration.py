"""Calibration: vertical and neutral from standing, forward from walking or a declared mounting."""

import numpy as np
import pytest

from imu_monitor.errors import CalibrationError, InputDataError
from imu_monitor.pipeline import Pipeline, PipelineConfig, analyze_samples
from imu_monitor.processing.calibration import StreamingCalibrator, parse_axes
from imu_monitor.processing.orientation import OrientationFilter

from .conftest import simulated


def _calibrate(rec, axes=None):
    f = OrientationFilter(200.0)
    q = f.update(rec.samples.gyr, rec.samples.acc)
    cal = StreamingCalibrator(200.0, axes)
    return cal.update(rec.samples.acc, rec.samples.gyr, q), cal


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_any_mounting_is_found_within_two_degrees(seed):
    rec = simulated("symmetric-walk", seed=seed)
    cal, _ = _calibrate(rec)
    assert cal is not None and cal.forward_source == "walk"
    relative = cal.pelvis_from_sensor @ rec.truth.pelvis_from_sensor.T
    angle = np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1, 1)))
    assert angle < 2.0


def test_declared_axes_give_forward_without_walking():
    rec = simulated("symmetric-walk", seed=1, mounting="x=up,y=right,z=forward")
    cal, _ = _calibrate(rec, parse_axes("x=up,y=right,z=forward"))
    assert cal.forward_source == "axes"
    assert cal.still_end_s <= 5.0  # found at the end of standing, no walk needed
    assert cal.forward_sensor @ np.array([0, 0, 1.0]) > 0.99


def test_parse_axes_matrix():
    m = parse_axes("x=up,y=right,z=forward")
    np.testing.assert_array_equal(m @ [1, 0, 0], [0, 0, 1])  # sensor x is up
    np.testing.assert_array_equal(m @ [0, 1, 0], [0, -1, 0])  # sensor y is right = -left
    np.testing.assert_array_equal(m @ [0, 0, 1], [1, 0, 0])


@pytest.mark.parametrize("spec, words", [
    ("x=up,y=up,z=forward", "same way"),
    ("x=up,y=left,z=forward", "mirror"),
    ("x=up,y=sideways,z=forward", "cannot be read"),
    ("x=up,y=left", "all three"),
])
def test_bad_axes_are_explained(spec, words):
    with pytest.raises(InputDataError, match=words):
        parse_axes(spec)


def test_too_short_to_calibrate_says_so():
    rec = simulated("symmetric-walk", seed=1)
    with pytest.raises(CalibrationError, match="stand still"):
        analyze_samples(rec.samples.slice(0, 200), 200.0)  # one second only


def test_no_walk_after_standing_asks_for_one_or_axes():
    rec = simulated("symmetric-walk", seed=1)
    with pytest.raises(CalibrationError, match="--axes"):
        analyze_samples(rec.samples.slice(0, 1000), 200.0, PipelineConfig())


def test_still_period_until_the_end_of_the_file_is_used():
    """A 4 s standing file with a declared mounting calibrates (the run ends with the data)."""
    rec = simulated("symmetric-walk", seed=1, mounting="x=up,y=right,z=forward")
    pipeline = Pipeline(200.0, PipelineConfig(axes=parse_axes("x=up,y=right,z=forward")))
    pipeline.push(rec.samples.slice(0, 800))
    result = pipeline.finish(require_steps=False)
    assert result.calibration.forward_source == "axes"
    assert len(pipeline.obliquity) == 800


def test_standing_only_at_the_end_still_calibrates():
    rec = simulated("trendelenburg-right", seed=1)
    analysis = analyze_samples(rec.samples.slice(1100, len(rec.samples)), 200.0)
    assert analysis.calibration.neutral_source == "standing"
    assert analysis.calibration.still_start_s > 50
    assert analysis.summary["right"]["mean_peak_drop_deg"] == pytest.approx(9.0, abs=0.5)
    assert analysis.summary["left"]["mean_peak_drop_deg"] == pytest.approx(4.0, abs=0.5)


def test_no_standing_at_all_uses_the_mean_posture_and_says_so():
    from imu_monitor.cli.report import format_analysis

    rec = simulated("trendelenburg-right", seed=1)
    walking_only = rec.samples.slice(1100, len(rec.samples) - 700)
    analysis = analyze_samples(walking_only, 200.0)
    assert analysis.calibration.neutral_source == "mean posture"
    assert "NOBODY STOOD STILL" in format_analysis(analysis, "x")
    # Feet are still right (shift the truth to the new time origin).
    shift = 1100 / 200.0
    steps = analysis.steps
    times = np.array([s.time_s + shift for s in steps])
    truth = [t for t in rec.truth.steps if 6.0 < t["time_s"] < 60.0 and t["amplitude"] > 0.8]
    right = 0
    for t in truth:
        j = int(np.argmin(np.abs(times - t["time_s"])))
        right += abs(times[j] - t["time_s"]) < 0.25 and steps[j].side == t["side"]
    assert right / len(truth) >= 0.99
    # Drops are relative to the mean walking posture: the weak side still stands out.
    assert analysis.summary["asymmetry_deg"] > 1.5
