"""Any other CSV, with a column map: ``--columns time=Timestamp,acc=AccX:AccY:AccZ,gyr=…``.

The map names the file's own columns: ``time`` (one), ``acc`` and ``gyr`` (three each, x:y:z
of the sensor), optional ``mag`` (three) and ``quat`` (four, w:x:y:z). Without ``time`` the
rate must be given (``--rate``). A name written ``-AccX`` reads that column with its sign
reversed: an accelerometer that reports acceleration instead of specific force (Apple's Core
Motion: gravity reads −1 g upwards), or an axis whose sign differs between the accelerometer
and the gyroscope — neither can be told from the data, and both swap left and right.
Units are read from the header where it writes them
(``AccX (g)``, ``gyro_x[deg/s]``, ``acc_x_mps2``, ``gyr_z_rad_s``, ``Timestamp (ms)``);
otherwise ``--acc-unit`` and ``--gyr-unit`` are required — a guessed gyroscope unit scales
every angle by 57 — and ``--time-unit`` is found from the spacing of the times when not
given (only one of s, ms, µs, ns puts the rate within 20–2000 Hz). Times may also be written as
clock times (``14:03:07.250``, ``2024-03-05 14:03:07.250``).

A file with no header line at all (a microcontroller's serial log) is mapped by column number,
counted from 1: ``--columns time=1,acc=2:3:4,gyr=5:6:7``. Why numbers and not a guess: the
order of a logger's columns is its firmware's choice, and a wrong guess swaps axes silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import MAX_RATE_HZ, MIN_RATE_HZ, UnitsNeeded, VendorColumns
from imu_monitor.importers.table import (
    HEADER_SEARCH_LINES,
    TIME_PATTERN,
    Table,
    fields,
    find_table,
    guess_delimiter,
    head_lines,
    parse_clock_times,
)

TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
WIDTH = {"time": 1, "acc": 3, "gyr": 3, "mag": 3, "quat": 4}
UNIT_IN_NAME = re.compile(r"[(\[]\s*([^)\]]+?)\s*[)\]]\s*$|_(g|mg|mps2|ms2|m_s2|dps|mdps|degs|"
                          r"deg_s|rads|rad_s|radps|s|ms|us|ns)$", re.IGNORECASE)
UNIT_WORDS = {"g": "g", "m/s2": "m/s2", "m/s²": "m/s2", "m/s^2": "m/s2", "mps2": "m/s2",
              "ms2": "m/s2", "m_s2": "m/s2", "°/s": "deg/s", "deg/s": "deg/s", "dps": "deg/s",
              "degs": "deg/s", "deg_s": "deg/s", "rad/s": "rad/s", "rads": "rad/s",
              "rad_s": "rad/s", "radps": "rad/s", "s": "s", "ms": "ms", "us": "us", "µs": "us",
              "m/(s^2)": "m/s2", "degrees/s": "deg/s", "deg/sec": "deg/s", "°/sec": "deg/s",
              "rad/sec": "rad/s",
              "mg": "mg", "mdps": "mdps", "mdeg/s": "mdps", "m°/s": "mdps",
              "ns": "ns"}
ACC_WORDS, GYR_WORDS = ("g", "m/s2", "mg"), ("deg/s", "rad/s", "mdps")
EXAMPLE = "--columns time=Timestamp,acc=AccX:AccY:AccZ,gyr=GyrX:GyrY:GyrZ"


def example_map(names: list[str]) -> str:
    """A column map from a header's own names, in the order loggers write them (time if there
    are seven or more, then the accelerometer's x, y, z, then the gyroscope's); six names:
    no time, the rate given instead. Other headers: ``EXAMPLE``."""
    names = [n for n in names if n]
    if len(names) == 6:
        spec, rest = f"acc={':'.join(names[:3])},gyr={':'.join(names[3:])}", " --rate HZ"
    elif len(names) >= 7:
        spec, rest = f"time={names[0]},acc={':'.join(names[1:4])},gyr={':'.join(names[4:7])}", ""
    else:
        return EXAMPLE
    quoted = f'"{spec}"' if re.search(r"[\s()\[\]]", spec) else spec  # any shell's quotes
    return f"--columns {quoted}{rest}"


# Column names that say what they hold, once their unit and punctuation are taken off
# ("acc_x [m/s²]", "AccX (m/s2)", "Gyro X (deg/s)", "Zeit (s)"): a file whose header names
# a time, three accelerometer and three gyroscope axes this plainly is read as if mapped.
NAME_PATTERNS = {
    "time": re.compile(r"(unix|epoch|utc|date|elapsed|sample)?(time|timestamp)|zeit|temps"
                       r"|tiempo|elapsed|epoch"),
    "acc": re.compile(r"(acc|accel|acceleration|accelerometer|a)([xyz])"),
    "gyr": re.compile(r"(gyr|gyro|gyroscope|angularvelocity|angularrate|g)([xyz])")}
# Short time names, taken only where no name above says time and one of them alone does
# (a temperature "T (degC)" beside a "Time (s)" is no second time): "t", and a
# microcontroller's clock functions, whose name is their unit (an Arduino sketch's
# "millis,ax,ay,az,gx,gy,gz", the most common header such loggers write).
SHORT_TIME_NAMES = ("t", "millis", "micros")
SPLIT_CLOCK_TIME = re.compile(r"\d:\d\d:\d\d,\d")
TIME_UNIT_NAMES = {"millis": "ms", "micros": "us"}


def plain_name(name: str) -> str:
    """A column name's letters, lower case, its unit taken off ("Acc X (g)" → "accx")."""
    return re.sub(r"[^a-z]", "", UNIT_IN_NAME.sub("", name).lower())


def one_sensor(names: list[str]) -> str | None:
    """"accelerometer" or "gyroscope" when a header's axes are of that sensor alone (an app
    that exports each sensor to a file of its own: "x-axis (g)", "Gyroscope x (rad/s)")."""
    kinds, axes = [], 0
    for name in names:
        word = _unit_word(name)
        plain = plain_name(name)
        if not re.search(r"[xyz]", plain[-1:] + plain[:1]):  # no axis at either end
            continue
        axes += 1
        if word in ACC_WORDS or NAME_PATTERNS["acc"].fullmatch(plain):
            kinds.append("accelerometer")
        elif word in GYR_WORDS or NAME_PATTERNS["gyr"].fullmatch(plain):
            kinds.append("gyroscope")
    # three axes, all of one sensor: any other axis column may be the other sensor
    return kinds[0] if axes == 3 and len(kinds) == 3 and len(set(kinds)) == 1 else None


def guess_column_map(names: list[str]) -> str | None:
    """The ``--columns`` map a header spells out by itself, or None if any column is
    missing or named twice."""
    found: dict[str, dict[str, str]] = {key: {} for key in NAME_PATTERNS}
    for name in names:
        plain = plain_name(name)
        for key, pattern in NAME_PATTERNS.items():
            match = pattern.fullmatch(plain)
            axis = (match.group(2) if key != "time" else "t") if match else _axis_by_unit(
                name, plain, key)
            if axis:
                if axis in found[key]:
                    return None
                found[key][axis] = name
    if not found["time"]:
        short = [name for name in names if plain_name(name) in SHORT_TIME_NAMES
                 and _unit_word(name) in (None, *TIME_UNITS)]
        if len(short) == 1:
            found["time"]["t"] = short[0]
    if len(found["time"]) != 1 or any(len(found[k]) != 3 for k in ("acc", "gyr")):
        return None
    return ",".join([f"time={found['time']['t']}"] + [
        f"{key}=" + ":".join(found[key][axis] for axis in "xyz") for key in ("acc", "gyr")])


def _unit_word(name: str) -> str | None:
    """The unit a column name ends with, in our words: None if it names none, "?" if one we
    do not know (a temperature's "degC")."""
    unit = UNIT_IN_NAME.search(name)
    return UNIT_WORDS.get((unit.group(1) or unit.group(2)).lower(), "?") if unit else None


def _axis_by_unit(name: str, plain: str, key: str) -> str | None:
    """The axis of a short name its unit says the sensor of ("A_X [mg]", "G_Z [mdps]": an
    ST logger's), or None."""
    word = _unit_word(name)
    words = {"acc": ACC_WORDS, "gyr": GYR_WORDS}.get(key, ())
    return plain[-1] if word in words and len(plain) == 2 and plain[-1] in "xyz" else None


def parse_column_map(spec: str) -> dict[str, list[str]]:
    """``time=T,acc=AX:AY:AZ,...`` → {"time": ["T"], "acc": ["AX", "AY", "AZ"], ...}."""
    found: dict[str, list[str]] = {}
    for part in spec.split(","):
        key, sep, names = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in WIDTH:
            raise InputDataError(f"'{part.strip()}' in --columns is not one of "
                                 f"{', '.join(k + '=…' for k in WIDTH)}. For example: {EXAMPLE}")
        columns = [n.strip() for n in names.split(":")]
        if len(columns) != WIDTH[key] or not all(columns):
            raise InputDataError(f"--columns {key}= takes {WIDTH[key]} column name(s) separated "
                                 f"by ':', not '{names}'.")
        found[key] = columns
    for needed in ("acc", "gyr"):
        if needed not in found:
            raise InputDataError(f"--columns needs {needed}=X:Y:Z. For example: {EXAMPLE}")
    return found


def read_mapped(path: Path, encoding: str, spec: str, *, delimiter: str | None = None,
                decimal_comma: bool | None = False, time_unit: str | None = None,
                acc_unit: str | None = None, gyr_unit: str | None = None,
                rate_hz: float | None = None) -> VendorColumns:
    mapping = parse_column_map(spec)
    reversed_ = {key: np.array([-1.0 if n.startswith("-") else 1.0 for n in names])
                 for key, names in mapping.items()}
    mapping = {key: [n.removeprefix("-").strip() for n in names]
               for key, names in mapping.items()}
    wanted = [n for names in mapping.values() for n in names]
    try:
        table = find_table(path, encoding, lambda names: _has(names, wanted), delimiter)
    except LookupError:
        table = _headerless(path, encoding, wanted, mapping, delimiter, decimal_comma)
        if table is None:
            raise InputDataError(_missing_message(path, encoding, wanted, delimiter)) from None
    _check_split_time(table)
    where = {key: [_find(table.columns, n) for n in names] for key, names in mapping.items()}
    units = {key: column_unit(table.columns, cols, key, path) for key, cols in where.items()
             if key in ("acc", "gyr", "time")}
    acc_unit = acc_unit or units.get("acc")
    gyr_unit = gyr_unit or units.get("gyr")
    if not acc_unit or not gyr_unit:
        raise UnitsNeeded(
            f"{path} does not say the units of its "
            + " and ".join(n for n, u in (("accelerometer", acc_unit), ("gyroscope", gyr_unit))
                           if not u)
            + ": give them with --acc-unit g|m/s2|mg and --gyr-unit deg/s|rad/s|mdps (a wrong "
              "guess "
              "would scale every angle; the data are checked against them).",
            [key for key, unit in (("acc", acc_unit), ("gyr", gyr_unit)) if not unit])
    numeric = [c for key in ("acc", "gyr", "mag", "quat") if key in where for c in where[key]]
    values = table.numbers(numeric, decimal_comma)
    col, at = {}, 0
    for key in ("acc", "gyr", "mag", "quat"):
        if key in where:
            col[key] = values[:, at: at + WIDTH[key]] * reversed_[key]
            at += WIDTH[key]
    time_s = None
    if "time" in where:
        time_s, time_unit = times_in_seconds(table, where["time"][0],
                                             time_unit or units.get("time"), decimal_comma, path)
    elif not rate_hz:
        raise InputDataError(f"The column map for {path} has no time=…: map the time column, "
                             "or give the rate with --rate HZ.")
    quat = col.get("quat")
    if quat is not None:
        quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
    return VendorColumns(
        source=str(path), format="columns", acc=col["acc"], gyr=col["gyr"], acc_unit=acc_unit,
        gyr_unit=gyr_unit, time_s=time_s, declared_rate_hz=rate_hz, mag=col.get("mag"),
        quat=quat, vendor={"column_map": spec, "time_unit": time_unit} if time_s is not None
        else {"column_map": spec})


def _headerless(path: Path, encoding: str, wanted: list[str], mapping: dict[str, list[str]],
                delimiter: str | None, decimal_comma: bool | None) -> Table | None:
    """The table of a file without a header line, its columns named by number ("1", "2"…),
    when the map names columns by number: its rows start at the first line whose mapped
    sensor columns are all numbers (a line above it is preamble); None otherwise."""
    if not all(n.isdigit() and int(n) >= 1 for n in wanted):
        return None
    sensor_columns = [int(n) - 1 for key, names in mapping.items() if key != "time"
                      for n in names]
    time_columns = [int(n) - 1 for n in mapping.get("time", [])]
    lines = head_lines(path, encoding, HEADER_SEARCH_LINES)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        sep = delimiter or guess_delimiter(stripped)
        parts = fields(stripped, sep)
        times = [parts[c].strip() if c < len(parts) else "" for c in time_columns]
        if _all_numbers([parts[c] if c < len(parts) else "" for c in sensor_columns],
                        decimal_comma) and all(  # a time is a number or a clock time
                _all_numbers([t], decimal_comma) or TIME_PATTERN.fullmatch(t) for t in times):
            names = [str(k + 1) for k in range(max(len(parts), max(map(int, wanted))))]
            return Table(path, encoding, lines[:i], names, i - 1, sep)
    return None


def _all_numbers(texts: list[str], decimal_comma: bool | None) -> bool:
    try:
        for text in texts:
            float(text.strip().replace(",", ".") if decimal_comma is not False else text)
    except ValueError:
        return False
    return True


def _has(names: list[str], wanted: list[str]) -> bool:
    return all(_find(names, w, quiet=True) is not None for w in wanted)


def _find(names: list[str], wanted: str, quiet: bool = False) -> int | None:
    """The column named ``wanted`` (exactly, else ignoring case and spaces)."""
    if wanted in names:
        return names.index(wanted)
    folded = [re.sub(r"\s+", "", n).lower() for n in names]
    key = re.sub(r"\s+", "", wanted).lower()
    if key in folded:
        return folded.index(key)
    if quiet:
        return None
    raise InputDataError(f"No column is named '{wanted}'.")


def _check_split_time(table: Table) -> None:
    """A clock time written with a decimal comma (14:03:07,250) in a file separated by commas
    splits every row one value wider than the header: read by position, every column after it
    had shifted, and the file was refused for its accelerometer's units. Said as it is
    (other extra values at the ends of rows are simply not read)."""
    first = next(table.lines(), None)
    if table.delimiter != "," or first is None:
        return
    number, row = first
    if len(fields(row, ",")) > len(table.columns) and SPLIT_CLOCK_TIME.search(row):
        raise InputDataError(
            f"The rows of {table.path} hold more values than its header names columns (line "
            f"{number}: '{row[:60]}'): its clock times are written with a decimal comma "
            "(14:03:07,250) in a file whose columns are separated by commas. Export it again "
            "separated by semicolons, or with points for decimals.")


def column_unit(columns: list[str], indices: list[int], key: str, path: Path) -> str | None:
    """The unit the header writes for these columns, if it writes one (and only one)."""
    found = set()
    for i in indices:
        match = UNIT_IN_NAME.search(columns[i])
        word = (match.group(1) or match.group(2)).lower() if match else None
        named = TIME_UNIT_NAMES.get(plain_name(columns[i])) if key == "time" else None
        found.add(UNIT_WORDS.get(word) if word else named)
    if len(found) > 1:
        raise InputDataError(f"The {key} columns of {path} name different units "
                             f"({', '.join(columns[i] for i in indices)}).")
    unit = found.pop()
    kind = {"time": ("s", "ms", "us", "ns"), "acc": ACC_WORDS, "gyr": GYR_WORDS}
    return unit if unit in kind[key] else None


def times_in_seconds(table: Table, column: int, unit: str | None, decimal_comma: bool | None,
                     path: Path) -> tuple[np.ndarray, str]:
    """Seconds from numbers in the given or found unit, or from clock times."""
    try:
        raw = table.numbers([column], decimal_comma)[:, 0]
    except InputDataError:
        seconds = parse_clock_times(table.text_column(column))
        if seconds is None:
            raise
        return seconds, "clock time"
    if unit is not None:
        if unit not in TIME_UNITS:
            raise InputDataError(f"Unknown time unit '{unit}': use s, ms, us or ns.")
        return raw * TIME_UNITS[unit], unit
    steps = np.diff(raw)
    finite = raw[np.isfinite(raw)]
    if len(finite) > 2 and np.all(finite == np.round(finite)) \
            and np.median(np.diff(finite)) == 1:  # whole numbers, one apart (gaps or not)
        raise InputDataError(
            f"The times in {path} count 1, 2, 3…: a sample counter, or milliseconds at 1000 Hz? "
            "If milliseconds, say so with --time-unit ms; a counter is no time: leave it out of "
            "the column map and give the rate with --rate HZ.")
    fitting = []
    # The typical step between rows; then the mean one, for rows stamped a packet at a time
    # (ten rows, one time: the steps that move are ten samples long).
    for typical in (float(np.median(steps[steps > 0])) if np.any(steps > 0) else 0.0,
                    float(np.ptp(finite)) / (len(finite) - 1) if len(finite) > 1 else 0.0):
        fitting = [u for u in ("s", "ms", "us", "ns") if typical > 0
                   and MIN_RATE_HZ <= 1 / (typical * TIME_UNITS[u]) <= MAX_RATE_HZ]
        if len(fitting) == 1:
            break
    if len(fitting) != 1:
        raise InputDataError(f"The unit of the times in {path} cannot be told from them: give "
                             "it with --time-unit s|ms|us|ns.")
    return raw * TIME_UNITS[fitting[0]], fitting[0]


def _missing_message(path: Path, encoding: str, wanted: list[str], delimiter: str | None
                     ) -> str:
    first = next((ln for ln in head_lines(path, encoding)
                  if ln.strip() and not ln.startswith("#")), "")
    return (f"{path} has no header line with the columns {', '.join(wanted)}"
            + (f"; its first line is '{first[:120]}'" if first else "")
            + (". If its columns are separated by something else, say it with --delimiter."
               if delimiter is None else "."))
