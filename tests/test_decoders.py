"""Decoders: the published test vectors, rejection counting, never a crash."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.protocols.imu_monitor_v1 import ImuMonitorV1Decoder, encode
from imu_monitor.protocols.witmotion import WitMotionDecoder

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "firmware_notes" /
                      "test_vectors.json").read_text())["imu_monitor_v1"]


def test_published_vectors_decode_exactly():
    decoder = None
    for vector in VECTORS["decode"]:
        if not vector.get("after_previous"):
            decoder = ImuMonitorV1Decoder()
        batch = decoder.decode(bytes.fromhex(vector["hex"]))
        expect = vector["expect"]
        assert batch.seq.tolist() == expect["seq"]
        np.testing.assert_allclose(batch.time_s, expect["time_s"], atol=1e-9)
        np.testing.assert_allclose(batch.acc, expect["acc_mps2"], atol=1e-6)
        np.testing.assert_allclose(batch.gyr, expect["gyr_rads"], atol=1e-9)


def test_first_vector_means_what_the_spec_says():
    batch = ImuMonitorV1Decoder().decode(bytes.fromhex(VECTORS["decode"][0]["hex"]))
    np.testing.assert_allclose(batch.acc[0], [0, 0, GRAVITY_MPS2], atol=1e-9)  # 4096 at ±8 g
    np.testing.assert_allclose(np.diff(batch.time_s), 0.005)  # 200 Hz
    assert batch.time_s[0] == 1.0


@pytest.mark.parametrize("vector", VECTORS["reject"], ids=lambda v: v["name"])
def test_published_bad_packets_are_rejected_and_counted(vector):
    decoder = ImuMonitorV1Decoder()
    assert decoder.decode(bytes.fromhex(vector["hex"])) is None
    assert decoder.stats.rejected == {vector["reject"]: 1}


def test_out_of_order_and_duplicate_packets_are_rejected():
    decoder = ImuMonitorV1Decoder()
    first = encode(100, 0, np.zeros((10, 6)))
    later = encode(110, 50_000, np.zeros((10, 6)))
    assert decoder.decode(later) is not None
    assert decoder.decode(first) is None  # arrived late
    assert decoder.decode(later) is None  # arrived twice
    assert decoder.stats.rejected == {"order": 2}
    gap = decoder.decode(encode(130, 150_000, np.zeros((10, 6))))
    assert gap.seq[0] == 130  # ten samples lost: visible as a jump, nothing invented


def test_witmotion_frames():
    frame = (b"\x55\x61" + np.array([0, 0, 2048, 0, 0, 1638, 0, 0, 0], "<i2").tobytes())
    decoder = WitMotionDecoder(rate_hz=100.0)
    batch = decoder.decode(frame * 2, host_time_s=10.0)
    np.testing.assert_allclose(batch.acc[:, 2], GRAVITY_MPS2)  # 2048 × 16 g / 32768 = 1 g
    np.testing.assert_allclose(np.degrees(batch.gyr[:, 2]), 1638 * 2000 / 32768)
    assert batch.seq.tolist() == [0, 1] and batch.time_s.tolist() == [9.99, 10.0]
    assert decoder.decode(b"\x55\x53" + frame[2:]) is None  # an angle frame, not data
    assert decoder.decode(frame[:19]) is None
    assert decoder.stats.rejected == {"header": 1, "short": 1}


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_a_decoder(data):
    for decoder in (ImuMonitorV1Decoder(), WitMotionDecoder(100.0)):
        batch = decoder.decode(data)
        assert batch is None or (np.isfinite(batch.acc).all() and len(batch) >= 1)
        assert decoder.stats.accepted + decoder.stats.rejected_total == 1
