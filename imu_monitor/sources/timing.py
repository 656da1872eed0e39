"""Sample times as a file gives them, placed on the sensor's regular sample grid.

A sensor samples at a fixed rate, but a file from a phone or a Bluetooth host often stamps
each sample when it *arrived*: the times jitter, a stalled link delivers several late samples
with nearly the same stamp (a burst), a lost packet leaves a real gap, a logger may write a
row twice, and the host clock runs a few hundred ppm off the sensor's (so even a declared
rate is only nominal). Rounding ``time × rate`` drifts over a long file, and the median
interval is biased by bursts; so the grid is found like this:

1. A first period from the coherence of the times with a regular grid (a spectrum of the
   sample times): jitter blurs it, lost samples and bursts do not shift it.
2. Each sample's offset from its own count, ``time / period − index``, grows by one for every
   lost sample. A late sample only rises above the samples that follow it, so the minimum
   over the next half second (the lower envelope) ignores bursts and jitter; its steps,
   measured against its slowly moving level (a circular mean, blind to whole steps), are the
   samples missing before each sample.
3. A robust straight line through time against slot (bursts left out) gives the true rate;
   steps 2 and 3 repeat until the slots no longer change.

A file on an exact grid gets slots ``round(time × rate)`` and its declared rate unchanged.

A host that stamps each Bluetooth notification when it arrives writes its samples in groups
with one time (or times microseconds apart), tens of milliseconds late and by different
amounts: no sample then carries its own time, and a grid at the sample rate lines up with
nothing (such files came out 1–5 % off in rate, with hundreds of samples "lost" that never
were). Such a file — most rows in groups of one size, or whole multiples of it, packets that
arrived together — is placed packet by packet: the groups' times go through the steps above
on the packet grid (where a late packet is jitter of a fraction of a period, as above), and
each row takes its place in its packet, the last row at the packet's own slot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.processing.filters import minimum_filter1d

PAUSE_S = 1.0  # a longer gap in time starts a new stretch of the line fit
LOOKAHEAD_S = 0.5  # the longest a burst may hold samples back
MIN_LOOKAHEAD = 16  # samples: a whole Bluetooth packet or two at any rate
LEVEL_WINDOW_S = 10.0  # the envelope's level (clock wander) is followed over this window
LEVEL_STEP_S = 0.05  # ... and computed at this spacing
COHERENCE_SAMPLES = 4096  # samples used for the first period
MAX_ROUNDS = 8
# The envelope sits at its level, or up to this many periods above it where it rests on a
# single jittered sample (at the end of the file, before a gap); one period up is a lost sample.
LATE_TOLERANCE = 0.7
EXACT_GRID = 1e-5  # a period within this share of a whole number of grid steps is exact
OUTLIER_SDS = 3.0  # the line fit leaves out samples further than this from it
BACKWARDS_LIMIT_PERIODS = 2.0  # time may step back this far (stamping jitter) at any row
CLOCK_STEP_LIMIT_S = 1.0  # ... and this far, once a minute at most (a clock set back)
# Rows closer than this fraction of the mean interval arrived together (one notification).
TOGETHER = 0.25
# A file is stamped packet by packet when at least this share of its rows lie in groups of
# the commonest group size (two rows or more) or whole multiples of it.
PACKET_ROWS_SHARE = 0.8
# ... and at most this share of the groups inside the file have another size (a row missing,
# a repeated row): a device whose packets vary in size (7, 7, 7, 7, 6: a fifth) is placed
# sample by sample.
ODD_GROUPS_SHARE = 0.1
# Rows grouped only by times written coarser than the samples hold at most this many each
# (408 Hz written to 0.01 s: four or five); a clock stamping whole seconds groups a second's
# samples, and those groups are placed as packets.
MAX_ROUNDED_GROUP = 8


@dataclass(frozen=True)
class SamplePlacement:
    """Where each kept row belongs on the sensor's sample grid, and what the times showed."""

    kept: np.ndarray  # indices of the rows kept (exact duplicates dropped)
    slots: np.ndarray  # int64 slot of each kept row, 0 for the first
    rate_hz: float
    jitter_s: float  # robust SD of the times around the grid
    late_samples: int  # samples stamped more than half a period late (bursts; stamped by
    # notification, every sample but the last of each)
    duplicates: int  # rows dropped as exact repeats

    @property
    def missing_samples(self) -> int:
        """Slots without a sample: samples lost before they reached the file."""
        return int(self.slots[-1]) + 1 - len(self.slots)

    def summary(self, declared_rate_hz: float | None) -> dict:
        """What a recording's metadata keeps about the file's timing."""
        found = {"rate_hz": round(self.rate_hz, 6), "jitter_ms": round(self.jitter_s * 1e3, 3),
                 "missing_samples": self.missing_samples, "late_samples": self.late_samples,
                 "duplicate_rows_dropped": self.duplicates}
        if declared_rate_hz is not None:
            found["declared_rate_hz"] = declared_rate_hz
        return found


def place_samples(time_s: np.ndarray, values: np.ndarray, declared_rate_hz: float | None,
                  source: str) -> SamplePlacement:
    """Slots and rate of a file's rows (``values``: the measured columns, to spot repeats).

    ``declared_rate_hz`` is kept when the times agree with it within their precision.
    Refuses (``InputDataError``) only time that steps back by more than a second, or by more
    than two periods more often than once a minute (see ``_refuse_time_going_back``).
    """
    kept = np.flatnonzero(~_repeated_rows(time_s, values))
    with np.errstate(over="ignore", invalid="ignore"):  # times beyond any clock: refused
        t = time_s[kept] - time_s[kept[0]]
        span = t.max() - t.min()
    if not 0 < span < np.inf:
        raise InputDataError(
            f"The times in {source} cannot be sample times: every sample has the same time, or "
            "they lie beyond any clock. The time_s column must give each sample's time in "
            "seconds.")
    packets = _packets(t)
    if packets is None:
        slots, line = _grid(t, kept, source)
        period, lateness = line.period, line.residual
    else:
        stamps, ends, size = packets
        packet_slots, line = _grid(t[stamps], kept[stamps], source)
        period = line.period / size
        # A row's slot counts back from its packet's last sample; its lateness likewise.
        packet = np.searchsorted(ends, np.arange(len(t)))
        before_last = ends[packet] - np.arange(len(t))
        slots = packet_slots[packet] * size - before_last
        slots -= slots[0]
        lateness = line.residual[packet] + before_last * period
    rate = 1.0 / period
    if declared_rate_hz is not None and abs(1.0 / declared_rate_hz - period) <= max(
            5.0 * line.period_error * period / line.period, 1e-6 * period):
        rate = declared_rate_hz
    return SamplePlacement(kept, slots, rate, line.spread, int(np.count_nonzero(
        lateness > 0.5 * period)), len(time_s) - len(kept))


def _grid(t: np.ndarray, rows: np.ndarray, source: str) -> tuple[np.ndarray, _Line]:
    """Slots of times ``t`` on one regular grid, and the line through them (steps 1–3)."""
    head = _densest(_without_clock_steps(t))
    interval = float(head.max() - head.min()) / max(1, len(head) - 1)
    step = np.diff(head)
    # Coarse times on the sensor's own grid (200 Hz written to 0.01 s) are placed as any, but
    # their last rows, rounded up with no row after them, are not taken for a lost sample.
    coarse = _coarse_quantum(step, interval)
    resolution = coarse if coarse and _rounded(step, coarse) else 0.0
    if len(head) < 16 or interval <= 0:  # a few samples, or all at one time: the mean
        period = float(t.max() - t.min()) / (len(t) - 1)
    elif resolution:  # the mean interval, gaps of several samples left out
        period = float(step[step < 2.5 * resolution].mean())
    else:
        period = _coherent_period(head, interval)
    _refuse_time_going_back(t, rows, period, source)
    slots = _slots(t, period, resolution, coarse)
    line = _robust_line(slots, t, period)
    for _ in range(MAX_ROUNDS):
        new_slots = _slots(t, line.period, resolution, coarse)
        if np.array_equal(new_slots, slots):
            break
        slots = new_slots
        line = _robust_line(slots, t, line.period)
    return slots, line


def _without_clock_steps(t: np.ndarray) -> np.ndarray:
    """The times with each step back of more than two typical intervals (a host clock set
    back) replaced by one typical interval: for the first period only, whose densest stretch
    of times would otherwise lie where the times before and after the step overlap (a
    100 Hz file whose clock went back 0.95 s came out at 200 Hz)."""
    step = np.diff(t)
    moving = step[step > 0]
    if not len(moving):
        return t
    typical = float(np.median(moving))
    back = step < -2.0 * typical
    if not back.any():
        return t
    return t[0] + np.concatenate([[0.0], np.cumsum(np.where(back, typical, step))])


def _packets(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """For a file stamped packet by packet: each packet's stamp (a row index), the row at
    which its last sample sits (or would sit), and the packet size; None for a file stamped
    sample by sample.

    Rows that arrived together form a group; its rows are consecutive samples, the last one
    taken last. A group of several packets' rows (a host that read two notifications at
    once) is split into packets with its one time. A group of another size has its first
    packet short — the recording began inside a packet, or rows are missing — except the
    last group, whose last packet is short: the recording ended inside it (as a clock
    stamping whole seconds shows).
    """
    step = np.diff(t)
    moving = step[(step > 0) & (step <= PAUSE_S)]
    if len(moving) < 2:
        return None
    mean_interval = float(moving.sum()) / (np.count_nonzero(step <= PAUSE_S) or 1)
    # (a step back starts a group too: a host clock set back inside the file)
    first = np.flatnonzero(np.concatenate([[True], np.abs(step) > TOGETHER * mean_interval]))
    rows = np.diff(np.concatenate([first, [len(t)]]))
    size = int(np.bincount(rows).argmax())
    whole = rows % size == 0
    if size < 2 or rows[whole].sum() < PACKET_ROWS_SHARE * len(t) or \
            np.count_nonzero(~whole[1:-1]) > ODD_GROUPS_SHARE * len(rows):
        return None  # sample by sample: a device whose packets vary in size is not packets
    if size <= MAX_ROUNDED_GROUP and not whole[1:-1].all() and _one_quantum_apart(
            np.diff(t[first])):
        return None  # times rounded coarser than the samples (208 Hz to 0.01 s), not packets
    count = -(-rows // size)  # (a packet never has more than ``size`` rows)
    group_end = first + rows - 1
    group_end[-1] = first[-1] + count[-1] * size - 1
    # The packets of a group end every ``size`` rows before its end, the last at it.
    from_end = np.repeat(count, count) - 1 - (
        np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    ends = np.repeat(group_end, count) - from_end * size
    stamps = np.repeat(first + rows - 1, count)
    return stamps, ends, size


def _one_quantum_apart(group_steps: np.ndarray) -> bool:
    """Whether groups of rows sharing a time follow each other one time resolution apart
    (nearly all of them): times written coarser than the sample period group the rows, two
    or three at a time for 208 Hz written to 0.01 s. Packets a host stamped on arrival are
    as far apart as their samples, give or take the link's jitter."""
    moving = group_steps[group_steps > 0]
    if len(moving) < 3:
        return False
    quantum = float(moving.min())
    return np.count_nonzero(np.abs(moving - quantum) <= 0.01 * quantum) >= 0.9 * len(moving)


def _repeated_rows(time_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows equal in every column (time included) to an earlier row, however far back: a
    host that sends a block again (a reconnection replaying its buffer) repeats half a
    second or more, and a repeat taken for new samples shifted every later time by its length.
    """
    repeated = np.zeros(len(time_s), dtype=bool)
    by_time = np.argsort(time_s, kind="stable")
    tied = time_s[by_time[1:]] == time_s[by_time[:-1]]
    rows = np.union1d(by_time[1:][tied], by_time[:-1][tied])  # only rows sharing a time
    if len(rows):
        order = rows[np.lexsort((*values[rows].T[::-1], time_s[rows]))]  # equal rows together,
        same = time_s[order[1:]] == time_s[order[:-1]]  # in file order (the sort is stable)
        same &= (values[order[1:]] == values[order[:-1]]).all(axis=1)
        repeated[order[1:][same]] = True
    return repeated


def _densest(t: np.ndarray) -> np.ndarray:
    """The times of the densest ``COHERENCE_SAMPLES`` samples in a row (the fewest lost)."""
    size = min(COHERENCE_SAMPLES, len(t))
    start = int(np.argmin(t[size - 1:] - t[:len(t) - size + 1]))
    return t[start:start + size]


def _coherent_period(head: np.ndarray, head_interval: float) -> float:
    """The period whose grid the times ``head`` (the densest few thousand samples, their mean
    interval ``head_interval``) line up with best.

    Every slot filled gives their mean interval ``p``; lost samples only make the true period
    shorter (down to ``p / 2`` for half of them lost). In that band the spectrum of the
    sample times peaks at the sampling rate; Bluetooth packets stamped together add peaks at
    multiples of the packet rate, weaker with every multiple, so the lowest strong peak wins.
    """
    resolution = head_interval / 16
    bins = np.round((head - head.min()) / resolution).astype(np.int64)
    if bins.max() > 1 << 22:  # a long pause even there: the mean interval will do
        return head_interval
    padded = 1 << (4 * int(bins.max()) + 3).bit_length()  # zero-padded four times or more
    spectrum = np.abs(np.fft.rfft(np.bincount(bins), padded))
    freqs = np.fft.rfftfreq(padded, resolution)
    band = np.flatnonzero((freqs >= 0.98 / head_interval) & (freqs < 1.98 / head_interval))
    strong = band[spectrum[band] >= 0.8 * spectrum[band].max()]
    peak = int(strong[0])
    while peak + 1 < len(spectrum) and spectrum[peak + 1] > spectrum[peak]:
        peak += 1
    return 1.0 / float(freqs[peak])


def _rounded(step: np.ndarray, quantum: float) -> bool:
    """Whether times written as coarsely as ``quantum`` (0.01 s, say) hide the sample grid.

    Such times all lie on a grid of their own resolution, which lines up better than the
    sensor's (60 Hz written to 0.01 s looked like 100 Hz with 40 % of samples lost; 128 Hz,
    like 200 Hz with most lost). They are rounded, not a sensor's own grid with samples lost
    or jittered, when that resolution is coarser than a quarter of the mean interval and
    either rows share a time at a steady beat (a rate above the resolution's: 104, 128 Hz)
    or, with no row sharing a time, more than a tenth of the steps are two resolutions long
    (60 Hz) — and when the rate the steps give is not that of the resolution's grid or a
    multiple of it (100 or 200 Hz written to 0.01 s, which losses only slow down by a few
    per cent: the grid is the sensor's, and its losses are counted as such). Their mean
    interval (gaps left out) is then the period (the rounding averages out of the line fit
    that follows), and a sample is lost only where the times leave a gap that rounding
    cannot explain.
    """
    quanta = np.round(step / quantum)
    if np.count_nonzero(quanta > 2) > 0.01 * len(quanta):  # gaps of several samples
        return False
    shared = np.diff(np.flatnonzero(quanta == 0))  # rows between rows sharing a time
    beating = len(shared) >= 3 and shared.std() < 0.5 * shared.mean()  # jitter: ~1
    doubled = np.count_nonzero(quanta == 2) > 0.1 * len(quanta)
    # Rounding, not lost samples, by its regularity: 97 Hz written to 0.01 s steps by two
    # hundredths every 33 rows and had been read as 100 Hz with a sample lost every third of
    # a second. Samples lost at random come at irregular intervals and put the rows after
    # them a whole period off any one grid (their losses add up).
    doubles = np.diff(np.flatnonzero(quanta == 2))
    regular = (len(doubles) >= 3 and doubles.std() < 0.25 * doubles.mean()) or \
        _within_rounding_of_one_grid(step, quantum)
    if not (beating or (not len(shared) and doubled) or regular):
        return False
    rate = 1.0 / float(step[quanta <= 2].mean())
    grid = rate * quantum / np.arange(1, 9)  # against 1/quantum and its multiples
    if regular:  # only a grid the resolution writes exactly is the sensor's own
        return not np.any(np.abs(grid - 1.0) < 10 * EXACT_GRID)
    return not np.any((grid > 0.95) & (grid < 1.01))


def _within_rounding_of_one_grid(step: np.ndarray, quantum: float) -> bool:
    """Whether every row lies within half a ``quantum`` of one regular grid, no row missing
    except in gaps of several samples (each stretch between them has its own start)."""
    rows = np.arange(len(step) + 1, dtype=float)
    times = np.concatenate([[0.0], np.cumsum(step)])
    stretch = np.concatenate([[0], np.cumsum(np.round(step / quantum) > 2)])
    everything = np.ones(len(times), dtype=bool)
    dr = _from_stretch_mean(rows, stretch, everything)
    dt = _from_stretch_mean(times, stretch, everything)
    slope = float((dr * dt).sum() / max(float((dr * dr).sum()), 1e-12))
    return float(np.abs(dt - slope * dr).max()) <= 0.55 * quantum


def _coarse_quantum(step: np.ndarray, mean_interval: float) -> float:
    """The resolution times are written with, when it is coarser than a quarter of the mean
    interval (every step a whole number of it); 0 otherwise."""
    moving = step[step > 0]
    if not len(moving):
        return 0.0
    quantum = float(moving.min())
    quanta = step / quantum
    if quantum < mean_interval / 4 or np.abs(quanta - np.round(quanta)).max() > 0.01:
        return 0.0
    return quantum


def _refuse_time_going_back(t: np.ndarray, kept: np.ndarray, period: float,
                            source: str) -> None:
    """Rows out of order or two recordings joined: the samples' order and times contradict.

    A host clock set back now and then (a phone synchronising its clock over the network
    steps it by milliseconds to a few hundred) is not refused: at most one step back of up to
    ``CLOCK_STEP_LIMIT_S`` a minute; each starts a stretch of its own in the line fit, and
    the samples keep their order."""
    step = np.diff(t)
    back = np.flatnonzero(step < -BACKWARDS_LIMIT_PERIODS * period)
    minutes = max(1.0, float(t.max() - t.min()) / 60.0)
    if len(back) and (len(back) > minutes or step[back].min() < -CLOCK_STEP_LIMIT_S):
        k = int(back[np.argmin(step[back])] if step[back].min() < -CLOCK_STEP_LIMIT_S
                else back[0])
        raise InputDataError(
            f"The time in {source} goes back by {-step[k]:.3g} s at sample {kept[k + 1] + 1}: "
            "its rows are not in recording order, or it joins two recordings. Export the "
            "recording again in recording order, one recording per file."
        )


def _slots(t: np.ndarray, period: float, resolution: float = 0.0, coarse: float = 0.0
           ) -> np.ndarray:
    """Each sample's slot: its index plus the samples missing before it.

    Times rounded to ``resolution`` (hiding the grid) may sit up to that much late without a
    sample missing. Times written as coarsely as ``coarse``: the last ones, with no
    rounded-down sample after them, are compared with the lowest time their rounding allows
    (else the file's last sample, rounded up, counted as one lost)."""
    n = len(t)
    offset = t / period - np.arange(n)
    # (the lowest offset of rows sharing a rounded time is their last row's: look past it)
    lookahead = int(min(n, max(MIN_LOOKAHEAD, LOOKAHEAD_S / period)))
    # Times whose period is the grid or a whole multiple of it (100, 50 or 25 Hz written to
    # 0.01 s) are exact: nothing there is rounded up (padded all the same, the samples after
    # a gap in the last half second were put a slot early and one lost sample was not
    # counted). Exact means to the clock's own precision: a sensor 0.6 % off the grid's rate
    # is rounded like any other.
    ratio = period / coarse if coarse else 0.0
    if coarse and abs(ratio - round(ratio)) > EXACT_GRID * ratio:
        offset = np.concatenate([offset, np.full(lookahead, offset[-1] - coarse / period)])
    envelope = minimum_filter1d(offset, lookahead, origin=-(lookahead // 2))[:n]
    missing = np.floor(envelope - _level(envelope, period) + 1.0 - LATE_TOLERANCE
                       - resolution / period)
    missing = np.maximum.accumulate(missing).astype(np.int64)
    return np.arange(n) + missing - missing[0]


def _level(envelope: np.ndarray, period: float) -> np.ndarray:
    """The envelope's slowly moving fractional level: a circular mean over ``LEVEL_WINDOW_S``,
    taken every ``LEVEL_STEP_S`` and interpolated (whole steps, lost samples, do not move it)."""
    every = int(min(len(envelope), max(1, LEVEL_STEP_S / period)))
    picked = np.arange(0, len(envelope), every)
    phase = np.exp(2j * np.pi * envelope[picked])
    total = np.concatenate([[0], np.cumsum(phase)])
    half = int(min(len(picked), LEVEL_WINDOW_S / period / every)) // 2
    k = np.arange(len(picked))
    lo, hi = np.maximum(k - half, 0), np.minimum(k + half + 1, len(picked))
    level = np.unwrap(np.angle(total[hi] - total[lo])) / (2 * np.pi)
    return np.interp(np.arange(len(envelope)), picked, level)


@dataclass(frozen=True)
class _Line:
    period: float
    period_error: float  # standard error of the period
    spread: float  # robust SD of the residuals, s
    residual: np.ndarray  # time minus the line, s


def _robust_line(slots: np.ndarray, t: np.ndarray, period: float) -> _Line:
    """Least-squares slope of time against slot, refitted without samples far off the line.

    Each stretch between long pauses, or where the time steps back by more than a period
    (a host clock set back), keeps its own intercept: the rate then comes from the samples'
    spacing, never from a count of samples missing in a pause, which itself depends on the
    rate.
    """
    step = np.diff(t)
    stretch = np.concatenate([[0], np.cumsum((step > PAUSE_S) | (step < -period))])
    s = slots.astype(float)
    inside = np.ones(len(t), dtype=bool)
    line = _Line(period, np.inf, 0.0, np.zeros(len(t)))
    for _ in range(MAX_ROUNDS):
        ds, dt = _from_stretch_mean(s, stretch, inside), _from_stretch_mean(t, stretch, inside)
        sxx = float((ds[inside] ** 2).sum())
        slope = float((ds[inside] * dt[inside]).sum() / sxx) if sxx > 0 else 0.0
        if not slope > 0:  # time does not move on within any stretch: keep the estimate
            break
        residual = dt - slope * ds
        spread = 1.4826 * float(np.median(np.abs(residual[inside])))
        line = _Line(slope, spread / np.sqrt(sxx), spread, residual)
        now_inside = np.abs(residual) <= max(OUTLIER_SDS * spread, 1e-6 * slope)
        if np.array_equal(now_inside, inside) or now_inside.sum() < 2:
            break
        inside = now_inside
    return line


def _from_stretch_mean(x: np.ndarray, stretch: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``x`` minus the mean of its stretch (over the samples inside the fit)."""
    total = np.bincount(stretch, weights=np.where(inside, x, 0.0))
    count = np.maximum(np.bincount(stretch, weights=inside.astype(float)), 1.0)
    return x - (total / count)[stretch]
