"""What the benches compare between two analyses of the same walk."""

from __future__ import annotations

from imu_monitor.conventions import SIDES
from imu_monitor.pipeline import Analysis


def mean_moves(analysis: Analysis, reference: Analysis) -> list[float]:
    """Per-side mean peak drop of ``analysis`` minus that of ``reference`` (sides both have)."""
    moves = []
    for side in SIDES:
        a, b = (x.summary.side(side).mean_peak_drop_deg for x in (analysis, reference))
        if a is not None and b is not None:
            moves.append(a - b)
    return moves
