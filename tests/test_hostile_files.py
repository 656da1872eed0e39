"""Nothing we write can land on a recording or its companions, whatever the path or link; a
file we write is whole or absent, private while written; a deleted write-ahead log loses
nothing; a failed creation leaves nothing; a closed pipe stops printing, not recording."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imu_monitor.errors import InputDataError, RecordingError
from imu_monitor.recording import RecordingWriter, open_recording
from imu_monitor.safe_write import guarded_path
from imu_monitor.samples import SampleBatch

DEMO = Path("recordings/demo-trendelenburg-right.imurec")


def _run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "imu_monitor", *map(str, args)],
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture
def recording(tmp_path) -> Path:
    path = tmp_path / "session.imurec"
    shutil.copy(DEMO, path)
    return path


def _intact(path: Path) -> None:
    assert len(open_recording(path).samples) == len(open_recording(DEMO).samples)


def test_simulate_truth_onto_a_recording_is_refused(recording, tmp_path):
    result = _run("simulate", "--seconds", "10", "-o", tmp_path / "new.imurec", "--truth",
                  recording)
    assert result.returncode == 2 and "is a recording: nothing is ever written" in result.stderr
    assert not (tmp_path / "new.imurec").exists()  # refused before simulating
    _intact(recording)


@pytest.mark.parametrize("command", ["import", "simulate"])
def test_a_csv_name_linked_to_a_recording_is_refused(recording, tmp_path, command):
    link = tmp_path / "x.csv"
    link.symlink_to(recording)
    args = ["simulate", "--seconds", "10", "-o", link]
    if command == "import":  # a CSV to import: our own form of the demo's samples
        csv = tmp_path / "in.csv"
        assert _run("export", DEMO, "--format", "samples-csv", "-o", csv).returncode == 0
        args = ["import", csv, "-o", link]
    result = _run(*args)
    assert result.returncode == 2 and "is a recording" in result.stderr
    _intact(recording)


def _crashed(tmp_path: Path) -> Path:
    """A recording whose process died: its last seconds only in the -wal beside it."""
    path = tmp_path / "crashed.imurec"
    script = (
        "import os, numpy as np\n"
        "from imu_monitor.recording import RecordingWriter\n"
        "from imu_monitor.samples import SampleBatch\n"
        f"w = RecordingWriter({str(path)!r}, 100.0)\n"
        "n = 1000\n"
        "w.append(SampleBatch(np.arange(n) / 100, np.arange(n), np.tile([0, 0, 9.81], (n, 1)),"
        " np.zeros((n, 3))))\n"
        "w.flush()\n"
        "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert Path(f"{path}-wal").stat().st_size > 0
    return path


def test_an_export_onto_a_crashed_recordings_log_is_refused(tmp_path):
    path = _crashed(tmp_path)
    wal = Path(f"{path}-wal")
    before = wal.read_bytes()
    result = _run("export", DEMO, "--format", "steps-csv", "-o", wal)
    assert result.returncode == 2 and "belongs to the recording crashed.imurec" in result.stderr
    assert wal.read_bytes() == before
    assert len(open_recording(path).samples) == 1000  # the log still holds them


def test_a_deleted_log_while_recording_loses_nothing_and_is_reported(tmp_path):
    path = tmp_path / "r.imurec"
    n = 100
    batch = lambda k: SampleBatch((np.arange(n) + k * n) / 100, np.arange(n) + k * n,  # noqa: E731
                                  np.tile([0, 0, 9.81], (n, 1)), np.zeros((n, 3)))
    writer = RecordingWriter(path, 100.0)
    for k in range(10):
        writer.append(batch(k))
    writer.flush()
    Path(f"{path}-wal").unlink()
    for k in range(10, 31):
        writer.append(batch(k))
    writer.close()
    assert len(open_recording(path).samples) == 3100
    assert writer.problems and "was deleted by another program" in writer.problems[0]
    assert any(e["kind"] == "warning" for e in open_recording(path).events)


def test_a_failed_creation_leaves_nothing_behind(tmp_path, monkeypatch):
    path = tmp_path / "r.imurec"

    def refuse(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("imu_monitor.recording.writer.sqlite3.connect", refuse)
    with pytest.raises(RecordingError, match="Cannot create the recording") as refused:
        RecordingWriter(path, 100.0)
    assert "the disk reported an error" in str(refused.value)  # not SQLite's own words
    assert "I/O" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    RecordingWriter(path, 100.0).close()  # the name is free


def test_a_companion_name_is_never_a_new_recording(tmp_path):
    with pytest.raises(RecordingError, match="companion file"):
        RecordingWriter(tmp_path / "a.imurec-wal", 100.0)


def test_a_guarded_file_is_private_while_written_and_absent_after_a_failure(tmp_path):
    target = tmp_path / "out.csv"
    with guarded_path(target) as temporary:
        temporary.write_text("a,b\n1,2\n")
        assert stat.S_IMODE(temporary.stat().st_mode) == 0o600
        assert not target.exists()
    assert target.read_text() == "a,b\n1,2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(OSError, match="No space left"), guarded_path(target) as temporary:
        temporary.write_text("partial")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "a,b\n1,2\n"  # the old file, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_report_that_cannot_be_written_whole_is_not_called_written(tmp_path, monkeypatch,
                                                                    capsys):
    """Qt does not always report a failed write (a full disk): the file is checked, and the
    failure is a file that could not be written (status 1), named as asked for."""
    from imu_monitor.export import report_page

    monkeypatch.setattr(report_page, "_complete", lambda path, kind: False)
    out = tmp_path / "report.pdf"
    from imu_monitor.cli.main import main

    assert main(["export", str(DEMO), "--format", "report-pdf", "-o", str(out)]) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []
    said = capsys.readouterr().err
    assert "could not be written whole" in said and f"({out})" in said and ".part" not in said


def test_a_closed_pipe_stops_printing_not_recording(tmp_path):
    out = tmp_path / "r.imurec"
    command = (f"{sys.executable} -m imu_monitor record --source sim --fast --seconds 20 "
               f"-o {out} | head -3")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert open_recording(out).duration_s >= 20


def test_the_exports_of_a_user_are_theirs_only(tmp_path):
    out = tmp_path / "steps.csv"
    assert _run("export", DEMO, "--format", "steps-csv", "-o", out).returncode == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_refusing_a_folder_or_a_missing_folder(tmp_path):
    from imu_monitor.safe_write import check_target

    with pytest.raises(InputDataError, match="is a folder"):
        check_target(tmp_path)
    with pytest.raises(InputDataError, match="does not exist"):
        check_target(tmp_path / "nowhere" / "x.csv")


def test_the_file_systems_refusals_are_said_in_words_and_ours_kept():
    """"Operation not permitted" (a folder made immutable, a locked network share) said
    nothing a clinician could act on."""
    import errno

    from imu_monitor.recording.storage_words import file_reason

    assert "choose a folder you can write to" in file_reason(
        PermissionError(errno.EPERM, "Operation not permitted", "/x"))
    ours = "the report could not be written whole (is the disk full?)"
    assert file_reason(OSError(errno.EIO, ours, "/x")) == ours
