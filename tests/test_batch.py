"""`imu-monitor batch`: a folder becomes one table — every row the analysis `analyze` gives,
a bad file in its own row, reruns skip what is done, parallel and Dask runs give the same
table, and an interrupted batch leaves a valid table of the files done."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imu_monitor.batch import BatchOptions, find_files, run_batch
from imu_monitor.errors import InputDataError

from . import vendor_files as vf
from .conftest import interruptible, simulated

DEMOS = sorted(Path("recordings").glob("demo-*.imurec"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clinic")
    for demo in DEMOS:
        shutil.copy(demo, folder / demo.name)
    (folder / "nested").mkdir()
    (folder / "nested" / "corrupt.imurec").write_bytes(b"not a recording at all" * 50)
    vf.write_mt_manager(folder / "nested" / "xsens.txt",
                        simulated("symmetric-walk", rate_hz=100.0).samples, 100.0)
    return folder


def _rows(table: Path) -> dict[str, dict]:
    with open(table, newline="") as f:
        return {Path(r["file"]).name: r for r in csv.DictReader(f)}


def test_every_file_gets_its_row_with_the_analysis_of_analyze(folder, tmp_path):
    table = tmp_path / "table.csv"
    result = run_batch(find_files([folder]), table, BatchOptions(), jobs=1)
    assert (result.files, result.failed, result.skipped) == (5, 1, 0)
    rows = _rows(table)
    assert "not a recording" in rows["corrupt.imurec"]["error"] or \
        "damaged" in rows["corrupt.imurec"]["error"]
    assert rows["xsens.txt"]["format"] == "xsens-mt" and not rows["xsens.txt"]["error"]
    doc = json.loads(subprocess.run(
        [sys.executable, "-m", "imu_monitor", "analyze", str(folder / DEMOS[-1].name),
         "--json"], capture_output=True, text=True, check=True).stdout)["summary"]
    row = rows[DEMOS[-1].name]
    assert int(row["steps"]) == doc["steps"]
    assert float(row["right_mean_deg"]) == doc["right"]["mean_peak_drop_deg"]
    assert float(row["asymmetry_deg"]) == doc["asymmetry_deg"]
    assert row["calibration"] == "good" and row["drill"] == "walk"


def test_phone_exports_are_one_session_each_zipped_or_unpacked(tmp_path):
    """A study's phone exports: zips, and zips someone unpacked. Each is one row (an unpacked
    one's CSVs had each been a row of its own, every one refused as one sensor alone)."""
    from imu_monitor.testing.sensor_rows import write_sensor_logger_export

    walk = simulated("trendelenburg-right", rate_hz=200.0).samples
    study = tmp_path / "study"
    study.mkdir()
    write_sensor_logger_export(study / "P01.zip", walk, platform="ios")
    write_sensor_logger_export(study / "P02" / "2025-11-24_16-00-00", walk)
    files = find_files([study])
    assert [p.name for p in files] == ["P01.zip", "2025-11-24_16-00-00"]
    table = tmp_path / "table.csv"
    result = run_batch(files, table, BatchOptions(), jobs=1)
    assert (result.files, result.failed) == (2, 0)
    rows = _rows(table)
    assert rows["P01.zip"]["format"] == rows["2025-11-24_16-00-00"]["format"] == "sensor-files"
    assert float(rows["P01.zip"]["right_mean_deg"]) > float(rows["P01.zip"]["left_mean_deg"]) + 3
    assert run_batch(files, table, BatchOptions(), jobs=1).skipped == 2  # hashed: done


def test_a_rerun_skips_what_is_done_and_force_does_it_again(folder, tmp_path):
    table = tmp_path / "table.csv"
    run_batch(find_files([folder]), table, BatchOptions(), jobs=1)
    again = run_batch(find_files([folder]), table, BatchOptions(), jobs=1)
    assert (again.analysed, again.skipped, again.skipped_failed) == (0, 5, 1)
    renamed = tmp_path / "renamed"
    shutil.copytree(folder, renamed)  # the same contents under other names: still done
    assert run_batch(find_files([renamed]), table, BatchOptions(), jobs=1).skipped == 5
    forced = run_batch(find_files([folder]), table, BatchOptions(), jobs=1, force=True)
    assert (forced.analysed, forced.skipped) == (5, 0)
    assert len(_rows(table)) == 5


def test_force_never_deletes_a_file_that_is_not_a_batch_table(folder, tmp_path):
    """With --force, a patient's samples CSV given as the table (it was one of the inputs)
    had been deleted before anything was checked."""
    samples = tmp_path / "patient1_walk.csv"
    vf.write_mt_manager(samples, simulated("symmetric-walk", rate_hz=100.0).samples, 100.0)
    before = samples.read_bytes()
    other = tmp_path / "export.csv"
    other.write_text("time_s,acc_x\n0,1\n")
    with pytest.raises(InputDataError, match="is one of the files to analyse"):
        run_batch([samples, folder / DEMOS[0].name], samples, BatchOptions(), force=True)
    with pytest.raises(InputDataError, match="not a batch table of ours"):
        run_batch([folder / DEMOS[0].name], other, BatchOptions(), force=True)
    assert samples.read_bytes() == before and other.read_text() == "time_s,acc_x\n0,1\n"


def test_a_file_whose_content_changed_gets_one_row_its_new_one(tmp_path):
    """A recording still being written when the batch ran (or its write-ahead log put back
    afterwards) had kept its old row beside the new one, or been skipped as done."""
    from imu_monitor.batch import content_hash

    study, table = tmp_path / "study", tmp_path / "table.csv"
    study.mkdir()
    session = study / "session.imurec"
    shutil.copy(DEMOS[0], session)
    run_batch([session], table, BatchOptions())
    first = content_hash(session)
    (study / "session.imurec-wal").write_bytes(b"frames")  # a log beside it counts too
    assert content_hash(session) != first
    (study / "session.imurec-wal").unlink()
    shutil.copy(DEMOS[1], session)  # the same file, grown into another session
    again = run_batch([session], table, BatchOptions())
    assert (again.analysed, again.skipped) == (1, 0)
    with open(table, newline="") as f:
        assert [r["sha256"] for r in csv.DictReader(f)] == [content_hash(session)]


def test_two_jobs_and_a_dask_cluster_give_the_same_table(folder, tmp_path):
    files = find_files([folder])
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run_batch(files, one, BatchOptions(), jobs=1)
    run_batch(files, two, BatchOptions(), jobs=2)
    assert _rows(one) == _rows(two)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = tmp_path / "dask.csv"
        run_batch(files, on_dask, BatchOptions(), executor=client.get_executor())
    assert _rows(on_dask) == _rows(one)


def test_a_drill_row_has_its_sets_not_the_calibration_walk(tmp_path):
    """A single-leg stance recording's row held the 5 s calibration walk's few steps as if
    they were the result; the holds appeared nowhere."""
    recording = tmp_path / "holds.imurec"
    subprocess.run([sys.executable, "-m", "imu_monitor", "simulate", "--scenario",
                    "single-leg-stance", "--seed", "3", "-o", str(recording)], check=True,
                   capture_output=True)
    table = tmp_path / "table.csv"
    run_batch([recording], table, BatchOptions())
    row = _rows(table)["holds.imurec"]
    doc = json.loads(subprocess.run(
        [sys.executable, "-m", "imu_monitor", "analyze", str(recording), "--json"],
        capture_output=True, text=True, check=True).stdout)["summary"]["single_leg_stance"]
    for side in ("left", "right"):
        holds = [b for b in doc["blocks"] if b["side"] == side]
        assert float(row[f"{side}_hold_s"]) == pytest.approx(sum(b["hold_s"] for b in holds),
                                                             abs=0.02)
        assert float(row[f"{side}_drill_deg"]) == pytest.approx(
            sum(b["mean_drop_deg"] * b["hold_s"] for b in holds)
            / sum(b["hold_s"] for b in holds), abs=0.01)
        assert len(row[f"{side}_drill_deg"].partition(".")[2]) <= 2  # as the JSON rounds
    assert row["steps"] == row["left_mean_deg"] == row["asymmetry_deg"] == ""


def test_a_table_of_other_columns_is_not_continued_with_rows_that_do_not_fit(folder,
                                                                              tmp_path):
    """Continued with its own columns, an older table got empty rows for single-leg drills
    (walking columns blanked, the drill's not in it)."""
    table = tmp_path / "old.csv"
    old = ["file", "sha256", "drill", "steps", "error"]
    table.write_text(",".join(old) + "\nsomewhere.imurec,abc,walk,10,\n")
    before = table.read_text()
    with pytest.raises(InputDataError, match=r"written with other columns.*--force"):
        run_batch([folder / DEMOS[0].name], table, BatchOptions())
    assert table.read_text() == before
    run_batch([folder / DEMOS[0].name], table, BatchOptions(), force=True)
    assert table.read_text().startswith("file,sha256,patient,")


def test_salvage_analyses_again_the_damaged_files_and_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    damaged = folder / "damaged.imurec"
    walks = [d for d in DEMOS if "single-leg" not in d.name]
    data = walks[0].read_bytes()
    damaged.write_bytes(data[:len(data) * 3 // 4])  # a copy that stopped
    shutil.copy(walks[1], folder / walks[1].name)
    table = tmp_path / "table.csv"
    run_batch(find_files([folder]), table, BatchOptions())
    assert "--salvage" in _rows(table)["damaged.imurec"]["error"]
    result = run_batch(find_files([folder]), table, BatchOptions(salvage=True))
    assert (result.analysed, result.skipped, result.failed) == (1, 1, 0)
    rows = _rows(table)
    assert len(rows) == 2 and len(table.read_text().splitlines()) == 3  # old row replaced
    row = rows["damaged.imurec"]
    assert not row["error"] and int(row["steps"]) > 10
    assert "could not be read and are left out" in row["file_note"]


def test_the_steps_table(folder, tmp_path):
    steps = tmp_path / "steps.csv"
    run_batch(find_files([folder]), tmp_path / "t.csv", BatchOptions(with_steps=True),
              steps_table=steps)
    with open(steps, newline="") as f:
        rows = list(csv.DictReader(f))
    walk = [r for r in rows if Path(r["file"]).name == DEMOS[-1].name]
    assert len(walk) > 80 and {r["side"] for r in walk} == {"left", "right"}
    # the numbers as the JSON and the steps CSV give them (they had a third decimal)
    doc = json.loads(subprocess.run(
        [sys.executable, "-m", "imu_monitor", "analyze", str(DEMOS[-1]), "--json"],
        capture_output=True, text=True, check=True).stdout)
    assert [(r["time_s"], r["peak_drop_deg"]) for r in walk] == [
        (str(s["time_s"]), "" if s["peak_drop_deg"] is None else str(s["peak_drop_deg"]))
        for s in doc["steps"]]


def test_ctrl_c_leaves_a_valid_table_of_the_files_done(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(400):  # more than a machine busy with other work finishes between looks
        os.link(DEMOS[-1], folder / f"s{k:03d}.imurec")
    table = tmp_path / "table.csv"
    process = subprocess.Popen([sys.executable, "-m", "imu_monitor", "batch", str(folder),
                                "-o", str(table), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_rows(table) if table.exists() else {}) < 3:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err, err
    rows = _rows(table)
    assert 3 <= len(rows) < 400
    assert all(r["steps"] and not r["error"] for r in rows.values())
    assert "stopped with Ctrl-C" in out


def test_a_row_says_what_the_terminal_says_before_the_numbers(tmp_path):
    """A sensor re-clipped 8° rolled between two walks, and a treadmill walk (nobody stood
    still): `analyze` says both before its numbers; the table's rows had said neither (a
    subject's re-clipped sensor read as a 4° asymmetry with nothing beside it)."""
    from imu_monitor.sources.csv_file import write_csv

    from .conftest import reclipped

    folder = tmp_path / "in"
    folder.mkdir()
    rec = simulated("walk-10m", seed=1, mounting="x=up,y=right,z=forward", seconds=120)
    write_csv(folder / "moved.csv", reclipped(rec.samples, 78.0, 8.0, 200.0), 200.0)
    write_csv(folder / "steady.csv", rec.samples, 200.0)
    treadmill = simulated("treadmill", rate_hz=100.0)
    write_csv(folder / "treadmill.csv", treadmill.samples, 100.0)
    table = tmp_path / "table.csv"
    run_batch(find_files([folder]), table, BatchOptions(), jobs=1)
    rows = _rows(table)
    assert "seems to have moved on the patient" in rows["moved.csv"]["cautions"]
    assert rows["treadmill.csv"]["cautions"].startswith("NOBODY STOOD STILL")
    assert "moved" not in rows["steady.csv"]["cautions"]
    assert "NOBODY" not in rows["steady.csv"]["cautions"]
