"""Gait measures of one lower-back IMU walk, computed the same way for real and simulated data.

A walk is: stand, walk, one U-turn, walk back, stop. Orientation comes from VQF (offline, 6-axis)
for real and simulated samples alike, so any difference in the figures is a difference in the
signals, not in their processing. The body frame is found as a clinician's calibration would:
up from standing, forward = the principal horizontal direction of the step-frequency
acceleration, its sign from the velocity gained in the first steps.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, sosfiltfilt, welch
from vqf import offlineVQF

from imu_monitor.conventions import GRAVITY_MPS2, drop_from_obliquity
from imu_monitor.rotations import quat_to_matrix

LEVEL_AXES = ("V", "AP", "ML")  # free acceleration: vertical, forward, left
PELVIS_AXES = ("roll", "pitch", "yaw")  # angular rate about pelvis forward, left, up
BANDS = {  # multiples of the stride frequency (stride = two steps)
    "stride": (0.75, 1.25),
    "step": (1.75, 2.25),
    "harmonics 3-6": (2.5, 6.5),
}
HIGH_BAND_HZ = (10.0, 40.0)
TOTAL_BAND_HZ = (0.3, 40.0)
WELCH_SEGMENT_S = 5.12  # 0.2 Hz resolution: stride and step bands apart at any cadence
SKIP_STEPS = 2  # steps at each end of a straight leg: starting and stopping, not steady gait
CONTACT_WINDOW_S = (0.1, 0.6)  # around each contact, for its average response
STAND_FROM_S, STAND_UNTIL_S = 3.5, 1.2  # standing window, seconds before the first contact


@dataclass
class LowerBackWalk:
    """Samples of one walk and what happened in it (sample indices)."""

    name: str
    rate_hz: float
    acc: np.ndarray  # (n, 3) m/s², specific force, sensor axes
    gyr: np.ndarray  # (n, 3) rad/s, sensor axes
    contacts: np.ndarray  # initial contacts, sorted
    contact_sides: np.ndarray  # "left" / "right" per contact
    turn_near: int  # a sample inside the U-turn


@dataclass
class BodySignals:
    """The walk seen in the body: level-frame acceleration, pelvis rates and pelvic angles."""

    free_acc_level: np.ndarray  # (n, 3) V, AP, ML, gravity removed
    horizontal_acc_world: np.ndarray  # (n, 2)
    gyr_pelvis: np.ndarray  # (n, 3) about forward, left, up
    yaw_rate: np.ndarray  # (n,) rad/s about the world vertical
    obliquity_deg: np.ndarray
    tilt_deg: np.ndarray
    yaw_deg: np.ndarray  # heading of the pelvis's forward axis, unwrapped
    stand: slice


def standing_window(walk: LowerBackWalk) -> slice:
    """Quiet standing before the first step, clear of the weight shift that prepares it (real
    walkers start moving ~1 s before their first contact)."""
    first, rate = int(walk.contacts[0]), walk.rate_hz
    return slice(max(0, first - round(STAND_FROM_S * rate)),
                 max(1, first - round(STAND_UNTIL_S * rate)))


def _bandpass(x: np.ndarray, rate_hz: float, low: float, high: float) -> np.ndarray:
    sos = butter(2, [low, high], btype="band", fs=rate_hz, output="sos")
    return sosfiltfilt(sos, x, axis=0)


def forward_in_world(walk: LowerBackWalk, world_acc: np.ndarray, stand: slice) -> np.ndarray:
    """Unit horizontal walking direction of the first leg, in world axes: the step-frequency
    sway's main direction, pointing the way the walker sped up from standing."""
    first, turn = int(walk.contacts[0]), walk.turn_near
    leg = slice(first, max(first + 1, turn - round(1.0 * walk.rate_hz)))
    step_hz = walk.rate_hz / float(np.median(np.diff(walk.contacts)))
    horizontal = _bandpass(world_acc[:, :2], walk.rate_hz, 0.6 * step_hz, 1.4 * step_hz)[leg]
    _, _, vt = np.linalg.svd(horizontal - horizontal.mean(axis=0), full_matrices=False)
    direction = vt[0]
    gained = world_acc[stand.stop:first + round(1.5 * walk.rate_hz), :2].sum(axis=0)
    return direction if direction @ gained >= 0 else -direction


def body_signals(walk: LowerBackWalk) -> BodySignals:
    """VQF orientation, then the standing-and-walking alignment, then the body's signals."""
    out = offlineVQF(np.ascontiguousarray(walk.gyr), np.ascontiguousarray(walk.acc), None,
                     1.0 / walk.rate_hz)
    world_from_sensor = quat_to_matrix(out["quat6D"])
    world_acc = np.einsum("nij,nj->ni", world_from_sensor, walk.acc) - [0, 0, GRAVITY_MPS2]
    stand = standing_window(walk)
    up = walk.acc[stand].mean(axis=0)
    up /= np.linalg.norm(up)
    forward_world = np.append(forward_in_world(walk, world_acc, stand), 0.0)
    forward = np.einsum("nji,j->ni", world_from_sensor[stand.stop:walk.turn_near],
                        forward_world).mean(axis=0)
    forward -= (forward @ up) * up
    forward /= np.linalg.norm(forward)
    pelvis_from_sensor = np.stack([forward, np.cross(up, forward), up])
    world_from_pelvis = world_from_sensor @ pelvis_from_sensor.T

    yaw = np.unwrap(np.arctan2(world_from_pelvis[:, 1, 0], world_from_pelvis[:, 0, 0]))
    cos_yaw, sin_yaw = np.cos(yaw), np.sin(yaw)
    level = np.stack([world_acc[:, 2],
                      cos_yaw * world_acc[:, 0] + sin_yaw * world_acc[:, 1],
                      -sin_yaw * world_acc[:, 0] + cos_yaw * world_acc[:, 1]], axis=1)
    obliquity = np.degrees(np.arcsin(np.clip(world_from_pelvis[:, 2, 1], -1, 1)))
    tilt = np.degrees(np.arctan2(-world_from_pelvis[:, 2, 0], world_from_pelvis[:, 2, 2]))
    gyr_world = np.einsum("nij,nj->ni", world_from_sensor, walk.gyr)
    return BodySignals(level, world_acc[:, :2], walk.gyr @ pelvis_from_sensor.T, gyr_world[:, 2],
                       obliquity - obliquity[stand].mean(), tilt - tilt[stand].mean(),
                       np.degrees(yaw), stand)


def turn_span(walk: LowerBackWalk, body: BodySignals) -> tuple[int, int]:
    """Samples where the heading has done 5 % and 95 % of the U-turn's change.

    The heading before and after is the median over 1 s of straight walking 1.5–2.5 s from the
    fastest turning; the fastest turning is sought within 1 s of ``turn_near``.
    """
    r = walk.rate_hz
    heading = np.degrees(np.cumsum(body.yaw_rate) / r)
    smooth = uniform_filter1d(body.yaw_rate, round(0.5 * r))
    near = slice(max(0, walk.turn_near - round(r)), walk.turn_near + round(r))
    peak = near.start + int(np.argmax(np.abs(smooth[near])))
    before = np.median(heading[max(0, peak - round(2.5 * r)):max(1, peak - round(1.5 * r))])
    after = np.median(heading[peak + round(1.5 * r):peak + round(2.5 * r)])
    around = slice(max(0, peak - round(2.0 * r)), peak + round(2.0 * r))
    done = (heading[around] - before) / (after - before)
    middle = peak - around.start
    start = around.start + int(np.flatnonzero(done[:middle] < 0.05).max(initial=0))
    end = around.start + int(np.flatnonzero(done[middle:] > 0.95).min(initial=len(done) -
                                                                            middle) + middle)
    return start, end


def straight_legs(walk: LowerBackWalk, turn: tuple[int, int]) -> list[np.ndarray]:
    """Indices into ``contacts`` of the steady steps of each straight leg."""
    r = walk.rate_hz
    out = []
    for leg in (walk.contacts < turn[0] - round(0.5 * r),
                walk.contacts > turn[1] + round(0.5 * r)):
        index = np.flatnonzero(leg)[SKIP_STEPS:-SKIP_STEPS]
        if len(index) >= 4:
            out.append(index)
    return out


def spectral_shares(walk: LowerBackWalk, body: BodySignals, legs: list[np.ndarray]
                    ) -> dict[str, float]:
    """Share of the 0.3–40 Hz power in bands around the stride and step frequencies, and above
    10 Hz, per channel, during steady straight walking."""
    stride_hz = walk.rate_hz / (2 * float(np.median(np.diff(walk.contacts[legs[0]]))))
    channels = {**{f"acc {a}": body.free_acc_level[:, k] for k, a in enumerate(LEVEL_AXES)},
                **{f"gyr {a}": body.gyr_pelvis[:, k] for k, a in enumerate(PELVIS_AXES)}}
    out = {}
    for name, signal in channels.items():
        power = 0.0
        freqs = None
        for leg in legs:
            piece = signal[walk.contacts[leg[0]]:walk.contacts[leg[-1]]]
            segment = round(WELCH_SEGMENT_S * walk.rate_hz)
            freqs, p = welch(piece, walk.rate_hz, nperseg=min(len(piece), segment),
                             nfft=segment, detrend="linear")
            power = power + p
        total = power[(freqs >= TOTAL_BAND_HZ[0]) & (freqs <= TOTAL_BAND_HZ[1])].sum()
        for band, (lo, hi) in BANDS.items():
            inside = (freqs >= lo * stride_hz) & (freqs <= hi * stride_hz)
            out[f"{name} share {band} %"] = 100 * power[inside].sum() / total
        inside = (freqs >= HIGH_BAND_HZ[0]) & (freqs <= HIGH_BAND_HZ[1])
        out[f"{name} share 10-40 Hz %"] = 100 * power[inside].sum() / total
    return out


def walking_rms(walk: LowerBackWalk, body: BodySignals, legs: list[np.ndarray]
                ) -> dict[str, float]:
    """RMS about the mean of each axis during steady straight walking."""
    pieces = [slice(walk.contacts[leg[0]], walk.contacts[leg[-1]]) for leg in legs]
    out = {}
    for k, axis in enumerate(LEVEL_AXES):
        values = np.concatenate([body.free_acc_level[p, k] - body.free_acc_level[p, k].mean()
                                 for p in pieces])
        out[f"acc {axis} RMS m/s²"] = float(np.sqrt(np.mean(values**2)))
    for k, axis in enumerate(PELVIS_AXES):
        values = np.concatenate([body.gyr_pelvis[p, k] - body.gyr_pelvis[p, k].mean()
                                 for p in pieces])
        out[f"gyr {axis} RMS °/s"] = float(np.degrees(np.sqrt(np.mean(values**2))))
    return out


def stride_ranges(walk: LowerBackWalk, body: BodySignals, legs: list[np.ndarray]
                  ) -> dict[str, float]:
    """Median range per stride of obliquity, tilt and rotation (yaw less its linear trend)."""
    ranges: dict[str, list[float]] = {"obliquity": [], "tilt": [], "rotation": []}
    for leg in legs:
        for a, b in zip(leg[:-2], leg[2:], strict=True):
            span = slice(walk.contacts[a], walk.contacts[b] + 1)
            yaw = body.yaw_deg[span]
            trend = np.linspace(yaw[0], yaw[-1], len(yaw))
            for name, values in (("obliquity", body.obliquity_deg[span]),
                                 ("tilt", body.tilt_deg[span]), ("rotation", yaw - trend)):
                ranges[name].append(float(np.ptp(values)))
    return {f"{name} range per stride °": float(np.median(v)) for name, v in ranges.items()}


def step_variability(walk: LowerBackWalk, body: BodySignals, legs: list[np.ndarray]
                     ) -> dict[str, float]:
    """Step-time CV, the SD of the per-step peak drop (mean of the two stance sides) and when
    the peak comes (share of the step after its contact)."""
    times, drops = [], {"left": [], "right": []}
    peak_at = []
    for leg in legs:
        times.append(np.diff(walk.contacts[leg]) / walk.rate_hz)
        for a, b in itertools.pairwise(leg):
            side = str(walk.contact_sides[a])
            drop = drop_from_obliquity(body.obliquity_deg[walk.contacts[a]:walk.contacts[b]],
                                       side)
            drops[side].append(float(np.max(drop)))
            peak_at.append(np.argmax(drop) / len(drop))
    step_times = np.concatenate(times)
    return {"step time CV %": float(100 * step_times.std() / step_times.mean()),
            "peak drop, median °": float(np.median(np.concatenate(list(drops.values())))),
            "peak drop SD (per side) °": float(np.mean([np.std(v) for v in drops.values()])),
            "peak drop time, % of step": float(100 * np.median(peak_at))}


def contact_shapes(walk: LowerBackWalk, body: BodySignals, legs: list[np.ndarray]
                   ) -> dict[str, float]:
    """The walker's average response to a contact (steady steps, mirrored so that sideways
    acceleration, roll and yaw read the same for both feet): the features a contact detector
    keys on."""
    r = walk.rate_hz
    before, after = round(CONTACT_WINDOW_S[0] * r), round(CONTACT_WINDOW_S[1] * r)
    away_from_stance = {"right": np.array([1, 1, 1, 1, 1, 1]),
                        "left": np.array([1, 1, -1, -1, 1, -1])}
    signals = np.concatenate([body.free_acc_level, np.degrees(body.gyr_pelvis)], axis=1)
    pieces = [signals[walk.contacts[k] - before:walk.contacts[k] + after]
              * away_from_stance[str(walk.contact_sides[k])]
              for leg in legs for k in leg[:-1]]
    mean = np.mean(pieces, axis=0)
    early = slice(before, before + round(0.15 * r))
    v, ap, ml, roll, pitch, yaw = mean.T

    def at(k: int) -> float:
        return 1000 * k / r

    return {"contact: vertical peak m/s²": float(v[early].max() - v[before]),
            "contact: vertical peak after ms": at(int(np.argmax(v[early]))),
            "contact: braking dip m/s²": float(ap[early].min() - ap[before]),
            "contact: braking dip after ms": at(int(np.argmin(ap[early]))),
            "contact: sideways push away from stance m/s²": float(ml[early].max() - ml[before]),
            "contact: sideways jolt toward stance m/s²": float(ml[before] - ml[early].min()),
            "contact: roll-rate dip °/s": float(roll[early].min() - roll[before]),
            "contact: roll-rate dip after ms": at(int(np.argmin(roll[early]))),
            "contact: pitch-rate range °/s": float(np.ptp(pitch[early])),
            "contact: yaw-rate range °/s": float(np.ptp(yaw[early]))}


def turn_signature(walk: LowerBackWalk, body: BodySignals, turn: tuple[int, int]
                   ) -> dict[str, float]:
    """Duration (heading 5–95 %), peak yaw rate (0.25 s average), peak horizontal
    acceleration (0.5 s average) of the U-turn, and the speed along its arc: the acceleration
    toward the turn's centre over the turn rate (1 s averages, least squares), which is what
    pulls an inclination filter (a turn on the spot has none)."""
    r = walk.rate_hz
    around = slice(max(0, turn[0] - round(0.5 * r)), turn[1] + round(0.5 * r))
    yaw_rate = uniform_filter1d(body.yaw_rate, round(0.25 * r))[around]
    horizontal = uniform_filter1d(body.horizontal_acc_world, round(0.5 * r), axis=0)[around]
    stride_rate = uniform_filter1d(body.yaw_rate, round(r))[around]
    toward_left = uniform_filter1d(body.free_acc_level[:, 2], round(r))[around]
    return {"U-turn duration s": (turn[1] - turn[0]) / r,
            "U-turn peak yaw rate °/s": float(np.degrees(np.max(np.abs(yaw_rate)))),
            "U-turn peak horizontal acc m/s²": float(np.max(np.linalg.norm(horizontal,
                                                                           axis=1))),
            "U-turn speed along its arc m/s": float(np.sum(toward_left * stride_rate)
                                                    / np.sum(stride_rate**2))}


def standing_sway(body: BodySignals) -> dict[str, float]:
    """Quiet standing before the walk: angle SDs and the residual angular rate."""
    s = body.stand
    return {"standing obliquity SD °": float(np.std(body.obliquity_deg[s])),
            "standing tilt SD °": float(np.std(body.tilt_deg[s])),
            "standing rate RMS °/s": float(np.degrees(np.sqrt(np.mean(
                (body.gyr_pelvis[s] - body.gyr_pelvis[s].mean(axis=0)) ** 2))) * np.sqrt(3)),
            "standing acc RMS m/s²": float(np.sqrt(np.mean(
                (body.free_acc_level[s] - body.free_acc_level[s].mean(axis=0)) ** 2)) *
                np.sqrt(3))}


def measure(walk: LowerBackWalk) -> dict[str, float]:
    """Every figure of the comparison for one walk (rows in a fixed order)."""
    body = body_signals(walk)
    turn = turn_span(walk, body)
    legs = straight_legs(walk, turn)
    return {**spectral_shares(walk, body, legs), **walking_rms(walk, body, legs),
            **stride_ranges(walk, body, legs), **step_variability(walk, body, legs),
            **contact_shapes(walk, body, legs),
            **turn_signature(walk, body, turn), **standing_sway(body)}
