"""OpenSim / OpenSense orientations file (``.sto``) of the sacral sensor.

One column ``pelvis_imu`` with the sensor's orientation as ``w,x,y,z`` (scalar first) in a
Z-up world whose x axis is the patient's forward direction at the standing calibration
(y left). OpenSense expects Y-up: set ``sensor_to_opensim_rotations`` to ``-1.5708 0 0``
(−90° about X) when you load it, as for any Z-up IMU data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imu_monitor.processing.kinematics import rotate

PIECE = 65_536  # rows formatted at a time: a long session's text is never whole in memory


def heading_aligned(quat: np.ndarray, forward_sensor: np.ndarray, at: int) -> np.ndarray:
    """Rotate the world about z so that the pelvis forward axis at sample ``at`` is world x."""
    return _turned(quat, _heading_turn(quat, forward_sensor, at))


def _heading_turn(quat: np.ndarray, forward_sensor: np.ndarray, at: int) -> tuple[float, float]:
    """w and z of the turn about z that :func:`heading_aligned` applies (``at`` before the
    first sample — a session without standing — is the first sample)."""
    at = min(max(at, 0), len(quat) - 1)
    forward = rotate(quat[at:at + 1], forward_sensor)[0]
    half = -0.5 * np.arctan2(forward[1], forward[0])
    qz = np.array([np.cos(half), 0.0, 0.0, np.sin(half)])
    return qz[0], qz[3]


def _turned(quat: np.ndarray, turn: tuple[float, float]) -> np.ndarray:
    w0, z0 = turn
    w, x, y, z = quat.T
    # qz ⊗ q for a rotation about z only
    out = np.stack([w0 * w - z0 * z, w0 * x - z0 * y, w0 * y + z0 * x, w0 * z + z0 * w], axis=1)
    return out * np.where(out[:, :1] < 0, -1.0, 1.0)


def write_sto(path: str | Path, rate_hz: float, quat: np.ndarray, valid: np.ndarray,
              forward_sensor: np.ndarray | None = None, at: int = 0) -> int:
    """Write the orientations of the valid samples; return how many rows were written.

    With ``forward_sensor`` each is written as :func:`heading_aligned` turns it (``at`` the
    sample whose forward becomes world x), piece by piece: no turned copy of a whole session.
    """
    turn = None if forward_sensor is None else _heading_turn(quat, forward_sensor, at)
    lines = [
        f"DataRate={rate_hz:.6f}",
        "DataType=Quaternion",
        "version=3",
        "OpenSimVersion=4.5",
        "endheader",
        "time\tpelvis_imu",
    ]
    rows = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        for first in range(0, len(quat), PIECE):
            index = np.flatnonzero(valid[first: first + PIECE]) + first
            q = quat[index] if turn is None else _turned(quat[index], turn)
            t = index / rate_hz
            f.write("".join(f"{ti:.5f}\t{a:.7f},{b:.7f},{c:.7f},{d:.7f}\n" for ti, (a, b, c, d)
                            in zip(t, q, strict=True)))
            rows += len(index)
    return rows
