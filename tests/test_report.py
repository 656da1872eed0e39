"""The clinician's report: the simulator's drop in its numbers and sentence, one A4 page as PDF
or PNG, its marks drawn, drills as sets; from the CLI (the app's button: tests/test_app.py)."""

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from imu_monitor.analysis import analyze_source
from imu_monitor.cli.main import main
from imu_monitor.export import report, report_page
from imu_monitor.export.report import report_text
from imu_monitor.pipeline import PipelineConfig, analyze_samples
from imu_monitor.presentation import format_summary, implausible_drops
from imu_monitor.processing.calibration import NEUTRAL_CONTACTS
from imu_monitor.processing.metrics import summarize
from imu_monitor.sources.spec import open_source

from .conftest import reclipped, simulated

DEMOS = Path(__file__).resolve().parents[1] / "recordings"


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """A recorded minute of walking with a weak right side."""
    out = tmp_path_factory.mktemp("report") / "walk.imurec"
    assert main(["simulate", "--scenario", "trendelenburg-right", "--seconds", "60",
                 "-o", str(out)]) == 0
    return out


def _analysis(path: Path):
    source = open_source(str(path), realtime=False)
    try:
        return analyze_source(source, require_steps=False)[1]
    finally:
        source.close()


def test_report_numbers_are_the_analysis_and_say_which_side(walk):
    analysis = _analysis(walk)
    text = report_text(analysis, walk)
    s = analysis.summary
    rows = {title: (left, right) for title, left, right in text.summary_rows}
    assert rows["Steps"] == (str(s.left.steps), str(s.right.steps))
    assert rows["Mean peak drop °"] == (f"{s.left.mean_peak_drop_deg:.1f}",
                                        f"{s.right.mean_peak_drop_deg:.1f}")
    assert f"Over {s.threshold_deg:g}°" in rows
    # The simulated weak right side: the left hip drops more in right stance.
    assert s.right.mean_peak_drop_deg > s.left.mean_peak_drop_deg + 3
    assert "larger in right stance" in text.statement and "left hip" in text.statement
    assert "Calibration good" in text.calibration and "0 lost" in text.data
    assert "sacrum" in text.footer


def test_symmetric_walk_is_called_alike():
    demo = DEMOS / "demo-symmetric-walk.imurec"
    text = report_text(_analysis(demo), demo)
    assert text.statement.startswith("The drop is alike")
    assert text.notes.startswith("Notes: ")


def test_pdf_is_one_a4_page_for_the_patient_only(walk, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert main(["export", str(walk), "--format", "report-pdf", "-o", str(out)]) == 0
    assert "Wrote the report (PDF)" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages == 1
    assert b"/MediaBox [0 0 595" in data  # A4 width in points
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600  # patient data


def test_png_shows_every_step_in_its_sides_colour(walk, tmp_path):
    out = tmp_path / "report.png"
    assert main(["export", str(walk), "--format", "report-png", "-o", str(out)]) == 0
    from PySide6.QtGui import QImage

    image = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (1240, 1754)  # A4 at 150 dpi
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3)
    steps_plot = pixels[round(0.30 * 1754):round(0.55 * 1754)]  # below the summary table
    left = np.all(steps_plot == (0x00, 0x72, 0xB2), axis=2).sum()
    right = np.all(steps_plot == (0xE6, 0x9F, 0x00), axis=2).sum()
    steps = _analysis(walk).summary
    # Every step's mark, a dot or a square of about 20 pixels in its side's colour.
    assert left > 10 * steps.left.steps and right > 10 * steps.right.steps


def test_drill_report_lists_the_sets():
    demo = DEMOS / "demo-single-leg-stance.imurec"
    text = report_text(_analysis(demo), demo)
    assert not text.summary_rows
    assert any(line.startswith("Block 1") for line in text.drill_lines)
    assert any("within tolerance" in line for line in text.drill_lines)


def test_a_report_never_overwrites_a_recording(walk, capsys):
    assert main(["export", str(walk), "--format", "report-pdf", "-o", str(walk)]) != 0
    assert "nothing is ever written over one" in capsys.readouterr().err


def test_a_report_that_fails_raises_and_leaves_the_process_alive(walk, tmp_path, monkeypatch):
    """A painter left open on its page used to take the whole app down."""
    source = open_source(str(walk), realtime=False)
    pipeline, analysis = analyze_source(source)
    source.close()

    def broken(self):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(report_page._Page, "paint", broken)
    for kind in ("pdf", "png"):
        with pytest.raises(RuntimeError, match="drawing failed"):
            report_page.write_report(tmp_path / f"r.{kind}", kind, analysis,
                                pipeline.obliquity.view, pipeline.valid.view, walk)


def test_long_notes_and_many_markers_stay_above_the_footer(walk, tmp_path, monkeypatch):
    source = open_source(str(walk), realtime=False)
    pipeline, analysis = analyze_source(source)
    source.close()
    text = report_text(analysis, walk)
    text.notes = "Notes: " + "patient tired after the second bout; " * 60
    text.markers = "Markers: " + "; ".join(f"{k}.0 s a long marker label {k}" for k in range(40))
    monkeypatch.setattr(report_page, "report_text", lambda *_: text)
    pages = []
    real_paint = report_page._Page.paint

    def paint(self):
        real_paint(self)
        pages.append(self.y)

    monkeypatch.setattr(report_page._Page, "paint", paint)
    report_page.write_report(tmp_path / "r.png", "png", analysis, pipeline.obliquity.view,
                        pipeline.valid.view, walk)
    assert pages and pages[0] <= report_page.PAGE_H - report_page.MARGIN + 1  # the footer fits


def test_markers_and_notes_keep_their_room_before_a_long_calibration_text(walk, tmp_path,
                                                                          monkeypatch):
    """A treadmill session's long calibration sentence left the report without its markers
    (nothing said one was left out) and cut the notes: the clinician's own words come
    first, the machine's sentences are shortened instead."""
    source = open_source(str(walk), realtime=False)
    pipeline, analysis = analyze_source(source)
    source.close()
    text = report_text(analysis, walk)
    text.calibration = "Calibration: " + "the neutral came from the initial contacts; " * 40
    text.notes = "Notes: right knee sore after the second bout."
    text.markers = "Markers: 12.5 s second; 30.0 s pain"
    monkeypatch.setattr(report_page, "report_text", lambda *_: text)
    whole: dict[str, bool] = {}  # each paragraph: did it have the room to be painted whole
    real_paragraph = report_page._Page.paragraph

    def paragraph(self, text, size=9, *args, bottom=report_page.PAGE_H, **kwargs):
        whole[text] = self.y + self.measure(text, size) <= bottom
        return real_paragraph(self, text, size, *args, bottom=bottom, **kwargs)

    monkeypatch.setattr(report_page._Page, "paragraph", paragraph)
    report_page.write_report(tmp_path / "r.png", "png", analysis, pipeline.obliquity.view,
                             pipeline.valid.view, walk)
    assert whole[text.notes] and whole[text.markers]
    assert not whole[text.calibration]  # shortened instead
    assert "Peak drop of every counted step" in whole


def test_no_steps_and_overnight_sessions_are_described():
    assert report._statement(summarize([], 6.0)).startswith("No steps were found")
    for span in (5.0, 600.0, 50_401.0, 86_400.0 * 3):
        ticks = report_page._nice_ticks(0.0, span)
        assert 3 <= len(ticks) <= 8 and ticks[0] == 0.0


def test_report_times_are_local_with_their_zone(monkeypatch):
    """A clinic reads its own clock: the session's date in the local time zone, named."""
    import time

    from imu_monitor.export.report import _when

    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        assert _when("2026-03-05T14:12:33+00:00") == "05 Mar 2026, 15:12 CET"
        assert _when("2026-07-05T14:12:33+00:00") == "05 Jul 2026, 16:12 CEST"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_side_without_counted_steps_says_why_everywhere():
    """Some walkers' hip never peaks in loading response and mid-stance on one side: the
    summary then says so, in the terminal, the report and the app, instead of a bare "—"."""
    from imu_monitor.presentation import format_summary, sides_not_counted
    from imu_monitor.processing.metrics import NOTE_NO_PEAK, Step

    steps = [Step(0.5 * k, "left" if k % 2 else "right", None if k % 2 else 4.0, None, 0.5, 0,
                  False, counted=not k % 2, note=NOTE_NO_PEAK if k % 2 else "")
             for k in range(1, 21)]
    steps[0] = Step(0.5, "left", None, None, None, 0, False, counted=False,
                    note="first step of a walk: the patient is still getting going")
    summary = summarize(steps, 6.0)
    assert summary.left.steps == 0 and summary.right.steps == 10
    why = sides_not_counted(steps, summary)
    assert why == [f"No left-stance step could be counted: 9 of its 10 steps were left out "
                   f"({NOTE_NO_PEAK})."]
    assert format_summary(summary, steps)[-1] == why[0]
    assert sides_not_counted([], summary) == []  # no steps at all: nothing to explain


def test_the_report_and_the_app_explain_a_side_without_counted_steps(qtbot):
    from imu_monitor.app.widgets.summary import SummaryView
    from imu_monitor.pipeline import Analysis
    from imu_monitor.processing.metrics import NOTE_NO_PEAK, Step

    steps = [Step(0.5 * k, "left" if k % 2 else "right", None if k % 2 else 4.0, None, 0.5, 0,
                  False, counted=not k % 2, note=NOTE_NO_PEAK if k % 2 else "")
             for k in range(1, 21)]
    analysis = _analysis(DEMOS / "demo-symmetric-walk.imurec")
    analysis = Analysis(**{**analysis.__dict__, "steps": steps,
                           "summary": summarize(steps, 6.0)})
    text = report_text(analysis, DEMOS / "demo-symmetric-walk.imurec")
    assert "Steps were counted on one side only" in text.statement
    assert "No left-stance step could be counted: 10 of its 10 steps" in text.statement
    view = SummaryView()
    qtbot.addWidget(view)
    view.show_summary(analysis.summary, analysis.steps)
    assert "No left-stance step could be counted" in view.text()
    view.show_summary(analysis.summary)  # the live view: no steps given, nothing said
    assert "could be counted" not in view.text()


def test_a_report_without_standing_says_so_first_in_capitals():
    rec = simulated("treadmill", seed=1, rate_hz=100.0)
    analysis = analyze_samples(rec.samples, 100.0)
    assert analysis.calibration.neutral_source == NEUTRAL_CONTACTS
    text = report.report_text(analysis, Path("treadmill.csv"))
    assert text.statement.startswith("NOBODY STOOD STILL: the neutral is the pelvis at the "
                                     "initial contacts")


def test_a_mean_of_a_few_steps_is_flagged():
    """A walk with one or two steps counted a side gave a mean with no word of doubt."""
    rec = simulated("trendelenburg-right", seed=1, rate_hz=100.0)
    analysis = analyze_samples(rec.samples.slice(0, 1000), 100.0)  # standing, a few steps
    counted = {side: analysis.summary.side(side).steps for side in ("left", "right")}
    assert 0 < min(counted.values()) < 5, counted
    text = report.report_text(analysis, Path("short.csv"))
    side = min(counted, key=counted.get)
    assert f"Only {counted[side]} {side}-stance step" in text.statement
    assert "its mean is uncertain" in text.statement


def test_steps_too_irregular_for_walking_are_questioned():
    """A sensor moved by hand gave dozens of "steps" with a gait report; walking's step times
    vary by about a tenth, a hand's by a third or more."""
    import dataclasses

    from imu_monitor.presentation import summary_doubts

    rec = simulated("trendelenburg-right", seed=1, rate_hz=100.0)
    analysis = analyze_samples(rec.samples, 100.0)
    assert not any("step times vary" in d for d in summary_doubts(analysis.steps,
                                                                 analysis.summary))
    rng = np.random.default_rng(0)
    shaken = [dataclasses.replace(s, step_time_s=float(rng.uniform(0.3, 1.2)))
              if s.step_time_s else s for s in analysis.steps]
    doubts = summary_doubts(shaken, analysis.summary)
    assert any(d.startswith("The step times vary by") for d in doubts)


def test_means_no_walking_pelvis_gives_are_doubted():
    """A sensor turned 25° on the patient after its calibration (or moved by hand) reads
    means no pelvis walks with; the summary says to check the recording."""
    rec = simulated("trendelenburg-right", seed=1, mounting="x=up,y=right,z=forward")
    calibrated = analyze_samples(rec.samples, 200.0)
    assert not implausible_drops(calibrated.summary)
    moved = analyze_samples(reclipped(rec.samples, 12.0, 25.0, 200.0), 200.0,
                            PipelineConfig(calibration=calibrated.calibration))
    [said] = implausible_drops(moved.summary)
    assert "beyond what a pelvis does in walking" in said
    assert said in format_summary(moved.summary, moved.steps)


def test_a_side_with_few_peaks_says_why_not_to_walk_longer():
    """A walker whose hip goes on dropping until the next contact has no peak in most steps
    (two real IPOL walkers: 20 of 33); "record a longer walk" would not help them."""
    import dataclasses

    from imu_monitor.presentation import sides_not_counted
    from imu_monitor.processing.metrics import NOTE_NO_PEAK, summarize

    rec = simulated("trendelenburg-right", seed=1, rate_hz=100.0)
    analysis = analyze_samples(rec.samples, 100.0)
    left = [k for k, s in enumerate(analysis.steps) if s.side == "left" and s.counted]
    steps = list(analysis.steps)
    for k in left[3:]:  # all but three left steps: no peak
        steps[k] = dataclasses.replace(steps[k], peak_drop_deg=None, counted=False,
                                       note=NOTE_NO_PEAK)
    said = sides_not_counted(steps, summarize(steps, 6.0))
    assert any(line.startswith("Only 3 left-stance steps counted") and "have no peak" in line
               and "longer walk" not in line for line in said), said
    short = analyze_samples(rec.samples.slice(0, 1000), 100.0)  # few steps, all with peaks
    assert any("record a longer walk" in line
               for line in sides_not_counted(list(short.steps), short.summary))
