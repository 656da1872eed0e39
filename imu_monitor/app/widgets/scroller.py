"""A column that scrolls vertically rather than set the window's height.

Why: a column of instructions, results and tables asks for its whole height as the window's
minimum; on a clinic laptop (1366 × 768, or 1280 × 720 with the task bar) that pushed Record
and the status line off the screen. Inside this the column keeps its width, gives up height
when the screen has none, and scrolls to show the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

MIN_VISIBLE_PX = 120  # the least of the column shown before it scrolls


class VerticalScroller(QScrollArea):
    """``content`` at the scroller's width (never narrower than it needs), scrolled
    vertically when the window is too short for it."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        content = self.widget().minimumSizeHint()
        return QSize(content.width() + self.verticalScrollBar().sizeHint().width(),
                     min(content.height(), MIN_VISIBLE_PX))

    def sizeHint(self) -> QSize:
        content = self.widget().sizeHint()
        return QSize(content.width() + self.verticalScrollBar().sizeHint().width(),
                     content.height())
