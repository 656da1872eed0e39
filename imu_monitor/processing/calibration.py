"""Sensor-to-pelvis alignment: what it is, how it is declared, and how it is described.

The sensor may be clipped on in any orientation. The calibration is a fixed rotation whose rows
are the pelvis axes (x forward, y left, z up) written in sensor axes, chosen so that the neutral
posture reads zero obliquity and zero tilt. How it is found from the data (standing, walking,
initial contacts) is ``processing/alignment.py``; a declared mounting (``--axes``) replaces the
forward direction found from walking.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from imu_monitor.errors import InputDataError

_DIRECTIONS = {
    "forward": np.array([1.0, 0, 0]),
    "back": np.array([-1.0, 0, 0]),
    "left": np.array([0, 1.0, 0]),
    "right": np.array([0, -1.0, 0]),
    "up": np.array([0, 0, 1.0]),
    "down": np.array([0, 0, -1.0]),
}


NEUTRAL_STANDING = "standing"
NEUTRAL_CONTACTS = "initial contacts"  # nobody stood still: the pelvis at initial contacts
NEUTRAL_MEAN = "mean posture"  # too little walking for contacts either


@dataclass(frozen=True)
class Calibration:
    """Where the pelvis axes point in sensor axes, and how they were found."""

    up_sensor: np.ndarray
    forward_sensor: np.ndarray
    still_start_s: float
    still_end_s: float
    forward_source: str  # "walk" or "axes"
    forward_confidence: float  # 0..1: agreement behind the forward estimate (1 for "axes")
    still_gyro_std_dps: float
    neutral_source: str = NEUTRAL_STANDING  # or NEUTRAL_CONTACTS / NEUTRAL_MEAN
    walking_s: float = 0.0  # seconds of walking the forward direction was pooled from
    forward_spread_deg: float = 0.0  # how much the walking windows disagree about forward

    @property
    def pelvis_from_sensor(self) -> np.ndarray:
        """3×3 rotation taking sensor-axis vectors to pelvis axes (rows: forward, left, up)."""
        up = self.up_sensor
        fwd = self.forward_sensor
        return np.stack([fwd, np.cross(up, fwd), up])

    def to_dict(self) -> dict:
        """JSON-ready description (also stored with recordings)."""
        return {
            "up_sensor": [round(float(v), 6) for v in self.up_sensor],
            "forward_sensor": [round(float(v), 6) for v in self.forward_sensor],
            "still_start_s": round(self.still_start_s, 3),
            "still_end_s": round(self.still_end_s, 3),
            "forward_source": self.forward_source,
            "forward_confidence": round(self.forward_confidence, 3),
            "still_gyro_std_dps": round(self.still_gyro_std_dps, 3),
            "neutral_source": self.neutral_source,
            "walking_s": round(self.walking_s, 1),
            "forward_spread_deg": round(self.forward_spread_deg, 1),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        """Inverse of :meth:`to_dict` (calibrations are stored with recordings)."""
        return cls(np.asarray(d["up_sensor"], float), np.asarray(d["forward_sensor"], float),
                   float(d["still_start_s"]), float(d["still_end_s"]), str(d["forward_source"]),
                   float(d["forward_confidence"]), float(d["still_gyro_std_dps"]),
                   str(d.get("neutral_source", NEUTRAL_STANDING)),
                   float(d.get("walking_s", 0.0)), float(d.get("forward_spread_deg", 0.0)))


def parse_axes(spec: str) -> np.ndarray:
    """``"x=up,y=right,z=forward"`` → 3×3 pelvis-from-sensor rotation (rows forward, left, up).

    Each sensor axis names the body direction it points to when the patient stands.
    """
    columns: dict[str, np.ndarray] = {}
    for part in spec.split(","):
        axis, _, direction = part.strip().partition("=")
        axis, direction = axis.strip().lower(), direction.strip().lower()
        if axis not in ("x", "y", "z") or direction not in _DIRECTIONS:
            raise InputDataError(
                f"The mounting '{spec}' cannot be read: write it like x=up,y=right,z=forward "
                "(each sensor axis x, y, z with one of up, down, left, right, forward, back)."
            )
        columns[axis] = _DIRECTIONS[direction]
    if sorted(columns) != ["x", "y", "z"]:
        raise InputDataError(f"The mounting '{spec}' must name all three sensor axes x, y and z.")
    # Column j of the matrix = body direction of sensor axis j, in pelvis axes.
    matrix = np.stack([columns["x"], columns["y"], columns["z"]], axis=1)
    det = np.linalg.det(matrix)
    if abs(det) < 0.5:
        raise InputDataError(
            f"The mounting '{spec}' points two sensor axes the same way; each must differ."
        )
    if det < 0:
        raise InputDataError(
            f"The mounting '{spec}' is a mirror image, which no real sensor can be: "
            "check the direction of one axis."
        )
    return matrix


PLACED_WELL_DEG = 10.0  # closer to upright and straight than this: "sits straight"


def describe_mounting(cal: Calibration, axes: bool = True) -> str:
    """How the sensor sits on the sacrum, in a clinician's words first (how far from upright,
    how far turned), then (``axes``) the axes for the engineer."""

    def nearest(v: np.ndarray) -> tuple[str, float]:
        k = int(np.argmax(np.abs(v)))
        off = float(np.degrees(np.arccos(min(1.0, abs(float(v[k]))))))
        return f"{'+' if v[k] > 0 else '−'}{'xyz'[k]}", off

    up, tilt = nearest(cal.up_sensor)
    forward, turn = nearest(cal.forward_sensor)
    if max(tilt, turn) < PLACED_WELL_DEG:
        words = "sensor sits straight"
    else:
        parts = [f"{tilt:.0f}° off upright" if tilt >= PLACED_WELL_DEG else "upright",
                 f"turned {turn:.0f}°" if turn >= PLACED_WELL_DEG else "facing straight"]
        words = "sensor " + ", ".join(parts) + (
            " (forward as declared, the tilt measured)" if cal.forward_source == "axes"
            else " (measured, so it does not matter)")
    return f"{words}; axes: {up} up, {forward} forward" if axes else words


def describe_neutral(cal: Calibration, sway: bool = True) -> str:
    """What the zero of drop is, in words: the same in the app, the reports and the
    terminal (the callers say how loudly a neutral without standing is flagged). ``sway``:
    how still the standing was, for the engineer."""
    if cal.neutral_source == NEUTRAL_STANDING:
        return f"standing still {standing_span(cal)}" + (
            f" (sway {cal.still_gyro_std_dps:.1f}°/s)" if sway else "")
    return {NEUTRAL_CONTACTS: "the pelvis at the initial contacts of steady walking, both feet "
                              "alike",
            NEUTRAL_MEAN: "the mean posture of the whole recording"}.get(cal.neutral_source,
                                                                      cal.neutral_source)


def describe_forward(cal: Calibration, confidence: bool = True) -> str:
    """Where the forward direction came from, in words (with ``confidence``, for the
    engineer, how sure the walking was)."""
    if cal.forward_source == "axes":
        return "the declared mounting"
    return f"{cal.walking_s:.0f} s of walking" + (
        f" (confidence {cal.forward_confidence:.2f})" if confidence else "")


def _assessment(cal: Calibration) -> tuple[str, list[tuple[str, str]]]:
    """(quality word, [(what was found, what to do about it, or "")])."""
    if cal.forward_source == "axes":
        word, parts = "good", [("forward declared by the mounting preset", "")]
    else:
        walked = (f"forward from {cal.walking_s:.0f} s of walking, confidence "
                  f"{cal.forward_confidence:.2f}")
        if cal.forward_confidence >= 0.35 and cal.forward_spread_deg <= 20:
            word, parts = "good", [(walked, "")]
        elif cal.forward_confidence >= 0.2:
            word, parts = "fair", [(walked, "walk a little more, or redo")]
        else:
            word, parts = "poor", [(f"forward unclear (confidence {cal.forward_confidence:.2f})",
                                    "redo the calibration with ten steps of walking")]
    if cal.neutral_source == NEUTRAL_CONTACTS:
        word = "fair" if word == "good" else word
        parts.append(("nobody stood still, so each side's drop is against the pelvis at the "
                      "contacts", "calibrate again with the patient standing still to have it "
                      "against standing"))
    elif cal.neutral_source == NEUTRAL_MEAN:
        word = "poor"
        parts.append(("nobody stood still, nor walked enough for initial contacts",
                      "calibrate again, standing still, then ten steps"))
    elif cal.still_gyro_std_dps >= 2.0:
        word = "fair" if word == "good" else word
        parts.append((f"the standing swayed ({cal.still_gyro_std_dps:.1f}°/s)",
                      "calibrate again with the patient standing still, arms relaxed, looking "
                      "ahead"))
    return word, parts


def calibration_quality(cal: Calibration) -> tuple[str, str]:
    """(word, explanation) — how far to trust this calibration."""
    word, parts = _assessment(cal)
    return word, "; ".join(f"{found}: {todo}" if todo else found for found, todo in parts)


def standing_span(cal: Calibration) -> str:
    """When the patient stood for the neutral, in the recording's time: a live session's
    calibration, stored with a recording started after it, lies before it (negative)."""
    if cal.still_end_s <= 0:
        return (f"{-cal.still_end_s:.1f}–{-cal.still_start_s:.1f} s before the recording "
                "started")
    if cal.still_start_s < 0:
        return (f"from {-cal.still_start_s:.1f} s before the recording started to "
                f"{cal.still_end_s:.1f} s into it")
    return f"{cal.still_start_s:.1f}–{cal.still_end_s:.1f} s"


def in_recording_time(cal: Calibration, recording_start_s: float) -> Calibration:
    """``cal`` (times from its own analysis' start, ``recording_start_s`` before a recording
    began) with its standing in the recording's time."""
    return dataclasses.replace(cal, still_start_s=cal.still_start_s - recording_start_s,
                               still_end_s=cal.still_end_s - recording_start_s)


def describe_calibration(cal: Calibration) -> tuple[str, str]:
    """(quality word, what was found in one sentence): for the report and the app's
    details."""
    word, why = calibration_quality(cal)
    return word, f"{describe_mounting(cal)}; neutral from {describe_neutral(cal)}; {why}."


def no_standing_warning(cal: Calibration) -> str:
    """Said first, in capitals, when the neutral is not a standing posture ("" when it is).
    Moving the neutral by x moves one side's drop by +x and the other's by -x: each side, and
    twice as much their difference, depend on where the pelvis sits at the contacts, which
    differs from standing by 0.8° (median; up to 2.3°) on the real walks with their standing
    cut off; the sum of the two sides, the pelvis's frontal range, does not (docs/accuracy.md)."""
    if cal.neutral_source == NEUTRAL_STANDING:
        return ""
    return (f"NOBODY STOOD STILL: the neutral is {describe_neutral(cal)}, not standing. Each "
            "side's drop, and the difference between them twice as much, depend on it (by up "
            "to about 2°); the two sides added together do not.")


def calibration_in_brief(cal: Calibration) -> str:
    """What a clinician needs of a calibration beside the patient: where the zero is and
    how the sensor sits, and what to do when it is not good; the axes and figures are in
    ``describe_calibration``."""
    _, parts = _assessment(cal)
    brief = (f"Neutral from {describe_neutral(cal, sway=False)}; forward from "
             f"{describe_forward(cal, confidence=False)}; "
             f"{describe_mounting(cal, axes=False)}.")
    advice = "; ".join(todo for _, todo in parts if todo)
    return f"{brief} To do better: {advice}." if advice else brief
