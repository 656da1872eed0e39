"""The live session screen: drill, one big number, the pelvis, the trace, the step bars,
the running summary, and record / marker / calibrate.

Everything here is redrawn from the main window's frame timer with what the engine produced
since the previous frame; nothing here waits for the sensor or a file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from imu_monitor.app import theme
from imu_monitor.app.calibration_panel import CalibrationPanel
from imu_monitor.app.engine import LiveFrame
from imu_monitor.app.settings import AppSettings
from imu_monitor.app.widgets.pelvis import PelvisView
from imu_monitor.app.widgets.plots import ObliquityTrace, StepBars
from imu_monitor.app.widgets.scroller import VerticalScroller
from imu_monitor.app.widgets.summary import SummaryView
from imu_monitor.drills import get_drill
from imu_monitor.pipeline import Analysis
from imu_monitor.presentation import drill_text, reading_words

# What the clinician picks: label → (drill, stance side or None). "Either leg": each set's
# leg found from the pelvis (the demo alternates legs; a declared leg applied to every set
# read the other leg's holds as negative drops).
DRILL_CHOICES: dict[str, tuple[str, str | None]] = {
    "Walk": ("walk", None),
    "Run": ("run", None),
    "Single-leg stance — either leg": ("single-leg-stance", None),
    "Single-leg stance — left leg": ("single-leg-stance", "left"),
    "Single-leg stance — right leg": ("single-leg-stance", "right"),
    "Hip hikes — either leg": ("hip-hike", None),
    "Hip hikes — standing on left": ("hip-hike", "left"),
    "Hip hikes — standing on right": ("hip-hike", "right"),
    "Step-downs — either leg": ("step-down", None),
    "Step-downs — left leg": ("step-down", "left"),
    "Step-downs — right leg": ("step-down", "right"),
    "Lateral lunges": ("lateral-lunge", None),
    "Split squats": ("split-squat", None),
}
EXAGGERATIONS = (1.0, 2.0, 3.0, 4.0)


class BigNumber(QFrame):
    """The one number read from two metres, its caption, and the over-threshold cue."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("bignumber")
        self.value = QLabel("—")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_point_size(self.value, 72, bold=True)
        self.caption = QLabel("Waiting for data")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)  # a long one was cut at both ends, and widened the pane
        theme.set_point_size(self.caption, 18)
        self.cue = QLabel("")
        self.cue.setAlignment(Qt.AlignmentFlag.AlignCenter)
        theme.set_point_size(self.cue, 16, bold=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.cue)
        self.over = False
        self._style: tuple[str | None, bool] | None = None

    def show_value(self, text: str, caption: str, color: str | None, over: bool,
                   cue: str = "") -> None:
        """Called every frame: only what changed is touched (a style sheet re-polishes the
        widget, far dearer than the text)."""
        self.value.setText(text)
        self.caption.setText(caption)
        self.cue.setText(cue if over else "")
        if (color, over) != self._style:
            self._style = (color, over)
            self.value.setStyleSheet(f"color: {color};" if color else "")
            self.setStyleSheet(
                f"#bignumber {{ border: 4px solid {theme.ALERT}; border-radius: 10px; }}"
                if over else "#bignumber { border: 4px solid transparent; }")
        self.over = over


class LivePage(QWidget):
    """The live screen. Signals carry the clinician's commands to the main window."""

    settings_changed = Signal(str, float)  # drill, threshold
    record_toggled = Signal()
    marker_requested = Signal()

    def __init__(self, rate_hz: float = 100.0) -> None:
        super().__init__()
        self.drill_box = QComboBox()
        self.drill_box.addItems(list(DRILL_CHOICES))
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.5, 30.0)
        self.threshold.setSingleStep(0.5)
        self.threshold.setSuffix("°")
        self.sound = QCheckBox("Sound")
        self.exaggerate = QComboBox()
        self.exaggerate.addItems([f"Tilt ×{x:g}" for x in EXAGGERATIONS])
        self.live_metric = QLabel("")
        self.live_metric.setProperty("role", "hint")
        top = QHBoxLayout()
        self.threshold_label = QLabel("Threshold")
        for w in (QLabel("Drill"), self.drill_box, self.threshold_label, self.threshold,
                  self.exaggerate, self.sound):
            top.addWidget(w)
        top.addWidget(self.live_metric, 1)

        self.big = BigNumber()
        self.pelvis = PelvisView()
        self.drill_status = QLabel("")
        self.drill_status.setWordWrap(True)
        theme.set_point_size(self.drill_status, 15)
        self.calibration = CalibrationPanel()
        left = QVBoxLayout()
        left.addWidget(self.big, 3)
        left.addWidget(self.pelvis, 3)
        left.addWidget(self.drill_status)
        left.addWidget(self.calibration)
        left_box = QWidget()
        left_box.setLayout(left)
        self.left_column = VerticalScroller(left_box)

        self.trace = ObliquityTrace(rate_hz)
        self.bars = StepBars()
        self.summary = SummaryView()
        self.summary_box = QGroupBox("This session (live)")
        QVBoxLayout(self.summary_box).addWidget(VerticalScroller(self.summary))
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.trace)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.bars)
        lower.addWidget(self.summary_box)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        # No fixed minimum: its title and rows set it (a fixed 380 px overrode them and cut
        # "steps/min" and "(what Review shows)" at the 12 pt base font).
        self.summary_box.setMaximumWidth(560)
        right.addWidget(lower)
        right.setSizes([420, 300])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left_column)
        self.splitter.addWidget(right)
        self.splitter.setSizes([420, 860])

        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Patient code (no names), e.g. P-017")
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Notes")
        # Space records and M marks: a field keeps them as text while it has the focus, so
        # Enter in a field, or a click anywhere else on the page, gives the keys back.
        for field in (self.patient, self.notes):
            field.returnPressed.connect(self.setFocus)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for drawing in (self.big, self.pelvis, self.trace, self.bars, self.summary):
            drawing.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.record_button = QPushButton("● Record (Space)")
        self.record_button.clicked.connect(self.record_toggled)
        self.marker_button = QPushButton("Marker (M)")
        self.marker_button.clicked.connect(self.marker_requested)
        self.record_status = QLabel("Not recording")
        bottom = QHBoxLayout()
        bottom.addWidget(self.patient, 1)
        bottom.addWidget(self.notes, 2)
        bottom.addWidget(self.record_button)
        bottom.addWidget(self.marker_button)
        bottom.addWidget(self.record_status)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)

        self.drill_box.currentTextChanged.connect(self._drill_picked)
        self.threshold.valueChanged.connect(self._threshold_changed)
        self.exaggerate.currentIndexChanged.connect(
            lambda k: self.pelvis.set_exaggeration(EXAGGERATIONS[k]))
        self.threshold.setKeyboardTracking(False)  # typing "12" is one change, not two
        self.rate_hz = rate_hz
        self._compact = False
        self.step_count = 0  # counted steps since the analysis (re)started, as shown
        self._saved_shown = False  # the saved recording's summary stays until the next one
        self._recording_now = False
        self._was_over = False
        self._calibration_state = ""  # as last shown (kept in view while it changes)
        self._thresholds: dict[str, float] = {}
        self._drill_picked(self.drill_box.currentText())

    # ------------------------------------------------------------- settings
    @property
    def drill(self) -> str:
        return DRILL_CHOICES[self.drill_box.currentText()][0]

    @property
    def side(self) -> str | None:
        return DRILL_CHOICES[self.drill_box.currentText()][1]

    def select_drill(self, drill: str, threshold_deg: float | None = None) -> None:
        """Pick ``drill`` (its first entry: either leg, found by the sensor) and optionally a
        threshold."""
        for label, (name, _) in DRILL_CHOICES.items():
            if name == drill:
                self.drill_box.setCurrentText(label)
                break
        if threshold_deg is not None:
            self.threshold.setValue(threshold_deg)

    def set_thresholds(self, thresholds: dict[str, float]) -> None:
        """Remembered thresholds per drill (from the settings)."""
        self._thresholds = dict(thresholds)
        self.threshold.setValue(self._thresholds.get(self.drill,
                                                     get_drill(self.drill).default_threshold_deg))

    def _drill_picked(self, label: str) -> None:
        drill = get_drill(DRILL_CHOICES[label][0])
        self.live_metric.setText(f"Shown live: {drill.live_metric}.")
        self.threshold.blockSignals(True)
        self.threshold.setValue(self._thresholds.get(drill.name, drill.default_threshold_deg))
        self.threshold.blockSignals(False)
        self.bars.setVisible(drill.gait)
        # The summary of a hold or of reps calls it its tolerance: the control says the same.
        self.threshold_label.setText("Threshold" if drill.gait else "Tolerance")
        self._emit_settings()

    def _threshold_changed(self, value: float) -> None:
        self._thresholds[self.drill] = value
        self._emit_settings()

    def _emit_settings(self) -> None:
        value = self.threshold.value()
        self.trace.set_threshold(value)
        self.bars.set_threshold(value)
        self.settings_changed.emit(self.drill, value)

    def set_colors(self, colors: theme.Theme) -> None:
        self.pelvis.colors = colors
        self.summary.set_colors(colors)
        self.trace.set_colors(colors)
        self.bars.set_colors(colors)
        if self._compact:  # a new style sheet puts back the sizes the labels were polished
            self.use_compact_layout()  # with: the full-size number on a small screen

    def use_compact_layout(self) -> None:
        """A screen under 900 pixels tall: a smaller big number leaves the pelvis, the
        calibration's words and the status bar their room (still readable from two metres)."""
        self._compact = True
        theme.set_point_size(self.big.value, 54, bold=True)
        theme.set_point_size(self.big.caption, 15)

    # ---------------------------------------------------------------- frames
    def reset(self, rate_hz: float) -> None:
        """A new session or a restarted analysis: empty the views."""
        self.rate_hz = rate_hz
        self.trace.reset(rate_hz)
        self.bars.reset()
        self.step_count = 0
        self._saved_shown = False
        self.summary.clear()
        self.summary_box.setTitle(self._live_title())  # not the saved recording's any more
        self.drill_status.setText("")
        self.big.show_value("—", "Waiting for data", None, False)

    def show_disconnected(self) -> None:
        """No sensor any more: the last reading must not stay up as if it were live (the
        trace and bars stay, as the record of what was seen)."""
        self.big.show_value("—", "Not connected: connect a sensor (Connect tab)", None, False)
        self.pelvis.set_state(0.0, self.threshold.value(), False)
        self._was_over = False
        if self.calibration.state != "done":  # its guidance was for the patient just left
            self.calibration.cancel()

    def apply(self, frame: LiveFrame) -> None:
        """One frame's news from the engine."""
        if frame.segment_started:
            self.reset(self.rate_hz)
        self.calibration.apply(frame)
        if self.calibration.state != self._calibration_state:
            self._calibration_state = self.calibration.state
            # On a short screen the column scrolls: the guidance must not be out of sight
            # while the patient follows it, nor the big number once they walk.
            if self._calibration_state in ("standing", "walking"):
                self.left_column.ensureWidgetVisible(self.calibration, 0, 0)
            else:
                self.left_column.ensureWidgetVisible(self.big, 0, 0)
        self.trace.append(frame.time_s, frame.obliquity_deg, frame.valid)
        steps = frame.provisional_steps + frame.steps  # a judged step replaces its guess
        self.trace.add_steps(steps)
        self.bars.add_steps(steps)
        if frame.segment_started and self._saved_shown:  # calibrated again: live numbers
            self._saved_shown = False
            self.summary_box.setTitle(self._live_title())
        gait = get_drill(self.drill).gait
        if frame.summary is not None and gait and not self._saved_shown:
            self.summary_box.setTitle(self._live_title())
            self.summary.show_summary(frame.summary)
        if frame.drill_result is not None:
            self.drill_status.setText(drill_text(self.drill, frame.drill_result))
            if not self._saved_shown:
                self.summary_box.setTitle(self._live_title())
                self.summary.show_drill(frame.drill_result)
        if len(frame.time_s) or frame.steps or frame.segment_started or not frame.calibration:
            self._update_big_number(frame)  # nothing new, nothing to change
        self.trace.redraw()
        self.bars.redraw()

    def _update_big_number(self, frame: LiveFrame) -> None:
        """Show the engine's reading (it decides the number and whether it is over)."""
        reading = frame.reading
        threshold = self.threshold.value()
        if frame.calibration is None or reading is None:
            self.big.show_value("—", "Calibrate first: stand still, then walk", None, False)
            self.pelvis.set_state(0.0, threshold, False)
            return
        self.step_count = reading.step_number
        text, caption, cue = reading_words(reading)
        self.big.show_value(text, caption, theme.side_text(reading.side)
                            if reading.kind == "step" and reading.side else None,
                            reading.over, cue)
        now = reading.obliquity_now_deg
        self.pelvis.set_state(0.0 if now is None else now, threshold, reading.over)
        if reading.over and not self._was_over and self.sound.isChecked():
            QApplication.beep()
        self._was_over = reading.over

    def show_recording_summary(self, analysis: Analysis) -> None:
        """After Stop: the saved recording's own analysis (what Review and analyze show); it
        stays until the next recording starts or the drill changes."""
        self._saved_shown = True
        self.summary_box.setTitle("Recording just saved (what Review shows)")
        if analysis.drill_result is None:
            self.summary.show_summary(analysis.summary, analysis.steps)
        else:
            self.summary.show_drill(analysis.drill_result)

    def set_recording(self, recording: bool, text: str) -> None:
        """The record button and, while recording, an unmissable red line: elapsed time and
        the file being written."""
        self.record_button.setText("■ Stop (Space)" if recording else "● Record (Space)")
        self._recording_now = recording
        self.record_status.setText(text)
        self.record_status.setStyleSheet(
            f"color: white; background: {theme.ALERT}; font-weight: bold; padding: 4px 8px; "
            "border-radius: 4px;" if recording and text.startswith("●") else "")
        if recording and self._saved_shown:  # a new recording: back to the live numbers
            self._saved_shown = False
        if not self._saved_shown:
            self.summary_box.setTitle(self._live_title())

    def _live_title(self) -> str:
        """While recording the live totals (or sets) are the recording's; otherwise the
        session's."""
        title = "This recording (live)" if self._recording_now else "This session (live)"
        return title if get_drill(self.drill).gait else f"{title}: every set"

    def restore_layout(self, settings: AppSettings) -> None:
        """Sound, tilt exaggeration and the panes' sizes, as the clinician left them."""
        self.sound.setChecked(settings.sound)
        if settings.exaggeration in EXAGGERATIONS:
            self.exaggerate.setCurrentIndex(EXAGGERATIONS.index(settings.exaggeration))
        state = settings.splitter_state("live")
        if state is not None:
            self.splitter.restoreState(state)

    def save_layout(self, settings: AppSettings) -> None:
        settings.sound = self.sound.isChecked()
        settings.exaggeration = EXAGGERATIONS[self.exaggerate.currentIndex()]
        settings.save_splitter_state("live", self.splitter.saveState())
