"""The live plots: the scrolling obliquity trace and the per-step bars.

Both are updated from the frame timer, never per packet; pens are 1 px wide (wide pens cost two
orders of magnitude in pyqtgraph).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from imu_monitor.app import theme
from imu_monitor.painting import draw_axes, min_max_columns, tick_label, tint
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


class _PaintedPlot(QWidget):
    """A plot drawn by hand for the live screen, where every frame counts.

    What does not move (background, axes, ticks, labels, bands) is prepared once in a pixmap,
    again only on resize, threshold or theme; a repaint blits it and draws what moved over the
    plot area. As pyqtgraph scenes, the live plots' frames went through the scene's item
    machinery and cost several times as much (bench/README.md).
    """

    Y_TITLE = ""
    X_TITLE = ""

    def __init__(self) -> None:
        super().__init__()
        # Every pixel is painted (the prepared background first): Qt need not clear it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 200)
        self._colors = theme.LIGHT
        self._plot = QRectF()  # the plot area, in widget pixels
        self._background = QPixmap()

    def set_colors(self, colors: theme.Theme) -> None:
        self._colors = colors
        self._prepare()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._prepare()

    # What subclasses describe.
    def _y_range(self) -> tuple[float, float]:
        raise NotImplementedError

    def _y_ticks(self) -> list[float]:
        """Every 5° (every 10° for a high threshold's wide range, so labels never crowd)."""
        low, high = self._y_range()
        step = 5 if high - low <= 40 else 10
        return [float(v) for v in range(-100, 101, step) if low <= v <= high]

    def _x_ticks(self) -> list[tuple[float, str]]:
        """(x in pixels, label) below the plot."""
        return []

    def _draw_fixed(self, p: QPainter) -> None:
        """Bands, lines, legends: drawn into the prepared background, under the axes."""

    def _laid_out(self) -> None:
        """The plot area changed: rebuild what is kept in pixels."""

    # Shared.
    def _y_px(self, value: float | np.ndarray) -> float | np.ndarray:
        low, high = self._y_range()
        return self._plot.bottom() - (value - low) * self._plot.height() / (high - low)

    def _prepare(self) -> None:
        """Lay out the plot area and draw what does not move."""
        size = self.size()
        if size.isEmpty():
            return
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        left = line * 1.6 + metrics.horizontalAdvance("−20") + 10
        bottom = (line * 2.2 + 6) if self.X_TITLE else 8
        right = metrics.horizontalAdvance("0") / 2 + 8
        self._plot = plot = QRectF(left, 8, size.width() - left - right,
                                   size.height() - 8 - bottom)
        ratio = self.devicePixelRatioF()
        self._background = QPixmap(size * ratio)
        self._background.setDevicePixelRatio(ratio)
        colors = self._colors
        p = QPainter(self._background)
        p.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(colors.panel))
        self._draw_fixed(p)
        draw_axes(p, plot, [(self._y_px(v), tick_label(v)) for v in self._y_ticks()],
                  self._x_ticks(), self.Y_TITLE, self.X_TITLE, QColor(colors.text),
                  QColor(colors.muted), line)
        p.end()
        self._laid_out()
        self.update()

    def _begin_paint(self) -> QPainter:
        """A painter with the prepared background drawn and the plot area as clip."""
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background)
        p.setClipRect(self._plot)
        return p


class ObliquityTrace(_PaintedPlot):
    """The last 10 s of obliquity with the threshold band and a stance-side strip.

    It scrolls smoothly at the frame rate, not in jumps at the packet rate: the time axis is
    fixed ("seconds before now", −10…0) and the curve and the strip are moved under it by the
    display clock (a frame is the prepared axes and band plus two paths moved sideways, over
    the plot area only). The display clock is the wall clock minus the smallest recent delay
    of the samples, so the newest sample is always in view, and it stops when the data stops.
    """

    Y_TITLE = "Obliquity (°)"
    X_TITLE = "Seconds before now"

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__()
        self._threshold = 6.0
        self._limit = 12.0
        self._curve = QPainterPath()  # pixels, with the newest sample at the right edge
        self._strips = {"left": QPainterPath(), "right": QPainterPath()}
        self._shift_px = 0.0
        self._capacity = 1
        self.reset(rate_hz)

    # ------------------------------------------------------------------ data
    def reset(self, rate_hz: float) -> None:
        """Empty the trace (new session or new analysis segment)."""
        self._capacity = int(TRACE_WINDOW_S * rate_hz) + 1
        self._t = np.full(self._capacity, np.nan)
        self._y = np.full(self._capacity, np.nan, dtype=np.float32)
        self._n = 0
        self._origin = 0.0  # session time at the right edge of the built paths
        self._delays: deque[tuple[float, float]] = deque()  # (wall time, wall − sample time)
        self._dirty = False
        self._spans = 0
        self._steps: deque[Step] = deque()
        self._markers: deque[tuple[float, str]] = deque()  # (session time, label)
        self._curve = QPainterPath()
        self._strips = {"left": QPainterPath(), "right": QPainterPath()}
        self.update()

    def set_threshold(self, threshold_deg: float) -> None:
        self._threshold = threshold_deg
        self._limit = max(12.0, threshold_deg + 6.0)
        self._prepare()

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
        """Called from the frame timer: rebuild the paths if samples came, then scroll."""
        if not self._n or self._plot.isEmpty():
            return
        rebuilt = self._dirty
        if rebuilt:
            self._build_paths()
        shift = (self._origin - self.display_time(wall)) * self._px_per_s()
        if rebuilt or shift != self._shift_px:
            self._shift_px = shift
            self.update(self._plot.toAlignedRect())

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """What the trace holds now, in session time (for tests: assert on data, not pixels)."""
        return self._t[: self._n].copy(), self._y[: self._n].copy()

    def stance_spans(self) -> int:
        """How many stance phases the strip shows (for tests)."""
        return self._spans

    # ------------------------------------------------------------- drawing
    def _y_range(self) -> tuple[float, float]:
        return -self._limit, self._limit

    def _px_per_s(self) -> float:
        return self._plot.width() / TRACE_WINDOW_S

    def _x_ticks(self) -> list[tuple[float, str]]:
        return [(self._plot.right() + k * self._px_per_s(), tick_label(k))
                for k in range(-int(TRACE_WINDOW_S), 1)]

    def _draw_fixed(self, p: QPainter) -> None:
        plot = self._plot
        top, bottom = self._y_px(self._threshold), self._y_px(-self._threshold)
        band = QRectF(plot.left(), top, plot.width(), bottom - top)
        p.fillRect(band.intersected(plot), tint(self._colors.panel, theme.GOOD))
        p.setPen(QPen(QColor(self._colors.grid), 0))
        for v in self._y_ticks():  # level lines
            p.drawLine(QPointF(plot.left(), self._y_px(v)), QPointF(plot.right(), self._y_px(v)))

    def _laid_out(self) -> None:
        if self._n:
            self._build_paths()

    def _build_paths(self) -> None:
        """The curve and the stance strip in pixels, newest sample at the plot's right edge."""
        self._dirty = False
        t, y = min_max_columns(self._t[: self._n], self._y[: self._n],
                               int(self._plot.width()) // 2)
        self._origin = float(self._t[self._n - 1])
        x = self._plot.right() + (t - self._origin) * self._px_per_s()
        self._curve = pg.arrayToQPath(x, np.asarray(self._y_px(y), dtype=np.float64),
                                      connect="finite")
        self._shade()

    def _shade(self) -> None:
        """Stance phases, from each contact to the next: blue left, orange right."""
        end = self._origin
        while self._steps and self._steps[0].time_s < end - 2 * TRACE_WINDOW_S:
            self._steps.popleft()
        steps = list(self._steps)
        paths = {"left": QPainterPath(), "right": QPainterPath()}
        spans = 0
        scale, right = self._px_per_s(), self._plot.right()
        height = 0.06 * self._plot.height()
        for k, s in enumerate(steps):
            stop = steps[k + 1].time_s if k + 1 < len(steps) else min(
                end, s.time_s + (s.step_time_s or 0.6))
            if stop > end - TRACE_WINDOW_S - MAX_COAST_S:
                left = right + (s.time_s - end) * scale
                paths[s.side].addRect(QRectF(left, self._plot.top(),
                                             (stop - s.time_s) * scale, height))
                spans += 1
        self._strips = paths
        self._spans = spans

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._begin_paint()
        p.translate(self._shift_px, 0)
        p.setPen(Qt.PenStyle.NoPen)
        for side, path in self._strips.items():
            p.setBrush(QColor(theme.LEFT if side == "left" else theme.RIGHT))
            p.drawPath(path)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(self._colors.trace), 0))
        p.drawPath(self._curve)
        marker_pen = QPen(QColor(self._colors.muted), 1.5, Qt.PenStyle.DashLine)
        for t, label in self._markers:
            x = self._plot.right() + (t - self._origin) * self._px_per_s()
            p.setPen(marker_pen)
            p.drawLine(QPointF(x, self._plot.top()), QPointF(x, self._plot.bottom()))
            p.setPen(QColor(self._colors.text))
            p.drawText(QPointF(x + 4, self._plot.top() + 0.12 * self._plot.height()), label)
        p.end()


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


class StepBars(_PaintedPlot):
    """The last steps' peak drops as bars: left stance blue, right stance orange; a bar over
    the threshold is outlined in vermillion (colour is never the only cue: the legend and
    the side words on the big number go with it)."""

    Y_TITLE = "Peak drop (°)"

    def __init__(self) -> None:
        super().__init__()
        self._threshold = 6.0
        self._steps: list[Step] = []
        self._dirty = False

    def reset(self) -> None:
        self._steps.clear()
        self._dirty = True

    def set_threshold(self, threshold_deg: float) -> None:
        self._threshold = threshold_deg
        self._prepare()

    def add_steps(self, steps: list[Step]) -> None:
        """New steps, or judged ones replacing the provisional step of the same time (a step
        judged not to count loses its bar): the bars are what the summary counts."""
        if steps:
            self._steps = merge_steps(self._steps, steps, lambda s: s.counted)[-MAX_BARS:]
            self._dirty = True

    def redraw(self) -> None:
        if self._dirty:
            self._dirty = False
            self.update(self._plot.toAlignedRect())

    def heights(self, side: str) -> list[float]:
        """Bar heights shown for one stance side (for tests)."""
        return [max(0.0, s.peak_drop_deg) for s in self._steps if s.side == side]

    def _y_range(self) -> tuple[float, float]:
        return 0.0, max(12.0, self._threshold + 4.0)

    def _draw_fixed(self, p: QPainter) -> None:
        plot = self._plot
        p.setPen(QPen(QColor(theme.ALERT), 0, Qt.PenStyle.DashLine))
        y = self._y_px(self._threshold)
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))

    def _draw_legend(self, p: QPainter) -> None:
        """Over the bars, on the panel's colour: tall bars never hide it."""
        plot = self._plot
        metrics = QFontMetricsF(self.font())
        line = metrics.height()
        width = line + 2 + metrics.horizontalAdvance("right stance") + 8
        p.fillRect(QRectF(plot.right() - width - 8, plot.top() + 2, width + 4,
                          2 * (line + 4) + 4), QColor(self._colors.panel))
        for k, (side, color) in enumerate((("left", theme.LEFT), ("right", theme.RIGHT))):
            top = plot.top() + 6 + k * (line + 4)
            left = plot.right() - width - 4
            p.fillRect(QRectF(left, top + 2, line - 4, line - 4), QColor(color))
            p.setPen(QColor(self._colors.muted))
            p.drawText(QPointF(left + line + 2, top + metrics.ascent()), f"{side} stance")

    def paintEvent(self, event: QPaintEvent) -> None:
        p = self._begin_paint()
        slot = self._plot.width() / MAX_BARS  # the newest steps, oldest on the left
        base = self._y_px(0.0)
        alert = QPen(QColor(theme.ALERT), 2)
        for k, s in enumerate(self._steps):
            top = self._y_px(max(0.0, s.peak_drop_deg))
            bar = QRectF(self._plot.left() + (k + 0.1) * slot, top, 0.8 * slot, base - top)
            p.fillRect(bar, QColor(theme.LEFT if s.side == "left" else theme.RIGHT))
            if s.over_threshold:
                p.setPen(alert)
                p.drawRect(bar)
        self._draw_legend(p)
        p.end()
