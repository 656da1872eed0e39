"""The Review screen's table of steps, as a model the view asks row by row.

Why a model: a two-hour recording has about 12 000 steps; a table of items holds six Qt
objects per step (about 35 MB), a model only the steps the analysis already has, and formats
the rows the view shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from imu_monitor.app import theme
from imu_monitor.presentation import SHORT_NOTES, format_value
from imu_monitor.processing.metrics import Step

HEADERS = ("#", "Time s", "Stance", "Peak drop °", "Step time s", "Over / counted")
Index = QModelIndex | QPersistentModelIndex


def step_cells(row: int, step: Step) -> tuple[str, ...]:
    """The six cells of a step's row, as shown."""
    return (str(row + 1), f"{step.time_s:.2f}", step.side,
            format_value(step.peak_drop_deg, "{:.1f}"), format_value(step.step_time_s, "{:.2f}"),
            ("▲" if step.over_threshold else "") if step.counted
            else f"not counted: {SHORT_NOTES.get(step.note, step.note)}")


class StepsModel(QAbstractTableModel):
    """Rows of steps: text, the stance's colour, why a step is not counted (tooltip)."""

    def __init__(self) -> None:
        super().__init__()
        self._steps: Sequence[Step] = ()

    def set_steps(self, steps: Sequence[Step]) -> None:
        self.beginResetModel()
        self._steps = steps
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._steps)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> str | None:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        step = self._steps[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return step_cells(index.row(), step)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and step.note:
            return f"Not counted in the summary: {step.note}."
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 2:
            return QBrush(pg.mkColor(theme.side_text(step.side)))
        return None
