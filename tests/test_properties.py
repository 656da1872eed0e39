"""Property tests: no input can crash the reader, no chunking can change the numbers."""

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imu_monitor.errors import InputDataError
from imu_monitor.importers import read_samples
from imu_monitor.processing.events import ContactDetector, DetectorParams

from .conftest import simulated

HEADER = "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(alphabet="0123456789.,-e_ \n#nai:rtzhH", max_size=400),
       with_header=st.booleans())
def test_any_text_is_read_or_explained(tmp_path, body, with_header):
    path = tmp_path / "fuzz.csv"
    path.write_text((HEADER if with_header else "") + body)
    try:
        data = read_samples(path)
    except InputDataError as exc:
        assert str(exc).endswith((".", ")")) and len(str(exc)) > 20
        return
    assert len(data.samples) >= 2 and np.all(np.diff(data.samples.seq) > 0)


def _signals(scenario: str, seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward, lateral, vertical (gravity removed) of a sensor worn upright, facing forward."""
    rec = simulated(scenario, seed=1, rate_hz=100.0, seconds=seconds,
                    mounting="x=up,y=right,z=forward")
    acc = rec.samples.acc
    return acc[:, 2] - acc[:, 2].mean(), acc[:, 1].mean() - acc[:, 1], acc[:, 0] - 9.81


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30),
       scenario=st.sampled_from(["symmetric-walk", "run-intervals"]))
def test_contact_detector_does_not_care_how_data_is_cut(sizes, scenario):
    """Walking, and running with walking between (both searches, the gait by flight)."""
    forward, lateral, vertical = _signals(scenario, 20 if scenario == "symmetric-walk" else 40)
    params = DetectorParams.for_running() if scenario == "run-intervals" else DetectorParams()
    whole = ContactDetector(100.0, params)
    expected = whole.push(forward, lateral, vertical) + whole.finish()
    chunked = ContactDetector(100.0, params)
    got, start, k = [], 0, 0
    while start < len(forward):
        n = sizes[k % len(sizes)]
        got += chunked.push(forward[start:start + n], lateral[start:start + n],
                            vertical[start:start + n])
        start += n
        k += 1
    got += chunked.finish()
    assert got == expected
    assert len(expected) > 10


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
@example(seed=167)  # three that failed before (found by fuzzing; 3 of 400)
@example(seed=240)
@example(seed=278)
def test_pauses_in_a_run_do_not_change_the_contacts_with_how_data_is_cut(seed):
    """A pause of about the bout gap: a running contact found after it lies up to its rise
    before the search frontier, so it may still belong to the bout before (a bout closed
    too early gave other feet when streamed)."""
    forward, lateral, vertical = _signals("run-intervals", 40)
    params = DetectorParams.for_running()
    rng = np.random.default_rng(seed)
    pauses = rng.uniform(0.5, 1.2, size=6)
    sizes = rng.integers(1, 60, size=10)
    cuts = np.sort(rng.choice(np.arange(200, len(forward) - 200), size=len(pauses),
                              replace=False))
    pieces: list[tuple[np.ndarray, ...]] = []
    start = 0
    for cut, pause in zip(cuts, pauses, strict=True):
        pieces.append((forward[start:cut], lateral[start:cut], vertical[start:cut]))
        m = round(100.0 * params.bout_gap_s * pause)
        pieces.append((np.full(m, forward[cut]), np.zeros(m), np.full(m, vertical[cut])))
        start = cut
    pieces.append((forward[start:], lateral[start:], vertical[start:]))
    f, lat, v = (np.concatenate([p[k] for p in pieces]) for k in range(3))
    whole = ContactDetector(100.0, params)
    expected = whole.push(f, lat, v) + whole.finish()
    chunked = ContactDetector(100.0, params)
    got, a, k = [], 0, 0
    while a < len(f):
        n = int(sizes[k % len(sizes)])
        got += chunked.push(f[a:a + n], lat[a:a + n], v[a:a + n])
        a, k = a + n, k + 1
    assert got + chunked.finish() == expected
