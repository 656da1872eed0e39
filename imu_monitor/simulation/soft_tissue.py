"""The sensor's own motion on skin and belt: it slides and rocks on the bone like a damped spring.

Both are linear oscillators driven by the bone's acceleration in pelvis axes (gravity's slow
share left out: it only sags the spring by a fraction of a millimetre). The sliding displaces
the sensor by ``x`` (pelvis axes); the rocking turns it by the rotation vector ``θ`` (pelvis
axes). The sensor then moves exactly as ``position + R_wp x`` and turns as ``R_wp Exp(θ)``, so
its accelerometer and gyroscope stay consistent with its own orientation, while the truth stays
that of the bone.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.simulation.realism import SoftTissue
from imu_monitor.simulation.spectral import oscillator


def to_world(yaw: np.ndarray, obliquity: np.ndarray, tilt: np.ndarray, v: np.ndarray
             ) -> np.ndarray:
    """``Rz(yaw) Rx(obliquity) Ry(tilt) v`` row by row, without building matrices."""
    x, y, z = v.T
    c, s = np.cos(tilt), np.sin(tilt)
    x, z = c * x + s * z, -s * x + c * z
    c, s = np.cos(obliquity), np.sin(obliquity)
    y, z = c * y - s * z, s * y + c * z
    c, s = np.cos(yaw), np.sin(yaw)
    x, y = c * x - s * y, s * x + c * y
    return np.stack([x, y, z], axis=1)


def to_pelvis(yaw: np.ndarray, obliquity: np.ndarray, tilt: np.ndarray, v: np.ndarray
              ) -> np.ndarray:
    """The inverse of :func:`to_world`."""
    x, y, z = v.T
    c, s = np.cos(yaw), np.sin(yaw)
    x, y = c * x + s * y, -s * x + c * y
    c, s = np.cos(obliquity), np.sin(obliquity)
    y, z = c * y + s * z, -s * y + c * z
    c, s = np.cos(tilt), np.sin(tilt)
    x, z = c * x - s * z, s * x + c * z
    return np.stack([x, y, z], axis=1)


def slide(bone_acc_pelvis: np.ndarray, rate_hz: float, tissue: SoftTissue) -> np.ndarray:
    """Sensor displacement on the bone (m, pelvis axes): it lags the bone's acceleration."""
    return oscillator(-bone_acc_pelvis, rate_hz, tissue.slide_hz, tissue.slide_damping)


def rocking(bone_acc_pelvis: np.ndarray, rate_hz: float, tissue: SoftTissue) -> np.ndarray:
    """Sensor rotation on the bone (rotation vector, rad, pelvis axes).

    The inertial force ``-m a`` on the sensor's mass, at the end of its lever ``r``, turns it
    about its attachment by ``r × (-a)``; statically by ``rocking_deg_per_mps2`` per m/s².
    """
    forward, up = tissue.lever_forward_up
    lever = np.array([forward, 0.0, up]) / np.hypot(forward, up)
    torque = np.cross(lever, -bone_acc_pelvis)
    w0 = 2 * np.pi * tissue.rocking_hz
    gain = np.radians(tissue.rocking_deg_per_mps2) * w0**2
    return oscillator(gain * torque, rate_hz, tissue.rocking_hz, tissue.rocking_damping)


def rotate_by_rotation_vector(theta: np.ndarray, v: np.ndarray, inverse: bool = False
                              ) -> np.ndarray:
    """``Exp(θ) v`` (or ``Exp(θ)ᵀ v``) row by row (Rodrigues)."""
    angle = np.linalg.norm(theta, axis=1, keepdims=True)
    axis = theta / np.where(angle > 1e-12, angle, 1.0)
    if inverse:
        axis = -axis
    cos, sin = np.cos(angle), np.sin(angle)
    along = np.sum(axis * v, axis=1, keepdims=True)
    return v * cos + np.cross(axis, v) * sin + axis * along * (1 - cos)


def body_rate(theta: np.ndarray, theta_rate: np.ndarray) -> np.ndarray:
    """Body-frame angular velocity of ``Exp(θ)`` (the right Jacobian applied to ``θ'``)."""
    angle = np.linalg.norm(theta, axis=1, keepdims=True)
    small = angle < 1e-8
    safe = np.where(small, 1.0, angle)
    a = np.where(small, 0.5, (1 - np.cos(safe)) / safe**2)
    b = np.where(small, 1 / 6, (safe - np.sin(safe)) / safe**3)
    cross = np.cross(theta, theta_rate)
    return theta_rate - a * cross + b * np.cross(theta, cross)
