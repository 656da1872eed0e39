"""A sensor that moved on the patient during a session (re-clipped, slipped on the belt).

Why: one calibration holds for the whole of a session; a sensor turned on the body
afterwards reads the same walk degrees off (a real patient's left-dominant drop came out
right-dominant) and nothing in the numbers said so. The mean obliquity of walking, in the
pelvis axes the calibration gave, is steady within a session: between the way out and the
way back of the 110 real IPOL walks it moved a median 0.36° (95th percentile 1.35°, at most
2.6°). A jump of more than ``MOVED_DEG`` between two walks is the sensor, not the patient.
It is said, not corrected: which part is right cannot be known without a new standing.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from imu_monitor.processing.metrics import Step

MIN_BOUT_STEPS = 8  # a walk (a bout of the contact detector) this long gives its obliquity
MOVED_DEG = 4.0  # walking's mean obliquity jumping more than this between walks


def walking_obliquity(steps: list[Step], obliquity: np.ndarray, valid: np.ndarray,
                      rate_hz: float) -> list[tuple[float, float]]:
    """(start s, mean obliquity °) of each walk of ``MIN_BOUT_STEPS`` steps or more."""
    bouts: dict[int, list[float]] = {}
    for s in steps:
        if s.is_step:
            bouts.setdefault(s.bout, []).append(s.time_s)
    out = []
    for walk in (sorted(times) for _, times in sorted(bouts.items())):
        a, b = round(walk[0] * rate_hz), round(walk[-1] * rate_hz)
        trusted = valid[a:b]
        if len(walk) >= MIN_BOUT_STEPS and trusted.sum() >= (b - a) / 2:
            out.append((walk[0], float(np.mean(obliquity[a:b][trusted]))))
    return out


def sensor_moves(steps: list[Step], obliquity: np.ndarray, valid: np.ndarray,
                 rate_hz: float) -> list[tuple[float, float]]:
    """(time s, degrees) where walking's mean obliquity jumped by more than ``MOVED_DEG``
    from the walk before."""
    walks = walking_obliquity(steps, obliquity, valid, rate_hz)
    return [(start, after - before)
            for (_, before), (start, after) in pairwise(walks)
            if abs(after - before) > MOVED_DEG]
