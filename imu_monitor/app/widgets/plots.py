"""The live plots: the scrolling obliquity trace and the per-step bars, in pyqtgraph.

Both are updated from the window's one frame timer, never per packet; nothing in them reacts
to the mouse or ranges itself. Pens are 1 px wide (wide pens cost two orders of magnitude in
pyqtgraph).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem

from imu_monitor.app import theme
from imu_monitor.painting import tick_label, tint
from imu_monitor.processing.metrics import Step
from imu_monitor.processing.thresholds import over_threshold

TRACE_WINDOW_S = 10.0
DELAY_WINDOW_S = 2.0  # the display clock follows the smallest sample delay of this long
MAX_COAST_S = 0.1  # the trace keeps scrolling this long past the newest sample, then stops
MAX_BARS = 24
STRIP = 0.06  # the stance strip's height, a share of the plot's
STANCE_STRETCH = 1.5  # a stance on the strip ends this many of its step times after contact


def style_plot(plot: pg.PlotWidget, colors: theme.Theme) -> None:
    """Background, axes and labels in the theme's colours (dark mode needs light text)."""
    plot.setBackground(colors.panel)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colors.muted, width=1))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.label.setDefaultTextColor(QColor(colors.muted))


def level_ticks(low: float, high: float) -> list[float]:
    """Every 5° (every 10° for a high threshold's wide range, so labels never crowd)."""
    step = 5 if high - low <= 40 else 10
    return [float(v) for v in range(-100, 101, step) if low <= v <= high]


class _LivePlot(pg.PlotWidget):
    """A plot the clinician reads, not explores: fixed ranges, no mouse, no menu, no
    auto-range (which would look at the data on every change)."""

    def __init__(self, y_title: str) -> None:
        super().__init__()
        self.setMinimumSize(320, 120)  # small screens: the column beside it scrolls
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setInteractive(False)  # a click on the legend would hide a side's bars
        self.getPlotItem().getViewBox().disableAutoRange()
        # Ticks outside the plot: pointing in, they put the axis (all its labels) in the
        # area that is repainted at every frame.
        for name in ("left", "bottom"):
            self.getAxis(name).setStyle(tickLength=5)
        self.setLabel("left", y_title, **{"font-size": "12pt"})
        self._colors = theme.LIGHT

    def _set_y(self, low: float, high: float) -> None:
        """The vertical range and its ticks, with true minus signs."""
        self.setYRange(low, high, padding=0)
        self.getAxis("left").setTicks([[(v, tick_label(v)) for v in level_ticks(low, high)],
                                       []])


class ObliquityTrace(_LivePlot):
    """The last 10 s of obliquity with the threshold band and a stance-side strip.

    It scrolls smoothly at the frame rate, not in jumps at the packet rate: the time axis is
    fixed ("seconds before now", −10…0) and the curve, the strip and the markers, children
    of one group, are moved under it by the display clock with ``setPos``. A frame is that
    move; the axes never change, and the curve's path (peak-downsampled, clipped to the
    view) is rebuilt only when samples arrive. The display clock is the wall clock minus the
    smallest recent delay of the samples, so the newest sample is always in view, and it
    stops when the data stops.
    """

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__("Obliquity (°)")
        self.setLabel("bottom", "Seconds before now", **{"font-size": "12pt"})
        self.setXRange(-TRACE_WINDOW_S, 0, padding=0)
        self.getAxis("bottom").setTicks(
            [[(float(k), tick_label(k)) for k in range(-int(TRACE_WINDOW_S), 1)], []])
        # −10 and 0 labelled too: their labels may reach 20 px past the plot's ends.
        self.getAxis("bottom").setStyle(hideOverlappingLabels=20)
        # Axes a few pixels off the plot area, which is repainted at every frame (and not
        # widened for antialiasing, which is off).
        layout = self.getPlotItem().layout
        layout.setContentsMargins(1, 1, 12, 1)
        layout.setColumnSpacing(0, 3)
        layout.setRowSpacing(2, 3)
        self.setOptimizationFlag(self.OptimizationFlag.DontAdjustForAntialiasing)
        # The band: an opaque tint under everything (blending a translucent fill over the
        # plot every frame is what software rendering pays most for), a plain filled
        # rectangle, which Qt paints without calling back into Python.
        self._band = QGraphicsRectItem()
        self._band.setPen(pg.mkPen(None))
        self._band.setZValue(-100)
        self.addItem(self._band)
        # Level lines at the ticks, one path: pyqtgraph's grid is drawn by the axes across
        # the plot, so every frame would repaint the axes too.
        self._levels = QGraphicsPathItem()
        self._levels.setZValue(-50)
        self.addItem(self._levels)
        # What scrolls: moving the group moves its children without touching their data
        # (a PlotDataItem's own setPos re-clips and rebuilds its path). It sits in a frame
        # the size of the view that clips it, so that what moves past the edges never makes
        # Qt repaint the axes.
        self._frame = QGraphicsRectItem()
        self._frame.setPen(pg.mkPen(None))
        self._frame.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.addItem(self._frame)
        self._scroll = pg.ItemGroup()
        self._scroll.setParentItem(self._frame)
        self._strip = {side: QGraphicsPathItem() for side in ("left", "right")}
        for side, item in self._strip.items():
            item.setBrush(QColor(theme.LEFT if side == "left" else theme.RIGHT))
            item.setPen(pg.mkPen(None))
            self._scroll.addItem(item)
        # Peak downsampling to one (max, min) pair per two pixels: every peak drop stays, and
        # far fewer segments are drawn at every frame.
        self._curve = pg.PlotDataItem(connect="finite", skipFiniteCheck=True, clipToView=True,
                                      autoDownsample=True, autoDownsampleFactor=0.5,
                                      downsampleMethod="peak")
        self._scroll.addItem(self._curve)
        self._marker_lines: list[pg.InfiniteLine] = []
        self._threshold = 6.0
        self._limit = 12.0
        self._capacity = 1
        self.reset(rate_hz)
        self.set_colors(theme.LIGHT)
        self.set_threshold(self._threshold)

    # ------------------------------------------------------------------ data
    def reset(self, rate_hz: float) -> None:
        """Empty the trace (new session or new analysis segment)."""
        self._capacity = int(TRACE_WINDOW_S * rate_hz) + 1
        self._t = np.full(self._capacity, np.nan)
        self._y = np.full(self._capacity, np.nan, dtype=np.float32)
        self._n = 0
        self._origin = 0.0  # session time of x = 0 in the scrolled items' coordinates
        self._shift = 0.0
        self._delays: deque[tuple[float, float]] = deque()  # (wall time, wall − sample time)
        self._dirty = False
        self._spans = 0
        self._steps: deque[Step] = deque()
        self._markers: deque[tuple[float, str]] = deque()  # (session time, label)
        self._curve.setData([], [])
        for item in self._strip.values():
            item.setPath(QPainterPath())
        self._place_markers()

    def set_threshold(self, threshold_deg: float) -> None:
        self._threshold = threshold_deg
        self._band.setRect(QRectF(-TRACE_WINDOW_S - 1, -threshold_deg, TRACE_WINDOW_S + 2,
                                  2 * threshold_deg))
        self._set_limit(self._wanted_limit())

    def _wanted_limit(self) -> float:
        """±12° (or the threshold + 6°), and beyond the largest angle in the window (in
        steps of 4°, back only 4° below it): a 13° drop is drawn as 13°, never cut off."""
        floor = max(12.0, self._threshold + 6.0)
        shown = self._y[: self._n]
        largest = float(np.nanmax(np.abs(shown))) if np.isfinite(shown).any() else 0.0
        if floor >= largest + 1.0:
            return floor
        needed = 4.0 * math.ceil((largest + 1.0) / 4.0)
        return self._limit if needed <= self._limit <= needed + 4.0 else needed

    def _set_limit(self, limit: float) -> None:
        self._limit = limit
        self._set_y(-limit, limit)
        self._frame.setRect(QRectF(-TRACE_WINDOW_S, -limit, TRACE_WINDOW_S, 2 * limit))
        levels = QPainterPath()
        for v in self._y_ticks():
            levels.moveTo(-TRACE_WINDOW_S - 1, v)
            levels.lineTo(1, v)
        self._levels.setPath(levels)
        self._dirty = bool(self._n)  # the strip's height follows the range

    def set_colors(self, colors: theme.Theme) -> None:
        self._colors = colors
        style_plot(self, colors)
        self._band.setBrush(tint(colors.panel, theme.GOOD))
        self._levels.setPen(pg.mkPen(colors.grid, width=1))
        self._curve.setPen(pg.mkPen(colors.trace, width=1))
        for line in self._marker_lines:
            self._style_marker(line)

    def append(self, t: np.ndarray, y: np.ndarray, valid: np.ndarray,
               wall: float | None = None) -> None:
        """New samples (session time ``t``), received at ``wall`` (monotonic clock); gaps
        (invalid samples) are drawn as breaks, never as a line."""
        if not len(t):
            return
        wall = time.monotonic() if wall is None else wall
        self._delays.append((wall, wall - float(t[-1])))
        while self._delays[0][0] < wall - DELAY_WINDOW_S:
            self._delays.popleft()
        y = np.where(valid, y, np.nan).astype(np.float32)
        if len(t) >= self._capacity:
            t, y = t[-self._capacity:], y[-self._capacity:]
        keep = self._capacity - len(t)
        start = max(0, self._n - keep)
        kept = self._n - start
        self._t[:kept] = self._t[start:self._n]
        self._y[:kept] = self._y[start:self._n]
        self._t[kept:kept + len(t)] = t
        self._y[kept:kept + len(t)] = y
        self._n = kept + len(t)
        self._dirty = True

    def add_steps(self, steps: list[Step]) -> None:
        """New steps, or judged ones replacing the provisional step of the same time."""
        if steps:
            self._steps = deque(merge_steps(self._steps, steps, lambda s: True))

    def add_marker(self, label: str) -> None:
        """The clinician's marker, drawn at the newest sample with its label."""
        t = float(self._t[self._n - 1]) if self._n else 0.0
        self._markers.append((t, label))
        while self._markers and self._markers[0][0] < t - 2 * TRACE_WINDOW_S:
            self._markers.popleft()
        self._dirty = True

    def markers(self) -> list[tuple[float, str]]:
        """The markers the trace can show now (for tests)."""
        return list(self._markers)

    def display_time(self, wall: float | None = None) -> float:
        """The session time shown at the right edge now."""
        if not self._n:
            return 0.0
        wall = time.monotonic() if wall is None else wall
        newest = float(self._t[self._n - 1])
        delay = min(d for _, d in self._delays)
        return min(wall - delay, newest + MAX_COAST_S)

    def redraw(self, wall: float | None = None) -> None:
        """Called from the frame timer: rebuild the items if samples came, then scroll."""
        if not self._n:
            return
        if self._dirty:
            self._rebuild()
        shift = self._origin - self.display_time(wall)
        if shift != self._shift:
            self._shift = shift
            self._scroll.setPos(shift, 0)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the trace holds now, in session time (for tests: assert on data, not pixels)."""
        return self._t[: self._n].copy(), self._y[: self._n].copy()

    def stance_spans(self) -> int:
        """How many stance phases the strip shows (for tests)."""
        return self._spans

    # ------------------------------------------------------------- drawing
    def _y_ticks(self) -> list[float]:
        return level_ticks(-self._limit, self._limit)

    def _rebuild(self) -> None:
        """The curve, the strip and the markers in coordinates where the newest sample is at
        x = 0 (near the view's: the curve is clipped and downsampled against the view)."""
        limit = self._wanted_limit()
        if limit != self._limit:
            self._set_limit(limit)
        self._dirty = False
        self._origin = float(self._t[self._n - 1])
        self._curve.setData(self._t[: self._n] - self._origin, self._y[: self._n])
        self._shade()
        self._place_markers()

    def _shade(self) -> None:
        """Stance phases, from each contact to the next: blue left, orange right."""
        end = self._origin
        while self._steps and self._steps[0].time_s < end - 2 * TRACE_WINDOW_S:
            self._steps.popleft()
        steps = list(self._steps)
        paths = {"left": QPainterPath(), "right": QPainterPath()}
        spans = 0
        height = STRIP * 2 * self._limit
        for k, s in enumerate(steps):
            # A stance lasts until the next contact, but no longer than half as much again
            # as its step: the last one before a rest was drawn across the whole standing.
            longest = s.time_s + STANCE_STRETCH * (s.step_time_s or 0.6)
            stop = min(steps[k + 1].time_s if k + 1 < len(steps) else end, longest)
            if stop > end - TRACE_WINDOW_S - MAX_COAST_S:
                paths[s.side].addRect(QRectF(s.time_s - end, self._limit - height,
                                             stop - s.time_s, height))
                spans += 1
        for side, item in self._strip.items():
            item.setPath(paths[side])
        self._spans = spans

    def _place_markers(self) -> None:
        """One dashed line with its label per marker, at its time."""
        while len(self._marker_lines) > len(self._markers):
            gone = self._marker_lines.pop()
            gone.scene().removeItem(gone)
        while len(self._marker_lines) < len(self._markers):
            line = pg.InfiniteLine(angle=90, movable=False, label="",
                                   labelOpts={"position": 0.86, "anchors": [(0, 0), (0, 0)]})
            self._style_marker(line)
            self._scroll.addItem(line)
            self._marker_lines.append(line)
        for line, (t, label) in zip(self._marker_lines, self._markers, strict=True):
            line.setPos(t - self._origin)
            line.label.setFormat(label)

    def _style_marker(self, line: pg.InfiniteLine) -> None:
        line.setPen(pg.mkPen(self._colors.muted, width=1.5, style=Qt.PenStyle.DashLine))
        line.label.setColor(self._colors.text)


def merge_steps(shown: Iterable[Step], new: list[Step], keep: Callable[[Step], bool]
                ) -> list[Step]:
    """``shown`` with ``new`` in time order: a step of the same time replaces the one shown
    (a judged step its provisional one), and goes if ``keep`` says so."""
    by_time = {s.time_s: s for s in shown}
    for step in new:
        if keep(step):
            by_time[step.time_s] = step
        else:
            by_time.pop(step.time_s, None)
    return sorted(by_time.values(), key=lambda s: s.time_s)


class StepBars(_LivePlot):
    """The last steps' peak drops as bars: left stance blue, right stance orange; a bar over
    the threshold is outlined in vermillion (colour is never the only cue: the legend and
    the side words on the big number go with it). The oldest step is on the left."""

    def __init__(self) -> None:
        super().__init__("Peak drop (°)")
        bottom = self.getAxis("bottom")
        bottom.setTicks([[], []])  # a baseline: the slots are steps, not a scale
        bottom.setStyle(showValues=False, tickLength=0)
        bottom.setHeight(12)  # room for the lowest tick's label
        self.setXRange(-0.5, MAX_BARS - 0.5, padding=0)
        self._bars = {side: pg.BarGraphItem(x=[], height=[], width=0.8, brush=color,
                                            pen=pg.mkPen(None))
                      for side, color in (("left", theme.LEFT), ("right", theme.RIGHT))}
        for item in self._bars.values():
            self.addItem(item)
        self._threshold_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen(theme.ALERT, width=1,
                                                 style=Qt.PenStyle.DashLine))
        self.addItem(self._threshold_line)
        self._steps: list[Step] = []
        self._dirty = False
        self._threshold, self._top = 6.0, 0.0
        self.set_colors(theme.LIGHT)
        self.set_threshold(6.0)

    def reset(self) -> None:
        self._steps.clear()
        self._dirty = True

    def set_threshold(self, threshold_deg: float) -> None:
        """The line moves and every bar is outlined against it (a new threshold judges the
        steps shown again, as the session does)."""
        self._threshold = threshold_deg
        self._threshold_line.setPos(threshold_deg)
        self._dirty = True
        self._fit_y()

    def _fit_y(self) -> None:
        """0 to 12° (or the threshold + 4°), and up to the tallest bar shown: a 14° drop is
        drawn as 14°, never cut at the top."""
        tallest = max(self.heights("left") + self.heights("right"), default=0.0)
        top = max(12.0, self._threshold + 4.0, 2.0 * math.ceil(tallest / 2.0 + 0.5))
        if top != self._top:
            self._top = top
            self._set_y(0.0, top)

    def y_range(self) -> tuple[float, float]:
        """The vertical range shown (for tests)."""
        return 0.0, self._top

    def set_colors(self, colors: theme.Theme) -> None:
        self._colors = colors
        style_plot(self, colors)
        # The legend is the title row, above the bars: no bar hides it, nor it a bar.
        self.setTitle(" &nbsp; ".join(
            f'<span style="color:{color}">■</span> {side} stance'
            for side, color in (("left", theme.LEFT), ("right", theme.RIGHT))),
            color=colors.muted, size="10pt")

    def add_steps(self, steps: list[Step]) -> None:
        """New steps, or judged ones replacing the provisional step of the same time (a step
        judged not to count loses its bar): the bars are what the summary counts."""
        if steps:
            self._steps = merge_steps(self._steps, steps, lambda s: s.counted)[-MAX_BARS:]
            self._dirty = True

    def redraw(self) -> None:
        """Called from the frame timer: the bars change only when steps came."""
        if not self._dirty:
            return
        self._dirty = False
        for side, item in self._bars.items():
            slots = [k for k, s in enumerate(self._steps) if s.side == side]
            # pens=None, not an empty list, when a side has no bars
            pens = [pg.mkPen(theme.ALERT, width=2)
                    if over_threshold(self._steps[k].peak_drop_deg, self._threshold)
                    else pg.mkPen(None) for k in slots]
            item.setOpts(x=np.array(slots, dtype=float),
                         height=[max(0.0, self._steps[k].peak_drop_deg) for k in slots],
                         pens=pens or None)
        self._fit_y()

    def heights(self, side: str) -> list[float]:
        """Bar heights shown for one stance side (for tests)."""
        return [max(0.0, s.peak_drop_deg) for s in self._steps if s.side == side]
