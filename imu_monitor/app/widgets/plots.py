"""The live plots: the scrolling obliquity trace and the per-step bars.

Curves and items are created once and updated with ``setData`` from the frame timer (never per
packet); pens are 1 px wide (wide pens cost two orders of magnitude in pyqtgraph).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from imu_monitor.app import theme
from imu_monitor.processing.metrics import Step

TRACE_WINDOW_S = 10.0
MAX_BARS = 24


def style_plot(plot: pg.PlotWidget, colors: theme.Theme) -> None:
    """Background, axes and labels in the theme's colours (dark mode needs light text)."""
    plot.setBackground(colors.panel)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colors.muted, width=1))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.label.setDefaultTextColor(QColor(colors.muted))


def _alpha(color: str, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


class ObliquityTrace(pg.PlotWidget):
    """The last 10 s of obliquity with the threshold band and stance-side shading."""

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__()
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=False, y=True, alpha=0.25)
        self.setLabel("left", "Obliquity", units="°")
        self.setLabel("bottom", "Time", units="s")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.setYRange(-12, 12)
        self._band = pg.LinearRegionItem((-6, 6), orientation="horizontal", movable=False,
                                         brush=_alpha(theme.GOOD, 30), pen=pg.mkPen(None))
        self.addItem(self._band)
        self._curve = self.plot(pen=pg.mkPen(theme.LIGHT.trace, width=1))
        self._curve.setSkipFiniteCheck(False)
        self._regions: list[pg.LinearRegionItem] = []
        self._capacity = 1
        self.reset(rate_hz)
        self._steps: deque[Step] = deque()

    def reset(self, rate_hz: float) -> None:
        """Empty the trace (new session or new analysis segment)."""
        self._capacity = int(TRACE_WINDOW_S * rate_hz) + 1
        self._t = np.full(self._capacity, np.nan)
        self._y = np.full(self._capacity, np.nan, dtype=np.float32)
        self._n = 0
        self._steps = deque()
        self._curve.setData([], [])

    def set_threshold(self, threshold_deg: float) -> None:
        self._band.setRegion((-threshold_deg, threshold_deg))
        limit = max(12.0, threshold_deg + 6.0)
        self.setYRange(-limit, limit)

    def set_colors(self, colors: theme.Theme) -> None:
        style_plot(self, colors)
        self._curve.setPen(pg.mkPen(colors.trace, width=1))

    def append(self, t: np.ndarray, y: np.ndarray, valid: np.ndarray) -> None:
        """New samples; gaps (invalid samples) are drawn as breaks, never as a line."""
        if not len(t):
            return
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

    def add_steps(self, steps: list[Step]) -> None:
        self._steps.extend(steps)

    def redraw(self) -> None:
        """Called from the frame timer."""
        if not self._n:
            return
        t, y = self._t[: self._n], self._y[: self._n]
        self._curve.setData(t, y, connect="finite")
        end = float(t[-1])
        self.setXRange(end - TRACE_WINDOW_S, end, padding=0)
        while self._steps and self._steps[0].time_s < end - 2 * TRACE_WINDOW_S:
            self._steps.popleft()
        self._shade(end)

    def _shade(self, end: float) -> None:
        """Stance phases: from each contact to the next one, blue left, orange right."""
        spans = []
        steps = list(self._steps)
        for k, s in enumerate(steps):
            stop = steps[k + 1].time_s if k + 1 < len(steps) else min(
                end, s.time_s + (s.step_time_s or 0.6))
            if stop > end - TRACE_WINDOW_S:
                spans.append((s.time_s, stop, s.side))
        while len(self._regions) < len(spans):
            region = pg.LinearRegionItem(movable=False, pen=pg.mkPen(None))
            region.setZValue(-20)
            self.addItem(region)
            self._regions.append(region)
        for region, (a, b, side) in zip(self._regions, spans, strict=False):
            region.setRegion((a, b))
            region.setBrush(_alpha(theme.LEFT if side == "left" else theme.RIGHT, 45))
            region.show()
        for region in self._regions[len(spans):]:
            region.hide()

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the trace shows now (for tests: assert on data, not pixels)."""
        return self._t[: self._n].copy(), self._y[: self._n].copy()


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
