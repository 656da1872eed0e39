"""What the live plots and the report's plots (pyqtgraph, both) draw alike: tick labels and
tints.

Only QtGui (no widgets): the report paints into a PDF or an image, off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtGui import QColor


def tick_label(value: float) -> str:
    """A tick's number with a true minus sign."""
    return f"{value:g}".replace("-", "−")


def tint(background: str, color: str, amount: float = 0.12) -> QColor:
    """``color`` laid at ``amount`` over ``background``, as one opaque colour."""
    b, c = QColor(background), QColor(color)
    return QColor(*(round(x + amount * (y - x)) for x, y in
                    ((b.red(), c.red()), (b.green(), c.green()), (b.blue(), c.blue()))))
