"""Text tables as vendors write them: encodings, preambles, delimiters, decimal commas.

Every text format we import is one table of numbers under a header, after a preamble of
``key: value`` lines that each vendor marks its own way (``#``, ``//``, ``Key:,value``). This
module finds the header, keeps the preamble, and turns the numeric columns into one float
array with numpy's own parser fed a block of lines at a time (no per-line Python on the
numbers, never the whole file in memory as text), so a bad row is reported with its line
number in the file.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.importers.assemble import SensorChoiceNeeded
from imu_monitor.input_files import check_input_file

# WitMotion's Windows software writes GB2312 ('°' is A1 E3); European spreadsheets cp1252.
ENCODINGS = ("utf-8-sig", "gb18030", "cp1252")
SNIFF_BYTES = 65536  # looked at before the rest is read
BLOCK_BYTES = 1 << 20  # read a block at a time
TEXT_BLOCK_CHARS = 1 << 22  # rows parsed a block of text at a time
HEADER_SEARCH_LINES = 200  # a header is among a file's first lines
# A clock time, with or without its date: ISO (2024-03-05T14:03:07.250, a UTC offset or Z),
# European (05.03.2024 14:03:07,250) or with slashes (03/05/2024 2:03:07.250 PM: month first,
# unless the first number cannot be a month).
TIME_PATTERN = re.compile(
    r"(?:(?:(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"|(?P<eu_day>\d{1,2})\.(?P<eu_month>\d{1,2})\.(?P<eu_year>\d{4})"
    r"|(?P<first>\d{1,2})/(?P<second>\d{1,2})/(?P<slash_year>\d{4}))[ T]+)?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2}):(?P<sec>\d{1,2})(?:(?P<sep>[.:,])(?P<frac>\d+))?"
    r"(?:\s*(?P<half>[AaPp][Mm]))?(?:Z|(?P<zone>[+-]\d{2}):?(?P<zone_min>\d{2}))?")
DAY_S = 86400.0
SUMMER_TIME_S = 3600.0  # the hour a local clock steps where summer time begins or ends
SUMMER_TIME_NIGHT = (23.0, 4.0)  # local hours between which a clock may change (wall clock)


def text_encoding(path: Path) -> str:
    """The first encoding that decodes the whole file, found reading it in blocks (never the
    whole file in memory)."""
    check_input_file(path)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"  # a spreadsheet's "Unicode text" (its BOM says which order)
        if b"\x00" in head:
            raise InputDataError(f"The file {path} is not text: it is not a table of samples "
                                 "(is it a recording or an HDF5 file with another name?).")
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as f:
                while block := f.read(BLOCK_BYTES):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"  # never fails: every byte is a character


def head_lines(path: Path, encoding: str, count: int = 200) -> list[str]:
    """The first lines of a file (for recognising its format and quoting it)."""
    with open(path, encoding=encoding, newline="") as f:
        return [line.rstrip("\r\n") for line, _ in zip(f, range(count), strict=False)]


@dataclass(frozen=True)
class Table:
    """A header, its preamble, and where the rows below it are: they are read from the file
    each time they are needed, a block at a time (``keep``: the rows of one sensor)."""

    path: Path
    encoding: str
    preamble: list[str]  # the lines above the header, as written
    columns: list[str]  # header names, stripped
    header_line: int  # 0-based line of the header in the file
    delimiter: str
    keep: np.ndarray | None = None  # indices of the rows used; None: all

    def index(self, name: str) -> int:
        return self.columns.index(name)

    def lines(self) -> Iterator[tuple[int, str]]:
        """(1-based line number, text) of each row below the header (blank lines and comment
        lines left out)."""
        with open(self.path, encoding=self.encoding, newline="") as f:
            for number, line in enumerate(f, start=1):
                if number <= self.header_line + 1:
                    continue
                stripped = line.strip()
                if stripped and not stripped.startswith(("#", "//")):
                    yield number, line.rstrip("\r\n")

    def first_row(self) -> str:
        return next((line for _, line in self.lines()), "")

    def uses_decimal_comma(self) -> bool:
        """Numbers written "0,25": a file not separated by commas whose first row has one
        between digits (a European spreadsheet's export)."""
        return self.delimiter != "," and bool(re.search(r"\d,\d", self.first_row()))

    def numbers(self, columns: list[int], decimal_comma: bool | None = False) -> np.ndarray:
        """The given columns of every row as floats: NaN where the vendor wrote NaN, a field
        is empty or a line is cut short (unreadable samples, counted as lost by the import).
        ``decimal_comma`` None: found from the first row (``uses_decimal_comma``)."""
        if decimal_comma is None:
            decimal_comma = self.uses_decimal_comma()
        values = parse_numbers(self, columns, decimal_comma)
        return values if self.keep is None else values[self.keep]

    def of_one_sensor(self, names: list[str], sensor: str | None) -> Table:
        """The rows of one sensor of a file that names each row's sensor (``names``): the one
        there is, or the one ``sensor`` names; several and none named, the user is asked
        (``SensorChoiceNeeded``: mixed, their samples had been read as one sensor's)."""
        distinct = list(dict.fromkeys(names))
        if not distinct:
            refuse_sensor_choice(self.path, sensor)
            return self
        if sensor is None and len(distinct) == 1:
            return self
        if sensor is None:
            raise SensorChoiceNeeded(f"{self.path} holds the sensors {', '.join(distinct)}: say "
                                     "which one is on the sacrum with --sensor NAME.", distinct)
        if sensor not in distinct:
            raise InputDataError(f"{self.path} has no sensor '{sensor}'; it holds "
                                 f"{', '.join(distinct)}.")
        return dataclasses.replace(self, keep=np.array([k for k, n in enumerate(names)
                                                        if n == sensor]))

    def text_column(self, column: int) -> list[str]:
        """One column as strings (times written as dates, device names)."""
        out = []
        for number, row in self.lines():
            parts = fields(row, self.delimiter)
            if column >= len(parts):
                raise InputDataError(f"Line {number} of {self.path} is shorter than its "
                                     f"header: it has no '{self.columns[column]}'.")
            out.append(parts[column].strip())
        return out if self.keep is None else [out[k] for k in self.keep]


def refuse_sensor_choice(path: Path, sensor: str | None) -> None:
    """A sensor named for a file that holds one sensor's samples: said, not ignored (any
    name had been accepted and changed nothing)."""
    if sensor is not None:
        raise InputDataError(f"{path} holds one sensor's samples: leave out --sensor.")


def find_table(path: Path, encoding: str, is_header, delimiter: str | None = None) -> Table:
    """The table whose header line satisfies ``is_header(names)`` (searched among the first
    lines); the lines above it are the preamble. ``delimiter`` is guessed from the header line
    when not given."""
    lines = head_lines(path, encoding, HEADER_SEARCH_LINES)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        sep = delimiter or guess_delimiter(stripped)
        names = [n.strip().strip('"').strip() for n in stripped.split(sep)]
        while names and not names[-1]:  # a trailing delimiter
            names.pop()
        if is_header(names):
            return Table(path, encoding, lines[:i], names, i, sep)
    raise LookupError


def guess_delimiter(line: str) -> str:
    """Tab if the line has one, else the more frequent of ';' and ','."""
    if "\t" in line:
        return "\t"
    return ";" if line.count(";") > line.count(",") else ","


def parse_numbers(table: Table, columns: list[int], decimal_comma: bool) -> np.ndarray:
    """numpy's parser fed the rows a block at a time; where it refuses a line, one more pass
    line by line, which reads a missing value as NaN and names the line of any other."""
    quoted = '"' in table.first_row()
    if decimal_comma and table.delimiter == "," and not quoted:
        raise InputDataError(f"{table.path} separates its columns with commas, so its "
                             "numbers cannot use a decimal comma.")
    decimal_comma = decimal_comma and table.delimiter != ","  # quoted: read field by field
    rows = (line for _, line in table.lines())
    if decimal_comma:
        rows = (line.replace(",", ".") for line in rows)
    try:
        blocks = _parse_blocks(table, columns, decimal_comma)
        if blocks is not None:
            return blocks
        with warnings.catch_warnings():  # a header without rows: said in words by the caller
            warnings.simplefilter("ignore", UserWarning)
            return np.loadtxt(rows, delimiter=table.delimiter, usecols=columns, ndmin=2,
                              dtype=float, comments=None)
    except ValueError:
        pass
    except MemoryError:
        raise InputDataError(f"{table.path} is too large for this computer's memory.") from None
    # The slow path, line by line: a missing value (an empty field, a line cut short — the
    # last one when the logger stopped mid-line) is NaN, an unreadable sample that the
    # import counts as lost; anything else that is not a number is named with its line.
    lines = list(table.lines())
    values = np.empty((len(lines), len(columns)))
    for i, (number, row) in enumerate(lines):
        parts = fields(row.replace(",", ".") if decimal_comma else row, table.delimiter)
        for j, c in enumerate(columns):
            value = parts[c].strip().strip('"').strip() if c < len(parts) else ""
            try:  # (a number in quotes, as some spreadsheets write them, is a number)
                values[i, j] = _value(value, cut=i == len(lines) - 1 and c == len(parts) - 1)
            except ValueError:
                raise InputDataError(
                    f"Line {number} of {table.path}: the value of '{table.columns[c]}' is "
                    f"'{value[:32]}', not a number."
                    f"{_hint(row, table.delimiter, c, value, table.columns[c])}"
                ) from None
    return values


def _parse_blocks(table: Table, columns: list[int], decimal_comma: bool) -> np.ndarray | None:
    """The rows parsed straight from blocks of the file's text (numpy reads each block in C:
    no Python per line), or None where that could differ from parsing line by line — a block
    with a comment or a line numpy refuses (blank with spaces, a bad value) — or finds no rows:
    then the line by line parser decides (and names the bad line)."""
    parsed = []
    try:
        with open(table.path, encoding=table.encoding) as f:  # lines split as in ``lines``
            for _ in range(table.header_line + 1):
                f.readline()
            while block := f.read(TEXT_BLOCK_CHARS):
                block += f.readline()  # up to the end of its last line
                if "#" in block or "//" in block:
                    return None
                if decimal_comma:
                    block = block.replace(",", ".")
                try:
                    parsed.append(_block_numbers(block, table.delimiter, columns))
                except ValueError:
                    if f.read(1):  # not the file's last block: the line by line parser
                        return None
                    parsed.append(_cut_at_the_end(block, table.delimiter, columns))
    except ValueError:  # a value numpy refuses, or text not in the encoding
        return None
    parsed = [p for p in parsed if len(p)]
    return np.concatenate(parsed) if parsed else None


def _block_numbers(block: str, delimiter: str, columns: list[int]) -> np.ndarray:
    if not block.strip():  # blank lines only: no rows (numpy would warn of an empty input)
        return np.empty((0, len(columns)))
    return np.loadtxt(io.StringIO(block), delimiter=delimiter, usecols=columns, ndmin=2,
                      dtype=float, comments=None)


def _cut_at_the_end(block: str, delimiter: str, columns: list[int]) -> np.ndarray:
    """The file's last block whose last line was cut while written (the logger stopped): its
    other lines as numpy reads them, that line with NaN where values are missing (raises
    ValueError for anything else: the line by line parser then names the line)."""
    lines = block.rstrip("\r\n").split("\n")
    parts = lines[-1].rstrip("\r").split(delimiter)
    last = []
    for c in columns:
        value = parts[c].strip() if c < len(parts) else ""
        last.append(_value(value, cut=c == len(parts) - 1))  # (text: ValueError)
    before = (_block_numbers("\n".join(lines[:-1]) + "\n", delimiter, columns)
              if len(lines) > 1 else np.zeros((0, len(columns))))
    return np.vstack([before, last])


def _hint(row: str, delimiter: str, column: int, value: str, name: str) -> str:
    """What to do about a field that is not a number, where its look says it."""
    if value.lower() == name.lower():
        return (" The header is written again there: the file joins two recordings. Save "
                "each as a file of its own.")
    if re.fullmatch(r"-?\d+,\d+", row.split(delimiter)[column].strip()):
        return " It looks like a decimal comma: import with --decimal-comma."
    if re.search(r"\d:\d\d:\d\d", value):
        return (" It is a clock time: name the columns with --columns time=NAME,acc=…,gyr=… "
                "(clock times are read there).")
    if re.search(r"\d:\d\d", value):
        return (" It is a time without its hour or seconds (a spreadsheet's re-save): write "
                "the times in seconds, or map the columns without time= (--columns "
                "acc=…,gyr=…) and give the rate with --rate HZ.")
    return ""


def fields(row: str, delimiter: str) -> list[str]:
    """A row's fields. Quoted ones may hold the delimiter: in a file separated by commas a
    number in quotes with a comma in it ("-8,896819", a spreadsheet's export) has a decimal
    comma, and is returned with a point."""
    if '"' not in row:
        return row.split(delimiter)
    parts = next(csv.reader([row], delimiter=delimiter))
    if delimiter == ",":
        parts = [p.replace(",", ".") if _DECIMAL_COMMA.fullmatch(p.strip()) else p
                 for p in parts]
    return parts


_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
# What is left of a number cut while it was written: "-", "0.", "2.912000E", "1e-".
_NUMBER_BEGUN = re.compile(r"[+-]?(\d+\.?\d*|\.\d*)?([eE][+-]?\d*)?")


def _value(text: str, cut: bool) -> float:
    """A field's number; NaN where it is empty, or where ``cut`` (the file's last field, the
    logger stopped inside it) and it is the beginning of a number."""
    if not text:
        return np.nan
    try:
        return float(text)
    except ValueError:
        if cut and _NUMBER_BEGUN.fullmatch(text):
            return np.nan
        raise


def preamble_values(lines: list[str], marker: str = "") -> dict[str, str]:
    """``key: value`` pairs of preamble lines (``marker`` stripped where present; a
    spreadsheet's ``Key:,value,,,`` works too)."""
    found: dict[str, str] = {}
    for line in lines:
        body = line.strip()
        if marker and body.startswith(marker):
            body = body[len(marker):]
        key, sep, value = body.partition(":")
        if sep and key.strip():
            found[key.strip()] = value.strip().strip(",;\t").strip()
    return found


def parse_clock_times(text: list[str]) -> np.ndarray | None:
    """Seconds since the first of clock times (``TIME_PATTERN``), or None if any does not
    parse. A UTC offset is taken off (a change of summer time inside the file is then no step
    back); without offsets, a step of one hour either way is summer time changing; times
    without a date that step back by hours crossed midnight."""
    out = np.empty(len(text))
    day0 = None
    dated = zoned = False
    for i, value in enumerate(text):
        match = TIME_PATTERN.fullmatch(value.strip())
        if not match:
            return None
        g = match.groupdict()
        hour = int(g["hour"])
        if g["half"]:  # a 12-hour clock: 12:xx AM is just after midnight
            hour = hour % 12 + (12 if g["half"].lower() == "pm" else 0)
        seconds = hour * 3600 + int(g["minute"]) * 60 + int(g["sec"])
        if g["frac"]:
            seconds += int(g["frac"]) / 1000 if g["sep"] == ":" else float("0." + g["frac"])
        if g["zone"]:
            zoned = True
            sign = -1 if g["zone"].startswith("-") else 1
            seconds -= sign * (abs(int(g["zone"])) * 3600 + int(g["zone_min"]) * 60)
        date = _date_of(g)
        if date is not None:
            dated = True
            ordinal = _day_number(*date)
            day0 = ordinal if day0 is None else day0
            seconds += (ordinal - day0) * DAY_S
        out[i] = seconds
    if text and not dated:
        back = np.diff(out) < -DAY_S / 2
        out[1:] += np.cumsum(back) * DAY_S
    if not zoned:
        _undo_summer_time_changes(out)
    return out - out[0]


def _undo_summer_time_changes(seconds: np.ndarray) -> None:
    """Local clock times without an offset step back (autumn) or forward (spring) by one
    hour where summer time changes: such a step, to within a second (more than any interval
    between samples at 20 Hz or more), at night (``SUMMER_TIME_NIGHT``: clocks change
    between midnight and 3 a.m. wherever they do), is taken off the times after it, in
    place. Why: the logger wrote the wall clock; the autumn step had refused the file as
    "rows not in recording order", and the spring one would count an hour of samples as
    lost. By day, an hour's step is a pause in the recording, kept."""
    steps = np.diff(seconds)
    hour = (seconds[:-1] % DAY_S) / 3600.0
    night = (hour >= SUMMER_TIME_NIGHT[0]) | (hour < SUMMER_TIME_NIGHT[1])
    changes = np.flatnonzero((np.abs(np.abs(steps) - SUMMER_TIME_S) < 1.0) & night)
    for k in changes:
        seconds[k + 1:] -= np.sign(steps[k]) * SUMMER_TIME_S


def _date_of(g: dict) -> tuple[str, str, str] | None:
    """(year, month, day) of a matched clock time, or None without a date."""
    if g["year"]:
        return g["year"], g["month"], g["day"]
    if g["eu_year"]:
        return g["eu_year"], g["eu_month"], g["eu_day"]
    if g["slash_year"]:
        first, second = g["first"], g["second"]
        return (g["slash_year"], second, first) if int(first) > 12 else (
            g["slash_year"], first, second)
    return None


@lru_cache(maxsize=64)
def _day_number(year: str, month: str, day: str) -> int:
    return dt.date(int(year), int(month), int(day)).toordinal()
