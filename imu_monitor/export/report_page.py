"""The report's page: laid out in A4 points and painted with Qt into a PDF or a PNG."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
)

from imu_monitor import __version__
from imu_monitor.app.theme import ALERT, GOOD, LEFT, LIGHT, RIGHT
from imu_monitor.display import has_display
from imu_monitor.errors import InputDataError
from imu_monitor.export.report import ReportText, report_text
from imu_monitor.painting import tick_label, tint
from imu_monitor.pipeline import Analysis
from imu_monitor.presentation import SUMMARY_ROWS

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points: the page is laid out in these units
MARGIN = 40.0
FOOTER_H = 50  # the footer: what is measured and its known limits, four small lines
PNG_DPI = 150
EXCERPT_S = 10.0
AXIS_W, AXIS_H = 34.0, 24.0  # a plot's left axis (ticks, labels, title) and bottom one
BELOW_PLOT = 34.0  # from a plot's frame to what follows it
TEXT, MUTED, GRID = LIGHT.text, LIGHT.muted, LIGHT.grid


def paint_report(out: Path, kind: str, text: ReportText, analysis: Analysis,
                 obliquity: np.ndarray) -> None:
    """The page as ``kind`` "pdf" or "png"; ``obliquity`` with lost samples as NaN."""
    if kind == "pdf":
        device = QPdfWriter(str(out))
        device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait, QMarginsF()))
        device.setResolution(300)
        device.setTitle(text.title)
        device.setCreator(f"imu_monitor {__version__}")
    else:
        width, height = round(PAGE_W / 72 * PNG_DPI), round(PAGE_H / 72 * PNG_DPI)
        device = QImage(width, height, QImage.Format.Format_RGB32)
        device.fill(0xFFFFFF)
        dots = round(PNG_DPI / 0.0254)
        device.setDotsPerMeterX(dots)
        device.setDotsPerMeterY(dots)
    p = QPainter(device)
    if not p.isActive():
        raise InputDataError(f"Cannot write the report to {out}: choose a folder you can "
                             "write to.")
    try:  # a painter left open on its device takes the process down with it
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.scale(device.width() / PAGE_W, device.height() / PAGE_H)
        _Page(p, text, analysis, obliquity).paint()
    finally:
        finished = p.end()
    if kind == "png":
        finished = device.save(str(out), "PNG")
    else:
        del device  # the PDF writer completes the file when it goes
    if not finished or not _complete(out, kind):  # said of the file asked for (safe_write)
        raise OSError(errno.EIO, "the report could not be written whole (is the disk full, "
                      "or the folder read-only?); nothing was kept", str(out))


def _complete(path: Path, kind: str) -> bool:
    """A PDF ends with its trailer, a PNG with its end chunk: Qt does not always say when a
    write failed (a full disk)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 1024))
            tail = f.read()
    except OSError:
        return False
    return b"%%EOF" in tail if kind == "pdf" else tail.endswith(b"IEND\xaeB`\x82")


class _Page:
    """Lays the report out top to bottom in A4 points."""

    def __init__(self, p: QPainter, text: ReportText, analysis: Analysis,
                 obliquity: np.ndarray) -> None:
        self.p, self.text, self.analysis = p, text, analysis
        self.obliquity = obliquity
        self.y = MARGIN
        self.width = PAGE_W - 2 * MARGIN
        self.px = p.worldTransform().m11()  # device pixels in a point

    def font(self, size: int, bold: bool = False) -> QFont:
        font = _font(size, bold)
        self.p.setFont(font)
        return font

    def measure(self, text: str, size: int) -> float:
        """The height ``text`` takes as a paragraph across the page."""
        metrics = QFontMetricsF(_font(size, False))
        return metrics.boundingRect(QRectF(MARGIN, 0, self.width, 10_000),
                                    Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                                    text).height()

    def paragraph(self, text: str, size: int = 9, color: str = TEXT, bold: bool = False,
                  gap: float = 4.0, x: float = MARGIN, width: float | None = None,
                  bottom: float = PAGE_H) -> float:
        """Wrapped text at the current height, shortened with "…" to end above ``bottom``
        (long notes never push the footer off the page); returns its height."""

        metrics = QFontMetricsF(self.font(size, bold))
        width = self.width if width is None else width
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap

        def box(t: str) -> QRectF:
            return metrics.boundingRect(QRectF(x, self.y, width, 10_000), flags, t)

        while text and self.y + box(text).height() > bottom:
            text = text[:min(int(len(text) * 0.9), len(text) - 3)].rstrip(" …") + " …"
            if len(text) < 12:
                text = ""
        if not text:
            return 0.0
        height = box(text).height()
        self.p.setPen(QColor(color))
        self.p.drawText(QRectF(x, self.y, width, height), flags, text)
        self.y += height + gap
        return height

    def paint(self) -> None:
        t = self.text
        self.font(9)
        self.p.setPen(QColor(MUTED))
        self.p.drawText(QRectF(MARGIN, self.y, self.width, 14),
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, t.when)
        self.paragraph(t.title, 17, bold=True, gap=6)
        self.paragraph(t.session, 11, gap=2)
        self.paragraph(t.recording, 8, MUTED, gap=8)
        self.p.setPen(QPen(QColor(GRID), 0.8))
        self.p.drawLine(QPointF(MARGIN, self.y), QPointF(PAGE_W - MARGIN, self.y))
        self.y += 10
        if t.summary_rows:
            self.summary_table()
            self.steps_plot()
        else:
            self.paragraph("Sets", 11, bold=True)
            for line in t.drill_lines:
                self.paragraph(line, 9, gap=1)
            self.y += 8
        self.trace_plot()
        footer_top = PAGE_H - MARGIN - FOOTER_H
        # The clinician's own notes and markers keep their room; the calibration's and the
        # data's sentences are shortened first (a long calibration text dropped the markers).
        kept = sum(self.measure(part, 9) + 5 for part in (t.notes, t.markers) if part)
        for part in (t.calibration, t.data):
            self.paragraph(part, 9, gap=5, bottom=footer_top - kept)
        for part in (t.notes, t.markers):
            self.paragraph(part, 9, gap=5, bottom=footer_top)
        self.y = footer_top
        self.paragraph(t.footer, 7, MUTED)

    def summary_table(self) -> None:
        top = self.y
        self.paragraph(f"Summary (threshold {self.analysis.summary.threshold_deg:g}°)", 11,
                       bold=True)
        row_h, cols = 15.0, (MARGIN, MARGIN + 130, MARGIN + 200)
        self.font(9, bold=True)
        # Words in the side colours readable on white (the right's orange is too light).
        for x, label, color in ((cols[1], "Left stance", LIGHT.side_text("left")),
                                (cols[2], "Right stance", LIGHT.side_text("right"))):
            self.p.setPen(QColor(color))
            self.p.drawText(QRectF(x, self.y, 70, row_h), Qt.AlignmentFlag.AlignCenter, label)
        self.y += row_h
        for k, (title, left, right) in enumerate(self.text.summary_rows):
            self.font(9, bold=k >= len(SUMMARY_ROWS))
            self.p.setPen(QColor(TEXT))
            self.p.drawText(QRectF(cols[0], self.y, 130, row_h), Qt.AlignmentFlag.AlignLeft
                            | Qt.AlignmentFlag.AlignVCenter, title)
            if right:
                for x, value in ((cols[1], left), (cols[2], right)):
                    self.p.drawText(QRectF(x, self.y, 70, row_h), Qt.AlignmentFlag.AlignCenter,
                                    value)
            else:
                self.p.drawText(QRectF(cols[1], self.y, 140, row_h),
                                Qt.AlignmentFlag.AlignCenter, left)
            self.y += row_h
        bottom = self.y
        self.y = top + 20
        self.paragraph(self.text.statement, 10, x=MARGIN + 300, width=self.width - 300)
        self.y = max(bottom, self.y) + 12

    def pen(self, color: str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        """A pen ``width`` points wide on the page: pyqtgraph's pens are cosmetic (device
        pixels), since a plot's view scales its items to the data."""
        pen = QPen(QColor(color), width * self.px, style)
        pen.setCosmetic(True)
        return pen

    def _plot(self, height: float, x_range: tuple[float, float], y_range: tuple[float, float],
              x_title: str, y_title: str, items: list[QGraphicsItem]) -> None:
        """``items`` (in data units) in a pyqtgraph view with its axes, below the current
        height. The scene is rendered by the page's painter: vectors in the PDF, exact
        colours in the PNG. No PlotItem: it makes widgets, and reports are painted off the
        GUI thread."""
        (x0, x1), (y0, y1) = x_range, y_range
        width = self.width - AXIS_W - 6  # room for the last time label
        view = pg.ViewBox(enableMouse=False, enableMenu=False, defaultPadding=0)
        view.setRange(xRange=x_range, yRange=y_range, padding=0)
        y_step = max(5.0, _nice_step(y1 - y0, 8))  # never crowded, whatever the range
        levels = np.arange(np.ceil(y0 / y_step) * y_step, y1 + 1e-9, y_step)
        grid = QPainterPath()
        for v in levels:
            grid.moveTo(x0, v)
            grid.lineTo(x1, v)
        grid_item = QGraphicsPathItem(grid)
        grid_item.setPen(self.pen(GRID, 0.5))
        grid_item.setZValue(-2)  # under everything
        for item in (grid_item, *items):
            view.addItem(item)
        scene = pg.GraphicsScene()  # brings the view's range up to date before it renders
        scene.addItem(view)
        view.setGeometry(QRectF(AXIS_W, 0, width, height))
        font = _font(8)
        # pyqtgraph draws an axis's line 1 unit inside its box: the boxes overlap the view by
        # that much, so that the lines are the frame's edges
        for side, ticks, title, geometry in (
                ("left", levels, y_title, QRectF(1, 0, AXIS_W, height)),
                ("bottom", _nice_ticks(x0, x1), x_title,
                 QRectF(AXIS_W, height - 1, width, AXIS_H))):
            axis = _Axis(side, pen=self.pen(MUTED, 0.5), textPen=TEXT, linkView=view)
            axis.setTicks([[(float(v), tick_label(round(v, 6) + 0.0)) for v in ticks], []])
            axis.setStyle(tickFont=font, tickLength=3, tickTextOffset=3,
                          hideOverlappingLabels=20)
            axis.setLabel(title, color=MUTED)
            axis.label.setFont(font)
            scene.addItem(axis)
            if side == "left":
                axis.setWidth(AXIS_W)
            else:
                axis.setHeight(AXIS_H)
            axis.setGeometry(geometry)
            axis.linkedViewChanged(view)  # the range was set before the axis was linked
        area = QRectF(0, 0, self.width, height + BELOW_PLOT)
        scene.render(self.p, area.translated(MARGIN, self.y), area)
        self.y += area.height()

    def steps_plot(self) -> None:
        steps = [s for s in self.analysis.steps if s.counted]
        threshold = self.analysis.summary.threshold_deg
        self._legend(self.y)
        self.paragraph("Peak drop of every counted step", 11, bold=True)
        top = max([12.0, threshold + 3] + [s.peak_drop_deg + 2 for s in steps])
        low = min(0.0, min((s.peak_drop_deg for s in steps), default=0.0) - 1)
        items: list[QGraphicsItem] = [pg.InfiniteLine(
            threshold, angle=0, pen=self.pen(ALERT, 0.8, Qt.PenStyle.DashLine))]
        size = (4.4 if len(steps) < 300 else 2.8) * self.px
        for side, symbol, color in (("left", "o", LEFT), ("right", "s", RIGHT)):
            mine = [s for s in steps if s.side == side]  # circles and squares: never colour
            # alone; each symbol drawn as a path (the cached ones are pixmaps)
            items.append(pg.ScatterPlotItem(
                [s.time_s for s in mine], [s.peak_drop_deg for s in mine], symbol=symbol,
                size=size, pen=None, brush=QColor(color), useCache=False, antialias=True))
        self._plot(150, (0, max(self.analysis.duration_s, 1.0)), (low, top),
                   "Time in the session (s)", "Peak drop (°)", items)

    def _legend(self, y: float) -> None:
        """One line above the plot, right-aligned: what the marks mean."""
        self.font(9)
        x = PAGE_W - MARGIN
        for label, color in (("- - threshold", ALERT), ("■ right stance",
                                                        LIGHT.side_text("right")),
                             ("● left stance", LIGHT.side_text("left"))):
            width = self.p.fontMetrics().horizontalAdvance(label) + 12
            self.p.setPen(QColor(color))
            self.p.drawText(QRectF(x - width, y + 2, width, 14),
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            x -= width

    def trace_plot(self) -> None:
        rate = self.analysis.rate_hz
        n = len(self.obliquity)
        if not n:
            return
        steps = self.analysis.steps
        if steps and self.analysis.drill_result is None:  # ten seconds around the middle
            # step: the pattern, readable
            centre = steps[len(steps) // 2].time_s
            start = max(0.0, min(centre - EXCERPT_S / 2, n / rate - EXCERPT_S))
            title = f"Obliquity, {EXCERPT_S:g} s from the middle of the session"
            end = min(n / rate, start + EXCERPT_S)
        else:  # a drill: the whole session
            start, end, title = 0.0, n / rate, "Obliquity over the whole session"
        self.paragraph(title, 11, bold=True)
        height = 130.0
        lo, hi = round(start * rate), max(round(start * rate) + 1, round(end * rate))
        t = np.arange(lo, hi) / rate
        y = self.obliquity[lo:hi]
        threshold = self.analysis.summary.threshold_deg
        finite = y[np.isfinite(y)]
        limit = max(12.0, threshold + 4, float(np.abs(finite).max()) + 2 if len(finite) else 0)
        end = max(end, start + 1 / rate)
        band = QGraphicsRectItem(QRectF(start, -threshold, end - start, 2 * threshold))
        band.setBrush(tint("#FFFFFF", GOOD))
        band.setPen(Qt.PenStyle.NoPen)
        band.setZValue(-1)  # over the level lines, under the trace
        strip = {side: QPainterPath() for side in ("left", "right")}
        strip_h = 5 / height * 2 * limit  # 5 points along the top
        for k, s in enumerate(steps):  # stance strip along the top, as on the live screen:
            # from each contact to the next one of the same bout
            nxt = steps[k + 1] if k + 1 < len(steps) else None
            stop = nxt.time_s if nxt is not None and nxt.bout == s.bout else (
                s.time_s + (s.step_time_s or 0.6))
            a, b = max(start, s.time_s), min(end, stop)
            if a < b:
                strip[s.side].addRect(QRectF(a, limit - strip_h, b - a, strip_h))
        items: list[QGraphicsItem] = [band]
        for side, path in strip.items():
            item = QGraphicsPathItem(path)
            item.setBrush(QColor(LEFT if side == "left" else RIGHT))
            item.setPen(Qt.PenStyle.NoPen)
            items.append(item)
        curve = pg.PlotDataItem(t, y, connect="finite", pen=self.pen(TEXT, 0.7), antialias=True)
        # A long session: a (max, min) pair per sixteenth of a point keeps every peak drop
        # in far fewer segments (each pair is drawn down from its max: in wider columns a
        # slope would look thick)
        curve.setDownsampling(max(1, len(t) // int(self.width * 16)), method="peak")
        items.append(curve)
        self._plot(height, (start, end), (-limit, limit), "Time in the session (s)",
                   "Obliquity (°)", items)


class _Axis(pg.AxisItem):
    """An axis painted straight onto the page. pyqtgraph measures an axis in its view's
    pixels (and draws nothing without a view), then replays it from a QPicture, which
    scales it by the page's resolution over the screen's; a page has no view, and its
    scene's units are already the page's points."""

    def mapToDevice(self, obj: QPointF) -> QPointF:
        return self.sceneTransform().map(obj)

    def paint(self, p: QPainter, *_: object) -> None:
        specs = self.generateDrawSpecs(p)
        if specs is not None:
            self.drawPicture(p, *specs)


def _font(size: int, bold: bool = False) -> QFont:
    """``size`` in page units: the painter's scale makes them points."""
    font = QFont()
    font.setPixelSize(size)
    font.setBold(bold)
    return font


def _nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 5 × 10ᵏ that leaves at most ``most`` intervals in ``span``."""
    step = 10.0 ** np.floor(np.log10(max(span, 1e-9) / most))
    return next(step * m for m in (1, 2, 5, 10) if span / (step * m) <= most)


def _nice_ticks(start: float, end: float, most: int = 7) -> list[float]:
    """Round-numbered ticks from start to end, at most ``most`` intervals apart."""
    step = _nice_step(end - start, most)
    return [float(v) for v in np.arange(np.ceil(start / step) * step, end + step * 1e-6, step)]


def write_report(out: Path, kind: str, analysis: Analysis, obliquity: np.ndarray,
                 valid: np.ndarray, source: Path) -> None:
    """Write the one-page report as ``kind`` "pdf" or "png"."""
    text = report_text(analysis, source)
    _ensure_gui()
    paint_report(out, kind, text, analysis, np.where(valid, obliquity, np.nan))


_gui_app = None  # the application object the CLI creates for fonts (the app has its own)


def _ensure_gui() -> None:
    """Text needs a Qt application; a terminal without a display gets the offscreen one.
    A full QApplication, so that a window opened later in the same process still works."""
    global _gui_app
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        if not has_display():
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _gui_app = QApplication([])
