"""The main window: Connect, Live and Review screens, the link health bar, the frame timer.

One QTimer (60 Hz) polls the live engine and hands the news to the screens; nothing else
drives a redraw. Sources are opened by ``open_source`` (any of them: simulated, replay,
Bluetooth), so the window does not care which one it is.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from imu_monitor import __version__
from imu_monitor.app import theme
from imu_monitor.app.connect_page import ConnectPage, SensorEntry, bluetooth_scan
from imu_monitor.app.engine import (
    LinkHealth,
    LiveEngine,
    LiveFrame,
    RecordingRequest,
    RecordingResult,
    SessionSettings,
)
from imu_monitor.app.live_page import LivePage
from imu_monitor.app.review_page import ReviewPage
from imu_monitor.app.settings import AppSettings
from imu_monitor.app.wording import import_words, in_app_words
from imu_monitor.app.workers import run_in_thread, wait_for_workers
from imu_monitor.drills import DRILLS
from imu_monitor.errors import ImuMonitorError
from imu_monitor.importers import FORMATS, ImportOptions, SensorChoiceNeeded, UnitsNeeded
from imu_monitor.importing import ImportResult, import_file, imported_recording_path
from imu_monitor.limits import KNOWN_LIMITS
from imu_monitor.painting import tint
from imu_monitor.recording.patient import check_patient_code, default_recording_path
from imu_monitor.simulation.scenarios import SCENARIOS
from imu_monitor.sources.base import Source, close_in_background
from imu_monitor.sources.spec import DEFAULT_SCENARIO, open_source

FRAME_HZ = 60
PACKET_WAIT_S = 0.003  # frames aim to take a packet this long after it arrived
MAX_PHASE_STEP_S = 0.006  # the frame clock moves by at most this much per packet
SWITCH_INTERVAL_S = 0.0005
HEALTH_EVERY_S = 0.25  # the status bar's numbers change slowly; relaying it out costs
NO_DATA_S = 0.5
DEMO_SECONDS = 1800.0  # the demo sensor walks for half an hour
BANNER_NEWS_MS = 12_000  # news (saved, imported) leaves by itself; errors stay
STATUS_MS = 8000  # a passing message in the status bar stays this long


def open_live_source(spec: str) -> Source:
    """Any source for a live session; the demo sensor paced in real time, for long enough."""
    return open_source(spec, seconds=DEMO_SECONDS if spec.startswith("sim") else None)


def about_text() -> str:
    """The About box: what is measured, from what, and its known limits."""
    return (f"imu_monitor {__version__}\n\nPelvic drop (frontal-plane pelvic obliquity) per "
            "step, live and from recordings, from one inertial sensor clipped over the sacrum."
            "\n\nRecordings are analysed with the whole-recording orientation filter (offline "
            "VQF), run again without the sideways pull of the turns made while walking; the "
            "live view uses its real-time version, so a live number can differ from the "
            f"reviewed one by a few tenths of a degree.\n\n{KNOWN_LIMITS}")


class MainWindow(QMainWindow):
    """The app. ``open_source`` and ``scan`` are the seams tests and demos may replace."""

    def __init__(self, settings: AppSettings,
                 open_source: Callable[[str], Source] = open_live_source,
                 scan: Callable[[], list[SensorEntry]] = bluetooth_scan) -> None:
        super().__init__()
        # The engine runs Python next to the GUI thread: with the default 5 ms switch interval
        # a packet arriving during a frame (or a frame during a packet) could wait that long
        # for the interpreter lock, a third of the latency budget.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.setWindowTitle("imu_monitor — pelvic drop")
        self.settings = settings
        # The base font before any widget exists: set after, it reached only some of them
        # (buttons and words at 9 pt until the theme was switched twice).
        theme.apply_theme(QApplication.instance(), theme.THEMES.get(settings.theme, theme.LIGHT))
        self._open_source = open_source
        self.engine: LiveEngine | None = None
        self._sensor_name = ""
        self._recording = False
        self._connecting: str | None = None
        self._stopping: list[LiveEngine] = []  # stopped, still saving their recording
        self._closing = False
        self._closed = False
        self._health_state, self._health_shown = "", 0.0
        self._markers = 0
        self._banner_until_calibrated = False  # the banner says to calibrate first
        self.last_result: RecordingResult | None = None

        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        # Its room stays when it leaves: the screen below must not jump under the cursor
        # (a click meant for a row or a button landed on the next one).
        policy = self.banner.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.banner.setSizePolicy(policy)
        self.hide_banner()
        self.banner.mousePressEvent = lambda _event: self.hide_banner()  # clicked away
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.hide_banner)
        theme.set_point_size(self.banner, 14)
        self.tabs = QTabWidget()
        self.connect_page = ConnectPage(scan)
        self.live_page = LivePage()
        self.review_page = ReviewPage(settings.recordings_folder)
        self.tabs.addTab(self.connect_page, "Connect")
        self.tabs.addTab(self.live_page, "Live")
        self.tabs.addTab(self.review_page, "Review")
        theme.set_point_size(self.tabs.tabBar(), 14)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.health = QLabel("No sensor connected")
        self.statusBar().addPermanentWidget(self.health)
        self._build_menu()

        self.connect_page.connect_requested.connect(self.connect_sensor)
        self.connect_page.disconnect_requested.connect(self.disconnect_sensor)
        self.connect_page.set_last(settings.last_sensor, settings.last_sensor_name)
        self.live_page.set_thresholds({d: settings.threshold(d, DRILLS[d].default_threshold_deg)
                                       for d in DRILLS})
        self.live_page.restore_layout(settings)
        self.live_page.settings_changed.connect(self._settings_changed)
        self.live_page.record_toggled.connect(self.toggle_recording)
        self.live_page.marker_requested.connect(self.add_marker)
        self.live_page.calibration.calibrate_requested.connect(self._recalibrate)
        self.live_page.calibration.cancel_requested.connect(self._keep_calibration)
        self.review_page.status.connect(self.show_status)
        self.review_page.folder_changed.connect(
            lambda folder: setattr(self.settings, "recordings_folder", folder))
        for key, slot in ((Qt.Key.Key_Space, self._space),
                          (Qt.Key.Key_M, self._marker_key),
                          (Qt.Key.Key_C, self._calibrate_key),
                          (Qt.Key.Key_Escape, self._escape_key)):
            QShortcut(QKeySequence(key), self, activated=slot)
        self._session_keys = {Qt.Key.Key_Space, Qt.Key.Key_M, Qt.Key.Key_C}
        for box in self.findChildren(QAbstractSpinBox):  # (not every event of the app)
            box.installEventFilter(self)
            box.findChild(QLineEdit).installEventFilter(self)

        self.set_theme(settings.theme)
        geometry, state = settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self._first_size()
        if state is not None:
            self.restoreState(state)
        # Frames on a 60 Hz schedule: single shots of 16 or 17 ms that keep to the ideal
        # clock (a fixed 16 ms interval would draw 62.5 frames a second, 17 ms 58.8).
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self._next_frame = time.monotonic()
        self._arrivals: list[float] = []  # packets taken by the current frame
        self._packets_per_frame = 0.0  # smoothed
        self.timer.start(0)
        self.review_page.refresh()

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("Open recording…", self, shortcut=QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self._ask_open)
        file_menu.addAction(open_action)
        import_action = QAction("Import from another device…", self,
                                shortcut=QKeySequence("Ctrl+I"))
        import_action.triggered.connect(self._ask_import)
        file_menu.addAction(import_action)
        import_folder_action = QAction("Import a folder of sensor files…", self)
        import_folder_action.setToolTip("A phone app's export unpacked: one CSV per sensor")
        import_folder_action.triggered.connect(self._ask_import_folder)
        file_menu.addAction(import_folder_action)
        self.lsl_action = QAction("Publish to Lab Streaming Layer", self, checkable=True)
        self.lsl_action.setToolTip("Raw samples, pelvic angles and steps as LSL streams, for "
                                   "LabRecorder beside EMG or motion capture")
        self.lsl_action.toggled.connect(self._publish_lsl)
        file_menu.addAction(self.lsl_action)
        quit_action = QAction("Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        self.dark_action = QAction("Dark mode", self, checkable=True)
        self.dark_action.toggled.connect(lambda on: self.set_theme("dark" if on else "light"))
        view_menu.addAction(self.dark_action)
        help_menu = self.menuBar().addMenu("&Help")
        about_action = QAction("About imu_monitor", self)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)

    def show_about(self) -> QMessageBox:
        """What the program measures and how far to trust it (non-modal)."""
        box = QMessageBox(QMessageBox.Icon.Information, "About imu_monitor", about_text(),
                          QMessageBox.StandardButton.Close, self)
        box.setModal(False)
        box.show()
        return box

    # ----------------------------------------------------------------- looks
    def set_theme(self, name: str) -> None:
        colors = theme.THEMES.get(name, theme.LIGHT)
        theme.apply_theme(QApplication.instance(), colors)
        self.live_page.set_colors(colors)
        self.review_page.set_colors(colors)
        self.settings.theme = colors.name
        self.dark_action.blockSignals(True)
        self.dark_action.setChecked(colors.name == "dark")
        self.dark_action.blockSignals(False)

    def show_status(self, text: str) -> None:
        """A passing message in the status bar, shortened in its middle (a long folder's) to
        the room the link's state leaves it: cut at the edge, it had run into that state."""
        bar = self.statusBar()
        metrics = bar.fontMetrics()
        room = bar.width() - self.health.sizeHint().width() - 4 * metrics.averageCharWidth()
        bar.showMessage(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(room, 0)),
                        STATUS_MS)

    def hide_banner(self) -> None:
        """The banner leaves; its room stays, one line of it (a two-line message's room
        stayed, and cut the live summary's last rows for the rest of the session)."""
        self.banner.hide()
        self.banner.setText(" ")

    def show_banner(self, text: str, kind: str = "info") -> None:
        """A sentence for the clinician at the top of the window: news leaves by itself after
        a few seconds, errors stay until replaced (or clicked away)."""
        error = kind == "error"
        color = theme.ALERT if error else theme.LEFT
        colors = theme.THEMES.get(self.settings.theme, theme.LIGHT)
        # An opaque light tint of the colour over the panel ("#RRGGBB22" is #AARRGGBB to Qt:
        # a dark maroon behind dark text, 1.8:1).
        background = tint(colors.panel, color, 0.14).name()
        self.banner.setStyleSheet(f"background: {background}; color: {colors.text}; "
                                  f"border-left: 6px solid {color}; padding: 6px 10px;")
        self.banner.setText(("⚠ " if error else "") + in_app_words(text))
        self.banner.show()
        self._banner_timer.stop()
        if not error:
            self._banner_timer.start(BANNER_NEWS_MS)

    # ------------------------------------------------------------ connection
    def connect_sensor(self, spec: str, name: str) -> None:
        """Open ``spec`` on a worker thread (a Bluetooth connection takes seconds), then start
        a live session on it (the sensor already streaming: nothing to do)."""
        if self.engine is not None and self.engine.running and \
                spec == self.settings.last_sensor:
            self.show_status(f"Already connected to {name}.")
            self.tabs.setCurrentWidget(self.live_page)
            return
        self.disconnect_sensor()
        self._connecting = spec
        self.connect_page.show_state("connecting", name)
        self.health.setText(f"Connecting to {name}…")  # not "No sensor connected" meanwhile
        self.hide_banner()

        def opened(source: Source) -> None:
            if self._connecting != spec:  # another sensor was picked meanwhile
                close_in_background(source)
                return
            self._connecting = None
            self._start_session(source, spec, name)

        def failed(message: str) -> None:
            if self._connecting != spec:  # a later attempt is under way: it decides
                return
            self._connecting = None
            self.connect_page.show_state("failed", name)
            self.health.setText("No sensor connected")
            self.show_banner(message, "error")

        run_in_thread(lambda: self._open_source(spec), opened, failed, "connecting")

    def _start_session(self, source: Source, spec: str, name: str) -> None:
        self._sensor_name = name
        kind, _, played = spec.partition(":")
        scenario = SCENARIOS.get(played or DEFAULT_SCENARIO) if kind == "sim" else None
        if scenario is not None and self.live_page.drill != scenario.drill:
            # A simulated patient doing another drill: the one a clinician would pick for it (a
            # run analysed as walking missed steps and read its cadence 136 for 168); a leg
            # chosen for the same drill is kept.
            self.live_page.select_drill(scenario.drill)
        self.settings.last_sensor = spec
        self.settings.last_sensor_name = name
        self.connect_page.set_last(spec, name)  # the page shows what is playing, not last run's
        self.engine = LiveEngine(source, self._session_settings())
        if self.lsl_action.isChecked():
            self.engine.publish_lsl(True)
        self.live_page.reset(source.info.rate_hz)
        self.engine.start()
        self.tabs.setCurrentWidget(self.live_page)

    def disconnect_sensor(self) -> None:
        """Stop the session without waiting: its worker saves any recording, and the frame
        timer keeps polling it until it has (so its result is still shown)."""
        if self.engine is None:
            if self._connecting is not None:  # given up while connecting
                self._connecting = None
                self.connect_page.show_state("idle")
                self.health.setText("No sensor connected")
            return
        self._connecting = None
        engine, self.engine = self.engine, None
        engine.stop()
        self._stopping.append(engine)
        self._health_state = ""
        self.health.setStyleSheet("")
        self.health.setText("No sensor connected")
        self.connect_page.show_state("idle")
        self.live_page.show_disconnected()

    def _session_settings(self) -> SessionSettings:
        return SessionSettings(drill=self.live_page.drill, side=self.live_page.side,
                               threshold_deg=self.live_page.threshold.value())

    def _settings_changed(self, drill: str, threshold: float) -> None:
        self.settings.set_threshold(drill, threshold)
        if self.engine is not None:
            self.engine.set_settings(self._session_settings())

    def _recalibrate(self, axes: object) -> None:
        if self.engine is None:
            self.live_page.calibration.cancel()
            self.show_banner("Connect a sensor first (Connect tab): the calibration needs its "
                             "data.", "error")
            return
        self.engine.recalibrate(axes)

    def _keep_calibration(self) -> None:
        if self.engine is not None:
            self.engine.cancel_recalibration()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Space, M and C belong to the session everywhere but in a text field (patient
        code, notes): a number box that has the focus after a nudge of the threshold kept
        them as text — Space blanked the threshold and the recording went on."""
        if (event.type() == QEvent.Type.ShortcutOverride  # (watched: a number box, or its
                and event.key() in self._session_keys      # text part)
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            return True  # not taken by the box: the window's shortcut acts
        return super().eventFilter(watched, event)

    # -------------------------------------------------------------- recording
    # The keys act on the screen in front of the clinician: Space records on the live screen
    # and plays/pauses on the review screen; M and C belong to the live session.
    def _space(self) -> None:
        if self.tabs.currentWidget() is self.review_page:
            self.review_page.toggle_play()
        else:
            self.toggle_recording()

    def _marker_key(self) -> None:
        if self.tabs.currentWidget() is self.live_page:
            self.add_marker()

    def _calibrate_key(self) -> None:
        """C on the Connect screen calibrates too, and shows the calibration; its restarts
        (the patient moved) never pull the clinician away from another screen."""
        if self.tabs.currentWidget() is not self.review_page:
            self.tabs.setCurrentWidget(self.live_page)
            self.live_page.calibration.start()

    def _first_size(self) -> None:
        """1400 × 900 where the screen has room; on a smaller one (a 1366 × 768 laptop) the
        window fills the screen's free area instead of running off its edges."""
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or (screen.width() >= 1400 and screen.height() >= 900):
            self.resize(1400, 900)
            return
        self.resize(min(1400, screen.width()), min(900, screen.height()))
        self.move(screen.topLeft())
        self.live_page.use_compact_layout()
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def _escape_key(self) -> None:
        """Esc gives up a calibration under way; the one in use stays."""
        if self.live_page.calibration.keep_button.isVisible():
            self.live_page.calibration.keep_current()

    def toggle_recording(self) -> None:
        if self.engine is None:
            if self._connecting is not None:  # news: it answers itself in a moment
                self.show_banner("Still connecting to the sensor: record once the live view "
                                 "shows it.")
            else:
                self.show_banner("Connect a sensor first (Connect tab), then record.", "error")
            return
        if not self.engine.running:
            self.show_banner("The sensor stream has ended: connect again (Connect tab) to "
                             "record.", "error")
            return
        if self._recording:
            self.engine.stop_recording()
            self.live_page.set_recording(False, "Saving…")
            return
        try:
            patient = check_patient_code(self.live_page.patient.text().strip())
        except ImuMonitorError as exc:
            self.show_banner(str(exc), "error")
            return
        info = self.engine.source.info
        path = default_recording_path(self.settings.recordings_folder, patient)
        self.engine.start_recording(RecordingRequest(
            path, patient, self.live_page.notes.text(),
            {"name": self._sensor_name, "model": info.model, "protocol": info.kind,
             **{k: v for k, v in info.details.items() if k in ("address", "scenario")}}))
        self._recording = True
        self._markers = 0  # each recording's markers are numbered from 1
        self.hide_banner()  # an earlier refusal (a patient code, no sensor) is answered now
        self.live_page.set_recording(True, "Starting…")
        self.live_page.drill_box.setEnabled(False)  # a recording keeps the drill it began with

    def add_marker(self) -> None:
        """A marker in the recording and on the trace; none without a recording (a refused
        one was drawn, and took the number of the next real one)."""
        if self.engine is None or not self._recording:
            self.show_banner("Markers are saved with a recording: start recording first "
                             "(Space).")  # news, not an error: it leaves by itself
            return
        self._markers += 1
        label = f"marker {self._markers}"
        self.engine.add_marker(label)
        self.live_page.trace.add_marker(label)

    # ------------------------------------------------------------------ frames
    def _tick(self) -> None:
        start = time.monotonic()
        self._arrivals = []
        self.on_frame()
        now = time.monotonic()
        self._next_frame = max(self._next_frame + 1 / FRAME_HZ
                               - self._phase_correction(start, self._arrivals), now)
        if not self._closed:
            self.timer.start(round((self._next_frame - now) * 1000))

    def _phase_correction(self, frame_start: float, arrivals: list[float]) -> float:
        """How much sooner the next frame should come, so that frames follow sparse packets.

        With packets rarer than frames (200 Hz in packets of ten: one every third frame), a
        fixed 60 Hz clock can keep catching each packet just after it came, a whole frame
        late. Each packet's wait before its frame moves the frame clock half-way towards
        taking packets PACKET_WAIT_S after they arrive; a few packets lock it. Frequent
        packets (several a frame) have no phase to follow and leave the clock alone.
        """
        self._packets_per_frame += 0.05 * (len(arrivals) - self._packets_per_frame)
        if len(arrivals) != 1 or self._packets_per_frame > 0.6:
            return 0.0
        wait = frame_start - arrivals[0]
        return min(max(0.5 * (wait - PACKET_WAIT_S), -MAX_PHASE_STEP_S / 3), MAX_PHASE_STEP_S)

    def on_frame(self) -> None:
        """The frame timer: take the engine's news and show it; finish stopping engines."""
        if self.engine is not None:
            self._show(self.engine.poll())
        for engine in list(self._stopping):
            running = engine.running
            frame = engine.poll()
            if frame.finished_recording is not None:
                self._recording_finished(frame)
            if not running:
                self._stopping.remove(engine)
        if self._closing and not self._stopping:
            self.close()

    def _show(self, frame: LiveFrame) -> None:
        self._arrivals = frame.arrivals
        self.live_page.apply(frame)
        h = frame.health
        state = "no data" if (h.state == "streaming" and
                              h.seconds_since_data > NO_DATA_S) else h.state
        self._show_health(state, h)
        if frame.recording_path is not None:
            minutes, seconds = divmod(int(frame.recording_elapsed_s), 60)
            self.live_page.set_recording(True, f"● REC {minutes}:{seconds:02d} — "
                                               f"{Path(frame.recording_path).name}")
        for message in frame.messages:
            self.show_status(message)
        if frame.calibration is not None and self._banner_until_calibrated:
            self.hide_banner()  # "calibrate first" is answered now
            self._banner_until_calibrated = False
        for problem in frame.problems:
            self.show_banner(problem, "error")
            # (a refusal to record before the calibration leaves once there is one)
            self._banner_until_calibrated = (frame.calibration is None
                                             and problem.startswith("Calibrate first"))
            if self._recording and frame.recording_path is None:
                self._recording = False  # the recording could not start
                self.live_page.set_recording(False, "Not recording")
                self.live_page.drill_box.setEnabled(True)
        if frame.error:
            self.show_banner(frame.error, "error")
        if frame.finished_recording is not None:
            self._recording_finished(frame)

    def _show_health(self, state: str, h: LinkHealth) -> None:
        """Link state at once when it changes, its numbers a few times a second."""
        now = time.monotonic()
        if state == self._health_state and now - self._health_shown < HEALTH_EVERY_S:
            return
        if state != self._health_state:
            self.connect_page.show_state(state, self._sensor_name)
            self.health.setStyleSheet("" if state == "streaming" else
                                      f"color: {theme.ALERT}; font-weight: 600;")
        self._health_state, self._health_shown = state, now
        battery = "—" if h.battery_pct is None else f"{h.battery_pct:.0f}%"
        rate = f"{h.rate_hz:.0f} Hz" if h.rate_hz > 0 else "rate measuring…"  # not "0 Hz"
        self.health.setText(("⚠ " if state != "streaming" else "● ")
                            + f"{self._sensor_name}: {state} · {rate} · lost "
                            f"{h.lost_pct:.1f}% · battery {battery}")

    def _recording_finished(self, frame: LiveFrame) -> None:
        result = frame.finished_recording
        assert result is not None
        self._recording = False
        self.last_result = result
        self.live_page.set_recording(False, f"Saved {result.path.name}")
        self.live_page.drill_box.setEnabled(True)
        if result.problem:
            self.show_banner(f"Saved {result.path} ({result.samples} samples). "
                             f"{in_app_words(result.problem, saved=True)}",
                             "error")
        else:  # in the library's folder, its name will do: one line, the screen stays put
            shown = (result.path.name if result.path.parent == self.review_page.folder
                     else result.path)
            self.show_banner(f"Saved {shown} ({result.samples} samples): the summary is on "
                             "the right, the recording in Review.")
        if result.analysis is not None:  # also when it could not be stored with the file
            self.live_page.show_recording_summary(result.analysis)
        self.review_page.refresh()

    # ------------------------------------------------------------------ review
    def open_recording(self, path: Path) -> None:
        self.tabs.setCurrentWidget(self.review_page)
        self.review_page.open(path)

    def _ask_open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open recording",
                                              str(self.settings.recordings_folder),
                                              "Recordings (*.imurec)")
        if name:
            self.open_recording(Path(name))

    def _publish_lsl(self, on: bool) -> None:
        """The switch for labs: the session in progress (and the next ones) on LSL."""
        if self.engine is not None:
            self.engine.publish_lsl(on)

    def _ask_import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import from another device", str(Path.home()),
            "Sensor exports (*.csv *.txt *.h5 *.hdf5 *.zip);;All files (*)")
        if name:
            self.import_file(Path(name))

    def _ask_import_folder(self) -> None:
        """A phone app's export that arrived unpacked (a folder of one CSV per sensor)."""
        name = QFileDialog.getExistingDirectory(self, "Import a folder of sensor files",
                                                str(Path.home()))
        if name:
            self.import_file(Path(name))

    def import_file(self, source: Path, options: ImportOptions | None = None) -> None:
        """Import a vendor's file into the recordings folder (off the GUI thread) and open it;
        a file of several sensors asks which one was on the sacrum, a file that never says
        its units asks for them (checked against the data, as on the command line)."""
        options = options or ImportOptions()
        target = imported_recording_path(self.settings.recordings_folder, source)
        self.show_banner(f"Importing {source.name}…")

        def work() -> ImportResult | SensorChoiceNeeded | UnitsNeeded:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                return import_file(source, target, options)
            except (SensorChoiceNeeded, UnitsNeeded) as exc:
                return exc

        def done(result: ImportResult | SensorChoiceNeeded | UnitsNeeded) -> None:
            if isinstance(result, SensorChoiceNeeded):
                choice, ok = QInputDialog.getItem(
                    self, "Which sensor?", f"{source.name} holds several sensors. Which one was "
                    "on the sacrum?", result.choices, 0, False)
                if ok:
                    self.import_file(source, replace(options, sensor=choice))
                return
            if isinstance(result, UnitsNeeded):
                units = self._ask_units(source, result.missing)
                if units is not None:
                    self.import_file(source, replace(options, **units))
                else:
                    self.show_banner(f"{source.name} was not imported: its units are needed.")
                return
            data = result.data
            self.show_banner(
                f"Imported {source.name} ({FORMATS[data.metadata['format']]}, "
                f"{len(data.samples)} samples at {data.rate_hz:g} Hz) as {target.name}."
                + (f" {in_app_words(result.analysis_problem, saved=True)}"
                   if result.analysis_problem else ""))
            self.review_page.refresh()
            self.open_recording(target)

        run_in_thread(work, done,
                      lambda message: self.show_banner(import_words(message), "error"),
                      "importing the file")

    def _ask_units(self, source: Path, missing: list[str]) -> dict[str, str] | None:
        """The units the sensor wrote, one question a sensor; None if the user cancels."""
        questions = {"acc": ("acc_unit", "accelerometer", ["m/s2", "g", "mg"]),
                     "gyr": ("gyr_unit", "gyroscope", ["deg/s", "rad/s", "mdps"])}
        units = {}
        for key in missing:
            option, sensor, choices = questions[key]
            unit, ok = QInputDialog.getItem(
                self, "Which unit?", f"{source.name} does not say the unit of its {sensor}. "
                "Which one did the sensor write? (A wrong one is refused when the data cannot "
                "fit it.)", choices, 0, False)
            if not ok:
                return None
            units[option] = unit
        return units

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close only once every recording is saved (the frame timer closes again then)."""
        self.review_page.stop()
        self.disconnect_sensor()
        if self._stopping:
            self._closing = True
            self.show_banner("Saving the recording before closing…")
            event.ignore()
            return
        self._closed = True
        self.timer.stop()
        wait_for_workers()  # an export or analysis in progress
        self.live_page.save_layout(self.settings)
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.settings.sync()
        super().closeEvent(event)


__all__ = ["MainWindow"]
