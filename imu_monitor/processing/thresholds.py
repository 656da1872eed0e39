"""Where a number stands against the clinician's threshold: decided here only, for steps,
reps, holds and the live reading alike."""

from __future__ import annotations

import numpy as np


def over_threshold(drop_deg: float | None, threshold_deg: float) -> bool:
    """A peak drop (of a step or a rep) beyond the threshold; a step without a peak is not."""
    return drop_deg is not None and bool(drop_deg > threshold_deg)


def within_band(drop_deg: np.ndarray, tolerance_deg: float) -> np.ndarray:
    """Samples of a hold within ± the tolerance of level (a hip hike or a drop alike)."""
    return np.abs(drop_deg) <= tolerance_deg


def outside_band(value_deg: float, tolerance_deg: float) -> bool:
    """One value (the drop or tilt now) outside ± the tolerance."""
    return bool(abs(value_deg) > tolerance_deg)
