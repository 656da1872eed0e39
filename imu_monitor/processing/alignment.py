"""Finding the calibration from the data: vertical and neutral from standing, forward from walking.

Forward comes from the inverted-pendulum signature of walking: the body moves fastest forward at
double support, when it is lowest, so the horizontal acceleration covaries with *minus* the
vertical velocity along the walking direction, with its sign (running, a spring-mass gait, has the
opposite sign and is recognised by its flight phases). The covariance is taken **in sensor axes**
(gravity removed with the filter's per-sample vertical): the pelvis carries the sensor, so the
walking direction is fixed there whatever the path — turns, short rooms and speed changes do not
matter, and every stretch of walking in the session is pooled.

Vertical and neutral come from the still periods in a standing posture before the first walking
(the walking posture within ``MAX_STANDING_TO_WALKING_DEG``: a chair is not standing), joined
into one standing (a single-leg drill: the first, as its holds are postures of their own).
With nobody ever standing still (a treadmill, a patient who cannot), the neutral is the pelvis
at the instants of initial contact in steady straight walking, averaged over both feet: a
larger drop in one stance leaves it alone, unlike the mean posture.

Everything is decided on whole 0.5 s blocks counted from the first sample, incrementally, so a
live session (packets) and a whole array reach the same calibration at the same sample. A live
session locks as soon as enough walking is pooled; a whole recording pools all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imu_monitor.conventions import GRAVITY_MPS2
from imu_monitor.errors import CalibrationError
from imu_monitor.processing.calibration import (
    Calibration,
)
from imu_monitor.processing.metrics import TURN_MARGIN_S, TURN_PER_STEP_DEG
from imu_monitor.rotations import quat_to_matrix

BLOCK_S = 0.5
MIN_STILL_S = 1.5
MAX_STILL_S = 5.0
# Lost data inside a still period (a Bluetooth burst, the sensor out of range a moment)
# neither ends it nor feeds it: standing before and after a gap is one standing, and cutting
# it would move the neutral. A burst of up to 0.5 s touches two blocks; two bursts a few
# tenths apart leave no whole block between them. Real walks with 1.5–3.5 s lost inside the
# standing before walking keep their standing in 90 of 108 (65 when this was 2 s: the rest
# take the neutral from the contacts, and their means move by up to 2°;
# bench/standing_gap_ipol.py).
MAX_STILL_GAP_S = 5.0
# In a single-leg drill, a still period holds one posture: a block whose accelerometer
# direction is this far from the period's first block starts another. The weight shift onto
# one leg is slow enough to pass as still (a hold sways less than 5.7°/s), and a neutral that
# took in the first seconds of a hold read the next hold's drop 0.7° high and its own 0.8°
# low. Not in walking sessions: people standing shift their weight too (on the real IPOL
# walks the standing drifts by more than 1° in 89 of 110, by 2° in 39), and a neutral from
# their first posture only moved the added-drop and packet-loss figures the wrong way.
STILL_POSTURE_DEG = 1.0
MIN_STILL_MEASURED_S = 1.0  # of a still period's MIN_STILL_S or more, measured
# The standing's last block before the walk is the first step's preparation when its posture
# is this far from the two blocks before it (docs/accuracy.md): left out of the neutral.
STEP_PREPARATION_DEG = 0.5
# A block is evidence of standing when this much of it was measured, read from those samples
# alone. Single samples lost here and there (a host that drops one in forty) had left no
# whole block in a 5 s standing: the neutral came from the contacts and a real walk's
# asymmetry read −0.7° instead of +3.3°. A lost 10-sample packet at 100 Hz (a fifth of a
# block) is still lost data inside the standing, bridged as above.
MIN_BLOCK_MEASURED = 0.9
STILL_GYRO_STD_RADPS = 0.1
STILL_ACC_STD_MPS2 = 0.25
# A walking block: the acceleration's magnitude varies this much (SD over the block). On the
# real IPOL walks at their own pace: walking 0.61 m/s² at the 1st percentile (median 2.2),
# standing 0.16 at the 95th. Walking at a patient's pace is a slowed film of it, its
# accelerations the square of the slowing smaller: brisk walking alone refused 6 of 110
# walks played at 73 steps a minute and 40 at 64 (bench/slow_walking_ipol.py). Gentle
# walking counts as well once a walk has had SLOW_MIN_WINDOWS gentle windows and as
# many as brisk ones, and from then on to its end (a decision that flipped back and forth
# moved the live progress backwards and the live means by 0.5°), or while a walk has no brisk
# window at all (better than no forward: one at 44 steps a minute). A walk mostly brisk keeps to
# its brisk windows, as the gentle ones, at the start and end of each walk, made the live
# forward less sure (real walks' shown feet changed when judged: 0.86 % → 0.95 %).
WALK_ACC_STD_MPS2 = 0.6
GENTLE_WALK_ACC_STD_MPS2 = 0.3
SLOW_MIN_WINDOWS = 6  # 4 s of gentle walking: more than a brisk walk's start and stop
WINDOW_BLOCKS = 3  # a forward window: 1.5 s of walking, about three steps
CADENCE_CONTACTS = 5  # the contacts nearest a window's middle give its cadence: three strides
CADENCE_WINDOW_STEPS = 4  # a window with a known cadence is read over this many steps
# Steps unequal by this much (a step's difference from the next, over the stride) and less
# follow the contacts' cadence; twice as unequal, a limp, the window's own pick.
MAX_STEP_ASYMMETRY = 0.1
# In a turn the pelvis leads the walking path by tens of degrees: such windows are left out.
MAX_TURN_IN_WINDOW_DEG = 25.0
LIVE_WALK_S = 5.0  # walking pooled before a live calibration with standing locks
NO_STANDING_WALK_S = 10.0  # about 20 steps: enough for a neutral from initial contacts
MIN_CONTACTS_PER_SIDE = 5
# A contact in steady walking — the stride before it and the stride after it within this of
# each other — is found more exactly than one where the walk changes (starting, stopping,
# speeding up, a contact missed or split): read at the steady ones, the neutral of the real
# IPOL walks without standing passes the added-drop check 183 instead of 176 of 220 times,
# and agrees with their standing as well (docs/accuracy.md).
STEADY_STRIDE = 0.1
# ... and at least this many a foot, the steadiest: a median over fewer is noisier than the
# contacts it leaves out are wrong (the live view's calibration after 10 s of treadmill walking,
# ten simulated walkers: per-side error 1.03° with all contacts, 1.14° with five steady ones a
# foot, 0.98° with at least the eight steadiest).
MIN_STEADY_CONTACTS_PER_SIDE = 8
# Our initial contacts come a median 10 ms before the hand-checked ones on real walks (IPOL,
# 3 679 contacts; 25–75 %: 20 ms early to on time): the pelvis "at a contact" is read that
# much later, or the end of the other foot's stance (its drop) leaks into the neutral.
CONTACTS_EARLY_S = 0.010
MIN_FORWARD_CONFIDENCE = 0.15
# A walking window whose forward evidence is this many times the median window's is not walking
# like the rest, and is left out: a knock on the sensor (80 ms at 16 g in a real walk) gave
# its three windows 24 times the evidence of the others and turned forward by 24°, reversing
# which side looked weaker (capped at three times the median instead, still 10°). On the 110
# real IPOL walks no brisk straight window reaches 1.6 times the median (3 318 windows).
OUTLIER_WINDOW_TIMES = 3.0
# A declared forward this far from the walking's (with twice the confidence needed to lock
# one) is refused, as a declared up is: on real walks the walking's forward is found within
# a few degrees (docs/accuracy.md), and a sensor strapped to the sacrum is not turned by more.
DECLARED_FORWARD_LIMIT_DEG = 60.0
# A mounting preset (the app's) is set aside beyond this, for forward from the walking: on
# the real IPOL walks with their true axes declared the walking's forward lies within 24° of
# them after the live view's 5 s of walking (median 3.9°), within 19° with a whole
# recording's (median 3.6°); a preset 40° off read a 9° drop as 5.5°. Set aside, the same
# standing stays and forward comes from the walking, as without a preset.
PRESET_LIMIT_DEG = 30.0
MAX_STANDING_TO_WALKING_DEG = 15.0
# Walking (and its forward windows) this far from the walking's dominant posture is not the
# pelvis's: a sensor handled before it is clipped on or after it is taken off moves like a
# brisk walk. A pelvis leans less than 20° from its walking posture running, on stairs, or
# limping; a sensor in a hand is anywhere. Real walks with 6 s of hand-held motion before
# them had all lost their standing (the standing came "after walking"), and with it after
# them a fifth had, the hand's posture pulling the walking's vertical away.
OFF_POSTURE_DEG = 40.0
# Running: flight (the accelerometer under FLIGHT_ACC_G) in more than FLIGHT_FRACTION of
# the samples (processing/gap_fill.py, ``running``, uses the same).
FLIGHT_ACC_G = 0.3
FLIGHT_FRACTION = 0.05
# Steps per second: slow walking to fast running; gentle walking from a patient's 48 a
# minute (from 0.8 for every window, a brisk walk's window could pick its stride instead of
# its step: 7 of the 110 real walks did, in up to 5 % of their windows).
STEP_HZ_RANGE = (1.2, 4.0)
GENTLE_STEP_HZ_RANGE = (0.8, 4.0)
_STEP_GRID_HZ = np.arange(GENTLE_STEP_HZ_RANGE[0], STEP_HZ_RANGE[1] + 1e-9, 0.02)
GROUP_SAMPLES = 65_536  # long arrays' block features are computed this many samples at a time


@dataclass
class _Still:
    start: int
    stop: int
    up: np.ndarray
    gyro_std_dps: float
    measured: int  # samples measured in it (lost data inside is bridged, not counted)
    block_sums: np.ndarray  # (k, 3) the sum of up over each of its blocks' measured samples
    block_counts: np.ndarray  # (k,) measured samples in each block


@dataclass
class _Pool:
    """The forward evidence of one kind of walking window, summed, without the windows whose
    evidence is more than ``OUTLIER_WINDOW_TIMES`` the pool's median window's."""

    covs: list[np.ndarray] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    _sums: tuple[np.ndarray, float] | None = field(default=None, repr=False, compare=False)

    @property
    def windows(self) -> int:
        return len(self.covs)

    @property
    def cov(self) -> np.ndarray:
        return self._summed()[0]

    @property
    def scale(self) -> float:
        return self._summed()[1]

    @property
    def dirs(self) -> np.ndarray:
        """The own direction of each window summed (``(k, 3)``; without evidence: none)."""
        covs = np.array(self.covs).reshape(-1, 3)
        norms = np.linalg.norm(covs, axis=1)
        kept = (norms > 0) & self._alike(norms)
        return covs[kept] / norms[kept, None]

    def add(self, cov: np.ndarray, scale: float) -> None:
        self.covs.append(np.asarray(cov, dtype=float))
        self.scales.append(float(scale))
        self._sums = None

    def __add__(self, other: _Pool) -> _Pool:
        return _Pool(self.covs + other.covs, self.scales + other.scales)

    def _summed(self) -> tuple[np.ndarray, float]:
        """The evidence and scales of the windows like the others, summed."""
        if self._sums is None:
            if not self.covs:
                self._sums = (np.zeros(3), 0.0)
            else:
                covs, scales = np.array(self.covs), np.array(self.scales)
                alike = self._alike(np.linalg.norm(covs, axis=1))
                self._sums = (covs[alike].sum(axis=0), float(scales[alike].sum()))
        return self._sums

    @staticmethod
    def _alike(norms: np.ndarray) -> np.ndarray:
        """Which windows' evidence is like the others' (not ``OUTLIER_WINDOW_TIMES`` the
        median's or more)."""
        return norms <= OUTLIER_WINDOW_TIMES * float(np.median(norms)) if len(norms) else norms > 0


@dataclass(frozen=True)
class _Window:
    """A pooled forward window: where it starts, its kind, and its own evidence."""

    start: int
    running: bool
    straight: bool
    brisk: bool
    cov: np.ndarray  # at the window's own step frequency, as measured (running not reversed)
    scale: float
    up: np.ndarray  # its mean vertical in sensor axes (the posture it was walked in)


@dataclass
class Aligner:
    """Incremental evidence for the calibration; :meth:`decide` turns it into one.

    ``add`` is given all samples since the stream began (the pipeline keeps them until it is
    calibrated) and looks at each new complete block once.
    """

    rate_hz: float
    axes: np.ndarray | None = None
    # A guided calibration (the clinician asked the patient to stand, then walk): live, it
    # never locks without a standing period, and only the walking after it counts (it had
    # replaced a calibration from standing with one from walking alone, the patient still
    # walking when C was pressed).
    require_standing: bool = False
    vertical_from_orientation: bool = False  # sensors with their own orientation
    one_posture: bool = False  # single-leg drills: a still period ends at a posture change
    _next: int = 0
    _run_start: int | None = None
    _run_last: int = 0  # end of the still run's last still block
    _run_gravity: np.ndarray | None = None  # its first block's mean acceleration (drills)
    _stills: list[_Still] = field(default_factory=list)
    _walking: list[int] = field(default_factory=list)  # per block: 0, gentle 1, brisk 2
    _walk_up_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))  # brisk blocks
    _gentle_up_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))
    _walk_blocks: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (level, up sum)
    _straight: _Pool = field(default_factory=_Pool)  # brisk straight windows
    _turning: _Pool = field(default_factory=_Pool)  # brisk windows in turns
    _gentle: _Pool = field(default_factory=_Pool)  # straight windows with gentle blocks
    _windows_pooled: list[_Window] = field(default_factory=list)  # to read again
    _first_window_start: int | None = None  # first sample of the first brisk window
    _first_any_start: int | None = None  # first sample of the first window of any kind
    _slow_walk: bool = False  # gentle walking counts too (see SLOW_MIN_WINDOWS)
    _progress: float = 0.0  # the largest walking_progress() shown so far

    @property
    def block(self) -> int:
        return max(1, round(BLOCK_S * self.rate_hz))

    @property
    def walking_s(self) -> float:
        """Walking pooled for the forward direction so far (windows overlap; each new one adds
        half a second)."""
        windows = self._pooled().windows
        return (WINDOW_BLOCKS + windows - 1) * BLOCK_S if windows else 0.0

    @property
    def seen(self) -> int:
        """Samples looked at so far (a live calibration is decided on these alone)."""
        return self._next

    def add(self, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray, up: np.ndarray,
            valid: np.ndarray, final: bool = False, measured: np.ndarray | None = None
            ) -> bool:
        """Look at new complete blocks; live (not ``final``), stop at the first block after
        which a calibration can be locked and say so. ``final``: the data ends here, look at
        all of it. ``valid``: samples measured and trusted (a block with lost data is no
        evidence). ``measured``: samples measured at all (trusted or not yet: standing is
        read from the accelerometer, not the filter), ``valid`` when not given. The evidence
        of all new blocks is computed at once (an hour's recording
        in a fraction of a second); the decisions are taken block by block."""
        b = self.block
        measured = valid if measured is None else measured
        count = (len(acc) - self._next) // b
        if count > 0:
            still, walking, up_sums, complete, gravity = _block_features(
                acc[self._next:], gyr[self._next:], up[self._next:], valid[self._next:],
                measured[self._next:], b, count, self.one_posture)
            earlier = np.array(self._walking[-(WINDOW_BLOCKS - 1):], dtype=np.int8)
            levels = np.concatenate([earlier, walking])
            ends = self._next + b * (np.arange(count) + 1)
            windows = self._windows_ending(acc, gyr, up, ends, levels)
            for k in range(count):
                s, e = self._next, self._next + b
                # A guided calibration counts the walk after the standing it asked for.
                counts = bool(self._stills) or not self.require_standing
                level = int(walking[k]) if counts else 0
                self._walking.append(level)
                if level:
                    self._walk_blocks.append((level, up_sums[k]))
                if level == 2:
                    self._walk_up_sum += up_sums[k]
                elif level == 1:
                    self._gentle_up_sum += up_sums[k]
                self._still_block(acc, gyr, quat, measured, bool(still[k]),
                                  None if gravity is None else gravity[k],
                                  bool(complete[k]), s, e)
                if counts and k in windows:
                    self._add_window(*windows[k])
                self._next = e
                if not final and self.ready(final=False):
                    return True
        if final and self._run_start is not None:
            self._end_still(acc, gyr, quat, measured, self._run_start, self._run_last)
            self._run_start = None
        return self.ready(final)

    def _still_block(self, acc, gyr, quat, measured, still: bool,
                     gravity: np.ndarray | None, complete: bool, s: int, e: int) -> None:
        if (not complete and self._run_start is not None
                and e - self._run_last <= round(MAX_STILL_GAP_S * self.rate_hz)):
            return  # lost data inside a still period: wait for what follows it
        if still:
            if self.one_posture and self._run_start is not None and _angle_deg(
                    gravity, self._run_gravity) > STILL_POSTURE_DEG:  # another posture
                self._end_still(acc, gyr, quat, measured, self._run_start, self._run_last)
                self._run_start = None
            if self._run_start is None:
                self._run_start, self._run_gravity = s, gravity
            self._run_last = e
            if e - self._run_start >= round(MAX_STILL_S * self.rate_hz):
                self._end_still(acc, gyr, quat, measured, self._run_start, e)
                self._run_start = None
        elif self._run_start is not None:
            self._end_still(acc, gyr, quat, measured, self._run_start, self._run_last)
            self._run_start = None

    def _end_still(self, acc, gyr, quat, measured, s: int, e: int) -> None:
        kept = np.flatnonzero(measured[s:e]) + s  # measured samples only (gaps are filled in)
        if (e - s < round(MIN_STILL_S * self.rate_hz)
                or len(kept) < round(MIN_STILL_MEASURED_S * self.rate_hz)):
            return
        # The accelerometer's direction, not the filter's: it is where a filter settles, with
        # no lag from a bias not yet learned. Sensors with their own orientation: theirs.
        ups = quat_to_matrix(quat[kept])[:, 2, :] if self.vertical_from_orientation \
            else acc[kept]
        block = (kept - s) // self.block
        count = (e - s + self.block - 1) // self.block
        sums = np.column_stack([np.bincount(block, ups[:, k], count) for k in range(3)])
        up = sums.sum(axis=0)
        self._stills.append(_Still(s, e, up / np.linalg.norm(up),
                                   float(np.degrees(largest_sd(gyr[kept][None])[0])), len(kept),
                                   sums, np.bincount(block, minlength=count)))

    def _windows_ending(self, acc, gyr, up, ends: np.ndarray, levels: np.ndarray
                        ) -> dict[int, tuple[np.ndarray, float, bool, bool, bool, int,
                                             np.ndarray]]:
        """The forward evidence of every window of ``WINDOW_BLOCKS`` walking blocks ending
        at one of ``ends``, by block number in this call: (covariance, scale, running,
        straight, brisk, first sample, mean vertical). ``levels``: each block's walking (0,
        gentle 1, brisk 2), for the blocks before this call that a window may reach back to,
        then for this call's."""
        n = WINDOW_BLOCKS
        offset = len(levels) - len(ends)  # levels of earlier blocks come first
        lowest = [int(levels[k + offset + 1 - n: k + offset + 1].min())
                  if k + offset + 1 >= n else 0 for k in range(len(ends))]
        eligible = [k for k in range(len(ends)) if lowest[k] > 0]
        if not eligible:
            return {}
        length = n * self.block
        starts = ends[eligible] - length
        brisk = np.array([lowest[k] == 2 for k in eligible])
        if self._first_window_start is None and brisk.any():
            self._first_window_start = int(starts[np.argmax(brisk)])
        if self._first_any_start is None:
            self._first_any_start = int(starts[0])
        yaw = _turning(gyr, up, int(ends[-1]))
        turned = np.degrees(np.abs(yaw[ends[eligible]] - yaw[starts]) / self.rate_hz)
        straight = turned <= MAX_TURN_IN_WINDOW_DEG
        out = {}
        for chunk in range(0, len(starts), 256):  # bounded memory for long recordings
            sel = np.arange(chunk, min(chunk + 256, len(starts)))
            index = starts[sel][:, None] + np.arange(length)
            cov, scale, flight = forward_evidence(acc[index], up[index], self.rate_hz,
                                                  ~brisk[sel])
            posture = up[index].mean(axis=1)
            for j, k in enumerate(sel):
                if scale[j] > 0:
                    out[eligible[k]] = (cov[j], float(scale[j]), bool(flight[j]),
                                        bool(straight[k]), bool(brisk[k]), int(starts[k]),
                                        posture[j])
        return out

    def _add_window(self, cov: np.ndarray, scale: float, running: bool, straight: bool,
                    brisk: bool, start: int, up: np.ndarray) -> None:
        pool = self._pool_of(straight, brisk)
        if pool is None:
            return
        self._windows_pooled.append(_Window(start, running, straight, brisk, cov, scale, up))
        pool.add(-cov if running else cov, scale)  # running: the pendulum's phase is reversed

    def set_aside_off_posture(self) -> None:
        """Leave out the walking blocks and windows more than ``OFF_POSTURE_DEG`` from the
        walking's dominant posture (a sensor handled before or after it is worn), and pool
        again: the walking's vertical, its forward, and where the first walking starts (a
        standing before it is the neutral) come from the pelvis's walking alone."""
        if self.axes is not None or not self._walk_blocks:
            return
        ups = np.array([u for _, u in self._walk_blocks])
        posture = _dominant_posture(ups)
        kept = _angles_deg(ups, posture) <= OFF_POSTURE_DEG
        windows = [w for w in self._windows_pooled if _angle_deg(w.up, posture) <= OFF_POSTURE_DEG]
        if kept.all() and len(windows) == len(self._windows_pooled):
            return
        levels = np.array([level for level, _ in self._walk_blocks])
        self._walk_up_sum = ups[kept & (levels == 2)].sum(axis=0)
        self._gentle_up_sum = ups[kept & (levels == 1)].sum(axis=0)
        self._walk_blocks = [b for b, keep in zip(self._walk_blocks, kept, strict=True) if keep]
        self._windows_pooled = windows
        self._first_window_start = next((w.start for w in self._windows_pooled if w.brisk),
                                        None)
        self._first_any_start = next((w.start for w in self._windows_pooled), None)
        self._pool_again([w.cov for w in self._windows_pooled],
                         [w.scale for w in self._windows_pooled])

    def _pool_again(self, covs, scales) -> None:
        """The pools from the logged windows, with these covariances and scales."""
        self._straight, self._turning, self._gentle = _Pool(), _Pool(), _Pool()
        for window, cov, scale in zip(self._windows_pooled, covs, scales, strict=True):
            pool = self._pool_of(window.straight, window.brisk)
            assert pool is not None
            pool.add(-cov if window.running else cov, float(scale))

    def _pool_of(self, straight: bool, brisk: bool) -> _Pool | None:
        """Brisk straight windows; brisk ones in turns, kept aside (used only if the walking
        never goes straight); gentle straight ones. Gentle windows in turns are left out."""
        if not brisk:
            return self._gentle if straight else None
        return self._straight if straight else self._turning

    def refine_forward(self, acc: np.ndarray, up: np.ndarray, valid: np.ndarray,
                       contacts: np.ndarray, left: np.ndarray) -> None:
        """Read every pooled window again at the cadence of the initial contacts found around
        it (``contacts``: sample indices, sorted; ``left``: each one's foot), over four steps
        (``valid``: the samples that may be read).

        A window's own pick, the largest vertical component of 1.5 s, cannot part the step
        from a strong harmonic half a step above it; that harmonic drags the frequency and,
        with its own phase, the forward (docs/accuracy.md). The contacts, found with the
        forward so far, give the cadence: two steps over the median of the three strides of
        the five contacts centred on the one nearest the window's middle (a fixed number of
        contacts: a contact found a sample later changes the cadence by a sample, not which
        contacts count; each step's own length, followed instead, carries the contacts'
        ±30 ms into the phase). With the cadence known, the window can be longer: four steps
        part the step from a component half a step above it (a Hann window's main lobe is two
        over its length wide), which 1.5 s of a slow walk (1.75 steps) cannot; a limp's four
        steps are two whole strides. Windows at a pause, or whose contacts do not alternate
        feet (one foot's alone would give the stride for the step), keep their own pick; so
        do unequal steps (a limp, whose vertical motion is no one frequency), blended with
        the cadence as they grow unequal."""
        if self.axes is not None or not self._windows_pooled:
            return
        length = WINDOW_BLOCKS * self.block
        contacts = np.asarray(contacts, dtype=np.int64)
        log = self._windows_pooled
        middles = np.array([w.start for w in log], dtype=np.int64) + length // 2
        step_hz = np.full(len(log), np.nan)
        trust = np.zeros(len(log))  # 1: the contacts' cadence, 0: the window's own pick
        half = CADENCE_CONTACTS // 2
        nearest = np.searchsorted(contacts, middles)  # the first contact after the middle...
        if len(contacts):
            after = contacts[np.clip(nearest, None, len(contacts) - 1)]
            before = contacts[np.clip(nearest - 1, 0, None)]
            nearest[(nearest == len(contacts))
                    | ((nearest > 0) & (middles - before < after - middles))] -= 1  # or before
        near = np.flatnonzero((nearest >= half) & (nearest + CADENCE_CONTACTS - half
                                                   <= len(contacts)))
        five = nearest[near, None] + np.arange(-half, CADENCE_CONTACTS - half)
        steps = np.diff(contacts[five], axis=1)
        stride = np.median(steps[:, 1:] + steps[:, :-1], axis=1)
        step_hz[near] = 2 * self.rate_hz / np.maximum(stride, 1)
        # Blended, not switched, as the steps grow unequal: a contact found a sample later
        # must not move the forward by a degree (it did on a real walk).
        unequal = np.median(np.abs(np.diff(steps, axis=1)), axis=1) / np.maximum(stride, 1)
        trust[near] = np.clip(2 - unequal / MAX_STEP_ASYMMETRY, 0.0, 1.0)
        pause = steps.max(axis=1, initial=0) > round(self.rate_hz / GENTLE_STEP_HZ_RANGE[0])
        feet = np.asarray(left, bool)[five]
        one_foot = (feet[:, 1:] == feet[:, :-1]).any(axis=1)
        trust[near[pause | one_foot]] = 0.0
        trust[near[(step_hz[near] < GENTLE_STEP_HZ_RANGE[0])
                   | (step_hz[near] > STEP_HZ_RANGE[1])]] = 0.0
        starts = middles - length // 2
        cov = np.array([w.cov for w in log])
        scale = np.array([w.scale for w in log])
        paced = np.flatnonzero(trust > 0)
        first, span = self._cadence_spans(starts[paced], step_hz[paced], valid)
        for n in np.unique(span):  # windows of one length at a time
            group = np.flatnonzero(span == n)
            for chunk in range(0, len(group), 256):
                part = group[chunk: chunk + 256]
                sel = paced[part]
                samples = first[part][:, None] + np.arange(n)
                paced_cov, paced_scale, _ = forward_evidence(acc[samples], up[samples],
                                                             self.rate_hz, step_hz=step_hz[sel])
                w = trust[sel]
                cov[sel] = w[:, None] * paced_cov + (1 - w[:, None]) * cov[sel]
                scale[sel] = w * paced_scale + (1 - w) * scale[sel]
        self._pool_again(cov, scale)  # the log keeps each window's own evidence

    def _cadence_spans(self, starts: np.ndarray, step_hz: np.ndarray, valid: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """The samples a window with a known cadence is read on: ``CADENCE_WINDOW_STEPS``
        steps about its middle (at least its own length; lengths rounded to a fifth of a
        block, 0.1 s, so that windows share arrays), its own samples where that span reaches the
        data's ends or holds samples not trusted. First sample and length of each."""
        length = WINDOW_BLOCKS * self.block
        unit = max(1, self.block // 5)
        span = np.maximum(length, np.round(CADENCE_WINDOW_STEPS * self.rate_hz / step_hz
                                           / unit).astype(np.int64) * unit)
        first = starts + length // 2 - span // 2
        trusted = np.concatenate([[0], np.cumsum(valid, dtype=np.int64)])
        inside = (first >= 0) & (first + span <= len(valid))
        whole = np.zeros(len(starts), bool)
        whole[inside] = (trusted[first[inside] + span[inside]] - trusted[first[inside]]
                         == span[inside])
        return np.where(whole, first, starts), np.where(whole, span, length)

    # --------------------------------------------------------------- decision
    def stage(self) -> str:
        """For a guided calibration: ``"standing"`` (no still period yet) or ``"walking"``."""
        return "walking" if self._stills else "standing"

    def walking_progress(self) -> float:
        """0..1: walking pooled so far against what a live calibration needs (never
        shown going back when the first brisk windows replace the gentle ones)."""
        need = LIVE_WALK_S if self._stills else NO_STANDING_WALK_S
        self._progress = max(self._progress, min(1.0, self.walking_s / need))
        return self._progress

    def ready(self, final: bool) -> bool:
        """Enough evidence to lock a calibration now (live), or at the end of the data."""
        if self.axes is not None:
            return bool(self._stills) or (final and self._next > 0)
        if final:
            return self.walking_s > 0 or bool(self._stills)
        if self.require_standing and not self._stills:
            return False
        need = LIVE_WALK_S if self._stills else NO_STANDING_WALK_S
        return self.walking_s >= need and self._confidence() >= MIN_FORWARD_CONFIDENCE

    def _brisk(self) -> _Pool:
        """The brisk straight windows; a walk that never goes straight (in circles) falls
        back on its turning windows, which is better than no forward at all."""
        if self._straight.windows or not self._turning.windows:
            return self._straight
        return self._turning

    def _with_gentle(self) -> bool:
        """Gentle walking counts: a walk mostly too gentle for the brisk threshold (a
        patient's pace) from the first moment it is seen to be so to its end, or any walk
        without brisk walking so far."""
        if not self._slow_walk and self._gentle.windows >= SLOW_MIN_WINDOWS \
                and self._gentle.windows >= self._brisk().windows:
            self._slow_walk = True
        return self._slow_walk or not self._brisk().windows

    def _pooled(self) -> _Pool:
        return self._brisk() + self._gentle if self._with_gentle() else self._brisk()

    def _confidence(self) -> float:
        pool = self._pooled()
        return float(np.linalg.norm(pool.cov) / pool.scale) if pool.scale > 0 else 0.0

    def walking_up(self) -> np.ndarray | None:
        """The mean walking posture's vertical in sensor axes (None before any walking)."""
        total = self._walk_up_sum + (self._gentle_up_sum if self._with_gentle() else 0.0)
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else None

    def standing(self) -> _Still | None:
        """The standing that gives the neutral: the still periods in a standing posture
        (within ``MAX_STANDING_TO_WALKING_DEG`` of the walking posture: a chair is not
        standing) that end before the first walking, joined. After walking people stand as
        they happen to stop (on one leg, turned): measured on real data, the pelvis at initial
        contacts is closer to the neutral of the standing before the walk than such a standing
        is (docs/accuracy.md), so it is used instead.

        The first still period alone where the calibration locks at it: a declared mounting
        (live, at the end of the first standing; a recording must agree) and single-leg
        drills (whose holds before any walking are postures of their own)."""
        walk_up = self.walking_up()
        if walk_up is None:  # no walking at all (a drill with a declared mounting)
            return self._stills[0] if self._stills else None
        first_walk = self._first_any_start if self._with_gentle() else self._first_window_start
        if first_walk is None:
            return None
        standing = [still for still in self._stills if still.stop <= first_walk + self.block
                    and _angle_deg(still.up, walk_up) <= MAX_STANDING_TO_WALKING_DEG]
        first_only = self.one_posture or self.axes is not None
        joined = _joined(standing[:1] if first_only else standing)
        if joined is None or first_only:  # locked at the first standing: as it was then
            return joined
        return _without_step_preparation(joined, self.block)

    def any_standing(self) -> _Still | None:
        """A standing still period anywhere (when initial contacts cannot give a neutral)."""
        walk_up = self.walking_up()
        for still in self._stills:
            if walk_up is None or _angle_deg(still.up, walk_up) <= MAX_STANDING_TO_WALKING_DEG:
                return still
        return None

    def forward(self, up: np.ndarray) -> tuple[np.ndarray, float, float]:
        """Pooled forward in sensor axes (⟂ ``up``), its confidence and the windows' spread."""
        if self.axes is not None:
            return self.axes[0], 1.0, 0.0
        pool = self._pooled()
        pooled = pool.cov
        if pool.windows == 0:
            raise CalibrationError(
                "No walking was found to tell which way the patient faces: walk a few steps "
                "(turns do not matter), or declare the mounting (--axes)."
            )
        fwd = pooled - (pooled @ up) * up
        norm = float(np.linalg.norm(fwd))
        if norm == 0:
            raise CalibrationError("The walking in this recording does not show which way is "
                                   "forward: declare the mounting (--axes).")
        fwd /= norm
        dirs = pool.dirs
        if len(dirs):
            angles = np.degrees(np.arctan2(np.linalg.norm(np.cross(fwd, dirs), axis=1),
                                           dirs @ fwd))
            spread = float(np.median(angles))
        else:
            spread = 0.0
        return fwd, self._confidence(), spread

    def calibration(self, up: np.ndarray, neutral_source: str, still: _Still | None
                    ) -> Calibration:
        """The calibration with this vertical (forward pooled from all walking so far)."""
        fwd, confidence, spread = self.forward(up)
        fwd = fwd - (fwd @ up) * up
        fwd /= np.linalg.norm(fwd)
        s, e = (still.start, still.stop) if still is not None else (0, 0)
        return Calibration(up, fwd, s / self.rate_hz, e / self.rate_hz,
                           "axes" if self.axes is not None else "walk", confidence,
                           still.gyro_std_dps if still is not None else 0.0, neutral_source,
                           self.walking_s, spread)

    def check_declared_up(self, up: np.ndarray) -> None:
        """A declared mounting whose up is far from the measured one is a mistake."""
        if self.axes is None:
            return
        angle = _angle_deg(self.axes[2], up)
        if angle > 60:
            axis = int(np.argmax(np.abs(self.axes[2])))
            sign = "+" if self.axes[2][axis] > 0 else "-"
            raise CalibrationError(
                f"The declared mounting says up is {sign}{'xyz'[axis]} but the sensor measured "
                f"up {angle:.0f}° away from it: check how the sensor is worn against the "
                "mounting declared (--axes)."
            )


    def forward_is_clear(self) -> bool:
        """The walking pooled so far says which way forward is clearly enough to judge a
        declared forward by: twice the confidence a live calibration locks with."""
        return self._pooled().windows > 0 and self._confidence() >= 2 * MIN_FORWARD_CONFIDENCE

    def can_judge_preset(self) -> bool:
        """Walking clear enough, and as much of it as a live calibration locks on, to judge a
        mounting preset by (``PRESET_LIMIT_DEG``): live and for a saved session alike."""
        return self.forward_is_clear() and self.walking_s >= LIVE_WALK_S

    def check_declared_forward(self, up: np.ndarray,
                               limit_deg: float = DECLARED_FORWARD_LIMIT_DEG) -> None:
        """A declared mounting whose forward is behind the patient, as the walking shows it,
        is a mistake that swaps left and right: refused when the walking is clear about it
        (more than ``limit_deg`` away)."""
        if self.axes is None or not self.forward_is_clear():
            return
        declared = self.axes[0] - (self.axes[0] @ up) * up
        walked = self._pooled().cov
        walked = walked - (walked @ up) * up
        if not np.linalg.norm(declared) > 0 or not np.linalg.norm(walked) > 0:
            return
        angle = _angle_deg(declared, walked)
        if angle > limit_deg:
            axis = int(np.argmax(np.abs(self.axes[0])))
            sign = "+" if self.axes[0][axis] > 0 else "-"
            harm = ("left and right would be swapped" if angle > 120 else
                    "the drop would be read partly as forward tilt")
            raise CalibrationError(
                f"The declared mounting says forward is {sign}{'xyz'[axis]}, but the walking "
                f"shows the patient facing {angle:.0f}° away from it: with it, {harm}. Check "
                "how the sensor is worn against the mounting declared (--axes), or leave it out "
                "to find forward from the walking."
            )


def _joined(stills: list[_Still]) -> _Still | None:
    """Still periods as one standing, each weighted by its measured samples. A weight shift
    (a moving block) splits one standing into two still periods; lost data hiding that block
    joins them again, and the neutral must not depend on which happened (on a real walk with
    5 % of its packets lost, the first of two periods 3.4° apart moved the means by 0.9°)."""
    if len(stills) <= 1:
        return stills[0] if stills else None
    weights = np.array([still.measured for still in stills], dtype=float)
    up = np.sum([w * still.up for w, still in zip(weights, stills, strict=True)], axis=0)
    sway = float(np.average([still.gyro_std_dps for still in stills], weights=weights))
    return _Still(stills[0].start, stills[-1].stop, up / np.linalg.norm(up), sway,
                  int(weights.sum()), np.concatenate([still.block_sums for still in stills]),
                  np.concatenate([still.block_counts for still in stills]))


def _without_step_preparation(still: _Still, block: int) -> _Still:
    """The standing without its last block when that block's posture has left the blocks
    before it by more than ``STEP_PREPARATION_DEG``: the weight shift that prepares the first
    step (the pelvis moves over the stance leg half a second before the swing foot lifts).
    Still or not by a hair, that block had counted or not depending on where the recording
    began: one sample later moved two real walks' means by 0.16° and 0.19°, both sides
    opposite ways (bench/sensor_rows_ipol.py)."""
    counts = still.block_counts
    if len(counts) < 4 or counts[-1] == 0 or counts[-3:-1].sum() == 0:
        return still
    last = still.block_sums[-1] / counts[-1]
    before = still.block_sums[-3:-1].sum(axis=0) / counts[-3:-1].sum()
    if _angle_deg(last, before) <= STEP_PREPARATION_DEG:
        return still
    up = still.block_sums[:-1].sum(axis=0)
    return _Still(still.start, still.stop - block, up / np.linalg.norm(up), still.gyro_std_dps,
                  int(still.measured - counts[-1]), still.block_sums[:-1], counts[:-1])


def _block_features(acc, gyr, up, valid, measured, block: int, count: int, posture: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray | None]:
    """Per block of ``block`` samples: still (read from its measured samples, at least
    ``MIN_BLOCK_MEASURED`` of them), walking (every sample trusted: ``valid``; 2 brisk, 1
    gentle, 0 not), the sum of up (sensor axes), whether enough was measured to tell, and
    (``posture``: for single-leg drills only) the mean measured acceleration, whose direction
    tells a posture.
    Computed a group of blocks at a time: each block's numbers are its own, and a whole
    recording's temporaries would be several times its size."""
    still = np.empty(count, dtype=bool)
    walking = np.empty(count, dtype=np.int8)
    up_sums = np.empty((count, 3))
    complete = np.empty(count, dtype=bool)
    gravity = np.empty((count, 3)) if posture else None
    group = max(1, GROUP_SAMPLES // block)
    for g0 in range(0, count, group):
        g1 = min(count, g0 + group)
        a, b, k = g0 * block, g1 * block, g1 - g0
        norm = np.linalg.norm(acc[a:b], axis=1).reshape(k, block)
        trusted = valid[a:b].reshape(k, block).all(axis=1)
        kept = measured[a:b].reshape(k, block)
        enough = kept.mean(axis=1) >= MIN_BLOCK_MEASURED
        norm_mean, norm_sd = _measured_mean_sd(norm, kept)
        calm = ((largest_sd(gyr[a:b].reshape(k, block, 3), kept) < STILL_GYRO_STD_RADPS)
                & (norm_sd < STILL_ACC_STD_MPS2) & (np.abs(norm_mean - GRAVITY_MPS2) < 1.5))
        still[g0:g1] = enough & calm
        moving = trusted & ~calm
        walking[g0:g1] = np.where(moving & (norm_sd > WALK_ACC_STD_MPS2), 2,
                                  np.where(moving & (norm_sd > GENTLE_WALK_ACC_STD_MPS2), 1, 0))
        up_sums[g0:g1] = up[a:b].reshape(k, block, 3).sum(axis=1)
        complete[g0:g1] = enough
        if gravity is not None:
            weights = kept / np.maximum(kept.sum(axis=1, keepdims=True), 1)
            gravity[g0:g1] = np.einsum("kn,kni->ki", weights, acc[a:b].reshape(k, block, 3))
    return still, walking, up_sums, complete, gravity


def _measured_mean_sd(values: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``values`` (k, n): mean and standard deviation of the ``kept`` entries."""
    count = np.maximum(kept.sum(axis=1), 1)
    mean = np.where(kept, values, 0.0).sum(axis=1) / count
    spread = np.where(kept, values - mean[:, None], 0.0)
    return mean, np.sqrt((spread ** 2).sum(axis=1) / count)


def largest_sd(vectors: np.ndarray, kept: np.ndarray | None = None) -> np.ndarray:
    """Per group of ``vectors`` (g, n, 3): the standard deviation along the direction where it
    is largest, over the ``kept`` (g, n) vectors (all when not given). The same whichever way
    the sensor is clipped on; the largest of the three axes' deviations is not, and decided
    on real walks whether the pelvis had stood still (a trial's neutral, and its drops by
    1.2°, changed with the sensor pitched 30°)."""
    kept = np.ones(vectors.shape[:2], dtype=bool) if kept is None else kept
    finite = (np.isfinite(vectors).all(axis=2) | ~kept).all(axis=1)  # a NaN: not still
    weights = np.where(finite[:, None], kept, False).astype(float)
    count = np.maximum(weights.sum(axis=1), 1.0)
    values = np.where(weights[:, :, None] > 0, vectors, 0.0)
    centred = (values - (values.sum(axis=1) / count[:, None])[:, None, :]) * weights[:, :, None]
    cov = np.einsum("gni,gnj->gij", centred, centred) / count[:, None, None]
    return np.where(finite, np.sqrt(np.maximum(np.linalg.eigvalsh(cov)[:, -1], 0.0)), np.inf)


def _turning(gyr: np.ndarray, up: np.ndarray, stop: int) -> np.ndarray:
    """Cumulative turn about the vertical (rad·samples/s) at samples 0..``stop``: 0, then
    the running sum of the rate about up, filled a group at a time (one array, no copies)."""
    yaw = np.empty(stop + 1)
    yaw[0] = 0.0
    for a in range(0, stop, GROUP_SAMPLES):
        b = min(stop, a + GROUP_SAMPLES)
        yaw[1 + a: 1 + b] = np.einsum("ij,ij->i", gyr[a:b], up[a:b])
    return np.cumsum(yaw, out=yaw)


def forward_evidence(acc: np.ndarray, up: np.ndarray, rate_hz: float,
                     gentle: np.ndarray | None = None, step_hz: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For windows of walking ``(w, n, 3)``: the in-phase part of horizontal acceleration and
    minus vertical velocity at the step frequency (sensor axes), its scale, and whether the
    window is running (flight phases).

    Only the step fundamental obeys the pendulum (or the running bounce): every walker adds
    harmonics of their own, with phases of their own, which a plain covariance would take for
    forward. So both signals are projected on the window's step frequency (the largest
    vertical-acceleration component in ``STEP_HZ_RANGE``, or ``GENTLE_STEP_HZ_RANGE`` for the
    windows marked ``gentle``, on a 0.02 Hz grid), under a Hann window. ``step_hz``: the
    step frequency where it is already known (NaN where not), used instead.
    """
    n = acc.shape[1]
    along = np.einsum("wij,wij->wi", acc, up)
    horizontal = acc - along[..., None] * up
    vertical = along - along.mean(axis=1, keepdims=True)
    horizontal = horizontal - horizontal.mean(axis=1, keepdims=True)
    weights = np.hanning(n + 2)[1:-1]
    t = np.arange(n) / rate_hz
    brisk = np.ones(len(acc), dtype=bool) if gentle is None else ~np.asarray(gentle, bool)
    known = np.zeros(len(acc), bool) if step_hz is None else np.isfinite(step_hz)
    step_hz = np.where(known, step_hz, 0.0) if step_hz is not None else np.zeros(len(acc))
    wave = np.empty((len(acc), n), complex)  # each window's step wave
    if known.any():
        wave[known] = weights * np.exp(-2j * np.pi * step_hz[known, None] * t)
    if not known.all():
        step_hz[~known], wave[~known] = _largest_vertical(vertical[~known], weights, t,
                                                          brisk[~known])
    vertical_amp = np.einsum("wi,wi->w", vertical, wave)
    horizontal_amp = np.einsum("wic,wi->wc", horizontal, wave)
    # Velocity = acceleration / (i ω): minus velocity in phase with forward acceleration.
    minus_velocity = -vertical_amp / (2j * np.pi * step_hz)
    cov = np.real(horizontal_amp * np.conj(minus_velocity)[:, None])
    scale = np.linalg.norm(horizontal_amp, axis=1) * np.abs(minus_velocity)
    flight = np.mean(in_flight(acc), axis=1) > FLIGHT_FRACTION
    return cov, scale, flight


def _largest_vertical(vertical: np.ndarray, weights: np.ndarray, t: np.ndarray,
                      brisk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each window's largest vertical component on the step grid (from ``STEP_HZ_RANGE``
    for ``brisk`` windows, from ``GENTLE_STEP_HZ_RANGE`` for the others): its frequency and
    its wave ``(w, n)``."""
    freqs = _STEP_GRID_HZ
    if brisk.all():  # the usual case: the slow steps' frequencies are not needed
        freqs = freqs[freqs >= STEP_HZ_RANGE[0] - 1e-9]
    waves = weights[:, None] * np.exp(-2j * np.pi * np.outer(t, freqs))  # (n, f)
    power = np.abs(vertical @ waves)  # (w, f)
    power[np.ix_(brisk, freqs < STEP_HZ_RANGE[0] - 1e-9)] = -1.0
    best = np.argmax(power, axis=1)
    return freqs[best], waves[:, best].T


def neutral_from_contacts(up: np.ndarray, contacts: list[tuple[int, str]], rate_hz: float,
                          pelvis_from_sensor: np.ndarray, gyr: np.ndarray | None = None
                          ) -> np.ndarray | None:
    """The vertical at initial contacts, each foot weighted equally (None if too few).

    The medians are taken in the pelvis axes of ``pelvis_from_sensor`` (a provisional
    calibration is enough): the median obliquity and tilt, whichever way the sensor is
    clipped on (a median per sensor axis is not: on a real walk it moved with the mounting
    by 0.2°). With ``gyr``, the most reliable contacts are used (``_reliable_contacts``)."""
    contacts = sorted((index, side) for index, side in contacts if 0 <= index < len(up))
    if gyr is not None:
        contacts = _reliable_contacts(contacts, up, gyr, rate_hz)
    by_side: dict[str, list[int]] = {"left": [], "right": []}
    for index, side in contacts:
        by_side[side].append(index)
    if min(len(v) for v in by_side.values()) < MIN_CONTACTS_PER_SIDE:
        return None
    # The median per foot: a contact found a little early or late (±30 ms) catches the
    # neighbouring stance's motion; most are close to it, and the median listens to them.
    late = round(CONTACTS_EARLY_S * rate_hz)
    frame = np.asarray(pelvis_from_sensor, dtype=float)
    mean = sum(np.median(up[np.clip(np.array(idx) + late, 0, len(up) - 1)] @ frame.T, axis=0)
               for idx in by_side.values())
    mean = frame.T @ mean
    return mean / np.linalg.norm(mean)


def _reliable_contacts(contacts: list[tuple[int, str]], up: np.ndarray, gyr: np.ndarray,
                       rate_hz: float) -> list[tuple[int, str]]:
    """Of the contacts (sorted), those a neutral is best read at: out of turns, and of those,
    each foot's in steady walking (``STEADY_STRIDE``), or its ``MIN_STEADY_CONTACTS_PER_SIDE``
    steadiest if fewer are (ranked, not switched: a lost packet that makes one stride uneven
    must not swap the whole set). All of them where turns leave a foot fewer than
    ``MIN_CONTACTS_PER_SIDE`` (a walk only in circles). A contact is in a turn when the walking
    path turns by more than the steps' own limit within their margin either side of it
    (``TURN_PER_STEP_DEG``, ``TURN_MARGIN_S``; such steps are not counted either): turning
    steps are irregular, found less exactly, and the pelvis leans into the turn."""
    index = np.array([i for i, _ in contacts], dtype=np.int64)
    if len(index) == 0:
        return contacts
    yaw_deg = np.degrees(_turning(gyr, up, len(up))) / rate_hz
    margin = round(TURN_MARGIN_S * rate_hz)
    straight = np.abs(yaw_deg[np.minimum(index + margin, len(up))]
                      - yaw_deg[np.maximum(index - margin, 0)]) <= TURN_PER_STEP_DEG
    feet = np.array([side for _, side in contacts])
    if min(np.count_nonzero(straight & (feet == foot)) for foot in ("left", "right")) \
            < MIN_CONTACTS_PER_SIDE:
        return contacts
    # How much the stride after a contact differs from the stride before it (its own foot's
    # previous contact to it, it to its own foot's next), over the stride before.
    unsteady = np.full(len(index), np.inf)
    if len(index) >= 5:
        before, after = index[2:-2] - index[:-4], index[4:] - index[2:-2]
        unsteady[2:-2] = np.abs(after - before) / before
    keep = np.zeros(len(index), dtype=bool)
    for foot in ("left", "right"):
        own = np.flatnonzero(straight & (feet == foot))
        steadiest = own[np.argsort(unsteady[own], kind="stable")]
        count = max(np.count_nonzero(unsteady[own] <= STEADY_STRIDE),
                    MIN_STEADY_CONTACTS_PER_SIDE)
        keep[steadiest[:count]] = True
    return [contact for contact, kept in zip(contacts, keep, strict=True) if kept]


def in_flight(acc: np.ndarray) -> np.ndarray:
    """Which accelerometer rows (m/s², last axis xyz) read running's flight."""
    return np.linalg.norm(acc, axis=-1) < FLIGHT_ACC_G * GRAVITY_MPS2


def _dominant_posture(ups: np.ndarray) -> np.ndarray:
    """The direction most of ``ups`` (walking blocks' summed verticals) lie near: their mean,
    taken again over those within ``OFF_POSTURE_DEG`` of it (a minority far off, a sensor in
    a hand, pulls the first mean; not the second)."""
    posture = ups.sum(axis=0)
    for _ in range(3):
        near = _angles_deg(ups, posture) <= OFF_POSTURE_DEG
        if not near.any():
            break
        posture = ups[near].sum(axis=0)
    return posture / np.linalg.norm(posture)


def _angles_deg(vectors: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Angle of each row of ``vectors`` from ``direction``."""
    cos = vectors @ direction / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(direction))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(_angles_deg(np.asarray(a, dtype=float)[None], b)[0])


__all__ = ["Aligner", "neutral_from_contacts"]
