"""Inject a known pelvic drop into real walking and check that the analysis recovers it.

Run: python bench/drop_injection.py PATH/TO/ipol_gait_lowerback [--trials N] [--jobs J]
     [--forward-error DEG [--forward-error-about up|left]]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository). Every trial is analysed
as recorded, then again with 3° more drop in every right stance (from the hand-checked right
contact to the next left one), then in every left stance: the sensor is turned about the pelvis
forward axis (``imu_monitor.simulation.injection``; the axis from the trial's own calibration).
Targets: the injected side gains +3° ± 0.3°, the other side moves by at most 0.2°. Each trial
is checked twice: as recorded (standing first) and from 0.2 s before its first foot event (no
standing at all, so the neutral cannot come from standing).

Where the numbers come from: "geometry" is the change of the mean peak drop if only the
obliquity changed by the injected angle, over the hand-checked stances (the injection itself:
+3° and 0 up to steps that peak exactly at a shared contact); "ideal" the same over the
original analysis' own steps, windows and feet (ideal − geometry: what its step segmentation
costs); change − ideal is the rest of the pipeline's response (filter, calibration, contacts
found again). ``--forward-error`` also runs every check with the injection axis turned by DEG
about the sensor's up (or left) axis: how much a wrong forward axis matters.
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import IpolTrial, load_trial

from imu_monitor.conventions import SIDES, Side, drop_from_obliquity
from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig
from imu_monitor.processing.calibration import NEUTRAL_CONTACTS, NEUTRAL_MEAN, NEUTRAL_STANDING
from imu_monitor.processing.metrics import PEAK_HALF_WINDOW_S, find_peak
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.injection import inject_drop, stance_windows

DROP_DEG = 3.0
INJECTED_TOLERANCE_DEG = 0.3
OTHER_TOLERANCE_DEG = 0.2
LEAD_IN_S = 0.2  # the cut recording starts this long before the first foot event
STARTS = ("standing", "walking")
NEUTRAL_LABELS = {NEUTRAL_STANDING: "", NEUTRAL_CONTACTS: "IC", NEUTRAL_MEAN: "mean"}


def _other(side: Side) -> Side:
    return SIDES[1 - SIDES.index(side)]


# How an analysed step relates to the nearest hand-checked contact (of either foot).
MATCHES = ("own foot within 50 ms", "own foot 60–250 ms off", "the other foot",
           "no contact within 0.25 s")


@dataclass(frozen=True)
class StepGain:
    """One analysed step: how it matches the hand-checked contacts, whether it is a stance of
    the injected side, and its ideal gain in peak drop (°)."""

    match: str
    injected: bool
    gain_deg: float


@dataclass(frozen=True)
class Case:
    """One trial, one start, one injected side: mean peak drop per side and its changes."""

    trial: str
    start: str  # "standing" (as recorded) or "walking" (standing cut off)
    side: Side  # the stance side that got the extra drop
    original: dict[str, float]
    neutral: tuple[str, str]  # where the neutral came from (Calibration.neutral_source),
    # in the original analysis and in the injected one
    change: dict[str, float]  # injected analysis minus original
    ideal: dict[str, float]  # the change on the original obliquity, over the original steps
    geometry: dict[str, float]  # the same over the hand-checked stances
    steps: tuple[StepGain, ...]  # the ideal gain of each original step

    @property
    def other(self) -> Side:
        return _other(self.side)

    @property
    def own_foot(self) -> float:
        """Fraction of the original steps at a hand-checked contact of their own foot."""
        return float(np.mean([s.match in MATCHES[:2] for s in self.steps]))

    @property
    def miss_deg(self) -> float:
        """Worst excess over the targets (≤ 0: passed)."""
        return max(abs(self.change[self.side] - DROP_DEG) - INJECTED_TOLERANCE_DEG,
                   abs(self.change[self.other]) - OTHER_TOLERANCE_DEG)


def analyse(acc: np.ndarray, gyr: np.ndarray, rate_hz: float) -> tuple[Analysis, np.ndarray]:
    """The product's analysis of a recording (offline filter), and its obliquity per sample
    (degrees)."""
    n = len(acc)
    pipeline = Pipeline(rate_hz, PipelineConfig(orientation="offline"))
    pipeline.push(SampleBatch(np.arange(n) / rate_hz, np.arange(n), acc, gyr))
    analysis = pipeline.finish()
    return analysis, np.asarray(pipeline.obliquity.view, dtype=float)


def mean_drops(analysis: Analysis) -> dict[str, float]:
    means = {side: analysis.summary.side(side).mean_peak_drop_deg for side in SIDES}
    return {side: float("nan") if v is None else v for side, v in means.items()}


Window = tuple[int, int, Side]  # samples [start, end) of a step, and its stance side


def step_windows(analysis: Analysis, rate_hz: float) -> list[Window]:
    """The analysis' steps: each to the next contact of its walking bout, a bout's last step
    over its previous step time."""
    windows = []
    steps = analysis.real_steps
    for k, step in enumerate(steps):
        start = round(step.time_s * rate_hz)
        following = steps[k + 1] if k + 1 < len(steps) else None
        if following is not None and following.bout == step.bout:
            end = round(following.time_s * rate_hz)
        else:
            end = start + round((step.step_time_s or 0.55) * rate_hz)
        windows.append((start, max(end, start + 1), step.side))
    return windows


def reference_windows(contacts: dict[Side, np.ndarray], rate_hz: float) -> list[Window]:
    """The hand-checked stances: each contact to the next contact of the other foot."""
    return [(int(start), int(end), side) for side in SIDES
            for start, end in stance_windows(contacts[side], contacts[_other(side)], rate_hz)
            if start < end]


def peak_gains(obliquity_deg: np.ndarray, added_deg: np.ndarray,
               windows: list[Window], rate_hz: float) -> np.ndarray:
    """Change of each window's peak drop, found as the analysis finds peaks, when
    ``added_deg`` is put straight onto the obliquity (NaN where either has no peak or the
    window is past the end of the recording)."""
    gains = np.full(len(windows), np.nan)
    half = max(1, round(PEAK_HALF_WINDOW_S * rate_hz))
    for k, (start, end, side) in enumerate(windows):
        if start < len(obliquity_deg):
            span = slice(start, end)
            before = drop_from_obliquity(obliquity_deg[span], side)
            after = drop_from_obliquity(obliquity_deg[span] + added_deg[span], side)
            measured = np.ones(len(before), dtype=bool)
            p0, p1 = find_peak(before, measured, half), find_peak(after, measured, half)
            if p0 is not None and p1 is not None:
                gains[k] = after[p1] - before[p0]
    return gains


def side_means(gains: np.ndarray, windows: list[Window]) -> dict[str, float]:
    sides = np.array([side for _, _, side in windows])
    means = {}
    for side in SIDES:
        own = gains[sides == side]
        means[side] = float(np.mean(own[~np.isnan(own)])) if (~np.isnan(own)).any() \
            else float("nan")  # a side with no step, or none with a peak, has no mean
    return means


def match(window: Window, contacts: dict[Side, np.ndarray], rate_hz: float) -> str:
    """Which of ``MATCHES`` an analysed step is."""
    start, _, side = window
    own = (np.abs(contacts[side] - start) / rate_hz).min(initial=np.inf)
    other = (np.abs(contacts[_other(side)] - start) / rate_hz).min(initial=np.inf)
    if min(own, other) > 0.25:
        return MATCHES[3]
    if other < own:
        return MATCHES[2]
    return MATCHES[0] if own <= 0.05 else MATCHES[1]


def injection_axis(forward_sensor: np.ndarray, turn_about: np.ndarray,
                   error_deg: float) -> np.ndarray:
    """The forward axis, turned by ``error_deg`` about ``turn_about`` (both sensor axes)."""
    return rotation_vector_to_matrix(np.radians(error_deg) * turn_about) @ forward_sensor


def check_trial(trial: IpolTrial, forward_error_deg: float = 0.0,
                forward_error_about: str = "up") -> list[Case]:
    """Both starts × both injected sides of one trial."""
    full, _ = analyse(trial.acc, trial.gyr, trial.rate_hz)
    cal = full.calibration
    turn_about = cal.up_sensor if forward_error_about == "up" else cal.pelvis_from_sensor[1]
    axis = injection_axis(cal.forward_sensor, turn_about, forward_error_deg)
    cases = []
    for start_name in STARTS:
        first = 0 if start_name == "standing" else max(
            0, trial.trial_bounds[0] - round(LEAD_IN_S * trial.rate_hz))
        acc, gyr = trial.acc[first:], trial.gyr[first:]
        contacts: dict[Side, np.ndarray] = {"left": trial.left_ic - first,
                                            "right": trial.right_ic - first}
        original, obliquity = analyse(acc, gyr, trial.rate_hz)
        before = mean_drops(original)
        steps = step_windows(original, trial.rate_hz)
        matches = [match(w, contacts, trial.rate_hz) for w in steps]
        reference = reference_windows(contacts, trial.rate_hz)
        for side in SIDES:
            acc2, gyr2, rotation = inject_drop(acc, gyr, trial.rate_hz, axis, side, contacts,
                                               DROP_DEG)
            injected, _ = analyse(acc2, gyr2, trial.rate_hz)
            after = mean_drops(injected)
            added = np.degrees(rotation.angle_rad)
            gains = peak_gains(obliquity, added, steps, trial.rate_hz)
            cases.append(Case(
                trial.name, start_name, side, before,
                (original.calibration.neutral_source, injected.calibration.neutral_source),
                {s: after[s] - before[s] for s in SIDES},
                side_means(gains, steps),
                side_means(peak_gains(obliquity, added, reference, trial.rate_hz), reference),
                tuple(StepGain(m, w[2] == side, float(g))
                      for m, w, g in zip(matches, steps, gains, strict=True))))
    return cases


def check_file(lb_file: Path, forward_error_deg: float, forward_error_about: str
               ) -> tuple[str, list[Case] | str, list[Case]]:
    """For the worker pool: the cases of one trial (or why it could not be analysed), and the
    same with the injection axis turned when ``forward_error_deg`` is not zero."""
    trial = load_trial(lb_file)
    try:
        cases = check_trial(trial)
        turned = (check_trial(trial, forward_error_deg, forward_error_about)
                  if forward_error_deg else [])
    except ImuMonitorError as exc:
        return trial.name, str(exc), []
    return trial.name, cases, turned


def _row(cases: list[Case]) -> str:
    """One trial and start: original drops, then per injected side its change and the other's,
    actual and ideal."""
    first = cases[0]
    text = (f"{first.trial:6s} {first.start:8s} {first.original['left']:6.2f} "
            f"{first.original['right']:6.2f} {100 * first.own_foot:4.0f}% "
            f"{NEUTRAL_LABELS.get(first.neutral[0], first.neutral[0]):4s}")
    for c in cases:
        text += (f" │{'*' if c.neutral[1] != c.neutral[0] else ' '}"
                 f"{c.change[c.side]:+6.2f} {c.change[c.other]:+6.2f}"
                 f"  ({c.ideal[c.side]:+5.2f} {c.ideal[c.other]:+5.2f})")
    return text + "  " + " ".join("ok" if c.miss_deg <= 0 else "FAIL" for c in cases)


def _spread(values: list[float]) -> str:
    v = np.array(values)
    missing = int(np.count_nonzero(np.isnan(v)))
    v = v[~np.isnan(v)]  # a side with no counted step in a trial has no mean
    return (f"median {np.median(v):+.2f}, 5–95 % {np.percentile(v, 5):+.2f} … "
            f"{np.percentile(v, 95):+.2f}, min {v.min():+.2f}, max {v.max():+.2f}"
            + (f" ({missing} without counted steps)" if missing else ""))


def report(cases: list[Case], failed: list[tuple[str, str]]) -> None:
    print("mean peak drop per side (°), steps found on the right foot, the neutral (blank: "
          "standing, \"IC\": initial contacts, \"mean\": mean posture); for each injected side: "
          "change of that side, of the other side, (ideal);")
    print("* the injected analysis took its neutral from elsewhere than the original")
    print(f"{'trial':6s} {'start':8s} {'L':>6s} {'R':>6s} {'feet':>5s} {'':4s} │ "
          f"{'+3° left: ΔL   ΔR   (ideal)':30s} │ {'+3° right: ΔR   ΔL   (ideal)':30s}")
    for k in range(0, len(cases), 2):
        print(_row(cases[k:k + 2]))
    for name, why in failed:
        print(f"{name}: not analysed: {why}")
    print(f"\ntargets: injected side {DROP_DEG:+.1f}° ± {INJECTED_TOLERANCE_DEG}°, other side "
          f"± {OTHER_TOLERANCE_DEG}°")
    for start in STARTS:
        for side in SIDES:
            group = [c for c in cases if c.start == start and c.side == side]
            passed = sum(c.miss_deg <= 0 for c in group)
            by_neutral = ", ".join(
                f"neutral from {source}: {sum(c.miss_deg <= 0 for c in own)} of {len(own)}"
                for source in (NEUTRAL_STANDING, NEUTRAL_CONTACTS, NEUTRAL_MEAN)
                if (own := [c for c in group if c.neutral[1] == source]))
            print(f"\n{start:8s} start, +{DROP_DEG:g}° in {side} stance: {passed}/{len(group)} "
                  f"trials pass ({by_neutral})")
            print(f"  injected side change  {_spread([c.change[c.side] for c in group])}")
            print(f"      ideal             {_spread([c.ideal[c.side] for c in group])}")
            print(f"      geometry          {_spread([c.geometry[c.side] for c in group])}")
            print(f"  other side change     {_spread([c.change[c.other] for c in group])}")
            print(f"      ideal             {_spread([c.ideal[c.other] for c in group])}")
            print(f"      geometry          {_spread([c.geometry[c.other] for c in group])}")
            print("  change − ideal        "
                  + _spread([c.change[s] - c.ideal[s] for c in group for s in SIDES]))
    print("\nworst cases (excess over the target, °):")
    for c in sorted(cases, key=lambda c: c.miss_deg, reverse=True)[:12]:
        print(f"  {c.trial:6s} {c.start:8s} +3° {c.side:5s}: {c.side} {c.change[c.side]:+.2f} "
              f"(ideal {c.ideal[c.side]:+.2f}), {c.other} {c.change[c.other]:+.2f} "
              f"(ideal {c.ideal[c.other]:+.2f})  excess {c.miss_deg:+.2f}")
    print("\nwhere the ideal loses: the original analysis' steps by the nearest hand-checked "
          "contact (all trials, both injected sides)")
    print(f"  {'start':8s} {'step':26s} {'steps':>6s} {'injected side gain':>19s} "
          f"{'other side gain':>16s}")
    for start in STARTS:
        for kind in MATCHES:
            gains = {role: np.array([s.gain_deg for c in cases if c.start == start
                                     for s in c.steps if s.match == kind and s.injected == role])
                     for role in (True, False)}
            count = (len(gains[True]) + len(gains[False])) // 2
            print(f"  {start:8s} {kind:26s} {count:6d} {np.nanmean(gains[True]):+19.2f} "
                  f"{np.nanmean(gains[False]):+16.2f}")
    total = sum(c.miss_deg <= 0 for c in cases)
    print(f"\npassed: {total}/{len(cases)} checks (trial × start × injected side)")


def sensitivity(cases: list[Case], turned: list[Case]) -> None:
    """How much the changes move when the injection axis is turned."""
    pairs = list(zip(cases, turned, strict=True))
    print(f"  injected side: turned − calibrated "
          f"{_spread([t.change[t.side] - c.change[c.side] for c, t in pairs])}")
    print(f"  other side:    turned − calibrated "
          f"{_spread([t.change[t.other] - c.change[c.other] for c, t in pairs])}")
    print(f"  checks passed: {sum(t.miss_deg <= 0 for t in turned)}/{len(turned)} turned, "
          f"{sum(c.miss_deg <= 0 for c in cases)}/{len(cases)} calibrated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--trials", type=int, default=None, help="only the first N trials")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--forward-error", type=float, default=0.0, metavar="DEG",
                        help="turn the injection axis by DEG away from the calibrated forward")
    parser.add_argument("--forward-error-about", choices=("up", "left"), default="up")
    args = parser.parse_args()
    files = sorted(args.folder.glob("*_lb.txt"))[: args.trials]
    if not files:
        sys.exit(f"No *_lb.txt trials in {args.folder}.")
    work = functools.partial(check_file, forward_error_deg=args.forward_error,
                             forward_error_about=args.forward_error_about)
    with Pool(args.jobs) as pool:
        results = pool.map(work, files)
    cases = [c for _, r, _ in results if isinstance(r, list) for c in r]
    failed = [(name, r) for name, r, _ in results if isinstance(r, str)]
    report(cases, failed)
    if args.forward_error:
        print(f"\ninjection axis turned {args.forward_error:g}° about the sensor's "
              f"{args.forward_error_about} axis:")
        sensitivity(cases, [c for _, _, turned in results for c in turned])


if __name__ == "__main__":
    main()
