"""Every walker's own pattern: stride harmonics that repeat step after step.

Real lower-back signals are far from sinusoids, and each person's shape is their own but
repeats closely from stride to stride (IPOL set: 3rd–6th stride harmonics carry 14–60 % of the
power, depending on the channel). A walker here gets random amplitudes and phases for the 3rd to
8th stride harmonics of the pelvis's displacement and angles, drawn once from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class WalkerPattern:
    """One walker's harmonics, sized as what the sensor sees: the acceleration (m/s²) and the
    angular rate (°/s) they add; displacement and angle follow from the stride rate."""

    acc: np.ndarray  # (3, harmonics) complex: forward, left, up
    rate: np.ndarray  # (3, harmonics) complex: about forward, left, up

    @classmethod
    def draw(cls, sizes: GaitSignature, rng: np.random.Generator) -> WalkerPattern:
        return cls(np.array([_coefficients(s, rng) for s in sizes.acc_mps2]),
                   np.array([_coefficients(s, rng) for s in sizes.rate_dps]))

    @staticmethod
    def _waves(coefficients: np.ndarray, p: np.ndarray, stride_hz: np.ndarray, power: int
               ) -> np.ndarray:
        out = np.zeros((len(stride_hz), len(coefficients)))
        for h, column in zip(HARMONICS, coefficients.T, strict=True):
            omega = 2 * np.pi * h * stride_hz
            phase = 2 * np.pi * h * np.asarray(p)
            out += (np.abs(column) * np.cos(phase[..., None] + np.angle(column))
                    / (omega**power)[:, None])
        return out

    def displacement(self, p: np.ndarray, stride_hz: np.ndarray) -> np.ndarray:
        """Displacement (m; forward, left, up) at stride phase ``p``."""
        return self._waves(self.acc, p, stride_hz, 2)

    def angles(self, p: np.ndarray | float, stride_hz: np.ndarray) -> np.ndarray:
        """Angles (deg; obliquity, tilt, rotation) at stride phase ``p`` (an array, or one
        phase for every sample)."""
        return self._waves(self.rate, p, stride_hz, 1)
