"""The guided calibration: stand still (countdown with a stillness check), then walk a few steps.

The pipeline's calibrator decides; this panel only guides the patient and clinician through it
and shows what it found. The countdown lasts as long as the calibrator's longest standing window,
so the vertical is locked when it reaches zero; moving during it restarts it. It counts sensor
time, not wall-clock time, so it means "5 s of data" even from a replay played fast. A mounting
preset replaces the walk (the forward direction is then declared, not measured).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imu_monitor.app import theme
from imu_monitor.app.engine import LiveFrame
from imu_monitor.app.widgets.choices import compact_choices
from imu_monitor.processing.alignment import MAX_STILL_S, STILL_GYRO_STD_RADPS
from imu_monitor.processing.calibration import (
    Calibration,
    calibration_in_brief,
    describe_calibration,
    parse_axes,
)

STAND_S = MAX_STILL_S
MOVED_DPS = float(np.degrees(STILL_GYRO_STD_RADPS))

# Body direction of each sensor axis with the patient standing (see firmware_notes/).
MOUNTING_PRESETS = {
    "Any way (found by walking)": None,  # short: a wider label was cut in the panel
    "Upright on the belt, face outwards (x up, y left, z back)": "x=up,y=left,z=back",
    "Upside down on the belt, face outwards (x down, y right, z back)": "x=down,y=right,z=back",
    "Sideways on the belt, face outwards (x left, y down, z back)": "x=left,y=down,z=back",
    "Flat, x forward, face up (x forward, y left, z up)": "x=forward,y=left,z=up",
}


class CalibrationPanel(QGroupBox):
    """Guides a calibration; asks the main window to restart one with ``calibrate_requested``."""

    calibrate_requested = Signal(object)  # axes matrix or None
    cancel_requested = Signal()  # keep the calibration in use, give up the new one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Calibration", parent)
        self.step = QLabel("Not calibrated yet. Press Calibrate (C) with the patient standing.")
        self.step.setWordWrap(True)
        theme.set_point_size(self.step, 14)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setProperty("role", "muted")
        self.preset = QComboBox()
        self.preset.addItems(list(MOUNTING_PRESETS))
        compact_choices(self.preset, 20)
        self.start_button = QPushButton("Calibrate (C)")
        self.start_button.clicked.connect(self.start)
        self.keep_button = QPushButton("Keep current (Esc)")
        self.keep_button.setToolTip("Give up the new calibration: the one in use stays.")
        self.keep_button.clicked.connect(self.keep_current)
        self.keep_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.preset, 1)
        row.addWidget(self.start_button)
        progress_row = QHBoxLayout()  # one row: the panel fits a 768-pixel screen
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addLayout(progress_row)
        layout.addWidget(self.result)
        layout.addLayout(row)
        self.state = "idle"
        self._standing_found = False  # the first calibration, under way by itself, has it
        self._countdown_from: float | None = None  # sensor time the countdown began
        self._awaiting_restart = False
        self._moved = False  # the patient moved during the countdown: waiting for stillness

    @property
    def state(self) -> str:
        """idle, standing, walking or done."""
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        """The longest instructions wrap to four lines beside the pelvis: room for them is
        kept while guiding; a result needs one, and gives the rest back to the big number
        on a short screen."""
        self._state = value
        lines = 1 if value == "done" else 4
        self.step.setMinimumHeight(lines * self.step.fontMetrics().lineSpacing())

    @property
    def axes(self) -> np.ndarray | None:
        spec = MOUNTING_PRESETS[self.preset.currentText()]
        return parse_axes(spec) if spec else None

    def start(self) -> None:
        """Begin (or redo) the guided calibration. While the first one is under way by
        itself with its standing already found, go on from there: starting over threw that
        standing away while the patient walked, and ended with a poorer calibration."""
        if self.state == "idle" and self._standing_found and self.axes is None:
            self.state = "walking"
            self.progress.show()
            self.step.setText("Standing found. Now walk about ten steps — turning is fine, a "
                              "small room will do.")
            return
        self.state = "standing"
        self._countdown_from = None
        self._moved = False
        self._restart()
        self.result.setText("")
        self.progress.show()
        self._show_standing(STAND_S)

    def cancel(self) -> None:
        """Back to idle (asked for with no sensor connected)."""
        self.state = "idle"
        self._standing_found = False  # that standing was the last session's
        self._awaiting_restart = self._moved = False
        self.progress.hide()
        self.result.setText("")  # the last session's calibration is not this one's
        self.step.setText("Not calibrated yet. Connect a sensor, then press Calibrate (C) with "
                          "the patient standing.")

    def keep_current(self) -> None:
        """Give up the calibration under way: the one in use stays (the view never blanked)."""
        self.cancel_requested.emit()
        self._awaiting_restart = self._moved = False
        self.state = "done"
        self.progress.hide()
        self.keep_button.hide()
        self.step.setText("Calibrated — the calibration in use was kept.")

    def _restart(self) -> None:
        """Ask for a fresh calibration; news from before it took effect is not about it."""
        self._awaiting_restart = True
        self.calibrate_requested.emit(self.axes)

    def apply(self, frame: LiveFrame) -> None:
        """Follow the engine: countdown, stillness check, walk, result."""
        if frame.mounting_refused:  # the engine calibrates without it: so does the panel,
            self.preset.setCurrentIndex(0)  # or every restart would ask for it again
            self.result.setText("")  # the refused preset's result is no longer in use
            if frame.calibration is not None:  # replaced: forward from the walking
                self._show_result(frame.calibration)
                return
        self._standing_found = (frame.calibration is None and not frame.recalibrating
                                and frame.calibration_stage == "walking")
        if self._awaiting_restart:
            if not (frame.segment_started or frame.recalibration_started):
                return
            self._awaiting_restart = False
        self.keep_button.setVisible(frame.recalibrating and self.state != "done")
        if frame.segment_started and frame.calibration is None and self.state == "done":
            self.state = "idle"
            self.result.setText("")  # a new session: the last one's calibration is not in use
        if frame.calibration is not None and self.state != "done" and not frame.recalibrating:
            self._show_result(frame.calibration)
            return
        if self.state == "standing":
            moving = frame.stillness_dps is not None and frame.stillness_dps > MOVED_DPS
            if self._moved:  # wait for stillness, then start over with a fresh calibrator
                if not moving:
                    self._moved = False
                    self._countdown_from = None
                    self._restart()
                return
            if moving:
                self._moved = True
                self.step.setText("The patient moved — stand still again; the countdown "
                                  "restarts once still."
                                  + (" The calibration in use stays meanwhile (Esc keeps "
                                     "it and stops this one)." if frame.recalibrating else ""))
                self.progress.setValue(0)
                return
            if self._countdown_from is None:
                self._countdown_from = frame.data_time_s
            left = STAND_S - (frame.data_time_s - self._countdown_from)
            if frame.calibration_stage != "walking" and left <= -1.0:
                # The countdown is over but the calibrator found no standing (its own test
                # also watches the accelerometer): the same as moving.
                self._moved = True
                self.step.setText("No steady standing was found — stand still again, arms "
                                  "relaxed, looking ahead.")
                return
            if frame.calibration_stage == "walking":
                self.state = "walking"
                self.step.setText("Now walk about ten steps — turning is fine, a small room "
                                  "will do." if self.axes is None else
                                  "Standing done — finishing with the mounting preset.")
            else:
                self._show_standing(max(0.0, left))
        elif self.state == "walking":
            self.progress.setValue(int(1000 * frame.calibration_progress))
        elif self.state == "idle" and frame.calibration is None:  # it calibrates by itself
            self.step.setText(
                "Standing found. Walk about ten steps to finish (turning is fine)."
                if frame.calibration_stage == "walking" else
                "Calibrating by itself: the patient stands still a moment, then walks about "
                "ten steps (turning is fine). Calibrate (C) guides you through it instead.")

    def _show_standing(self, seconds_left: float) -> None:
        self.step.setText(f"Stand still: {seconds_left:.0f} s")
        self.progress.setValue(int(1000 * (1 - seconds_left / STAND_S)))

    def _show_result(self, cal: Calibration) -> None:
        self.state = "done"
        self.progress.hide()
        self.keep_button.hide()
        word, found = describe_calibration(cal)
        self.step.setText(f"Calibrated — {word}.")
        self.result.setText(calibration_in_brief(cal))
        self.result.setToolTip(found)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
