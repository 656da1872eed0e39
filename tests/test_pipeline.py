"""The whole pipeline against simulated truth: accuracy, and live == batch."""

import numpy as np
import pytest

from imu_monitor.pipeline import Pipeline, PipelineConfig, analyze_samples
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.simulated import SimulatedSensor

from .conftest import simulated

RATE = 200.0


def _truth_relative_to_neutral(rec, analysis):
    """The product's zero is the mean standing posture of the calibration window."""
    cal = analysis.calibration
    t = rec.truth.time_s
    window = (t >= cal.still_start_s) & (t < cal.still_end_s)
    return float(rec.truth.obliquity_deg[window].mean())


def _matched(rec, analysis, min_amplitude=0.8):
    """(truth step, detected step) pairs within 0.25 s; truth steps at full gait amplitude."""
    detected = np.array([s.time_s for s in analysis.steps])
    pairs = []
    for truth in rec.truth.steps:
        if truth["amplitude"] < min_amplitude:
            continue
        j = int(np.argmin(np.abs(detected - truth["time_s"])))
        hit = analysis.steps[j] if abs(detected[j] - truth["time_s"]) < 0.25 else None
        pairs.append((truth, hit))
    return pairs


@pytest.mark.parametrize("scenario, seed", [("trendelenburg-right", 1),
                                            ("trendelenburg-right", 2),
                                            ("trendelenburg-left", 4),
                                            ("symmetric-walk", 5)])
def test_walk_with_known_drop_is_measured(scenario, seed):
    """Noise, gyro bias and drift, a random mounting, U-turns: the issue's accuracy targets."""
    rec = simulated(scenario, seed=seed)
    pipeline = Pipeline(RATE)
    pipeline.push(rec.samples)
    analysis = pipeline.finish()
    neutral = _truth_relative_to_neutral(rec, analysis)

    # Obliquity RMSE ≤ 0.5° over the whole session.
    obliquity = pipeline.obliquity.view.astype(float)
    error = obliquity - (rec.truth.obliquity_deg - neutral)
    assert np.sqrt(np.mean(error**2)) <= 0.5

    # ≥ 99 % of steps found with the right side.
    pairs = _matched(rec, analysis)
    right = sum(hit is not None and hit.side == truth["side"] for truth, hit in pairs)
    assert right / len(pairs) >= 0.99

    # Per-side mean peak drop within 0.3° of the truth.
    for side in ("left", "right"):
        truth_drop = [t["peak_drop_deg"] + (neutral if side == "right" else -neutral)
                      for t, _ in pairs if t["side"] == side]
        measured = analysis.summary[side]["mean_peak_drop_deg"]
        assert measured == pytest.approx(np.mean(truth_drop), abs=0.3)


def test_per_side_drop_error_over_many_sessions():
    """18 walkway sessions (3 scenarios × 6 seeds): typical and worst per-side error."""
    errors = []
    for scenario in ("trendelenburg-right", "trendelenburg-left", "symmetric-walk"):
        for seed in range(1, 7):
            rec = simulated(scenario, seed=seed)
            analysis = analyze_samples(rec.samples, RATE)
            neutral = _truth_relative_to_neutral(rec, analysis)
            pairs = _matched(rec, analysis)
            for side in ("left", "right"):
                truth = np.mean([t["peak_drop_deg"] + (neutral if side == "right" else -neutral)
                                 for t, _ in pairs if t["side"] == side])
                errors.append(abs(analysis.summary[side]["mean_peak_drop_deg"] - truth))
    assert np.mean(errors) <= 0.2
    assert np.max(errors) <= 0.35
    assert np.mean(np.array(errors) <= 0.3) >= 0.9


def test_weak_side_is_the_one_whose_opposite_hip_drops_more():
    rec = simulated("trendelenburg-right", seed=1)
    summary = analyze_samples(rec.samples, RATE).summary
    assert summary["right"]["mean_peak_drop_deg"] > summary["left"]["mean_peak_drop_deg"] + 3
    assert summary["asymmetry_deg"] > 3
    assert summary["right"]["steps_over_threshold"] > 0.9 * summary["right"]["steps"]
    assert summary["left"]["steps_over_threshold"] == 0
    assert summary["cadence_spm"] == pytest.approx(110, abs=3)


def test_live_packets_and_batch_give_identical_numbers():
    rec = simulated("walk-varied", seed=2)
    batch = analyze_samples(rec.samples, RATE).to_dict()
    live = Pipeline(RATE)
    rng = np.random.default_rng(1)
    start = 0
    while start < len(rec.samples):
        n = int(rng.integers(1, 40))
        live.push(rec.samples.slice(start, start + n))
        start += n
    assert live.finish().to_dict() == batch


def test_lost_packets_are_counted_and_steps_still_found():
    sensor = SimulatedSensor("symmetric-walk", rate_hz=RATE, seed=3, packet_loss=0.05)
    packets = [p for p in sensor.stream() if isinstance(p, SampleBatch)]
    pipeline = Pipeline(RATE)
    for p in packets:
        pipeline.push(p)
    analysis = pipeline.finish()
    received = sum(len(p) for p in packets)
    span = packets[-1].seq[-1] - packets[0].seq[0] + 1  # a loss after the last packet is unseen
    assert analysis.lost_samples == span - received > 0
    assert not pipeline.valid.view.all()  # held samples are marked, not passed off as measured
    full = analyze_samples(sensor.samples, RATE)
    assert abs(len(analysis.steps) - len(full.steps)) <= 2
    assert analysis.summary["right"]["mean_peak_drop_deg"] == pytest.approx(
        full.summary["right"]["mean_peak_drop_deg"], abs=0.3)


def test_duplicate_and_reordered_samples_are_rejected_and_counted():
    rec = simulated("symmetric-walk", seed=1)
    s = rec.samples
    pipeline = Pipeline(RATE)
    pipeline.push(s.slice(0, 1000))
    pipeline.push(s.slice(990, 1010))  # 10 duplicates
    assert pipeline.rejected_samples == 10
    assert pipeline.samples == 1010


def test_running_steps_and_sides():
    rec = simulated("run", seed=1)
    analysis = analyze_samples(rec.samples, RATE, PipelineConfig(drill="run"))
    # The running part (after the calibration walk and a pause).
    pairs = [(t, hit) for t, hit in _matched(rec, analysis) if t["time_s"] > 16.0]
    right = sum(hit is not None and hit.side == truth["side"] for truth, hit in pairs)
    assert right / len(pairs) >= 0.97
    assert analysis.summary["right"]["mean_peak_drop_deg"] > analysis.summary["left"][
        "mean_peak_drop_deg"]
