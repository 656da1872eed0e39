"""Words that should never reach a recording or a terminal: names and dates of birth as
patient codes, escape sequences, characters the console cannot print."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from imu_monitor.errors import InputDataError
from imu_monitor.recording.patient import check_patient_code

DEMO = "recordings/demo-trendelenburg-right.imurec"


@pytest.mark.parametrize("code", ["JohnSmith", "john.smith", "SMITH_J_1980-01-01", "Jane Doe",
                                  "P-19800101", "P-1980-01", "12-03-1980", "x" * 10_000])
def test_names_and_dates_of_birth_are_refused_with_the_rule(code):
    with pytest.raises(InputDataError, match="A patient code is 1–12 letters, digits or '-', "
                                             "with at least one digit and no date"):
        check_patient_code(code)


@pytest.mark.parametrize("code", ["P-017", "K3-044", "P-1", "A12"])
def test_codes_are_accepted(code):
    assert check_patient_code(code) == code


def _run(*args, **env):
    return subprocess.run([sys.executable, "-m", "imu_monitor", *map(str, args)],
                          capture_output=True, timeout=300, env={**os.environ, **env})


def test_a_ten_kilobyte_code_gets_the_rule_not_a_file_system_error(tmp_path):
    result = _run("record", "--source", "sim", "--fast", "--seconds", "5", "--patient",
                  "P" * 10_000, "-o", tmp_path / "r.imurec")
    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "10000 characters long. A patient code is" in stderr
    assert "File name too long" not in stderr and "Traceback" not in stderr
    assert not (tmp_path / "r.imurec").exists()


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_any_console_encoding_prints(encoding):
    """'▲' (over threshold) and '°' on a console that cannot carry them: ASCII stand-ins."""
    result = _run("analyze", DEMO, PYTHONIOENCODING=encoding)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode(encoding)
    assert "^ over threshold" in text
    assert ("°" in text) == (encoding == "cp1252")


def test_escape_sequences_in_a_file_name_are_shown_escaped(tmp_path):
    hostile = tmp_path / "a\x1b[2Jb.csv"
    result = _run("analyze", hostile)
    assert result.returncode == 2
    assert b"\x1b" not in result.stderr and b"a\\x1b[2Jb.csv" in result.stderr
