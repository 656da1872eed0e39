"""A drop-down list of long choices that does not set the window's width.

Why: a combo box is as wide as its longest entry by default; with the scenarios' and the
mounting presets' full descriptions that made the window at least 1788 px wide, wider than
a clinic laptop's screen. Here the box shows the start of its choice (all of it in the
tooltip) and the list that drops down is as wide as its entries.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def compact_choices(combo: QComboBox, chars: int) -> QComboBox:
    """``combo`` about ``chars`` characters wide, its entries whole when it opens."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)

    def show_whole(_: int = 0) -> None:
        combo.setToolTip(combo.currentText())

    combo.currentIndexChanged.connect(show_whole)
    show_whole()
    return combo
