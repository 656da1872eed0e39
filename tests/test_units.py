"""Declared units checked against the data: right ones read, wrong ones refused naming the
unit that fits, on simulated walking, running and slow single-leg drills and on real gait."""

import subprocess
import sys

import numpy as np
import pytest

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import InputDataError
from imu_monitor.importers import ImportOptions, read_samples
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import write_csv

from .conftest import bench_module, simulated

RATE = 100.0
DEG = float(np.degrees(1.0))
GAIT = ["trendelenburg-right", "walk-varied", "run"]
DRILLS = ["single-leg-stance", "hip-hike", "step-down"]
GYRO_RAD_AS_DEG = ("the gyroscope looks like rad/s, not deg/s. Read the file again with "
                   "--gyr-unit rad/s.")
GYRO_DEG_AS_RAD = ("the gyroscope looks like deg/s, not rad/s. Read the file again with "
                   "--gyr-unit deg/s.")


def _samples(scenario: str, drills_only: bool = False) -> SampleBatch:
    """A simulated session; ``drills_only``: from a second before the first drill on, so only
    slow single-leg movements and standing (no walking to tell the units by)."""
    rec = simulated(scenario, rate_hz=RATE)
    start = round((rec.truth.drills[0]["start_s"] - 1.0) * RATE) if drills_only else 0
    return rec.samples.slice(start, len(rec.samples))


def _write(path, samples: SampleBatch, acc_per_si=1.0, gyr_per_si=1.0, units=None):
    """The samples as another device's CSV: numbers in its units, declared by ``units``
    (comments ``acc_unit``/``gyr_unit``) or not at all."""
    scaled = SampleBatch(samples.time_s - samples.time_s[0], samples.seq,
                         samples.acc * acc_per_si, samples.gyr * gyr_per_si)
    if units is None:
        np.savetxt(path, np.column_stack([scaled.time_s, scaled.acc, scaled.gyr]), fmt="%.9g",
                   delimiter=",", header="time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z",
                   comments="")
    else:
        write_csv(path, scaled, RATE, units)
    return path


@pytest.mark.parametrize("scenario, drills_only", [(s, False) for s in GAIT + DRILLS]
                         + [(s, True) for s in DRILLS])
def test_right_units_are_read(tmp_path, scenario, drills_only):
    samples = _samples(scenario, drills_only)
    in_degrees = read_samples(_write(tmp_path / "deg.csv", samples, gyr_per_si=DEG,
                                 units={"acc_unit": "m/s2", "gyr_unit": "deg/s"}))
    np.testing.assert_allclose(in_degrees.samples.gyr, samples.gyr, atol=1e-8)
    in_g = read_samples(_write(tmp_path / "g.csv", samples, acc_per_si=1 / GRAVITY_MPS2),
                        ImportOptions(acc_unit="g"))
    np.testing.assert_allclose(in_g.samples.acc, samples.acc, atol=1e-6)
    assert len(read_samples(_write(tmp_path / "si.csv", samples)).samples) == len(samples)


WRONG = {
    "rad/s declared deg/s": ({"gyr_per_si": 1.0, "units": {"gyr_unit": "deg/s"}},
                             GYRO_RAD_AS_DEG),
    "deg/s declared rad/s": ({"gyr_per_si": DEG, "units": {"gyr_unit": "rad/s"}},
                             GYRO_DEG_AS_RAD),
    "deg/s undeclared": ({"gyr_per_si": DEG}, GYRO_DEG_AS_RAD),
    "g undeclared": ({"acc_per_si": 1 / GRAVITY_MPS2}, "looks like g, not m/s2. Read the "
                     "file again with --acc-unit g."),
    "m/s² declared g": ({"units": {"acc_unit": "g"}}, "looks like m/s2, not g. Read the "
                        "file again with --acc-unit m/s2."),
}


@pytest.mark.parametrize("wrong", list(WRONG))
@pytest.mark.parametrize("scenario, drills_only", [(s, False) for s in GAIT + DRILLS]
                         + [(s, True) for s in DRILLS])
def test_wrong_units_are_refused_naming_the_right_one(tmp_path, scenario, drills_only, wrong):
    written, words = WRONG[wrong]
    path = _write(tmp_path / "wrong.csv", _samples(scenario, drills_only), **written)
    with pytest.raises(InputDataError) as refused:
        read_samples(path)
    assert str(refused.value).endswith(words)


def test_a_gyroscope_offset_is_not_a_wrong_unit(tmp_path):
    """A poorly trimmed gyroscope (8 °/s off) in the right unit, during slow drills where its
    offset turns the sensor more than the drills do."""
    samples = _samples("hip-hike", drills_only=True)
    offset = SampleBatch(samples.time_s, samples.seq, samples.acc,
                         samples.gyr + np.radians(8.0) / np.sqrt(3))
    assert len(read_samples(_write(tmp_path / "offset.csv", offset)).samples) == len(samples)


def test_standing_still_in_deg_s_shows_as_an_offset_no_gyroscope_has(tmp_path):
    """Four seconds of standing, nothing else: the gyroscope's offset (under 1 °/s) read as
    rad/s is some 50 °/s while the accelerometer says the sensor is still."""
    standing = simulated("hip-hike", rate_hz=RATE).samples.slice(0, 400)
    with pytest.raises(InputDataError, match="while the sensor is still") as refused:
        read_samples(_write(tmp_path / "standing.csv", standing, gyr_per_si=DEG))
    assert str(refused.value).endswith(GYRO_DEG_AS_RAD)
    assert len(read_samples(_write(tmp_path / "standing.csv", standing, gyr_per_si=DEG,
                               units={"gyr_unit": "deg/s"})).samples) == 400


def test_a_sensor_that_never_tilts_cannot_tell_and_is_believed(tmp_path):
    """Standing still, turning on the spot at 90 °/s: gravity never moves in sensor axes."""
    n = 3000
    still = SampleBatch(np.arange(n) / RATE, np.arange(n), np.tile([0.0, 0.0, 9.81], (n, 1)),
                        np.tile([0.0, 0.0, np.radians(90.0)], (n, 1)))
    for unit, per_si in (("rad/s", 1.0), ("deg/s", DEG)):
        data = read_samples(_write(tmp_path / "still.csv", still, gyr_per_si=per_si,
                               units={"gyr_unit": unit}))
        np.testing.assert_allclose(data.samples.gyr[:, 2], np.radians(90.0))


@pytest.mark.parametrize("reading", [0.0, 0.02])
def test_a_gyroscope_that_reads_nothing_while_walking_is_refused(tmp_path, reading):
    """All zeros (or one stuck value): it gave a "good" calibration and every step "no
    peak", with nothing said."""
    walk = _samples("trendelenburg-right", drills_only=False)
    dead = SampleBatch(walk.time_s, walk.seq, walk.acc, np.full_like(walk.gyr, reading))
    with pytest.raises(InputDataError, match="reads the same value from start to end while "
                                             "the accelerometer shows movement"):
        read_samples(_write(tmp_path / "dead.csv", dead))


@pytest.mark.parametrize("unit", ["rad/s", "deg/s"])
def test_columns_that_are_no_gyroscope_in_either_unit_are_said_to_be_the_wrong_ones(tmp_path,
                                                                                    unit):
    """The accelerometer's columns mapped as the gyroscope: declared rad/s it said "looks like
    deg/s", declared deg/s it said "looks like rad/s"."""
    walk = _samples("trendelenburg-right")
    wrong = SampleBatch(walk.time_s, walk.seq, walk.acc, walk.acc.copy())
    with pytest.raises(InputDataError, match="Read in deg/s, rad/s or mdps alike, the columns "
                                             "taken for the gyroscope do not look like one"):
        read_samples(_write(tmp_path / "wrong.csv", wrong, units={"gyr_unit": unit}))


def test_the_command_line_says_it_in_a_sentence(tmp_path):
    path = _write(tmp_path / "walk.csv", _samples("trendelenburg-right"),
                  units={"gyr_unit": "deg/s"})
    result = subprocess.run([sys.executable, "-m", "imu_monitor", "import", str(path), "-o",
                             str(tmp_path / "walk.imurec")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(GYRO_RAD_AS_DEG)
    assert "Traceback" not in result.stderr


def test_real_lower_back_gait(ipol_folder, tmp_path):
    """Real trials (every fourth; bench/unit_check_ipol.py runs all 110), written in their
    true units and in each wrong one, read back as an import does."""
    bench = bench_module("unit_check_ipol")
    trials = bench.load_all(ipol_folder)[::4]
    wrong = [(trial.name, case.name, said) for trial in trials
             for case, right, said in bench.verdicts(trial, tmp_path) if not right]
    assert wrong == []
    swapped = [bench.mixed_axes_refused(trial, tmp_path)[0] for trial in trials]  # x and y
    assert sum(swapped) >= 0.75 * len(trials)


def _analysed(path) -> dict[str, float | None]:
    from imu_monitor.pipeline import analyze_samples
    data = read_samples(path)
    summary = analyze_samples(data.samples, data.rate_hz).summary
    return {side: summary.side(side).mean_peak_drop_deg for side in ("left", "right")}


def test_a_gyroscope_badly_zeroed_within_what_the_filter_learns_is_analysed(tmp_path):
    """8 °/s on each axis (12 °/s across gravity) is more than the unit check's limit for a
    gyroscope's offset, but within what the orientation filter learns on each axis: it had
    been refused as "columns that do not look like a gyroscope"; it reads as zeroed."""
    walk = _samples("trendelenburg-right")
    offset = SampleBatch(walk.time_s, walk.seq, walk.acc,
                         walk.gyr + np.radians([8.0, 8.0, -8.0]))
    zeroed, off = (_analysed(_write(tmp_path / name, s)) for name, s in
                   (("zeroed.csv", walk), ("offset.csv", offset)))
    for side in zeroed:
        assert off[side] == pytest.approx(zeroed[side], abs=0.05)
    further = SampleBatch(walk.time_s, walk.seq, walk.acc,
                          walk.gyr + np.radians([14.0, 14.0, -14.0]))
    with pytest.raises(InputDataError, match="Zero the gyroscope"):
        read_samples(_write(tmp_path / "further.csv", further))


@pytest.mark.parametrize("where_s", [3.0, 12.0])  # standing; walking
def test_one_glitched_sample_is_left_out_not_the_recording(tmp_path, where_s):
    """One gyroscope sample of 2000 °/s (a flipped bit): the unit check had refused a whole
    real walk for it; taken in, it turns the orientation 20° at once."""
    walk = _samples("trendelenburg-right")
    gyr = walk.gyr.copy()
    gyr[round(where_s * RATE), 1] = np.radians(2000.0)
    glitched = SampleBatch(walk.time_s, walk.seq, walk.acc, gyr)
    path = _write(tmp_path / "glitch.csv", glitched)
    data = read_samples(path)
    assert data.metadata["timing"]["glitch_samples"] == 1
    assert len(data.samples) == len(walk) - 1
    clean = _analysed(_write(tmp_path / "clean.csv", walk))
    for side, value in _analysed(path).items():
        assert value == pytest.approx(clean[side], abs=0.1)


@pytest.mark.parametrize("scenario", ["turns-frequent", "room-4m", "everyday"])
def test_gyroscope_axes_that_are_not_the_accelerometer_s_are_refused(tmp_path, scenario):
    """Two gyroscope columns swapped in a column map: the units fit, standing tells nothing,
    and a real walk's −1.7° asymmetry had read +7.2°. Its turns tilt gravity far away where
    the accelerometer sees none; the same walk with its own axes is read."""
    walk = simulated(scenario, rate_hz=RATE).samples
    swapped = SampleBatch(walk.time_s, walk.seq, walk.acc, walk.gyr[:, [1, 0, 2]])
    with pytest.raises(InputDataError, match="The gyroscope's axes are not the accelerometer's"):
        read_samples(_write(tmp_path / "swapped.csv", swapped))
    assert len(read_samples(_write(tmp_path / "own.csv", walk)).samples) == len(walk)


def test_milli_units_as_st_loggers_write_them_are_read_and_checked(tmp_path):
    """mg and mdps (ST sensors' loggers): a file naming them had been "not a format we
    recognise", and --acc-unit offered only g or m/s²."""
    walk = _samples("trendelenburg-right")
    n = len(walk)
    header = "Time [ms],A_X [mg],A_Y [mg],A_Z [mg],G_X [mdps],G_Y [mdps],G_Z [mdps]"
    milli = np.column_stack([walk.time_s * 1e3, walk.acc / GRAVITY_MPS2 * 1e3,
                             np.degrees(walk.gyr) * 1e3])
    st = tmp_path / "st.csv"
    np.savetxt(st, milli, fmt="%.6f", delimiter=",", header=header, comments="")
    data = read_samples(st)
    np.testing.assert_allclose(data.samples.acc, walk.acc, atol=1e-5)
    np.testing.assert_allclose(data.samples.gyr, walk.gyr, atol=1e-7)
    assert len(data.samples) == n
    dps = tmp_path / "dps.csv"  # deg/s numbers declared mdps: a thousand times too slow
    np.savetxt(dps, np.column_stack([walk.time_s, walk.acc, np.degrees(walk.gyr)]), fmt="%.9g",
               delimiter=",", header="t [s],ax [m/s2],ay [m/s2],az [m/s2],gx [mdps],gy [mdps],"
               "gz [mdps]", comments="")
    with pytest.raises(InputDataError, match="looks like deg/s, not mdps"):
        read_samples(dps, ImportOptions(columns="time=t [s],acc=ax [m/s2]:ay [m/s2]:az [m/s2],"
                                                "gyr=gx [mdps]:gy [mdps]:gz [mdps]"))
    with pytest.raises(InputDataError, match="looks like mg, not g"):
        read_samples(_write(tmp_path / "mg.csv", walk, acc_per_si=1e3 / GRAVITY_MPS2,
                            units={"acc_unit": "g"}))


def test_a_gyroscope_logged_at_half_the_rate_is_interpolated_not_lost(tmp_path):
    """Empty gyroscope cells in every other row (a logger writing the gyroscope at half the
    accelerometer's rate): every such row had been a lost sample, half the recording, and no
    step was counted."""
    walk = _samples("trendelenburg-right")
    rows = np.column_stack([walk.time_s, walk.acc, walk.gyr])
    lines = ["time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"]
    for k, row in enumerate(rows):
        values = [f"{v:.9g}" for v in row]
        lines.append(",".join(values if k % 2 == 0 else [*values[:4], "", "", ""]))
    half = tmp_path / "half.csv"
    half.write_text("\n".join(lines) + "\n")
    data = read_samples(half)
    # (the last row, with no gyroscope value after it, stays a lost sample)
    assert data.metadata["timing"]["gyroscope_interpolated_rows"] == len(walk) // 2 - 1
    assert len(data.samples) == len(walk) - 1
    whole = _analysed(_write(tmp_path / "whole.csv", walk))
    for side, value in _analysed(half).items():
        assert value == pytest.approx(whole[side], abs=0.1)


@pytest.mark.parametrize("axis", [0, 2])
def test_one_dead_gyroscope_axis_is_named_not_read_or_blamed_on_swapped_axes(tmp_path, axis):
    """A gyroscope column of zeros while the body walks: a real walk had been analysed with
    its sides 4° off and no word, or refused as "two axes swapped"."""
    walk = _samples("trendelenburg-right")
    gyr = walk.gyr.copy()
    gyr[:, axis] = 0.0
    dead = _write(tmp_path / "dead.csv", SampleBatch(walk.time_s, walk.seq, walk.acc, gyr))
    column = ("first", "second", "third")[axis]
    with pytest.raises(InputDataError, match=f"gyroscope's {'xyz'[axis]} axis \\(the {column} "
                                             "of its three columns\\).*not measuring"):
        read_samples(dead)


@pytest.mark.parametrize("filled_in", ["held", "interpolated"])
def test_values_a_logger_wrote_in_are_lost_samples_not_measurements(tmp_path, filled_in):
    """A logger that holds its last value while no sample comes, or a spreadsheet's straight
    line drawn across a gap: one such second in a real walk made counted steps read 12–27°.
    Read as lost samples, the walk reads as without them."""
    walk = _samples("trendelenburg-right")
    acc, gyr = walk.acc.copy(), walk.gyr.copy()
    start, stop = round(12.0 * RATE), round(13.0 * RATE)  # walking
    for values in (acc, gyr):
        if filled_in == "held":
            values[start:stop] = values[start - 1]
        else:
            share = (np.arange(1, stop - start + 1) / (stop - start + 1))[:, None]
            values[start:stop] = values[start - 1] + (values[stop] - values[start - 1]) * share
    path = _write(tmp_path / "filled.csv", SampleBatch(walk.time_s, walk.seq, acc, gyr))
    data = read_samples(path)
    written_in = data.metadata["timing"]["written_in_samples"]
    assert stop - start - 1 <= written_in <= stop - start
    assert len(data.samples) == len(walk) - written_in
    measured = _analysed(_write(tmp_path / "walk.csv", walk))
    for side, value in _analysed(path).items():
        assert value == pytest.approx(measured[side], abs=0.1)


def test_a_slower_sensor_written_several_times_a_sample_is_measured(tmp_path):
    """Each value written five times (a 20 Hz sensor logged at 100 Hz): the rows around a
    repeat repeat too, so it is a slower sensor, not a logger filling gaps: nothing is taken
    out."""
    walk = _samples("trendelenburg-right")
    held = np.repeat(np.arange(0, len(walk), 5), 5)[:len(walk)]
    slow = SampleBatch(walk.time_s, walk.seq, walk.acc[held], walk.gyr[held])
    data = read_samples(_write(tmp_path / "slow.csv", slow))
    assert "written_in_samples" not in data.metadata["timing"]
    assert len(data.samples) == len(walk)


@pytest.mark.parametrize("scenario", ["hip-hike", "step-down"])
def test_a_coarsely_written_sensor_repeating_itself_is_measured(tmp_path, scenario):
    """g to two decimals and whole degrees a second: slow drills repeat rows by themselves.
    Judged by how much the body moved, 15 % of such a drill's real rows had been taken for a
    logger's; judged by how often the rows change, none is."""
    samples = simulated(scenario, rate_hz=RATE).samples
    acc_g = np.round(samples.acc / GRAVITY_MPS2, 2)
    gyr_dps = np.round(samples.gyr * DEG)
    coarse = SampleBatch(samples.time_s, samples.seq, acc_g * GRAVITY_MPS2, gyr_dps / DEG)
    data = read_samples(_write(tmp_path / "coarse.csv", coarse, 1 / GRAVITY_MPS2, DEG,
                               units={"acc_unit": "g", "gyr_unit": "deg/s"}))
    assert "written_in_samples" not in data.metadata["timing"]
    assert len(data.samples) == len(samples)
