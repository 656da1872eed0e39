"""Other vendors' files: each imports the known samples exactly, with its counters and clocks
wrapping mid-file, its missing packets counted, its units converted, and analyses exactly as
the same samples do in our own CSV form."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from imu_monitor.analysis import analyze_source
from imu_monitor.errors import InputDataError
from imu_monitor.importers import ImportOptions, SensorChoiceNeeded, read_samples
from imu_monitor.importers.columns import one_sensor
from imu_monitor.importing import import_file
from imu_monitor.processing.orientation import offline_orientation
from imu_monitor.recording import open_recording
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.testing.sensor_rows import write_sensor_logger_export, write_sensor_rows

from . import vendor_files as vf
from .conftest import simulated

RATE = 100.0


def _walk(rate: float = RATE) -> SampleBatch:
    return simulated("trendelenburg-right", rate_hz=rate).samples


def _without(samples: SampleBatch, rows: slice) -> SampleBatch:
    """The samples with some lost before they reached the file."""
    keep = np.ones(len(samples), bool)
    keep[rows] = False
    k = np.flatnonzero(keep)
    return SampleBatch(samples.time_s[k], samples.seq[k], samples.acc[k], samples.gyr[k],
                       None, None if samples.quat is None else samples.quat[k])


def _same_samples(imported, known: SampleBatch, acc_atol=1e-9, gyr_atol=1e-9,
                  time_atol=1e-6) -> None:
    got = imported.samples
    np.testing.assert_array_equal(got.seq, known.seq - known.seq[0])
    np.testing.assert_allclose(got.time_s, known.time_s - known.time_s[0], atol=time_atol)
    np.testing.assert_allclose(got.acc, known.acc, atol=acc_atol)
    if np.isfinite(known.gyr).all():
        np.testing.assert_allclose(got.gyr, known.gyr, atol=gyr_atol)


def _summary(source) -> dict:
    _, analysis = analyze_source(source)
    s = analysis.summary
    return {"steps": s.steps, "left": s.left.mean_peak_drop_deg,
            "right": s.right.mean_peak_drop_deg, "cadence": s.cadence_spm}


def _same_analysis(path, known: SampleBatch, rate: float, tmp_path, options=None,
                   min_steps: int = 40, tolerance: float = 0.02) -> dict:
    """The vendor's file and our CSV of the known samples analyse alike."""
    ours = tmp_path / "ours.csv"
    write_csv(ours, SampleBatch(known.time_s - known.time_s[0], known.seq - known.seq[0],
                                known.acc, known.gyr, None, known.quat), rate)
    theirs, reference = _summary(ImportedFile(path, options)), _summary(ImportedFile(ours))
    assert theirs["steps"] == reference["steps"] > min_steps
    for key in ("left", "right", "cadence"):
        assert theirs[key] == pytest.approx(reference[key], abs=tolerance)
    return theirs


# ------------------------------------------------------------------ re-saved by a spreadsheet
@pytest.mark.parametrize("separator, comma", [(";", True), ("\t", False), ("\t", True)])
def test_our_csv_and_an_xsens_export_re_saved_the_european_way(tmp_path, separator, comma):
    """Semicolons or tabs, decimal commas: refused as "lacks the column(s) of our CSV" (and
    an Xsens export with decimal commas was refused whatever --decimal-comma said)."""
    known = _walk()

    def european(path):
        rows = []
        for row in path.read_text().splitlines():
            if row.startswith(("#", "//")) or not row.strip():  # comments, preamble
                rows.append(row)
                continue
            cells = row.split("," if "," in row else "\t")
            rows.append(separator.join(c.replace(".", ",") if comma else c for c in cells))
        path.write_text("\n".join(rows) + "\n")
        return path

    ours = tmp_path / "ours.csv"
    write_csv(ours, known, RATE)
    _same_samples(read_samples(european(ours)), known, acc_atol=1e-6, gyr_atol=1e-6)
    if separator == "\t" and comma:
        path = european(vf.write_mt_manager(tmp_path / "MT_012345_000.txt", known, RATE))
        _same_samples(read_samples(path), known, acc_atol=1e-6, gyr_atol=1e-6)


# ------------------------------------------------------------------ Xsens MT Manager
def test_mt_manager_export_wraps_counter_and_clock_and_counts_a_lost_packet(tmp_path):
    known = _without(_walk(), slice(2000, 2005))
    path = vf.write_mt_manager(tmp_path / "MT_012345_000.txt", known, RATE)
    data = read_samples(path)
    assert data.metadata["format"] == "xsens-mt"
    assert data.metadata["timing"]["missing_samples"] == 5
    assert data.rate_hz == RATE and data.metadata["clock"] == "sensor"
    _same_samples(data, known)
    assert data.metadata["vendor"]["firmware"] == "4.0.2"
    assert data.metadata["vendor"]["filter_profile"] == "human (46.1)"
    summary = _same_analysis(path, known, RATE, tmp_path)
    assert summary["right"] > summary["left"] + 3  # the simulated right-stance drop


def test_one_empty_clock_field_loses_one_sample_not_the_clock(tmp_path):
    """An empty SampleTimeFine threw the whole clock away: lost samples went unseen."""
    known = _without(_walk(), slice(2000, 2005))
    path = vf.write_mt_manager(tmp_path / "MT_012345_000.txt", known, RATE)
    lines = path.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if "SampleTimeFine" in ln)
    column = lines[header].split("\t").index("SampleTimeFine")
    cells = lines[header + 301].split("\t")
    cells[column] = ""
    lines[header + 301] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    data = read_samples(path)
    assert data.metadata["clock"] == "sensor"
    assert data.metadata["timing"]["missing_samples"] == 6  # the 5 lost, and that row
    assert data.metadata["timing"]["unreadable_rows"] == 1


def test_mt_manager_header_of_a_newer_version(tmp_path):
    """MT Manager 2022: no update rate line, date columns of NaN, a Status column."""
    known = _walk()
    path = vf.write_mt_manager(tmp_path / "newer.txt", known, RATE, newer=True)
    data = read_samples(path)
    assert data.rate_hz == pytest.approx(RATE)  # measured from SampleTimeFine
    _same_samples(data, known)
    vendor = data.metadata["vendor"]
    assert (vendor["serial"], vendor["model"], vendor["firmware"]) == (
        "00B42D4F", "MTW2-3A7G6", "4.4.0")
    assert vendor["software"] == "2022.2.0"


def test_a_long_pause_is_not_hidden_by_the_16_bit_counter(tmp_path):
    """A 70 000-sample silence wraps PacketCounter once more; the clock beside it says so."""
    known = _walk()
    shifted = np.where(np.arange(len(known)) >= 3000, known.seq + 70_000, known.seq)
    paused = SampleBatch(shifted / RATE, shifted, known.acc, known.gyr)
    data = read_samples(vf.write_mt_manager(tmp_path / "pause.txt", paused, RATE))
    assert data.metadata["timing"]["missing_samples"] == 70_000


# ------------------------------------------------------------------ Movella DOT
def test_dot_rate_quantities_export(tmp_path):
    """Gyroscope in °/s, SampleTimeFine in µs wrapping 5 s in, a lost packet."""
    known = _without(_walk(60.0), slice(700, 702))
    path = vf.write_dot(tmp_path / "dot.csv", known, 60.0)
    data = read_samples(path)
    assert data.metadata["format"] == "movella-dot"
    assert data.metadata["gyr_unit"] == "deg/s" and data.rate_hz == 60.0
    assert data.metadata["timing"]["missing_samples"] == 2
    assert data.metadata["start_utc"] == "2026-03-05T14:12:33+00:00"
    assert data.metadata["vendor"]["serial"] == "Sacrum"
    _same_samples(data, known, gyr_atol=1e-12)
    _same_analysis(path, known, 60.0, tmp_path)


@pytest.mark.parametrize("mode", ["quaternion", "euler"])
def test_dot_orientation_exports_take_the_orientation_only_path(tmp_path, mode):
    """Quaternion (or Euler) and free acceleration: the specific force is rebuilt exactly and
    the sensor's orientation is used instead of our filter, as on the DOT's live link."""
    walk = _walk(60.0)
    quat = offline_orientation(walk.gyr, walk.acc, 60.0)
    known = SampleBatch(walk.time_s, walk.seq, walk.acc, np.full_like(walk.gyr, np.nan), None,
                        quat)
    path = vf.write_dot(tmp_path / f"{mode}.csv", known, 60.0, mode, quat)
    data = read_samples(path)
    assert data.metadata["orientation_only"] is True
    assert np.isnan(data.samples.gyr).all()
    _same_samples(data, known, acc_atol=1e-6)
    assert np.abs(np.abs((data.samples.quat * quat).sum(axis=1)) - 1).max() < 1e-9
    _same_analysis(path, SampleBatch(known.time_s, known.seq, data.samples.acc, known.gyr, None,
                                     data.samples.quat), 60.0, tmp_path)


def test_dot_orientation_alone_is_refused_with_the_modes_that_work(tmp_path):
    walk = _walk(60.0)
    quat = offline_orientation(walk.gyr, walk.acc, 60.0)
    path = vf.write_dot(tmp_path / "orientation.csv", walk, 60.0, "orientation", quat)
    with pytest.raises(InputDataError, match=r"no acceleration.*complete"):
        read_samples(path)


# ------------------------------------------------------------------ WitMotion
def test_witmotion_export_in_g_and_degrees_with_the_chip_clock(tmp_path):
    known = _without(_walk(), slice(1500, 1503))
    path = vf.write_witmotion(tmp_path / "20260305141233.txt", known, RATE)
    data = read_samples(path)
    assert (data.metadata["format"], data.metadata["clock"]) == ("witmotion", "sensor")
    assert (data.metadata["acc_unit"], data.metadata["gyr_unit"]) == ("g", "deg/s")
    assert data.metadata["timing"]["missing_samples"] == 3
    _same_samples(data, known, acc_atol=1e-9, gyr_atol=1e-9)
    _same_analysis(path, known, RATE, tmp_path)


def test_witmotion_host_clock_several_sensors_and_decimal_commas(tmp_path):
    """No chip time: the jittered host clock is placed on the grid; two sensors in one file
    need --sensor; decimal commas are recognised."""
    known = _walk()
    path = vf.write_witmotion(tmp_path / "two.txt", known, RATE, chip_time=False,
                              devices=("WT901BLE67(d6:a8)", "WT901BLE68(e1:07)"),
                              decimal_comma=True)
    with pytest.raises(InputDataError, match="--sensor NAME"):
        read_samples(path)
    data = read_samples(path, ImportOptions(sensor="WT901BLE67(d6:a8)"))
    assert data.metadata["clock"] == "host"
    assert data.metadata["timing"]["missing_samples"] == 0
    _same_samples(data, known, time_atol=0.03)  # the host's own, jittered times


def test_witmotion_header_that_lies_about_the_gyroscope_unit_is_refused(tmp_path):
    """Values in rad/s under a °/s header: the tilt the gyroscope integrates contradicts the
    accelerometer, and the right unit is named."""
    path = vf.write_witmotion(tmp_path / "lying.txt", _walk(), RATE, gyr_scale=1.0)
    with pytest.raises(InputDataError, match="looks like rad/s"):
        read_samples(path)
    assert len(read_samples(path, ImportOptions(gyr_unit="rad/s")).samples) == len(_walk())


# ------------------------------------------------------------------ APDM Opal
@pytest.mark.parametrize("version", [5, 3])
def test_apdm_takes_the_lumbar_sensor(tmp_path, version):
    pytest.importorskip("h5py")
    known = _walk(128.0)
    path = vf.write_apdm(tmp_path / "session.h5", known, 128.0, version=version)
    data = read_samples(path)
    assert data.metadata["format"] == "apdm-h5"
    assert data.metadata["vendor"]["label"] == "Lumbar"
    assert data.metadata["start_utc"] == "2026-03-05T14:12:33+00:00"
    _same_samples(data, known)
    _same_analysis(path, known, 128.0, tmp_path)


@pytest.mark.parametrize("sep, wide_range, comma", [("\t", True, False), (";", False, True),
                                                   (",", True, False)])
def test_shimmer_consensys_export(tmp_path, sep, wide_range, comma):
    """A Consensys export could not be read even with --columns: its units row under the
    names was taken for a sample ("'m/(s^2)', not a number")."""
    known = _walk()
    path = vf.write_shimmer(tmp_path / "shimmer.csv", known, RATE, sep=sep,
                            wide_range=wide_range, comma=comma)
    data = read_samples(path)
    assert data.metadata["format"] == "shimmer" and data.rate_hz == pytest.approx(RATE)
    assert data.metadata["vendor"]["accelerometer"] == ("Accel_WR" if wide_range
                                                        else "Accel_LN")
    if wide_range:  # (the low-noise one is clipped at 2 g, as the sensor's range is)
        _same_samples(data, known, acc_atol=1e-9, gyr_atol=1e-9)
        _same_analysis(path, known, RATE, tmp_path)


def test_a_shimmer_export_of_two_sensors_asks_which_and_never_mixes_them(tmp_path):
    """The last device's column won for each signal: one Shimmer's accelerometer with the
    other's gyroscope, said of neither."""
    from imu_monitor.importers.assemble import SensorChoiceNeeded

    known = _walk()
    one = vf.write_shimmer(tmp_path / "one.csv", known, RATE).read_text().splitlines()
    names, units = one[1].rstrip("\t").split("\t"), one[2].rstrip("\t").split("\t")
    other = [n.replace("Shimmer_8A4F", "Shimmer_77B1") for n in names[1:]]
    rows = [r.rstrip("\t").split("\t") for r in one[3:]]
    lines = [one[0], "\t".join(names + other), "\t".join(units + units[1:])]
    lines += ["\t".join(r + [str(-float(v)) for v in r[1:]]) for r in rows]
    path = tmp_path / "two.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SensorChoiceNeeded, match="Shimmer_8A4F, Shimmer_77B1"):
        read_samples(path)
    data = read_samples(path, ImportOptions(sensor="Shimmer_77B1"))
    np.testing.assert_allclose(data.samples.acc, -known.acc, atol=1e-9)
    np.testing.assert_allclose(data.samples.gyr, -known.gyr, atol=1e-9)


def test_a_csv_of_two_sensors_interleaved_asks_which_and_never_mixes_them(tmp_path):
    """Two sensors' rows at the same times, named in a 'sensor' column: read as one sensor at
    twice the rate, their motions mixed, with nothing said; and any --sensor was accepted."""
    from imu_monitor.importers.assemble import SensorChoiceNeeded

    known = _walk()
    n = len(known)
    lines = ["time_s,sensor,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"]
    for k in range(n):
        for name, sign in (("sacrum", 1.0), ("thigh", -1.0)):
            values = ",".join(f"{sign * v:.9g}" for v in (*known.acc[k], *known.gyr[k]))
            lines.append(f"{k / RATE:.6f},{name},{values}")
    path = tmp_path / "two.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SensorChoiceNeeded, match="sacrum, thigh"):
        read_samples(path)
    with pytest.raises(InputDataError, match="has no sensor 'hip'"):
        read_samples(path, ImportOptions(sensor="hip"))
    data = read_samples(path, ImportOptions(sensor="sacrum"))
    np.testing.assert_allclose(data.samples.acc, known.acc, rtol=1e-7, atol=1e-7)
    assert data.rate_hz == pytest.approx(RATE)
    one = tmp_path / "one.csv"
    one.write_text("\n".join(ln.replace(",sacrum", "").replace("sensor,", "")
                             for ln in lines if ",thigh," not in ln) + "\n")
    with pytest.raises(InputDataError, match="leave out --sensor"):
        read_samples(one, ImportOptions(sensor="sacrum"))


def test_apdm_without_a_lumbar_label_asks_which_sensor(tmp_path):
    pytest.importorskip("h5py")
    known = _walk(128.0)
    path = vf.write_apdm(tmp_path / "s.h5", known, 128.0, labels=("Sternum", "Belt"),
                         carrier="Belt")
    with pytest.raises(InputDataError, match=r"'Belt'.*--sensor LABEL"):
        read_samples(path)
    _same_samples(read_samples(path, ImportOptions(sensor="belt")), known)


# ------------------------------------------------------------------ any CSV, mapped
def _generic(path, samples, header, acc_scale=1.0, gyr_scale=1.0, time_scale=1.0, sep=","):
    rows = [sep.join(repr(float(v)) for v in (t, *(a * acc_scale), *(g * gyr_scale)))
            for t, a, g in zip(samples.time_s * time_scale, samples.acc, samples.gyr,
                               strict=True)]
    path.write_text("\n".join([sep.join(header), *rows]) + "\n", encoding="utf-8")
    return path


def test_mapped_csv_with_units_in_its_header(tmp_path):
    known = _walk()
    path = _generic(tmp_path / "phone.csv", known,
                    ["Timestamp (ms)", "AccX (g)", "AccY (g)", "AccZ (g)", "GyrX [deg/s]",
                     "GyrY [deg/s]", "GyrZ [deg/s]"], 1 / 9.80665, 180 / np.pi, 1000.0, ";")
    options = ImportOptions(columns="time=Timestamp (ms),acc=AccX (g):AccY (g):AccZ (g),"
                                    "gyr=GyrX [deg/s]:GyrY [deg/s]:GyrZ [deg/s]")
    data = read_samples(path, options)
    assert (data.metadata["acc_unit"], data.metadata["gyr_unit"]) == ("g", "deg/s")
    _same_samples(data, known, acc_atol=1e-9, gyr_atol=1e-9)
    _same_analysis(path, known, RATE, tmp_path, options)


@pytest.mark.parametrize("header, sep, comma", [
    (["time [s]", "acc_x [m/s²]", "acc_y [m/s²]", "acc_z [m/s²]", "gyr_x [deg/s]",
      "gyr_y [deg/s]", "gyr_z [deg/s]"], ",", False),
    (["Zeit (ms)", "AccX (m/s²)", "AccY (m/s²)", "AccZ (m/s²)", "GyrX (°/s)", "GyrY (°/s)",
      "GyrZ (°/s)"], ";", True),
    (["Timestamp (ms)", "Gyro X (deg/s)", "Gyro Y (deg/s)", "Gyro Z (deg/s)",
      "Acceleration X (g)", "Acceleration Y (g)", "Acceleration Z (g)"], "\t", False),
])
def test_a_header_that_names_every_column_and_unit_needs_no_map(tmp_path, header, sep, comma):
    """Such files were refused as "not a format we recognise", with an example map whose
    names were not the file's own."""
    known = _walk()
    gyro_first = header[1].startswith("Gyro")
    acc_scale = 1 / 9.80665 if "(g)" in header[-1] else 1.0
    rows = [sep.join(f"{v:.9g}" for v in (t * 1000 if "ms" in header[0] else t,
                                          *(g * 180 / np.pi if gyro_first else a * acc_scale),
                                          *(a * acc_scale if gyro_first else g * 180 / np.pi)))
            for t, a, g in zip(known.time_s, known.acc, known.gyr, strict=True)]
    text = "\n".join([sep.join(header), *rows]) + "\n"
    path = tmp_path / "named.csv"
    path.write_text(text.replace(".", ",") if comma else text, encoding="cp1252" if comma
                    else "utf-8")
    _same_samples(read_samples(path), known, acc_atol=1e-6, gyr_atol=1e-8)
    without_units = [name.split(" [")[0].split(" (")[0] for name in header]
    path.write_text("\n".join([sep.join(without_units), *rows[:500]]) + "\n")
    with pytest.raises(InputDataError, match="names its columns but not all their units. Read "
                                             f"it with --columns time={without_units[0]},"):
        read_samples(path)
    # the units given (the app asks for them) are enough: the header names the columns
    given = ImportOptions(acc_unit="g" if acc_scale != 1.0 else "m/s2", gyr_unit="deg/s")
    _same_samples(read_samples(path, given), known.slice(0, 500), acc_atol=1e-6, gyr_atol=1e-8)


@pytest.mark.parametrize("header", [
    ["unix_time [s]", "ax (m/s2)", "ay (m/s2)", "az (m/s2)", "gx (deg/s)", "gy (deg/s)",
     "gz (deg/s)"],
    ["elapsed time (s)", "Acc X (m/s2)", "Acc Y (m/s2)", "Acc Z (m/s2)", "gx [deg/s]",
     "gy [deg/s]", "gz [deg/s]"],
])
def test_short_and_unix_names_with_their_units_need_no_map(tmp_path, header):
    """"ax (m/s2)" (its unit says the sensor) and "unix_time [s]" had been "not a format we
    recognise", the refusal's example map naming columns the file does not have."""
    known = _walk()
    rows = [f"{t + 1.7e9:.3f}," + ",".join(f"{v:.9g}" for v in (*a, *np.degrees(g)))
            for t, a, g in zip(known.time_s, known.acc, known.gyr, strict=True)]
    path = tmp_path / "short.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n")
    _same_samples(read_samples(path), known, acc_atol=1e-6, gyr_atol=1e-8, time_atol=1e-3)


def test_a_file_without_a_header_is_mapped_by_column_number(tmp_path):
    """A microcontroller's serial log: a banner line, then rows of numbers in the firmware's
    order (here time in ms, gyroscope before accelerometer, in g and deg/s). It had been
    refused twice — "not a format we recognise", then "no header line with the columns 1…"
    when mapped by number."""
    known = _walk()
    rows = [f"{1000 * t:.1f}," + ",".join(f"{v:.9g}" for v in (*np.degrees(g), *(a / 9.80665)))
            for t, a, g in zip(known.time_s, known.acc, known.gyr, strict=True)]
    path = tmp_path / "serial.csv"
    path.write_text("IMU logger v2 ready\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputDataError, match=r"no header line naming its columns.*by number"):
        read_samples(path)
    options = ImportOptions(columns="time=1,acc=5:6:7,gyr=2:3:4", acc_unit="g",
                            gyr_unit="deg/s")
    _same_samples(read_samples(path, options), known, acc_atol=1e-6, gyr_atol=1e-8,
                  time_atol=1e-4)
    _same_analysis(path, known, RATE, tmp_path, options)
    swapped = ImportOptions(columns="time=1,acc=2:3:4,gyr=5:6:7", acc_unit="g",
                            gyr_unit="deg/s")
    with pytest.raises(InputDataError):  # the sensors' columns swapped are not analysed
        read_samples(path, swapped)
    # The logger started writing mid-line ("56,…" for "123456.0,…"), or wrote a row of zeros
    # first: that row had stretched the one-minute walk to three, 12 000 samples "lost".
    for first in ("56,0.1,0.2,0.3,0.01,0.98,0.02", "0,0,0,0,0,0,0"):
        cut = tmp_path / "cut.csv"
        cut.write_text(first + "\n" + "\n".join(
            f"{123456 + 1000 * t:.1f}," + row.split(",", 1)[1]
            for t, row in zip(known.time_s, rows, strict=True)) + "\n")
        data = read_samples(cut, options)
        assert data.metadata["timing"]["missing_samples"] == 0
        assert data.metadata["timing"]["unreadable_rows"] == 1
        assert data.samples.time_s[-1] == pytest.approx(known.time_s[-1] - known.time_s[0])
    # A sample counter mapped as the time would be milliseconds at 1000 Hz: asked, not read.
    counter = tmp_path / "counter.csv"
    counter.write_text("\n".join(f"{k}," + row.split(",", 1)[1]
                                 for k, row in enumerate(rows)) + "\n")
    with pytest.raises(InputDataError, match="a sample counter, or milliseconds at 1000 Hz"):
        read_samples(counter, options)
    with_gaps = tmp_path / "counter with gaps.csv"  # a few counts skipped: still a counter
    with_gaps.write_text("\n".join(f"{k + k // 500}," + row.split(",", 1)[1]
                                   for k, row in enumerate(rows)) + "\n")
    with pytest.raises(InputDataError, match="a sample counter, or milliseconds at 1000 Hz"):
        read_samples(with_gaps, options)
    calibration = tmp_path / "calibration line.csv"  # numbers under a word where the time is
    calibration.write_text("CAL,0.01,0.02,-0.01,0.5,0.4,0.3\n" + path.read_text())
    assert len(read_samples(calibration, options).samples) == len(known)
    cut_last = tmp_path / "cut last.csv"  # the logger killed while writing its last time
    cut_last.write_text(path.read_text() + "5\n")
    assert read_samples(cut_last, options).metadata["timing"]["missing_samples"] == 0
    assert len(read_samples(counter, ImportOptions(columns="acc=5:6:7,gyr=2:3:4", acc_unit="g",
                                                   gyr_unit="deg/s", rate_hz=RATE)).samples) \
        == len(known)


@pytest.mark.parametrize("header, names", [
    ("timestamp_ns,sensor,x,y,z", ("android.sensor.accelerometer", "android.sensor.gyroscope")),
    ("Time (ns);Type;values[0];values[1];values[2]", ("ACC", "GYRO")),
    ("time_ns,sensor_name,x,y,z", ("LSM6DSO Accelerometer", "LSM6DSO Gyroscope")),  # getName()
    ("timestamp,type,x,y,z", ("1", "4")),  # Android's sensor type numbers
])
def test_each_sensor_on_rows_of_its_own(tmp_path, header, names):
    """Android loggers write one sensor event a row, each sensor on its own clock, other
    sensors between: it had been "not a format we recognise". The gyroscope is interpolated
    onto the accelerometer's times; the analysis is the known samples'."""
    walk = _walk(2 * RATE)
    path = write_sensor_rows(tmp_path / "android.csv", walk, header=header.replace(";", ","),
                                names=names)
    with pytest.raises(InputDataError, match="does not say the units of its sensors"):
        read_samples(path)
    options = ImportOptions(acc_unit="m/s2", gyr_unit="rad/s")
    data = read_samples(path, options)
    assert data.metadata["format"] == "sensor-rows"
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])
    # the first accelerometer sample has no gyroscope before it: lost
    inner = known.slice(1, len(known))
    np.testing.assert_allclose(data.samples.acc, inner.acc[:len(data.samples.acc)], atol=1e-9)
    # the gyroscope between its own samples, half an interval away: a few per cent off
    error = np.sqrt(np.mean((data.samples.gyr - inner.gyr[:len(data.samples.gyr)]) ** 2))
    assert error < 0.05 * np.sqrt(np.mean(inner.gyr ** 2))
    # the two sensors' clocks half an interval apart: within the jittered-times target
    _same_analysis(path, known, RATE, tmp_path, options, tolerance=0.05)
    lines = path.read_text().splitlines()
    gyro = [k for k, line in enumerate(lines) if line.split(",")[1] == names[1]]
    lines.insert(gyro[50], lines[gyro[50]])  # a repeated row
    lines[gyro[60]] = ",".join([*lines[gyro[60]].split(",")[:2], "", "", ""])  # an empty one
    path.write_text("\n".join(lines) + "\n")
    again = read_samples(path, options)
    assert len(again.samples) == len(data.samples)
    assert np.isfinite(again.samples.gyr).all()
    lines = path.read_text().splitlines()  # a marker's row, text where numbers would be
    lines.insert(300, lines[300].split(",")[0] + ",annotation,start of the walk,,")
    path.write_text("\n".join(lines) + "\n")
    assert len(read_samples(path, options).samples) == len(data.samples)


def _sensor_rows_as_a_host_writes_them(path, walk, stamp):
    """Each sensor's rows in the order they arrived, with the times ``stamp`` gives them (the
    accelerometer the even samples, the gyroscope the odd ones); other sensors between,
    uncalibrated ones among them (never taken for the sensor itself)."""
    rows = []
    for name, pick, values in (("accelerometer", slice(0, None, 2), walk.acc),
                               ("gyroscope", slice(1, None, 2), walk.gyr),
                               ("Accelerometer (uncalibrated)", slice(0, None, 2), walk.acc + 3),
                               ("Gyroscope (uncalibrated)", slice(1, None, 2), walk.gyr + 0.2)):
        rows += [(arrival, f"{round(t * 1e3)},{name}," + ",".join(repr(float(x)) for x in v))
                 for arrival, t, v in zip(walk.time_s[pick], stamp(walk.time_s[pick]),
                                          values[pick], strict=True)]
    rows.sort(key=lambda row: row[0])
    path.write_text("time_ms,sensor,x,y,z\n" + "\n".join(line for _, line in rows) + "\n")
    return path


def test_sensor_rows_stamped_a_packet_at_a_time_by_a_host(tmp_path):
    """A host that stamps each sensor's events ten at a time, when they arrive: the
    gyroscope had been matched by its stamps, one sample in ten kept (a real walk's right
    side 1.9° → 2.9°), and the times' unit could not be told. Each sensor's rows are now
    placed on its own grid first, as any file's are."""
    walk = _walk(2 * RATE)
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])

    def ten_at_a_time(t):
        last = np.minimum(np.arange(len(t)) // 10 * 10 + 9, len(t) - 1)
        return 1_700_000_000.0 + t[last] + 0.02

    path = _sensor_rows_as_a_host_writes_them(tmp_path / "hub.csv", walk, ten_at_a_time)
    options = ImportOptions(acc_unit="m/s2", gyr_unit="rad/s")
    assert read_samples(path, options).rate_hz == pytest.approx(RATE, rel=1e-3)
    _same_analysis(path, known, RATE, tmp_path, options, tolerance=0.05)


def test_sensor_rows_of_two_devices_on_a_hub_ask_which(tmp_path):
    """A hub's file names each row's device as well as its sensor: the two devices had been
    mixed into one (its accelerometer "5 m/s² on average"), and --sensor refused."""
    walk = _walk(2 * RATE)
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])
    path = _sensor_rows_as_a_host_writes_them(tmp_path / "hub.csv", walk, lambda t: t)
    lines = path.read_text().splitlines()
    rows = [f"{line.split(',', 1)[0]},{device},{line.split(',', 1)[1]}"
            for line in lines[1:] for device in ("sacrum", "thigh")]
    path.write_text("time_ms,device,sensor,x,y,z\n" + "\n".join(rows) + "\n")
    options = ImportOptions(acc_unit="m/s2", gyr_unit="rad/s")
    with pytest.raises(SensorChoiceNeeded) as asked:
        read_samples(path, options)
    assert asked.value.choices == ["sacrum", "thigh"]
    _same_analysis(path, known, RATE, tmp_path, replace(options, sensor="sacrum"),
                   tolerance=0.05)


def test_sensor_rows_whose_clock_steps_back_are_refused_as_any_file(tmp_path):
    """Sorted by time, a clock set back 2 s half-way had been read as one walk at 106 Hz."""
    walk = _walk(2 * RATE)
    path = _sensor_rows_as_a_host_writes_them(
        tmp_path / "set back.csv", walk, lambda t: 1_700_000_000.0 + np.where(t >= 30, t - 2, t))
    with pytest.raises(InputDataError, match=r"goes back by 1\.99 s"):
        read_samples(path, ImportOptions(acc_unit="m/s2", gyr_unit="rad/s"))


def test_a_file_read_as_sensor_rows_that_is_not_says_so(tmp_path):
    path = tmp_path / "ours.csv"
    write_csv(path, _walk().slice(0, 500), RATE)
    with pytest.raises(InputDataError, match="is not a file of sensor rows"):  # had crashed
        read_samples(path, ImportOptions(input_format="sensor-rows", acc_unit="m/s2",
                                         gyr_unit="rad/s"))


def test_sensor_rows_without_the_gyroscope_say_what_they_hold(tmp_path):
    path = tmp_path / "acc_only.csv"
    path.write_text("timestamp,sensor,x,y,z\n" + "".join(
        f"{k * 10_000_000},accelerometer,0.1,0.2,9.8\n" for k in range(300)))
    with pytest.raises(InputDataError, match="needs both the accelerometer and the gyroscope: "
                                             "it holds rows of accelerometer"):
        read_samples(path, ImportOptions(acc_unit="m/s2", gyr_unit="rad/s"))


@pytest.mark.parametrize("name, platform, standardised", [
    ("android.zip", "android", False),  # TotalAcceleration.csv + Gyroscope.csv
    ("iphone.zip", "ios", False),  # Accelerometer.csv (linear, sign reversed) + Gravity.csv
    ("iphone standardised", "ios", True),  # an unpacked folder, Android's signs
])
def test_a_phone_apps_export_of_one_file_per_sensor(tmp_path, name, platform, standardised):
    """Sensor Logger exports a zip of one CSV per sensor: it had been refused as one sensor
    alone ("join them into one file"). The accelerometer with gravity is found (the total,
    or the linear one plus gravity), an iPhone's reversed signs are undone from Metadata.csv,
    and the gyroscope is interpolated onto the accelerometer's times."""
    walk = _walk(2 * RATE)
    path = write_sensor_logger_export(tmp_path / name, walk, platform=platform,
                                      standardised=standardised)
    data = read_samples(path)
    assert data.metadata["format"] == "sensor-files"
    assert data.metadata["vendor"]["platform"] == platform
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])
    inner = known.slice(1, len(known))  # the first has no gyroscope before it: lost
    np.testing.assert_allclose(data.samples.acc, inner.acc[:len(data.samples.acc)], atol=1e-6)
    _same_analysis(path, known, RATE, tmp_path, tolerance=0.05)


@pytest.mark.parametrize("acc_header, gyr_header, names", [
    ("Time (s),Acceleration x (m/s^2),Acceleration y (m/s^2),Acceleration z (m/s^2)",
     "Time (s),Gyroscope x (rad/s),Gyroscope y (rad/s),Gyroscope z (rad/s)",
     ("Accelerometer.csv", "Gyroscope.csv")),
    ("epoc (ms),timestamp (+0100),elapsed (s),x-axis (m/s2),y-axis (m/s2),z-axis (m/s2)",
     "epoc (ms),timestamp (+0100),elapsed (s),x-axis (rad/s),y-axis (rad/s),z-axis (rad/s)",
     ("MetaWear_2025-11-24T16.00.00.000_C5F1_Accelerometer.csv",
      "MetaWear_2025-11-24T16.00.00.000_C5F1_Gyroscope.csv")),
])
def test_a_folder_of_one_file_per_sensor_from_any_app(tmp_path, acc_header, gyr_header, names):
    """Apps that write each sensor to a file of its own, named after it or with a header that
    names it (the gyroscope on its own clock): the folder that holds both is one session."""
    walk = _walk(2 * RATE)
    folder = tmp_path / "session"
    folder.mkdir()
    for name, header, rows, values in ((names[0], acc_header, slice(0, None, 2), walk.acc),
                                       (names[1], gyr_header, slice(1, None, 2), walk.gyr)):
        times = walk.time_s[rows]
        epoch = "epoc" in header
        (folder / name).write_text(header + "\n" + "".join(
            (f"{round(1_764_000_000_000 + t * 1e3)},2025-11-24T16:00:00.000,{t:.4f}," if epoch
             else f"{t:.6f},") + ",".join(repr(float(x)) for x in v) + "\n"
            for t, v in zip(times, values[rows], strict=True)))
    data = read_samples(folder)
    assert data.metadata["format"] == "sensor-files"
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])
    _same_analysis(folder, known, RATE, tmp_path, tolerance=0.05)


def test_a_phones_reversed_accelerometer_swaps_the_sides_so_its_platform_must_be_known(
        tmp_path):
    """One IMU cannot tell an accelerometer whose every sign is reversed (an iPhone's) from a
    mirrored world: read the wrong way, the two sides' drops swap. So an export whose
    platform is unknown is refused, and the platform Metadata.csv states is obeyed."""
    walk = _walk(2 * RATE)
    mirrored = write_sensor_logger_export(tmp_path / "mirrored", walk, platform="ios")
    metadata = mirrored / "Metadata.csv"
    metadata.write_text(metadata.read_text().replace(",false,", ",true,"))  # wrongly stated
    reference = _summary(ImportedFile(write_sensor_logger_export(
        tmp_path / "right", walk, platform="ios")))
    swapped = _summary(ImportedFile(mirrored))
    assert reference["right"] - reference["left"] > 3
    assert swapped["left"] == pytest.approx(reference["right"], abs=0.05)
    assert swapped["right"] == pytest.approx(reference["left"], abs=0.05)
    metadata.unlink()
    with pytest.raises(InputDataError, match=r"no Metadata\.csv to say which phone recorded it"):
        read_samples(mirrored)


def test_phone_exports_that_cannot_give_the_tilt_say_why(tmp_path):
    walk = _walk(2 * RATE)
    export = write_sensor_logger_export(tmp_path / "export", walk, platform="ios")
    (export / "Gravity.csv").unlink()
    with pytest.raises(InputDataError, match="acceleration with gravity taken out"):
        read_samples(export)
    generic = tmp_path / "generic"
    generic.mkdir()
    rows = "".join(f"{k / 100:.2f},0.01,0.02,0.03\n" for k in range(500))
    (generic / "acceleration.csv").write_text("Time (s),X (m/s^2),Y (m/s^2),Z (m/s^2)\n" + rows)
    (generic / "gyroscope.csv").write_text("Time (s),X (rad/s),Y (rad/s),Z (rad/s)\n" + rows)
    with pytest.raises(InputDataError, match="holds no gravity"):
        read_samples(generic)
    (generic / "gyroscope.csv").unlink()
    with pytest.raises(InputDataError, match="holds no gyroscope file"):
        read_samples(generic)
    two = tmp_path / "two recordings.zip"
    with zipfile.ZipFile(two, "w") as archive:
        for folder in ("monday", "tuesday"):
            archive.writestr(f"{folder}/Gyroscope.csv", "time,seconds_elapsed,z,y,x\n")
    with pytest.raises(InputDataError, match="more than one recording"):
        read_samples(two)
    workbook = tmp_path / "walk.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(InputDataError, match="spreadsheet workbook"):
        read_samples(workbook)


def test_phone_exports_as_phones_damage_them(tmp_path):
    """Rows written twice (some phones do), a gravity file that stops early, an export without
    Metadata.csv, an empty gyroscope file, rows buffered and written late, a zip made on
    Windows (backslashes): each had been read into other numbers silently, or refused (for
    the wrong reason)."""
    walk = _walk(2 * RATE)
    known = SampleBatch(walk.time_s[::2], walk.seq[::2] // 2, walk.acc[::2], walk.gyr[::2])
    export = write_sensor_logger_export(tmp_path / "android", walk)
    total = export / "TotalAcceleration.csv"
    lines = total.read_text().splitlines()
    total.write_text("\n".join(line for k, line in enumerate(lines)
                               for _ in range(2 if k and k % 10 == 0 else 1)) + "\n")
    data = read_samples(export)
    assert data.rate_hz == pytest.approx(RATE)
    assert data.metadata["timing"]["duplicate_rows_dropped"] == len(lines) // 10
    _same_analysis(export, known, RATE, tmp_path, tolerance=0.05)
    iphone = write_sensor_logger_export(tmp_path / "iphone", walk, platform="ios")
    gravity = iphone / "Gravity.csv"
    rows = gravity.read_text().splitlines()
    gravity.write_text("\n".join(rows[:len(rows) * 7 // 10]) + "\n")  # stops at 70 %
    data = read_samples(iphone)
    assert data.samples.time_s[-1] < 0.71 * known.time_s[-1]  # not held to the end
    (export / "Metadata.csv").unlink()
    with pytest.raises(InputDataError, match=r"no Metadata\.csv"):
        read_samples(export)  # even with the total acceleration: any phone may write it
    (iphone / "Gyroscope.csv").write_text("time,seconds_elapsed,z,y,x\n")
    with pytest.raises(InputDataError, match=r"Gyroscope\.csv holds no samples"):
        read_samples(iphone)
    buffered = write_sensor_logger_export(tmp_path / "buffered", walk)
    for name in ("TotalAcceleration.csv", "Gyroscope.csv"):  # 20 rows written after 10 later
        rows = (buffered / name).read_text().splitlines()
        (buffered / name).write_text("\n".join([rows[0], *rows[21:31], *rows[1:21],
                                                *rows[31:]]) + "\n")
    _same_analysis(buffered, known, RATE, tmp_path, tolerance=0.05)  # had been refused
    quoted = write_sensor_logger_export(tmp_path / "quoted", walk, platform="ios")
    metadata = (quoted / "Metadata.csv").read_text().replace("Test phone", '"Kim\'s phone, 2"')
    (quoted / "Metadata.csv").write_text(metadata)  # a device name with a comma, quoted
    data = read_samples(quoted)
    assert data.metadata["vendor"]["platform"] == "ios"
    assert data.metadata["vendor"]["model"] == "Kim's phone, 2"
    windows = tmp_path / "windows.zip"
    source = write_sensor_logger_export(tmp_path / "for windows", walk)
    with zipfile.ZipFile(windows, "w") as archive:
        for file in source.iterdir():
            archive.writestr(f"Walk\\{file.name}", file.read_text())
            archive.writestr(f"__MACOSX/Walk/{file.name}", "a Mac's resource fork")
    assert read_samples(windows).metadata["format"] == "sensor-files"


def test_a_phone_export_imports_from_the_command_line(tmp_path):
    export = write_sensor_logger_export(tmp_path / "Walk 2025-11-24.zip", _walk(2 * RATE))
    out = subprocess.run([sys.executable, "-m", "imu_monitor", "import", str(export), "-o",
                          str(tmp_path / "walk.imurec")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "a folder or .zip of one CSV per sensor" in out.stdout
    recording = open_recording(tmp_path / "walk.imurec")
    assert recording.metadata["import"]["format"] == "sensor-files"
    assert recording.metadata["created_utc"].startswith("2025-11-24")


def test_a_file_of_both_sensors_is_never_said_to_hold_one(tmp_path):
    """Axis names of both sensors, one of them only by its unit ("Gx (deg/sec)"): never "holds
    the accelerometer alone"; it reads as the walk it holds."""
    header = ["Time (s)", "Acc X (g)", "Acc Y (g)", "Acc Z (g)", "Gx (deg/sec)", "Gy (deg/sec)",
              "Gz (deg/sec)"]
    assert one_sensor(header) is None
    known = _walk()
    path = _generic(tmp_path / "both.csv", known, header, 1 / 9.80665, 180 / np.pi)
    _same_samples(read_samples(path), known, acc_atol=1e-9, gyr_atol=1e-9)


@pytest.mark.parametrize("header, kind", [
    ('"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"',
     "accelerometer"),
    ("epoc (ms),timestamp (-0500),elapsed (s),x-axis (deg/s),y-axis (deg/s),z-axis (deg/s)",
     "gyroscope"),
])
def test_a_file_of_one_sensor_says_the_other_is_needed(tmp_path, header, kind):
    """Apps that save each sensor to its own file (phyphox, MetaBase) got "not a format we
    recognise", with an example map whose names were not the file's."""
    path = tmp_path / "one.csv"
    path.write_text(header + "\n" + "\n".join(f"{k / 100},0.1,0.2,9.8,1,2,3"[:30]
                                               for k in range(300)) + "\n")
    with pytest.raises(InputDataError, match=f"holds the {kind} alone; the pelvis's tilt needs "
                                             "the (gyroscope|accelerometer) too"):
        read_samples(path)


def test_mapped_csv_without_units_requires_them_and_checks_them(tmp_path):
    known = _walk()
    path = _generic(tmp_path / "bare.csv", known, ["t", "ax", "ay", "az", "gx", "gy", "gz"],
                    time_scale=1e6)
    spec = "time=t,acc=ax:ay:az,gyr=gx:gy:gz"
    with pytest.raises(InputDataError, match=r"does not say the units.*--acc-unit"):
        read_samples(path, ImportOptions(columns=spec))
    with pytest.raises(InputDataError, match="looks like rad/s"):
        read_samples(path, ImportOptions(columns=spec, acc_unit="m/s2", gyr_unit="deg/s"))
    data = read_samples(path, ImportOptions(columns=spec, acc_unit="m/s2", gyr_unit="rad/s"))
    assert data.metadata["vendor"]["time_unit"] == "us"  # told from the spacing
    _same_samples(data, known)


def test_a_reversed_accelerometer_is_read_with_a_minus_in_the_map(tmp_path):
    """Core Motion writes acceleration, not specific force (gravity reads -1 g upwards): the
    data cannot tell (it is the mirror image of a walk, left and right swapped), so the map
    says it: ``acc=-ax:-ay:-az``."""
    known = _walk()
    path = _generic(tmp_path / "ios.csv", known, ["t", "ax", "ay", "az", "gx", "gy", "gz"],
                    acc_scale=-1 / 9.80665)
    options = ImportOptions(columns="time=t,acc=-ax:-ay:-az,gyr=gx:gy:gz", acc_unit="g",
                            gyr_unit="rad/s")
    _same_samples(read_samples(path, options), known, acc_atol=1e-9)
    _same_analysis(path, known, RATE, tmp_path, options)


def test_a_file_of_no_known_format_says_how_to_map_it_with_its_own_names(tmp_path):
    names = ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    path = _generic(tmp_path / "odd.csv", _walk(), names)
    with pytest.raises(InputDataError, match=r"not a format we recognise.*--columns "
                                             r"time=c1,acc=c2:c3:c4,gyr=c5:c6:c7 if that is"):
        read_samples(path)
    no_time = tmp_path / "no_time.csv"  # six columns: no time, so the rate is asked for
    no_time.write_text("\n".join(line.split(",", 1)[1] for line in
                                 path.read_text().splitlines()) + "\n")
    with pytest.raises(InputDataError, match=r"--columns acc=c2:c3:c4,gyr=c5:c6:c7 --rate HZ"):
        read_samples(no_time)


def test_a_microcontrollers_log_is_read_by_its_plain_names(tmp_path):
    """"millis,ax,ay,az,gx,gy,gz", the most common header an Arduino sketch writes: it had been
    "not a format we recognise" even with its units given; "millis" says milliseconds."""
    known = _walk()
    path = _generic(tmp_path / "arduino.csv", known,
                    ["millis", "ax", "ay", "az", "gx", "gy", "gz"], 1 / 9.80665, 180 / np.pi,
                    1000.0)
    with pytest.raises(InputDataError, match="names its columns but not all their units"):
        read_samples(path)
    data = read_samples(path, ImportOptions(acc_unit="g", gyr_unit="deg/s"))
    _same_samples(data, known, acc_atol=1e-9, gyr_atol=1e-9)
    counts = _generic(tmp_path / "counts.csv", known,  # written before conversion: ±2 g
                      ["millis", "ax", "ay", "az", "gx", "gy", "gz"], 16384 / 9.80665,
                      131 * 180 / np.pi, 1000.0)
    with pytest.raises(InputDataError, match=r"raw counts \(gravity reads \d+: about 16384 "
                                             r"counts per g\)"):
        read_samples(counts, ImportOptions(acc_unit="g", gyr_unit="deg/s"))


def test_a_decimal_comma_is_found_with_a_column_map_too(tmp_path):
    """With the right map given, a European export had been refused: "looks like a decimal
    comma: import with --decimal-comma", though without the map it was read."""
    known = _walk()
    header = ["Zeit (ms)", "AccX (g)", "AccY (g)", "AccZ (g)", "GyrX (deg/s)", "GyrY (deg/s)",
              "GyrZ (deg/s)"]
    path = _generic(tmp_path / "eu.csv", known, header, 1 / 9.80665, 180 / np.pi, 1000.0, ";")
    path.write_text(path.read_text().replace(".", ","))
    options = ImportOptions(columns="time=Zeit (ms),acc=AccX (g):AccY (g):AccZ (g),"
                                    "gyr=GyrX (deg/s):GyrY (deg/s):GyrZ (deg/s)")
    _same_samples(read_samples(path, options), known, acc_atol=1e-9, gyr_atol=1e-9)


def test_a_clock_time_with_a_decimal_comma_in_a_comma_separated_file_is_said(tmp_path):
    """"14:03:07,250" in a file separated by commas: every row one value longer than the
    header; read by position, the file had been refused for its accelerometer's units."""
    known = _walk().slice(0, 500)
    rows = ["01.05.2024 14:03:" + f"{7 + t:06.3f},".replace(".", ",")
            + ",".join(f"{v:.6f}" for v in (*a, *g))
            for t, a, g in zip(known.time_s, known.acc, known.gyr, strict=True)]
    path = tmp_path / "clock.csv"
    path.write_text("\n".join(["Zeit,acc_x [m/s2],acc_y [m/s2],acc_z [m/s2],gyr_x [rad/s],"
                               "gyr_y [rad/s],gyr_z [rad/s]", *rows]) + "\n")
    with pytest.raises(InputDataError, match=r"hold more values than its header names columns "
                                             r"\(line 2: .*clock times are written with a "
                                             r"decimal comma"):
        read_samples(path)
    # A value at the end of each row that the header does not name (a temperature) is left
    # unread, as it was, and "T (degC)" beside "time" is no second time column.
    named = tmp_path / "extra.csv"
    named.write_text("\n".join(["time_s,acc_x [m/s2],acc_y [m/s2],acc_z [m/s2],"
                                "gyr_x [rad/s],gyr_y [rad/s],gyr_z [rad/s],T (degC)"]
                               + [f"{t:.3f}," + ",".join(f"{v:.6f}" for v in (*a, *g)) + ",23.5,1"
                                  for t, a, g in zip(known.time_s, known.acc, known.gyr,
                                                     strict=True)]) + "\n")
    assert len(read_samples(named).samples) == len(known)


# ------------------------------------------------------------------ the recording it becomes
def test_import_keeps_the_source_file_and_the_vendor_metadata(tmp_path):
    known = _walk()
    source = vf.write_mt_manager(tmp_path / "MT_0123.txt", known, RATE, newer=True)
    result = import_file(source, tmp_path / "imported.imurec")
    rec = open_recording(result.output)
    meta = rec.metadata
    assert len(rec.samples) == len(known)
    assert meta["import"]["file"] == "MT_0123.txt"
    assert meta["import"]["format"] == "xsens-mt"
    assert meta["import"]["vendor"]["serial"] == "00B42D4F"
    assert meta["device"] == {"name": "00B42D4F", "model": "MTW2-3A7G6",
                              "protocol": "xsens-mt", "firmware": "4.4.0"}
    assert meta["headline"]["steps"] > 40 and result.analysis_problem is None


def test_the_command_line_imports_and_analyses_vendor_files(tmp_path):
    known = _walk(60.0)
    source = vf.write_dot(tmp_path / "dot.csv", known, 60.0)
    run = [sys.executable, "-m", "imu_monitor"]
    out = subprocess.run([*run, "import", str(source), "-o", str(tmp_path / "d.imurec")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "from Movella DOT app export" in out.stdout and "deg/s" in out.stdout
    info = subprocess.run([*run, "info", str(tmp_path / "d.imurec")], capture_output=True,
                          text=True, timeout=120)
    assert "Sacrum" in info.stdout and "movella-dot" in info.stdout
    assert "Imported:    dot.csv (movella-dot, sensor clock" in info.stdout
    assert "firmware 2.6.0, filter_profile General" in info.stdout
    direct = subprocess.run([*run, "analyze", str(source), "--json"], capture_output=True,
                            text=True, timeout=120)
    stored = subprocess.run([*run, "analyze", str(tmp_path / "d.imurec"), "--json"],
                            capture_output=True, text=True, timeout=120)
    a, b = json.loads(direct.stdout)["summary"], json.loads(stored.stdout)["summary"]
    assert a["steps"] == b["steps"] and a["right"] == b["right"]


# ------------------------------------------------------------------ real Xsens exports
def test_every_real_awinda_export_imports_as_written(ipol_folder, tmp_path):
    """110 real lower-back Xsens MTw Awinda files (first line 'Acquisition frequency: 100 Hz',
    PacketCounter with gaps, no clock) import with no option, row for row."""
    files = sorted(ipol_folder.glob("*_lb.txt"))
    for path in files:
        data = read_samples(path)
        rows = np.loadtxt(path, skiprows=2)
        assert data.rate_hz == 100.0 and data.metadata["format"] == "xsens-mt"
        np.testing.assert_array_equal(data.samples.acc, rows[:, 1:4])
        np.testing.assert_array_equal(data.samples.gyr, rows[:, 4:7])
        np.testing.assert_array_equal(data.samples.seq, np.arange(len(rows)))
    known = read_samples(files[0]).samples
    _same_analysis(files[0], known, 100.0, tmp_path, min_steps=20)


def _clock(seconds: float, style: str, by_day: bool = False) -> str:
    """A clock time 11:59:50 + ``seconds`` on 5 March 2024, as loggers write it (the night
    summer time changes, for those styles: 02:59:50 on 27 October, 01:59:50 on 31 March)."""
    import datetime as dt

    start = {"local-summer-time-ends": dt.datetime(2024, 10, 27, 2, 59, 50),
             "local-summer-time-begins": dt.datetime(2024, 3, 31, 1, 59, 50)}.get(
        style, dt.datetime(2024, 3, 5, 11, 59, 50))
    at = start + dt.timedelta(seconds=seconds, hours=10 if by_day else 0)
    ms = f"{at.microsecond // 1000:03d}"
    if style == "iso-offset":
        return at.strftime("%Y-%m-%dT%H:%M:%S.") + ms + "+01:00"
    if style == "summer-time-ends":  # local clocks go back an hour half-way; UTC does not
        local, zone = (at, "+02:00") if seconds < 30 else (at - dt.timedelta(hours=1), "+01:00")
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + ms + zone
    if style == "local-summer-time-ends":  # the wall clock, no offset: back an hour
        local = at if seconds < 30 else at - dt.timedelta(hours=1)
        return local.strftime("%Y-%m-%d %H:%M:%S.") + ms
    if style == "local-summer-time-begins":  # forward an hour, no date written
        local = at if seconds < 30 else at + dt.timedelta(hours=1)
        return local.strftime("%H:%M:%S.") + ms
    if style == "european":
        return at.strftime("%d.%m.%Y %H:%M:%S,") + ms
    return at.strftime("%m/%d/%Y %I:%M:%S.") + ms + at.strftime(" %p")  # US, across noon


@pytest.mark.parametrize("style", ["iso-offset", "summer-time-ends", "local-summer-time-ends",
                                   "local-summer-time-begins", "european", "us-12-hour"])
def test_clock_times_as_loggers_write_them(tmp_path, style):
    """ISO times with a UTC offset, a European date, a US 12-hour clock across noon: each had
    been refused with "name the columns with --columns" — and again with them named. A wall
    clock without an offset stepping back an hour for summer time had been refused as "rows
    not in recording order"; stepping forward, it had counted an hour of samples lost."""
    known = _walk().slice(0, 6000)
    rows = [f"{_clock(t, style)};" + ";".join(f"{v:.9g}" for v in (*a, *g))
            for t, a, g in zip(known.time_s - known.time_s[0], known.acc, known.gyr,
                               strict=True)]
    path = tmp_path / "clock.csv"
    path.write_text("time;acc_x [m/s2];acc_y [m/s2];acc_z [m/s2];gyr_x [rad/s];gyr_y [rad/s];"
                    "gyr_z [rad/s]\n" + "\n".join(rows) + "\n")
    data = read_samples(path)
    _same_samples(data, known, acc_atol=1e-6, gyr_atol=1e-6, time_atol=1e-3)
    assert data.rate_hz == pytest.approx(RATE, rel=1e-4)
    if style.startswith("local-summer-time"):  # by day, the same hour's step is a pause
        path.write_text(path.read_text().splitlines()[0] + "\n" + "\n".join(
            f"{_clock(t, style, by_day=True)};" + row.split(";", 1)[1]
            for t, row in zip(known.time_s - known.time_s[0], rows, strict=True)) + "\n")
        if style.endswith("ends"):
            with pytest.raises(InputDataError, match="not in recording order"):
                read_samples(path)
        else:
            assert read_samples(path).samples.time_s[-1] > 3600
