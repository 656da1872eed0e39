"""Sessions unlike a clinic walkway: short walks, frequent turns, pauses, no standing at all.

Each plan comes from a fixed random sequence, the same every time: the simulation's seed varies
the walker and the sensor, not what they do.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.simulation.activities import Activity, Gait, Sit, Stand

PLAN_SEED = 20240611
# A mildly weak right side: drop in left stance, in right stance (walking; running).
WALK_DROPS_DEG = (4.0, 7.0)
RUN_DROPS_DEG = (6.0, 9.0)
ROOM_HALF_M = 1.6  # keep the planned path 0.4 m from the walls of a 4 × 4 m room


def _cadence(speed_mps: float, running: bool = False) -> float:
    """Steps per minute that go with a pace (faster walkers also step more often)."""
    return 150.0 + 8.0 * speed_mps if running else 80.0 + 25.0 * speed_mps


def _walk(seconds: float, speed_mps: float, running: bool = False, **turning: float) -> Gait:
    left, right = RUN_DROPS_DEG if running else WALK_DROPS_DEG
    return Gait(seconds, speed_mps, _cadence(speed_mps, running), left, right, running=running,
                **turning)


def turn(degrees: float, speed_mps: float, running: bool = False) -> Gait:
    """A turning segment: the heading changes for 0.8 s + 1.2 s per 180° (a U-turn in 2 s,
    as real walkers do), with 0.2 s of walking either side."""
    seconds = 0.8 + 1.2 * abs(degrees) / 180.0
    return _walk(seconds + 0.4, speed_mps, running, turn_deg=degrees, turn_seconds=seconds)


def _signed(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


def room(seconds: float) -> list[Activity]:
    """A 4 × 4 m room: 2–3 m straight, a 90–180° turn that keeps the walker inside, again
    (a turn every 3–5 s)."""
    rng = np.random.default_rng(PLAN_SEED)
    speed = 0.9
    where, heading = np.array([1.0, 2.0]), 0.0
    out: list[Activity] = [Stand(4.0)]
    while seconds > 0:
        walk_s = float(rng.uniform(1.5, 2.8))
        leg = speed * (walk_s + 1.0)  # the turn's own segment walks about a metre
        where = where + leg * np.array([np.cos(heading), np.sin(heading)])
        for degrees in rng.permutation([90.0, -90.0, 120.0, -120.0, 150.0, -150.0, 180.0]):
            ahead = heading + np.radians(degrees)
            if np.all(np.abs(where + leg * np.array([np.cos(ahead), np.sin(ahead)]) - 2.0)
                      < ROOM_HALF_M):
                break
        heading = ahead
        bout = [_walk(walk_s, speed), turn(float(degrees), speed)]
        out += bout
        seconds -= sum(a.seconds for a in bout)
    return [*out, Stand(3.0)]


def everyday(seconds: float) -> list[Activity]:
    """Short walks with a turn every few seconds, between standing and sitting pauses."""
    rng = np.random.default_rng(PLAN_SEED + 1)
    out: list[Activity] = [Stand(3.0)]
    while seconds > 0:
        speed = float(rng.uniform(0.7, 1.2))
        bout: list[Activity] = []
        for _ in range(int(rng.integers(1, 4))):
            bout += [_walk(rng.uniform(2.0, 5.0), speed), turn(_signed(rng, 45.0, 180.0), speed)]
        bout.append(_walk(rng.uniform(2.0, 5.0), speed))
        bout.append(Sit(rng.uniform(10.0, 25.0)) if rng.random() < 0.4
                    else Stand(rng.uniform(2.0, 8.0)))
        out += bout
        seconds -= sum(a.seconds for a in bout)
    return [*out, Stand(3.0)]


def frequent_turns(seconds: float) -> list[Activity]:
    """Walking at changing pace (0.8–1.6 m/s) with a 45–180° turn every 10–30 s."""
    rng = np.random.default_rng(PLAN_SEED + 2)
    out: list[Activity] = [Stand(5.0)]
    while seconds > 0:
        speed = float(rng.uniform(0.8, 1.6))
        leg = [_walk(rng.uniform(8.0, 28.0), speed), turn(_signed(rng, 45.0, 180.0), speed)]
        out += leg
        seconds -= sum(a.seconds for a in leg)
    return [*out, Stand(3.0)]


def treadmill(seconds: float) -> list[Activity]:
    """Walking from the very first sample to the last: no standing to calibrate on."""
    return [_walk(seconds, 1.2)]


def run_intervals(seconds: float) -> list[Activity]:
    """Running bouts at 2.5–3.8 m/s ending in a 90–180° turn, with short walks between."""
    rng = np.random.default_rng(PLAN_SEED + 3)
    out: list[Activity] = [Stand(4.0)]
    while seconds > 0:
        speed = float(rng.uniform(2.5, 3.8))
        bout = [_walk(3.0, 1.2), _walk(rng.uniform(10.0, 18.0), speed, running=True),
                turn(_signed(rng, 90.0, 180.0), speed, running=True), _walk(4.0, 1.0)]
        out += bout
        seconds -= sum(a.seconds for a in bout)
    return [*out, Stand(3.0)]
