"""Recordings through the command line: record, list, info, re-analysis, exports."""

import csv
import json
import sqlite3

import numpy as np
import pytest

from imu_monitor.recording import open_recording
from imu_monitor.recording.schema import dump, row_crc

from .conftest import standing_recording
from .test_cli import run


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library")
    run("simulate", "--scenario", "trendelenburg-right", "--seconds", "30", "--seed", "4",
        "-o", folder / "walk.imurec")
    run("record", "--source", "sim:single-leg-stance", "--fast", "--patient", "P-042",
        "--notes", "after surgery", "-o", folder / "sls.imurec")
    return folder


def test_record_prints_the_summary_and_saves(tmp_path):
    out = run("record", "--source", "sim:symmetric-walk", "--seconds", "20", "--fast",
              "--patient", "P-1", "-o", tmp_path / "r.imurec").stdout
    assert "Left stance" in out and "Saved" in out
    rec = open_recording(tmp_path / "r.imurec")
    assert rec.metadata["patient_id"] == "P-1"
    assert rec.metadata["headline"]["steps"] > 20
    assert rec.calibration is not None


def test_a_name_is_refused_as_patient_id(tmp_path):
    result = run("record", "--source", "sim", "--fast", "--patient", "Jane Doe", "-o",
                 tmp_path / "x.imurec", check=False)
    assert result.returncode == 2 and "pseudonymous" in result.stderr
    assert not (tmp_path / "x.imurec").exists()


def test_list_shows_the_library(folder):
    doc = json.loads(run("list", folder, "--json").stdout)
    entries = {e["file"]: e for e in doc["recordings"]}
    assert entries["sls.imurec"]["patient_id"] == "P-042"
    assert entries["sls.imurec"]["closed"] is True
    assert entries["sls.imurec"]["drill"] == "single-leg-stance"
    assert entries["walk.imurec"]["headline"]["right_mean_peak_drop_deg"] == pytest.approx(
        9.0, abs=0.5)
    text = run("list", folder).stdout
    assert "P-042" in text and "walk.imurec" in text
    assert "P-042" in run("list", folder, "--search", "p-042").stdout
    assert "walk.imurec" not in run("list", folder, "--search", "p-042").stdout


def test_a_drill_recording_analysed_as_walking_says_so(folder):
    """Its few calibration steps were scored as a walk, with only "record a longer walk"."""
    out = run("analyze", folder / "sls.imurec", "--drill", "walk").stdout
    assert "Recorded as Single-leg stance, analysed as Walk (as asked)" in out
    doc = json.loads(run("analyze", folder / "sls.imurec", "--drill", "walk", "--json").stdout)
    assert doc["source"]["recorded_drill"] == "single-leg-stance"
    assert "recorded_drill" not in json.loads(run("analyze", folder / "sls.imurec",
                                                  "--json").stdout)["source"]


def test_info(folder):
    out = run("info", folder / "sls.imurec").stdout
    for words in ("P-042", "single-leg-stance", "Simulated sensor", "after surgery",
                  "Samples:", "lost"):
        assert words in out


def test_analyze_uses_the_stored_calibration_unless_told(folder, tmp_path):
    """Re-analysis starts from the raw samples, with the calibration stored in the file."""
    src = folder / "walk.imurec"
    broken = tmp_path / "broken-cal.imurec"
    broken.write_bytes(src.read_bytes())
    cal = open_recording(src).metadata["calibration"]
    cal["forward_sensor"] = [-v for v in cal["forward_sensor"]]  # pelvis turned round
    db = sqlite3.connect(broken)
    text = dump(cal)
    db.execute("UPDATE meta SET value = ?, crc32 = ? WHERE key = 'calibration'",
               (text, row_crc("calibration", text)))
    db.commit()
    db.close()
    stored = json.loads(run("analyze", broken, "--json").stdout)["summary"]
    fresh = json.loads(run("analyze", broken, "--json", "--recalibrate").stdout)["summary"]
    # The stored (backwards) calibration was used, and its analysis is no longer the weak
    # right side's; recalibrating finds forward again, and the weak side on the right.
    assert stored["calibration"]["forward_sensor"] == pytest.approx(cal["forward_sensor"],
                                                                     abs=1e-6)
    assert not stored["right"]["mean_peak_drop_deg"] > stored["left"]["mean_peak_drop_deg"] + 2
    assert np.dot(fresh["calibration"]["forward_sensor"], cal["forward_sensor"]) < -0.95
    assert fresh["right"]["mean_peak_drop_deg"] > fresh["left"]["mean_peak_drop_deg"] + 2


def test_exports_read_back(folder, tmp_path):
    src = folder / "walk.imurec"
    run("export", src, "--format", "steps-csv", "-o", tmp_path / "steps.csv")
    with open(tmp_path / "steps.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["time_s", "side", "peak_drop_deg", "peak_time_s",
                             "step_time_s", "bout", "over_threshold", "counted", "note"]
    assert {r["counted"] for r in rows} == {"True", "False"}  # the last step is not counted
    assert all((r["counted"] == "True") == (r["note"] == "") for r in rows)
    run("export", src, "--format", "json", "-o", tmp_path / "a.json")
    doc = json.loads((tmp_path / "a.json").read_text())
    assert len(doc["steps"]) == len(rows)
    assert [r["side"] for r in rows] == [s["side"] for s in doc["steps"]]
    run("export", src, "--format", "samples-csv", "-o", tmp_path / "s.csv")
    lines = [ln for ln in (tmp_path / "s.csv").read_text().splitlines() if ln[:1] != "#"]
    table = np.loadtxt(lines[1:], delimiter=",")
    rec = open_recording(src)
    np.testing.assert_allclose(table[:, 1:4], rec.samples.acc, atol=1e-6)
    # The exported CSV analyses like the recording it came from.
    again = json.loads(run("analyze", tmp_path / "s.csv", "--json").stdout)
    assert len(again["steps"]) == len(doc["steps"])


def test_drill_recording_analyses_as_its_drill(folder):
    doc = json.loads(run("analyze", folder / "sls.imurec", "--json").stdout)
    assert doc["summary"]["drill"] == "single-leg-stance"
    assert len(doc["summary"]["single_leg_stance"]["blocks"]) == 2


def test_a_samples_csv_carries_its_recordings_settings_and_time_zero(tmp_path):
    """A samples CSV analyses as its recording: the mounting declared at recording time and
    the drill came along neither (a simulated patient's sides moved by 0.3–0.4°, a drill
    was analysed as a walk), and its times began at the device clock where every other
    export begins at the first sample (0.1 s apart when the first packet was lost)."""
    rec = tmp_path / "axes.imurec"
    run("simulate", "--scenario", "trendelenburg-right", "--seed", "4", "--seconds", "30",
        "--mounting", "x=up,y=left,z=back", "--packet-loss", "0.3", "-o", rec)
    run("export", rec, "--format", "samples-csv", "-o", tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text()
    assert "# axes: x=up,y=left,z=back" in text and "# drill: walk" in text
    first = next(ln for ln in text.splitlines() if ln[:1].isdigit())
    assert first.startswith("0.000000,")
    run("export", rec, "--format", "angles-csv", "-o", tmp_path / "a.csv")
    with open(tmp_path / "a.csv") as f:
        assert float(next(csv.DictReader(f))["time_s"]) == 0.0
    original = json.loads(run("analyze", rec, "--json").stdout)["summary"]
    again = json.loads(run("analyze", tmp_path / "s.csv", "--json").stdout)["summary"]
    for side in ("left", "right"):
        assert again[side]["mean_peak_drop_deg"] == original[side]["mean_peak_drop_deg"]
    sls = tmp_path / "sls.imurec"
    run("simulate", "--scenario", "single-leg-stance", "--seconds", "20", "-o", sls)
    run("export", sls, "--format", "samples-csv", "-o", tmp_path / "sls.csv")
    doc = json.loads(run("analyze", tmp_path / "sls.csv", "--json").stdout)
    assert doc["summary"]["drill"] == "single-leg-stance"


def test_record_keeps_its_threshold_for_the_saved_analysis(tmp_path):
    """`record --threshold 8` showed "over 8°" live while the saved summary below it, the
    report and batch counted steps over 6°; the threshold also travels in a samples CSV,
    where a comment that is not a number is refused in words, not with a crash."""
    rec = tmp_path / "r.imurec"
    run("record", "--source", "sim:trendelenburg-right", "--fast", "--seconds", "20",
        "--threshold", "8", "--seed", "7", "-o", rec)
    assert json.loads(run("analyze", rec, "--json").stdout)["summary"]["threshold_deg"] == 8.0
    run("export", rec, "--format", "samples-csv", "-o", tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text()
    assert "# threshold_deg: 8.0" in text
    assert json.loads(run("analyze", tmp_path / "r.csv", "--json").stdout)[
        "summary"]["threshold_deg"] == 8.0
    (tmp_path / "bad.csv").write_text(text.replace("# threshold_deg: 8.0",
                                                   "# threshold_deg: eight"))
    refused = run("analyze", tmp_path / "bad.csv", check=False)
    assert refused.returncode == 2 and "not a number of degrees: 'eight'" in refused.stderr


def test_export_never_overwrites_a_recording(folder, tmp_path):
    copy = tmp_path / "keep.imurec"
    before = (folder / "walk.imurec").read_bytes()
    copy.write_bytes(before)
    result = run("export", copy, "--format", "angles-csv", "-o", copy, check=False)
    assert result.returncode == 2 and "nothing is ever written over one" in result.stderr
    assert copy.read_bytes() == before


def test_the_raw_samples_of_a_recording_too_still_to_analyse_can_be_exported(tmp_path):
    """Standing only: no analysis is possible ("No walking was found"), every other export
    says so, and the samples themselves still come out (they need no analysis)."""
    path = tmp_path / "standing.imurec"
    standing_recording(path)
    refused = run("export", path, "--format", "angles-csv", "-o", tmp_path / "a.csv",
                  check=False)
    assert refused.returncode != 0 and not (tmp_path / "a.csv").exists()
    out = run("export", path, "--format", "samples-csv", "-o", tmp_path / "s.csv").stdout
    lines = [ln for ln in (tmp_path / "s.csv").read_text().splitlines() if ln[:1] != "#"]
    table = np.loadtxt(lines[1:], delimiter=",")
    np.testing.assert_allclose(table[:, 1:4], open_recording(path).samples.acc, atol=1e-6)
    assert f"{len(table)} samples" in out
