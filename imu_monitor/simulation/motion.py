"""Pelvis motion of a simulated patient: Baker angles, heading and position on a fine time grid.

Gait is built from stride phase ``p`` (0 = right initial contact, 0.5 = left initial contact).
Shapes follow what a sacral sensor sees on real people (checked against the IPOL lower-back set):
the contralateral hip drops after each initial contact with its peak ~19 % of the stride later;
the body is lowest and fastest at double support and brakes sharply just after contact; it sways
over the stance leg. Activities blend into each other through 1 s smoothing, so the motion is
smooth and the accelerations are physically consistent (second derivative of position).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import ndtr

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.simulation.activities import (
    Activity,
    Gait,
    HipHike,
    SingleLegStance,
    Stand,
    StepDown,
)

TRANSITION_S = 1.0
RUN_CONTACT_FRACTION = 0.4  # of a step
IC_PULSE_SIGMA_S = 0.025


@dataclass
class Motion:
    """Pelvis motion on a fine grid plus what the simulated patient really did."""

    t: np.ndarray  # (n,) s
    heading: np.ndarray  # (n,) rad, direction of progression
    rotation: np.ndarray  # (n,) rad, Baker rotation relative to heading
    obliquity: np.ndarray  # (n,) rad
    tilt: np.ndarray  # (n,) rad
    position: np.ndarray  # (n, 3) m, world
    contacts: list[tuple[float, str, float]]  # (time s, side, gait amplitude 0..1)
    drill_truth: list[dict]


def _raised_cosine_kernel(n: int) -> np.ndarray:
    k = 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(n) + 1) / (n + 1))
    return k / k.sum()


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    pad = n // 2 + 1
    padded = np.concatenate([np.full(pad, x[0]), x, np.full(pad, x[-1])])
    return np.convolve(padded, _raised_cosine_kernel(n), mode="same")[pad:-pad]


def _lobe(p: np.ndarray, start: float, peak: float, end: float) -> np.ndarray:
    """Periodic (period 1) raised-cosine bump: 0 at ``start``, 1 at ``peak``, 0 at ``end``."""
    u = np.mod(p - start, 1.0)
    rise, fall = peak - start, end - peak
    out = np.zeros_like(u)
    up = u < rise
    out[up] = 0.5 - 0.5 * np.cos(np.pi * u[up] / rise)
    down = (u >= rise) & (u < rise + fall)
    out[down] = 0.5 + 0.5 * np.cos(np.pi * (u[down] - rise) / fall)
    return out


def _periodic_double_integral(accel: np.ndarray) -> np.ndarray:
    """Zero-mean periodic position (per unit phase²) whose second phase-derivative is ``accel``."""
    spec = np.fft.rfft(accel - accel.mean())
    k = np.arange(len(spec))
    k[0] = 1
    spec = spec / -((2 * np.pi * k) ** 2)
    spec[0] = 0
    return np.fft.irfft(spec, n=len(accel))


_RUN_GRID = np.linspace(0, 1, 2048, endpoint=False)
_c = RUN_CONTACT_FRACTION
_in_contact = _c > _RUN_GRID
# Vertical: flight is free fall; stance pushes back with a half-sine (mean force = body weight).
_RUN_Z = _periodic_double_integral(
    np.where(_in_contact, GRAVITY_MPS2 * np.pi / (2 * _c) * np.sin(np.pi * _RUN_GRID / _c), 0.0)
)
# Forward: braking in the first half of contact, propulsion in the second.
_RUN_X = _periodic_double_integral(np.where(_in_contact, -4.0 * np.sin(2 * np.pi * _RUN_GRID / _c),
                                            0.0))


def _periodic_interp(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    grid = np.append(_RUN_GRID, 1.0)
    return np.interp(np.mod(phase, 1.0), grid, np.append(table, table[0]))


def build_motion(activities: list[Activity], fine_rate_hz: float, seed: int) -> Motion:
    """Turn ``activities`` into pelvis motion sampled at ``fine_rate_hz``."""
    rng = np.random.default_rng(seed)
    dt = 1.0 / fine_rate_hz
    bounds = np.cumsum([0.0] + [a.seconds if hasattr(a, "seconds") else _drill_seconds(a)
                                for a in activities])
    n = round(bounds[-1] * fine_rate_hz)
    t = np.arange(n) * dt
    seg = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(activities) - 1)

    speed = np.zeros(n)
    cadence = np.full(n, np.nan)
    gait_on = np.zeros(n)
    run_w = np.zeros(n)
    drop_l = np.zeros(n)
    drop_r = np.zeros(n)
    heading_rate = np.zeros(n)
    drill_obl = np.zeros(n)
    drill_tilt = np.zeros(n)
    drill_disp = np.zeros((n, 3))
    drill_truth: list[dict] = []
    for i, act in enumerate(activities):
        sel = seg == i
        tau = t[sel] - bounds[i]
        if isinstance(act, Gait):
            speed[sel] = act.speed_mps
            cadence[sel] = act.cadence_spm / 120.0
            gait_on[sel] = 1.0
            run_w[sel] = 1.0 if act.running else 0.0
            drop_l[sel] = act.drop_left_stance_deg
            drop_r[sel] = act.drop_right_stance_deg
            if act.turn_deg:
                mid = act.seconds / 2
                u = (tau - (mid - act.turn_seconds / 2)) / act.turn_seconds
                inside = (u >= 0) & (u < 1)
                rate = np.zeros_like(tau)
                rate[inside] = (1 - np.cos(2 * np.pi * u[inside])) / act.turn_seconds
                heading_rate[sel] = np.radians(act.turn_deg) * rate
                # People slow down to turn: the centripetal pull stays near 1 m/s².
                slow = 0.5 - 0.5 * np.cos(2 * np.pi * np.clip(u, 0, 1))
                speed[sel] *= 1 - 0.6 * slow * min(1.0, abs(act.turn_deg) / 180.0)
        elif not isinstance(act, Stand):
            obl, tilt, disp, truth = _drill(act, tau, rng)
            drill_obl[sel], drill_tilt[sel], drill_disp[sel] = obl, tilt, disp
            for item in truth:
                item.update({k: v + bounds[i] for k, v in item.items() if k.endswith("_s")
                             and k not in ("hold_s",)})
                drill_truth.append(item)

    # Cadence outside gait continues that of the nearest gait segment (phase keeps running
    # while the amplitude is zero), so transitions never stretch steps.
    known = np.flatnonzero(~np.isnan(cadence))
    if len(known):
        nearest = known[np.clip(np.searchsorted(known, np.arange(n)), 0, len(known) - 1)]
        cadence = cadence[nearest]
    else:
        cadence = np.full(n, 0.9)

    k = max(3, int(TRANSITION_S * fine_rate_hz))
    speed, gait_on, run_w, cadence = (_smooth(x, k) for x in (speed, gait_on, run_w, cadence))
    drop_l, drop_r = _smooth(drop_l, k), _smooth(drop_r, k)
    p = np.cumsum(cadence) * dt
    step_rate = 2 * cadence  # steps per second

    walk = 1 - run_w
    obl_deg = (
        walk * (-drop_r * _lobe(p, 0.07, 0.19, 0.57) + drop_l * _lobe(p, 0.57, 0.69, 1.07))
        + run_w * (-drop_r * _lobe(p, 0.02, 0.09, 0.52) + drop_l * _lobe(p, 0.52, 0.59, 1.02))
    ) * gait_on
    tilt_deg = gait_on * (walk * (1.5 * np.cos(4 * np.pi * (p - 0.3)) + 2.0)
                          + run_w * (3.0 * np.cos(4 * np.pi * (p - 0.15)) + 8.0))
    rot_deg = gait_on * (walk * 4.0 + run_w * 5.0) * np.cos(2 * np.pi * p)

    # Local displacement (x forward, y left, z up) relative to steady progression.
    s = 2 * p
    ds = s - np.round(s)  # step phase from the nearest contact
    sigma_s = IC_PULSE_SIGMA_S * step_rate
    # Braking just after contact: a smoothed velocity dip, periodic in the step phase.
    brake = ndtr((ds - 0.02 * step_rate) / sigma_s) - ds - 0.5
    x_walk = -0.008 * np.sin(4 * np.pi * (p - 0.25)) + 0.005 * brake
    z_walk = 0.02 * np.cos(4 * np.pi * (p - 0.25)) - 0.0019 * np.exp(
        -0.5 * ((ds - 0.04 * step_rate) / sigma_s) ** 2)
    y_walk = -0.025 * np.cos(2 * np.pi * (p - 0.25))
    x_run = _periodic_interp(_RUN_X, s) / step_rate**2
    z_run = _periodic_interp(_RUN_Z, s) / step_rate**2
    y_run = -0.015 * np.cos(2 * np.pi * (p - 0.1))
    disp = gait_on[:, None] * np.stack(
        [walk * x_walk + run_w * x_run, walk * y_walk + run_w * y_run,
         walk * z_walk + run_w * z_run], axis=1)

    sway = gaussian_filter1d(rng.normal(0, 1, n), 0.4 * fine_rate_hz)
    sway *= (1 - gait_on) * 0.1 / max(float(np.std(sway)), 1e-9)
    obl_deg = obl_deg + drill_obl + sway
    tilt_deg = tilt_deg + drill_tilt + 0.5 * sway[::-1]

    heading = np.cumsum(heading_rate) * dt
    progress = np.cumsum(speed[:, None] * np.stack([np.cos(heading), np.sin(heading)], 1),
                         axis=0) * dt
    c, sn = np.cos(heading), np.sin(heading)
    local = disp + drill_disp
    position = np.stack([progress[:, 0] + c * local[:, 0] - sn * local[:, 1],
                         progress[:, 1] + sn * local[:, 0] + c * local[:, 1],
                         1.0 + local[:, 2]], axis=1)

    contacts = _contacts(t, p, gait_on)
    return Motion(t, heading, np.radians(rot_deg), np.radians(obl_deg), np.radians(tilt_deg),
                  position, contacts, drill_truth)


def _contacts(t: np.ndarray, p: np.ndarray, amplitude: np.ndarray) -> list[tuple[float, str,
                                                                                float]]:
    """Initial contacts: stride phase crossing whole (right) and half (left) numbers."""
    s = 2 * p
    idx = np.flatnonzero(np.floor(s[1:]) > np.floor(s[:-1])) + 1
    out = []
    for i in idx:
        k = np.floor(s[i])
        frac = (k - s[i - 1]) / (s[i] - s[i - 1])
        when = t[i - 1] + frac * (t[i] - t[i - 1])
        if amplitude[i] > 0.05:
            out.append((float(when), "right" if int(k) % 2 == 0 else "left", float(amplitude[i])))
    return out


def _drill_seconds(act: Activity) -> float:
    if isinstance(act, SingleLegStance):
        return act.hold_s + 2.6
    if isinstance(act, HipHike | StepDown):
        return act.reps * act.rep_s + 3.0
    raise TypeError(f"unknown activity {act!r}")


def _ramp(x: np.ndarray) -> np.ndarray:
    """0 → 1 smoothly for x in [0, 1]."""
    x = np.clip(x, 0, 1)
    return 0.5 - 0.5 * np.cos(np.pi * x)


def _drill(act, tau: np.ndarray, rng: np.random.Generator):
    """Obliquity, tilt (deg), displacement (m) and truth of one single-leg drill segment.

    Every drill shifts the weight over the stance leg (1 s), does its work, and shifts back.
    """
    stance_sign = 1.0 if act.side == "left" else -1.0  # +y is left
    # Obliquity that drops the free (contralateral) hip by ``d`` degrees: right stance → -d.
    drop_sign = 1.0 if act.side == "left" else -1.0
    total = _drill_seconds(act)
    shift = _ramp(tau / 1.0) * _ramp((total - tau) / 1.0)
    disp = np.zeros((len(tau), 3))
    disp[:, 1] = stance_sign * 0.05 * shift
    obl = np.zeros_like(tau)
    tilt = np.zeros_like(tau)
    truth: list[dict] = []
    if isinstance(act, SingleLegStance):
        # Weight shift over 1 s, foot off 0.3 s later; foot down 0.3 s before the shift back.
        start, end = 1.3, 1.3 + act.hold_s
        on = _ramp((tau - start) / 0.3) * _ramp((end - tau) / 0.3)
        sway = gaussian_filter1d(rng.normal(0, 1, len(tau)), 0.3 * len(tau) / total)
        hold = (tau >= start) & (tau < end)
        sway = (sway - sway[hold].mean()) * act.sway_deg / max(float(sway[hold].std()), 1e-9)
        drop = (act.drop_deg + sway) * on
        obl = drop_sign * drop
        truth.append({"drill": "single-leg-stance", "side": act.side, "start_s": start,
                      "end_s": end, "hold_s": act.hold_s,
                      "mean_drop_deg": float(drop[hold].mean()),
                      "max_drop_deg": float(drop[hold].max()),
                      "sway_deg": float(np.std(drop[hold]))})
    else:
        for r in range(act.reps):
            u = (tau - 1.5 - r * act.rep_s) / act.rep_s
            inside = (u >= 0) & (u < 1)
            if isinstance(act, HipHike):
                # free hip: down to -lower at 25 %, up to +lift at 55 %, held to 75 %, back.
                elev = np.interp(u, [0, 0.25, 0.55, 0.75, 1.0],
                                 [0, -act.lower_deg, act.lift_deg, act.lift_deg, 0])
                elev = np.where(inside, elev, 0.0)
                elev = gaussian_filter1d(elev, 0.05 * len(tau) / total)
                obl += -drop_sign * elev
                truth.append({"drill": "hip-hike", "side": act.side,
                              "start_s": 1.5 + r * act.rep_s,
                              "range_deg": act.lower_deg + act.lift_deg})
            else:
                depth = np.where(inside, np.sin(np.pi * np.clip(u / 0.9, 0, 1)) ** 2, 0.0)
                obl += drop_sign * act.drop_deg * depth
                tilt += 15.0 * depth
                disp[:, 2] += -0.15 * depth
                truth.append({"drill": "step-down", "side": act.side,
                              "start_s": 1.5 + r * act.rep_s, "peak_drop_deg": act.drop_deg})
    return obl, tilt, disp, truth
