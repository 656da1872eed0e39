"""Per-step feedback: how soon a step's drop, side and bar are on screen after its contact,
and how often the foot shown first is corrected.

Run: QT_QPA_PLATFORM=offscreen python3 bench/feedback_latency.py [IPOL_FOLDER] [--quick]

1. **Through the app**: the real MainWindow and LiveEngine on the simulated sensor paced in
   real time (calibration fast-forwarded), walking (trendelenburg-right, about 110 steps a
   minute) and running (about 170). For every counted step, the time from the moment the
   packet holding its initial contact left the sensor's source to the end of the frame that
   put its bar and its number on screen. Targets: median ≤ 0.6 s, p95 ≤ 0.9 s.
2. **The pipeline on more data**, 10-sample packets: simulated scenarios unlike each other
   (turns every few seconds, a 4 m room, everyday living, a pitched sensor, treadmill,
   running intervals) and, when its folder is given, the real IPOL lower-back gait set.
   Latency in data time (contact → the packet whose processing produced the step; add a
   frame), and the feet that changed when judged: *corrections* are counted steps whose
   foot changed (feedback that was wrong; target ≤ 1 % of them), *foot changes* every
   provisional step's foot that changed (including steps never counted: turns, first steps).

The judged steps, and so the recording's analysis, are the same as without any of this
(tests/test_feedback.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_performance import FAST_S, PacedSource, connect, make_app, open_window, run_for, wait

from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.samples import SampleBatch

MEDIAN_TARGET_S, P95_TARGET_S, CORRECTIONS_TARGET_PCT = 0.6, 0.9, 1.0
SCENARIOS = ("trendelenburg-right", "walk-varied", "turns-frequent", "room-4m", "everyday",
             "pitched-sensor", "walk-10m", "treadmill", "run", "run-intervals")


def through_app(scenario: str, seconds: float) -> dict:
    """Contact → on-screen latency of every counted step in the real window."""
    from imu_monitor.app.live_page import LivePage

    tmp = Path(tempfile.mkdtemp())
    app = make_app(tmp)
    rate = 100.0
    source = PacedSource(rate, FAST_S + seconds, scenario=scenario)
    on_screen: dict[float, float] = {}  # step time → when its bar was first drawn
    original = LivePage.apply

    def timed_apply(page: LivePage, frame) -> None:
        original(page, frame)
        now = time.perf_counter()
        for step in frame.provisional_steps + frame.steps:
            if step.counted:
                on_screen.setdefault(step.time_s, now)

    LivePage.apply = timed_apply
    window = open_window(source, tmp)
    window.live_page.select_drill("run" if scenario.startswith("run") else "walk")
    engine = connect(app, window, "sim:" + scenario)
    wait(app, lambda: engine.health.state == "ended", FAST_S + seconds + 30.0)
    run_for(app, 0.3)
    LivePage.apply = original
    seqs = np.array(sorted(source.yielded))
    sent_at = np.array([source.yielded[s] for s in seqs])
    latencies = []
    for t, shown in on_screen.items():
        contact_seq = round(t * rate)  # the simulated sensor counts from 0 at time 0
        k = int(np.searchsorted(seqs, contact_seq))
        if k < len(seqs) and source.realtime_from is not None and \
                sent_at[k] > source.realtime_from:
            latencies.append(shown - sent_at[k])
    provisional = engine.session.pipeline.provisional
    window.close()
    return {"latencies": latencies, "shown": provisional.shown,
            "corrections": provisional.side_corrections}


def through_pipeline(samples: SampleBatch, rate: float, drill: str) -> dict:
    """Data-time latency of every counted provisional step after calibration, and changes."""
    pipeline = Pipeline(rate, PipelineConfig(drill=drill))
    latencies, calibrated_at = [], None
    for first in range(0, len(samples), 10):
        update = pipeline.push(samples.slice(first, first + 10))
        if update.calibrated_now:
            calibrated_at = update.stop
        for step in update.provisional:
            contact = round(step.time_s * rate)
            if step.counted and calibrated_at is not None and contact > calibrated_at:
                latencies.append((update.stop - contact) / rate)
    pipeline.finish()
    p = pipeline.provisional
    return {"latencies": latencies, "shown": p.shown, "corrections": p.side_corrections,
            "announced": p.announced, "foot_changes": p.foot_changes}


def line(name: str, runs: list[dict]) -> str:
    lat = [x for r in runs for x in r["latencies"]]
    shown = sum(r["shown"] for r in runs)
    corrections = sum(r["corrections"] for r in runs)
    text = (f"{name:22} steps shown {shown:5d}  latency median {statistics.median(lat):.2f} s "
            f"p95 {np.percentile(lat, 95):.2f} s  corrections {corrections} "
            f"({100 * corrections / max(shown, 1):.2f} %)")
    if "announced" in runs[0]:
        announced = sum(r["announced"] for r in runs)
        changes = sum(r["foot_changes"] for r in runs)
        text += f"  foot changes {changes} of {announced} ({100 * changes / announced:.1f} %)"
    return text


def verdict(runs: list[dict]) -> str:
    lat = [x for r in runs for x in r["latencies"]]
    shown = sum(r["shown"] for r in runs)
    ok = (statistics.median(lat) <= MEDIAN_TARGET_S and np.percentile(lat, 95) <= P95_TARGET_S
          and 100 * sum(r["corrections"] for r in runs) / max(shown, 1)
          <= CORRECTIONS_TARGET_PCT)
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ipol", nargs="?", type=Path, help="the IPOL lower-back gait folder")
    parser.add_argument("--quick", action="store_true", help="30 s in the app, 60 s simulated")
    args = parser.parse_args()
    app_s, sim_s = (30.0, 60.0) if args.quick else (60.0, 120.0)
    print(f"targets: median ≤ {MEDIAN_TARGET_S} s, p95 ≤ {P95_TARGET_S} s contact → screen; "
          f"corrections ≤ {CORRECTIONS_TARGET_PCT:g} % of the counted steps shown")
    print(f"\n1. through the app, {app_s:g} s paced in real time (time to the frame that drew it)")
    app_runs = []
    for scenario in ("trendelenburg-right", "run"):
        result = through_app(scenario, app_s)
        app_runs.append(result)
        print("  " + line(scenario, [result]))
    print(f"  {'all':22} {verdict(app_runs)}")

    from imu_monitor.simulation.scenarios import get_scenario
    from imu_monitor.simulation.sensor_model import simulate

    print(f"\n2. the pipeline, {sim_s:g} s of each simulated scenario (data time; add a frame)")
    sim_runs = []
    for name in SCENARIOS:
        samples = simulate(get_scenario(name).build(sim_s), 100.0, seed=3).samples
        result = through_pipeline(samples, 100.0, "run" if name.startswith("run") else "walk")
        sim_runs.append(result)
        print("  " + line(name, [result]))
    print("  " + line("all simulated", sim_runs) + "  " + verdict(sim_runs))
    if args.ipol is not None:
        from ipol_data import load_all

        real = []
        for trial in load_all(args.ipol):
            n = len(trial.acc)
            batch = SampleBatch(np.arange(n) / trial.rate_hz, np.arange(n), trial.acc,
                                trial.gyr)
            real.append(through_pipeline(batch, trial.rate_hz, "walk"))
        print("  " + line(f"IPOL real ({len(real)} trials)", real) + "  " + verdict(real))


if __name__ == "__main__":
    main()
