"""Signals, pipes, odd files and damaged files: always one sentence and a documented exit
status (0 done, 1 failure, 2 bad input, 130 interrupted), never a traceback or a hang."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from imu_monitor.recording import open_recording

from .conftest import interruptible

DEMO = Path("recordings/demo-trendelenburg-right.imurec").resolve()
COMMAND = [sys.executable, "-m", "imu_monitor"]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    return {**env, **extra}


def _run(*args, env=None):
    return subprocess.run([*COMMAND, *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env or os.environ.copy())


def _interrupt(args, after_s, *, signals=(signal.SIGINT,), gap_s=0.05, env=None, cwd=None,
               after_line=None):
    """Run the command, send ``signals`` ``after_s`` after it started — or, with
    ``after_line``, after it printed a line holding that text (a loaded machine can take
    seconds to start) — and return (exit status, stdout, stderr)."""
    process = subprocess.Popen([*COMMAND, *map(str, args)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env or _env(), cwd=cwd,
                               preexec_fn=interruptible)
    out: list[str] = []
    err: list[str] = []
    printed = threading.Event()

    def collect(stream, into: list[str], watch: bool) -> None:
        for line in stream:
            into.append(line)
            if watch and after_line in line:
                printed.set()
        printed.set()  # the stream ended: the command is over, waiting is pointless

    readers = [threading.Thread(target=collect, args=(process.stdout, out, after_line is not None)),
               threading.Thread(target=collect, args=(process.stderr, err, False))]
    for reader in readers:
        reader.start()
    if after_line is not None:
        assert printed.wait(timeout=120), f"the command never printed {after_line!r}"
    time.sleep(after_s)
    for signum in signals:
        process.send_signal(signum)
        time.sleep(gap_s)
    process.wait(timeout=120)
    for reader in readers:
        reader.join(timeout=120)
    return process.returncode, "".join(out), "".join(err)


@pytest.mark.parametrize("after_s", [0.1, 0.15, 0.2, 0.3, 0.4, 0.5])
def test_ctrl_c_while_starting_is_one_line_not_a_traceback(after_s, tmp_path):
    """While our modules load (numpy, Qt: about 0.1–0.5 s). The interpreter's own start-up
    (its site module, before any line of ours runs) is Python's, not ours."""
    code, _, err = _interrupt(["analyze", DEMO], after_s)
    if "Traceback" in err:
        assert "<frozen site>" in err and "imu_monitor" not in err
        return
    assert code in (0, 130)
    if code == 130:
        assert err.strip().endswith("imu-monitor: stopped.")


@pytest.mark.parametrize("after_s", [0.6, 1.0, 1.5])
def test_sigterm_while_starting_stops_as_ctrl_c_does(after_s, tmp_path):
    """SIGTERM in a live command's first second or so (before the session set its own
    handler) had killed it outright: status -15, not a word, a recording possibly left open.
    (Sent sooner, it may meet the interpreter's own start, which is Python's, not ours.)"""
    code, _, err = _interrupt(["record", "--source", "sim", "-o", tmp_path / "r.imurec"],
                              after_s, signals=(signal.SIGTERM,))
    assert code in (0, 130) and "Traceback" not in err, (code, err)
    if code == 130:
        assert err.strip().endswith("imu-monitor: stopped.")


def test_an_interrupt_wrapped_while_a_module_loads_is_still_a_stop():
    """Python 3.11 turns a Ctrl-C that arrives while a dataclass is being created (as our
    modules load) into a RuntimeError caused by it; it is still one line and status 130."""
    code = ("import imu_monitor.cli.main as m\n"
            "def boom(**_):\n"
            "    try:\n"
            "        raise KeyboardInterrupt\n"
            "    except KeyboardInterrupt as k:\n"
            "        raise RuntimeError(\"Error calling __set_name__\") from k\n"
            "m.main = boom\n"
            "from imu_monitor.cli.entry import run\n"
            "run()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=_env())
    assert done.returncode == 130 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "imu-monitor: stopped."


def test_a_ctrl_c_while_modules_load_is_held_until_they_have():
    """Raised inside the import machinery, an interrupt can be printed as "ignored" (a module
    lock's callback) and the command then runs on to its end; the command holds it while its
    modules load and raises it once they have, at a clean point."""
    code = ("import os, signal\n"
            "from imu_monitor.cli.output import interrupts_held\n"
            "try:\n"
            "    with interrupts_held():\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n"
            "        sum(range(1000))\n"
            "        print('held', flush=True)\n"
            "except KeyboardInterrupt:\n"
            "    print('raised after', flush=True)\n"
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=_env(), preexec_fn=interruptible)
    assert done.stdout.split() == ["held", "raised", "after", "True"], done.stderr


def test_stream_stopped_before_calibration_is_done(tmp_path):
    code, out, err = _interrupt(["stream", "--source", "sim"], 3.0)
    assert (code, "Traceback" in err) == (0, False), err
    assert "nothing to summarise" in out


@pytest.mark.parametrize("signals", [(signal.SIGINT, signal.SIGINT),
                                     (signal.SIGINT, signal.SIGINT, signal.SIGINT),
                                     (signal.SIGTERM,), (signal.SIGTERM, signal.SIGINT)])
def test_repeated_interrupts_while_recording_end_the_same_way(tmp_path, signals):
    out_file = tmp_path / "r.imurec"
    code, out, err = _interrupt(["record", "--source", "sim", "-o", out_file], 2.5,
                                signals=signals, after_line="connected")
    assert (code, "Traceback" in err) == (0, False), err
    assert "Saved" in out
    assert open_recording(out_file).duration_s > 2


def test_a_pipe_named_like_a_csv_is_refused_at_once(tmp_path):
    fifo = tmp_path / "samples.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = _run("analyze", fifo)
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert time.monotonic() - started < 30


def test_a_pipe_given_as_the_output_is_refused_at_once(tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = _run("export", DEMO, "--format", "samples-csv", "-o", fifo)
    assert result.returncode == 2 and "not a regular file" in result.stderr
    assert time.monotonic() - started < 30
    assert fifo.exists() and not fifo.is_file()  # left as it was


def test_an_unreachable_display_falls_back_to_the_terminal(tmp_path):
    result = _run(env=_env(DISPLAY=":77"))
    assert result.returncode == 0 and "No display found" in result.stdout
    result = _run("review", DEMO, env=_env(DISPLAY=":77"))
    assert result.returncode == 0 and "printing the analysis" in result.stdout


def test_ctrl_c_closes_the_app_cleanly(tmp_path):
    env = _env(QT_QPA_PLATFORM="offscreen", IMU_MONITOR_SETTINGS=str(tmp_path / "s.ini"))
    code, _, err = _interrupt(["demo"], 6.0, env=env, cwd=tmp_path)
    assert code == 0 and "Traceback" not in err, err


# ---------------------------------------------------------------- messages that mislead
def test_a_recording_with_a_damaged_start_is_called_a_damaged_recording(tmp_path):
    path = tmp_path / "damaged.imurec"
    data = bytearray(DEMO.read_bytes())
    data[:100] = b"\xff" * 100
    path.write_bytes(bytes(data))
    result = _run("analyze", path)
    assert result.returncode == 2 and "damaged at its start" in result.stderr
    assert "text" not in result.stderr and "column" not in result.stderr


def test_a_damaged_database_gets_one_sentence_without_its_tables(tmp_path):
    path = tmp_path / "broken.imurec"
    data = bytearray(DEMO.read_bytes())
    data[100:4096] = b"\x00" * 3996  # the page that describes its tables
    path.write_bytes(bytes(data))
    result = _run("info", path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "CREATE" not in result.stderr
    assert "damaged" in result.stderr


def test_a_crashed_recording_without_its_log_says_where_its_samples_are(tmp_path):
    from .test_hostile_files import _crashed

    path = _crashed(tmp_path)
    Path(f"{path}-wal").unlink()
    for _ in range(2):  # reading it left an empty log beside it, which the next read took
        result = _run("info", path)  # for the lost one: "holds no samples"
        assert result.returncode == 2
        assert "was not closed" in result.stderr and "crashed.imurec-wal" in result.stderr


def test_a_quoted_header_is_read(tmp_path):
    csv = tmp_path / "plain.csv"
    assert _run("export", DEMO, "--format", "samples-csv", "-o", csv).returncode == 0
    lines = csv.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("time_s"))
    lines[header] = ",".join(f'"{c}"' for c in lines[header].split(","))
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("\n".join(lines) + "\n")
    assert _run("analyze", quoted).returncode == 0


def test_a_link_in_a_circle_is_said_so(tmp_path):
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    result = _run("analyze", loop)
    assert result.returncode == 2 and "leads back to itself" in result.stderr


def test_damaged_rows_are_lost_samples_and_a_damaged_column_is_refused(tmp_path):
    """A row with an impossible or a NaN value is a sample lost (counted, bridged); a column
    that is mostly impossible is refused, in words and without a numeric warning."""
    csv = tmp_path / "plain.csv"
    assert _run("export", DEMO, "--format", "samples-csv", "-o", csv).returncode == 0
    lines = csv.read_text().splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("time_s")) + 1

    def damaged(values: dict[int, str]) -> str:
        out = list(lines)
        for k, value in values.items():
            parts = out[first + k].split(",")
            parts[1] = value
            out[first + k] = ",".join(parts)
        return "\n".join(out) + "\n"

    def lost() -> int:
        result = _run("analyze", csv, "--json")
        assert result.returncode == 0, result.stderr
        assert "Warning" not in result.stderr
        return json.loads(result.stdout)["summary"]["lost_samples"]

    intact = lost()
    csv.write_text(damaged({5: "1e308", 9: "nan"}))
    assert lost() == intact + 2
    csv.write_text(damaged(dict.fromkeys(range(len(lines) - first), "1e308")))
    result = _run("analyze", csv)
    assert result.returncode == 2 and "impossible acceleration" in result.stderr
    assert "Warning" not in result.stderr and "RuntimeWarning" not in result.stderr


def test_a_file_larger_than_any_session_is_refused_before_reading(tmp_path):
    sparse = tmp_path / "huge.csv"
    with open(sparse, "wb") as f:
        f.truncate(2_100_000_000)  # sparse: no disk used
    started = time.monotonic()
    result = _run("analyze", sparse)
    assert result.returncode == 2 and "larger than any session" in result.stderr
    assert time.monotonic() - started < 30


def test_the_exit_status_of_a_failure_to_write_is_one(tmp_path):
    """A folder no file can be created in (even by root): /proc/self."""
    result = _run("export", DEMO, "--format", "json", "-o", "/proc/self/out.json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot write or read a file: " in result.stderr and "(/proc/self/out.json)" in \
        result.stderr


def test_a_qt_that_cannot_load_its_window_plugin_says_why_and_uses_the_terminal(tmp_path):
    """A fresh Linux desktop without libxcb-cursor0: Qt would abort the program (status 134)."""
    if not shutil.which("Xvfb"):
        pytest.skip("needs Xvfb to have an X display")
    broken = tmp_path / "lib"
    broken.mkdir()
    (broken / "libxcb-cursor.so.0").write_bytes(b"")  # found first, and cannot load
    display = ":87"
    server = subprocess.Popen(["Xvfb", display], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = _env(DISPLAY=display, LD_LIBRARY_PATH=str(broken))
        result = _run("demo", "--fast", "--seconds", "10", env=env)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert "Qt cannot load its X11 plugin" in first and "libxcb-cursor0" in first
    assert "showing the live demo in the terminal" in first


def test_an_sto_export_of_a_session_without_standing(tmp_path):
    """A treadmill session (nobody stood still) exports its orientations too."""
    rec, sto = tmp_path / "treadmill.imurec", tmp_path / "t.sto"
    assert _run("simulate", "--scenario", "treadmill", "--seconds", "60", "-o", rec
                ).returncode == 0
    result = _run("export", rec, "--format", "sto", "-o", sto)
    assert result.returncode == 0, result.stderr
    assert "pelvis_imu" in sto.read_text()[:2000]


def test_a_fault_of_ours_is_a_sentence_on_screen_and_a_traceback_in_the_log(tmp_path,
                                                                            monkeypatch, capsys):
    from imu_monitor.cli import commands
    from imu_monitor.cli.main import main
    from imu_monitor.logs import LOG_DIR_ENV, start_logging

    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "log"))
    logger = logging.getLogger("imu_monitor")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", logger.propagate)
    monkeypatch.setattr(logger, "level", logger.level)
    log = start_logging()
    assert log == tmp_path / "log" / "imu_monitor.log"

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(commands, "cmd_list", broken)
    assert main(["list", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("imu-monitor: Something went wrong inside imu-monitor while running "
                          "imu-monitor list: a fault of the program, not of the data.")
    assert f"The details are in {log}" in err
    assert "Traceback" not in err and "ZeroDivisionError" not in err
    for handler in logger.handlers:
        handler.flush()
    text = log.read_text()
    assert "running imu-monitor list failed" in text and "Traceback (most recent call last)" in text
    assert 'raise ZeroDivisionError("division by zero")' in text
