"""The same real walks seen by sensors clipped on other ways: the numbers must not change.

Run: python bench/mounting_ipol.py PATH/TO/ipol_gait_lowerback [--trials N] [--jobs J] [--live]
     [--declared]

Data: Voisard et al., "A Reference Data Set for the Study of Healthy Subject Gait with
Inertial Measurements Units", IPOL 2023 (not part of this repository). A sensor mounted
another way on the same pelvis measures the same motion in turned axes: ``R·acc`` and
``R·gyr`` for a fixed rotation ``R``. So every trial is analysed as recorded (the sensor sits
with x up, y left, z back) and again turned to each mounting below, with the automatic
alignment (no ``--axes``). Nothing about the walker changed, so a mounting-blind analysis
gives the same steps, feet and per-side drops. What may differ is only what the filter does
differently in other axes (its bias limit is per axis) — hundredths of a degree.

Mountings: pitched 12°, 20° and 30° about the pelvis left axis (forward and back), rolled
10° about the forward axis, yawed 90° and 180° (clipped on sideways, backwards), upside down,
and three arbitrary orientations. Target: every per-side mean within 0.05° of the analysis as
recorded, the same counted steps, forward found at the same pelvis direction (within 2°).
``--live``: the live view instead (real-time filter, packets of 10 samples).

``--declared``: the live view with a declared mounting (the app's preset), which locks at the
first standing before any walking could check it: each walk with its true axes declared, back
to front, and with the sensor turned 40° about the vertical on the belt. Targets: no true
mounting refused (replaced by the walking's forward), every other one once the walking shows
the patient's forward; printed, the walking it took (from the calibration).
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
from ipol_data import load_trial

from imu_monitor.conventions import SIDES
from imu_monitor.errors import CalibrationError, ImuMonitorError
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.rotations import rotation_vector_to_matrix
from imu_monitor.samples import SampleBatch

MEAN_TOLERANCE_DEG = 0.05
FORWARD_TOLERANCE_DEG = 2.0
# The IPOL sensor's axes in pelvis terms: x up, y left, z back.
UP, LEFT, FORWARD = np.eye(3)[0], np.eye(3)[1], -np.eye(3)[2]


def _turn(axis: np.ndarray, degrees: float) -> np.ndarray:
    return rotation_vector_to_matrix(np.radians(degrees) * axis)


def mountings() -> dict[str, np.ndarray]:
    """Sensor-from-recorded-sensor rotations ``R`` (new readings are ``R @ reading``)."""
    rng = np.random.default_rng(11)
    out = {f"pitched {d:+d}°": _turn(LEFT, d) for d in (12, 20, 30, -20)}
    out.update({"rolled 10°": _turn(FORWARD, 10), "sideways (yaw 90°)": _turn(UP, 90),
                "backwards (yaw 180°)": _turn(UP, 180),
                "upside down": _turn(FORWARD, 180)})
    for k in range(3):
        vector = rng.normal(size=3)
        out[f"arbitrary {k + 1}"] = rotation_vector_to_matrix(
            vector / np.linalg.norm(vector) * rng.uniform(0.5, np.pi))
    return out


@dataclass(frozen=True)
class Outcome:
    trial: str
    mounting: str
    mean_change_deg: float  # the larger of the two sides' |change| of mean peak drop
    same_steps: bool  # the same counted steps (time and foot)
    forward_deg: float  # forward found, against the recorded analysis' forward turned by R
    error: str = ""


PACKET = 10


def analyse(acc: np.ndarray, gyr: np.ndarray, rate_hz: float, live: bool = False) -> Analysis:
    n = len(acc)
    pipeline = Pipeline(rate_hz, PipelineConfig(orientation="live" if live else "offline"))
    samples = SampleBatch(np.arange(n) / rate_hz, np.arange(n), acc, gyr)
    for start in range(0, n, PACKET if live else n):
        pipeline.push(samples.slice(start, start + (PACKET if live else n)))
    return pipeline.finish()


def _counted(analysis: Analysis) -> set[tuple[int, str]]:
    return {(round(s.time_s * 100), s.side) for s in analysis.steps if s.counted}


def check_trial(lb_file: Path, live: bool = False) -> list[Outcome]:
    trial = load_trial(lb_file)
    try:
        recorded = analyse(trial.acc, trial.gyr, trial.rate_hz, live)
    except ImuMonitorError as exc:
        return [Outcome(trial.name, "as recorded", np.nan, False, np.nan, str(exc))]
    out = []
    for name, turn in mountings().items():
        try:
            turned = analyse(trial.acc @ turn.T, trial.gyr @ turn.T, trial.rate_hz, live)
        except ImuMonitorError as exc:
            out.append(Outcome(trial.name, name, np.nan, False, np.nan, str(exc)))
            continue
        changes = []
        for side in SIDES:
            a = recorded.summary.side(side).mean_peak_drop_deg
            b = turned.summary.side(side).mean_peak_drop_deg
            if (a is None) != (b is None):
                changes.append(np.inf)
            elif a is not None:
                changes.append(abs(b - a))
        expected = turn @ recorded.calibration.forward_sensor
        forward = float(np.degrees(np.arccos(np.clip(
            expected @ turned.calibration.forward_sensor, -1.0, 1.0))))
        out.append(Outcome(trial.name, name, max(changes, default=0.0),
                           _counted(turned) == _counted(recorded), forward))
    return out


TRUE_AXES, BACK_TO_FRONT = "x=up,y=left,z=back", "x=up,y=right,z=forward"
TURNED = "the true axes, the sensor turned 40° on the belt"
DECLARED = (TRUE_AXES, BACK_TO_FRONT, TURNED)


def check_declared(lb_file: Path) -> list[tuple[str, str, float]]:
    """Live, each declaration: (declared, what happened — "kept", "refused", "refused when
    calibrating" or "not calibrated" — and the seconds from the calibration to the
    refusal)."""
    trial = load_trial(lb_file)
    n = len(trial.acc)
    out = []
    for declared in DECLARED:
        turn = _turn(UP, 40) if declared == TURNED else np.eye(3)
        samples = SampleBatch(np.arange(n) / trial.rate_hz, np.arange(n), trial.acc @ turn.T,
                              trial.gyr @ turn.T)
        pipeline = Pipeline(trial.rate_hz, PipelineConfig(
            orientation="live", axes=parse_axes(TRUE_AXES if declared == TURNED else declared)))
        calibrated, outcome = None, "kept"
        try:
            for start in range(0, n, PACKET):
                pipeline.push(samples.slice(start, start + PACKET))
                if calibrated is None and pipeline.calibration is not None:
                    calibrated = start
        except CalibrationError:
            outcome = "refused" if calibrated is not None else "refused when calibrating"
        if calibrated is None and outcome == "kept":
            outcome = "not calibrated"  # never stood still: a preset waits for standing
        seconds = (start - calibrated) / trial.rate_hz if outcome == "refused" else np.nan
        out.append((declared, outcome, seconds))
    return out


def report_declared(files: list[Path], jobs: int) -> None:
    with Pool(jobs) as pool:
        rows = [r for trial in pool.imap(check_declared, files) for r in trial]
    print(f"live view, a declared mounting checked against the walking ({len(files)} real "
          "walks); targets: the true one never refused, back to front and turned 40° always")
    for declared, what in ((TRUE_AXES, "true axes"), (BACK_TO_FRONT, "back to front"),
                           (TURNED, "turned 40°")):
        mine = [r for r in rows if r[0] == declared]
        count = {o: sum(r[1] == o for r in mine) for o in
                 ("refused", "refused when calibrating", "kept", "not calibrated")}
        line = (f"{what:14s} refused {count['refused'] + count['refused when calibrating']} "
                f"of {len(mine)} ({count['refused when calibrating']} when calibrating), kept "
                f"{count['kept']}, never calibrated {count['not calibrated']}")
        times = np.array([r[2] for r in mine if r[1] == "refused"])
        if len(times):
            line += (f"; from the calibration to the refusal: median {np.median(times):.1f} "
                     f"s, max {times.max():.1f} s")
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--trials", type=int, default=0, help="only the first N trials")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--live", action="store_true", help="the live view's analysis")
    parser.add_argument("--declared", action="store_true",
                        help="live, a declared mounting: true axes and back to front")
    args = parser.parse_args()
    files = sorted(args.folder.glob("*_lb.txt"))
    if args.trials:
        files = files[:args.trials]
    if args.declared:
        report_declared(files, args.jobs)
        return
    with Pool(args.jobs) as pool:
        outcomes = [o for trial in pool.imap(functools.partial(check_trial, live=args.live),
                                             files) for o in trial]
    what = "live view" if args.live else "recordings"
    print(f"{what}: {len(files)} real walks × {len(mountings())} mountings; targets: "
          f"per-side mean within {MEAN_TOLERANCE_DEG}°, the same counted steps, forward "
          f"within {FORWARD_TOLERANCE_DEG}°")
    print(f"{'mounting':22s} {'analysed':>8s} {'mean ≤0.05°':>11s} {'median':>7s} {'max':>6s} "
          f"{'same steps':>10s} {'forward max':>11s}")
    for name in mountings():
        rows = [o for o in outcomes if o.mounting == name]
        done = [o for o in rows if not o.error]
        change = np.array([o.mean_change_deg for o in done])
        print(f"{name:22s} {len(done):4d}/{len(rows):<3d} "
              f"{100 * np.mean(change <= MEAN_TOLERANCE_DEG):10.0f}% "
              f"{np.median(change):6.3f}° {change.max():5.2f}° "
              f"{100 * np.mean([o.same_steps for o in done]):9.0f}% "
              f"{max(o.forward_deg for o in done):10.2f}°")
    failed = [o for o in outcomes if o.error]
    for o in failed[:10]:
        print(f"  not analysed: {o.trial} {o.mounting}: {o.error}")
    worst = sorted((o for o in outcomes if not o.error), key=lambda o: -o.mean_change_deg)[:8]
    print("largest changes:")
    for o in worst:
        print(f"  {o.trial:6s} {o.mounting:22s} mean {o.mean_change_deg:.3f}°  "
              f"same steps {o.same_steps}  forward {o.forward_deg:.2f}°")


if __name__ == "__main__":
    main()
