"""CSV import: units converted once, bad files explained in words, nothing lost in a round trip."""

import warnings

import numpy as np
import pytest

from imu_monitor.analysis import analyze_source
from imu_monitor.errors import InputDataError
from imu_monitor.importers import ImportOptions, read_samples
from imu_monitor.importing import import_file
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.testing.host_times import host_times

from .conftest import simulated

HEADER = "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"


def _write(path, rows, header=HEADER):
    path.write_text(header + "\n" + "\n".join(",".join(f"{v:.6f}" for v in r) for r in rows)
                    + "\n")
    return path


def _still_rows(n=300, rate=100.0, acc=(0, 0, 9.81), gyr=(0.01, 0, 0)):
    return [[k / rate, *acc, *gyr] for k in range(n)]


def test_round_trip_keeps_samples_and_metadata(tmp_path):
    rec = simulated("symmetric-walk", seed=1, rate_hz=100.0)
    path = tmp_path / "s.csv"
    write_csv(path, rec.samples, 100.0, {"axes": "x=up,y=right,z=forward"})
    data = read_samples(path)
    assert data.rate_hz == 100.0
    assert data.metadata["axes"] == "x=up,y=right,z=forward"
    np.testing.assert_allclose(data.samples.acc, rec.samples.acc, atol=1e-6)
    np.testing.assert_allclose(data.samples.gyr, rec.samples.gyr, atol=1e-6)
    np.testing.assert_array_equal(data.samples.seq, rec.samples.seq)


def test_units_are_converted_at_the_boundary(tmp_path):
    path = _write(tmp_path / "g.csv", _still_rows(acc=(0, 0, 1.0), gyr=(5.0, 0, 0)))
    data = read_samples(path, ImportOptions(acc_unit="g", gyr_unit="deg/s"))
    np.testing.assert_allclose(data.samples.acc[0], [0, 0, 9.80665])
    np.testing.assert_allclose(data.samples.gyr[0], [np.radians(5.0), 0, 0])


def test_columns_in_any_order_and_optional_columns(tmp_path):
    header = "gyr_x,gyr_y,gyr_z,time_s,acc_x,acc_y,acc_z,mag_x,mag_y,mag_z"
    rows = [[0.01, 0, 0, k / 100, 0, 0, 9.81, 1, 2, 3] for k in range(200)]
    data = read_samples(_write(tmp_path / "o.csv", rows, header))
    assert data.samples.mag is not None
    np.testing.assert_allclose(data.samples.acc[5], [0, 0, 9.81])


def test_gaps_in_time_become_lost_samples(tmp_path):
    rows = [r for r in _still_rows(300) if not 100 <= round(r[0] * 100) < 110]
    data = read_samples(_write(tmp_path / "gap.csv", rows))
    assert data.samples.seq[-1] - data.samples.seq[0] + 1 - len(data.samples) == 10


def test_an_exact_file_reads_as_it_always_did(tmp_path):
    rec = simulated("symmetric-walk", seed=1, rate_hz=100.0)
    path = tmp_path / "s.csv"
    write_csv(path, rec.samples, 100.0)
    data = read_samples(path)
    written = np.loadtxt(path, delimiter=",", skiprows=5)[:, 0]
    np.testing.assert_array_equal(data.samples.seq, np.round((written - written[0]) * 100.0))
    np.testing.assert_array_equal(data.samples.time_s, written - written[0])
    assert data.metadata["timing"] == {
        "rate_hz": 100.0, "declared_rate_hz": 100.0, "jitter_ms": 0.0, "missing_samples": 0,
        "late_samples": 0, "duplicate_rows_dropped": 0}


def test_host_stamped_times_are_read_with_what_was_found(tmp_path):
    rec = simulated("symmetric-walk", seed=1, rate_hz=100.0)
    host = host_times(len(rec.samples), 100.0, jitter=0.2, drift_ppm=300, bursts=20,
                      lost_packets=3, duplicates=7, seed=2)
    rows = SampleBatch(host.time_s, np.arange(len(host.sample)), rec.samples.acc[host.sample],
                       rec.samples.gyr[host.sample])
    path = tmp_path / "host.csv"
    write_csv(path, rows, 100.0)
    data = read_samples(path)
    timing = data.metadata["timing"]
    assert timing["rate_hz"] == round(data.rate_hz, 6) == pytest.approx(100.03, abs=1e-3)
    assert timing["declared_rate_hz"] == 100.0
    assert (timing["missing_samples"], timing["duplicate_rows_dropped"]) == (30, 7)
    assert timing["jitter_ms"] == pytest.approx(1.4826 * 1.0, rel=0.1)  # ±2 ms, evenly spread
    assert timing["late_samples"] >= 20
    kept = np.unique(host.sample)
    np.testing.assert_array_equal(data.samples.seq, kept - kept[0])
    np.testing.assert_allclose(data.samples.gyr, rec.samples.gyr[kept], atol=1e-9)
    np.testing.assert_allclose(data.samples.time_s[:3], host.time_s[:3] - host.time_s[0])
    # The repeats dropped are counted with the analysis, of the file or of its import.
    _, analysis = analyze_source(ImportedFile(path))
    assert analysis.rejected_samples == 7
    import_file(path, tmp_path / "host.imurec")
    assert analyze_source(RecordingReplay(tmp_path / "host.imurec"))[1].rejected_samples == 7


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_text(""), "empty"),
    (lambda p: p.write_text("a,b,c\n1,2,3\n"), "not a format we recognise.*--columns"),
    (lambda p: p.write_text("time_s,acc_x\n1,2\n"), "lacks the column.*acc_y"),
    (lambda p: _write(p, _still_rows()[:1]), "fewer than two"),
    (lambda p: p.write_text(HEADER + "\n0,0,0,9.8,0,0,0\n0.01,zero,0,9.8,0,0,0\n"),
     "Line 3 .*'acc_x' is 'zero', not a number"),
    (lambda p: _write(p, [[k / 100 - 2 * (k >= 150), 0, 0, 9.8, 0, 0, 0] for k in range(300)]),
     "goes back by 1.99 s at sample 151"),
    (lambda p: _write(p, [[1.5, 0, 0, 9.8, k, 0, 0] for k in range(300)]), "same time"),
    (lambda p: _write(p, _still_rows(acc=(0, 0, 1.0))), "--acc-unit g"),
    (lambda p: _write(p, [[k / 100, 0, 0, 9.8, 100.0 * np.sin(k), 0, 0] for k in range(300)]),
     "--gyr-unit deg/s"),
    (lambda p: _write(p, [[k * 1.0, 0, 0, 9.8, 0, 0, 0] for k in range(300)]), "needs 20"),
])
def test_bad_files_are_explained(tmp_path, make, words):
    path = tmp_path / "bad.csv"
    make(path)
    with pytest.raises(InputDataError, match=words):
        read_samples(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="does not exist"):
        read_samples(tmp_path / "nope.csv")


@pytest.mark.parametrize("rows", [2, 5, 10, 59])
def test_a_file_of_a_few_rows_is_read_not_crashed_on(tmp_path, rows):
    """Fewer rows than the unit check's quiet moments need (it crashed on padding an empty
    array): read, and whatever comes next says in words that it is too short."""
    data = read_samples(_write(tmp_path / "short.csv", _still_rows(rows)))
    assert len(data.samples) == rows


def test_a_last_line_cut_while_written_is_a_lost_sample_not_a_refusal(tmp_path):
    """The logger stopped or the disk filled in the middle of the last line: the file was
    refused whole ("the value of 'gyr_x' is empty"); now everything before it is read."""
    path = _write(tmp_path / "cut.csv", _still_rows(300))
    text = path.read_text()
    path.write_text(text[:-30])  # the last line loses its gyroscope and more
    data = read_samples(path)
    assert len(data.samples) == 299
    assert data.metadata["timing"]["unreadable_rows"] == 1
    np.testing.assert_allclose(data.samples.acc[-1], [0, 0, 9.81])


@pytest.mark.parametrize("cut_after", ["-", "2.5", "2.", "2.5E", "2.5e-", "0.01,"])
@pytest.mark.parametrize("comment", ["", "# a comment\n"])
def test_a_last_line_cut_inside_a_number_is_a_lost_sample(tmp_path, cut_after, comment):
    """The cut may fall anywhere in the number being written: after its sign, its point or
    its exponent's letter (the fast reader and the line by line one alike)."""
    path = _write(tmp_path / "cut.csv", _still_rows(300))
    path.write_text(comment + path.read_text() + f"3.000000,0.0,{cut_after}")
    data = read_samples(path)
    assert len(data.samples) == 300
    assert data.metadata["timing"]["unreadable_rows"] == 1
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:-2], "2.990000,0.0,-,9.81,0.01,0,0", lines[-1]]))
    with pytest.raises(InputDataError, match=r"the value of 'acc_y' is '-', not a number"):
        read_samples(path)  # inside the file, a lone sign is a damaged value, not a cut


@pytest.mark.parametrize("flag", [False, True])
def test_quoted_numbers_with_decimal_commas_in_a_comma_separated_file(tmp_path, flag):
    """A spreadsheet's export: "0,010000","-8,896819",… The fields were split at the commas
    inside the quotes, and the shifted columns refused as an absurd acceleration."""
    plain = read_samples(_write(tmp_path / "plain.csv", _still_rows(300, gyr=(0.01, -0.02, 0))))
    text = (tmp_path / "plain.csv").read_text().splitlines()
    quoted = [text[0]] + [",".join(f'"{v.replace(".", ",")}"' for v in line.split(","))
                          for line in text[1:]]
    path = tmp_path / "quoted.csv"
    path.write_text("\n".join(quoted) + "\n")
    data = read_samples(path, ImportOptions(decimal_comma=True) if flag else None)
    np.testing.assert_array_equal(data.samples.acc, plain.samples.acc)
    np.testing.assert_array_equal(data.samples.gyr, plain.samples.gyr)
    assert data.rate_hz == plain.rate_hz


@pytest.mark.parametrize("value, words", [
    ("2024-03-05T14:03:07.250", "It is a clock time: name the columns with --columns time="),
    ("03:07.0", "It is a time without its hour or seconds .* give the rate with --rate HZ"),
    ("time_s", "The header is written again there: the file joins two recordings"),
])
def test_a_time_that_is_not_a_number_says_what_to_do(tmp_path, value, words):
    path = _write(tmp_path / "times.csv", _still_rows(300))
    lines = path.read_text().splitlines()
    lines[5] = value + lines[5][lines[5].index(","):]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputDataError, match=f"Line 6 .* not a number. {words}"):
        read_samples(path)


def test_our_csv_cut_inside_its_comments_says_so(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("# imu_monitor samples v1\n# rate_hz: 100\n# source: simulated:tre")
    with pytest.raises(InputDataError, match=r"begins as a CSV of samples written by "
                                             r"imu_monitor.*cut while it was being written"):
        read_samples(path)


def test_an_empty_value_is_a_lost_sample_and_text_is_named(tmp_path):
    path = _write(tmp_path / "bad.csv", _still_rows(300))
    lines = path.read_text().splitlines()
    lines[100] = lines[100].replace("0.010000", "", 1)
    path.write_text("\n".join(lines) + "\n")
    data = read_samples(path)
    assert (len(data.samples), data.metadata["timing"]["missing_samples"]) == (299, 1)
    lines[100] = lines[100].replace(",,", ",n/a,", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputDataError, match=r"Line 101 .* the value of 'gyr_x' is 'n/a', "
                                             r"not a number"):
        read_samples(path)


def test_rows_written_newest_first_are_read_in_recording_order(tmp_path):
    rows = _still_rows(300)
    rows[150][4] = 0.5  # one sample that tells the order
    path = _write(tmp_path / "newest_first.csv", rows[::-1])
    data = read_samples(path)
    assert data.metadata["timing"]["rows_newest_first"] is True
    np.testing.assert_array_equal(data.samples.seq, np.arange(300))
    assert data.samples.gyr[150, 0] == pytest.approx(0.5)
    assert np.all(np.diff(data.samples.time_s) > 0)


@pytest.mark.parametrize("damage, words", [
    (lambda rows: [[np.nan, *r[1:]] for r in rows], "no readable time"),
    (lambda rows: [[np.nan if k % 4 else r[0], *r[1:]] for k, r in enumerate(rows)],
     "no readable time"),
    (lambda rows: [[r[0], np.nan, *r[2:]] if k < 150 else [*r[:4], np.nan, *r[5:]]
                   for k, r in enumerate(rows)], "no two samples whose values are all readable"),
])
def test_files_mostly_unreadable_are_refused_in_words(tmp_path, damage, words):
    """A time column all or mostly NaN crashed (IndexError) or was read at a quarter of its
    rate; columns each readable half the time but never together crashed too."""
    with pytest.raises(InputDataError, match=words):
        read_samples(_write(tmp_path / "bad.csv", damage(_still_rows(300))))


def test_an_unreadable_row_keeps_its_place_in_a_packet(tmp_path):
    """Its time still places the rows around it: the packet it belongs to stays a packet."""
    rows = _still_rows(3000)
    for k, row in enumerate(rows):
        row[0] = (k // 10 * 10 + 9) / 100.0 + 0.012  # ten rows per notification, 12 ms late
        row[6] = 1e-6 * k  # each row its own values (equal rows are repeats)
    for k in range(5, 3000, 97):
        rows[k][1] = np.nan
    data = read_samples(_write(tmp_path / "packets.csv", rows))
    assert data.rate_hz == pytest.approx(100.0, rel=1e-4)
    lost = [k for k in range(3000) if not np.isfinite(rows[k][1])]
    np.testing.assert_array_equal(np.setdiff1d(np.arange(3000), data.samples.seq), lost)


def test_unicode_text_and_quoted_numbers_are_read(tmp_path):
    """A spreadsheet's "Unicode text" (UTF-16, tab-separated) was called "not text", and
    numbers in quotes were refused one by one."""
    rows = _still_rows(300)
    plain = _write(tmp_path / "plain.csv", rows)
    text = plain.read_text()
    (tmp_path / "unicode.txt").write_text(text.replace(",", "\t"), encoding="utf-16")
    quoted = "\n".join([text.splitlines()[0]] + [",".join(f'"{v}"' for v in line.split(","))
                                                 for line in text.splitlines()[1:]]) + "\n"
    (tmp_path / "quoted.csv").write_text(quoted)
    reference = read_samples(plain).samples
    for name in ("unicode.txt", "quoted.csv"):
        got = read_samples(tmp_path / name).samples
        np.testing.assert_allclose(got.acc, reference.acc)
        np.testing.assert_array_equal(got.seq, reference.seq)


def test_a_header_without_rows_is_said_in_words_without_a_numeric_warning(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputDataError, match="fewer than two samples"):
            read_samples(path)


def test_times_in_milliseconds_are_named_and_read_with_the_option(tmp_path):
    rows = [[k * 10.0, *r[1:]] for k, r in enumerate(_still_rows(300))]  # ms, not s
    path = _write(tmp_path / "ms.csv", rows)
    with pytest.raises(InputDataError, match="Its times look like ms, not seconds: import "
                                             "with --time-unit ms"):
        read_samples(path)
    assert read_samples(path, ImportOptions(time_unit="ms")).rate_hz == pytest.approx(100.0)


def test_a_block_sent_again_is_dropped_not_appended(tmp_path):
    """Half a second of rows repeated later, times and values alike (a host replaying its
    buffer after a reconnection): the repeats are dropped and counted, and every later time
    stays the file's own (it had moved by the block's length)."""
    rec = simulated("symmetric-walk", seed=1, rate_hz=100.0)
    n = len(rec.samples)
    rows = np.r_[0:1500, 1400:1450, 1500:n]  # rows 1400–1449 come again after row 1499
    again = SampleBatch(rec.samples.time_s[rows], np.arange(len(rows)), rec.samples.acc[rows],
                        rec.samples.gyr[rows])
    write_csv(tmp_path / "clean.csv", rec.samples, 100.0)
    write_csv(tmp_path / "again.csv", again, 100.0)
    clean = analyze_source(ImportedFile(tmp_path / "clean.csv"))[1]
    repeated = analyze_source(ImportedFile(tmp_path / "again.csv"))[1]
    assert repeated.rejected_samples == 50 and repeated.duration_s == clean.duration_s
    assert [s.time_s for s in repeated.steps] == [s.time_s for s in clean.steps]
