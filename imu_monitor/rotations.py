"""Vectorised rotation helpers. Quaternions are scalar-first (w, x, y, z), shape (..., 4)."""

import numpy as np


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` of unit quaternions ``(..., 4)``."""
    w, x, y, z = np.moveaxis(np.asarray(q, dtype=float), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def rot_x(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about x by ``angle`` rad (any shape)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def rot_y(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about y by ``angle`` rad (any shape)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def rot_z(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices about z by ``angle`` rad (any shape)."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(c), np.zeros_like(c)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def baker_to_matrix(rotation: np.ndarray, obliquity: np.ndarray, tilt: np.ndarray) -> np.ndarray:
    """World-from-pelvis matrices from Baker-2001 angles in rad (``Rz @ Rx @ Ry``)."""
    return rot_z(rotation) @ rot_x(obliquity) @ rot_y(tilt)


def rotation_vector_to_matrix(rv: np.ndarray) -> np.ndarray:
    """Rodrigues: matrices ``(..., 3, 3)`` of rotation vectors ``(..., 3)`` in rad."""
    rv = np.asarray(rv, dtype=float)
    angle = np.linalg.norm(rv, axis=-1)
    safe = np.where(angle > 1e-12, angle, 1.0)
    k = rv / safe[..., None]
    kx, ky, kz = np.moveaxis(k, -1, 0)
    zero = np.zeros_like(kx)
    kmat = np.stack([np.stack([zero, -kz, ky], -1), np.stack([kz, zero, -kx], -1),
                     np.stack([-ky, kx, zero], -1)], -2)
    s = np.sin(angle)[..., None, None]
    c = (1 - np.cos(angle))[..., None, None]
    return np.eye(3) + s * kmat + c * (kmat @ kmat)


def integrated_rotations(gyr: np.ndarray, start: np.ndarray, stop: np.ndarray, rate_hz: float,
                         factor: float = 1.0) -> np.ndarray:
    """The rotation (``(p, 3, 3)``, sensor axes) a gyroscope (rad/s; read ``factor`` times
    faster) integrates from each of ``start`` to its ``stop`` (samples), all at once."""
    rotation = np.broadcast_to(np.eye(3), (len(start), 3, 3)).copy()
    for k in range(int((stop - start).max(initial=0))):
        turning = (start + k < stop)[:, None]
        step = np.where(turning, gyr[np.minimum(start + k, len(gyr) - 1)], 0.0)
        rotation = rotation @ rotation_vector_to_matrix(step * (factor / rate_hz))
    return rotation
