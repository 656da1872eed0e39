"""Turning while walking, shaped like real U-turns measured at the lower back.

Real walkers slow down into a U-turn, turn in ~1.5–2 s (heading 5–95 % in 1.0–2.0 s, median
1.4 s; peak yaw rate 130–250 °/s) nearly on the spot (0.15 m/s along the arc) and speed up
after. The pelvis turns in spurts, one per step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLATEAU_TAPER = 0.5  # share of the turn spent speeding the turn up and slowing it down
STEP_SPURTS = 0.5  # turning rate swings ±50 % with the steps
APPROACH_S = 0.7  # the walker slows down this long before the turn and speeds up after
U_TURN_SLOWDOWN = 0.75  # share of the pace given up for a 180° turn (docs/simulator.md)


@dataclass(frozen=True)
class TurnPlan:
    """One turn on the session's clock."""

    start_s: float
    seconds: float
    degrees: float
    speed_factor: float  # pace at the middle of the turn, relative to the walking pace


def turn_speed_factor(degrees: float, speed_mps: float, turn_speed_mps: float | None) -> float:
    """Pace during a turn relative to the walking pace (the default follows the turn's size)."""
    if turn_speed_mps is not None:
        return min(1.0, turn_speed_mps / speed_mps) if speed_mps > 0 else 1.0
    return 1.0 - U_TURN_SLOWDOWN * min(1.0, abs(degrees) / 180.0)


def plateau(u: np.ndarray, taper: float) -> np.ndarray:
    """1 on the middle of ``u`` ∈ [0, 1], raised-cosine flanks of width ``taper / 2``, 0
    outside."""
    edge = taper / 2
    rise = 0.5 - 0.5 * np.cos(np.pi * np.clip(u / edge, 0, 1))
    fall = 0.5 - 0.5 * np.cos(np.pi * np.clip((1 - u) / edge, 0, 1))
    return np.where((u >= 0) & (u <= 1), np.minimum(rise, fall), 0.0)


def _window(t: np.ndarray, start_s: float, seconds: float) -> slice:
    """The samples of ``t`` (a regular grid from 0) from ``start_s`` for ``seconds``."""
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    first = int(np.clip(np.floor(start_s / dt), 0, len(t)))
    return slice(first, int(np.clip(np.ceil((start_s + seconds) / dt) + 1, first, len(t))))


def heading_rate(t: np.ndarray, turns: list[TurnPlan], step_phase: np.ndarray) -> np.ndarray:
    """Heading rate (rad/s): each turn exactly its degrees, within exactly its seconds."""
    rate = np.zeros_like(t)
    dt = t[1] - t[0] if len(t) > 1 else 1.0
    for turn in turns:
        span = _window(t, turn.start_s, turn.seconds)
        shape = plateau((t[span] - turn.start_s) / turn.seconds, PLATEAU_TAPER)
        shape *= 1 + STEP_SPURTS * np.cos(2 * np.pi * (step_phase[span] - 0.3))
        total = shape.sum() * dt
        if total > 0:
            rate[span] += np.radians(turn.degrees) * shape / total
    return rate


def pace_factor(t: np.ndarray, turns: list[TurnPlan]) -> np.ndarray:
    """Walking pace relative to the segment's, lowered around each turn."""
    factor = np.ones_like(t)
    for turn in turns:
        seconds = turn.seconds + 2 * APPROACH_S
        span = _window(t, turn.start_s - APPROACH_S, seconds)
        slow = plateau((t[span] - turn.start_s + APPROACH_S) / seconds,
                       min(1.0, 2 * APPROACH_S / seconds))
        factor[span] = np.minimum(factor[span], 1 - (1 - turn.speed_factor) * slow)
    return factor
