"""Lost packets must not distort the numbers: the same sessions with 5 % of their packets lost.

Run: python bench/packet_loss.py [PATH/TO/ipol_gait_lowerback] [--loss 0.05] [--seeds 3]
     [--long-gap]

Each session is analysed whole and again with packets of 10 samples dropped at random — single
packets and bursts up to 0.5 s, 5 % of all packets — both as a recording (offline filter) and as
the live view (real-time filter, fed packet by packet). For the steps still reported (counted
in the summary) it prints how many there are (beside the loss-free analysis' count: what the
restarts and the steps with lost data cost), the share within 1° of the same step of the
loss-free analysis, how far each per-side mean moved, and how far it would move if every
reported step had kept its loss-free value (leaving the steps with lost data out moves a mean
by itself). Targets: ≥ 95 % of steps within 1°, no mean moved > 0.3°.
Sessions: simulated walks (walkway, speed changes, running) and, with the path, the real IPOL
lower-back walks. ``--long-gap``: instead, one gap of 1–3 s somewhere in the middle fifth to
four fifths of each session (a sensor out of range for a moment). Beside the table: how far
the live view's per-side means lie from the saved session's when nothing is lost.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from ipol_data import load_all
from summaries import mean_moves

from imu_monitor.conventions import SIDES
from imu_monitor.errors import ImuMonitorError
from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

PACKET = 10
MAX_BURST_S = 0.5
STEP_TOLERANCE_DEG = 1.0
MEAN_TOLERANCE_DEG = 0.3


@dataclass
class Outcome:
    steps: int = 0  # reported (counted) with loss
    loss_free_steps: int = 0  # counted in the same sessions without loss
    within: int = 0
    mean_shifts: list[float] = field(default_factory=list)  # worst side of each session
    # the same if every reported step had kept its loss-free value: the steps lost alone
    selection_shifts: list[float] = field(default_factory=list)
    sessions: int = 0


def lost_packets(n_packets: int, rate_hz: float, loss: float,
                 rng: np.random.Generator) -> np.ndarray:
    """Which of ``n_packets`` packets of ``PACKET`` samples are lost (``loss`` of them): half
    the lost packets alone, half in bursts of up to ``MAX_BURST_S``."""
    lost = np.zeros(n_packets, dtype=bool)
    longest = max(1, round(MAX_BURST_S * rate_hz / PACKET))
    while lost.mean() < loss:
        length = 1 if rng.random() < 0.5 else int(rng.integers(2, longest + 1))
        start = int(rng.integers(2, n_packets - length - 2))  # keep the very first packets
        lost[start:start + length] = True
    return lost


def one_long_gap(n_packets: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Which of ``n_packets`` packets are lost: one run of 1–3 s, between a fifth and four
    fifths of the session."""
    lost = np.zeros(n_packets, dtype=bool)
    length = round(rng.uniform(1.0, 3.0) * rate_hz / PACKET)
    start = int(rng.integers(n_packets // 5, max(n_packets // 5 + 1, 4 * n_packets // 5 - length)))
    lost[start:start + length] = True
    return lost


def lose_packets(samples: SampleBatch, rate_hz: float, loss: float,
                 rng: np.random.Generator, long_gap: bool = False) -> list[SampleBatch]:
    """The packets of ``samples`` that arrive (see :func:`lost_packets`, :func:`one_long_gap`)."""
    n_packets = len(samples) // PACKET
    lost = (one_long_gap(n_packets, rate_hz, rng) if long_gap else
            lost_packets(n_packets, rate_hz, loss, rng))
    return [samples.slice(k * PACKET, (k + 1) * PACKET) for k in range(len(lost))
            if not lost[k]]


def analyse(packets: list[SampleBatch], rate_hz: float, mode: str, drill: str) -> Analysis:
    pipeline = Pipeline(rate_hz, PipelineConfig(drill=drill, orientation=mode))
    if mode == "offline":
        pipeline.push(SampleBatch.concat(packets))
    else:
        for packet in packets:
            pipeline.push(packet)
    return pipeline.finish()


def compare(clean: Analysis, lossy: Analysis, outcome: Outcome) -> None:
    steps = clean.real_steps
    times = np.array([s.time_s for s in steps])
    outcome.loss_free_steps += sum(s.counted and s.peak_drop_deg is not None for s in steps)
    kept_values: dict[str, list[float]] = {side: [] for side in SIDES}
    for step in lossy.steps:
        if not step.counted or step.peak_drop_deg is None or not len(times):
            continue
        k = int(np.argmin(np.abs(times - step.time_s)))
        ref = steps[k]
        outcome.steps += 1
        if abs(times[k] - step.time_s) <= 0.05 and ref.side == step.side and \
                ref.peak_drop_deg is not None:
            if ref.counted:
                kept_values[step.side].append(ref.peak_drop_deg)
            if abs(ref.peak_drop_deg - step.peak_drop_deg) <= STEP_TOLERANCE_DEG:
                outcome.within += 1
    shifts = [abs(move) for move in mean_moves(lossy, clean)]
    selection = []
    for side in SIDES:
        before = clean.summary.side(side).mean_peak_drop_deg
        if before is not None and kept_values[side]:
            selection.append(abs(before - float(np.mean(kept_values[side]))))
    outcome.mean_shifts.append(max(shifts, default=0.0))
    outcome.selection_shifts.append(max(selection, default=0.0))
    outcome.sessions += 1


def sessions(ipol: Path | None, seeds: int):
    for name in ("trendelenburg-right", "walk-varied", "run"):
        sc = get_scenario(name)
        for seed in range(1, seeds + 1):
            rec = simulate(sc.build(sc.default_seconds), 100.0, seed)
            yield f"simulated {name}", rec.samples, 100.0, sc.drill
    if ipol is not None:
        for trial in load_all(ipol):
            n = len(trial.acc)
            yield "real IPOL walks", SampleBatch(np.arange(n) / trial.rate_hz, np.arange(n),
                                                 trial.acc, trial.gyr), trial.rate_hz, "walk"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ipol", type=Path, nargs="?")
    parser.add_argument("--loss", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--long-gap", action="store_true",
                        help="one gap of 1–3 s in each session instead of scattered losses")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    results: dict[tuple[str, str], Outcome] = {}
    live_vs_saved: dict[str, list[float]] = {}  # loss-free: live per-side means − saved ones
    for group, samples, rate, drill in sessions(args.ipol, args.seeds):
        whole = [samples.slice(k, k + PACKET) for k in range(0, len(samples), PACKET)]
        lossy = lose_packets(samples, rate, args.loss, rng, args.long_gap)
        loss_free: dict[str, Analysis] = {}
        for mode in ("offline", "live"):
            try:
                loss_free[mode] = analyse(whole, rate, mode, drill)
                lost = analyse(lossy, rate, mode, drill)
            except ImuMonitorError:
                continue
            compare(loss_free[mode], lost, results.setdefault((group, mode), Outcome()))
        if len(loss_free) == 2:
            live_vs_saved.setdefault(group, []).extend(
                abs(move) for move in mean_moves(loss_free["live"], loss_free["offline"]))
    print(("one gap of 1–3 s a session" if args.long_gap else
           f"{100 * args.loss:.0f} % of packets lost (single and bursts up to {MAX_BURST_S} s)")
          + f"; targets: ≥ 95 % of reported steps within {STEP_TOLERANCE_DEG:g}°, "
          f"no per-side mean moved > {MEAN_TOLERANCE_DEG}°")
    print(f"{'sessions':26s} {'analysis':9s} {'n':>4s} {'steps (of loss-free)':>20s} "
          f"{'within 1°':>10s} "
          f"{'per-side mean moved: median  ≤0.3°  max':>42s} {'steps lost alone: ≤0.3°':>24s}")
    for (group, mode), o in results.items():
        share = o.within / o.steps if o.steps else float("nan")
        shifts, alone = np.array(o.mean_shifts), np.array(o.selection_shifts)
        print(f"{group:26s} {mode:9s} {o.sessions:4d} {o.steps:6d} ({o.loss_free_steps:6d})"
              f"      {100 * share:9.1f}% "
              f"{np.median(shifts):27.2f}° {100 * np.mean(shifts <= 0.3):5.0f}% "
              f"{shifts.max():5.2f}° {100 * np.mean(alone <= 0.3):23.0f}%")
    print("steps lost alone: the per-side means over the reported steps with their loss-free "
          "values (what leaving the steps with lost data out of the summary moves by itself)")
    for group, moves in live_vs_saved.items():
        m = np.array(moves)
        print(f"{group}, nothing lost: the live per-side means against the saved session's: "
              f"median {np.median(m):.2f}°, 90th percentile {np.percentile(m, 90):.2f}°, "
              f"largest {m.max():.2f}° ({len(m)} side means)")


if __name__ == "__main__":
    main()
