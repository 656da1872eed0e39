"""A one-line label that ends a long text with "…" instead of widening or wrapping.

Why: the review's title (a file name, the patient, the drill) wrapped onto a second line that
the layout did not give room to, so it was cut in half at the top of the plot; unwrapped, a
long file name would set the window's width. The whole text is in the tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """``setText`` keeps the whole text; the label shows as much as fits."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._whole = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._whole = text
        self.setToolTip(text)
        self._fit()

    def text(self) -> str:
        return self._whole

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        shown = self.fontMetrics().elidedText(self._whole, Qt.TextElideMode.ElideRight,
                                              max(1, self.width()))
        super().setText(shown)
