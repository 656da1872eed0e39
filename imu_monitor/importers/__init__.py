"""Files of samples from other sensors and apps, told apart by their content.

``read_samples(path, options)`` is the one way any file that is not a recording becomes
samples — for ``imu-monitor import``, ``analyze``, ``export`` and the app's File → Import. The
format is recognised from the file's own content (an HDF5 signature, the header's column
names, the preamble), never from its name alone; ``options.input_format`` can insist on one.
Each reader documents the vendor's field names and units; ``assemble`` gives them all the
same timing, unit conversion and checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imu_monitor.errors import InputDataError
from imu_monitor.importers.apdm import is_hdf5, read_apdm
from imu_monitor.importers.assemble import (
    ImportedSamples,
    SensorChoiceNeeded,
    UnitsNeeded,
    VendorColumns,
    assemble,
)
from imu_monitor.importers.columns import (
    EXAMPLE,
    column_unit,
    example_map,
    guess_column_map,
    one_sensor,
    parse_column_map,
    read_mapped,
)
from imu_monitor.importers.own_csv import FORMAT_LINE, REQUIRED, is_own_csv, read_own_csv
from imu_monitor.importers.sensor_files import is_sensor_files, read_sensor_files
from imu_monitor.importers.sensor_rows import is_sensor_rows, read_sensor_rows
from imu_monitor.importers.shimmer import is_shimmer, read_shimmer
from imu_monitor.importers.table import (
    find_table,
    guess_delimiter,
    head_lines,
    refuse_sensor_choice,
    text_encoding,
)
from imu_monitor.importers.witmotion import is_witmotion, read_witmotion
from imu_monitor.importers.xsens import is_xsens, read_xsens
from imu_monitor.input_files import check_input_file

FORMATS = {
    "auto": "recognised from the file's content",
    "imu-monitor": "our CSV of samples (what simulate and import write)",
    "xsens-mt": "Xsens MT Manager export (.txt/.csv)",
    "movella-dot": "Movella DOT app export (.csv)",
    "witmotion": "WitMotion PC software or app export (.txt/.csv)",
    "shimmer": "Shimmer3 Consensys export (.csv)",
    "apdm-h5": "APDM Opal HDF5 (.h5)",
    "sensor-rows": "a CSV with each sensor on rows of its own (Android loggers)",
    "sensor-files": ("a folder or .zip of one CSV per sensor, as Sensor Logger and other phone "
                     "apps write them"),
    "columns": "any other CSV, with --columns",
}


@dataclass(frozen=True)
class ImportOptions:
    """What a user may have to say about a file that does not say it itself."""

    input_format: str = "auto"
    acc_unit: str | None = None
    gyr_unit: str | None = None
    columns: str | None = None  # the column map of a generic CSV
    time_unit: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    sensor: str | None = None  # which sensor of a multi-sensor file
    rate_hz: float | None = None  # for files without times


def read_samples(path: str | Path, options: ImportOptions | None = None) -> ImportedSamples:
    """The samples of any supported file, in SI units, checked; refuses with a sentence."""
    return assemble(read_columns(Path(path), options or ImportOptions()))


def read_columns(path: Path, o: ImportOptions) -> VendorColumns:
    if o.input_format not in FORMATS:
        raise InputDataError(f"Unknown format '{o.input_format}': use one of "
                             f"{', '.join(FORMATS)}.")
    if o.input_format in ("auto", "sensor-files") and is_sensor_files(path):
        refuse_sensor_choice(path, o.sensor)
        return read_sensor_files(path, o.acc_unit, o.gyr_unit, o.time_unit)
    if o.input_format == "sensor-files":
        raise InputDataError(f"{path} is neither a folder nor a .zip archive of sensor files.")
    check_input_file(path)
    if o.columns and o.input_format in ("auto", "columns"):
        refuse_sensor_choice(path, o.sensor)
        return read_mapped(path, text_encoding(path), o.columns, delimiter=o.delimiter,
                           decimal_comma=o.decimal_comma or None, time_unit=o.time_unit,
                           acc_unit=o.acc_unit, gyr_unit=o.gyr_unit, rate_hz=o.rate_hz)
    if o.input_format == "columns":
        raise InputDataError(f"--input-format columns needs a column map, for example: {EXAMPLE}")
    if o.input_format == "apdm-h5" or (o.input_format == "auto" and is_hdf5(path)):
        return read_apdm(path, o.sensor)
    encoding = text_encoding(path)
    kind = o.input_format if o.input_format != "auto" else _recognise(path, encoding, o)
    if kind.startswith("columns="):  # a header that names every column and its unit
        refuse_sensor_choice(path, o.sensor)
        return read_mapped(path, encoding, kind.removeprefix("columns="),
                           delimiter=o.delimiter, decimal_comma=o.decimal_comma or None,
                           time_unit=o.time_unit, acc_unit=o.acc_unit, gyr_unit=o.gyr_unit,
                           rate_hz=o.rate_hz)
    comma = o.decimal_comma or None  # not given: found from the file
    if kind == "imu-monitor":
        return read_own_csv(path, encoding, o.acc_unit, o.gyr_unit, o.delimiter, comma,
                            o.time_unit, o.sensor)
    if kind in ("xsens-mt", "movella-dot"):
        refuse_sensor_choice(path, o.sensor)
        return read_xsens(path, encoding, o.acc_unit, o.gyr_unit, o.rate_hz, comma)
    if kind == "shimmer":
        return read_shimmer(path, encoding, o.sensor)
    if kind == "sensor-rows":
        return read_sensor_rows(path, encoding, o.acc_unit, o.gyr_unit, o.time_unit, comma,
                                o.sensor)
    return read_witmotion(path, encoding, o.sensor, comma, o.acc_unit,
                          o.gyr_unit)


def _recognise(path: Path, encoding: str, o: ImportOptions) -> str:
    for kind, test in (("imu-monitor", is_own_csv), ("xsens-mt", is_xsens),
                       ("witmotion", is_witmotion), ("shimmer", is_shimmer),
                       ("sensor-rows", is_sensor_rows)):
        try:
            find_table(path, encoding, test)
        except LookupError:
            continue
        return kind
    lines = [ln.strip() for ln in head_lines(path, encoding) if ln.strip()]
    if not lines:
        raise InputDataError(f"The file {path} is empty: it holds no header and no samples.")
    first = lines[0]
    if first == FORMAT_LINE:
        raise InputDataError(
            f"{path} begins as a CSV of samples written by imu_monitor, but its header line "
            f"({','.join(REQUIRED)}) is not there: the file was cut while it was being "
            "written, before its first sample.")
    guess = _named_columns(path, encoding)
    if guess is not None:
        given = {"acc": o.acc_unit, "gyr": o.gyr_unit}
        missing = [key for key in guess[1] if not given[key]]
        if not missing:
            return f"columns={guess[0]}"
        raise UnitsNeeded(
            f"{path} names its columns but not all their units. Read it with "
            f"--columns {guess[0]} --acc-unit g|m/s2|mg --gyr-unit deg/s|rad/s|mdps (the units the "
            "sensor wrote: a wrong gyroscope unit scales every angle by 57).", missing)
    for line in lines[:50]:
        names = {n.strip().lower() for n in line.split(",")}
        if "time_s" in names or "acc_x" in names:  # our CSV with columns missing
            missing = [c for c in REQUIRED if c not in names]
            raise InputDataError(
                f"The file {path} lacks the column(s) {', '.join(missing)}. A CSV of samples "
                f"needs the header {','.join(REQUIRED)} (mag_x..z and quat_w..z are optional).")
    header = [n.strip().strip('"') for n in first.split(guess_delimiter(first))]
    sensor = one_sensor(header)
    if sensor is not None:
        missing = "gyroscope" if sensor == "accelerometer" else "accelerometer"
        raise InputDataError(
            f"{path} holds the {sensor} alone; the pelvis's tilt needs the {missing} too. "
            f"Apps that save each sensor to a file of its own write the {missing} beside it: "
            "import the folder (or the app's zip) that holds both, `imu-monitor import "
            "FOLDER`.")
    table_line = next((ln for ln in lines[:50] if len(ln.split(guess_delimiter(ln))) >= 7),
                      None)
    if table_line is not None and all(_is_number(n)
                                      for n in table_line.split(guess_delimiter(table_line))):
        raise InputDataError(
            f"{path} has no header line naming its columns (its first row of numbers is "
            f"'{table_line[:100]}'). Name them by number, counted from 1, in the order the "
            f"sensor wrote them, with their units: for example --columns "
            f"time=1,acc=2:3:4,gyr=5:6:7 --acc-unit g|m/s2|mg --gyr-unit deg/s|rad/s|mdps.")
    raise InputDataError(
        f"{path} is not a format we recognise (our CSV, Xsens MT Manager, Movella DOT, "
        f"WitMotion, Shimmer, APDM .h5). Its first line is '{first[:100]}'. Name its columns, "
        f"for example {example_map(header)} if that is their order (and --acc-unit, "
        "--gyr-unit if the header does not give them).")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _named_columns(path: Path, encoding: str) -> tuple[str, list[str]] | None:
    """The column map a header line spells out (``guess_column_map``), and the sensors
    ("acc", "gyr") whose unit it does not write; None if no header line does."""
    try:
        table = find_table(path, encoding, lambda names: guess_column_map(names) is not None)
    except LookupError:
        return None
    spec = guess_column_map(table.columns)
    where = parse_column_map(spec)
    units = [column_unit(table.columns, [table.columns.index(n) for n in where[key]], key, path)
             for key in ("acc", "gyr")]
    return spec, [key for key, unit in zip(("acc", "gyr"), units, strict=True) if not unit]


__all__ = ["FORMATS", "ImportOptions", "ImportedSamples", "SensorChoiceNeeded", "UnitsNeeded",
           "read_samples"]
