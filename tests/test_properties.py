"""Property tests: no input can crash the reader, no chunking can change the numbers."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imu_monitor.errors import InputDataError
from imu_monitor.importers import read_samples
from imu_monitor.processing.events import ContactDetector

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


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30))
def test_contact_detector_does_not_care_how_data_is_cut(sizes):
    rec = simulated("symmetric-walk", seed=1, rate_hz=100.0, seconds=20)
    acc = rec.samples.acc  # any three signals exercise the streaming logic
    forward, lateral, vertical = acc[:, 0] - acc[:, 0].mean(), acc[:, 1] - acc[:, 1].mean(), \
        acc[:, 2] - acc[:, 2].mean()
    whole = ContactDetector(100.0)
    expected = whole.push(forward, lateral, vertical) + whole.finish()
    chunked = ContactDetector(100.0)
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
