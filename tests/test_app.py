"""The desktop app, driven like a clinician drives it: real widgets, offscreen, simulated sensor.

Every main screen is saved as a PNG under tests/.screenshots/ (looked at during development;
the README shows the best of them).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from imu_monitor.app import theme
from imu_monitor.app.calibration_panel import MOVED_DPS
from imu_monitor.app.main_window import MainWindow
from imu_monitor.app.settings import AppSettings
from imu_monitor.cli.main import main as cli_main
from imu_monitor.limits import KNOWN_LIMITS
from imu_monitor.recording import open_recording
from imu_monitor.simulation.evaluation import neutral_obliquity
from imu_monitor.sources.simulated import SimulatedSensor

from .conftest import standing_recording

SHOTS = Path(__file__).parent / ".screenshots"


def shoot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


class FastSimulator:
    """Opens the simulated sensor paced ``speed`` times faster than real time, and keeps it."""

    def __init__(self, speed: float = 25.0, seconds: float | None = None,
                 mounting: str = "random") -> None:
        self.speed, self.seconds, self.mounting, self.sensor = speed, seconds, mounting, None

    def __call__(self, spec: str) -> SimulatedSensor:
        scenario = spec.partition(":")[2] or "trendelenburg-right"
        self.sensor = SimulatedSensor(scenario, self.seconds, realtime=True, speed=self.speed,
                                      seed=3, mounting=self.mounting)
        return self.sensor


@pytest.fixture
def app_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("IMU_MONITOR_SETTINGS", str(tmp_path / "settings.ini"))
    settings = AppSettings()
    settings.recordings_folder = tmp_path / "recordings"
    return settings


@pytest.fixture
def window(qtbot, app_settings):
    def make(source=None) -> MainWindow:
        # Settings read afresh from the file each time, as a new run of the app would.
        w = MainWindow(AppSettings(), open_source=source or FastSimulator(),
                       scan=lambda: [])
        qtbot.addWidget(w)
        w.resize(1400, 900)
        w.show()
        w.activateWindow()  # shortcuts (Space, M, C) act in the active window
        qtbot.waitUntil(w.isActiveWindow, timeout=15_000)
        return w
    return make


def recorded_s(w: MainWindow) -> float:
    """Seconds recorded so far, as the live screen says it ("● REC 0:35 — file.imurec")."""
    found = re.match(r"● REC (\d+):(\d\d) — .+\.imurec", w.live_page.record_status.text())
    return 60.0 * float(found.group(1)) + float(found.group(2)) if found else 0.0


def connect(qtbot, w: MainWindow, spec: str) -> None:
    """Connect as the Connect screen does, and wait for the session (opened off the GUI)."""
    w.connect_sensor(spec, "Demo")
    qtbot.waitUntil(lambda: w.engine is not None, timeout=30_000)


def _truth_means(sensor: SimulatedSensor, analysis, start_s: float, end_s: float
                 ) -> dict[str, float]:
    """The simulator's mean drop per stance side over the recorded walking, from the neutral
    the calibration stood in (the calibration's times are session times)."""
    neutral = neutral_obliquity(sensor.truth, analysis)
    steps = [s for s in sensor.truth.steps
             if start_s + 0.3 <= s["time_s"] <= end_s - 0.3 and s["amplitude"] >= 0.99]
    return {side: float(np.mean([s["peak_drop_deg"] for s in steps if s["side"] == side]))
            + (neutral if side == "right" else -neutral) for side in ("left", "right")}


def test_connect_calibrate_record_review(qtbot, window, capsys):
    """The whole clinic flow: the summary is the simulator's drop, review matches analyze."""
    source = FastSimulator(speed=25.0, seconds=300.0)
    w = window(source)
    w.tabs.setCurrentWidget(w.connect_page)
    shoot(w, "connect")
    demo = w.connect_page.entries()[-1]
    assert demo.spec.startswith("sim:") and "Demo sensor" in demo.name
    w.connect_page.connect_button.click()
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.live_page, timeout=30_000)
    w.live_page.patient.setText("P-017")
    qtbot.waitUntil(lambda: w.live_page.calibration.state == "done", timeout=60_000)
    assert "Calibrated" in w.live_page.calibration.step.text()
    qtbot.waitUntil(lambda: "Steps" in w.live_page.summary.text(), timeout=60_000)
    qtbot.keyClick(w, Qt.Key.Key_M)  # no recording yet: refused, neither drawn nor numbered
    assert "start recording first" in w.banner.text() and w.live_page.trace.markers() == []
    qtbot.keyClick(w, Qt.Key.Key_Space)  # record: the live totals restart with it
    qtbot.waitUntil(lambda: recorded_s(w) >= 2, timeout=60_000)
    assert w.live_page.summary_box.title() == "This recording (live)"
    qtbot.waitUntil(lambda: recorded_s(w) >= 40, timeout=60_000)  # about 70 steps
    qtbot.keyClick(w, Qt.Key.Key_M)
    assert [label for _, label in w.live_page.trace.markers()] == ["marker 1"]  # on the trace
    qtbot.wait(300)
    shoot(w, "live-walk")
    t, y = w.live_page.trace.data()
    assert t[-1] - t[0] > 9.0 and np.nanmax(np.abs(y)) > 5.0  # 10 s of a real trace
    assert w.live_page.trace.stance_spans() >= 12  # about two steps a second, shown
    assert w.live_page.bars.heights("right") and w.live_page.bars.heights("left")
    qtbot.keyClick(w, Qt.Key.Key_Space)  # stop
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=30_000)
    result = w.last_result
    assert result.problem is None, result.problem
    shoot(w, "live-saved")

    rec = open_recording(result.path)
    start = rec.first_seq / rec.rate_hz
    truth = _truth_means(source.sensor, result.analysis, start, start + rec.duration_s)
    summary = result.analysis.summary
    for side in ("left", "right"):
        assert summary.side(side).mean_peak_drop_deg == pytest.approx(truth[side], abs=0.3)
    qtbot.wait(1000)  # live steps keep coming: the saved summary stays
    assert "Recording just saved" in w.live_page.summary_box.title()
    assert f"{summary.right.mean_peak_drop_deg:.1f}" in w.live_page.summary.text()
    assert rec.metadata["patient_id"] == "P-017" and len(rec.markers) == 1
    # The calibration stood before the recording started: said so, not "0.0–4.5 s" (which,
    # in the recording's own time, was walking).
    from imu_monitor.cli.report import format_analysis

    assert rec.calibration.still_end_s <= 0
    assert "before the recording started" in format_analysis(result.analysis, "x")

    # The new file is in the library; opening it gives exactly `imu-monitor analyze`.
    w.tabs.setCurrentWidget(w.review_page)
    qtbot.waitUntil(lambda: result.path.name in w.review_page.library_files(), timeout=30_000)
    w.review_page.search.setText("P-017")
    assert w.review_page.library_files() == [result.path.name]
    w.review_page.library.selectRow(0)
    w.review_page.open_button.click()
    qtbot.waitUntil(lambda: w.review_page.steps.model().rowCount() > 0, timeout=20_000)
    capsys.readouterr()
    assert cli_main(["analyze", str(result.path), "--json"]) == 0
    analyzed = json.loads(capsys.readouterr().out)["steps"]
    shown = w.review_page.step_rows()
    assert len(shown) == len(analyzed)
    for (t_s, side, drop), ref in zip(shown, analyzed, strict=True):
        assert (t_s, side) == (round(ref["time_s"], 2), ref["side"])
        if ref["peak_drop_deg"] is None:  # a step without a peak shows a dash
            assert np.isnan(drop)
        else:
            assert drop == pytest.approx(ref["peak_drop_deg"], abs=0.051)  # shown to 0.1°
    w.review_page.jump_to_step(5)
    assert w.review_page.position_s == pytest.approx(analyzed[5]["peak_time_s"], abs=0.011)
    steps = w.review_page.steps  # the arrow keys move the cursor with the selection
    steps.setFocus()
    steps.setCurrentIndex(steps.model().index(5, 0))
    qtbot.keyClick(steps, Qt.Key.Key_Down)
    following = analyzed[6]["peak_time_s"] or analyzed[6]["time_s"]
    assert w.review_page.position_s == pytest.approx(following, abs=0.011)
    assert w.review_page.markers.count() == 1
    assert "before the recording started" in w.review_page.calibration.text()
    shoot(w, "review")
    w.set_theme("dark")  # the markers drawn already follow the theme (they stayed dark)
    label = w.review_page._marker_lines[0].label
    assert label.color.name() == theme.DARK.text.lower()
    w.set_theme("light")
    w.close()
    assert not w.engine


def test_closing_while_recording_saves_the_recording_first(qtbot, window, app_settings):
    w = window(FastSimulator(speed=10.0, seconds=120.0))
    connect(qtbot, w, "sim:trendelenburg-right")
    qtbot.waitUntil(lambda: w.live_page.calibration.state == "done", timeout=60_000)
    w.toggle_recording()
    qtbot.waitUntil(lambda: recorded_s(w) >= 5, timeout=60_000)
    w.close()  # deferred until the recording is saved, then closes by itself
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=15_000)
    assert w.last_result is not None and w.last_result.problem is None
    rec = open_recording(w.last_result.path)
    assert rec.metadata["headline"]["steps"] >= 3 and rec.metadata["threshold_deg"] == 6.0


def test_review_replays_scrubs_and_exports(qtbot, window, tmp_path):
    w = window()
    demo = Path(__file__).parents[1] / "recordings" / "demo-trendelenburg-right.imurec"
    w.open_recording(demo)
    page = w.review_page
    qtbot.waitUntil(lambda: page.steps.model().rowCount() > 0, timeout=20_000)
    page.speed.setCurrentIndex(3)  # 4×
    start = page.position_s
    page.toggle_play()
    qtbot.wait(500)
    page.toggle_play()
    assert page.position_s - start == pytest.approx(2.0, abs=1.0)  # 0.5 s at 4×
    page.slider.setValue(page.slider.maximum() // 2)
    assert page.position_s == pytest.approx(page.slider.maximum() / 2 / 100.0, abs=0.02)
    assert "obliquity" in page.now_label.text()
    for fmt, name in (("json", "out.json"), ("steps-csv", "steps.csv"), ("sto", "o.sto"),
                      ("report-pdf", "report.pdf")):
        page.export(fmt, tmp_path / name)
        qtbot.waitUntil(lambda n=name: f"to {tmp_path / n}" in page.message.text(),
                        timeout=20_000)
    exported = json.loads((tmp_path / "out.json").read_text())
    assert len(exported["steps"]) == page.steps.model().rowCount()
    assert (tmp_path / "o.sto").read_text().count("\n") > 1000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")  # made off the GUI thread
    page.export("json", demo)  # never over a recording
    qtbot.waitUntil(lambda: "nothing is ever written over one" in page.message.text(),
                    timeout=30_000)


def test_a_recording_that_cannot_be_analysed_still_exports_its_samples(qtbot, window,
                                                                        tmp_path):
    """Standing only: review says why there is no analysis, shows nothing of the recording
    opened before, and offers the one export that needs none: the samples."""
    standing = tmp_path / "standing.imurec"
    n = standing_recording(standing)
    w = window()
    page = w.review_page
    w.open_recording(Path(__file__).parents[1] / "recordings" / "demo-symmetric-walk.imurec")
    qtbot.waitUntil(lambda: page.steps.model().rowCount() > 0, timeout=20_000)
    w.open_recording(standing)
    qtbot.waitUntil(lambda: "Could not open" in page.title.text(), timeout=20_000)
    assert "walking" in page.message.text() and page.steps.model().rowCount() == 0
    assert page.now_label.text() == "" and page.slider.maximum() == 0  # nothing left shown
    assert [f for f, b in page.export_buttons.items() if b.isEnabled()] == ["samples-csv"]
    page.export("samples-csv", tmp_path / "s.csv")
    qtbot.waitUntil(lambda: f"to {tmp_path / 's.csv'}" in page.message.text(), timeout=20_000)
    assert f"{n} samples" in page.message.text()
    assert [f for f, b in page.export_buttons.items() if b.isEnabled()] == ["samples-csv"]


def test_guided_calibration_redo_when_the_patient_moves(qtbot, window):
    w = window(FastSimulator(speed=4.0, seconds=30.0))
    connect(qtbot, w, "sim:trendelenburg-right")
    panel = w.live_page.calibration
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)  # automatic, first walk
    # Press C while the patient walks (the scenario's main walk starts at 13 s): the
    # stillness check must refuse and restart.
    qtbot.waitUntil(lambda: w.live_page.trace.data()[0][-1] > 16.0, timeout=20_000)
    qtbot.keyClick(w, Qt.Key.Key_C)
    assert panel.state == "standing"
    qtbot.waitUntil(lambda: "moved" in panel.step.text(), timeout=30_000)
    qtbot.wait(300)  # still walking: the notice stays until the patient stands still
    assert "moved" in panel.step.text() and panel.state == "standing"
    shoot(w, "calibration-moved")
    assert MOVED_DPS > 1.0


def test_a_calibration_asked_for_mid_walk_completes_at_the_demos_next_rest(qtbot, window):
    """The half-hour demo walked without a stop after its first standing: C pressed later
    waited "stand still again" for good. Its walker now rests every two minutes."""
    w = window(FastSimulator(speed=25.0, seconds=400.0))
    connect(qtbot, w, "sim:trendelenburg-right")
    panel = w.live_page.calibration
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    qtbot.waitUntil(lambda: w.live_page.trace.data()[0][-1] > 30.0, timeout=30_000)
    qtbot.keyClick(w, Qt.Key.Key_C)
    assert panel.state == "standing"
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    assert w.live_page.trace.data()[0][-1] < 200.0  # at the first rest, not the end


def _with_preset(qtbot, window, worn: str, speed: float = 4.0, seconds: float = 20.0):
    """The demo sensor worn ``worn``, calibrated with the first preset (x up, y left, z
    back) asked for: the window and its calibration panel."""
    w = window(FastSimulator(speed=speed, seconds=seconds, mounting=worn))
    panel = w.live_page.calibration
    panel.preset.setCurrentIndex(1)
    connect(qtbot, w, "sim:trendelenburg-right")
    panel.start()
    return w, panel


def test_calibration_with_a_mounting_preset_skips_the_walk(qtbot, window):
    w, panel = _with_preset(qtbot, window, "x=up,y=left,z=back")
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    assert "forward from the declared mounting" in panel.result.text()
    assert "axes" not in panel.result.text()  # the engineer's details are in its tooltip
    assert "forward declared by the mounting preset" in panel.result.toolTip()
    assert "axes: +x up" in panel.result.toolTip()
    shoot(w, "calibration-done")


def test_a_preset_the_sensor_contradicts_is_refused_and_the_stream_goes_on(qtbot, window):
    w, panel = _with_preset(qtbot, window, "x=down,y=right,z=back")  # says x up: upside down
    qtbot.waitUntil(lambda: "declared mounting" in w.banner.text(), timeout=15_000)
    assert w.engine.running and w.engine.health.state != "failed"
    # The panel calibrates without the preset too: it asked for it again at every restart,
    # and every restart pulled the clinician back to the live screen.
    qtbot.waitUntil(lambda: panel.axes is None, timeout=5_000)
    w.tabs.setCurrentWidget(w.connect_page)
    qtbot.wait(1500)
    assert w.tabs.currentWidget() is w.connect_page


def test_a_preset_worn_back_to_front_is_refused_once_the_patient_walks(qtbot, window):
    """The preset says the sensor faces back; it faces forward. Standing agrees with the
    preset (up is up), so it is taken; the walking then shows the patient facing the other
    way: refused in words (it would swap left and right) while the recording goes on, and
    replaced at once by the same standing with forward from that walking (no wait for the
    patient to stand again): the weak right side stays the right."""
    w, panel = _with_preset(qtbot, window, "x=up,y=right,z=forward", seconds=90.0)
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    w.toggle_recording()
    qtbot.waitUntil(lambda: "left and right would be swapped" in w.banner.text(),
                    timeout=60_000)
    assert w.engine.running and recorded_s(w) > 0
    qtbot.waitUntil(lambda: panel.axes is None, timeout=5_000)
    qtbot.waitUntil(lambda: "walking" in panel.result.text(), timeout=5_000)
    assert panel.state == "done" and "standing" in panel.result.text()
    qtbot.waitUntil(lambda: recorded_s(w) >= 40, timeout=60_000)
    w.toggle_recording()
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=30_000)
    result = w.last_result
    assert result.problem is None, result.problem
    assert "Mounting preset replaced by the walking" in [m["label"] for m in
                                                         open_recording(result.path).markers]
    assert result.analysis.calibration.forward_source == "walk"
    summary = result.analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 2.0


def test_single_leg_stance_shows_hold_timer_and_time_in_band(qtbot, window):
    """The simulated patient holds 30 s on the left leg with a 3° drop."""
    w = window(FastSimulator(speed=10.0))
    w.live_page.drill_box.setCurrentText("Single-leg stance — left leg")
    connect(qtbot, w, "sim:single-leg-stance")
    status = w.live_page.drill_status

    def hold_s() -> float:
        found = re.match(r"Hold ([\d.]+) s", status.text())
        return float(found.group(1)) if found else 0.0

    qtbot.waitUntil(lambda: hold_s() > 20.0, timeout=30_000)
    assert "within ±4°" in status.text()
    mean_drop = float(re.search(r"mean drop ([-\d.]+)°", status.text()).group(1))
    # The live view runs the real-time filter: within 0.8° on a 30 s hold (the saved
    # recording's review, with the offline filter, within 0.1°: docs/orientation.md).
    assert mean_drop == pytest.approx(3.0, abs=0.8)
    assert "standing on the left leg" in w.live_page.big.caption.text()
    assert float(w.live_page.big.value.text().rstrip("°")) == pytest.approx(3.0, abs=1.5)
    assert not w.live_page.bars.isVisible()
    assert w.live_page.threshold_label.text() == "Tolerance"  # as the drill's summary says
    shoot(w, "live-single-leg-stance")
    # Reviewed, a drill has sets, not steps: the empty walking table is not offered.
    w.open_recording(Path("recordings/demo-single-leg-stance.imurec").resolve())
    page = w.review_page
    qtbot.waitUntil(lambda: page.session is not None, timeout=60_000)
    assert not page.details.isTabEnabled(page.details.indexOf(page.steps))
    assert "Block 1" in page.summary.text() and "Single-leg stance" in page.title.text()


def test_a_simulated_patient_brings_the_drill_it_does(qtbot, window):
    """Switching the demo from a walk to a run had kept the walking drill: steps missed, the
    cadence read 136 for 168. A leg chosen for the scenario's own drill is kept."""
    w = window(FastSimulator(speed=10.0))
    connect(qtbot, w, "sim:run")
    assert w.live_page.drill == "run"
    w.live_page.drill_box.setCurrentText("Single-leg stance — right leg")
    connect(qtbot, w, "sim:single-leg-stance")
    assert (w.live_page.drill, w.live_page.side) == ("single-leg-stance", "right")


def test_a_new_session_does_not_show_the_last_ones_calibration(qtbot, window):
    """Reconnected, the panel said "Calibrate first" with the last session's "Neutral from
    standing still 126.9–133.4 s…" still under it."""
    w = window(FastSimulator(speed=10.0))
    connect(qtbot, w, "sim:trendelenburg-right")
    panel = w.live_page.calibration
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    assert "Neutral from standing still" in panel.result.text()
    w.disconnect_sensor()
    connect(qtbot, w, "sim:symmetric-walk")
    qtbot.waitUntil(lambda: panel.state != "done" and panel.result.text() == "",
                    timeout=15_000)


def test_a_long_status_message_is_shortened_beside_the_link_state(qtbot, window):
    """"Saved … to a long folder" had been cut at the edge and ran into the link's state."""
    w = window()
    w.show_status("Saved the steps CSV to /" + "a-long-folder-name/" * 30 + "steps.csv.")
    shown = w.statusBar().currentMessage()
    assert "…" in shown and shown.startswith("Saved the steps") and shown.endswith("steps.csv.")
    bar = w.statusBar()
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.width() - w.health.sizeHint().width()


def test_either_leg_chosen_in_the_middle_of_a_hold_puts_it_on_no_leg(qtbot, window):
    """The drill changed to "either leg" while the patient held on the right leg: the live
    view had said "standing on the left leg … a hip hike, not a drop". It says why that set
    is not measured, and measures the next one whole."""
    simulator = FastSimulator(speed=10.0)
    w = window(simulator)
    w.live_page.drill_box.setCurrentText("Single-leg stance — left leg")
    connect(qtbot, w, "sim:single-leg-stance")
    right = next(d for d in simulator.sensor.truth.drills if d["side"] == "right")
    pipeline = w.engine.session.pipeline
    qtbot.waitUntil(lambda: pipeline.samples / pipeline.rate_hz > right["start_s"] + 8.0,
                    timeout=60_000)
    w.live_page.drill_box.setCurrentText("Single-leg stance — either leg")
    status = w.live_page.drill_status
    qtbot.waitUntil(lambda: "its leg cannot be seen" in status.text(), timeout=30_000)
    assert "which leg cannot be seen" in w.live_page.summary.text()
    assert "left leg" not in w.live_page.summary.text()
    shoot(w, "live-either-leg-mid-hold")


def test_clinician_errors_are_sentences(qtbot, window):
    w = window()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert "Connect a sensor first" in w.banner.text()
    connect(qtbot, w, "sim:trendelenburg-right")
    w.live_page.patient.setText("Mrs Jones")
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert "holds a space, which a pseudonymous patient code cannot have" in w.banner.text()
    w.live_page.patient.setText("P-1")
    w.engine.recalibrate()
    w.toggle_recording()
    qtbot.waitUntil(lambda: "Calibrate first" in w.banner.text(), timeout=15_000)
    w.connect_sensor("sim:no-such-walk", "Demo")
    qtbot.waitUntil(lambda: "no-such-walk" in w.banner.text(), timeout=30_000)
    assert w.engine is None


def test_settings_are_remembered(qtbot, window, app_settings):
    w = window()
    w.live_page.drill_box.setCurrentText("Run")
    w.live_page.threshold.setValue(9.5)
    connect(qtbot, w, "sim:symmetric-walk")
    w.set_theme("dark")
    w.close()
    again = window()
    again.live_page.drill_box.setCurrentText("Run")
    assert again.live_page.threshold.value() == 9.5
    assert again.connect_page.scenario.currentData() == "symmetric-walk"
    assert again.settings.theme == "dark" and again.dark_action.isChecked()
    shoot(again, "dark-connect")
    again.live_page.drill_box.setCurrentText("Walk")
    connect(qtbot, again, "sim:trendelenburg-right")
    qtbot.waitUntil(lambda: again.live_page.step_count >= 12, timeout=30_000)
    shoot(again, "dark-live")


def test_live_plot_survives_thousands_of_repaints(qtbot, window):
    """PySide6 6.12.0 on Python 3.11 lost a reference to None on every QPainter call and
    crashed live plots within a minute; this repaints a live trace thousands of times."""
    w = window()
    trace = w.live_page.trace
    t = np.arange(1000) / 100.0
    trace.append(t, np.sin(t).astype(np.float32), np.ones(1000, bool))
    before = sys.getrefcount(None)
    for k in range(3000):
        trace.append(np.array([10.0 + k / 100]), np.array([0.5], np.float32),
                     np.array([True]))
        trace.redraw()
        trace.repaint()
    # The broken build lost a reference per QPainter call (thousands here); other
    # threads left by earlier tests (a saved recording's analysis) release a few hundred.
    assert sys.getrefcount(None) >= before - 1000


def test_review_shows_a_patients_progress_over_sessions(qtbot, window, app_settings, capsys):
    """Two sessions of one patient: weak right side first, then symmetric after training."""
    folder = app_settings.recordings_folder
    folder.mkdir()
    for k, scenario in enumerate(("trendelenburg-right", "symmetric-walk")):
        assert cli_main(["record", "--source", f"sim:{scenario}", "--fast", "--seconds", "20",
                         "--patient", "P-020", "-o", str(folder / f"s{k}.imurec")]) == 0
    # A recording stopped after a few steps is no session (its means rest on three steps).
    assert cli_main(["record", "--source", "sim:trendelenburg-right", "--fast", "--seconds",
                     "9", "--patient", "P-020", "-o", str(folder / "short.imurec")]) == 0
    w = window()
    page = w.review_page
    page.search.setText("P-020")
    qtbot.waitUntil(lambda: len(page.library_files()) == 3, timeout=30_000)
    assert "1 shorter recording of fewer than 10 steps left out" in \
        page.progress_plot.plotItem.titleLabel.text
    right = page.progress_plot.points("right")
    stored = [open_recording(folder / f"s{k}.imurec").metadata["headline"]
              ["right_mean_peak_drop_deg"] for k in range(2)]
    assert right == pytest.approx(stored)  # what each saved session's analysis found
    assert right[0] > right[1] + 3  # the weak right side, then symmetric after training
    assert "P-020: 2 walking sessions" in page.progress_plot.plotItem.titleLabel.text
    w.tabs.setCurrentWidget(page)
    shoot(w, "review-progress")
    page.search.setText("no such patient")
    assert page.progress_plot.points("right") == []
    assert page.library_status.text().startswith("0 of 3 recordings in ")  # not "3 recordings"


def test_the_progress_chart_shows_the_searched_patient_whatever_else_the_search_matches(
        qtbot, window, app_settings, capsys):
    """A patient with 2 walking and 2 single-leg recordings, searched by code: the chart
    stayed on "Search a patient code…" because the search (free text over every column)
    also listed another patient whose code holds this one (P-7 in P-70); any other row it
    matches — a date or a file name holding the code, a recording without a code — did the
    same."""
    folder = app_settings.recordings_folder
    folder.mkdir()
    for name, scenario, patient in (("w1", "trendelenburg-right", "P-7"),
                                    ("s1", "single-leg-stance", "P-7"),
                                    ("w2", "symmetric-walk", "P-7"),
                                    ("s2", "single-leg-stance", "P-7"),
                                    ("other", "symmetric-walk", "P-70")):
        assert cli_main(["record", "--source", f"sim:{scenario}", "--fast", "--seconds", "30",
                         "--patient", patient, "-o", str(folder / f"{name}.imurec")]) == 0
    w = window()
    page = w.review_page
    page.search.setText("P-7")
    qtbot.waitUntil(lambda: len(page.library_files()) == 5, timeout=30_000)  # P-70's too
    stored = [open_recording(folder / f"{name}.imurec").metadata["headline"]
              ["right_mean_peak_drop_deg"] for name in ("w1", "w2")]
    assert sorted(page.progress_plot.points("right")) == pytest.approx(sorted(stored))
    assert "P-7: 2 walking sessions" in page.progress_plot.plotItem.titleLabel.text
    page.search.setText("p-70")  # one walking session: says so, not "search a code"
    assert page.progress_plot.points("right") == []
    assert "P-70: 1 walking session" in page.progress_plot.plotItem.titleLabel.text
    page.search.setText("walk")  # two patients, neither searched by code: no chart
    assert page.progress_plot.points("right") == []


def test_frames_follow_sparse_packets_and_leave_frequent_ones_alone(window):
    """Packets one every third frame, each caught 15 ms late by a fixed 60 Hz clock: the frame
    clock moves towards them (at most 6 ms a packet); several packets a frame move nothing."""
    w = window()
    w._packets_per_frame = 0.0
    shift = w._phase_correction(100.0, [100.0 - 0.015])
    assert shift == pytest.approx(0.006)  # half of 12 ms, capped
    assert w._phase_correction(100.0, [100.0 - 0.004]) == pytest.approx(0.0005)
    assert w._phase_correction(100.0, [100.0 - 0.0005]) < 0  # too close: a little later
    for _ in range(100):  # 1 kHz in packets of ten: several packets every frame
        w._phase_correction(100.0, [99.99, 99.995])
    assert w._phase_correction(100.0, [100.0 - 0.015]) == 0.0


def test_trace_ticks_stay_readable_with_a_high_threshold(window):
    trace = window().live_page.trace
    trace.set_threshold(6.0)
    assert np.diff(trace._y_ticks()).tolist() == [5.0] * 4  # −10 … 10
    trace.set_threshold(30.0)  # the widest range the threshold allows: every 10°
    ticks = trace._y_ticks()
    assert set(np.diff(ticks)) == {10.0} and len(ticks) <= 9


def test_about_says_what_is_measured_and_its_known_limits(qtbot, window):
    w = window()
    box = w.show_about()
    assert "Known limits" in box.text() and "offline VQF" in box.text()
    assert KNOWN_LIMITS in box.text()
    shoot(box, "about")
    box.close()


def test_file_import_asks_which_sensor_and_opens_the_recording(qtbot, window, app_settings,
                                                               tmp_path, monkeypatch):
    """File → Import: an APDM file of two sensors, neither labelled lumbar: the app asks which
    one was on the sacrum, imports it into the recordings folder and opens it in Review."""
    pytest.importorskip("h5py")
    from imu_monitor.app import main_window as main_window_module

    from .conftest import simulated
    from .vendor_files import write_apdm

    source = write_apdm(tmp_path / "clinic session.h5",
                        simulated("trendelenburg-right", rate_hz=128.0).samples, 128.0,
                        labels=("Sternum", "Belt"), carrier="Belt")
    asked = []

    def choose(parent, title, label, items, *args):
        asked.append(list(items))
        return "Belt", True

    monkeypatch.setattr(main_window_module.QInputDialog, "getItem", choose)
    w = window()
    w.import_file(source)
    qtbot.waitUntil(lambda: w.review_page.session is not None, timeout=60_000)
    assert asked == [["Sternum", "Belt"]]
    opened = w.review_page.session
    assert opened.path == app_settings.recordings_folder / "clinic-session.imurec"
    assert opened.metadata["import"]["vendor"]["label"] == "Belt"
    assert "Imported clinic session.h5" in w.banner.text()
    summary = opened.analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3
    shoot(w, "review-imported")


def test_file_import_asks_the_units_a_file_does_not_say(qtbot, window, app_settings, tmp_path,
                                                        monkeypatch):
    """File → Import of an Android logger's CSV (one sensor a row, no units written): the
    app had only shown the command line's --acc-unit and --gyr-unit, which a clinician in the
    app cannot give. It now asks, and a unit the data cannot fit is refused in words."""
    from imu_monitor.app import main_window as main_window_module
    from imu_monitor.testing.sensor_rows import write_sensor_rows

    from .conftest import simulated

    walk = simulated("trendelenburg-right", rate_hz=200.0).samples
    source = write_sensor_rows(tmp_path / "phone log.csv", walk)
    asked, answers = [], ["m/s2", "deg/s"]  # the gyroscope's unit wrong first

    def choose(parent, title, label, items, *args):
        asked.append(list(items))
        return answers.pop(0), True

    monkeypatch.setattr(main_window_module.QInputDialog, "getItem", choose)
    w = window()
    w.import_file(source)
    qtbot.waitUntil(lambda: "Import it again and choose rad/s for the gyroscope"
                    in w.banner.text(), timeout=60_000)
    assert "--gyr-unit" not in w.banner.text()
    assert asked == [["m/s2", "g", "mg"], ["deg/s", "rad/s", "mdps"]]
    assert w.review_page.session is None
    shoot(w, "import-unit-refused")
    answers[:] = ["m/s2", "rad/s"]
    w.import_file(source)
    qtbot.waitUntil(lambda: w.review_page.session is not None, timeout=60_000)
    opened = w.review_page.session
    assert opened.path == app_settings.recordings_folder / "phone-log.imurec"
    summary = opened.analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3
    shoot(w, "review-imported-units")


def test_file_import_of_a_phone_apps_zip(qtbot, window, app_settings, tmp_path, monkeypatch):
    """File → Import of the zip a phone app shares (one CSV per sensor, an iPhone's): it
    imports without a question (the app's units and the phone's axes are in the export) and
    opens in review; so does the folder it unpacks to, from File → Import a folder."""
    from imu_monitor.app import main_window as main_window_module
    from imu_monitor.testing.sensor_rows import write_sensor_logger_export

    from .conftest import simulated

    walk = simulated("trendelenburg-right", rate_hz=200.0).samples
    source = write_sensor_logger_export(tmp_path / "Walk 2025-11-24.zip", walk, platform="ios")
    offered = []

    def pick(parent, title, folder, filters):
        offered.append(filters)
        return str(source), filters

    monkeypatch.setattr(main_window_module.QFileDialog, "getOpenFileName", pick)
    w = window()
    w._ask_import()
    assert "*.zip" in offered[0]
    qtbot.waitUntil(lambda: w.review_page.session is not None, timeout=60_000)
    opened = w.review_page.session
    assert opened.path == app_settings.recordings_folder / "Walk-2025-11-24.imurec"
    summary = opened.analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3
    assert "one CSV per sensor" in w.banner.text()
    shoot(w, "review-imported-phone-zip")
    unpacked = write_sensor_logger_export(tmp_path / "Walk unpacked", walk, platform="ios")
    monkeypatch.setattr(main_window_module.QFileDialog, "getExistingDirectory",
                        lambda *args: str(unpacked))
    folder_action = next(a for a in w.menuBar().actions()[0].menu().actions()
                         if a.text() == "Import a folder of sensor files…")
    folder_action.trigger()
    qtbot.waitUntil(lambda: w.review_page.session is not None and w.review_page.session.path
                    == app_settings.recordings_folder / "Walk-unpacked.imurec", timeout=60_000)


def test_ctrl_c_in_the_terminal_closes_the_app_and_saves_the_recording(qtbot, window):
    import signal

    from imu_monitor.app.launch import close_on_interrupt

    w = window(FastSimulator(speed=25.0, seconds=300.0))
    connect(qtbot, w, "sim:trendelenburg-right")
    w.live_page.patient.setText("P-018")
    qtbot.waitUntil(lambda: w.live_page.calibration.state == "done", timeout=60_000)
    qtbot.keyClick(w, Qt.Key.Key_Space)  # record
    qtbot.waitUntil(lambda: recorded_s(w) >= 5, timeout=60_000)
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        close_on_interrupt(w)
        signal.raise_signal(signal.SIGINT)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=60_000)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert w.last_result is not None and w.last_result.problem is None
    rec = open_recording(w.last_result.path)
    assert rec.duration_s >= 4 and rec.metadata["patient_id"] == "P-018"


def test_the_lab_streaming_layer_switch_publishes_the_session(qtbot, window):
    pylsl = pytest.importorskip("pylsl")
    w = window(FastSimulator(speed=10.0, seconds=120.0))
    w.lsl_action.setChecked(True)
    connect(qtbot, w, "sim:trendelenburg-right")
    found = pylsl.resolve_byprop("name", "imu_monitor steps", timeout=10)
    assert found
    inlet = pylsl.StreamInlet(found[0])
    inlet.open_stream(timeout=10)
    markers: list = []
    qtbot.waitUntil(lambda: markers.extend(inlet.pull_chunk(timeout=0.0)[0]) or
                    len(markers) >= 5, timeout=60_000)
    assert {json.loads(m[0])["side"] for m in markers} == {"left", "right"}
    w.lsl_action.setChecked(False)


def test_the_library_shows_file_names_that_fit_and_marks_the_open_recording(qtbot, window,
                                                                            app_settings):
    import shutil

    folder = app_settings.recordings_folder
    folder.mkdir(parents=True, exist_ok=True)
    for demo in Path("recordings").glob("demo-*.imurec"):
        shutil.copy(demo, folder / demo.name)
    w = window()
    page = w.review_page
    w.tabs.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: len(page.library_files()) == 3, timeout=30_000)
    header = page.library.horizontalHeader()
    assert header.length() <= page.library.viewport().width() + 2  # no sideways scrolling
    files = [page.library.item(r, 4).text() for r in range(3)]
    assert sorted(files) == sorted(p.name for p in Path("recordings").glob("demo-*.imurec"))
    assert "min" in page.library.item(0, 0).toolTip()
    w.open_recording(folder / "demo-symmetric-walk.imurec")
    qtbot.waitUntil(lambda: page.session is not None, timeout=60_000)
    selected = {page.library.item(i.row(), 4).text() for i in page.library.selectedIndexes()}
    assert selected == {"demo-symmetric-walk.imurec"}
    row = next(r for r in range(3)
               if page.library.item(r, 4).text() == "demo-symmetric-walk.imurec")
    assert page.library.item(row, 0).font().bold()
    # File → Open of a recording outside the folder: no row may stay selected as if open
    # (the previous patient's row did, and the exports acted on the other file).
    w.open_recording(Path("recordings/demo-trendelenburg-right.imurec"))
    qtbot.waitUntil(lambda: page.session is not None and page.session.path.name
                    == "demo-trendelenburg-right.imurec", timeout=60_000)
    assert not page.library.selectedIndexes()
    assert not any(page.library.item(r, 0).font().bold() for r in range(3))


def _contrast(a: str, b: str) -> float:
    def luminance(color: str) -> float:
        rgb = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme_name", ["light", "dark"])
@pytest.mark.parametrize("kind", ["error", "info"])
def test_banners_are_readable(qtbot, window, theme_name, kind):
    """The banner's tint was written "#RRGGBB22", which Qt reads as #AARRGGBB: error banners
    were dark text on dark maroon (1.8:1), news banners had no tint at all."""
    w = window()
    w.set_theme(theme_name)
    w.show_banner("Connect a sensor first.", kind)
    style = w.banner.styleSheet()
    background = re.search(r"background: (#[0-9a-fA-F]{6});", style).group(1)
    text = re.search(r"[^-]color: (#[0-9a-fA-F]{6});", style).group(1)
    assert _contrast(background, text) >= 4.5
    panel = "#FFFFFF" if theme_name == "light" else "#24272C"
    assert background.lower() != panel.lower()  # tinted


def test_side_colours_of_words_are_readable_in_both_themes():
    """WCAG AA (4.5:1) for text in the side colours, on panels and windows, light and dark."""
    from imu_monitor.app import theme

    for colors in theme.THEMES.values():
        for side in ("left", "right"):
            for background in (colors.panel, colors.window):
                assert _contrast(colors.side_text(side), background) >= 4.5, (colors.name, side)


def test_a_new_users_whole_session_as_they_see_it(qtbot, window, app_settings):
    """Connect → calibrate → recalibrate mid-walk and give it up → record with markers →
    stop → review → report, asserting at each step what is on the screen."""
    w = window(FastSimulator(speed=15.0, seconds=240.0))
    page = w.live_page
    w.tabs.setCurrentWidget(w.connect_page)
    w.connect_page.connect_button.click()  # the demo sensor is offered by default
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is page, timeout=30_000)
    qtbot.waitUntil(lambda: page.calibration.step.text().startswith("Calibrating by itself"),
                    timeout=30_000)
    assert page.big.caption.text() == "Calibrate first: stand still, then walk"
    qtbot.waitUntil(lambda: page.calibration.state == "done", timeout=60_000)
    assert page.calibration.step.text().startswith("Calibrated —")
    qtbot.waitUntil(lambda: "stance · step" in page.big.caption.text(), timeout=60_000)
    shoot(w, "new-user-live")

    qtbot.keyClick(w, Qt.Key.Key_C)  # mid-walk: the patient is not standing still
    qtbot.waitUntil(page.calibration.keep_button.isVisible, timeout=15_000)
    assert "calibration in use stays meanwhile" in page.calibration.step.text()
    steps_before = page.step_count
    qtbot.waitUntil(lambda: page.step_count > steps_before + 3, timeout=30_000)
    assert page.big.value.text().endswith("°")  # never blanked while recalibrating
    shoot(w, "new-user-recalibrating")
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not page.calibration.keep_button.isVisible()
    assert page.calibration.step.text() == "Calibrated — the calibration in use was kept."
    qtbot.waitUntil(lambda: page.step_count > steps_before + 6, timeout=30_000)

    qtbot.mouseClick(page.patient, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.patient, "P-100")
    qtbot.mouseClick(page.trace, Qt.MouseButton.LeftButton)  # done typing: back to the page
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Space)  # where a real key press goes
    qtbot.waitUntil(lambda: recorded_s(w) >= 1, timeout=30_000)
    assert page.patient.text() == "P-100"  # the key recorded, it did not type a space
    assert page.record_status.text().startswith("● REC")
    assert page.summary_box.title() == "This recording (live)"
    qtbot.waitUntil(lambda: recorded_s(w) >= 15, timeout=60_000)
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_M)
    qtbot.waitUntil(lambda: recorded_s(w) >= 25, timeout=60_000)
    qtbot.keyClick(w, Qt.Key.Key_M)
    assert [label for _, label in page.trace.markers()] == ["marker 1", "marker 2"]
    shoot(w, "new-user-recording")
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=30_000)
    result = w.last_result
    assert result.problem is None, result.problem
    assert w.banner.isVisible() and w.banner.text().startswith(f"Saved {result.path.name} (")
    # One line (the screen below does not move): the library's folder is not repeated.
    assert w.banner.fontMetrics().horizontalAdvance(w.banner.text()) < w.banner.width() - 40
    assert result.path.parent == app_settings.recordings_folder
    assert not page.record_status.text().startswith("● REC")
    assert page.summary_box.title() == "Recording just saved (what Review shows)"
    summary = result.analysis.summary
    assert summary.right.mean_peak_drop_deg > summary.left.mean_peak_drop_deg + 3

    w.tabs.setCurrentWidget(w.review_page)
    review = w.review_page
    qtbot.waitUntil(lambda: result.path.name in review.library_files(), timeout=30_000)
    review.library.selectRow(review.library_files().index(result.path.name))
    review.open_button.click()
    qtbot.waitUntil(lambda: review.steps.model().rowCount() == len(result.analysis.steps),
                    timeout=30_000)
    assert review.markers.count() == 2
    assert f"{summary.right.mean_peak_drop_deg:.1f}" in review.summary.text()
    report = result.path.with_name("P-100-report.pdf")
    review.export("report-pdf", report)
    qtbot.waitUntil(lambda: f"to {report}" in review.message.text(), timeout=30_000)
    assert report.read_bytes().startswith(b"%PDF-")
    shoot(w, "new-user-review")


def test_a_remembered_demo_folder_gives_way_to_the_users_recordings_folder(tmp_path,
                                                                           monkeypatch):
    """Earlier versions remembered the folder they were first started from: in a source
    checkout that is the demo folder, where patient recordings must not go."""
    from imu_monitor.recording.places import DEMO_FOLDER, RECORDINGS_ENV

    monkeypatch.setenv(RECORDINGS_ENV, str(tmp_path / "mine"))
    settings = AppSettings(str(tmp_path / "old.ini"))
    settings.recordings_folder = DEMO_FOLDER
    assert settings.recordings_folder == tmp_path / "mine"
    assert (tmp_path / "mine" / "demo-symmetric-walk.imurec").is_file()  # demos copied
    settings.recordings_folder = tmp_path / "chosen"
    assert settings.recordings_folder == tmp_path / "chosen"  # any other choice stays


def _calibrated_demo(qtbot, window):
    """The window connected to the demo sensor (15 × real time), calibrated by itself."""
    w = window(FastSimulator(speed=15.0, seconds=240.0))
    page = w.live_page
    w.tabs.setCurrentWidget(w.connect_page)
    w.connect_page.connect_button.click()
    qtbot.waitUntil(lambda: page.calibration.state == "done", timeout=60_000)
    return w, page


def test_space_stops_a_recording_even_from_the_threshold_box(qtbot, window):
    """A nudge of the threshold leaves the focus in its number box, which took Space as text:
    the threshold went blank and the recording went on."""
    w, page = _calibrated_demo(qtbot, window)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: recorded_s(w) >= 1, timeout=30_000)
    qtbot.mouseClick(page.threshold.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(page.threshold, Qt.Key.Key_Up)
    value = page.threshold.value()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=10_000)
    assert page.threshold.value() == value and page.threshold.text().startswith(f"{value:.2f}")


def test_a_new_threshold_keeps_the_steps_and_is_saved_with_the_recording(qtbot, window):
    """Nudging the threshold restarted the analysis: the session's totals went from 7 and 6
    steps to 1 and 0, and the saved recording kept the old threshold beside the new one."""
    w, page = _calibrated_demo(qtbot, window)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: recorded_s(w) >= 8 and page.step_count >= 8, timeout=60_000)
    before = page.step_count
    page.threshold.setValue(page.threshold.value() + 2.5)
    qtbot.waitUntil(lambda: recorded_s(w) >= 12, timeout=30_000)
    assert page.step_count > before  # counted on, not from 1 again
    assert w.engine.session.pipeline.threshold_deg == page.threshold.value()
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=30_000)
    assert w.last_result.analysis.summary.threshold_deg == page.threshold.value()


def test_a_new_threshold_keeps_a_mounting_preset_and_the_recording_going(qtbot, window):
    """Calibrated with a preset, a new threshold was taken for a new mounting (none): the
    analysis restarted without the preset, wiped the totals, and saved the old threshold."""
    w, _ = _with_preset(qtbot, window, "x=up,y=left,z=back", speed=15.0, seconds=240.0)
    page = w.live_page
    qtbot.waitUntil(lambda: page.calibration.state == "done", timeout=60_000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: recorded_s(w) >= 8 and page.step_count >= 8, timeout=60_000)
    before = page.step_count
    page.threshold.setValue(page.threshold.value() + 2.5)
    qtbot.waitUntil(lambda: recorded_s(w) >= 12, timeout=30_000)
    assert page.step_count > before
    assert w.engine.session.config.axes is not None  # the preset is still the one in use
    qtbot.keyClick(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=30_000)
    assert w.last_result.analysis.summary.threshold_deg == page.threshold.value()
    assert w.last_result.analysis.calibration.forward_source == "axes"


def test_after_disconnect_the_last_reading_is_not_left_up_as_live(qtbot, window):
    w, page = _calibrated_demo(qtbot, window)
    w.connect_page.search()  # a search while connected leaves Disconnect as it was
    qtbot.wait(200)
    assert w.connect_page.disconnect_button.isEnabled()
    qtbot.waitUntil(lambda: "stance · step" in page.big.caption.text(), timeout=60_000)
    assert page.big.value.text() != "—"
    w.connect_page.disconnect_button.click()
    qtbot.wait(300)  # frames go on
    assert page.big.value.text() == "—" and not page.big.over
    assert page.big.caption.text().startswith("Not connected")


def test_disconnect_while_guiding_or_connecting_leaves_no_stale_words(qtbot, window):
    """After Disconnect the calibration panel still told the gone patient to walk, and a
    Disconnect pressed while connecting left "Connecting to …" on the Connect page."""
    w = window()
    w.tabs.setCurrentWidget(w.connect_page)
    w.connect_page.connect_button.click()
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.live_page, timeout=30_000)
    page = w.live_page
    qtbot.waitUntil(lambda: "Standing found" in page.calibration.step.text(), timeout=30_000)
    w.disconnect_sensor()
    assert page.calibration.state == "idle"
    assert page.calibration.step.text().startswith("Not calibrated yet")
    qtbot.keyClick(w, Qt.Key.Key_C)  # no sensor: said, not a walk guided for nobody
    assert page.calibration.state != "walking" and "Connect a sensor first" in w.banner.text()
    w._connecting = "sim:x"  # as while a Bluetooth connection is being made
    w.connect_page.show_state("connecting", "Sensor X")
    w.toggle_recording()  # Space while connecting: not "connect a sensor first"
    assert w.banner.text().startswith("Still connecting")
    w.disconnect_sensor()
    assert w.connect_page.state.text().startswith("Not connected")


def test_calibrate_pressed_once_standing_is_found_keeps_that_standing(qtbot, window):
    """C pressed while the first calibration, under way by itself, had its standing threw
    it away while the patient walked: "Calibrated — fair", neutral from the contacts."""
    w = window()
    w.tabs.setCurrentWidget(w.connect_page)
    w.connect_page.connect_button.click()
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is w.live_page, timeout=30_000)
    panel = w.live_page.calibration
    qtbot.waitUntil(lambda: "Standing found" in panel.step.text(), timeout=30_000)
    qtbot.keyClick(w, Qt.Key.Key_C)
    assert panel.state == "walking" and "Now walk" in panel.step.text()
    qtbot.waitUntil(lambda: panel.state == "done", timeout=60_000)
    assert "good" in panel.step.text()
    assert w.engine.session.calibration.neutral_source == "standing"


def test_a_long_banner_gives_its_room_back_when_it_leaves(window):
    """A two-line refusal left two lines of room above the tabs for the rest of the session,
    and the live summary lost its last rows."""
    w = window()
    w.show_banner("Saved.")
    one_line = w.banner.sizeHint().height()
    w.show_banner("A patient code holds letters, digits and dashes only. " * 6, "error")
    assert w.banner.sizeHint().height() > 1.5 * one_line
    w.hide_banner()
    assert not w.banner.isVisible() and w.banner.sizeHint().height() == one_line


def test_an_export_is_suggested_where_the_last_one_went(qtbot, window, tmp_path, monkeypatch):
    """Every export dialog opened beside the recording, not in the folder just chosen."""
    from imu_monitor.app import review_page

    asked: list[str] = []
    exports = tmp_path / "patient file"
    exports.mkdir()

    def save_as(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(exports / Path(suggested).name), ""

    monkeypatch.setattr(review_page.QFileDialog, "getSaveFileName", save_as)
    w = window()
    page = w.review_page
    demo = Path(__file__).parents[1] / "recordings" / "demo-symmetric-walk.imurec"
    w.open_recording(demo)
    qtbot.waitUntil(lambda: page.steps.model().rowCount() > 0, timeout=20_000)
    page.export_buttons["steps-csv"].click()
    qtbot.waitUntil(lambda: (exports / "demo-symmetric-walk-steps.csv").exists()
                    and page.export_buttons["json"].isEnabled() and page.progress.isHidden(),
                    timeout=20_000)  # (the buttons wait while an export is written)
    page.export_buttons["json"].click()
    assert Path(asked[0]).parent == demo.parent and Path(asked[1]).parent == exports


def test_the_window_fits_a_laptop_screen(window):
    """Long choices (the scenarios' and presets' descriptions) and the export buttons in one
    row made the window at least 1788 px wide: wider than a 1366-px clinic laptop."""
    w = window()
    for page in (w.connect_page, w.live_page, w.review_page):
        w.tabs.setCurrentWidget(page)
        assert w.minimumSizeHint().width() <= 1280, page
    preset = w.live_page.calibration.preset
    assert preset.toolTip() == preset.currentText()  # the whole choice, when it is cut


def test_command_line_settings_are_named_as_the_app_offers_them():
    """Live, the choice is on screen; a saved recording keeps its own settings, and only the
    command line analyses it with others: the app says which."""
    from imu_monitor.app.wording import in_app_words

    said = "No walking was found: choose the drill that was done (--drill)."
    assert "(the Drill list on the Live screen)" in in_app_words(said)
    saved = in_app_words(said, saved=True)
    assert "imu-monitor analyze FILE --drill" in saved and "(--drill)" not in saved
