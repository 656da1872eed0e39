"""Pelvis motion of a simulated patient: Baker angles, heading and position on a fine time grid.

Gait is built from stride phase ``p`` (0 = right initial contact, 0.5 = left initial contact).
Shapes follow what a sacral sensor sees on real people (checked against the IPOL lower-back set):
the contralateral hip drops after each initial contact with its peak ~19 % of the stride later;
the body is lowest and fastest at double support and brakes sharply just after contact; it sways
over the stance leg. Activities blend into each other through 1 s smoothing, so the motion is
smooth and the accelerations are physically consistent (second derivative of position). With
:class:`~imu_monitor.simulation.realism.Realism` every step differs a little in time and size
and each contact jolts the pelvis (:mod:`~imu_monitor.simulation.irregular_gait`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import ndtr

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.simulation import irregular_gait as irregular
from imu_monitor.simulation.activities import Activity, Gait, Sit, Stand
from imu_monitor.simulation.gait_signature import WalkerPattern
from imu_monitor.simulation.in_place import drill, drill_seconds, sitting
from imu_monitor.simulation.realism import Realism
from imu_monitor.simulation.rows import by_rows
from imu_monitor.simulation.turns import TurnPlan, heading_rate, pace_factor, turn_speed_factor

TRANSITION_S = 1.0
# The walker's own irregularities (heel-strike jolts, the stride pattern's higher harmonics)
# were read off real walkers at their own pace, a median 110 steps a minute. Slower, the same
# walker is a slowed-down film of itself: rates fall with the cadence and accelerations with
# its square (bench/slow_walking_ipol.py plays real walks so). Fixed in m/s², they swamped a
# 70-steps-a-minute walk, whose own accelerations are 0.4 times as large.
REFERENCE_STRIDE_HZ = 110.0 / 120.0
RUN_CONTACT_FRACTION = 0.4  # of a step
IC_PULSE_SIGMA_S = 0.025
# Walking: the swing-side hip drops from the contact to its peak 16 % of the stride later and
# is back by 40 % (stride phase: start, peak, end), as on real walkers.
RIGHT_STANCE_DROP = (0.0, 0.16, 0.4)
LEFT_STANCE_DROP = (0.5, 0.66, 0.9)
BRAKE_SIGMA_S = 0.04


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


@dataclass
class _Plan:
    """What each fine sample asks for, before smoothing: pace, gait, drops, in-place motion."""

    speed: np.ndarray
    cadence: np.ndarray  # strides per second, NaN outside gait
    gait_on: np.ndarray
    run_w: np.ndarray
    drop_l: np.ndarray
    drop_r: np.ndarray
    asymmetry: np.ndarray  # Gait.step_asymmetry
    obliquity: np.ndarray  # in-place activities (deg)
    tilt: np.ndarray
    disp: np.ndarray
    turns: list[TurnPlan]
    drill_truth: list[dict]

    def release_smoothed(self) -> None:
        """Let go of what has been smoothed into the motion (48 bytes a fine sample)."""
        self.speed = self.cadence = self.gait_on = self.run_w = self.drop_l = self.drop_r = \
            self.asymmetry = np.zeros(0)


def _plan(activities: list[Activity], t: np.ndarray, rng: np.random.Generator) -> _Plan:
    """Lay the activities out on the clock ``t``."""
    n = len(t)
    bounds = _bounds(activities)
    seg = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(activities) - 1)
    plan = _Plan(np.zeros(n), np.full(n, np.nan), np.zeros(n), np.zeros(n), np.zeros(n),
                 np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros((n, 3)), [], [])
    for i, act in enumerate(activities):
        sel = seg == i
        tau = t[sel] - bounds[i]
        if isinstance(act, Gait):
            plan.speed[sel] = act.speed_mps
            plan.cadence[sel] = act.cadence_spm / 120.0
            plan.gait_on[sel] = 1.0
            plan.run_w[sel] = 1.0 if act.running else 0.0
            plan.drop_l[sel] = act.drop_left_stance_deg
            plan.drop_r[sel] = act.drop_right_stance_deg
            plan.asymmetry[sel] = act.step_asymmetry
            if act.turn_deg:
                plan.turns.append(TurnPlan(
                    bounds[i] + (act.seconds - act.turn_seconds) / 2, act.turn_seconds,
                    act.turn_deg, turn_speed_factor(act.turn_deg, act.speed_mps,
                                                    act.turn_speed_mps)))
        elif isinstance(act, Sit):
            plan.tilt[sel], plan.disp[sel] = sitting(tau, act.seconds)
        elif not isinstance(act, Stand):
            obl, tilt, disp, truth = drill(act, tau, rng)
            plan.obliquity[sel], plan.tilt[sel], plan.disp[sel] = obl, tilt, disp
            for item in truth:
                item.update({k: v + bounds[i] for k, v in item.items() if k.endswith("_s")
                             and k not in ("hold_s",)})
                plan.drill_truth.append(item)
    return plan


def _bounds(activities: list[Activity]) -> np.ndarray:
    return np.cumsum([0.0] + [a.seconds if hasattr(a, "seconds") else drill_seconds(a)
                              for a in activities])


def _cadence_everywhere(cadence: np.ndarray) -> np.ndarray:
    """Cadence outside gait continues that of the nearest gait segment (phase keeps running
    while the amplitude is zero), so transitions never stretch steps."""
    known = np.flatnonzero(~np.isnan(cadence))
    if not len(known):
        return np.full(len(cadence), 0.9)
    return cadence[known[np.clip(np.searchsorted(known, np.arange(len(cadence))), 0,
                                 len(known) - 1)]]


def _obliquity(p: np.ndarray, run_w: np.ndarray, drop_l: np.ndarray, drop_r: np.ndarray,
               cv: float, rng: np.random.Generator) -> np.ndarray:
    """Gait obliquity (deg): the swing-side hip drops once per step, each step its own size.

    A step's size changes where its lobe is zero, so it changes nothing else."""
    walk_size = irregular.per_step(np.floor(2 * p).astype(int), cv, rng)
    run_size = irregular.per_step(np.floor(2 * (p - 0.02)).astype(int), cv, rng)
    walk = -drop_r * _lobe(p, *RIGHT_STANCE_DROP) + drop_l * _lobe(p, *LEFT_STANCE_DROP)
    run = -drop_r * _lobe(p, 0.02, 0.09, 0.52) + drop_l * _lobe(p, 0.52, 0.59, 1.02)
    return (1 - run_w) * walk * walk_size + run_w * run * run_size


def _displacement(p: np.ndarray, step_rate: np.ndarray, run_w: np.ndarray) -> np.ndarray:
    """Pelvis displacement of steady gait (m; x forward, y left, z up) about steady progress."""
    walk = 1 - run_w
    s = 2 * p
    ds = s - np.round(s)  # step phase from the nearest contact
    sigma_s = IC_PULSE_SIGMA_S * step_rate
    # Braking after contact: a smoothed velocity dip, periodic in the step phase.
    brake = ndtr((ds - 0.06 * step_rate) / (BRAKE_SIGMA_S * step_rate)) - ds - 0.5
    x_walk = -0.008 * np.sin(4 * np.pi * (p - 0.25)) + 0.005 * brake
    z_walk = 0.015 * np.cos(4 * np.pi * (p - 0.25)) - 0.001 * np.exp(
        -0.5 * ((ds - 0.04 * step_rate) / sigma_s) ** 2)
    y_walk = -0.017 * np.cos(2 * np.pi * (p - 0.25))
    x_run = _periodic_interp(_RUN_X, s) / step_rate**2
    z_run = _periodic_interp(_RUN_Z, s) / step_rate**2
    y_run = -0.015 * np.cos(2 * np.pi * (p - 0.1))
    return np.stack([walk * x_walk + run_w * x_run, walk * y_walk + run_w * y_run,
                     walk * z_walk + run_w * z_run], axis=1)


def _level_at_drop_peaks(pattern: WalkerPattern, p: np.ndarray, stride_hz: np.ndarray
                         ) -> np.ndarray:
    """What the walker's pattern adds to obliquity at each drop's peak, spread over that drop:
    taken away, it leaves the shape but keeps the configured drop the walker's mean drop."""
    return by_rows(_level_rows, p, stride_hz, pattern=pattern)


def _level_rows(p: np.ndarray, stride_hz: np.ndarray, pattern: WalkerPattern) -> np.ndarray:
    right, left = (pattern.angles(peak, stride_hz)[:, 0]
                   for peak in (RIGHT_STANCE_DROP[1], LEFT_STANCE_DROP[1]))
    return right * _lobe(p, *RIGHT_STANCE_DROP) + left * _lobe(p, *LEFT_STANCE_DROP)


def build_motion(activities: list[Activity], fine_rate_hz: float, seed: int,
                 realism: Realism | None = None) -> Motion:
    """Turn ``activities`` into pelvis motion sampled at ``fine_rate_hz``."""
    realism = Realism() if realism is None else realism
    rng = np.random.default_rng(seed)
    timing_rng, size_rng, jolt_rng, jitter_rng, walker_rng = (np.random.default_rng([seed, k])
                                                              for k in (1, 2, 3, 4, 5))
    dt = 1.0 / fine_rate_hz
    n = round(_bounds(activities)[-1] * fine_rate_hz)
    t = np.arange(n) * dt
    plan = _plan(activities, t, rng)

    k = max(3, int(TRANSITION_S * fine_rate_hz))
    speed, gait_on, run_w, cadence, drop_l, drop_r, asymmetry = (
        _smooth(x, k) for x in (plan.speed, plan.gait_on, plan.run_w,
                                _cadence_everywhere(plan.cadence), plan.drop_l, plan.drop_r,
                                plan.asymmetry))
    # A long session's arrays are many times the samples: each goes as soon as it is used.
    plan.release_smoothed()
    cadence = irregular.irregular_cadence(cadence, fine_rate_hz, realism.step_time_cv,
                                          timing_rng)
    p = np.cumsum(cadence) * dt
    # A limp: the phase runs unevenly within each stride (it still advances: |asymmetry| < 1),
    # and reaches the left contact (half a stride) early.
    p += asymmetry * (1.0 - np.cos(2.0 * np.pi * p)) / (2.0 * np.pi)
    del asymmetry
    step_rate = 2 * cadence  # steps per second
    # Each step's excursions (tilt, rotation, sway, bounce) scaled by its own factor.
    size = irregular.blended(irregular.per_step(np.floor(2 * p).astype(int),
                                                realism.step_amplitude_cv, size_rng),
                             fine_rate_hz)

    walk = 1 - run_w
    obl_deg = gait_on * _obliquity(p, run_w, drop_l, drop_r, realism.step_amplitude_cv,
                                   size_rng)
    del drop_l, drop_r
    tilt_deg = gait_on * (walk * (size * (1.0 * np.cos(4 * np.pi * (p - 0.3))
                                          + 0.6 * np.cos(2 * np.pi * (p - 0.1))) + 2.0)
                          + run_w * (3.0 * size * np.cos(4 * np.pi * (p - 0.15)) + 8.0))
    rot_deg = gait_on * size * ((walk * 3.5 + run_w * 5.0) * np.cos(2 * np.pi * p)
                                + walk * 0.4 * np.cos(4 * np.pi * (p - 0.1)))
    disp = (gait_on * size)[:, None] * by_rows(_displacement, p, step_rate, run_w)
    del step_rate
    pace = walk * cadence / REFERENCE_STRIDE_HZ + run_w  # running keeps its own impulses
    contacts = _contacts(t, p, gait_on)
    jolts = [(when, side, amplitude * pace[min(round(when * fine_rate_hz), n - 1)] ** 2)
             for when, side, amplitude in contacts]
    disp += irregular.contact_jolts(t, jolts, run_w, realism.heel_strike_mps2, jolt_rng)
    del jolts
    del run_w
    if realism.signature is not None:
        pattern = WalkerPattern.draw(realism.signature, walker_rng)
        own = gait_on * walk
        disp += (own * size * pace**2)[:, None] * by_rows(pattern.displacement, p, cadence)
        angles = by_rows(pattern.angles, p, cadence) * (own * pace)[:, None]
        angles[:, 0] -= own * pace * _level_at_drop_peaks(pattern, p, cadence)
        obl_deg, tilt_deg, rot_deg = (obl_deg + angles[:, 0], tilt_deg + angles[:, 1],
                                      rot_deg + angles[:, 2])
        del own, angles
    del size, walk, cadence
    if realism.jitter is not None:
        jitter, moving = realism.jitter, gait_on[:, None]
        angles = irregular.trunk_jitter(
            n, fine_rate_hz, moving * jitter.walking_deg + (1 - moving) * jitter.standing_deg,
            jitter_rng, integrate=False)
        vigour = moving * pace[:, None] ** 2
        disp += irregular.trunk_jitter(
            n, fine_rate_hz, vigour * jitter.walking_mps2 + (1 - moving) * jitter.standing_mps2,
            jitter_rng, integrate=True)
        obl_deg, tilt_deg, rot_deg = (obl_deg + angles[:, 0], tilt_deg + angles[:, 1],
                                      rot_deg + angles[:, 2])
        del moving, angles, vigour
    del pace

    sway = gaussian_filter1d(rng.normal(0, 1, n), 0.4 * fine_rate_hz)
    sway *= (1 - gait_on) * 0.1 / max(float(np.std(sway)), 1e-9)
    obl_deg = obl_deg + plan.obliquity + sway
    tilt_deg = tilt_deg + plan.tilt + 0.5 * sway[::-1]
    del sway, gait_on

    heading = np.cumsum(heading_rate(t, plan.turns, 2 * p)) * dt
    speed = speed * pace_factor(t, plan.turns)
    progress = np.cumsum(speed[:, None] * np.stack([np.cos(heading), np.sin(heading)], 1),
                         axis=0) * dt
    c, sn = np.cos(heading), np.sin(heading)
    local = disp + plan.disp
    del disp
    position = np.stack([progress[:, 0] + c * local[:, 0] - sn * local[:, 1],
                         progress[:, 1] + sn * local[:, 0] + c * local[:, 1],
                         1.0 + local[:, 2]], axis=1)
    return Motion(t, heading, np.radians(rot_deg), np.radians(obl_deg), np.radians(tilt_deg),
                  position, contacts, plan.drill_truth)


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
