"""A session's summary: left vs right stance side by side, or a single-leg drill's sets.

The walking summary is a grid of plain labels: live it is refreshed at every step, and laying
out a rich-text table took about 3 ms each time (a fifth of a frame, enough to make a sample
late on screen). Only the cells whose text changed are touched.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QStackedLayout, QWidget

from imu_monitor.app import theme
from imu_monitor.drills import DrillResult
from imu_monitor.presentation import (
    SUMMARY_ROWS,
    format_drill,
    format_value,
    summary_doubts,
    summary_row_title,
)
from imu_monitor.processing.metrics import Step, Summary

SIDES = ("left", "right")


class SummaryView(QWidget):
    """``show_summary`` for walking and running, ``show_drill`` for single-leg drills."""

    def __init__(self, point_size: float = 13.0) -> None:
        super().__init__()
        theme.set_point_size(self, point_size)
        table = QWidget()
        grid = QGridLayout(table)
        grid.setHorizontalSpacing(18)
        # Rows close together: in the review's tab and a short live screen the asymmetry and
        # cadence, at the bottom, were below the fold.
        grid.setVerticalSpacing(1)
        grid.setContentsMargins(4, 2, 4, 2)
        self._headers: dict[str, QLabel] = {}
        for col, side in enumerate(SIDES, start=1):
            header = QLabel(f"{side.capitalize()}\nstance")
            header.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(header, 0, col)
            self._headers[side] = header
        self.set_colors(theme.current)
        self._titles: list[QLabel] = []
        self._cells: dict[tuple[str, str], QLabel] = {}
        for row, (title, field, _) in enumerate(SUMMARY_ROWS, start=1):
            self._titles.append(QLabel(title))
            grid.addWidget(self._titles[-1], row, 0)
            for col, side in enumerate(SIDES, start=1):
                cell = QLabel("—")
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self._cells[(field, side)] = cell
                grid.addWidget(cell, row, col)
        rows = len(SUMMARY_ROWS)
        self._asymmetry = self._value_row(grid, rows + 1, "Asymmetry R − L")
        self._cadence = self._value_row(grid, rows + 2, "Cadence, steps/min")
        self._why = QLabel("")  # why a side has no step counted, when one has none
        self._why.setWordWrap(True)
        grid.addWidget(self._why, rows + 3, 0, 1, 4)
        grid.setRowStretch(rows + 4, 1)
        grid.setColumnStretch(3, 1)
        self._drill_lines: list[str] = []
        self._drill = QLabel("")
        self._drill.setTextFormat(Qt.TextFormat.RichText)
        self._drill.setWordWrap(True)
        self._drill.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(table)
        self._stack.addWidget(self._drill)
        self.clear()

    @staticmethod
    def _value_row(grid: QGridLayout, row: int, title: str) -> QLabel:
        grid.addWidget(QLabel(title), row, 0)
        value = QLabel("—")
        font = value.font()
        font.setBold(True)
        value.setFont(font)
        value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(value, row, 1, 1, 2)
        return value

    def set_colors(self, colors: theme.Theme) -> None:
        """Side headers in the theme's text colours (readable: WCAG AA)."""
        for side, header in self._headers.items():
            header.setStyleSheet(f"color: {colors.side_text(side)}; font-weight: bold")

    def clear(self) -> None:
        for cell in [*self._cells.values(), self._asymmetry, self._cadence]:
            _set(cell, "—")
        _set(self._why, "")
        _set(self._titles[-1], "Over threshold")
        self._drill_lines = []
        self._drill.setText("")
        self._stack.setCurrentIndex(0)

    def show_summary(self, summary: Summary, steps: list[Step] | None = None) -> None:
        """Per side: steps, mean, SD and max peak drop, steps over threshold; then asymmetry
        and cadence; given the steps, why a side has none counted."""
        self._stack.setCurrentIndex(0)
        for (title, field, fmt), label in zip(SUMMARY_ROWS, self._titles, strict=True):
            _set(label, summary_row_title(title, summary))
            for side in SIDES:
                _set(self._cells[(field, side)],
                     format_value(getattr(summary.side(side), field), fmt))
        _set(self._asymmetry, format_value(summary.asymmetry_deg, "{:+.1f}°"))
        _set(self._cadence, format_value(summary.cadence_spm, "{:.0f}"))
        _set(self._why, " ".join(summary_doubts(steps or [], summary)))

    def show_drill(self, result: DrillResult) -> None:
        """Every set of a single-leg drill (as the report prints it)."""
        self._stack.setCurrentIndex(1)
        self._drill_lines = format_drill(result)
        _set(self._drill, "<div style='white-space:pre-wrap'>" + "<br>".join(
            html.escape(line) for line in self._drill_lines) + "</div>")

    def text(self) -> str:
        """What is shown, as plain text (for tests and accessibility tools)."""
        if self._stack.currentIndex() == 1:
            return "\n".join(self._drill_lines)
        rows = [" | ".join(["", "Left stance", "Right stance"])]
        for (_, field, _), title in zip(SUMMARY_ROWS, self._titles, strict=True):
            rows.append(" | ".join([title.text()] + [self._cells[(field, s)].text()
                                                     for s in SIDES]))
        rows.append(f"Asymmetry R − L | {self._asymmetry.text()}")
        rows.append(f"Cadence, steps/min | {self._cadence.text()}")
        return "\n".join(rows + ([self._why.text()] if self._why.text() else []))


def _set(label: QLabel, text: str) -> None:
    """Only a changed text costs a relayout and a repaint."""
    if label.text() != text:
        label.setText(text)
