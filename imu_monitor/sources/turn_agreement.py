"""Whether a gyroscope's turns agree with its accelerometer: its axes are the same.

A turn of the walking path (a U-turn, a corner) turns the sensor by 90° or more about the
vertical, and leaves gravity where it was in sensor axes. A gyroscope whose axes are not the
accelerometer's (two columns swapped in a column map, one reversed) integrates the same turn
about another axis, and predicts gravity tilted far away. Quiet moments (``tilt_agreement``)
cannot tell: standing, nothing turns. Compared across every turn of ``TURN_DEG`` or more
within ``TURN_S``, between one-second windows either side in which the sensor turns little
(their mean acceleration is then gravity, give or take a walk's lean). This module only
measures; ``units.check_units`` judges.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.rotations import integrated_rotations

TURN_S = 3.0  # a turn is looked for over this long ...
TURN_DEG = 90.0  # ... and turns the sensor at least this much
STEP_S = 0.5  # spans start every half second
ENDS_S = 1.0  # gravity: the mean acceleration over this long either side of the turn ...
ENDS_TURN_DEG = 15.0  # ... in which the sensor turns less than this
ENDS_GRAVITY_SHARE = 0.1  # ... and reads gravity's size within this share
NEAR_TURN_SHARE = 0.7
MAX_SPANS = 4000  # an hour of turning every few seconds; enough to judge by


def turn_disagreement_deg(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray,
                          rate_hz: float) -> np.ndarray:
    """For each turn (non-overlapping, largest first), the angle between the gravity the
    gyroscope predicts after it and the gravity the accelerometer reads (empty: no turn).
    Spans with samples missing (``slots``: each sample's place on the grid) are left out: a
    lost sample's rotation is not in the sum."""
    n = len(acc)
    span, half = round(TURN_S * rate_hz), max(1, round(ENDS_S * rate_hz / 2))
    starts = np.arange(half, n - span - half, max(1, round(STEP_S * rate_hz)))
    starts = starts[slots[starts + span + half] - slots[starts - half] == span + 2 * half]
    # The rate summed over a span is its rotation where the axis holds still (a turn; a
    # straight walk's sways cancel): only spans it puts near a turn are integrated in full.
    summed_rate = np.concatenate([np.zeros((1, 3)), np.cumsum(gyr, axis=0)])
    near = np.degrees(np.linalg.norm(summed_rate[starts + span] - summed_rate[starts], axis=1)
                      / rate_hz) >= NEAR_TURN_SHARE * TURN_DEG
    starts = starts[near][:MAX_SPANS]
    if not len(starts):
        return np.zeros(0)
    turned = integrated_rotations(gyr, starts, starts + span, rate_hz)
    big = np.flatnonzero(_angle_deg(turned) >= TURN_DEG)
    if not len(big):
        return np.zeros(0)
    start, stop = starts[big], starts[big] + span
    summed = np.concatenate([np.zeros((1, 3)), np.cumsum(acc, axis=0)])
    before = (summed[start + half] - summed[start - half]) / (2 * half)
    after = (summed[stop + half] - summed[stop - half]) / (2 * half)
    g = float(np.median(np.linalg.norm(acc, axis=1)))
    settled = [_angle_deg(integrated_rotations(gyr, at - half, at + half, rate_hz))
               <= ENDS_TURN_DEG for at in (start, stop)]
    calm = (settled[0] & settled[1]
            & (np.abs(np.linalg.norm(before, axis=1) - g) < ENDS_GRAVITY_SHARE * g)
            & (np.abs(np.linalg.norm(after, axis=1) - g) < ENDS_GRAVITY_SHARE * g))
    predicted = np.einsum("pji,pj->pi", turned[big], before)  # Rᵀ g: gravity in the new axes
    cos = (predicted * after).sum(axis=1) / (np.linalg.norm(predicted, axis=1)
                                             * np.linalg.norm(after, axis=1))
    miss = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    chosen: list[int] = []
    for k in np.flatnonzero(calm)[np.argsort(-_angle_deg(turned[big])[calm])]:
        if all(abs(int(start[k]) - int(start[c])) >= span for c in chosen):
            chosen.append(int(k))
    return miss[np.array(chosen, dtype=int)]


def _angle_deg(rotation: np.ndarray) -> np.ndarray:
    """The angle of each rotation matrix."""
    cos = (np.trace(rotation, axis1=1, axis2=2) - 1) / 2
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
