"""Vectorised rotation helpers. Quaternions are scalar-first ``(w, x, y, z)`` arrays ``(..., 4)``."""

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


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Unit quaternions ``(..., 4)`` with ``w >= 0`` from rotation matrices ``(..., 3, 3)``."""
    m = np.asarray(m, dtype=float)
    trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    # Shepperd's method: pick the largest of 4 candidates for numerical stability.
    cand = np.stack(
        [trace, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], axis=-1
    )
    best = np.argmax(cand, axis=-1)
    q = np.empty(m.shape[:-2] + (4,))
    for k in range(4):
        sel = best == k
        if not np.any(sel):
            continue
        s = m[sel]
        if k == 0:
            r = np.sqrt(1.0 + s[:, 0, 0] + s[:, 1, 1] + s[:, 2, 2]) * 2
            q[sel] = np.stack([0.25 * r, (s[:, 2, 1] - s[:, 1, 2]) / r,
                               (s[:, 0, 2] - s[:, 2, 0]) / r, (s[:, 1, 0] - s[:, 0, 1]) / r], -1)
        elif k == 1:
            r = np.sqrt(1.0 + s[:, 0, 0] - s[:, 1, 1] - s[:, 2, 2]) * 2
            q[sel] = np.stack([(s[:, 2, 1] - s[:, 1, 2]) / r, 0.25 * r,
                               (s[:, 0, 1] + s[:, 1, 0]) / r, (s[:, 0, 2] + s[:, 2, 0]) / r], -1)
        elif k == 2:
            r = np.sqrt(1.0 + s[:, 1, 1] - s[:, 0, 0] - s[:, 2, 2]) * 2
            q[sel] = np.stack([(s[:, 0, 2] - s[:, 2, 0]) / r, (s[:, 0, 1] + s[:, 1, 0]) / r,
                               0.25 * r, (s[:, 1, 2] + s[:, 2, 1]) / r], -1)
        else:
            r = np.sqrt(1.0 + s[:, 2, 2] - s[:, 0, 0] - s[:, 1, 1]) * 2
            q[sel] = np.stack([(s[:, 1, 0] - s[:, 0, 1]) / r, (s[:, 0, 2] + s[:, 2, 0]) / r,
                               (s[:, 1, 2] + s[:, 2, 1]) / r, 0.25 * r], -1)
    q *= np.where(q[..., :1] < 0, -1.0, 1.0)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


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
