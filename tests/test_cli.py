"""The command line as a user runs it: real subprocesses, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imu_monitor.processing.kinematics import rotate

ROOT = Path(__file__).resolve().parents[1]
STEP_FIELDS = {"time_s", "side", "peak_drop_deg", "peak_time_s", "step_time_s"}
SIDE_FIELDS = {"steps", "mean_peak_drop_deg", "sd_peak_drop_deg"}


# The command line as on a machine without a desktop (the app's own tests cover the window).
NO_DISPLAY = {k: v for k, v in os.environ.items()
              if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def run(*args, check=True, cwd=None, env=None):
    result = subprocess.run([sys.executable, "-m", "imu_monitor", *map(str, args)],
                            capture_output=True, text=True, timeout=120, cwd=cwd,
                            env={**NO_DISPLAY, **(env or {})})
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def walk_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "walk.csv"
    run("simulate", "--scenario", "trendelenburg-right", "--seconds", "30", "--seed", "2",
        "-o", path)
    return path


def test_simulate_lists_scenarios():
    out = run("simulate", "--list").stdout
    for name in ("trendelenburg-right", "symmetric-walk", "run", "single-leg-stance"):
        assert name in out


def test_analyze_json_schema(walk_csv):
    doc = json.loads(run("analyze", walk_csv, "--json").stdout)
    assert doc["steps"] and set(doc["steps"][0]) >= STEP_FIELDS
    summary = doc["summary"]
    for side in ("left", "right"):
        assert set(summary[side]) >= SIDE_FIELDS
    assert {"asymmetry_deg", "cadence_spm", "steps_over_threshold"} <= set(summary)
    assert summary["right"]["mean_peak_drop_deg"] == pytest.approx(9.0, abs=0.5)
    assert summary["left"]["mean_peak_drop_deg"] == pytest.approx(4.0, abs=0.5)
    assert {s["side"] for s in doc["steps"]} == {"left", "right"}


def test_analyze_table_is_readable(walk_csv):
    out = run("analyze", walk_csv).stdout
    assert "Left stance" in out and "Right stance" in out and "Cadence" in out


def test_export_angles_csv(walk_csv, tmp_path):
    out = tmp_path / "angles.csv"
    run("export", walk_csv, "--format", "angles-csv", "-o", out)
    lines = out.read_text().splitlines()
    assert lines[0] == "time_s,obliquity_deg,tilt_deg,rotation_deg"
    table = np.loadtxt(out, delimiter=",", skiprows=1)
    assert table.shape[1] == 4 and len(table) > 1000
    assert np.abs(table[:400, 1]).max() < 1.0  # standing: near neutral
    assert table[:, 1].min() < -6.0  # right stance: left hip drops ~9°


def test_export_sto_reads_as_opensense_would(walk_csv, tmp_path):
    out = tmp_path / "pelvis.sto"
    run("export", walk_csv, "--format", "sto", "-o", out)
    text = out.read_text().splitlines()
    header_end = text.index("endheader")
    header = dict(line.split("=", 1) for line in text[:header_end])
    assert header["DataType"] == "Quaternion"
    assert float(header["DataRate"]) == pytest.approx(100.0)
    assert text[header_end + 1].split("\t") == ["time", "pelvis_imu"]
    rows = [line.split("\t") for line in text[header_end + 2:]]
    quats = np.array([[float(v) for v in cell.split(",")] for _, cell in rows])
    times = np.array([float(t) for t, _ in rows])
    assert np.all(np.diff(times) > 0)
    np.testing.assert_allclose(np.linalg.norm(quats, axis=1), 1.0, atol=1e-6)
    # While standing at calibration, the pelvis forward axis is world +x and up is +z.
    doc = json.loads(run("analyze", walk_csv, "--json").stdout)
    cal = doc["summary"]["calibration"]
    k = int(np.searchsorted(times, cal["still_end_s"])) - 1
    fwd = rotate(quats[k:k + 1], np.array(cal["forward_sensor"]))[0]
    up = rotate(quats[k:k + 1], np.array(cal["up_sensor"]))[0]
    np.testing.assert_allclose(fwd, [1, 0, 0], atol=0.03)
    np.testing.assert_allclose(up, [0, 0, 1], atol=0.03)


def test_import_never_writes_over_the_file_it_reads(tmp_path, walk_csv):
    """``import phone.csv -o phone.csv`` replaced the vendor's original file."""
    src = tmp_path / "phone.csv"
    src.write_bytes(walk_csv.read_bytes())
    result = run("import", src, "-o", src, check=False)
    assert result.returncode == 2 and "is the file being imported" in result.stderr
    assert src.read_bytes() == walk_csv.read_bytes()


def test_import_converts_units(tmp_path):
    src = tmp_path / "other.csv"
    n = 3000
    t = np.arange(n) / 100.0
    acc = np.tile([0.0, 0.0, 1.0], (n, 1))
    gyr = np.zeros((n, 3))
    gyr[:, 2] = 90.0  # deg/s
    np.savetxt(src, np.column_stack([t, acc, gyr]), delimiter=",",
               header="time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", comments="")
    out = tmp_path / "ours.csv"
    run("import", src, "--acc-unit", "g", "--gyr-unit", "deg/s", "--axes",
        "x=right,y=forward,z=up", "-o", out)
    assert "# axes: x=right,y=forward,z=up" in out.read_text()
    rows = [ln for ln in out.read_text().splitlines() if not ln.startswith("#")]
    assert rows[0] == "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"
    table = np.loadtxt(rows[1:], delimiter=",")
    np.testing.assert_allclose(table[:, 3], 9.80665)
    np.testing.assert_allclose(table[:, 6], np.pi / 2, rtol=1e-9)


@pytest.mark.parametrize("args, words", [
    (["analyze", "missing.csv"], "does not exist"),
    (["simulate", "--scenario", "moonwalk", "-o", "x.csv"], "no simulated scenario"),
    (["analyze", "__SHORT__"], "stand still"),
    (["analyze", "__WALK__", "--axes", "x=up,y=up,z=left"], "same way"),
    (["analyze", "__WALK__", "--acc-unit", "g"], "units cannot be right"),
])
def test_bad_input_is_a_sentence_not_a_traceback(args, words, walk_csv, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("\n".join(walk_csv.read_text().splitlines()[:120]) + "\n")
    args = [str(short) if a == "__SHORT__" else str(walk_csv) if a == "__WALK__" else a
            for a in args]
    result = subprocess.run([sys.executable, "-m", "imu_monitor", *args], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_drill_json_has_its_block(tmp_path):
    path = tmp_path / "sls.csv"
    run("simulate", "--scenario", "single-leg-stance", "-o", path)
    doc = json.loads(run("analyze", path, "--drill", "single-leg-stance", "--json").stdout)
    blocks = doc["summary"]["single_leg_stance"]["blocks"]
    assert [b["side"] for b in blocks] == ["left", "right"]
    assert all(b["hold_s"] == pytest.approx(30.0, abs=1.0) for b in blocks)


def test_demo_streams_steps_live():
    out = run("demo", "--fast", "--seconds", "20").stdout
    first = out.splitlines()[0]
    assert first.startswith("No display found (") and first.endswith(
        "showing the live demo in the terminal instead.")
    assert "Calibrated" in out
    assert out.count("stance  drop") >= 10
    assert "Right stance" in out


def test_list_aligns_its_columns_and_never_prints_minus_zero(tmp_path):
    """Headlines of drills are longer than walking ones: the file name comes first."""
    out = run("list", "recordings").stdout.splitlines()
    assert out[0] == "Recordings in recordings:"
    header, rows = out[1], out[2:]
    at = header.index("File")
    assert all(row[at:].startswith("demo-") for row in rows)
    assert "-0.0°" not in "\n".join(out)


def test_every_positional_argument_and_demo_option_has_help():
    from imu_monitor.cli.main import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest} has no help"


def test_recordings_go_to_the_users_recordings_folder_never_the_current_one(tmp_path):
    """Started from a source checkout, a recording must not land in it (patient data under
    version control): without -o it goes to the per-user folder, made with the demos."""
    folder = tmp_path / "user-data" / "recordings"
    env = {"IMU_MONITOR_RECORDINGS": str(folder)}
    run("record", "--source", "sim:symmetric-walk", "--fast", "--seconds", "20",
        "--patient", "P-7", cwd=tmp_path, env=env)
    made = sorted(p.name for p in folder.glob("*.imurec"))
    assert any(name.endswith("-P-7.imurec") for name in made)
    assert {p.name for p in (ROOT / "recordings").glob("demo-*.imurec")} <= set(made)
    assert not list(tmp_path.glob("*.imurec")) and not (tmp_path / "recordings").exists()
    listed = run("list", env=env).stdout
    assert listed.startswith(f"Recordings in {folder}:") and "P-7" in listed


def test_simulate_writes_the_seconds_asked_for(tmp_path):
    """A scenario's walks round up to whole laps: the session is cut to the length asked."""
    out = run("simulate", "--scenario", "trendelenburg-right", "--seconds", "37", "-o",
              tmp_path / "s.imurec").stdout
    assert "Wrote 3700 samples (37.0 s)" in out


def test_recordings_started_in_the_same_second_take_the_next_free_name(tmp_path, monkeypatch,
                                                                         capsys):
    """Another recording (another process) may take the default name between its choice and
    the file's creation: the next free name is taken, not a refusal of a name nobody chose."""
    from imu_monitor.cli import commands
    from imu_monitor.cli.main import main

    monkeypatch.setenv("IMU_MONITOR_RECORDINGS", str(tmp_path))
    chosen = commands.default_recording_path(tmp_path, "P-9")
    chosen.write_bytes(b"")  # taken by the other process meanwhile
    names = iter([chosen])
    real = commands.default_recording_path
    monkeypatch.setattr(commands, "default_recording_path",
                        lambda folder, patient: next(names, None) or real(folder, patient))
    assert main(["record", "--source", "sim:symmetric-walk", "--fast", "--seconds", "10",
                 "--patient", "P-9"]) == 0
    saved = [p for p in tmp_path.glob("*-P-9*.imurec") if p != chosen]
    assert len(saved) == 1 and saved[0].stat().st_size > 0
    assert f"to {saved[0]}" in capsys.readouterr().out
