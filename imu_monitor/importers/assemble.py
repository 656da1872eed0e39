"""From a vendor's columns to our samples: sample counters, clocks, rate, units, checks.

Every reader ends here, so every format gets the same treatment as a live link:

* **Clocks** (``SampleTimeFine``: 32 bits of 0.1 ms or of µs, a phone's or a host's time) are
  unwrapped by the reader, then placed on the sample grid by ``timing.place_samples``, which
  measures the rate and finds lost samples from the times: counted, and bridged like lost
  Bluetooth packets.
* **Counters** (Xsens ``PacketCounter``, 16 bits) are unwrapped and their gaps counted
  (``counter_gaps``), but they do not place samples in time: in real Xsens Awinda exports
  without a clock, rows across a counter gap are one sample period apart (stride times are
  more regular counted in rows than in counter units; docs/cli.md, import). Without a clock the
  rows are consecutive samples at the rate the file states.
* **Rate**: measured from the data; a rate the file states is kept when the data agree.
* **Units** are converted once and checked against physics (``units.check_units``): a wrong
  unit is refused with the unit that fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.processing.runs import true_runs
from imu_monitor.samples import SampleBatch
from imu_monitor.sources.timing import SamplePlacement, place_samples
from imu_monitor.sources.units import ACC_UNITS, GYR_UNITS, check_units, unit_name

MIN_RATE_HZ, MAX_RATE_HZ = 20.0, 2000.0
BEYOND_ANY_SENSOR = 1e6  # in any unit we read: 16 g is 157 m/s², 2000 °/s is 35 rad/s
# Rows without a readable measurement are lost samples, unless they are this many or more.
MIN_READABLE_SHARE = 0.5
NEWEST_FIRST_SHARE = 0.95  # of the time steps going back: the rows are newest first
# A gyroscope at a fraction of the accelerometer's rate: a value in at least this share of
# the rows, never more than this many rows apart (a quarter of the rate at most).
SLOWER_SHARE = 0.2
MAX_SLOWER_RATIO = 4
# A glitch: one sample off the line through its two neighbours by this many times the file's
# 99.9th percentile of that distance, and by at least the floor below, while the neighbours
# agree with each other. On the 110 real IPOL walks the largest is 3.1 times that percentile
# (acc and gyro alike); a single sample of 250 °/s in a walk is 6.6 times it.
GLITCH_TIMES_P999 = 5.0
GLITCH_FLOOR = {"acc": 20.0, "gyr": 2.0}  # m/s², rad/s (2 g, 115 °/s)
STRAY_GAP_S = 5.0  # a first or last row this far from the next one is not of the session
# Rows a logger wrote in rather than measured: the last value held while no sample came, or a
# straight line drawn across a gap (a spreadsheet's interpolation). A sensor whose rows around
# bend away from a straight line by far more than the file's resolution never reads on one,
# in all six axes, for this long (and three rows): its noise alone forbids it. Taken in during
# a real walk, one held second made counted steps read 12–27° (the sides' means 7.2° and 0.3°
# instead of 4.9° and 1.3°). A sensor written coarsely (g to two decimals, whole degrees a
# second), whose slow movements stay within a bit or two of a line by themselves, is left as
# it is: judged by how much the body moved, 15–30 % of a slow drill's real rows had been
# taken out.
WRITTEN_IN_MIN_S = 0.03
WRITTEN_IN_MIN_ROWS = 3
WRITTEN_IN_CONTEXT_S = 0.5  # the rows either side, whose bend (median, largest axis) ...
WRITTEN_IN_CONTRAST = 10.0  # ... is this many times the resolution's at least


class SensorChoiceNeeded(InputDataError):
    """A file holds several sensors and none is marked as the sacral one: ask which."""

    def __init__(self, message: str, choices: list[str]) -> None:
        super().__init__(message)
        self.choices = choices


class UnitsNeeded(InputDataError):
    """A file that never says its units: ask for the ones missing (``missing``: "acc",
    "gyr"), as the command line's --acc-unit and --gyr-unit do."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass
class VendorColumns:
    """What a reader found in a file, before timing and units are settled."""

    source: str  # the file, for messages
    format: str  # a key of ``importers.FORMATS``
    acc: np.ndarray  # (n, 3) specific force, in ``acc_unit``
    gyr: np.ndarray  # (n, 3) in ``gyr_unit``; NaN from orientation-only exports
    acc_unit: str
    gyr_unit: str
    time_s: np.ndarray | None = None  # (n,) s of the file's clock (unwrapped)
    counter: np.ndarray | None = None  # (n,) int64 packet counter (unwrapped), for the record
    declared_rate_hz: float | None = None
    mag: np.ndarray | None = None
    quat: np.ndarray | None = None  # (n, 4) w, x, y, z, sensor → z-up world
    clock: str = "file"  # whose clock ``time_s`` is: "sensor", "host" or "file"
    vendor: dict = field(default_factory=dict)  # device serial, firmware, filter profile...
    axes: str | None = None  # the mounting, when the file states it
    start_utc: str | None = None  # when the session was recorded, if the file says (UTC)
    stated: dict = field(default_factory=dict)  # our own CSV's comments (source, drill...)


@dataclass
class ImportedSamples:
    """Samples of a file in SI units, its rate, and what it said about itself."""

    samples: SampleBatch
    rate_hz: float
    metadata: dict = field(default_factory=dict)


def unwrap_counter(raw: np.ndarray, bits: int) -> np.ndarray:
    """A wrapping counter or clock (it only moves on) as a continuous int64 count."""
    values = np.asarray(raw, dtype=np.int64)
    step = np.diff(values) % (np.int64(1) << bits)
    return np.concatenate([[0], np.cumsum(step)]) + values[0]


def assemble(v: VendorColumns) -> ImportedSamples:
    """Place, convert and check a reader's columns; refuse what cannot be analysed."""
    if len(v.acc) < 2:
        raise InputDataError(f"{v.source} holds fewer than two samples: nothing to analyse.")
    newest_first = _newest_first(v.time_s)
    if newest_first:
        v = _oldest_first(v)
    v, slower_rows = _slower_gyroscope_filled(v)
    readable = _readable_rows(v)
    if v.time_s is not None:
        # Every row with a time is placed (an unreadable row's time still tells where the
        # rows around it belong: a packet with a row missing is still a packet); then the
        # unreadable ones are left out, their slots missing. A stray first or last row is
        # neither placed nor kept.
        timed = _without_stray_ends(np.flatnonzero(np.isfinite(v.time_s)), v.time_s)
        readable = readable[np.isin(readable, timed)]
        measured = np.hstack([v.acc, np.nan_to_num(v.gyr)])[timed]  # to spot repeated rows
        placement = place_samples(v.time_s[timed], measured, v.declared_rate_hz, v.source)
        kept = timed[placement.kept]
        usable = np.isin(kept, readable)
        slots = placement.slots[usable]
        placement = replace(placement, kept=kept[usable], slots=slots - slots[0])
        time_s = v.time_s[placement.kept]
    elif v.declared_rate_hz:
        placement = SamplePlacement(readable, readable - readable[0], v.declared_rate_hz,
                                    0.0, 0, 0)
        time_s = readable / v.declared_rate_hz
    else:
        raise InputDataError(f"{v.source} gives neither sample times nor a rate: say the rate "
                             "(--rate HZ) or map a time column.")
    rate = placement.rate_hz
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        unit = next((name for name, per_s in (("ms", 1e3), ("µs", 1e6), ("ns", 1e9))
                     if MIN_RATE_HZ <= rate * per_s <= MAX_RATE_HZ), None) if v.time_s \
            is not None else None
        raise InputDataError(
            f"{v.source} is sampled at {rate:.3g} Hz; the analysis needs {MIN_RATE_HZ:g}–"
            f"{MAX_RATE_HZ:g} Hz. " + (
                f"Its times look like {unit}, not seconds: import with --time-unit "
                f"{unit.replace('µ', 'u')}." if unit else
                "Are the times in the unit you said?"))
    acc_unit = unit_name(v.acc_unit, ACC_UNITS, "--acc-unit")
    gyr_unit = unit_name(v.gyr_unit, GYR_UNITS, "--gyr-unit")
    acc = v.acc[placement.kept] * ACC_UNITS[acc_unit]
    gyr = v.gyr[placement.kept] * GYR_UNITS[gyr_unit]
    orientation_only = not np.isfinite(gyr).all()
    glitches = _glitches(acc, "acc") | (False if orientation_only else _glitches(gyr, "gyr"))
    if glitches.any():  # lost samples, like unreadable rows
        placement = replace(placement, kept=placement.kept[~glitches],
                            slots=placement.slots[~glitches])
        acc, gyr, time_s = acc[~glitches], gyr[~glitches], time_s[~glitches]
    written_in = np.zeros(len(acc), dtype=bool) if orientation_only \
        else _written_in(acc, gyr, placement.slots, rate)
    if written_in.any():  # lost samples too
        placement = replace(placement, kept=placement.kept[~written_in],
                            slots=placement.slots[~written_in])
        acc, gyr, time_s = acc[~written_in], gyr[~written_in], time_s[~written_in]
    kept = placement.kept
    if not orientation_only:
        check_units(acc, gyr, placement.slots, rate, acc_unit, gyr_unit, v.source)
    samples = SampleBatch(time_s - time_s[0], placement.slots, acc, gyr,
                          None if v.mag is None else v.mag[kept],
                          None if v.quat is None else v.quat[kept])
    metadata = dict(v.stated)
    metadata.update({"format": v.format, "acc_unit": acc_unit, "gyr_unit": gyr_unit,
                     "clock": v.clock, "timing": placement.summary(v.declared_rate_hz)})
    if len(readable) < len(v.acc):
        metadata["timing"]["unreadable_rows"] = len(v.acc) - len(readable)
    if glitches.any():
        metadata["timing"]["glitch_samples"] = int(np.count_nonzero(glitches))
    if written_in.any():
        metadata["timing"]["written_in_samples"] = int(np.count_nonzero(written_in))
    if slower_rows:
        metadata["timing"]["gyroscope_interpolated_rows"] = slower_rows
    if newest_first:
        metadata["timing"]["rows_newest_first"] = True
    if v.counter is not None:
        metadata["timing"]["counter_gaps"] = int(np.count_nonzero(np.diff(v.counter) != 1))
    if orientation_only:
        metadata["orientation_only"] = True
    if v.vendor:
        metadata["vendor"] = v.vendor
    if v.axes:
        metadata["axes"] = v.axes
    if v.start_utc:
        metadata["start_utc"] = v.start_utc
    return ImportedSamples(samples, rate, metadata)


def _slower_gyroscope_filled(v: VendorColumns) -> tuple[VendorColumns, int]:
    """A gyroscope logged at a fraction of the accelerometer's rate (a value in every other
    row, empty cells between) is interpolated in time onto the accelerometer's rows, and the
    rows filled are counted. Such rows had all been "lost": half the samples, no step counted,
    and the standing thrown away."""
    gyr_rows = np.flatnonzero(np.isfinite(v.gyr).all(axis=1))
    empty = np.flatnonzero(np.isfinite(v.acc).all(axis=1) & ~np.isfinite(v.gyr).all(axis=1))
    if len(gyr_rows) < max(2, SLOWER_SHARE * len(v.gyr)) or not len(empty):
        return v, 0
    after = np.searchsorted(gyr_rows, empty)
    inside = (after > 0) & (after < len(gyr_rows))
    between = gyr_rows[np.minimum(after, len(gyr_rows) - 1)] - gyr_rows[np.maximum(after - 1, 0)]
    fill = empty[inside & (between <= MAX_SLOWER_RATIO)]  # between two values, close by
    if len(fill) < SLOWER_SHARE / 2 * len(v.gyr):
        return v, 0  # not a slower rate: samples lost here and there, counted as such
    when = v.time_s if v.time_s is not None and np.isfinite(v.time_s).all() \
        else np.arange(len(v.gyr), dtype=float)
    gyr = v.gyr.copy()
    for axis in range(3):
        gyr[fill, axis] = np.interp(when[fill], when[gyr_rows], v.gyr[gyr_rows, axis])
    return replace(v, gyr=gyr), len(fill)


def _glitches(values: np.ndarray, kind: str) -> np.ndarray:
    """Samples that jump away from both neighbours and straight back (a bit flipped, a
    logger's glitch): no body turns or accelerates like that within one sample. One such
    gyroscope sample in a standing had the unit check refuse a whole real walk, and taken
    in, it turns the orientation by up to 20° in a hundredth of a second."""
    flagged = np.zeros(len(values), dtype=bool)
    if len(values) < 3:
        return flagged
    between = (values[:-2] + values[2:]) / 2
    off = np.linalg.norm(values[1:-1] - between, axis=1)
    neighbours = np.linalg.norm(values[:-2] - values[2:], axis=1)
    limit = max(GLITCH_TIMES_P999 * float(np.percentile(off, 99.9)), GLITCH_FLOOR[kind])
    flagged[1:-1] = (off > limit) & (neighbours < off / 2)
    return flagged


def _written_in(acc: np.ndarray, gyr: np.ndarray, slots: np.ndarray, rate_hz: float
                ) -> np.ndarray:
    """Rows (SI units, placed at ``slots``) that lie on the straight line through the rows
    either side of them in all six axes — within the file's resolution, for
    ``WRITTEN_IN_MIN_S`` or more — where the rows around them bend far more than that
    (``WRITTEN_IN_CONTRAST``): a held value or a drawn line, never a measurement. Not where
    the sensor itself stays that close to a line (a coarse one at rest or moving slowly):
    there a line is no sign of a logger."""
    values = np.hstack([acc, gyr])
    flagged = np.zeros(len(values), dtype=bool)
    shortest = max(WRITTEN_IN_MIN_ROWS, round(WRITTEN_IN_MIN_S * rate_hz))
    if len(values) < shortest + 2:
        return flagged
    tolerance = _resolution(values)
    curve = np.abs(values[:-2] - 2 * values[1:-1] + values[2:])
    on_line = np.zeros(len(values), dtype=bool)
    on_line[1:-1] = (curve <= tolerance).all(axis=1) & (np.diff(slots, 2) == 0)
    bend = np.zeros(len(values))  # each row's bend, in resolutions, its largest axis
    bend[1:-1] = (curve / np.where(tolerance > 0, tolerance, np.inf)).max(axis=1)
    context = round(WRITTEN_IN_CONTEXT_S * rate_hz)
    for start, stop in true_runs(on_line):
        if stop - start < shortest:
            continue
        a, b = start - 1, stop  # the rows either side, on the line's ends
        share = (np.arange(1, stop - start + 1) / (b - a))[:, None]
        chord = values[a] + (values[b] - values[a]) * share
        if (np.abs(values[start:stop] - chord) > tolerance).any():
            continue  # a smooth curve, locally straight (a high rate)
        around = np.concatenate([bend[max(1, a - context): a], bend[b + 1: b + 1 + context]])
        if len(around) and float(np.median(around)) >= WRITTEN_IN_CONTRAST:
            while b < len(values) - 1 and (values[b] == values[b - 1]).all():
                b += 1  # a held value's last row (the next one is measured again)
            flagged[start:b] = True
    return flagged


def _resolution(values: np.ndarray) -> np.ndarray:
    """Per column, twice the smallest step between rows (the file's resolution: a sensor's
    least bit, or the decimals it was written with), and never under float64's rounding."""
    magnitude = np.abs(values).max(axis=0)
    floor = 1e-9 * np.maximum(magnitude, 1e-12)
    steps = np.abs(np.diff(values, axis=0))
    steps = np.where(steps > floor, steps, np.inf)
    least = steps.min(axis=0)
    return np.where(np.isfinite(least), 2 * least, 0.0) + floor


def _newest_first(time_s: np.ndarray | None) -> bool:
    """Rows written newest first (some apps list a log that way): nearly every time that
    moves goes back."""
    if time_s is None:
        return False
    step = np.diff(time_s[np.isfinite(time_s)])
    moving = step[step != 0]
    return len(moving) >= 2 and np.count_nonzero(moving < 0) >= NEWEST_FIRST_SHARE * len(moving)


def _oldest_first(v: VendorColumns) -> VendorColumns:
    """The same rows in recording order."""
    flip = {name: getattr(v, name)[::-1] for name in ("acc", "gyr", "time_s", "counter", "mag",
                                                       "quat") if getattr(v, name) is not None}
    return replace(v, **flip)


def _without_stray_ends(rows: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """The rows without a first or last row whose time lies apart from all the others (a
    logger that started writing mid-line, "56,…" where "123.456" was meant, or a row of
    zeros): taken in, it stretched a one-minute walk to three and counted twelve thousand
    samples lost. Apart: more than ``STRAY_GAP_S`` and a hundred typical steps from the
    row next to it. Left out as unreadable, like any damaged row."""
    if len(rows) < 10:
        return rows
    t = time_s[rows]
    step = np.diff(t)
    typical = float(np.median(np.abs(step)))
    apart = np.abs(step) > max(STRAY_GAP_S, 100 * typical)
    first = 1 if apart[0] and not apart[1] else 0
    last = len(rows) - 1 if apart[-1] and not apart[-2] else len(rows)
    return rows[first:last]


def _readable_rows(v: VendorColumns) -> np.ndarray:
    """Indices of the rows that hold a measurement: every value a number within what any
    sensor can read (an orientation-only gyro is all NaN), and a time if the file has them.
    Other rows — a NaN the logger wrote, a line cut off at the end, a damaged value — are
    left out, and their samples count as lost. A file that is mostly such rows is refused:
    its columns are not what they seem."""
    parts = [("acceleration", v.acc)]
    if not np.isnan(v.gyr).all():
        parts.append(("angular velocity", v.gyr))
    if v.quat is not None:
        parts.append(("orientation", v.quat))
    readable = np.ones(len(v.acc), dtype=bool)
    if v.time_s is not None:
        readable &= np.isfinite(v.time_s)
        if np.count_nonzero(readable) < max(2, MIN_READABLE_SHARE * len(readable)):
            raise InputDataError(
                f"{int(np.count_nonzero(~readable))} of the {len(readable)} samples of "
                f"{v.source} have no readable time: is it the right column? Export the file "
                "again.")
    for name, values in parts:
        finite = np.isfinite(values).all(axis=1)
        huge = finite & (np.abs(np.where(finite[:, None], values, 0.0)) > BEYOND_ANY_SENSOR
                         ).any(axis=1)
        if np.count_nonzero(finite & ~huge) < max(2, MIN_READABLE_SHARE * len(values)):
            if huge.any():
                k = int(np.flatnonzero(huge)[0])
                raise InputDataError(
                    f"Sample {k + 1} of {v.source} holds an impossible {name} "
                    f"({float(np.abs(values[k]).max()):.3g}), and {int(huge.sum())} more do: no "
                    "sensor reads that much. The file is damaged, or the column is not what "
                    "it seems.")
            raise InputDataError(
                f"{int(np.count_nonzero(~finite))} of the {len(values)} samples of {v.source} "
                f"have no valid {name}, the first at sample "
                f"{int(np.flatnonzero(~finite)[0]) + 1}: is it the right column? Export the "
                "file again.")
        readable &= finite & ~huge
    if np.count_nonzero(readable) < 2:  # each column readable enough, never in one row
        raise InputDataError(f"{v.source} has no two samples whose values are all readable: "
                             "export the file again.")
    return np.flatnonzero(readable)
