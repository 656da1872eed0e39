"""The review screen: the session library, one recording replayed or scrubbed, its steps,
summary and markers, and exports.

A recording is analysed exactly as ``imu-monitor analyze`` does (same function), on a worker
thread; replay then moves a cursor through the analysed timeline at 0.5–4× (the same view as
live, with a time slider). Listing the library and exporting run on worker threads too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from imu_monitor.analysis import StoredSession, export_recording_samples, open_stored
from imu_monitor.app import theme
from imu_monitor.app.widgets.elided import ElidedLabel
from imu_monitor.app.widgets.pelvis import PelvisView
from imu_monitor.app.widgets.plots import style_plot
from imu_monitor.app.widgets.scroller import VerticalScroller
from imu_monitor.app.widgets.steps_table import StepsModel
from imu_monitor.app.widgets.summary import SummaryView
from imu_monitor.app.wording import in_app_words
from imu_monitor.app.workers import run_in_thread
from imu_monitor.conventions import SIDES
from imu_monitor.export.session import EXPORT_FORMATS, export_message
from imu_monitor.heap import give_back_free_memory
from imu_monitor.presentation import FEW_STEPS, count_of, drill_name
from imu_monitor.processing.calibration import describe_calibration
from imu_monitor.recording.library import LibraryEntry, list_recordings

SPEEDS = (0.5, 1.0, 2.0, 4.0)
REPLAY_FPS = 30
VIEW_S = 10.0
# What tells sessions apart at a glance; the rest of a row is in its tooltip (and in Review).
LIBRARY_COLUMNS = ("Date", "Patient", "Drill", "Drop L / R °", "File")
LIBRARY_MIN_CHARS = 72  # the library is this many average characters wide: its columns fit


def list_library(folder: Path) -> list[LibraryEntry]:
    """The library newest first, as the Review screen lists it (ties in file order)."""
    return sorted(list_recordings(folder), key=lambda e: e.created_utc or "", reverse=True)


def _marker_pen(colors: theme.Theme) -> QPen:
    return pg.mkPen(colors.muted, width=1.5, style=Qt.PenStyle.DashLine)


def _library_row(entry: LibraryEntry) -> list[str]:
    """The table's columns: date (local), patient, drill, mean drop left / right, file."""
    h = entry.headline if isinstance(entry.headline, dict) else {}

    def num(key: str) -> str:
        v = h.get(key)
        return "—" if v is None else f"{v:.1f}"

    created = entry.created_utc or ""
    with_date = created
    with contextlib.suppress(ValueError):
        with_date = dt.datetime.fromisoformat(created).astimezone().strftime("%Y-%m-%d %H:%M")
    drop = ("—" if h.get("blocks") or not h else
            f"{num('left_mean_peak_drop_deg')} / {num('right_mean_peak_drop_deg')}")
    return [with_date, entry.patient_id or "—", drill_name(entry.drill, entry.side), drop,
            entry.file + ("  ⚠" if entry.problem else "")]


def _library_tooltip(entry: LibraryEntry) -> str:
    """Everything else about a row: duration, asymmetry, steps or reps, notes, problems."""
    h = entry.headline if isinstance(entry.headline, dict) else {}
    count = h.get("steps") if h.get("steps") else sum(
        (b.get("reps") or 0) for b in h.get("blocks") or []) or None
    duration = entry.duration_s
    lines = [entry.file]
    if duration is not None:
        lines.append(f"{duration / 60:.1f} min")
    if h.get("asymmetry_deg") is not None:
        lines.append(f"asymmetry (right − left) {h['asymmetry_deg']:+.1f}°")
    if count:
        lines.append(f"{count} {'steps' if h.get('steps') else 'reps'}")
    if entry.notes:
        lines.append(f"notes: {str(entry.notes)[:200]}")
    if entry.problem:
        lines.append(f"⚠ {entry.problem}")
    return "\n".join(lines)


def _has_drops(entry: LibraryEntry) -> bool:
    """A stored analysis with a mean peak drop on either stance side."""
    h = entry.headline
    return isinstance(h, dict) and any(h.get(f"{side}_mean_peak_drop_deg") is not None
                                       for side in SIDES)


class ProgressPlot(pg.PlotWidget):
    """Is the drop getting smaller over the weeks? Mean peak drop per stance side, one point
    per walking session, shown for the patient whose code was searched (or when the library
    lists one patient's sessions only)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMenuEnabled(False)
        self.setLabel("left", "Mean peak drop", units="°")
        self.getAxis("left").enableAutoSIPrefix(False)
        self._legend = self.addLegend(offset=(-8, 4))
        self._title, self._title_color = "", theme.LIGHT.muted
        self.setYRange(0, 12)
        self._curves = {side: self.plot(pen=pg.mkPen(color, width=1), symbol="o" if side ==
                                        "left" else "s", symbolBrush=color, symbolPen=None,
                                        name=f"{side} stance")
                        for side, color in (("left", theme.LEFT), ("right", theme.RIGHT))}
        self._show_empty()

    def _show_empty(self, why: str = "Search a patient code to see their progress") -> None:
        """No patient chosen: no sessions on the axis (not a meaningless 0…1 scale)."""
        for curve in self._curves.values():
            curve.setData([], [])
        self.getAxis("bottom").setTicks([[]])
        self.setXRange(0.5, 2.5, padding=0)
        self._set_title(why)

    def _set_title(self, text: str) -> None:
        self._title = text
        self.setTitle(text, color=self._title_color)

    def set_colors(self, colors: theme.Theme) -> None:
        """Axes, title and legend in the theme's colours (the title and legend stayed dark
        on the dark theme)."""
        style_plot(self, colors)
        self._title_color = colors.muted
        self._legend.setLabelTextColor(colors.text)
        for _, label in self._legend.items:  # the labels already made keep their colour
            label.setText(label.text, color=colors.text)
        self._set_title(self._title)

    def show_patient(self, entries: list[LibraryEntry], search: str = "") -> None:
        """The walking sessions of the patient whose code was searched (any case), or of
        the one patient listed; other rows the search matched (a longer code containing
        it, a file name or date holding it, recordings without a code) are left out."""
        code = search.strip().lower()
        searched = [e for e in entries if e.patient_id and e.patient_id.lower() == code]
        if searched:
            entries = searched
        patients = {e.patient_id for e in entries}
        if not searched and (len(patients) != 1 or None in patients):
            self._show_empty()
            return
        patient = " / ".join(sorted(str(p) for p in patients))  # one code, as typed
        walks = sorted((e for e in entries if e.drill in ("walk", "run") and _has_drops(e)),
                       key=lambda e: e.created_utc or "")
        # A recording started by mistake, or stopped after a few steps, is no session: its
        # means rest on a handful of steps and would read as the patient's change.
        short = [e for e in walks if (e.headline.get("steps") or 0) < 2 * FEW_STEPS]
        walks = [e for e in walks if e not in short]
        left_out = f" ({count_of(len(short), 'shorter recording')} of fewer than " \
                   f"{2 * FEW_STEPS} steps left out)" if short else ""
        if len(walks) < 2:
            count = "no walking session" if not walks else "1 walking session"
            self._show_empty(f"{patient}: {count} yet; progress needs two{left_out}")
            return
        self._set_title(f"Patient {patient}: {len(walks)} walking sessions{left_out}")
        for side, curve in self._curves.items():
            values = [e.headline.get(f"{side}_mean_peak_drop_deg") for e in walks]
            curve.setData(np.arange(1, len(walks) + 1, dtype=float),
                          np.array([np.nan if v is None else v for v in values], float))
        days = [(e.created_utc or "")[:10] for e in walks]  # the time too where a day has two
        self.getAxis("bottom").setTicks([[
            (k + 1, (e.created_utc or "")[:16].replace("T", " ") if days.count(days[k]) > 1
             else days[k]) for k, e in enumerate(walks)]])
        self.setXRange(0.5, len(walks) + 0.5, padding=0)

    def points(self, side: str) -> list[float]:
        """Values plotted for one side (for tests)."""
        _, y = self._curves[side].getData()
        return [] if y is None else [float(v) for v in y]


class ReviewPage(QWidget):
    """Library on the left, the opened recording on the right."""

    status = Signal(str)
    folder_changed = Signal(object)  # Path: the clinician chose another recordings folder

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.session: StoredSession | None = None
        self._unanalysed: Path | None = None  # opened, not analysable: its samples export
        self._export_folder: Path | None = None  # where the last export went (this run)
        self._entries: list[LibraryEntry] = []
        # Library
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search patient, drill, date…")
        self.search.textChanged.connect(self._fill_library)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.folder_button = QPushButton("Folder…")
        self.folder_button.clicked.connect(self._choose_folder)
        self.library = QTableWidget(0, len(LIBRARY_COLUMNS))
        self.library.setHorizontalHeaderLabels(LIBRARY_COLUMNS)
        self.library.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.library.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.library.verticalHeader().hide()
        header = self.library.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(LIBRARY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        # The file name, last, is shortened in its middle ("demo…right.imurec" where it had
        # read "d…"): its beginning and its end tell recordings apart (the row's tooltip has
        # it whole).
        self.library.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.library.setSortingEnabled(True)
        self.library.cellDoubleClicked.connect(lambda row, _: self._open_row(row))
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(lambda: self._open_row(self.library.currentRow()))
        lib_top = QHBoxLayout()
        lib_top.addStretch(1)
        lib_top.addWidget(self.refresh_button)
        lib_top.addWidget(self.folder_button)
        lib_top.addWidget(self.open_button)
        self.progress_plot = ProgressPlot()
        library_box = QWidget()
        library_box.setMinimumWidth(LIBRARY_MIN_CHARS * self.fontMetrics().averageCharWidth())
        self.library_status = QLabel("")
        self.library_status.setWordWrap(True)
        lib_layout = QVBoxLayout(library_box)
        lib_layout.addWidget(self.search)
        lib_layout.addLayout(lib_top)
        lib_layout.addWidget(self.library_status)
        lib_layout.addWidget(self.library, 3)
        lib_layout.addWidget(self.progress_plot, 2)

        # Opened recording
        self.title = ElidedLabel("Open a recording from the library.")
        theme.set_point_size(self.title, 15)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("left", "Obliquity", units="°")
        self.plot.setLabel("bottom", "Time", units="s")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.showGrid(y=True, alpha=0.25)
        self._band = pg.LinearRegionItem((-6, 6), orientation="horizontal", movable=False,
                                         brush=pg.mkBrush(0, 158, 115, 30), pen=pg.mkPen(None))
        self.plot.addItem(self._band)
        self._curve = self.plot.plot(pen=pg.mkPen(theme.LIGHT.trace, width=1))
        self._curve.setClipToView(True)
        self._curve.setDownsampling(auto=True, method="peak")
        self._peaks = {side: pg.ScatterPlotItem(size=10, brush=color, pen=None,
                                                name=f"{side} stance peak")
                       for side, color in (("left", theme.LEFT), ("right", theme.RIGHT))}
        for item in self._peaks.values():
            self.plot.addItem(item)
        self.cursor = pg.InfiniteLine(angle=90, movable=True,
                                      pen=pg.mkPen(theme.ALERT, width=1))
        self.cursor.sigPositionChanged.connect(lambda: self.seek(self.cursor.value()))
        self.plot.addItem(self.cursor)
        self._marker_lines: list[pg.InfiniteLine] = []
        self.pelvis = PelvisView()
        self.now_label = QLabel("")
        theme.set_point_size(self.now_label, 16)
        # As wide as its longest reading: it grew with each value and its end was cut.
        self.now_label.setMinimumWidth(self.now_label.fontMetrics().horizontalAdvance(
            "0000.0 s   obliquity -00.0° ") + 4)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._slider_moved)
        self.play_button = QPushButton("▶ Play")
        self.play_button.clicked.connect(self.toggle_play)
        self.speed = QComboBox()
        self.speed.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        transport = QHBoxLayout()
        transport.addWidget(self.play_button)
        transport.addWidget(self.speed)
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.now_label)

        self.steps = QTableView()
        self.steps.setModel(StepsModel())
        self.steps.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.steps.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.steps.verticalHeader().hide()
        self.steps.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.
                                                           ResizeToContents)
        self.steps.horizontalHeader().setStretchLastSection(True)  # the reason may be long
        # A click, or the arrow keys moving the selection, puts the cursor on the step.
        self.steps.clicked.connect(lambda index: self.jump_to_step(index.row()))
        self.steps.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.jump_to_step(current.row()))
        self.summary = SummaryView()
        self.markers = QListWidget()
        self.markers.itemClicked.connect(
            lambda item: self.seek(float(item.data(Qt.ItemDataRole.UserRole))))
        # How the neutral and forward were found (and a preset set aside): the report says
        # it, and so does the screen the clinician reviews on.
        self.calibration = QLabel("")
        self.calibration.setWordWrap(True)
        self.calibration.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.calibration.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = details = QTabWidget()
        details.addTab(self.steps, "Steps")
        self._summary_tab = VerticalScroller(self.summary)
        details.addTab(self._summary_tab, "Summary")
        details.addTab(self.markers, "Markers")
        details.addTab(VerticalScroller(self.calibration), "Calibration")

        self.export_buttons: dict[str, QPushButton] = {}
        # Two rows of four: in one row the seven buttons made the window 1538 px wide.
        exports = QGridLayout()
        exports.addWidget(QLabel("Export:"), 0, 0)
        labels = {"samples-csv": "Samples CSV", "angles-csv": "Angles CSV",
                  "steps-csv": "Steps CSV", "json": "JSON", "sto": "OpenSim .sto",
                  "report-pdf": "Report PDF", "report-png": "Report PNG"}
        for k, (fmt, (what, _)) in enumerate(EXPORT_FORMATS.items()):
            button = QPushButton(labels[fmt])
            button.setToolTip(what)
            button.clicked.connect(lambda _=False, f=fmt: self._ask_export(f))
            button.setEnabled(False)
            exports.addWidget(button, k // 4, 1 + k % 4)
            self.export_buttons[fmt] = button
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        exports.addWidget(self.progress, 1, 4)
        exports.setColumnStretch(5, 1)

        viewer_top = QSplitter(Qt.Orientation.Horizontal)
        viewer_top.addWidget(self.plot)
        viewer_top.addWidget(self.pelvis)
        viewer_top.setSizes([800, 260])
        viewer = QWidget()
        v = QVBoxLayout(viewer)
        v.addWidget(self.title)
        v.addWidget(viewer_top, 3)
        v.addLayout(transport)
        v.addWidget(details, 2)
        v.addLayout(exports)
        v.addWidget(self.message)  # what an export or an opening did, on its own line

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(library_box)
        split.addWidget(viewer)
        split.setSizes([600, 800])  # room for the file names beside the date
        QVBoxLayout(self).addWidget(split)

        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / REPLAY_FPS))
        self._timer.timeout.connect(self._advance)
        self._clock = QElapsedTimer()  # replay follows elapsed time, not timer ticks
        self._seeking = False
        self._listing = self._opening = 0  # the latest request wins

    # -------------------------------------------------------------- library
    def refresh(self) -> None:
        folder = self.folder
        self._listing += 1
        listing = self._listing
        self.library_status.setText(f"Reading {folder}…")
        run_in_thread(lambda: list_library(folder),
                      lambda entries: self._library_loaded(entries, listing),
                      self._show_problem, "listing the recordings")

    def _library_loaded(self, entries: list[LibraryEntry], listing: int) -> None:
        if listing != self._listing:  # a later listing is on its way
            return
        self._entries = entries
        self._fill_library()

    def _fill_library(self) -> None:
        needle = self.search.text().strip().lower()
        rows = [e for e in self._entries
                if not needle or needle in " ".join(_library_row(e)).lower()]
        count = count_of(len(self._entries), "recording")
        self.library_status.setText(  # what the search shows, of how many
            f"{count} in {self.folder}" if not needle else
            f"{len(rows)} of {count} in {self.folder} match “{self.search.text().strip()}”")
        self.progress_plot.show_patient(rows, needle)
        self.library.setSortingEnabled(False)  # rows stay where they are put while filling
        self.library.setRowCount(len(rows))
        for r, entry in enumerate(rows):
            tip = _library_tooltip(entry)
            for c, text in enumerate(_library_row(entry)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(entry.path))
                item.setToolTip(tip)
                self.library.setItem(r, c, item)
        self.library.setSortingEnabled(True)
        self._mark_open()

    def _mark_open(self) -> None:
        """The recording on screen is the selected, bold row of the library."""
        open_path = self.session.path.resolve() if self.session is not None else None
        shown = False
        for r in range(self.library.rowCount()):
            is_open = (open_path is not None and Path(
                self.library.item(r, 0).data(Qt.ItemDataRole.UserRole)).resolve() == open_path)
            for c in range(self.library.columnCount()):
                font = self.library.item(r, c).font()
                font.setBold(is_open)
                self.library.item(r, c).setFont(font)
            if is_open:
                self.library.selectRow(r)
                shown = True
        if not shown:  # opened from elsewhere: no row of the library may look like it
            self.library.clearSelection()

    def library_files(self) -> list[str]:
        """File names listed now (after the search filter)."""
        return [Path(self.library.item(r, 0).data(Qt.ItemDataRole.UserRole)).name
                for r in range(self.library.rowCount())]

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Recordings folder", str(self.folder))
        if folder:
            self.folder = Path(folder)
            self.folder_changed.emit(self.folder)
            self.refresh()

    def _open_row(self, row: int) -> None:
        if row < 0 or self.library.item(row, 0) is None:
            return
        self.open(Path(self.library.item(row, 0).data(Qt.ItemDataRole.UserRole)))

    # ---------------------------------------------------------------- open
    def open(self, path: Path) -> None:
        """Analyse ``path`` on a worker thread and show it."""
        self.stop()
        self._opening += 1
        opening = self._opening
        self.title.setText(f"Analysing {Path(path).name}…")
        self.progress.show()
        run_in_thread(lambda: open_stored(Path(path)),
                      lambda session: self._opened(session, opening),
                      lambda message: self._open_failed(message, opening, path),
                      "opening the recording")

    def _open_failed(self, message: str, opening: int, path: Path) -> None:
        if opening != self._opening:
            return
        self.progress.hide()
        self._show_nothing()
        self.title.setText("Could not open this recording.")
        self._show_problem(message)
        # Its samples need no analysis: they can still be exported.
        self._unanalysed = Path(path) if Path(path).exists() else None
        self._enable_exports()

    def _clear_markers(self) -> None:
        for line in self._marker_lines:
            self.plot.removeItem(line)
        self._marker_lines = []
        self.markers.clear()

    def _show_nothing(self) -> None:
        """No recording on screen (the one before is not left shown under another's name)."""
        self.session = None
        self._curve.setData([], [])
        for item in self._peaks.values():
            item.setData([], [])
        self._clear_markers()
        self.steps.model().set_steps([])
        self.summary.clear()
        self.calibration.setText("")
        self.now_label.setText("")
        self.pelvis.set_state(0.0, 6.0, False)
        self.slider.setRange(0, 0)
        self._mark_open()

    def _opened(self, session: StoredSession, opening: int) -> None:
        if opening != self._opening:  # the clinician opened another one meanwhile
            return
        self.progress.hide()
        self.session, self._unanalysed = session, None
        self._mark_open()
        a, meta = session.analysis, session.metadata
        self.title.setText(f"Patient {meta.get('patient_id') or '—'}, "
                           f"{drill_name(a.drill, meta.get('side'))}, "
                           f"{a.duration_s / 60:.1f} min — {session.path.name}")
        self.message.setText("")
        t = session.time_s
        y = np.where(session.valid, session.obliquity_deg, np.nan)
        self._curve.setData(t, y, connect="finite")
        threshold = session.threshold_deg
        self._band.setRegion((-threshold, threshold))
        for side, item in self._peaks.items():
            steps = [s for s in a.steps if s.side == side and s.peak_time_s is not None]
            k = [round(s.peak_time_s * a.rate_hz) for s in steps]
            item.setData([s.peak_time_s for s in steps],
                         [float(session.obliquity_deg[i]) for i in k])
        self._clear_markers()
        for time_s, label in session.markers:
            line = pg.InfiniteLine(pos=time_s, angle=90, label=label,
                                   pen=_marker_pen(theme.current),
                                   labelOpts={"position": 0.9, "color": theme.current.text})
            self.plot.addItem(line)
            self._marker_lines.append(line)
            self.markers.addItem(f"{time_s:7.1f} s  {label}")
            self.markers.item(self.markers.count() - 1).setData(Qt.ItemDataRole.UserRole,
                                                                time_s)
        self.steps.model().set_steps(a.steps)
        if a.drill_result is None:
            self.summary.show_summary(a.summary, a.steps)
        else:
            self.summary.show_drill(a.drill_result)
        # A single-leg drill has sets, not steps: its Steps table would stand empty.
        self.details.setTabEnabled(self.details.indexOf(self.steps), a.drill_result is None)
        if a.drill_result is not None and self.details.currentWidget() is self.steps:
            self.details.setCurrentWidget(self._summary_tab)
        word, found = describe_calibration(a.calibration)
        self.calibration.setText(f"Calibration {word}: {found}"
                                 + (f"\n\n{a.calibration_remarks}" if a.calibration_remarks
                                    else ""))
        self.slider.setRange(0, max(0, len(t) - 1))
        self._enable_exports()
        self.seek(min(VIEW_S, a.duration_s))
        give_back_free_memory()  # what showing it needed only for a moment

    def step_rows(self) -> list[tuple[float, str, float]]:
        """(time, stance, peak drop) per row as shown (for tests)."""
        model = self.steps.model()

        def cell(r: int, c: int) -> str:
            return model.data(model.index(r, c))

        def number(text: str) -> float:
            return float("nan") if text == "—" else float(text)

        return [(float(cell(r, 1)), cell(r, 2), number(cell(r, 3)))
                for r in range(model.rowCount())]

    # --------------------------------------------------------------- replay
    @property
    def position_s(self) -> float:
        return float(self.cursor.value())

    def seek(self, time_s: float) -> None:
        """Move the cursor (and the view, pelvis and number) to ``time_s``."""
        if self.session is None or self._seeking:
            return
        self._seeking = True
        try:
            rate = self.session.rate_hz
            n = len(self.session.obliquity_deg)
            k = int(np.clip(round(time_s * rate), 0, max(0, n - 1)))
            time_s = k / rate
            self.cursor.setValue(time_s)
            self.slider.setValue(k)
            self.plot.setXRange(max(0.0, time_s - VIEW_S / 2), time_s + VIEW_S / 2,
                                padding=0)
            value = float(self.session.obliquity_deg[k]) if n else 0.0
            valid = bool(self.session.valid[k]) if n else False
            self.pelvis.set_state(value if valid else 0.0, self.session.threshold_deg, False)
            self.now_label.setText(f"{time_s:6.1f} s   obliquity "
                                   + (f"{value:+.1f}°" if valid else "— (no data)"))
        finally:
            self._seeking = False

    def _slider_moved(self, k: int) -> None:
        if self.session is not None and not self._seeking:
            self.seek(k / self.session.rate_hz)

    def jump_to_step(self, row: int) -> None:
        """Choosing a step puts the cursor on its peak."""
        if self.session is None or not 0 <= row < len(self.session.analysis.steps):
            return
        step = self.session.analysis.steps[row]
        self.seek(step.time_s if step.peak_time_s is None else step.peak_time_s)

    def toggle_play(self) -> None:
        if self._timer.isActive():
            self.stop()
        elif self.session is not None:
            if self.position_s >= self.session.analysis.duration_s - 1 / REPLAY_FPS:
                self.seek(0.0)
            self._clock.start()
            self._timer.start()
            self.play_button.setText("❚❚ Pause")

    def stop(self) -> None:
        self._timer.stop()
        self.play_button.setText("▶ Play")

    def _advance(self) -> None:
        if self.session is None:
            self.stop()
            return
        speed = SPEEDS[self.speed.currentIndex()]
        nxt = self.position_s + speed * self._clock.restart() / 1000.0
        if nxt >= self.session.analysis.duration_s:
            nxt = self.session.analysis.duration_s
            self.stop()
        self.seek(nxt)

    # --------------------------------------------------------------- export
    def _ask_export(self, fmt: str) -> None:
        source = self._export_source(fmt)
        if source is None:
            return
        suffix = EXPORT_FORMATS[fmt][1]
        kind, _, _ = fmt.partition("-")  # samples, angles, steps, report; json and sto
        tag = "" if fmt in ("json", "sto") else f"-{kind}"
        # In the folder the last export went to (the patient's file, a USB stick), else
        # beside the recording.
        folder = self._export_folder if self._export_folder is not None else source.parent
        suggested = folder / f"{source.stem}{tag}{suffix}"
        what = EXPORT_FORMATS[fmt][0]
        name, _ = QFileDialog.getSaveFileName(self, f"Export {what}", str(suggested),
                                              f"{what} (*{suffix})")
        if name:  # a name typed without its suffix gets it ("p017-json" was saved bare)
            out = Path(name)
            self._export_folder = out.parent
            self.export(fmt, out if out.suffix else out.with_name(out.name + suffix))

    def _export_source(self, fmt: str) -> Path | None:
        """The recording an export of ``fmt`` comes from: the one shown, or, for its samples
        only, one that could not be analysed."""
        if self.session is not None:
            return self.session.path
        return self._unanalysed if fmt == "samples-csv" else None

    def export(self, fmt: str, out: Path) -> None:
        """Write an export on a worker thread, with progress shown."""
        session, source = self.session, self._export_source(fmt)
        if source is None:
            return
        self.progress.show()
        self.message.setText(f"Exporting {EXPORT_FORMATS[fmt][0]}…")
        for button in self.export_buttons.values():
            button.setEnabled(False)

        def done(rows: int) -> None:
            self._export_finished(export_message(fmt, rows, out))

        run_in_thread(lambda: session.export(fmt, out) if session is not None
                      else export_recording_samples(source, out),
                      done, lambda msg: self._export_finished(msg), "exporting")

    def _export_finished(self, message: str) -> None:
        self.progress.hide()
        self.message.setText(message)
        self.status.emit(message)
        self._enable_exports()

    def _enable_exports(self) -> None:
        """Each export button enabled when it has a recording to come from."""
        for fmt, button in self.export_buttons.items():
            button.setEnabled(self._export_source(fmt) is not None)

    def _show_problem(self, message: str) -> None:
        message = in_app_words(message, saved=True)
        self.message.setText(message)
        self.status.emit(message)

    def set_colors(self, colors: theme.Theme) -> None:
        self.summary.set_colors(colors)
        style_plot(self.plot, colors)
        for line in self._marker_lines:  # drawn in the theme they were opened in
            line.setPen(_marker_pen(colors))
            line.label.setColor(colors.text)
        self.progress_plot.set_colors(colors)
        self._curve.setPen(pg.mkPen(colors.trace, width=1))
        self.pelvis.colors = colors
