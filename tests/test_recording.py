"""Recordings: exact round trips, crash safety for real, damaged files explained, privacy."""

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imu_monitor.errors import RecordingError, StorageError
from imu_monitor.recording import RecordingWriter, open_recording, read_header
from imu_monitor.samples import SampleBatch, StatusEvent, StatusKind
from imu_monitor.sources.simulated import SimulatedSensor

from .conftest import simulated


def _write(path, samples, rate=100.0, packet=10, **meta):
    with RecordingWriter(path, rate, meta) as w:
        for first in range(0, len(samples), packet):
            w.append(samples.slice(first, first + packet), host_time=1000.0 + first / rate)
    return path


def test_round_trip_is_exact(tmp_path):
    s = simulated("symmetric-walk", seed=1, rate_hz=100.0).samples.slice(0, 2000)
    rng = np.random.default_rng(0)
    s = SampleBatch(s.time_s, s.seq, s.acc, s.gyr, rng.normal(size=(len(s), 3)),
                    rng.normal(size=(len(s), 4)))
    keep = np.ones(len(s), bool)
    keep[500:530] = False  # a lost stretch
    received = SampleBatch(*(None if a is None else a[keep] for a in
                             (s.time_s, s.seq, s.acc, s.gyr, s.mag, s.quat)))
    path = tmp_path / "r.imurec"
    with RecordingWriter(path, 100.0, {"patient_id": "P-1", "drill": "walk", "side": None,
                                      "notes": "knee pain ✓", "device": {"name": "x"}}) as w:
        for first in range(0, len(received), 7):
            w.append(received.slice(first, first + 7), host_time=5.0)
        w.add_marker("started limping", 3.25)
        w.add_event(StatusEvent(StatusKind.BATTERY, 0.0, "Battery 80 %.", 80.0))
    rec = open_recording(path)
    for name in ("time_s", "seq", "acc", "gyr", "mag", "quat"):
        np.testing.assert_array_equal(getattr(rec.samples, name), getattr(received, name))
    assert rec.metadata["patient_id"] == "P-1" and rec.metadata["notes"] == "knee pain ✓"
    assert rec.markers == [{"time_s": 3.25, "label": "started limping"}]
    kinds = [e["kind"] for e in rec.events]
    assert "battery" in kinds and "gap" in kinds
    gap = next(e for e in rec.events if e["kind"] == "gap")
    assert gap["value"] == 30
    assert rec.lost_samples == 30
    assert not os.path.exists(str(path) + "-wal")  # closed: one self-contained file


def test_files_are_private(tmp_path):
    path = _write(tmp_path / "p.imurec", simulated("symmetric-walk").samples.slice(0, 100))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_never_overwrites(tmp_path):
    path = _write(tmp_path / "o.imurec", simulated("symmetric-walk").samples.slice(0, 100))
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path, 100.0)


def test_killed_recorder_leaves_a_readable_file(tmp_path):
    """SIGKILL while recording in real time: the file opens, at most the last second is gone."""
    path = tmp_path / "killed.imurec"
    proc = subprocess.Popen([sys.executable, "-m", "imu_monitor", "record", "--source",
                             "sim:symmetric-walk", "--seconds", "60", "--rate", "200",
                             "--seed", "3", "-o", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            time.sleep(0.2)
            try:
                if read_header(path)["duration_s"] >= 3.0:
                    break
            except RecordingError:
                continue
        time.sleep(0.7)  # kill somewhere inside a half-second chunk
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    rec = open_recording(path)
    assert rec.host_time[-1] >= killed_at - 1.0
    assert rec.duration_s >= 3.0
    truth = SimulatedSensor("symmetric-walk", 60, rate_hz=200.0, seed=3).samples
    n = len(rec.samples)
    np.testing.assert_array_equal(rec.samples.acc, truth.acc[:n])
    assert rec.metadata["source"] == "sim:symmetric-walk"
    # ... and says it was not closed normally (copied without its -wal, it would be shorter).
    from imu_monitor.cli.report import format_info
    from imu_monitor.recording.library import read_entry

    assert "Closed:      no. Not closed normally" in format_info(rec)
    assert read_entry(path).to_json()["closed"] is False
    assert read_entry(path).problem.startswith("Not closed normally")


def test_full_disk_stops_with_a_message_and_keeps_the_data(tmp_path):
    path = tmp_path / "full.imurec"
    samples = simulated("symmetric-walk", rate_hz=100.0).samples
    writer = RecordingWriter(path, 100.0)
    writer._db.execute("PRAGMA max_page_count=40")  # the disk fills up after a few seconds
    with pytest.raises(StorageError, match="disk is full") as refused:
        for first in range(0, len(samples), 10):
            writer.append(samples.slice(first, first + 10))
    rec = open_recording(path)
    assert 0 < len(rec.samples) == writer.samples_written
    np.testing.assert_array_equal(rec.samples.acc, samples.acc[:len(rec.samples)])
    # The time it says is what the file holds (it had counted the half second that failed).
    assert f"stopped at {rec.duration_s:.1f} s" in str(refused.value)


def test_vanished_folder_stops_with_a_message(tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    samples = simulated("symmetric-walk", rate_hz=100.0).samples
    writer = RecordingWriter(folder / "v.imurec", 100.0)
    writer.append(samples.slice(0, 100))
    shutil.rmtree(folder)
    with pytest.raises(RecordingError, match="disappeared"):
        writer.append(samples.slice(100, 200))


@pytest.mark.parametrize("damage, words", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("time_s,acc_x\n1,2\n"), "damaged at its start"),
    (lambda p: p.write_bytes(p.read_bytes()[:30000]),
     "cut short .* --salvage reads what is left of it"),
])
def test_damaged_files_are_explained(tmp_path, damage, words):
    path = _write(tmp_path / "d.imurec", simulated("symmetric-walk").samples.slice(0, 3000))
    damage(path)
    with pytest.raises(RecordingError, match=words):
        open_recording(path)


def test_foreign_and_newer_files(tmp_path):
    foreign = tmp_path / "other.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(RecordingError, match="not an imu_monitor recording"):
        open_recording(foreign)
    newer = _write(tmp_path / "n.imurec", simulated("symmetric-walk").samples.slice(0, 300))
    db = sqlite3.connect(newer)
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(RecordingError, match="newer imu_monitor"):
        open_recording(newer)


def test_read_only_file_opens(tmp_path):
    path = _write(tmp_path / "ro.imurec", simulated("symmetric-walk").samples.slice(0, 300))
    path.chmod(0o400)
    assert len(open_recording(path).samples) == 300


def test_salvage_skips_only_the_damaged_block(tmp_path):
    samples = simulated("symmetric-walk", rate_hz=100.0).samples.slice(0, 3000)
    path = _write(tmp_path / "s.imurec", samples)
    db = sqlite3.connect(path)
    acc = bytearray(db.execute("SELECT acc FROM chunks WHERE id = 3").fetchone()[0])
    acc[17] ^= 0x40
    db.execute("UPDATE chunks SET acc = ? WHERE id = 3", (bytes(acc),))
    db.commit()
    db.close()
    with pytest.raises(RecordingError, match="--salvage"):
        open_recording(path)
    rec = open_recording(path, salvage=True)
    assert rec.damaged_chunks == [3]
    assert len(rec.samples) == 3000 - 50  # one half-second block (50 samples at 100 Hz)
    kept = np.isin(samples.seq, rec.samples.seq)
    np.testing.assert_array_equal(rec.samples.acc, samples.acc[kept])


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_salvage_reads_what_a_truncated_recording_still_holds(tmp_path, keep):
    """A file cut short (a copy that stopped, a full disk) was unreadable even with --salvage,
    though all its pages before the cut were intact."""
    samples = simulated("symmetric-walk", rate_hz=100.0).samples.slice(0, 6000)
    path = _write(tmp_path / "t.imurec", samples)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(RecordingError, match="--salvage reads what is left of it"):
        open_recording(path)
    rec = open_recording(path, salvage=True)
    n = len(rec.samples)
    assert 0.3 * keep * 6000 < n < 6000
    kept = np.isin(samples.seq, rec.samples.seq)
    np.testing.assert_array_equal(rec.samples.acc, samples.acc[kept])


def test_a_list_reads_a_cut_short_file_as_damaged_not_as_sound(tmp_path):
    """Its header and analysis were intact, so the library showed its numbers as if the file
    could still be opened."""
    path = _write(tmp_path / "t.imurec", simulated("symmetric-walk").samples.slice(0, 3000))
    assert read_header(path)["samples"] == 3000
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(RecordingError, match="cut short"):
        read_header(path)


def test_a_recording_with_its_log_beside_it_is_never_called_cut_short(tmp_path):
    """While a recording is written, SQLite copies its log into the file page 1 first: for a
    moment the file is shorter than page 1 says (a review's reads during recording were
    refused as "cut short" 4853 times in 6375)."""
    from imu_monitor.recording.reader import _cut_short

    path = _write(tmp_path / "t.imurec", simulated("symmetric-walk").samples.slice(0, 3000))
    path.write_bytes(path.read_bytes()[:-4096])
    assert _cut_short(path)
    Path(f"{path}-wal").write_bytes(b"\0" * 32)  # a log with something in it
    assert not _cut_short(path)


def test_an_analysis_says_when_the_file_was_salvaged_or_never_closed(tmp_path):
    """A partial or salvaged recording analysed like a whole one: the report of a crashed
    session read as finished, and blamed blocks lost to damage on the Bluetooth link."""
    from imu_monitor.analysis import analyze_source
    from imu_monitor.export.report import report_text
    from imu_monitor.sources.recording import RecordingReplay

    samples = simulated("trendelenburg-right", rate_hz=100.0).samples
    path = _write(tmp_path / "s.imurec", samples)
    _, whole = analyze_source(RecordingReplay(path))
    assert whole.info["closed"] is True and "damaged_blocks" not in whole.info
    db = sqlite3.connect(path)
    acc = bytearray(db.execute("SELECT acc FROM chunks WHERE id = 40").fetchone()[0])
    acc[17] ^= 0x40
    db.execute("UPDATE chunks SET acc = ? WHERE id = 40", (bytes(acc),))
    db.execute("DELETE FROM meta WHERE key = 'totals'")  # as a crash leaves it
    db.commit()
    db.close()
    _, salvaged = analyze_source(RecordingReplay(path, salvage=True))
    assert salvaged.info["closed"] is False and salvaged.info["damaged_blocks"] == 1
    data = report_text(salvaged, path).data
    assert "lost in transmission or in the damaged blocks left out" in data
    assert "not closed normally" in data and "1 damaged block (half a second each)" in data


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "f.imurec"
    samples = simulated("symmetric-walk", rate_hz=100.0).samples.slice(0, 1500)
    _write(path, samples, rate=100.0, patient_id="F-1")
    return path  # (a path, not the bytes: hypothesis prints its arguments)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 255)), min_size=1,
                      max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 10**7)))
def test_reader_never_crashes_nor_returns_wrong_data(tmp_path, pristine, flips, cut):
    original = open_recording(pristine)
    b = bytearray(pristine.read_bytes())
    for pos, mask in flips:
        b[pos % len(b)] ^= mask
    if cut is not None:
        b = b[: cut % len(b)]
    path = tmp_path / "fuzzed.imurec"
    path.write_bytes(bytes(b))
    try:
        rec = open_recording(path)
    except RecordingError:
        return
    np.testing.assert_array_equal(rec.samples.acc, original.samples.acc)
    np.testing.assert_array_equal(rec.samples.seq, original.samples.seq)
    assert rec.metadata == original.metadata
    assert rec.rate_hz == original.rate_hz


def test_odd_file_names_open_the_right_file(tmp_path):
    a = _write(tmp_path / "p%41.imurec", simulated("symmetric-walk").samples.slice(0, 300))
    _write(tmp_path / "pA.imurec", simulated("symmetric-walk").samples.slice(0, 600))
    assert len(open_recording(a).samples) == 300
    b = tmp_path / "x#1?.imurec"
    b.write_bytes(a.read_bytes())
    assert len(open_recording(b).samples) == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p%41.imurec", "pA.imurec",
                                                          "x#1?.imurec"]


def test_any_event_value_and_repeated_samples_read_back(tmp_path):
    s = simulated("symmetric-walk").samples
    path = tmp_path / "e.imurec"
    with RecordingWriter(path, 200.0) as w:
        w.append(s.slice(0, 100))
        w.append(s.slice(90, 200))  # ten samples again
        for value in (80, np.float64(79.5), float("nan"), None):
            w.add_event(StatusEvent(StatusKind.BATTERY, 0.0, "Battery.", value))
    rec = open_recording(path)
    np.testing.assert_array_equal(rec.samples.seq, s.seq[:200])
    assert [e["value"] for e in rec.events] == [80.0, 79.5, None, None]
    assert w.rejected_samples == 10


def test_salvage_keeps_the_timeline_when_the_first_block_is_damaged(tmp_path):
    samples = simulated("symmetric-walk", rate_hz=100.0).samples.slice(0, 3000)
    path = _write(tmp_path / "first.imurec", samples)
    db = sqlite3.connect(path)
    db.execute("UPDATE chunks SET crc32 = crc32 + 1 WHERE id = 1")
    db.commit()
    db.close()
    rec = open_recording(path, salvage=True)
    assert rec.lost_samples == 50 and rec.duration_s == pytest.approx(30.0)


def test_link_events_during_an_outage_keep_the_time_they_happened(tmp_path):
    """No sample arrives while the sensor is away, so the recording's clock (its samples)
    stands still: the events of the outage are placed by the time since the last sample on
    the source's clock. They had all been stamped at the last sample's time."""
    path = tmp_path / "outage.imurec"
    writer = RecordingWriter(path, 100.0, {"source": "ble:X"})
    n = 1000
    writer.append(SampleBatch(np.arange(n) / 100.0 + 0.2, np.arange(n), np.zeros((n, 3)),
                              np.zeros((n, 3))))  # its times are the source's own
    last = 0.2 + (n - 1) / 100.0
    writer.add_event(StatusEvent(StatusKind.LOST, last + 0.05, "lost"))
    writer.add_event(StatusEvent(StatusKind.CONNECTED, last + 3.0, "back"))
    writer.append(SampleBatch(np.arange(n) / 100.0 + last + 3.01, np.arange(n) + n + 300,
                              np.zeros((n, 3)), np.zeros((n, 3))))
    writer.close()
    times = {e["kind"]: e["time_s"] for e in open_recording(path).events}
    assert times["lost"] == pytest.approx(10.05, abs=1e-9)
    assert times["connected"] == pytest.approx(13.0, abs=1e-9)
    assert times["gap"] == pytest.approx(10.0, abs=1e-9)  # where the samples stop


def _small_disk(monkeypatch) -> None:
    """Every recording written from now on fills its disk after a few seconds."""
    from imu_monitor.recording import writer as writer_module

    made = writer_module.RecordingWriter.__init__

    def small_disk(self, *args, **kwargs):
        made(self, *args, **kwargs)
        self._db.execute("PRAGMA max_page_count=60")

    monkeypatch.setattr(writer_module.RecordingWriter, "__init__", small_disk)


def test_a_full_disk_while_recording_is_a_failure_not_a_bad_request(tmp_path, monkeypatch,
                                                                      capsys):
    """Nothing was wrong with the request: the command line's status is 1 (docs/cli.md), and
    what was recorded is kept."""
    from imu_monitor.cli.main import main

    _small_disk(monkeypatch)
    out = tmp_path / "r.imurec"
    status = main(["record", "--source", "sim:symmetric-walk", "--fast", "--seconds", "60",
                   "-o", str(out)])
    assert status == 1 and "The disk is full" in capsys.readouterr().err
    assert open_recording(out).duration_s > 1.0


def test_a_recording_killed_while_being_created_says_so(tmp_path):
    """Killed in its first milliseconds, while its description was written: the file and a
    -journal are left. Not "damaged": interrupted, and holding no samples yet."""
    import sqlite3

    from imu_monitor.recording.schema import APPLICATION_ID, FORMAT_VERSION, SCHEMA

    path = tmp_path / "early.imurec"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    db.execute(f"PRAGMA user_version={FORMAT_VERSION}")
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    db.execute("INSERT INTO meta (key, value, crc32) VALUES ('format_version', '1', 0)")
    journal = path.with_name(path.name + "-journal")
    shutil.copy(journal, tmp_path / "journal-copy")  # the transaction under way
    db.execute("ROLLBACK")
    db.close()
    shutil.copy(tmp_path / "journal-copy", journal)  # as a kill leaves it
    with pytest.raises(RecordingError, match=r"stopped while it was being created.*no samples"):
        open_recording(path)
    with pytest.raises(RecordingError, match=r"stopped while it was being created.*no samples"):
        read_header(path)


def test_a_recording_whose_analysis_store_was_killed_reads_whole(tmp_path):
    """Killed while its analysis was stored after it (a rollback -journal beside it): the
    read-only reader could not undo the change and said "damaged"; where the folder can be
    written the change is undone first, and every sample reads."""
    path = tmp_path / "whole.imurec"
    samples = simulated("symmetric-walk", rate_hz=100.0, seconds=20).samples
    with RecordingWriter(path, 100.0, {"drill": "walk"}) as writer:
        writer.append_all(samples)
    code = (f"import sqlite3, os\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('PRAGMA cache_size=1')\n"
            "db.execute('BEGIN')\n"
            "db.execute(\"INSERT OR REPLACE INTO meta (key, value, crc32) VALUES ('headline', "
            "'{}', 0)\")\n"
            "db.execute('DELETE FROM chunks')\n"
            "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", code], check=False)
    assert path.with_name(path.name + "-journal").exists()
    assert read_header(path)["samples"] == len(samples)
    np.testing.assert_array_equal(open_recording(path).samples.acc, samples.acc)


@pytest.mark.parametrize("command", ["import", "simulate"])
def test_a_full_disk_while_importing_saves_nothing_and_says_so(tmp_path, monkeypatch, capsys,
                                                               command):
    """One transaction: nothing is kept, and the message does not claim otherwise."""
    from imu_monitor.cli.main import main

    csv = tmp_path / "s.csv"
    assert main(["simulate", "--scenario", "symmetric-walk", "--seconds", "60", "-o",
                 str(csv)]) == 0
    _small_disk(monkeypatch)
    out = tmp_path / "r.imurec"
    args = (["import", str(csv)] if command == "import" else
            ["simulate", "--scenario", "symmetric-walk", "--seconds", "120"])
    capsys.readouterr()
    assert main([*args, "-o", str(out)]) == 1
    said = capsys.readouterr().err
    assert "disk is full" in said and "Nothing was saved" in said and "is saved" not in said
    assert not out.exists()


def test_a_recording_closed_without_samples_is_not_taken_for_a_crash(tmp_path):
    """The sensor sent nothing: the file is kept and closed normally (the list had called it
    "not closed normally", the words of a crash)."""
    from imu_monitor.recording.library import read_entry

    path = tmp_path / "nothing.imurec"
    RecordingWriter(path, 100.0, {"drill": "walk"}).close()
    assert read_header(path)["finished"] and read_header(path)["samples"] == 0
    assert read_entry(path).to_json()["closed"] is True
