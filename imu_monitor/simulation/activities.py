"""What the simulated patient does: a scenario is a list of activity segments.

Each segment is plain data; :mod:`imu_monitor.simulation.motion` turns the list into pelvis
motion. Angles are in degrees, positive drop = the swing-side hip below neutral.
"""

from __future__ import annotations

from dataclasses import dataclass

from imu_monitor.conventions import Side


@dataclass(frozen=True)
class Stand:
    """Standing quietly (small postural sway)."""

    seconds: float


@dataclass(frozen=True)
class Sit:
    """Sitting down on a chair, sitting for a while and standing up again (1.6 s each way)."""

    seconds: float


@dataclass(frozen=True)
class Gait:
    """Walking or running at a steady pace, optionally turning by ``turn_deg`` mid-segment.

    ``drop_left_stance_deg`` is the peak drop of the right hip while standing on the left leg.
    ``step_asymmetry`` makes a limp: the stride's phase runs unevenly, so the right step (right
    contact to left) takes less of the stride than the left one (0.2: 44 %, 0.35: 40 %); every
    motion keeps its shape, stretched or squeezed with the phase.
    The heading changes during ``turn_seconds`` (5–95 % of the turn in 70 % of that time, as
    real U-turns do); the walker slows down to ``turn_speed_mps`` for it (by default to 25 %
    of their pace for a U-turn, nearly on the spot as real walkers turn, less for smaller
    turns) and speeds up again after.
    """

    seconds: float
    speed_mps: float = 1.25
    cadence_spm: float = 110.0
    drop_left_stance_deg: float = 4.0
    drop_right_stance_deg: float = 4.0
    turn_deg: float = 0.0
    turn_seconds: float = 2.0
    running: bool = False
    turn_speed_mps: float | None = None
    step_asymmetry: float = 0.0


@dataclass(frozen=True)
class SingleLegStance:
    """Trendelenburg test: stand on ``side`` for ``hold_s`` with a mean contralateral drop."""

    side: Side
    hold_s: float = 30.0
    drop_deg: float = 3.0
    sway_deg: float = 0.8
    shift_s: float = 1.0  # the weight shift onto the leg (and back): patients take 0.5–3 s


@dataclass(frozen=True)
class HipHike:
    """Standing on ``side`` (on a step): lower then lift the free hip, ``reps`` times."""

    side: Side
    reps: int = 8
    lower_deg: float = 6.0
    lift_deg: float = 8.0
    rep_s: float = 3.0
    shift_s: float = 1.0


@dataclass(frozen=True)
class StepDown:
    """Lateral step-down on ``side``: per rep a squat with a peak contralateral drop."""

    side: Side
    reps: int = 8
    drop_deg: float = 6.0
    rep_s: float = 3.0
    shift_s: float = 1.0
    tilt_deg: float = 15.0  # forward pelvic tilt at the bottom of each rep


Activity = Stand | Sit | Gait | SingleLegStance | HipHike | StepDown
