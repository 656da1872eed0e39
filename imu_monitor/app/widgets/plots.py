"""The live plots: the scrolling obliquity trace and the per-step bars.

Curves and items are created once and updated with ``setData`` from the frame timer (never per
packet); pens are 1 px wide (wide pens cost two orders of magnitude in pyqtgraph).
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from imu_monitor.app import theme
from imu_monitor.processing.metrics import Step

TRACE_WINDOW_S = 10.0
DELAY_WINDOW_S = 2.0  # the display clock follows the smallest sample delay of this long
MAX_COAST_S = 0.1  # the trace keeps scrolling this long past the newest sample, then stops
MAX_BARS = 24


def style_plot(plot: pg.PlotWidget, colors: theme.Theme) -> None:
    """Background, axes and labels in the theme's colours (dark mode needs light text)."""
    plot.setBackground(colors.panel)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colors.muted, width=1))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.label.setDefaultTextColor(QColor(colors.muted))


def _min_max(t: np.ndarray, y: np.ndarray, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """At most two points per column (of two pixels), keeping each column's lowest and highest value
    (every peak drop stays visible; fewer segments to draw 60 times a second)."""
    k = len(t) // max(1, pixels)
    if k < 3:
        return t, y
    n = len(t) // k * k
    tb, yb = t[-n:].reshape(-1, k), y[-n:].reshape(-1, k)
    with np.errstate(invalid="ignore"):
        lo = np.nanargmin(np.where(np.isnan(yb), np.inf, yb), axis=1)
        hi = np.nanargmax(np.where(np.isnan(yb), -np.inf, yb), axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(len(tb))
    gap = np.isnan(yb).any(axis=1)  # a column with lost samples is drawn as a gap
    ty = np.stack([tb[rows, first], tb[rows, second]], axis=1).ravel()
    yy = np.stack([yb[rows, first], yb[rows, second]], axis=1).ravel()
    yy[np.repeat(gap, 2)] = np.nan
    return ty, yy


def _tint(background: str, color: str, amount: float = 0.12) -> QColor:
    """``color`` laid at ``amount`` over ``background``, as one opaque colour."""
    b, c = QColor(background), QColor(color)
    return QColor(*(round(x + amount * (y - x)) for x, y in
                    ((b.red(), c.red()), (b.green(), c.green()), (b.blue(), c.blue()))))


class ObliquityTrace(pg.PlotWidget):
    """The last 10 s of obliquity with the threshold band and a stance-side strip.

    It scrolls smoothly at the frame rate, not in jumps at the packet rate: the time axis is
    fixed ("seconds before now", −10…0) and the curve and the strip are moved under it by the
    display clock. Moving an item costs one repaint; its path is rebuilt only when samples
    arrive, and the axis (whose ticks and labels cost more than the curve) never changes.
    The display clock is the wall clock minus the smallest recent delay of the samples, so
    the newest sample is always in view, and it stops when the data stops.
    """

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setLabel("left", "Obliquity", units="°")
        self.setLabel("bottom", "Seconds before now")
        # Level lines every 5°, one path item: pyqtgraph's grid is drawn by the axes across
        # the whole plot, so every frame would repaint the axes too (8 ms a frame, measured).
        levels = QPainterPath()
        for v in range(-20, 25, 5):
            levels.moveTo(-TRACE_WINDOW_S - 1, v)
            levels.lineTo(1, v)
        self._levels = QGraphicsPathItem(levels)
        self._levels.setPen(pg.mkPen(theme.LIGHT.grid, width=1, cosmetic=True))
        self._levels.setZValue(-50)
        self.addItem(self._levels)
        self.getAxis("left").enableAutoSIPrefix(False)
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.setXRange(-TRACE_WINDOW_S, 0, padding=0)
        self._limit = 12.0
        self.setYRange(-self._limit, self._limit, padding=0)
        # The band is an opaque tint under everything: blending a translucent fill over the
        # whole plot 60 times a second is what software rendering pays most for.
        self._band = pg.LinearRegionItem((-6, 6), orientation="horizontal", movable=False,
                                         brush=_tint(theme.LIGHT.panel, theme.GOOD),
                                         pen=pg.mkPen(None))
        self._band.setZValue(-100)
        self.addItem(self._band)
        # A bare curve item: moving a PlotDataItem makes it rebuild its path on every move.
        self._curve = pg.PlotCurveItem(pen=pg.mkPen(theme.LIGHT.trace, width=1))
        self.addItem(self._curve)
        # The stance strip: one filled path per side (cheap to move; a bar item is not).
        self._strip = {side: QGraphicsPathItem() for side in ("left", "right")}
        for side, item in self._strip.items():
            item.setBrush(QColor(theme.LEFT if side == "left" else theme.RIGHT))
            item.setPen(pg.mkPen(None))
            self.addItem(item)
        self._capacity = 1
        self.reset(rate_hz)

    def reset(self, rate_hz: float) -> None:
        """Empty the trace (new session or new analysis segment)."""
        self._capacity = int(TRACE_WINDOW_S * rate_hz) + 1
        self._t = np.full(self._capacity, np.nan)
        self._y = np.full(self._capacity, np.nan, dtype=np.float32)
        self._n = 0
        self._origin = 0.0  # session time of x = 0 in the items' own coordinates
        self._delays: deque[tuple[float, float]] = deque()  # (wall time, wall − sample time)
        self._dirty = False
        self._spans = 0
        self._steps: deque[Step] = deque()
        self._curve.setData([], [])
        for item in self._strip.values():
            item.setPath(QPainterPath())

    def set_threshold(self, threshold_deg: float) -> None:
        self._band.setRegion((-threshold_deg, threshold_deg))
        self._limit = max(12.0, threshold_deg + 6.0)
        self.setYRange(-self._limit, self._limit, padding=0)
        self._dirty = True

    def set_colors(self, colors: theme.Theme) -> None:
        style_plot(self, colors)
        self._curve.setPen(pg.mkPen(colors.trace, width=1))
        self._band.setBrush(_tint(colors.panel, theme.GOOD))
        self._levels.setPen(pg.mkPen(colors.grid, width=1, cosmetic=True))

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
        self._steps.extend(steps)

    def display_time(self, wall: float | None = None) -> float:
        """The session time shown at the right edge now."""
        if not self._n:
            return 0.0
        wall = time.monotonic() if wall is None else wall
        newest = float(self._t[self._n - 1])
        delay = min(d for _, d in self._delays)
        return min(wall - delay, newest + MAX_COAST_S)

    def redraw(self, wall: float | None = None) -> None:
        """Called from the frame timer: rebuild the path if samples came, then scroll."""
        if not self._n:
            return
        if self._dirty:
            self._dirty = False
            t, y = _min_max(self._t[: self._n], self._y[: self._n], self.width() // 2)
            self._origin = float(self._t[self._n - 1])
            self._curve.setData(t - self._origin, y, connect="finite")
            self._shade()
        shift = self._origin - self.display_time(wall)
        self._curve.setPos(shift, 0)
        for item in self._strip.values():
            item.setPos(shift, 0)

    def _shade(self) -> None:
        """Stance phases, from each contact to the next: blue left, orange right."""
        end = self._origin
        while self._steps and self._steps[0].time_s < end - 2 * TRACE_WINDOW_S:
            self._steps.popleft()
        steps = list(self._steps)
        spans = []
        for k, s in enumerate(steps):
            stop = steps[k + 1].time_s if k + 1 < len(steps) else min(
                end, s.time_s + (s.step_time_s or 0.6))
            if stop > end - TRACE_WINDOW_S - MAX_COAST_S:
                spans.append((s.time_s - end, stop - end, s.side))
        height = 0.12 * self._limit
        paths = {"left": QPainterPath(), "right": QPainterPath()}
        for a, b, side in spans:
            paths[side].addRect(QRectF(a, self._limit - height, b - a, height))
        for side, item in self._strip.items():
            item.setPath(paths[side])
        self._spans = len(spans)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the trace holds now, in session time (for tests: assert on data, not pixels)."""
        return self._t[: self._n].copy(), self._y[: self._n].copy()

    def stance_spans(self) -> int:
        """How many stance phases the strip shows (for tests)."""
        return self._spans


class StepBars(pg.PlotWidget):
    """The last steps' peak drops as bars: left stance blue, right stance orange."""

    def __init__(self) -> None:
        super().__init__()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setLabel("left", "Peak drop", units="°")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.getAxis("bottom").setTicks([[]])
        self.addLegend(offset=(8, 4))
        self._bars = {
            side: pg.BarGraphItem(x=[], height=[], width=0.8, brush=color, name=f"{side} stance")
            for side, color in (("left", theme.LEFT), ("right", theme.RIGHT))
        }
        for item in self._bars.values():
            self.addItem(item)
        dashed = pg.mkPen(theme.ALERT, width=1, style=Qt.PenStyle.DashLine)
        self._threshold = pg.InfiniteLine(angle=0, pos=6.0, pen=dashed)
        self.addItem(self._threshold)
        self._steps: deque[Step] = deque(maxlen=MAX_BARS)
        self._count = 0
        self._dirty = False

    def reset(self) -> None:
        self._steps.clear()
        self._count = 0
        self._dirty = True

    def set_threshold(self, threshold_deg: float) -> None:
        self._threshold.setPos(threshold_deg)
        self.setYRange(0, max(12.0, threshold_deg + 4.0))

    def set_colors(self, colors: theme.Theme) -> None:
        style_plot(self, colors)

    def add_steps(self, steps: list[Step]) -> None:
        for s in steps:
            self._count += 1
            self._steps.append(s)
        self._dirty = bool(steps) or self._dirty

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        first = self._count - len(self._steps)
        for side, item in self._bars.items():
            idx = [k for k, s in enumerate(self._steps) if s.side == side]
            # Over-threshold bars get a vermillion outline (pyqtgraph needs pens=None, not
            # an empty list, when there are no bars).
            pens = [pg.mkPen(theme.ALERT, width=2) if self._steps[k].over_threshold
                    else pg.mkPen(None) for k in idx]
            item.setOpts(x=np.array(idx, float) + first,
                         height=[max(0.0, self._steps[k].peak_drop_deg) for k in idx],
                         pens=pens or None)
        self.setXRange(max(0, self._count - MAX_BARS) - 0.5,
                       max(MAX_BARS, self._count) - 0.5, padding=0)

    def heights(self, side: str) -> list[float]:
        """Bar heights shown for one stance side (for tests)."""
        opts = self._bars[side].opts
        return [float(h) for h in opts.get("height", [])]
