"""Long recordings in bounded memory, with the same numbers as everything at once.

The offline filter in windows against one whole run of the vqf package; the pipeline,
the calibration evidence, the gap filler and the .sto writer in small pieces against one
piece; recordings read column by column; ``simulate`` writing as it goes. The memory itself
is measured by ``bench/memory.py`` (long sessions do not belong in tests); here only what an
analysis allocates per sample, counted by tracemalloc (no noise from the machine).
"""

import tracemalloc

import numpy as np
import pytest
from vqf import offlineVQF

import imu_monitor.pipeline as pipeline_module
import imu_monitor.processing.alignment as alignment_module
import imu_monitor.processing.offline_vqf as offline_vqf_module
import imu_monitor.processing.orientation as orientation_module
from imu_monitor.analysis import analyze_source, open_stored
from imu_monitor.export import opensim
from imu_monitor.pipeline import Pipeline, PipelineConfig, analyze_samples
from imu_monitor.processing.offline_vqf import offline_vqf, offline_vqf_unbiased
from imu_monitor.processing.orientation import FilterParams, offline_orientation
from imu_monitor.recording import RecordingWriter, open_recording
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.base import read_all
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.sources.simulated import SimulatedSensor

from .conftest import bench_module, simulated
from .test_cli import run

RATE = 100.0


def _lossy(samples: SampleBatch, seed: int, bursts: int = 40) -> SampleBatch:
    """``samples`` with some lost (single packets and a few long gaps)."""
    rng = np.random.default_rng(seed)
    keep = rng.random(len(samples)) > 0.02
    for start in rng.integers(0, len(samples) - 200, bursts):
        keep[start: start + rng.integers(1, 120)] = False
    return SampleBatch(*(None if a is None else a[keep] for a in (
        samples.time_s, samples.seq, samples.acc, samples.gyr, samples.mag, samples.quat)))


def _inclination_difference_deg(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    u1, u2 = orientation_module.up_in_sensor(q1), orientation_module.up_in_sensor(q2)
    return np.degrees(np.arccos(np.clip(np.sum(u1 * u2, axis=1), -1.0, 1.0)))


@pytest.mark.parametrize("params", [FilterParams().as_vqf(),
                                    {**FilterParams().as_vqf(), "biasSigmaInit": 0.1}])
def test_a_recording_that_fits_one_window_gets_the_packages_bits(params):
    s = simulated("walk-varied", seed=3, rate_hz=RATE, seconds=60).samples
    gyr, acc = np.ascontiguousarray(s.gyr), np.ascontiguousarray(s.acc)
    reference = offlineVQF(gyr, acc, None, 1 / RATE, params)
    np.testing.assert_array_equal(offline_vqf(gyr, acc, 1 / RATE, params), reference["quat6D"])
    np.testing.assert_array_equal(offline_vqf_unbiased(gyr, acc, 1 / RATE, params),
                                  gyr - reference["bias"])


def test_windows_agree_with_one_whole_run(monkeypatch):
    """Over ten minutes in windows of 200 s (90 s of context either side): within a hundredth of
    a degree of one whole run in inclination, the heading without a step at any seam, and
    the bias-free gyroscope the same whether written into the input or into a new array."""
    monkeypatch.setattr(offline_vqf_module, "CORE_SAMPLES", 20_000)
    s = simulated("walk-varied", seed=3, rate_hz=RATE, seconds=600).samples
    gyr, acc = np.ascontiguousarray(s.gyr), np.ascontiguousarray(s.acc)
    params = FilterParams().as_vqf()
    assert len(offline_vqf_module.windows(len(gyr), 1 / RATE)) >= 3
    reference = offlineVQF(gyr, acc, None, 1 / RATE, params)
    quat = offline_vqf(gyr, acc, 1 / RATE, params)
    difference = _inclination_difference_deg(quat, reference["quat6D"])
    assert difference.max() < 0.05 and difference.mean() < 0.01
    # Heading relative to the whole run drifts slowly (its bias about the vertical), never jumps.
    relative = quat * reference["quat6D"][:, [0]] - reference["quat6D"] * quat[:, [0]]
    assert np.abs(np.diff(relative, axis=0)).max() < 1e-3
    unbiased = offline_vqf_unbiased(gyr, acc, 1 / RATE, params)
    assert np.degrees(np.abs(unbiased - (gyr - reference["bias"]))).max() < 0.1
    scratch = gyr.copy()
    assert offline_vqf_unbiased(scratch, acc, 1 / RATE, params, gyr_scratch=True) is scratch
    np.testing.assert_array_equal(scratch, unbiased)


@pytest.mark.parametrize("n", [40_001, 60_001, 69_000])
def test_the_end_of_a_recording_is_as_accurate_as_its_middle(monkeypatch, n):
    """Windows are of one size, so the last never sees less of the recording than the one
    before it (a sliver of a last window read up to 0.9° off at the end)."""
    monkeypatch.setattr(offline_vqf_module, "CORE_SAMPLES", 20_000)
    s = simulated("walk-varied", seed=3, rate_hz=RATE, seconds=600).samples
    gyr, acc = np.ascontiguousarray(s.gyr[:n]), np.ascontiguousarray(s.acc[:n])
    params = FilterParams().as_vqf()
    sizes = [b - a for a, b in offline_vqf_module.windows(n, 1 / RATE)]
    assert len(sizes) >= 2 and max(sizes) - min(sizes) < len(sizes)
    reference = offlineVQF(gyr, acc, None, 1 / RATE, params)
    difference = _inclination_difference_deg(offline_vqf(gyr, acc, 1 / RATE, params),
                                              reference["quat6D"])
    assert difference[-9000:].max() < 0.05


def test_windows_on_real_motion_keep_the_accuracy_against_optical_truth(broad_folder,
                                                                        monkeypatch):
    """Real hand-held motion (BROAD, optical truth), windowed far more finely than any
    recording is (14 s windows, 30 s of context): the inclination error against the optical
    vertical stays that of one whole run."""
    orientation_choice = bench_module("orientation_choice")
    monkeypatch.setattr(offline_vqf_module, "CORE_SAMPLES", 4000)
    monkeypatch.setattr(offline_vqf_module, "MARGIN_S", 30.0)
    params = FilterParams().as_vqf()
    whole, windowed, largest = [], [], 0.0
    for path in sorted(broad_folder.glob("*.npz")):
        d = np.load(path)
        ts = 1 / float(d["fs"])
        gyr, acc = np.ascontiguousarray(d["gyr"]), np.ascontiguousarray(d["acc"])
        assert len(offline_vqf_module.windows(len(gyr), ts)) > 1
        reference = offlineVQF(gyr, acc, None, ts, params)["quat6D"]
        quat = offline_vqf(gyr, acc, ts, params)
        largest = max(largest, _inclination_difference_deg(quat, reference).max())
        for errors, q in ((whole, reference), (windowed, quat)):
            errors.append(orientation_choice.inclination_error_deg(
                orientation_module.up_in_sensor(q), d["opt_quat"], d["movement"]))
    assert abs(np.mean(windowed) - np.mean(whole)) < 0.005
    assert largest < 0.2


def _bridge_everything_at_once(quat, filled):
    """The bridging as first written: every slot interpolated from all filtered ones."""
    idx = np.flatnonzero(filled)
    q = quat[idx]
    flips = np.concatenate([[1.0], np.sign(np.sum(q[1:] * q[:-1], axis=1))])
    q = q * np.cumprod(np.where(flips < 0, -1.0, 1.0))[:, None]
    everywhere = np.arange(len(quat))
    out = np.column_stack([np.interp(everywhere, idx, q[:, k]) for k in range(4)])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(6))
def test_gaps_are_bridged_in_place_with_the_same_numbers(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 3000))
    quat, filled = rng.normal(size=(n, 4)), rng.random(n) > rng.random()
    filled[rng.integers(0, n)] = True
    np.testing.assert_array_equal(orientation_module._bridge(quat.copy(), filled),
                                  _bridge_everything_at_once(quat, filled))


def test_offline_orientation_with_gaps_leaves_the_callers_arrays_alone():
    """Stretches between gaps filtered on their own: the caller's arrays untouched; or the
    bias-free gyroscope written into a scratch copy first and given as such (what the
    pipeline does with its own copy): the same orientation."""
    s = simulated("walk-varied", seed=2, rate_hz=RATE, seconds=120).samples
    gyr, acc = s.gyr.copy(), s.acc.copy()
    measured = np.ones(len(gyr), dtype=bool)
    for start in (30, 2000, 2400, 7000, len(gyr) - 90):
        measured[start: start + 60] = False
    reference = offline_orientation(gyr, acc, RATE, measured)
    np.testing.assert_array_equal(gyr, s.gyr)
    scratch = gyr.copy()
    offline_vqf_unbiased(scratch, acc, 1 / RATE, FilterParams().as_vqf(), gyr_scratch=True,
                         keep=measured)
    np.testing.assert_array_equal(
        offline_orientation(scratch, acc, RATE, measured, bias_free=True), reference)


def _everything(analysis, pipeline):
    """The analysis and every angle series but rotation, and rotation apart (below)."""
    return (analysis.to_dict(), pipeline.obliquity.view.tobytes(), pipeline.tilt.view.tobytes(),
            pipeline.valid.view.tobytes(),
            None if pipeline.orientation is None else pipeline.orientation.view.tobytes(),
            pipeline.rotation.view.copy())


def _assert_same(first, second):
    """The same bits, but rotation: it comes through a high-pass whose recurrence rounds
    differently in other chunks (1e-9 °), which can move its float32 series by one unit in
    the last place."""
    assert first[:-1] == second[:-1]
    np.testing.assert_allclose(first[-1], second[-1], rtol=0, atol=1e-5)


@pytest.mark.parametrize("scenario, lossy", [("walk-varied", False), ("walk-varied", True),
                                             ("treadmill", True), ("run", False)])
def test_offline_analysis_in_pieces_is_the_analysis_in_one(monkeypatch, scenario, lossy):
    """Gap filling, calibration evidence, kinematics, contacts and steps over a long recording
    are computed in pieces; pieces of a few hundred samples give the numbers of one piece."""
    samples = simulated(scenario, seed=5, rate_hz=RATE, seconds=150).samples
    if lossy:
        samples = _lossy(samples, seed=1)
    results = []
    for piece in (10**9, 997):
        monkeypatch.setattr(pipeline_module, "PIECE", piece)
        monkeypatch.setattr(alignment_module, "GROUP_SAMPLES", max(piece, 1) * 3)
        pipeline = Pipeline(RATE, PipelineConfig(orientation="offline", keep_orientation=True))
        pipeline.push(samples)
        results.append(_everything(pipeline.finish(), pipeline))
    _assert_same(*results)


def test_offline_packets_and_one_push_give_identical_numbers():
    samples = _lossy(simulated("walk-varied", seed=4, rate_hz=RATE, seconds=90).samples, 2)
    config = PipelineConfig(orientation="offline", keep_orientation=True)
    whole = Pipeline(RATE, config)
    whole.push(samples)
    packets = Pipeline(RATE, config)
    for first in range(0, len(samples), 10):
        packets.push(samples.slice(first, first + 10))
    _assert_same(_everything(whole.finish(), whole), _everything(packets.finish(), packets))


def test_a_clean_batch_is_analysed_without_copying_it():
    samples = simulated("walk-varied", seed=1, rate_hz=RATE, seconds=60).samples
    pipeline = Pipeline(RATE, PipelineConfig(orientation="offline"))
    pipeline.push(samples)
    assert pipeline._offline_parts[0].gyr is samples.gyr
    assert pipeline._offline_parts[0].acc is samples.acc


def test_analysis_allocates_a_bounded_amount_per_sample():
    """Seventeen minutes at 200 Hz, the compiled path as long recordings take: the most the
    analysis holds at once beyond its input, as tracemalloc counts it (numpy's arrays, not
    what vqf's C++ allocated: 210 bytes a sample more). It was 290 bytes a sample; now it is
    what the analysis keeps (orientation, histories: 49; up while calibrating: 24), the
    filter's working array (24) and a piece's temporaries: about 125."""
    samples = simulated("walk-varied", seed=1, rate_hz=200.0, seconds=900).samples
    assert len(samples) >= 200_000
    analyze_samples(samples.slice(0, 60_000), 200.0)  # compile and import before counting
    tracemalloc.start()
    try:
        analyze_samples(samples, 200.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / len(samples) < 160


def test_an_analysis_lets_go_of_the_samples(tmp_path, monkeypatch):
    """With lost samples the pipeline filters its own filled copy (48 bytes a slot), so an
    analysis (``analyze``, ``batch``, review, exports) does not hold the recording's 64 bytes
    a sample through the filter and after it."""
    samples = _lossy(simulated("walk-varied", seed=1, rate_hz=RATE, seconds=700).samples, 4)
    path = tmp_path / "lossy.imurec"
    with RecordingWriter(path, RATE, {"drill": "walk"}) as writer:
        writer.append_all(samples, host_time=0.0)
    slots = int(samples.seq[-1] - samples.seq[0]) + 1
    analyze_samples(samples.slice(0, 60_000), RATE)  # compile and import before counting
    held: list[int] = []  # traced bytes whenever the filter starts

    def counted(*args, **kwargs):
        held.append(tracemalloc.get_traced_memory()[0])
        return offline_orientation(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "offline_orientation", counted)
    tracemalloc.start()
    try:
        analyze_source(RecordingReplay(path))
    finally:
        tracemalloc.stop()
    # The filter's first run (the turns' come after): the filled copy and the masks only;
    # holding the samples as well would be 64 bytes a sample more.
    assert held[0] / slots < 64


def test_recordings_read_column_by_column(tmp_path):
    s = _lossy(simulated("walk-varied", seed=1, rate_hz=RATE, seconds=40).samples, 3, bursts=5)
    path = tmp_path / "r.imurec"
    with RecordingWriter(path, RATE) as writer:
        for first in range(0, len(s), 7):
            writer.append(s.slice(first, first + 7), host_time=1000.0 + first)
    rec = open_recording(path)
    light = open_recording(path, host_time=False)
    for name in ("time_s", "seq", "acc", "gyr"):
        np.testing.assert_array_equal(getattr(rec.samples, name), getattr(s, name))
        np.testing.assert_array_equal(getattr(light.samples, name), getattr(s, name))
    assert rec.samples.mag is None and rec.samples.quat is None
    assert rec.host_time is not None and len(rec.host_time) == len(s)
    assert light.host_time is None


def test_sto_written_in_pieces_is_the_text_of_one(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    quat = rng.normal(size=(1000, 4))
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    valid = rng.random(1000) > 0.1
    forward = np.array([0.6, 0.8, 0.0])
    aligned = opensim.heading_aligned(quat, forward, 17)
    index = np.flatnonzero(valid)
    expected = "\n".join(["DataRate=100.000000", "DataType=Quaternion", "version=3",
                          "OpenSimVersion=4.5", "endheader", "time\tpelvis_imu"] + [
        f"{t:.5f}\t{a:.7f},{b:.7f},{c:.7f},{d:.7f}"
        for t, (a, b, c, d) in zip(index / 100.0, aligned[index], strict=True)]) + "\n"
    monkeypatch.setattr(opensim, "PIECE", 33)
    rows = opensim.write_sto(tmp_path / "a.sto", 100.0, quat, valid, forward, 17)
    assert rows == len(index)
    assert (tmp_path / "a.sto").read_text(encoding="utf-8") == expected


def test_simulate_writes_what_the_sensor_sends(tmp_path):
    """``simulate`` streams the simulated packets into the recording: exactly the samples a
    whole read of the same sensor gives, and the analysis stored with them."""
    path = tmp_path / "s.imurec"
    run("simulate", "--scenario", "trendelenburg-right", "--seconds", "40", "--seed", "3",
        "--packet-loss", "0.05", "-o", path)
    received, _ = read_all(SimulatedSensor("trendelenburg-right", 40.0, 100.0, 3,
                                           packet_loss=0.05))
    rec = open_recording(path)
    for name in ("time_s", "seq", "acc", "gyr"):
        np.testing.assert_array_equal(getattr(rec.samples, name), getattr(received, name))
    assert rec.metadata["headline"]["steps"] > 20
    assert rec.calibration is not None


def test_a_reviewed_recording_keeps_only_what_review_shows(tmp_path):
    """Review keeps the analysis and the obliquity it shows (5 bytes a slot), not the samples
    and orientations it was computed from (96 bytes a sample); its exports analyse again and
    equal the command line's."""
    samples = simulated("walk-varied", seed=2, rate_hz=RATE, seconds=600).samples
    path = tmp_path / "ten-minutes.imurec"
    with RecordingWriter(path, RATE, {"drill": "walk"}) as writer:
        writer.append_all(samples, host_time=0.0)
    open_stored(path)  # imports and caches before counting
    tracemalloc.start()
    try:
        session = open_stored(path)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert session.analysis.steps
    assert held / len(samples) < 30
    out = tmp_path / "angles.csv"
    session.export("angles-csv", out)
    run("export", path, "--format", "angles-csv", "-o", tmp_path / "cli.csv")
    assert out.read_bytes() == (tmp_path / "cli.csv").read_bytes()
