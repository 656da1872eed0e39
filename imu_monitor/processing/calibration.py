"""Sensor-to-pelvis alignment: standing still gives vertical and neutral, a straight walk forward.

The sensor may be clipped on in any orientation. The calibration is a fixed rotation whose rows
are the pelvis axes (x forward, y left, z up) written in sensor axes, chosen so that the neutral
standing posture reads zero obliquity and zero tilt.

Forward comes from the inverted-pendulum signature of walking: the body moves fastest forward
at double support, when it is lowest, so forward acceleration is in phase with *minus* the
vertical velocity. The covariance of horizontal acceleration with ``-v_vertical`` therefore points
forward, with its sign, in one step (no principal-axis ambiguity). A declared mounting
(``--axes``) replaces it.

The calibrator is streaming and decides on fixed 0.5 s blocks counted from the first sample, so
live (packets) and batch (one array) processing reach the same calibration at the same sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import CalibrationError, InputDataError
from imu_monitor.rotations import quat_to_matrix

BLOCK_S = 0.5
MIN_STILL_S = 1.5
MAX_STILL_S = 5.0
WALK_WINDOW_S = 4.0
STILL_GYRO_STD_RADPS = 0.1
STILL_ACC_STD_MPS2 = 0.25
WALK_ACC_STD_MPS2 = 0.6
MAX_TURN_DURING_FORWARD_DEG = 25.0
MIN_FORWARD_CONFIDENCE = 0.2

_DIRECTIONS = {
    "forward": np.array([1.0, 0, 0]),
    "back": np.array([-1.0, 0, 0]),
    "left": np.array([0, 1.0, 0]),
    "right": np.array([0, -1.0, 0]),
    "up": np.array([0, 0, 1.0]),
    "down": np.array([0, 0, -1.0]),
}


@dataclass(frozen=True)
class Calibration:
    """Where the pelvis axes point in sensor axes, and how they were found."""

    up_sensor: np.ndarray
    forward_sensor: np.ndarray
    still_start_s: float
    still_end_s: float
    forward_source: str  # "walk" or "axes"
    forward_confidence: float  # 0..1: correlation behind the forward estimate (1 for "axes")
    still_gyro_std_dps: float
    neutral_source: str = "standing"  # or "mean posture" when nobody stood still
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
        }

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        """Inverse of :meth:`to_dict` (calibrations are stored with recordings)."""
        return cls(np.asarray(d["up_sensor"], float), np.asarray(d["forward_sensor"], float),
                   float(d["still_start_s"]), float(d["still_end_s"]), str(d["forward_source"]),
                   float(d["forward_confidence"]), float(d["still_gyro_std_dps"]),
                   str(d.get("neutral_source", "standing")))


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


class StreamingCalibrator:
    """Finds the calibration at the start of a stream, deciding on whole 0.5 s blocks only.

    ``update`` is given all samples since the stream began (the pipeline keeps them until it is
    calibrated) and looks at each new complete block once.
    """

    def __init__(self, rate_hz: float, axes: np.ndarray | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.block = max(1, round(BLOCK_S * rate_hz))
        self._axes = axes
        # A sensor's own orientation (orientation-only sensors) is what the angles are read
        # from, so its up, not the accelerometer's, is the neutral vertical.
        self.vertical_from_orientation = False
        self._next = 0  # first sample of the next block to look at
        self._run_start: int | None = None  # first sample of the current still/walk run
        self._up: np.ndarray | None = None
        self._still: tuple[int, int] = (0, 0)
        self._still_gyro_std = 0.0
        self._neutral_source = "standing"
        self.calibration: Calibration | None = None
        self.problem = (
            "No standing still period was found: the patient must stand still for at least "
            f"{MIN_STILL_S:g} s at the start."
        )

    @property
    def stage(self) -> str:
        """Where the calibration stands, for a guided flow: ``"standing"`` (waiting for the
        patient to stand still), ``"walking"`` (vertical and neutral found, waiting for a
        straight walk) or ``"done"``."""
        if self.calibration is not None:
            return "done"
        return "standing" if self._up is None else "walking"

    def update(self, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray,
               final: bool = False) -> Calibration | None:
        """Look at every new complete block; return the calibration once it is found.

        ``final``: the data ends here, so a still period still running counts as ended.
        """
        b = self.block
        while self.calibration is None and self._next + b <= len(acc):
            s, e = self._next, self._next + b
            if self._up is None:
                self._vertical_block(acc, gyr, quat, s, e)
            else:
                self._forward_block(acc, gyr, quat, s, e)
            self._next = e
        if final and self.calibration is None and self._up is None and \
                self._run_start is not None and \
                self._next - self._run_start >= round(MIN_STILL_S * self.rate_hz):
            self._lock_vertical(acc, gyr, quat, self._run_start, self._next)
        return self.calibration

    def fallback(self, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray) -> Calibration | None:
        """At the end of a whole recording that gave no calibration in the usual order.

        Standing found but no walk after it: forward from a straight walk anywhere in the
        recording. Nobody stood still at all: vertical from the mean specific force (the body's
        accelerations average out over a walk) and neutral = that mean posture, which
        ``neutral_source`` says.
        """
        if self.calibration is not None or len(acc) == 0:
            return self.calibration
        if self._up is None:
            up = acc.mean(axis=0)
            self._up = up / np.linalg.norm(up)
            self._still = (0, 0)
            self._neutral_source = "mean posture"
            if self._axes is not None:
                self._lock(self._axes[0], "axes", 1.0)
                return self.calibration
        self._next, self._run_start = 0, None
        self.update(acc, gyr, quat)
        return self.calibration

    def _vertical_block(self, acc, gyr, quat, s: int, e: int) -> None:
        acc_norm = np.linalg.norm(acc[s:e], axis=1)
        still = (
            float(np.max(np.std(gyr[s:e], axis=0))) < STILL_GYRO_STD_RADPS
            and float(np.std(acc_norm)) < STILL_ACC_STD_MPS2
            and abs(float(np.mean(acc_norm)) - GRAVITY_MPS2) < 1.5
        )
        if still and self._run_start is None:
            self._run_start = s
        run_end = e if still else s
        if self._run_start is None:
            return
        length = run_end - self._run_start
        if still and length < round(MAX_STILL_S * self.rate_hz):
            return
        if length >= round(MIN_STILL_S * self.rate_hz):
            self._lock_vertical(acc, gyr, quat, self._run_start, run_end)
        self._run_start = None

    def _lock_vertical(self, acc, gyr, quat, s: int, e: int) -> None:
        # The accelerometer direction, not the filter's: it is where the filter settles, and
        # it carries no lag from a gyro bias not yet learned.
        up = (quat_to_matrix(quat[s:e])[:, 2, :] if self.vertical_from_orientation
              else acc[s:e]).mean(axis=0)
        self._up = up / np.linalg.norm(up)
        self._still = (s, e)
        self._still_gyro_std = float(np.degrees(np.max(np.std(gyr[s:e], axis=0))))
        if self._axes is not None:
            declared_up = self._axes[2]
            angle = np.degrees(np.arccos(np.clip(declared_up @ self._up, -1, 1)))
            if angle > 60:
                raise CalibrationError(
                    f"The declared mounting says up is {_describe(declared_up)} but the sensor "
                    f"measured up {angle:.0f}° away from it: check the declared mounting "
                    "(--axes, or the app's mounting preset)."
                )
            self._lock(self._axes[0], "axes", 1.0)
        else:
            self.problem = (
                "No straight walk was found after standing: walk at least "
                f"{WALK_WINDOW_S:.0f} s straight ahead, or declare the mounting with --axes."
            )

    def _forward_block(self, acc, gyr, quat, s: int, e: int) -> None:
        walking = float(np.std(np.linalg.norm(acc[s:e], axis=1))) > WALK_ACC_STD_MPS2
        if not walking:
            self._run_start = None
            return
        if self._run_start is None:
            self._run_start = s
        window = round(WALK_WINDOW_S / BLOCK_S) * self.block
        if e - self._run_start < window:
            return
        w0 = e - window
        assert self._up is not None
        turn = np.degrees(np.abs(np.cumsum(gyr[w0:e] @ self._up)) / self.rate_hz).max()
        if turn > MAX_TURN_DURING_FORWARD_DEG:
            return
        forward, confidence = forward_from_walk(acc[w0:e], quat[w0:e], self.rate_hz)
        if confidence >= MIN_FORWARD_CONFIDENCE:
            self._lock(forward, "walk", confidence)

    def _lock(self, forward: np.ndarray, source: str, confidence: float) -> None:
        assert self._up is not None
        fwd = forward - (forward @ self._up) * self._up
        fwd /= np.linalg.norm(fwd)
        s, e = self._still
        self.calibration = Calibration(self._up, fwd, s / self.rate_hz, e / self.rate_hz,
                                       source, float(confidence), self._still_gyro_std,
                                       self._neutral_source)


def forward_from_walk(acc: np.ndarray, quat: np.ndarray, rate_hz: float) -> tuple[np.ndarray,
                                                                                  float]:
    """Forward direction in sensor axes from a straight walk, and the correlation behind it.

    Averages use a Hann window: the side-to-side sway (stride frequency) then leaks less than
    0.1° into a direction measured at the step frequency, whatever the window length.
    """
    world_from_sensor = quat_to_matrix(quat)
    acc_world = np.einsum("nij,nj->ni", world_from_sensor, acc)
    weights = np.hanning(len(acc) + 2)[1:-1]
    weights /= weights.sum()
    vertical = acc_world[:, 2] - acc_world[:, 2].mean()
    velocity = np.cumsum(vertical) / rate_hz
    t = np.arange(len(velocity))
    velocity -= np.polyval(np.polyfit(t, velocity, 1), t)
    velocity -= weights @ velocity
    horizontal = acc_world[:, :2] - weights @ acc_world[:, :2]
    cov = weights @ (horizontal * -velocity[:, None])
    norm = float(np.linalg.norm(cov))
    scale = float(np.sqrt((weights @ (horizontal**2).sum(axis=1)) * (weights @ velocity**2)))
    confidence = norm / scale if scale > 0 else 0.0
    if norm == 0:
        return np.array([1.0, 0, 0]), 0.0
    forward_world = np.array([cov[0] / norm, cov[1] / norm, 0.0])
    forward_sensor = np.einsum("nji,j->ni", world_from_sensor, forward_world).mean(axis=0)
    return forward_sensor / np.linalg.norm(forward_sensor), confidence


def _describe(vector: np.ndarray) -> str:
    axis = int(np.argmax(np.abs(vector)))
    return f"{'+' if vector[axis] > 0 else '-'}{'xyz'[axis]}"


def describe_mounting(cal: Calibration) -> str:
    """Which sensor axis points up and which forward, in words."""

    def nearest(v: np.ndarray) -> str:
        k = int(np.argmax(np.abs(v)))
        off = float(np.degrees(np.arccos(min(1.0, abs(float(v[k]))))))
        sign = "+" if v[k] > 0 else "−"
        return f"{sign}{'xyz'[k]}" + (f" ({off:.0f}° off)" if off >= 5 else "")

    return f"sensor {nearest(cal.up_sensor)} points up, {nearest(cal.forward_sensor)} forward"


def calibration_quality(cal: Calibration) -> tuple[str, str]:
    """(word, explanation) — how far to trust this calibration."""
    if cal.neutral_source != "standing":
        return "poor", "no standing still period: neutral is the mean posture"
    if cal.forward_source == "axes":
        return "good", "forward declared by the mounting preset"
    if cal.forward_confidence >= 0.5 and cal.still_gyro_std_dps < 2.0:
        return "good", f"straight walk, confidence {cal.forward_confidence:.2f}"
    if cal.forward_confidence >= 0.3:
        return "fair", (f"walk confidence {cal.forward_confidence:.2f}: walk straighter, "
                        "or redo")
    return "poor", f"walk confidence {cal.forward_confidence:.2f}: redo the calibration"


def describe_calibration(cal: Calibration) -> tuple[str, str]:
    """(quality word, what was found in one sentence): for the app and the report."""
    word, why = calibration_quality(cal)
    neutral = (f"neutral from standing {cal.still_start_s:.1f}–{cal.still_end_s:.1f} s "
               f"(sway {cal.still_gyro_std_dps:.1f}°/s)"
               if cal.neutral_source == "standing" else "neutral = mean posture")
    return word, f"{describe_mounting(cal)}; {neutral}; {why}."
