"""A phone app's export of one CSV per sensor — a folder, or the .zip the app shares — with
the accelerometer and the gyroscope in files of their own (Sensor Logger: ``TotalAcceleration.csv``,
``Gyroscope.csv``, ``Metadata.csv``…; any app whose files are named after, or whose headers
name, the sensor).

Why this needs more than reading two tables:

* **The accelerometer file may hold no gravity.** Sensor Logger's ``Accelerometer.csv`` is the
  phone's *linear* acceleration (gravity taken out by the phone's own fusion); the
  measurement is ``TotalAcceleration.csv`` (Android), or ``Accelerometer.csv`` +
  ``Gravity.csv`` (iPhone, which writes no total), or the uncalibrated accelerometer. A file
  whose acceleration has no gravity in it is refused with that reason, never read as tilt.
* **An iPhone's accelerometer reads the other way.** Core Motion reports acceleration, not
  specific force: every axis has the opposite sign to Android's, unless the app's
  "Standardise Units & Frames" setting was on (``Metadata.csv``: ``platform``,
  ``standardisation``). One IMU cannot tell this from its data (a reflected world is just as
  physical), and it swaps left and right: so the sign comes from ``Metadata.csv``, and an
  iPhone export without it is refused.
* **Each sensor runs on its own clock**: the gyroscope is interpolated onto the
  accelerometer's times as for one-sensor-a-row files (``sensor_rows.joined_to_accelerometer``).

Units: the header's (``X (m/s^2)``), else the app's documented ones (Sensor Logger: m/s² and
rad/s; an iPhone's uncalibrated accelerometer in g), else ``--acc-unit`` / ``--gyr-unit``.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import UnitsNeeded, VendorColumns
from imu_monitor.importers.columns import (
    NAME_PATTERNS,
    column_unit,
    one_sensor,
    plain_name,
    times_in_seconds,
)
from imu_monitor.importers.sensor_rows import joined_to_accelerometer
from imu_monitor.importers.table import Table, find_table, text_encoding
from imu_monitor.input_files import MAX_INPUT_BYTES, starts_with
from imu_monitor.sources.units import ACC_UNITS

ZIP_SIGNATURE = b"PK\x03\x04"
STANDARD_GRAVITY = 9.80665
# An accelerometer whose median magnitude is under this share of gravity holds none: the
# phone's linear acceleration (a walking pelvis's own accelerations are a few m/s²).
GRAVITY_PRESENT_SHARE = 0.5
# File names (lower case, letters only) of what each holds; Sensor Logger's are the first.
_TOTAL = ("totalacceleration", "accelerometerwithgravity", "accelerationwithg")
_LINEAR = ("accelerometer", "linearacceleration", "useracceleration")  # Sensor Logger's first
_GRAVITY = ("gravity",)
_ACC_RAW = ("accelerometeruncalibrated", "uncalibratedaccelerometer", "rawaccelerometer")
_GYRO = ("gyroscope", "gyro", "rotationrate")
_GYRO_RAW = ("gyroscopeuncalibrated", "uncalibratedgyroscope", "rawgyroscope")
_ACC_GENERIC = ("accelerometer", "acc", "accel", "acceleration")


def is_sensor_files(path: Path) -> bool:
    """A folder, or a .zip archive (told by its first bytes, never by its name)."""
    return path.is_dir() or starts_with(path, ZIP_SIGNATURE)


def is_export_folder(folder: Path) -> bool:
    """A folder that holds one export's files at its top: a gyroscope file and an
    accelerometer one, named so (a batch takes it as one session, not file by file)."""
    names = {_letters(p.stem) for p in folder.glob("*.csv") if p.is_file()}
    accelerometer = _TOTAL + _LINEAR + _ACC_RAW + _ACC_GENERIC
    return bool(names & set(_GYRO + _GYRO_RAW)) and bool(names & set(accelerometer))


def read_sensor_files(path: Path, acc_unit: str | None, gyr_unit: str | None,
                      time_unit: str | None) -> VendorColumns:
    """The accelerometer (with gravity, in specific force) and the gyroscope of one export,
    on the accelerometer's rows (module docstring: which files, which signs, which units)."""
    with _csv_files(path) as files:
        metadata = _metadata(files.get("metadata"))
        sensor_logger = bool(metadata) or any(_is_sensor_logger(f) for f in files.values())
        acc_file, gravity_file, acc_kind = _accelerometer_files(path, files, sensor_logger)
        gyr_file = files.get(next((n for n in _GYRO + _GYRO_RAW if n in files), ""))
        if gyr_file is None:
            gyr_file = _by_header(files, "gyroscope")
        if gyr_file is None:
            raise InputDataError(
                f"{path} holds no gyroscope file ({_listing(files)}): the pelvis's tilt needs "
                "the gyroscope as well as the accelerometer. Record it too, and export again.")
        platform, standardised = _sign_convention(path, metadata, sensor_logger)
        documented = ("g" if acc_kind == "raw" and platform == "ios" and not standardised
                      else "m/s2", "rad/s") if sensor_logger else (None, None)
        acc_t, acc, acc_unit, clock = _sensor(acc_file, "acc", acc_unit, documented[0],
                                              time_unit)
        gyr_t, gyr, gyr_unit, _ = _sensor(gyr_file, "gyr", gyr_unit, documented[1], clock)
        missing = [key for key, unit in (("acc", acc_unit), ("gyr", gyr_unit)) if not unit]
        if missing:
            raise UnitsNeeded(
                f"{path} does not say the units of its sensors: give them with --acc-unit "
                "g|m/s2|mg and --gyr-unit deg/s|rad/s|mdps (the data are checked against "
                "them).", missing)
        gyr = joined_to_accelerometer(acc_t, acc, gyr_t, gyr, str(path))
        if gravity_file is not None:  # the phone's own estimate, on the same clock
            grav_t, grav, _, _ = _sensor(gravity_file, "acc", acc_unit, acc_unit, clock)
            acc = acc + joined_to_accelerometer(acc_t, acc, grav_t, grav, str(path), "gravity")
        if platform == "ios" and not standardised:
            acc = -acc  # Core Motion's acceleration, not specific force
        _refuse_without_gravity(path, acc_file, acc, acc_unit)
        vendor = {"layout": "one file per sensor",
                  "files": sorted(f.name for f in (acc_file, gravity_file, gyr_file) if f),
                  "gyroscope_samples": len(gyr_t)}
        if metadata.get("device name"):
            vendor["model"] = metadata["device name"]
        if platform:
            vendor["platform"] = platform
        return VendorColumns(
            source=str(path), format="sensor-files", acc=acc,
            gyr=gyr, acc_unit=acc_unit, gyr_unit=gyr_unit, time_s=acc_t, vendor=vendor,
            start_utc=_start_utc(metadata))


@contextmanager
def _csv_files(path: Path) -> Iterator[dict[str, Path]]:
    """The export's CSV files by their plain name ("TotalAcceleration.csv" → "totalacceleration"),
    from a folder or extracted from a zip into a folder that is removed afterwards. One
    recording's files only: two files of one name (two recordings zipped together) are
    refused."""
    if path.is_dir():
        # the folder and its subfolders (an unpacked zip), not deeper: never a whole disk
        yield _by_plain_name(path, sorted(p for pattern in ("*", "*/*") for p in path.glob(pattern)
                                          if p.is_file() and p.suffix.lower() == ".csv"))
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputDataError(f"{path} is a damaged zip archive ({exc}): export it again.") \
            from None
    with archive, tempfile.TemporaryDirectory(prefix="imu-monitor-") as folder:
        members = [m for m in archive.infolist() if not m.is_dir()
                   and m.filename.lower().endswith(".csv")
                   and not _member_name(m).startswith(".")
                   and "__MACOSX" not in m.filename.replace("\\", "/").split("/")]
        if not members and "[Content_Types].xml" in archive.namelist():
            raise InputDataError(f"{path} is a spreadsheet workbook (Excel, LibreOffice): save "
                                 "its sheet as CSV and import that.")
        if sum(m.file_size for m in members) > MAX_INPUT_BYTES:
            raise InputDataError(f"{path} unpacks to more than {MAX_INPUT_BYTES / 1e9:.0f} GB: "
                                 "larger than any session. Check that it is the right file.")
        extracted = []
        for k, member in enumerate(members):
            target = Path(folder) / str(k) / _member_name(member)
            target.parent.mkdir()
            try:
                with archive.open(member) as src, open(target, "wb") as out:
                    while block := src.read(1 << 20):
                        out.write(block)
            except NotImplementedError:  # before RuntimeError, of which it is a kind
                raise InputDataError(
                    f"{path} is compressed in a way that cannot be unpacked here (Deflate64 or "
                    "another): unzip it, and import the folder.") from None
            except RuntimeError:  # zipfile's word for an encrypted member
                raise InputDataError(f"{path} is protected by a password: export it again "
                                     "without one.") from None
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InputDataError(f"{member.filename} in {path} cannot be unpacked ({exc}): "
                                     "the archive is damaged; export it again.") from None
            extracted.append(target)
        try:
            yield _by_plain_name(path, extracted)
        except InputDataError as exc:  # say the file in the archive, not where it was unpacked
            message = str(exc)
            for target, member in zip(extracted, members, strict=True):
                message = message.replace(str(target), f"{member.filename} in {path}")
            exc.args = (message,)
            raise


def _member_name(member: zipfile.ZipInfo) -> str:
    """A zip member's file name, also where the archiver wrote its folders with backslashes
    (Windows PowerShell's Compress-Archive)."""
    return member.filename.replace("\\", "/").rsplit("/", 1)[-1]


def _by_plain_name(path: Path, files: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for file in files:
        name = _letters(file.stem)
        if name in found:
            raise InputDataError(
                f"{path} holds two files named {file.name}: more than one recording. Give the "
                "folder (or zip) of one recording.")
        found[name] = file
    if not found:
        raise InputDataError(f"{path} holds no CSV file (at its top or one folder down): it is "
                             "not an export of sensor files.")
    return found


def _letters(name: str) -> str:
    """A file's name as its letters, lower case ("TotalAcceleration" → "totalacceleration")."""
    return re.sub(r"[^a-z]", "", name.lower())


def _listing(files: dict[str, Path]) -> str:
    return "it holds " + ", ".join(sorted(f.name for f in files.values()))


def _header(file: Path) -> list[str]:
    try:
        return find_table(file, text_encoding(file), lambda names: len(names) >= 2).columns
    except LookupError:
        return []


def _is_sensor_logger(file: Path) -> bool:
    """Sensor Logger writes every sensor's file with ``time,seconds_elapsed`` first."""
    return [_letters(n) for n in _header(file)[:2]] == ["time", "secondselapsed"]


def _by_header(files: dict[str, Path], sensor: str) -> Path | None:
    """The one file whose header names this sensor's three axes alone ("Gyroscope x (rad/s)")."""
    matching = [f for f in files.values() if one_sensor(_header(f)) == sensor]
    return matching[0] if len(matching) == 1 else None


def _accelerometer_files(path: Path, files: dict[str, Path], sensor_logger: bool
                         ) -> tuple[Path, Path | None, str]:
    """The accelerometer file, a gravity file to add to it (linear acceleration + gravity),
    and what it holds ("total", "linear+gravity", "raw" or "file")."""
    total = next((files[n] for n in _TOTAL if n in files), None)
    if total is not None:
        return total, None, "total"
    linear = next((files[n] for n in _LINEAR if n in files), None) if sensor_logger else None
    gravity = next((files[n] for n in _GRAVITY if n in files), None)
    if linear is not None and gravity is not None:
        return linear, gravity, "linear+gravity"
    raw = next((files[n] for n in _ACC_RAW if n in files), None)
    if raw is not None:
        return raw, None, "raw"
    if linear is not None:
        raise InputDataError(
            f"{path} holds the phone's acceleration with gravity taken out ({linear.name}) and "
            "neither the total acceleration nor gravity: the pelvis's tilt is read from "
            "gravity. Record the Gravity (or TotalAcceleration) sensor too, and export again.")
    plain = next((files[n] for n in _ACC_GENERIC if n in files), None) or _by_header(
        files, "accelerometer")
    if plain is None:
        raise InputDataError(f"{path} holds no accelerometer file ({_listing(files)}).")
    return plain, None, "file"


def _metadata(file: Path | None) -> dict[str, str]:
    """Sensor Logger's ``Metadata.csv``: one header line and one row."""
    if file is None:
        return {}
    with open(file, encoding=text_encoding(file), newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    if len(rows) < 2:
        return {}
    return {n.strip().lstrip("\ufeff").lower(): v.strip()
            for n, v in zip(rows[0], rows[1], strict=False)}


def _sign_convention(path: Path, metadata: dict[str, str], sensor_logger: bool
                     ) -> tuple[str | None, bool]:
    """(platform, standardised): which way the accelerometer reads. Android and standardised
    exports read specific force, as we do; an iPhone's unstandardised, the opposite."""
    platform = metadata.get("platform", "").lower() or None
    standardised = metadata.get("standardisation", "").lower() == "true"
    if sensor_logger and platform is None:
        raise InputDataError(
            f"{path} has no Metadata.csv to say which phone recorded it: an iPhone's "
            "accelerometer reads the opposite way to an Android phone's, which would swap left "
            "and right. Export the whole recording (the zip, with Metadata.csv) again.")
    if platform not in (None, "ios", "android"):
        raise InputDataError(f"{path} was recorded on '{platform}', which is not a phone "
                             "platform we know the axes of (iOS or Android).")
    return platform, standardised


def _sensor(file: Path, key: str, unit: str | None, documented: str | None,
            time_unit: str | None) -> tuple[np.ndarray, np.ndarray, str | None, str]:
    """One file's times (s), x/y/z values in the order written, its unit (the one given,
    else the header's, else the one documented for the app) and its times' unit (the
    export's files share one clock: the accelerometer's tells the others', which may have
    too few samples, or too slow a rate, to tell by themselves)."""
    table = _axes_table(file)
    time, axes = _time_and_axes(table.columns)
    assert time is not None and axes is not None
    unit = unit or column_unit(table.columns, axes, key, file) or documented
    values = table.numbers(axes, None)
    if len(values) < 2:
        raise InputDataError(f"{file.name} holds no samples (a header alone): the recording "
                             "was stopped before it began, or the export is incomplete.")
    time_s, clock = times_in_seconds(table, time, time_unit, None, file)
    return time_s, values, unit, clock


def _axes_table(file: Path) -> Table:
    try:
        return find_table(file, text_encoding(file),
                          lambda names: None not in _time_and_axes(names))
    except LookupError:
        raise InputDataError(
            f"{file.name} has no header line with a time and x, y, z columns; its first line "
            f"is '{(_header(file) or [''])[0][:100]}'.") from None


def _time_and_axes(names: list[str]) -> tuple[int | None, list[int] | None]:
    """The time column (the first one named so) and the x, y, z columns: named "x", "X (g)",
    "x-axis (deg/s)", "Acceleration x", "gyro_x"…"""
    plain = [plain_name(n) for n in names]
    time = next((i for i, p in enumerate(plain)  # MetaBase's "epoc (ms)" before its clock
                 if p == "epoc" or NAME_PATTERNS["time"].fullmatch(p)), None)
    axes = []
    for axis in "xyz":
        found = [i for i, p in enumerate(plain) if p in (axis, f"{axis}axis") or (
            p.endswith(axis) and any(NAME_PATTERNS[k].fullmatch(p) for k in ("acc", "gyr")))]
        if len(found) != 1:
            return time, None
        axes.append(found[0])
    return time, axes


def _refuse_without_gravity(path: Path, file: Path, acc: np.ndarray, unit: str) -> None:
    scale = ACC_UNITS.get(unit)
    if scale is None:
        return  # an unknown unit is refused with its own sentence
    magnitude = np.linalg.norm(acc[np.isfinite(acc).all(axis=1)], axis=1) * scale
    if len(magnitude) and np.median(magnitude) < GRAVITY_PRESENT_SHARE * STANDARD_GRAVITY:
        raise InputDataError(
            f"The accelerometer of {path} ({file.name}) holds no gravity: it is the phone's "
            "acceleration with gravity taken out, from which the pelvis's tilt cannot be read. "
            "Export the total acceleration (with gravity), or the Gravity sensor beside it.")


def _start_utc(metadata: dict[str, str]) -> str | None:
    """When the recording began, from Sensor Logger's epoch milliseconds."""
    epoch = metadata.get("recording epoch time", "")
    if not epoch.isdigit():
        return None
    seconds = int(epoch) / (1e3 if len(epoch) <= 13 else 1e9)
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")
