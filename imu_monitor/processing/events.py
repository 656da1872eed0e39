"""Initial contacts and the foot of each, from a sacral sensor alone, streaming.

Walking: the forward (heading-frame) acceleration peaks at initial contact and drops sharply as
the body brakes (Zijlstra & Hof 2003). Running: the vertical acceleration rises steeply from the
flight phase at touch-down; contact is the half-way point of that rise.

Extra peaks: some walkers' forward acceleration plunges twice in one stance. A contact that
splits what the contacts around it show to be one step — its two neighbours as far apart as
the step before them, the split uneven — is such a second peak: it is emitted marked
``extra`` and left out of the feet's alternation, so it neither cuts a step short nor makes
two steps in a row on one side.

The foot: during a step the body moves sideways towards the new stance foot and back, so the
lateral velocity change *around* a right contact is leftward after it and rightward before it.
The feature is the lateral acceleration integrated over the step after minus the step before
(no integration drift: a difference of two short integrals). Steps alternate feet, so each side
decision also weighs its two neighbours on each side, with alternating signs, within a bout.

Gait initiation: before the first foot lifts, the body leans over the stance leg and starts
forward (the anticipatory postural adjustment), and its forward acceleration can plunge enough
to pass for a contact. Such a plunge is a fraction of a heel strike's: a contact that opens a
bout and plunges less than ``INITIATION_RATIO`` of the median of the contacts after it is
emitted marked ``shift`` and is no step (neither the first step of the walk nor a neighbour in
the feet's alternation).

Mixed sessions (the run drill): both searches run, and a contact is kept by the search of the
gait the data before it shows: flight just before it is running, none is walking.

Streaming: decisions need a fixed look-ahead (0.41 s for contacts; for the side two steps, and
the contact after them, which tells whether they are extra peaks), and every buffer is indexed
by absolute sample number, so any chunking of the input gives exactly the output of one
whole-array call (tested). That makes a decided contact about two seconds old (real walks in
10-sample packets: median 2.1 s), too late for feedback a patient walks by, so each contact is also
announced as soon as it is found, with a provisional foot from what is known then: the sway
since the contact and the past neighbours' scores (``provisional``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2, Side
from imu_monitor.processing.filters import maximum_filter1d, minimum_filter1d

# A contact sooner than this fraction of the usual step after the one before is, for the
# provisional foot, a second peak inside that stance (the decided foot weighs it properly).
EARLY_STEP_RATIO = 0.6
# A contact is an extra peak when its two neighbours are one step apart — within this
# fraction of the step before them — and it sits nearer than EARLY_STEP_RATIO of that step to
# one of them. Measured on the real IPOL walks (3 746 hand-checked contacts): initial-contact
# F1 stays 0.963 (34 false contacts go, 29 true ones — in U-turns and at the ends of walks,
# where steps are not counted); the counted steps on the wrong foot, 1 of 2 846 outside the
# two trials whose reference feet look swapped, become 0; the added-drop check passes 375
# instead of 369 of 440. Variants that took the usual step from the stride or from the last
# step on the same foot lost more true contacts (36 and 122) or put more counted steps on
# the wrong foot (3 and 23).
EXTRA_SPAN_TOLERANCE = 0.3
# A limp's real contact taken for a second jolt is given back when keeping it instead of the
# contact after it leaves steps this much more like the last ones on the same foot (summed
# relative differences; a simulated limp, docs/accuracy.md).
LIMP_MARGIN = 0.5
# ... and only in a steady limp: each of the last two strides' steps within LIMP_STEADY of the
# stride before's on the same foot, the two feet's steps LIMP_ASYMMETRY apart (on the real
# IPOL walks, where no one limps, the unguarded rule changed its mind 27 times, as often
# wrongly as rightly, all in U-turns and at the ends of walks).
LIMP_STEADY = 0.25
LIMP_ASYMMETRY = 0.2
# A running foot strikes twice as hard as a walking one and its sway windows are short: the
# side feature leaves out this much either side of a running contact (see _sway_turn).
# Simulated running at 100 Hz, 10 runners: steps on the right foot 92.7 % (one runner 37 %)
# → 99.9 %. Walking keeps its whole windows: on the real IPOL walks the guard changed no
# foot at 100 Hz and cost a few at 25 Hz and in real walks given a limp (0.1–0.3 %).
SIDE_GUARD_S = 0.05
# The weight shift before a walk's first step, taken for a contact, plunges a fifth as much as
# the steps after it (a median 0.20 of the next four contacts' median on the real IPOL walks,
# 95th percentile 0.56, 93 of 119 walks' first contacts) where a true first contact plunges
# 0.75 (5th percentile 0.52). At 0.4, 116 of the walks' false first or second contacts go and
# no true one. Judged against the next ``INITIATION_CONTACTS`` contacts of the bout, so a
# bout's first contacts are decided that many contacts later.
INITIATION_RATIO = 0.4
INITIATION_CONTACTS = 4


@dataclass(frozen=True)
class Contact:
    """An initial contact: absolute sample index, foot, walking bout number."""

    index: int
    side: Side
    bout: int
    foot_confidence: float = 1.0  # 0..1: how clearly the sway and its neighbours agree
    extra: bool = False  # a second peak inside the step before it, not a step (see above)
    shift: bool = False  # a weight shift as a walk starts, not a step (see above)

    @property
    def is_step(self) -> bool:
        return not (self.extra or self.shift)


@dataclass(frozen=True)
class GaitParams:
    """How contacts are found in one kind of gait (seconds, m/s²)."""

    smooth_sigma_s: float
    peak_half_window_s: float
    drop_window_s: float
    threshold_mps2: float  # walking: the plunge ahead; running: the rise out of flight
    running: bool


# Walking: the forward acceleration's plunge as the body brakes.
WALKING = GaitParams(smooth_sigma_s=0.02, peak_half_window_s=0.2, drop_window_s=0.15,
                     threshold_mps2=0.5, running=False)
# Running: shorter windows for steps of 0.25–0.4 s with flight phases.
RUNNING = GaitParams(smooth_sigma_s=0.012, peak_half_window_s=0.12, drop_window_s=0.12,
                     threshold_mps2=GRAVITY_MPS2, running=True)
# A sample is in flight when the vertical specific force is under this fraction of gravity: a
# sacral sensor in flight reads 0–0.5 g (simulated running); on the real IPOL walks it is
# under 0.5 g in 0.3 % of samples, and 20 of 8384 contacts there are taken for running ones.
# A contact ends a flight when flight fills this much of the window before it.
FLIGHT_G = 0.5
FLIGHT_FRACTION = 0.05


@dataclass(frozen=True)
class DetectorParams:
    """Tuning of the contact detector (seconds).

    With ``running`` set, both gaits' contacts are sought, and each kept if the samples before
    it show its gait: a running contact ends a flight (flight fills ``FLIGHT_FRACTION`` of the
    ``flight_window_s`` before it), a walking one does not (a run has walking in it: warming
    up, between intervals, stopping)."""

    walking: GaitParams = WALKING
    running: GaitParams | None = None
    flight_window_s: float = 0.15
    bout_gap_s: float = 1.5
    side_neighbours: int = 2
    # The search re-smooths about 0.7 s of context each time it runs: running it at most
    # every 0.2 s of data instead of every packet costs a third as much (the contacts found
    # are the same: every decision is taken on absolute sample indices).
    search_every_s: float = 0.2

    @classmethod
    def for_running(cls) -> DetectorParams:
        """Running bouts and the walking around them; a shorter gap ends a bout."""
        return cls(running=RUNNING, bout_gap_s=1.0)


class _Finder:
    """The contact search of one gait on its detection signal (absolute sample indices)."""

    def __init__(self, params: GaitParams, rate_hz: float) -> None:
        self.running = params.running
        self.threshold = params.threshold_mps2
        sigma = params.smooth_sigma_s * rate_hz
        self.h = max(1, int(np.ceil(3 * sigma)))
        x = np.arange(-self.h, self.h + 1)
        kernel = np.exp(-0.5 * (x / sigma) ** 2)
        self.kernel = kernel / kernel.sum()
        self.w = max(1, round(params.peak_half_window_s * rate_hz))
        self.a = max(1, round(params.drop_window_s * rate_hz))
        # Samples needed after a candidate: the plunge looks ``a`` ahead of every point of the
        # ±``w`` neighbourhood, on a signal smoothed over ±``h``.
        self.look = self.w + self.a + self.h

    def find(self, raw: np.ndarray, start: int, stop: int) -> list[tuple[int, int, float]]:
        """(peak, contact, strength) of each candidate in [start, stop): the strongest within
        ±w and over the threshold. ``raw`` holds absolute samples [start - w - h, stop +
        look)."""
        smooth = np.convolve(raw, self.kernel, mode="valid")  # index 0 ↔ start - w
        w, a = self.w, self.a
        if self.running:
            prior_min = minimum_filter1d(smooth, w + 1, origin=w - (w + 1) // 2)
            strength = smooth - prior_min
            peak_of = smooth
        else:
            # How far the signal is about to plunge: largest right at the contact.
            strength = smooth - minimum_filter1d(smooth, a + 1, origin=-((a + 1) // 2))
            peak_of = strength
        local_max = maximum_filter1d(peak_of, 2 * w + 1)
        span = slice(w, w + stop - start)
        cand = np.flatnonzero((peak_of[span] >= local_max[span])
                              & (strength[span] >= self.threshold))
        first = start - w
        return [(start + int(c), first + (self._rise_midpoint(smooth, w + int(c), prior_min)
                                          if self.running else w + int(c)),
                 float(strength[w + int(c)]))
                for c in cand]

    def _rise_midpoint(self, smooth: np.ndarray, peak: int, prior_min: np.ndarray) -> int:
        """Running: contact = half-way up the rise that ends at ``peak``."""
        level = 0.5 * (smooth[peak] + prior_min[peak])
        i = peak
        while i > 0 and peak - i < self.w and smooth[i - 1] > level:
            i -= 1
        return i


class ContactDetector:
    """Push (forward, lateral, vertical) heading-frame accelerations; get finalised contacts."""

    def __init__(self, rate_hz: float, params: DetectorParams | None = None,
                 announce: bool = False) -> None:
        """``announce``: ``provisional()`` will be asked for every contact (live feedback)."""
        self.rate_hz = float(rate_hz)
        self.p = params or DetectorParams()
        self._walk = _Finder(self.p.walking, self.rate_hz)
        self._run = None if self.p.running is None else _Finder(self.p.running, self.rate_hz)
        self._finders = [f for f in (self._walk, self._run) if f is not None]
        # Flight is looked for over the ``_m`` samples before a contact.
        self._m = 0 if self._run is None else round(self.p.flight_window_s * self.rate_hz)
        self._gap = round(self.p.bout_gap_s * self.rate_hz)
        self._search_every = max(1, round(self.p.search_every_s * self.rate_hz))
        self._searched_at = 0  # self._n when the search last ran
        self._look = max(f.look for f in self._finders)
        self._reach = max(f.w + f.h for f in self._finders)  # history a search looks back at
        # A contact found later lies at most this far before the search frontier (a running
        # contact is half-way up the rise that ends at its peak, up to ``w`` before it; a
        # walking one is its peak).
        self._behind = 0 if self._run is None else self._run.w
        # Raw history (absolute index of element 0 = self._start).
        self._start = 0
        self._forward = np.zeros(0)  # the walking detection signal
        self._vertical = np.zeros(0)  # the running detection signal (running only)
        self._flight = np.zeros(0)  # 1.0 in flight (running only)
        self._cum_lateral = np.zeros(0)  # running integral of lateral acceleration (m/s)
        self._lateral_sum = 0.0
        self._n = 0
        self._next = 0  # first index not yet examined for a contact
        self._last_accepted = -(10**9)
        # Contacts found, waiting for their side feature or their neighbours.
        self._ics: list[int] = []
        self._bouts: list[int] = []
        self._features: list[float | None] = []
        self._windows: list[int] = []
        self._scores: list[float | None] = []
        self._guards: list[int] = []  # samples left out either side of the contact
        self._extra: list[bool] = []  # second peaks inside a step (decided with the next one)
        self._strengths: list[float] = []  # each walking contact's plunge (NaN: running)
        self._shift: list[bool] = []  # weight shifts before a walk's first step
        self._done = 0  # contacts already emitted
        self._last_side: Side = "left"  # foot of the last step emitted
        self._announced = 0  # contacts already announced provisionally
        self._announcing = announce  # keep every contact until provisional() has it
        self._early: list[bool] = []  # per announced contact: too soon to be a step
        self._guesses: list[Side] = []  # per announced contact: its provisional foot

    # ----------------------------------------------------------------- public
    def push(self, forward: np.ndarray, lateral: np.ndarray, vertical: np.ndarray) -> list[
            Contact]:
        """Add samples; return the contacts whose foot is now decided."""
        self._forward = np.concatenate([self._forward, forward])
        if self._run is not None:
            self._vertical = np.concatenate([self._vertical, vertical])
            # Vertical specific force only: a turn's centripetal pull is no weight.
            self._flight = np.concatenate([self._flight, vertical < (FLIGHT_G - 1) * GRAVITY_MPS2])
        sums = np.cumsum(np.concatenate([[self._lateral_sum], lateral]))
        self._lateral_sum = float(sums[-1])
        self._cum_lateral = np.concatenate([self._cum_lateral, sums[1:] / self.rate_hz])
        self._n += len(forward)
        if self._n - self._searched_at < self._search_every:
            return []
        self._searched_at = self._n
        self._find_contacts(final=False)
        self._compute_features(final=False)
        out = self._emit(final=False)
        self._trim()
        return out

    def provisional(self) -> list[Contact]:
        """Contacts found since the last call, each with a provisional foot.

        A contact far sooner than the usual step after the last step is taken for a second
        peak inside that stance (turns, speed changes): the same foot. Otherwise the foot is
        the contact's own sway so far (a part of its window when the whole is not in yet)
        weighed with the past neighbours' scores, alternating over the contacts that were
        steps. The decided foot (``push``) may differ; it is counted where it does."""
        out: list[Contact] = []
        for k in range(self._announced, len(self._ics)):
            i, bout = self._ics[k], self._bouts[k]
            before = [j for j in range(max(0, k - 12), k) if self._bouts[j] == bout]
            steps = [j for j in before if not self._early[j]]
            gaps = [b - a for a, b in pairwise(self._ics[j] for j in steps)]
            early = bool(gaps and i - self._ics[steps[-1]] < EARLY_STEP_RATIO * _median(gaps))
            self._early.append(early)
            if early:
                out.append(Contact(i, self._guesses[steps[-1]], bout, 0.0))
                self._guesses.append(out[-1].side)
                continue
            score = self._scores[k]
            if score is None:
                reach = max(1, min(self._windows[k], self._n - 1 - i))
                feature = self._sway_turn(i, reach, self._guards[k])
                recent = [abs(f) for f in self._features[max(0, k - 15): k] if f is not None]
                # scaled up to a whole window (each side of the contact less its guard)
                whole = _integrated(self._windows[k], self._guards[k])
                score = math.tanh(feature * whole / _integrated(reach, self._guards[k])
                                  / (_median(recent) or 1.0))
            total, weight = score, 1
            for m, j in enumerate(reversed(steps[-2 * self.p.side_neighbours:])):
                if self._scores[j] is not None:
                    total += (-1) ** (m + 1) * self._scores[j]
                    weight += 1
            side: Side = "right" if total > 0 else "left"
            out.append(Contact(i, side, bout, abs(total) / weight))
            self._guesses.append(side)
        self._announced = len(self._ics)
        return out

    def finish(self) -> list[Contact]:
        """End of data: decide everything still pending."""
        self._find_contacts(final=True)
        self._compute_features(final=True)
        return self._emit(final=True)

    # ---------------------------------------------------------------- contacts
    def _find_contacts(self, final: bool) -> None:
        stop = self._n if final else self._n - self._look
        if stop <= self._next:
            return
        start = self._next
        found: list[tuple[int, int, float, _Finder]] = []
        for finder in self._finders:
            signal = self._vertical if finder.running else self._forward
            raw = self._slice_padded(signal, start - finder.w - finder.h, stop + finder.look)
            found += [(peak, contact, strength, finder)
                      for peak, contact, strength in finder.find(raw, start, stop)
                      if self._run is None or self._after_flight(contact) == finder.running]
        for peak, contact, strength, finder in sorted(found, key=lambda f: f[0]):
            if peak - self._last_accepted <= finder.w:
                continue
            self._last_accepted = peak
            self._add_contact(contact, finder.running, strength)
        self._next = stop

    def _after_flight(self, index: int) -> bool:
        """Flight in the ``flight_window_s`` before a contact: a running contact ends a
        flight; a walking one, even the first after a run, follows a stance."""
        flight = self._slice_padded(self._flight, index - self._m, index)
        return bool(flight.mean() > FLIGHT_FRACTION)

    def _add_contact(self, index: int, running: bool, strength: float) -> None:
        bout = self._bouts[-1] if self._bouts else 0
        if self._ics and index - self._ics[-1] > self._gap:
            bout += 1
        self._mark_extra(index, bout)
        recent = [(i, b) for i, b, e in zip(self._ics[-12:], self._bouts[-12:],
                                            self._extra[-12:], strict=True) if not e][-9:]
        intervals = [b - a for (a, ba), (b, bb) in pairwise(recent) if ba == bb == bout]
        if intervals:
            window = int(min(max(0.9 * _median(intervals), 0.2 * self.rate_hz),
                             0.6 * self.rate_hz))
        else:
            window = round((0.3 if running else 0.5) * self.rate_hz)
        self._ics.append(index)
        self._bouts.append(bout)
        self._windows.append(window)
        self._features.append(None)
        self._scores.append(None)
        self._guards.append(round(SIDE_GUARD_S * self.rate_hz) if running else 0)
        self._extra.append(False)
        self._strengths.append(strength if not running else math.nan)  # walking plunges only
        self._shift.append(False)

    def _mark_extra(self, index: int, bout: int) -> None:
        """With the contact at ``index`` known, decide whether the last one is an extra peak,
        and whether the one before it, taken for one, is rather the real contact of a limp
        (before any contact either could change is emitted: a foot waits for two more
        steps)."""
        j = len(self._ics) - 1
        self._judge_last(j, index, bout)
        self._prefer_the_later_extra(j - 1, index, bout)

    def _judge_last(self, j: int, index: int, bout: int) -> None:
        if (j < 2 or j < self._done or self._extra[j - 1] or self._extra[j - 2]
                or any(b != bout for b in self._bouts[j - 2:])):
            return
        step = self._ics[j - 1] - self._ics[j - 2]  # the step before
        span = index - self._ics[j - 1]  # what the last contact splits
        shorter = min(self._ics[j] - self._ics[j - 1], index - self._ics[j])
        self._extra[j] = (abs(span - step) <= EXTRA_SPAN_TOLERANCE * step
                          and shorter < EARLY_STEP_RATIO * step)

    def _prefer_the_later_extra(self, e: int, index: int, bout: int) -> None:
        """Contact ``e`` was taken for a second jolt, judged against the one step before it.
        In a limp that step alternates short and long, and a jolt inside the long step can
        make the real contact before it look like the jolt. With the contact after the next
        one known (``index``), and the last two strides a steady limp, keep whichever of
        ``e`` and ``e + 1`` leaves steps like the last ones on the same foot, by a clear
        margin."""
        if (e < self._done or not self._extra[e] or self._extra[e + 1]
                or self._bouts[e] != bout or self._bouts[e + 1] != bout):
            return
        back = [self._steps_away(e, n, -1) for n in range(1, 6)]  # the real contacts before
        if None in back:
            return
        t = [self._ics[k] for k in reversed(back)]  # oldest first; t[4] is the last real one
        s1, s2, same_foot = t[1] - t[0], t[2] - t[1], (t[3] - t[2], t[4] - t[3])
        steady = (abs(same_foot[0] - s1) <= LIMP_STEADY * s1
                  and abs(same_foot[1] - s2) <= LIMP_STEADY * s2)
        if not steady or abs(same_foot[0] - same_foot[1]) < LIMP_ASYMMETRY * max(same_foot):
            return

        def unlike(kept: int) -> float:
            """How far the two steps with ``kept`` as the real contact are from the last two."""
            return sum(abs(step - ref) / ref for step, ref in zip(
                (kept - t[4], index - kept), same_foot, strict=True))

        if unlike(self._ics[e]) < LIMP_MARGIN * unlike(self._ics[e + 1]):
            self._extra[e], self._extra[e + 1] = False, True

    # ------------------------------------------------------------------- sides
    def _compute_features(self, final: bool) -> None:
        for k in range(self._done, len(self._ics)):
            if self._features[k] is not None:
                continue
            i, t = self._ics[k], self._windows[k]
            if i + t >= self._n and not final:
                break
            self._features[k] = self._sway_turn(i, t, self._guards[k])
            recent = [abs(f) for f in self._features[max(0, k - 15): k + 1] if f is not None]
            scale = _median(recent) or 1.0
            self._scores[k] = math.tanh(self._features[k] / scale)

    def _emit(self, final: bool) -> list[Contact]:
        out: list[Contact] = []
        # No contact found from now on can join the last bout (it would be a gap later).
        last_bout_over = bool(self._ics) and (
            self._n - self._ics[-1] > self._gap + self._look + self._behind)
        while self._done < len(self._ics):
            k = self._done
            if self._scores[k] is None:
                break
            bout = self._bouts[k]
            # The farthest neighbour's score, and whether it is an extra peak: decided once
            # the contact after it is known.
            last = self._steps_away(k, self.p.side_neighbours, 1)
            ready = final or (last is not None and last + 1 < len(self._ics)
                              and self._scores[last] is not None) or (
                len(self._ics) > k + 1 and self._bouts[-1] != bout
            ) or (last_bout_over and self._bouts[-1] == bout
                  and all(s is not None for s in self._scores[k:]))
            if not ready:
                break
            if self._leads_bout(k):
                following = [j for j in range(k + 1, min(k + 1 + INITIATION_CONTACTS,
                                                         len(self._ics)))
                             if self._bouts[j] == bout]
                closed = final or self._bouts[-1] != bout or last_bout_over
                if len(following) < INITIATION_CONTACTS and not closed:
                    break  # its bout's next contacts tell whether it was a step
                self._shift[k] = self._weaker_than(k, following)
            if self._shift[k]:
                own_sway: Side = "right" if self._scores[k] > 0 else "left"
                out.append(Contact(self._ics[k], own_sway, bout, 0.0, shift=True))
                self._done += 1
                continue
            if self._extra[k]:  # inside the last step's stance: its foot
                out.append(Contact(self._ics[k], self._last_side, bout, 0.0, extra=True))
                self._done += 1
                continue
            total, weight = 0.0, 0
            for j, sign in self._side_neighbours(k):
                if self._scores[j] is not None:
                    total += sign * self._scores[j]
                    weight += 1
            side: Side = "right" if total > 0 else "left"
            out.append(Contact(self._ics[k], side, bout, abs(total) / max(weight, 1)))
            self._last_side = side
            self._done += 1
        return out

    def _leads_bout(self, k: int) -> bool:
        """No step before contact ``k`` in its bout (only weight shifts, if anything)."""
        j = k - 1
        while j >= 0 and self._bouts[j] == self._bouts[k]:
            if not self._shift[j]:
                return False
            j -= 1
        return True

    def _weaker_than(self, k: int, following: list[int]) -> bool:
        """Contact ``k`` plunges less than ``INITIATION_RATIO`` of the median of the
        ``following`` walking contacts (at least two): the weight shift before a first step."""
        plunges = [self._strengths[j] for j in following]
        if len(plunges) < 2 or math.isnan(self._strengths[k]) or any(map(math.isnan, plunges)):
            return False
        return self._strengths[k] < INITIATION_RATIO * float(np.median(plunges))

    def _steps_away(self, k: int, n: int, direction: int) -> int | None:
        """The contact ``n`` steps after (``direction`` 1) or before (-1) contact ``k`` in its
        bout, extra peaks and weight shifts not counted; None if the known contacts do not
        reach that far."""
        j, found = k, 0
        while found < n:
            j += direction
            if not 0 <= j < len(self._ics) or self._bouts[j] != self._bouts[k]:
                return None
            found += not (self._extra[j] or self._shift[j])
        return j

    def _side_neighbours(self, k: int) -> list[tuple[int, int]]:
        """Contact ``k`` and up to ``side_neighbours`` steps either side of it in its bout,
        each with the sign its foot has relative to ``k``'s (feet alternate)."""
        out = [(k, 1)]
        for direction in (-1, 1):
            for n in range(1, self.p.side_neighbours + 1):
                j = self._steps_away(k, n, direction)
                if j is None:
                    break
                out.append((j, (-1) ** n))
        return out

    # ----------------------------------------------------------------- buffers
    def _slice_padded(self, x: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Absolute samples [lo, hi) of a history array, padded with its end values."""
        a, b = lo - self._start, hi - self._start
        n = len(x)
        core = x[max(a, 0): min(b, n)]
        left = np.full(max(0, -a), x[0] if n else 0.0)
        right = np.full(max(0, b - n), x[-1] if n else 0.0)
        return np.concatenate([left, core, right])

    def _sway_turn(self, index: int, reach: int, guard: int) -> float:
        """The lateral velocity change over ``reach`` samples after contact ``index`` minus
        that over the ``reach`` before it (> 0: turned leftward after it → right foot), leaving
        out ``guard`` samples either side of the contact, where the foot strike's own sideways
        jolt falls: found a few milliseconds early or late, a contact would put that jolt in
        either window and flip its sign."""
        guard = reach - _integrated(reach, guard)
        return (self._cum_at(index + reach) - self._cum_at(index + guard)
                - self._cum_at(index - guard) + self._cum_at(index - reach))

    def _cum_at(self, index: int) -> float:
        rel = min(max(index - self._start, 0), len(self._cum_lateral) - 1)
        return float(self._cum_lateral[rel])

    def _trim(self) -> None:
        # Keep what the next contact may look back at: its smoothing and neighbourhood, and
        # one side window (≤ 0.6 s) before it.
        keep_from = self._next - self._reach - self._m - round(0.6 * self.rate_hz) - 2
        if self._done < len(self._ics):
            keep_from = min(keep_from, self._ics[self._done] - round(0.7 * self.rate_hz))
        cut = keep_from - self._start
        if cut > 4 * self.rate_hz:
            self._forward = self._forward[cut:]
            if self._run is not None:
                self._vertical = self._vertical[cut:]
                self._flight = self._flight[cut:]
            self._cum_lateral = self._cum_lateral[cut:]
            self._start += cut
        # Contacts already emitted are only needed as neighbours of pending ones.
        drop = self._done - 2 * self.p.side_neighbours - 16
        if self._announcing:  # (a push of minutes, e.g. a late calibration's flush)
            drop = min(drop, self._announced)
        if drop > 64:
            for lst in (self._ics, self._bouts, self._features, self._windows, self._scores,
                        self._guards, self._extra, self._strengths, self._shift):
                del lst[:drop]
            self._done -= drop
            del self._early[:drop], self._guesses[:drop]
            self._announced = max(0, self._announced - drop)


def _integrated(reach: int, guard: int) -> int:
    """Samples of a ``reach``-long side window a ``guard`` leaves to integrate (at least one)."""
    return reach - min(guard, reach - 1)


def _median(values: list) -> float:
    """Median of a short list (plain Python: numpy's call overhead dominates at this size);
    0 for none (the callers then fall back on a scale of 1)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
