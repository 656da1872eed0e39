"""Every walker's own pattern: stride harmonics that repeat step after step.

Real lower-back signals are far from sinusoids, and each person's shape is their own but
repeats closely from stride to stride (IPOL set: 3rd–6th stride harmonics carry 14–60 % of the
power, depending on the channel). A walker here gets random amplitudes and phases for the 3rd to
8th stride harmonics of the pelvis's displacement and angles, drawn once from the seed.
"""

from __future__ import annotations

import numpy as np

from imu_monitor.simulation.realism import GaitSignature

HARMONICS = np.arange(3, 9)
# Power falls with the harmonic's order: the 3rd–6th carry most of it, as on real walkers.
WEIGHTS = 1.0 / (HARMONICS - 1.5)


def _coefficients(rms: float, rng: np.random.Generator) -> np.ndarray:
    """Complex amplitudes per harmonic whose total RMS is ``rms`` on average."""
    c = rng.normal(size=len(HARMONICS)) + 1j * rng.normal(size=len(HARMONICS))
    share = WEIGHTS / np.sqrt(np.sum(WEIGHTS**2))
    return rms * share * c  # E|c|² = 2, and a cosine of amplitude |c| has RMS |c|/√2


def signature(p: np.ndarray, stride_hz: np.ndarray, walker: GaitSignature,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Displacement (m; forward, left, up) and angles (deg; obliquity, tilt, rotation).

    Sizes are given as what the sensor sees: the RMS of the acceleration (m/s²) and of the
    angular rate (°/s) the harmonics add; displacement and angle follow from the stride rate.
    """
    disp = np.zeros((len(p), 3))
    angles = np.zeros((len(p), 3))
    for out, sizes in ((disp, walker.acc_mps2), (angles, walker.rate_dps)):
        for axis, rms in enumerate(sizes):
            for h, c in zip(HARMONICS, _coefficients(rms, rng), strict=True):
                omega = 2 * np.pi * h * stride_hz
                wave = np.abs(c) * np.cos(2 * np.pi * h * p + np.angle(c))
                out[:, axis] += wave / omega**2 if out is disp else wave / omega
    return disp, angles
