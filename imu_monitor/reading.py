"""The one number of the live screen, decided with the steps and angles (by the engine), so
the screen only shows it.

Walking and running: the peak drop of the newest step the summary counts, with its stance side
and its number in the session. Steps come provisionally within the next step and are judged
about two seconds later (``ProvisionalSteps``): a judged step replaces the provisional one of
its time, in the count too. Single-leg drills: the drop *now* (the last 0.2 s) of the free
side, over when outside the tolerance band (hip hikes lift the free hip on purpose: no band).
Lunges and split squats: the frontal-plane tilt now, and which hip is lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from imu_monitor.conventions import Side, drop_from_obliquity
from imu_monitor.drills import Drill
from imu_monitor.processing.metrics import Step, against_threshold
from imu_monitor.processing.thresholds import outside_band

NOW_WINDOW_S = 0.2  # "now" is the mean of this much valid obliquity
SETTLED_AFTER_S = 10.0  # judged steps this much older than the newest no longer matter


@dataclass(frozen=True)
class LiveReading:
    """What the big number says. ``kind``: "step" (the newest counted step; None before
    one), "drop" (the free side's drop now, standing on ``side``), "tilt" (frontal-plane tilt
    now, ``side`` the lower hip, None when level)."""

    kind: Literal["step", "drop", "tilt"]
    value_deg: float | None
    side: Side | None
    over: bool
    threshold_deg: float
    step_number: int  # counted steps so far (walking and running)
    obliquity_now_deg: float | None  # for the pelvis drawing


class ReadingTracker:
    """Follows one analysis segment's steps and angles; ``reading()`` is the big number."""

    def __init__(self, drill: Drill, side: Side | None, threshold_deg: float,
                 rate_hz: float) -> None:
        self.drill, self.side, self.threshold_deg = drill, side, threshold_deg
        self._keep = max(1, round(NOW_WINDOW_S * rate_hz))
        self._recent = np.zeros(0, np.float32)
        # Provisional steps until their judged step comes (however long that takes: the last
        # step of a walk is judged when the next walk starts), and the newest judged ones.
        self._unjudged: dict[float, Step] = {}
        self._judged: dict[float, Step] = {}
        self._last: Step | None = None
        self.step_count = 0

    def add_steps(self, provisional: list[Step], judged: list[Step]) -> None:
        """New steps: provisional ones, and judged ones (each replaces the provisional step
        of its time, in the count too)."""
        for step in provisional:
            self.step_count += step.counted
            self._unjudged[step.time_s] = step
        for step in judged:
            before = self._unjudged.pop(step.time_s, None)
            self.step_count += step.counted - (before is not None and before.counted)
            self._judged[step.time_s] = step
        shown = {**self._judged, **self._unjudged}
        if not shown:
            return
        newest = max(shown)
        self._judged = {t: s for t, s in self._judged.items() if t > newest - SETTLED_AFTER_S}
        counted = [s for _, s in sorted(shown.items()) if s.counted]
        if counted:
            self._last = counted[-1]
        elif self._last is not None and self._last.time_s in shown:
            self._last = None  # judged not to count, and nothing newer does

    def set_threshold(self, threshold_deg: float) -> None:
        """Every step followed judged against a new threshold (the big number's "over")."""
        self.threshold_deg = threshold_deg
        self._unjudged = dict(zip(self._unjudged, against_threshold(
            list(self._unjudged.values()), threshold_deg), strict=True))
        self._judged = dict(zip(self._judged, against_threshold(
            list(self._judged.values()), threshold_deg), strict=True))
        if self._last is not None:
            self._last = against_threshold([self._last], threshold_deg)[0]

    def unjudged(self) -> list[Step]:
        """The provisional steps shown whose judged step has not come yet."""
        return list(self._unjudged.values())

    def add_samples(self, obliquity_deg: np.ndarray, valid: np.ndarray) -> None:
        ok = np.asarray(obliquity_deg)[np.asarray(valid)]
        if len(ok):
            self._recent = np.concatenate([self._recent, ok])[-self._keep:]

    def reading(self) -> LiveReading:
        now = float(np.mean(self._recent)) if len(self._recent) else None
        if self.drill.gait:
            step = self._last
            return LiveReading("step", None if step is None else step.peak_drop_deg,
                               None if step is None else step.side,
                               step is not None and step.over_threshold, self.threshold_deg,
                               self.step_count, now)
        if self.side is not None:
            drop = None if now is None else float(drop_from_obliquity(np.array([now]),
                                                                      self.side)[0])
            over = (self.drill.name != "hip-hike" and drop is not None
                    and outside_band(drop, self.threshold_deg))
            return LiveReading("drop", drop, self.side, over, self.threshold_deg,
                               self.step_count, now)
        low: Side | None = None
        if now is not None and abs(now) >= 0.05:
            low = "right" if now > 0 else "left"
        over = now is not None and outside_band(now, self.threshold_deg)
        return LiveReading("tilt", None if now is None else abs(now), low, over,
                           self.threshold_deg, self.step_count, now)
