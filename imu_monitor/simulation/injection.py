"""A known extra pelvic drop added to recorded samples: a differential test on real gait.

A simulator can only confirm what it was built to assume; rotating the sensor of a *real*
recording by a known angle cannot. If the sensor's orientation becomes ``R'(t) = R(t)·E(t)``,
with ``E(t)`` a rotation by ``θ(t)`` about a fixed sensor-frame axis ``f``, then

* specific force ``a' = Eᵀ a``: the same world acceleration seen in the rotated axes, so the
  body's translation (the contact signature) is untouched;
* angular rate ``ω' = Eᵀ ω + θ̇ f``, from ``[ω']× = R'ᵀ Ṙ' = Eᵀ [ω]× E + θ̇ [f]×`` (``E`` and
  ``Ė = θ̇ [f]× E`` share the axis ``f``).

With ``f`` the pelvis forward axis in sensor axes, ``θ`` adds to obliquity (exactly at zero
pelvic tilt, as ``θ·cos(tilt)`` otherwise: 0.4 % at 5° of tilt).

Where the drop goes: 3° on a plateau over each stance of one side (that foot's initial contact
to the other foot's next one), reached and left by raised-cosine ramps of ``RAMP_S`` inside the
stance, so that θ̇ stays bounded and the pelvis at every initial contact is untouched: a
weak-hip drop happens in loading response and mid-stance, after the contact. A step's peak drop
lies about 0.2 s after its contact in most people, on the plateau.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import Side, drop_from_obliquity
from imu_monitor.rotations import rotation_vector_to_matrix

RAMP_S = 0.1  # raised-cosine ramps: 3° over 0.1 s adds at most 47 °/s
MAX_STANCE_S = 1.5  # no other contact within this: the walk stopped there


@dataclass(frozen=True)
class Rotation:
    """The added rotation per sample: angle θ (rad) about the axis at the sample, and over the
    sample interval ending there its mean rate θ̇ (rad/s) and its angle at the middle."""

    angle_rad: np.ndarray
    rate_radps: np.ndarray
    interval_angle_rad: np.ndarray


def stance_windows(contacts: np.ndarray, other_contacts: np.ndarray,
                   rate_hz: float) -> np.ndarray:
    """``(k, 2)`` sample windows ``[contact, next contact of the other foot)`` of one foot.

    A stance with no contact of the other foot within ``MAX_STANCE_S`` ends the walk: it lasts
    the median stance instead, as a last step is measured over a typical step.
    """
    contacts = np.sort(np.asarray(contacts, dtype=int))
    other = np.sort(np.asarray(other_contacts, dtype=int))
    following = np.searchsorted(other, contacts, side="right")
    has_next = following < len(other)
    ends = contacts.copy()
    ends[has_next] = other[following[has_next]]
    walking = has_next & (ends - contacts <= MAX_STANCE_S * rate_hz)
    typical = int(np.median(ends[walking] - contacts[walking])) if walking.any() \
        else round(0.5 * rate_hz)
    return np.column_stack([contacts, np.where(walking, ends, contacts + typical)])


def _raised_cosine(u: np.ndarray) -> np.ndarray:
    """0 → 1 smoothly as ``u`` goes 0 → 1 (0 before, 1 after)."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(u, 0.0, 1.0))


def plateau(time_s: np.ndarray, intervals_s: np.ndarray, ramp_s: float = RAMP_S) -> np.ndarray:
    """Weight 0..1 at ``time_s``: 1 on each ``[start, end]`` interval (s), rising over the
    ``ramp_s`` before it and falling over the ``ramp_s`` after it (overlaps take the larger)."""
    weight = np.zeros(len(time_s))
    for start, end in np.asarray(intervals_s, dtype=float).reshape(-1, 2):
        rise = _raised_cosine((time_s - start + ramp_s) / ramp_s)
        fall = _raised_cosine((end + ramp_s - time_s) / ramp_s)
        weight = np.maximum(weight, rise * fall)
    return weight


def plateau_intervals(windows: np.ndarray, rate_hz: float, ramp_s: float = RAMP_S
                      ) -> np.ndarray:
    """``[start, end]`` sample intervals of full drop for the stance ``windows`` of one side:
    each stance less a ramp at both ends (zero added at the contacts themselves)."""
    ramp = round(ramp_s * rate_hz)
    starts = windows[:, 0] + ramp
    return np.column_stack([starts, np.maximum(starts, windows[:, 1] - ramp)]).astype(int)


def drop_rotation(side: Side, drop_deg: float, n: int, rate_hz: float, intervals: np.ndarray,
                  ramp_s: float = RAMP_S) -> Rotation:
    """The rotation about the pelvis forward axis that adds ``drop_deg`` of drop in ``side``
    stance on the sample ``intervals`` (obliquity falls in right stance: left hip down; rises in
    left stance), at ``n`` samples.

    The gyro sample is the mean rate over the sample interval ending there, as an IMU that
    integrates its gyro reports it and as orientation filters integrate it: the filtered
    orientation then turns by θ at every sample (the rate at the sample instant would put it
    half a sample ahead on the ramps, 0.24° at 100 Hz).
    """
    scale = drop_from_obliquity(np.radians(drop_deg), side)
    time_s = np.arange(n) / rate_hz
    intervals_s = np.asarray(intervals, dtype=float) / rate_hz
    angle = scale * plateau(time_s, intervals_s, ramp_s)
    previous = scale * plateau(time_s - 1 / rate_hz, intervals_s, ramp_s)
    return Rotation(angle, (angle - previous) * rate_hz, (angle + previous) / 2)


def rotate_samples(acc: np.ndarray, gyr: np.ndarray, axis_sensor: np.ndarray,
                   rotation: Rotation) -> tuple[np.ndarray, np.ndarray]:
    """Samples of the sensor turned by ``rotation`` about the fixed sensor-frame axis.

    The specific force is an instant (``Eᵀ a`` at the sample); the gyro a mean over the sample
    interval, so its part ``Eᵀ ω`` takes ``E`` from the middle of that interval (the midpoint
    rule: no first-order error where θ changes).
    """
    axis = np.asarray(axis_sensor, dtype=float)
    axis = axis / np.linalg.norm(axis)

    def inverse(angle: np.ndarray) -> np.ndarray:  # Eᵀ per sample
        return rotation_vector_to_matrix(-angle[:, None] * axis)

    acc_rotated = np.einsum("nij,nj->ni", inverse(rotation.angle_rad), acc)
    gyr_rotated = (np.einsum("nij,nj->ni", inverse(rotation.interval_angle_rad), gyr)
                   + rotation.rate_radps[:, None] * axis)
    return acc_rotated, gyr_rotated


def inject_drop(acc: np.ndarray, gyr: np.ndarray, rate_hz: float, forward_sensor: np.ndarray,
                side: Side, contacts: dict[Side, np.ndarray], drop_deg: float,
                ramp_s: float = RAMP_S) -> tuple[np.ndarray, np.ndarray, Rotation]:
    """Samples with ``drop_deg`` more drop in every ``side`` stance, and the rotation added.

    ``contacts``: initial-contact sample indices of each foot.
    """
    other: Side = "left" if side == "right" else "right"
    windows = stance_windows(contacts[side], contacts[other], rate_hz)
    intervals = plateau_intervals(windows, rate_hz, ramp_s)
    rotation = drop_rotation(side, drop_deg, len(acc), rate_hz, intervals, ramp_s)
    return (*rotate_samples(acc, gyr, forward_sensor, rotation), rotation)
