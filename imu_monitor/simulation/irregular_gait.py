"""No two real steps are the same: step-time and step-size variation, the jolt of each contact,
and the small irregular trunk motion of real walking.

Everything here is bone motion (so it is in the truth), drawn from its own random stream so
that switching one part off leaves the others as they were. Shapes and sizes are read off the
real lower-back recordings (contact-locked averages; ``bench/simulator_vs_real.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import gaussian_filter1d

from imu_monitor.simulation.spectral import band_noise, double_integral

BLEND_S = 0.05  # step-to-step changes of rate and amplitude blend over this (no jerks)
IMPULSE_SD = 0.3  # step-to-step variation of a contact's jolt (log-normal)
RUNNING_IMPULSE = 2.0  # how much harder a running foot strike is
SLOWEST_HZ = 0.4  # what the impulses take away is given back more slowly than this
JITTER_BAND_HZ = (1.5, 8.0)


@dataclass(frozen=True)
class Pulse:
    """One Gaussian acceleration pulse around a contact, per unit of heel-strike size."""

    axis: int  # 0 forward, 1 away from the stance leg, 2 up
    delay_s: float
    sigma_s: float
    size: float


# The push-off just before each contact and the loading response after it, as real walkers do
# them on average: the trailing leg pushes the body forward, the landing stops its fall (up),
# pushes it away from the stance leg, and a second, smaller vertical push comes as the foot
# flattens. Sizes per 1 m/s² of heel strike; axis 1 is positive away from the stance leg.
LOADING_PULSES = (Pulse(0, -0.015, 0.03, 0.35), Pulse(2, 0.035, 0.018, 0.2),
                  Pulse(1, 0.050, 0.015, 0.35), Pulse(2, 0.140, 0.025, 0.3))
HEEL_STRIKE_SIGMA_S = 0.006
LANDING_SD = 0.5  # step-to-step variation of the transient's forward and sideways parts


def heel_strike_pulses(rng: np.random.Generator) -> tuple[Pulse, ...]:
    """A walker's heel-strike transient: a sharp jolt up, and forward or back and sideways as
    their foot lands. Drawn once per walker (real walkers differ in it); each landing varies
    around it by ``LANDING_SD``."""
    delay = float(rng.uniform(0.005, 0.02))
    forward, sideways = rng.normal(0.0, [1.4, 1.0])
    return (Pulse(2, delay, HEEL_STRIKE_SIGMA_S, 1.0),
            Pulse(0, delay, HEEL_STRIKE_SIGMA_S, float(forward)),
            Pulse(1, delay, HEEL_STRIKE_SIGMA_S, float(sideways)))


def per_step(index: np.ndarray, cv: float, rng: np.random.Generator) -> np.ndarray:
    """A random factor of mean 1 and SD ``cv`` for each step ``index`` (per sample)."""
    if cv <= 0:
        return np.ones(len(index))
    first = int(index.min())
    draws = 1.0 + rng.normal(0.0, cv, int(index.max()) - first + 1)
    return np.maximum(draws, 0.2)[index - first]


def blended(values: np.ndarray, rate_hz: float) -> np.ndarray:
    """Per-step values blended smoothly across step boundaries."""
    return gaussian_filter1d(values, BLEND_S * rate_hz, mode="nearest")


def irregular_cadence(cadence: np.ndarray, rate_hz: float, cv: float,
                      rng: np.random.Generator) -> np.ndarray:
    """Stride rate whose every step lasts its own time (step-time CV ≈ ``cv``)."""
    if cv <= 0:
        return cadence
    step = np.floor(2 * np.cumsum(cadence) / rate_hz).astype(int)
    return blended(cadence * per_step(step, cv, rng), rate_hz)


def contact_jolts(t: np.ndarray, contacts: list[tuple[float, str, float]],
                  running: np.ndarray, heel_strike_mps2: float, rng: np.random.Generator
                  ) -> np.ndarray:
    """Pelvis displacement (m; x forward, y left, z up) of the jolts of all contacts.

    The walker's heel-strike transient and the loading response (× ``heel_strike_mps2``, each
    contact its own size) change the velocity; the rest of the gait cycle gives that change
    back, so nothing drifts.
    """
    if heel_strike_mps2 <= 0 or not contacts:
        return np.zeros((len(t), 3))
    rate = 1.0 / (t[1] - t[0])
    acc = np.zeros((len(t), 3))
    up, forward, sideways = heel_strike_pulses(rng)
    sizes = np.exp(rng.normal(0.0, IMPULSE_SD, len(contacts)) - IMPULSE_SD**2 / 2)
    landings = rng.normal(0.0, LANDING_SD, (len(contacts), 2))
    for (when, side, amplitude), size, landing in zip(contacts, sizes, landings, strict=True):
        k = min(round(when * rate), len(t) - 1)
        # The loading pulses are walking's (read off real walkers); a running stance is a
        # spring-mass bounce already, with only the foot strike's braking transient on top.
        forward_size = forward.size + landing[0]
        loading: tuple[Pulse, ...] = LOADING_PULSES
        if running[k] > 0.5:
            loading = ()
            forward_size = -abs(forward_size)  # a running foot lands ahead: it brakes
        pulses = (up, replace(forward, size=forward_size),
                  replace(sideways, size=sideways.size + landing[1]), *loading)
        scale = heel_strike_mps2 * size * amplitude * (1 + (RUNNING_IMPULSE - 1) * running[k])
        away_from_stance = -1.0 if side == "left" else 1.0  # +y is left
        for pulse in pulses:
            centre = when + pulse.delay_s
            half = round(5 * pulse.sigma_s * rate)
            c = round(centre * rate)
            span = slice(max(0, c - half), max(0, min(len(t), c + half + 1)))
            u = (t[span] - centre) / pulse.sigma_s
            sign = away_from_stance if pulse.axis == 1 else 1.0
            acc[span, pulse.axis] += sign * scale * pulse.size * np.exp(-0.5 * u**2)
    return double_integral(acc, rate, SLOWEST_HZ)


def trunk_jitter(n: int, rate_hz: float, rms: np.ndarray, rng: np.random.Generator,
                 integrate: bool) -> np.ndarray:
    """Irregular trunk motion in ``JITTER_BAND_HZ`` (3 columns) of RMS ``rms`` (per sample and
    column); the displacement of an acceleration of that RMS when ``integrate``."""
    noise = band_noise(rng, (n, 3), rate_hz, *JITTER_BAND_HZ)
    noise *= rms
    return double_integral(noise, rate_hz, JITTER_BAND_HZ[0] / 2) if integrate else noise
