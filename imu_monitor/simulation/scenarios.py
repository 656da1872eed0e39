"""Named simulated sessions: clinic sessions, and sessions unlike them.

The clinic scenarios start the way the app's calibration does: standing still, then a short
straight walk (the drills need it to find forward). The others (:mod:`.free_living`) do not
make it easy: short walks and frequent turns, sitting, no standing at all, a pitched sensor,
running bouts. ``seconds`` stretches the main part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imu_monitor.errors import InputDataError
from imu_monitor.simulation import free_living
from imu_monitor.simulation.activities import (
    Activity,
    Gait,
    HipHike,
    SingleLegStance,
    Stand,
    StepDown,
)

WALKWAY_S = 8.0  # one 10 m pass at ~1.25 m/s
REST_EVERY_S = 120.0  # long walkway sessions: a rest standing after this much walking
REST_S = 8.0


@dataclass(frozen=True)
class Scenario:
    """A named session: what the patient does, and how it is described to the user."""

    name: str
    description: str
    build: Callable[[float], list[Activity]]
    default_seconds: float
    drill: str = "walk"  # what a clinician would pick for it
    mounting: str = "random"  # how the sensor sits, when the scenario is about that


def _calibration() -> list[Activity]:
    return [Stand(5.0), Gait(5.0, turn_deg=0.0), Stand(3.0)]


def _walkway(seconds: float, **gait) -> list[Activity]:
    """Up and down a walkway with U-turns until ``seconds`` of walking are done; on long
    sessions a rest standing every ``REST_EVERY_S`` of walking (a patient's pause: the app's
    half-hour demo had nobody stand after the start, so a calibration asked for later waited
    for good)."""
    out: list[Activity] = [Stand(5.0)]
    left = seconds
    first = True
    since_rest = 0.0
    while left > 0:
        leg = min(WALKWAY_S, left)
        out.append(Gait(leg, **gait))
        left -= leg
        since_rest += leg
        if left > 0:
            out.append(Gait(3.0, turn_deg=180.0 if first else -180.0, **gait))
            left -= 3.0
            since_rest += 3.0
            first = not first
            if since_rest >= REST_EVERY_S and left > 0:
                out.append(Stand(REST_S))
                since_rest = 0.0
    out.append(Stand(3.0))
    return out


def ten_metre_walk(stand_s: float = 5.0, speed_mps: float = 1.25, cadence_spm: float = 110.0,
                   drop_left_stance_deg: float = 4.0, drop_right_stance_deg: float = 4.0
                   ) -> list[Activity]:
    """Stand, walk 10 m, U-turn, walk back, stop: the protocol of a common gait test (and of
    the real lower-back recordings the simulator is compared with)."""
    gait = dict(speed_mps=speed_mps, cadence_spm=cadence_spm,
                drop_left_stance_deg=drop_left_stance_deg,
                drop_right_stance_deg=drop_right_stance_deg)
    turn = Gait(3.0, turn_deg=180.0, **gait)
    leg_s = 10.0 / speed_mps - 1.0  # the turn's segment walks about a metre each way
    return [Stand(stand_s), Gait(leg_s, **gait), turn, Gait(leg_s, **gait), Stand(3.0)]


def _ten_metre_walks(seconds: float) -> list[Activity]:
    out: list[Activity] = []
    while seconds > 0:
        trial = ten_metre_walk()
        out += trial
        seconds -= sum(a.seconds for a in trial)
    return out


def _speeds(seconds: float) -> list[Activity]:
    out: list[Activity] = [Stand(5.0)]
    paces = [(1.25, 110), (0.9, 96), (1.6, 122), (1.1, 104)]
    i = 0
    while seconds > 0:
        speed, cadence = paces[i % len(paces)]
        out += [Gait(6.0, speed, cadence, 5.0, 7.0),
                Gait(3.0, speed, cadence, 5.0, 7.0, turn_deg=90.0 * (-1) ** i)]
        if i % 3 == 2:
            out.append(Stand(4.0))
        seconds -= 9.0
        i += 1
    return [*out, Stand(3.0)]


def _running(seconds: float) -> list[Activity]:
    run = dict(speed_mps=3.0, cadence_spm=168, drop_left_stance_deg=6.0,
               drop_right_stance_deg=9.0, running=True)
    return _calibration() + _walkway(seconds, **run)[1:]


def _drill(make: Callable[[str, float], Activity], set_s: float, calibration_s: float = 13.0,
           rest_s: float = 7.0) -> Callable[[float], list[Activity]]:
    """A set on the left leg, then one on the right, each at most ``set_s``; ``seconds``
    shorter than a round is shared between the two, a longer session repeats the round
    after a rest (the app's half-hour demo had played one set of 15 minutes a leg)."""

    def build(seconds: float) -> list[Activity]:
        per_side = max(5.0, min(set_s, (seconds - calibration_s - rest_s) / 2))
        out: list[Activity] = [*_calibration()]
        used = calibration_s
        while True:
            out += [make("left", per_side), Stand(4.0), make("right", per_side), Stand(3.0)]
            used += 2 * per_side + rest_s
            if used + REST_S + 2 * per_side + rest_s > seconds:
                return out
            out.append(Stand(REST_S))
            used += REST_S

    return build


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("trendelenburg-right",
                 "Walkway with U-turns; weak right gluteus medius: the left hip drops about 9° "
                 "in right stance, the right hip about 4° in left stance.",
                 lambda sec: _walkway(sec, drop_left_stance_deg=4.0, drop_right_stance_deg=9.0),
                 60.0),
        Scenario("trendelenburg-left",
                 "Walkway with U-turns; weak left side: 8° drop in left stance, 4° in right.",
                 lambda sec: _walkway(sec, drop_left_stance_deg=8.0, drop_right_stance_deg=4.0),
                 60.0),
        Scenario("symmetric-walk",
                 "Walkway with U-turns; healthy symmetric 4° drop on both sides.",
                 lambda sec: _walkway(sec, drop_left_stance_deg=4.0, drop_right_stance_deg=4.0),
                 60.0),
        Scenario("walk-varied",
                 "Walking with speed changes (0.9–1.6 m/s), 90° turns and pauses; 5° left, "
                 "7° right stance drop.",
                 _speeds, 90.0),
        Scenario("run",
                 "Running 3 m/s with U-turns after a calibration walk; 6° left, 9° right stance "
                 "drop.",
                 _running, 60.0, "run"),
        Scenario("single-leg-stance",
                 "Trendelenburg test: 30 s on the left leg (3° drop), then 30 s on the right "
                 "(3° drop).",
                 _drill(lambda side, s: SingleLegStance(side, s - 2.6, 3.0), 32.6), 85.2,
                 "single-leg-stance"),
        Scenario("hip-hike",
                 "Hip hikes on a step: 8 reps standing on the left leg, then 8 on the right "
                 "(6° down, 8° up).",
                 _drill(lambda side, s: HipHike(side, reps=max(1, round((s - 3) / 3))), 27.0),
                 74.0, "hip-hike"),
        Scenario("step-down",
                 "Lateral step-downs: 8 reps on the left leg, 8 on the right, 6° drop per rep.",
                 _drill(lambda side, s: StepDown(side, reps=max(1, round((s - 3) / 3))), 27.0),
                 74.0, "step-down"),
        Scenario("walk-10m",
                 "Stand, walk 10 m, U-turn, walk back, stop; again (the protocol of the real "
                 "lower-back recordings the simulator is checked against); 4° drop both sides.",
                 _ten_metre_walks, 60.0),
        Scenario("room-4m",
                 "A 4 × 4 m room: 2–3 m walks at 0.9 m/s and a 90–180° turn every 3–5 s; 4° "
                 "left, 7° right stance drop.",
                 free_living.room, 60.0),
        Scenario("everyday",
                 "Everyday living: short walks with turns every few seconds, standing and "
                 "sitting pauses; 4° left, 7° right stance drop.",
                 free_living.everyday, 180.0),
        Scenario("turns-frequent",
                 "Walking at changing pace (0.8–1.6 m/s) with a 45–180° turn every 10–30 s; "
                 "4° left, 7° right stance drop.",
                 free_living.frequent_turns, 120.0),
        Scenario("treadmill",
                 "Walking from the first sample to the last, no standing at all (as on a "
                 "treadmill); 4° left, 7° right stance drop.",
                 free_living.treadmill, 60.0),
        Scenario("pitched-sensor",
                 "Walkway with U-turns, the sensor declared x=up,y=right,z=forward but sitting "
                 "pitched 20° on the sacrum; 4° left, 7° right stance drop.",
                 lambda sec: _walkway(sec, drop_left_stance_deg=4.0, drop_right_stance_deg=7.0),
                 60.0, mounting="x=up,y=right,z=forward pitched 20°"),
        Scenario("slow-walk",
                 "A patient's pace: 0.5 m/s at 70 steps a minute on a walkway with U-turns; weak "
                 "right side: 9° drop in right stance, 4° in left.",
                 lambda sec: _walkway(sec, speed_mps=0.5, cadence_spm=70.0,
                                      drop_left_stance_deg=4.0, drop_right_stance_deg=9.0),
                 90.0),
        Scenario("limp",
                 "A limp on a walkway with U-turns: right steps 40 % of the stride, left 60 % "
                 "(a painful right hip, short on it), 0.9 m/s at 96 steps a minute; weak right "
                 "side: 9° drop in right stance, 4° in left.",
                 lambda sec: _walkway(sec, speed_mps=0.9, cadence_spm=96.0, step_asymmetry=0.35,
                                      drop_left_stance_deg=4.0, drop_right_stance_deg=9.0),
                 90.0),
        Scenario("run-intervals",
                 "Running bouts at 2.5–3.8 m/s ending in a 90–180° turn, short walks between, "
                 "no calibration walk; 6° left, 9° right stance drop.",
                 free_living.run_intervals, 90.0, "run"),
    ]
}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``, or a clear error listing the ones that exist."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InputDataError(
            f"There is no simulated scenario called '{name}'. Choose one of: "
            + ", ".join(SCENARIOS) + "."
        ) from None
