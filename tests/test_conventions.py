"""The sign conventions, checked against their definitions (imu_monitor/conventions.py)."""

import numpy as np

from imu_monitor.conventions import drop_from_obliquity
from imu_monitor.processing.kinematics import rotate
from imu_monitor.rotations import baker_to_matrix, quat_to_matrix


def test_positive_obliquity_lifts_the_left_hip():
    # Pelvis y axis (towards the left hip) rotated by +10° obliquity points upwards.
    r = baker_to_matrix(np.array(0.0), np.radians(10.0), np.array(0.0))
    assert r[2, 1] > 0.17


def test_positive_tilt_is_anterior():
    r = baker_to_matrix(np.array(0.0), np.array(0.0), np.radians(10.0))
    assert r[2, 0] < -0.17  # the forward axis points down


def test_positive_rotation_turns_the_pelvis_left():
    r = baker_to_matrix(np.radians(10.0), np.array(0.0), np.array(0.0))
    assert r[1, 0] > 0.17  # the forward axis swings towards +y (left)


def test_drop_is_the_contralateral_hip_going_down():
    # Right stance, left hip down (negative obliquity) = positive drop; and the mirror image.
    assert drop_from_obliquity(-5.0, "right") == 5.0
    assert drop_from_obliquity(5.0, "left") == 5.0
    # A hip hike (free hip up) is a negative drop.
    assert drop_from_obliquity(3.0, "right") == -3.0


def test_quaternion_rotation_matches_the_matrix():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(20, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    v = rng.normal(size=(20, 3))
    expected = np.einsum("nij,nj->ni", quat_to_matrix(q), v)
    np.testing.assert_allclose(rotate(q, v), expected, atol=1e-12)
