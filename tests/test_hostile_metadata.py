"""A recording whose metadata was type-confused by another program (valid check sums): it
opens with what is sound and a warning, analyses from its samples, and never hides the good
recordings beside it — in `info`, `analyze`, `export`, `list` and the app's library."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imu_monitor.cli.report import format_info, format_list
from imu_monitor.errors import RecordingError
from imu_monitor.recording import open_recording, read_header
from imu_monitor.recording.library import list_recordings
from imu_monitor.recording.metadata import SCHEMA
from imu_monitor.recording.schema import row_crc

CONFUSED = {
    "device": "a string, not a description",
    "first_seq": "abc",
    "axes": 7,
    "threshold_deg": "six",
    "filter_state": "x",
    "headline": [1, 2, 3],
    "created_utc": 20260305,
    "patient_id": {"name": "John Smith"},
    "drill": "moonwalk",
    "calibration": {"forward": "north"},
    "totals": {"first_seq": "0"},
    "notes": "\x1b]0;pwned\x07\x1b[2J escape sequences",
}


def _confuse(path, entries: dict) -> None:
    """Write entries as another program would: valid JSON, valid check sums, wrong types."""
    db = sqlite3.connect(path)
    with db:
        for key, value in entries.items():
            text = json.dumps(value)
            db.execute("INSERT OR REPLACE INTO meta (key, value, crc32) VALUES (?, ?, ?)",
                       (key, text, row_crc(key, text)))
    db.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library")
    shutil.copy("recordings/demo-trendelenburg-right.imurec", folder / "good.imurec")
    shutil.copy("recordings/demo-trendelenburg-right.imurec", folder / "confused.imurec")
    _confuse(folder / "confused.imurec", CONFUSED)
    return folder


def _run(*args):
    return subprocess.run([sys.executable, "-m", "imu_monitor", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_the_reader_keeps_what_is_sound_and_says_what_is_not(folder):
    rec = open_recording(folder / "confused.imurec")
    for key in CONFUSED:
        if key in ("notes", "filter_state"):
            continue
        assert key not in rec.metadata, key
        assert any(f"'{key}'" in p for p in rec.metadata_problems), key
    assert rec.metadata["notes"].endswith("escape sequences")  # text is text
    assert len(rec.samples) == len(open_recording(folder / "good.imurec").samples)
    assert read_header(folder / "confused.imurec")["problems"] == rec.metadata_problems


@pytest.mark.parametrize("command", [["info"], ["analyze"], ["analyze", "--json"],
                                     ["export", "--format", "steps-csv", "-o", "__OUT__"]])
def test_every_command_works_from_the_samples(folder, tmp_path, command):
    args = [a if a != "__OUT__" else tmp_path / "steps.csv" for a in command]
    result = _run(args[0], folder / "confused.imurec", *args[1:])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "\x1b" not in result.stdout  # escape sequences from the file are shown escaped
    if command == ["info"]:
        assert "Warning:     confused.imurec's description is damaged" in result.stdout
        assert "'threshold_deg' entry is not an angle of 0–45° ('six')" in result.stdout
        assert "\\x1b]0;pwned" in result.stdout


def test_list_shows_the_damaged_row_and_every_good_one(folder):
    result = _run("list", folder)
    assert result.returncode == 0, result.stderr
    assert "good.imurec" in result.stdout and "confused.imurec" in result.stdout
    assert "damaged description: its 'device' entry" in result.stdout
    listed = json.loads(_run("list", folder, "--json").stdout)["recordings"]
    assert {e["file"] for e in listed} == {"good.imurec", "confused.imurec"}
    assert [e["file"] for e in listed if e.get("damaged")] == ["confused.imurec"]


def test_the_apps_library_lists_both(folder):
    from imu_monitor.app.review_page import list_library

    entries = {e.file: e for e in list_library(folder)}
    assert set(entries) == {"good.imurec", "confused.imurec"}
    assert "description is damaged" in entries["confused.imurec"].problem
    assert not entries["good.imurec"].problem


# ---------------------------------------------------------------- type-confusion fuzzing
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=8)
KEYS = [*SCHEMA, "filter_state", "unknown_key", "rate_hz"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, min_size=1, max_size=6))
def test_any_metadata_with_valid_check_sums_never_crashes_a_reader(tmp_path_factory, folder,
                                                                   entries):
    """Any JSON value under any key: the reader, the header, `info` and both library views
    either work or say why in a sentence; a good recording beside it is always listed."""
    work = tmp_path_factory.mktemp("fuzz")
    shutil.copy(folder / "good.imurec", work / "good.imurec")
    shutil.copy(folder / "good.imurec", work / "fuzzed.imurec")
    _confuse(work / "fuzzed.imurec", entries)
    try:
        rec = open_recording(work / "fuzzed.imurec")
    except RecordingError as exc:  # only an unusable rate may refuse the whole file
        assert "usable sample rate" in str(exc)
        assert "rate_hz" in entries
    else:
        format_info(rec)
        assert len(rec.samples) == 6800
    from imu_monitor.app.review_page import _library_row, list_library

    library = list_library(work)
    assert {e.file for e in library} == {"good.imurec", "fuzzed.imurec"}
    for entry in library:
        _library_row(entry)  # the app's table row
    entries_cli = [entry.to_json() for entry in list_recordings(work)]
    assert "good.imurec" in format_list(entries_cli, work)
