"""Plot pieces drawn with Qt's painter for the clinician's report; the live plots (pyqtgraph)
share its tick labels and its tint.

Only QtGui (no widgets): the report paints into a PDF or an image, off the GUI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen


def tick_label(value: float) -> str:
    """A tick's number with a true minus sign."""
    return f"{value:g}".replace("-", "−")


def draw_axes(p: QPainter, plot: QRectF, y_ticks: list[tuple[float, str]],
              x_ticks: list[tuple[float, str]], y_title: str, x_title: str,
              text: QColor, muted: QColor, line: float) -> None:
    """Left and bottom axes with ticks at pixel positions, their labels and the two titles
    (``line``: the font's line height, in the painter's units). The left margin needs room
    for the widest label and 1.3 lines more."""
    p.save()
    p.setPen(QPen(muted, 0))
    p.drawLine(plot.bottomLeft(), plot.topLeft())
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    tick = line * 0.3
    p.setPen(QPen(text, 0))
    widest = max((p.fontMetrics().horizontalAdvance(label) for _, label in y_ticks), default=0)
    for y, label in y_ticks:
        p.drawLine(QPointF(plot.left() - tick, y), QPointF(plot.left(), y))
        p.drawText(QRectF(plot.left() - tick - 3 - widest, y - line / 2, widest, line),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
    for x, label in x_ticks:
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + tick))
        p.drawText(QRectF(x - 2 * line, plot.bottom() + tick, 4 * line, line),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
    p.setPen(QPen(muted, 0))
    if x_title:
        p.drawText(QRectF(plot.left(), plot.bottom() + tick + line, plot.width(), line * 1.2),
                   Qt.AlignmentFlag.AlignCenter, x_title)
    if y_title:
        p.translate(plot.left() - tick - 3 - widest - 0.7 * line, plot.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-plot.height() / 2, -line * 0.6, plot.height(), line * 1.2),
                   Qt.AlignmentFlag.AlignCenter, y_title)
    p.restore()


def min_max_columns(t: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most two points per column, each column's lowest and highest value in time order
    (every peak drop stays visible; far fewer segments to draw). A column with lost samples
    (NaN) is a gap."""
    k = len(t) // max(1, columns)
    if k < 3:
        return t, y
    n = len(t) // k * k
    tb, yb = t[-n:].reshape(-1, k), y[-n:].reshape(-1, k)
    with np.errstate(invalid="ignore"):
        lo = np.nanargmin(np.where(np.isnan(yb), np.inf, yb), axis=1)
        hi = np.nanargmax(np.where(np.isnan(yb), -np.inf, yb), axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    rows = np.arange(len(tb))
    gap = np.isnan(yb).any(axis=1)
    ty = np.stack([tb[rows, first], tb[rows, second]], axis=1).ravel()
    yy = np.stack([yb[rows, first], yb[rows, second]], axis=1).ravel()
    yy[np.repeat(gap, 2)] = np.nan
    return ty, yy


def tint(background: str, color: str, amount: float = 0.12) -> QColor:
    """``color`` laid at ``amount`` over ``background``, as one opaque colour."""
    b, c = QColor(background), QColor(color)
    return QColor(*(round(x + amount * (y - x)) for x, y in
                    ((b.red(), c.red()), (b.green(), c.green()), (b.blue(), c.blue()))))
