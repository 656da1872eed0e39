"""What makes a simulated walk look like a real one, each part switchable.

Defaults come from real lower-back recordings (the IPOL set: 19 healthy adults, sensor at L5;
``bench/simulator_vs_real.py`` compares them, ``docs/simulator.md`` gives the figures). The
truth angles are always those of the pelvis bone: soft tissue moves the sensor, not the truth.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SoftTissue:
    """The sensor on skin and belt over the sacrum: a damped spring between it and the bone.

    It slides (translational resonance) and rocks (rotational resonance) when the bone
    accelerates, above all at heel strike. Rocking comes from the sensor's mass sitting off its
    attachment: ``rocking_deg_per_mps2`` is the static rocking per m/s² of bone acceleration
    across the lever, ``lever_forward_up`` the lever's direction in the sagittal plane
    (forward, up components: behind the bone and a little above).
    """

    slide_hz: float = 14.0
    slide_damping: float = 0.3
    rocking_hz: float = 12.0
    rocking_damping: float = 0.3
    rocking_deg_per_mps2: float = 0.22
    lever_forward_up: tuple[float, float] = (-1.0, 0.6)


@dataclass(frozen=True)
class TrunkJitter:
    """Small irregular pelvic motion (1.5–8 Hz) that real walking and standing have.

    RMS per angle (obliquity, tilt, rotation) and per axis of acceleration (forward, left, up).
    """

    walking_deg: tuple[float, float, float] = (0.1, 0.1, 0.1)
    walking_mps2: tuple[float, float, float] = (0.3, 0.2, 0.3)
    standing_deg: float = 0.012
    standing_mps2: float = 0.025


@dataclass(frozen=True)
class GaitSignature:
    """How far a walker's own stride pattern is from the model's smooth one: RMS of what its
    3rd–8th stride harmonics add to the acceleration (forward, left, up) and to the angular
    rate (about forward, left, up), drawn per walker with random phases."""

    acc_mps2: tuple[float, float, float] = (0.55, 0.6, 0.7)
    rate_dps: tuple[float, float, float] = (14.0, 8.0, 9.0)


@dataclass(frozen=True)
class Realism:
    """Irregularities of real gait and of a sensor on skin (``Realism.none()``: an ideal model).

    ``heel_strike_mps2`` is the peak vertical heel-strike transient at each initial contact;
    the push-off before it and the loading response after it (the fall stopped, a push away
    from the stance leg, braking) scale with it. ``step_time_cv`` is the step-to-step variation
    of step time, ``step_amplitude_cv`` that of each step's pelvic excursions (drop, tilt,
    rotation, sway, bounce).
    """

    tissue: SoftTissue | None = SoftTissue()
    heel_strike_mps2: float = 4.0
    step_time_cv: float = 0.035
    step_amplitude_cv: float = 0.18
    jitter: TrunkJitter | None = TrunkJitter()
    signature: GaitSignature | None = GaitSignature()

    @classmethod
    def none(cls) -> Realism:
        """Rigid sensor, no impacts, identical steps: the idealised gait of the first model."""
        return cls(tissue=None, heel_strike_mps2=0.0, step_time_cv=0.0, step_amplitude_cv=0.0,
                   jitter=None, signature=None)
