"""Where a number stands against the clinician's threshold: decided here only, for steps,
reps, holds and the live reading alike."""

from __future__ import annotations

import numpy as np

SHOWN_DECIMALS = 1  # drops are shown to 0.1° (the app, the terminal, the report)


def over_threshold(drop_deg: float | None, threshold_deg: float) -> bool:
    """A peak drop (of a step or a rep) beyond the threshold as it is shown, to 0.1°: "8.0°
    ▲ over 8°" beside a drop of 8.004° was a contradiction on screen. A step without a peak
    is not over."""
    return drop_deg is not None and bool(round(drop_deg, SHOWN_DECIMALS) > threshold_deg)


def within_band(drop_deg: np.ndarray, tolerance_deg: float) -> np.ndarray:
    """Samples of a hold within ± the tolerance of level (a hip hike or a drop alike), as
    shown."""
    return np.round(np.abs(drop_deg), SHOWN_DECIMALS) <= tolerance_deg


def outside_band(value_deg: float, tolerance_deg: float) -> bool:
    """One value (the drop or tilt now) outside ± the tolerance, as shown ("4.0° ▲ outside
    ±4°" beside a drop of 4.03° was the same contradiction as for steps)."""
    return bool(round(abs(value_deg), SHOWN_DECIMALS) > tolerance_deg)
