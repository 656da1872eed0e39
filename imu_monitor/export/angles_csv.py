"""Tidy CSV of pelvic angles: ``time_s,obliquity_deg,tilt_deg,rotation_deg``.

Neutral standing = 0; obliquity positive = left hip up; tilt positive = anterior; rotation
positive = pelvis turned to the left. Lost samples, and those whose angle is not trustworthy
again yet (the filter re-acquiring after lost data), are left out, never interpolated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEADER = "time_s,obliquity_deg,tilt_deg,rotation_deg"


def write_angles_csv(path: str | Path, rate_hz: float, obliquity: np.ndarray, tilt: np.ndarray,
                     rotation: np.ndarray, valid: np.ndarray) -> int:
    """Write the valid samples; return how many rows were written."""
    index = np.flatnonzero(valid)
    table = np.column_stack([index / rate_hz, obliquity[index], tilt[index], rotation[index]])
    np.savetxt(path, table, fmt=["%.4f", "%.3f", "%.3f", "%.3f"], delimiter=",",
               header=HEADER, comments="")
    return len(index)
