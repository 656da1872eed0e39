"""How the simulated sensor sits on the pelvis: any orientation, or a named one, maybe pitched.

A sensor over the sacrum follows the sacrum's slope: it sits pitched 12–30° with its top
forward, like an anterior pelvic tilt. ``"x=up,y=right,z=forward pitched 20°"`` is the named
mounting turned by 20° about the pelvis's left axis (positive = top forward, the Baker tilt
direction), then clipped on with a few degrees of misalignment.
"""

from __future__ import annotations

import re

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.rotations import quat_to_matrix, rot_y, rotation_vector_to_matrix

CLIP_MISALIGNMENT_DEG = 4.0  # SD per axis of how far a clipped-on sensor is off its axes
_PITCHED = re.compile(r"^(?P<axes>.*?)\s+pitched\s+(?P<deg>[-+]?\d+(?:\.\d+)?)\s*°?\s*$")


def mounting_matrix(mounting: str, rng: np.random.Generator) -> np.ndarray:
    """Pelvis-from-sensor rotation: ``"random"`` (any orientation) or an axes spec such as
    ``"x=up,y=right,z=forward"``, optionally ``"… pitched 20°"``, with a few degrees of clip
    misalignment."""
    if mounting == "random":
        q = rng.normal(size=4)
        return quat_to_matrix(q / np.linalg.norm(q))
    axes, pitch_deg = split_pitch(mounting)
    misalignment = rotation_vector_to_matrix(np.radians(rng.normal(0, CLIP_MISALIGNMENT_DEG, 3)))
    return misalignment @ rot_y(np.radians(pitch_deg)) @ parse_axes(axes)


def split_pitch(mounting: str) -> tuple[str, float]:
    """``"x=up,y=right,z=forward pitched 20°"`` → (``"x=up,y=right,z=forward"``, 20.0)."""
    if "pitched" not in mounting:
        return mounting, 0.0
    match = _PITCHED.match(mounting.strip())
    if match is None:
        raise InputDataError(
            f"The mounting '{mounting}' cannot be read: write the pitch after the axes, like "
            "x=up,y=right,z=forward pitched 20°."
        )
    return match["axes"], float(match["deg"])
