"""A pelvis seen from behind that tilts with the measured obliquity.

Seen from behind (where the clinician stands for a Trendelenburg test), the patient's left is on
the left of the drawing; positive obliquity (left hip up) turns it clockwise on screen. The tilt
can be exaggerated (×1–×4) so that a 3° drop is visible from across the room; the number beside
it is always the true angle.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from imu_monitor.app import theme

CAPTION_PX = 24  # the "seen from behind" line at the bottom

MIN_REPAINT_S = 1 / 20


class PelvisView(QWidget):
    """Paints the pelvis at ``obliquity_deg``; repainted by the frame timer, not per packet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.obliquity_deg = 0.0
        self.threshold_deg = 6.0
        self.exaggeration = 1.0
        self.over = False
        self._painted_at = 0.0
        self.colors = theme.LIGHT
        self.setMinimumSize(220, 100)
        # It paints every pixel itself, so Qt need not repaint what lies beneath first.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_exaggeration(self, factor: float) -> None:
        self.exaggeration = factor
        self.update()

    def set_state(self, obliquity_deg: float, threshold_deg: float, over: bool) -> None:
        """Called every frame; repaints only for a visible change (a tenth of a degree), and
        at most 20 times a second (a drawing needs no more; each paint costs a millisecond)."""
        angle = obliquity_deg if math.isfinite(obliquity_deg) else self.obliquity_deg
        changed = (threshold_deg, over) != (self.threshold_deg, self.over)
        if not changed and abs(angle - self.obliquity_deg) < 0.1:
            return
        now = time.monotonic()
        if not changed and now - self._painted_at < MIN_REPAINT_S:
            return  # the next frame will show it
        self._painted_at = now
        self.obliquity_deg, self.threshold_deg, self.over = angle, threshold_deg, over
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.colors.color("panel"))  # a card, like the plots
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        drawing = h - CAPTION_PX - 4  # the caption's strip stays clear of the outline
        scale = min(w / 2.6, drawing / 1.6)
        cx, cy = w / 2, 4 + drawing * 0.52
        muted = self.colors.color("muted")
        # Level reference and the threshold either side, both drawn exaggerated too.
        p.setPen(QPen(muted, 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(cx - 1.25 * scale, cy), QPointF(cx + 1.25 * scale, cy))
        band = math.radians(self.threshold_deg * self.exaggeration)
        for sign in (-1, 1):
            dx, dy = 1.2 * scale * math.cos(band), 1.2 * scale * math.sin(band) * sign
            p.setPen(QPen(QColor(theme.ALERT), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(cx - dx, cy - dy), QPointF(cx + dx, cy + dy))
        p.save()
        p.translate(cx, cy)
        p.rotate(self.obliquity_deg * self.exaggeration)  # clockwise = left hip up
        body = QColor(theme.ALERT) if self.over else self.colors.color("text")
        p.setPen(QPen(body, 2))
        fill = QColor(body)
        fill.setAlpha(40)
        p.setBrush(fill)
        p.drawPath(_pelvis_outline(scale))
        p.setBrush(fill)
        p.drawPath(_sacrum(scale))
        p.setBrush(QColor(theme.ALERT if self.over else theme.GOOD))
        p.drawRect(QRectF(-0.07 * scale, -0.2 * scale, 0.14 * scale, 0.14 * scale))  # sensor
        p.setBrush(QColor(theme.LEFT))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(-0.95 * scale, 0.05 * scale), 0.09 * scale, 0.09 * scale)
        p.setBrush(QColor(theme.RIGHT))
        p.drawEllipse(QPointF(0.95 * scale, 0.05 * scale), 0.09 * scale, 0.09 * scale)
        p.restore()
        p.setPen(muted)
        p.drawText(QRectF(4, 4, w / 2, 24), Qt.AlignmentFlag.AlignLeft, "L")
        p.drawText(QRectF(w / 2 - 4, 4, w / 2, 24), Qt.AlignmentFlag.AlignRight, "R")
        caption = "seen from behind" + (f"   tilt ×{self.exaggeration:g}"
                                        if self.exaggeration != 1 else "")
        p.drawText(QRectF(0, h - CAPTION_PX, w, CAPTION_PX - 2), Qt.AlignmentFlag.AlignHCenter,
                   caption)
        p.end()


def _pelvis_outline(s: float) -> QPainterPath:
    """Iliac wings and pubic arch around the sacrum (x right, y down), one smooth outline."""
    path = QPainterPath()
    path.moveTo(0.0, -0.3 * s)
    path.cubicTo(-0.35 * s, -0.55 * s, -1.05 * s, -0.6 * s, -1.1 * s, -0.2 * s)
    path.cubicTo(-1.12 * s, 0.05 * s, -0.95 * s, 0.25 * s, -0.75 * s, 0.3 * s)
    path.cubicTo(-0.6 * s, 0.45 * s, -0.3 * s, 0.55 * s, 0.0, 0.5 * s)
    path.cubicTo(0.3 * s, 0.55 * s, 0.6 * s, 0.45 * s, 0.75 * s, 0.3 * s)
    path.cubicTo(0.95 * s, 0.25 * s, 1.12 * s, 0.05 * s, 1.1 * s, -0.2 * s)
    path.cubicTo(1.05 * s, -0.6 * s, 0.35 * s, -0.55 * s, 0.0, -0.3 * s)
    path.closeSubpath()
    return path


def _sacrum(s: float) -> QPainterPath:
    """The sacrum, where the sensor sits: a tapering shield in the middle."""
    path = QPainterPath()
    path.moveTo(-0.22 * s, -0.28 * s)
    path.lineTo(0.22 * s, -0.28 * s)
    path.lineTo(0.05 * s, 0.3 * s)
    path.lineTo(-0.05 * s, 0.3 * s)
    path.closeSubpath()
    return path
