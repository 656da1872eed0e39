"""The live terminal view: each step as it happens, then the summary.

The same pipeline as everywhere else, fed packet by packet from any source.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time

from imu_monitor.cli.output import terminate_as_interrupt
from imu_monitor.lsl import LslPublisher
from imu_monitor.pipeline import Analysis, PipelineConfig
from imu_monitor.presentation import format_drill, format_summary, step_line
from imu_monitor.processing.calibration import (
    Calibration,
    describe_forward,
    describe_neutral,
)
from imu_monitor.processing.metrics import Step
from imu_monitor.recording import RecordingWriter
from imu_monitor.samples import SampleBatch, StatusEvent
from imu_monitor.session import LiveSession
from imu_monitor.sources.base import Source


def calibration_line(cal: Calibration) -> str:
    """What the calibration found, in one line for the terminal."""
    return (f"  Calibrated: neutral from {describe_neutral(cal)}, forward from "
            f"{describe_forward(cal)}.")


def print_summary(analysis: Analysis, title: str, out=None) -> None:
    """The summary (or the drill's result) under a title that says which analysis it is."""
    out = out or sys.stdout
    print("", file=out)
    print(title, file=out)
    if analysis.drill_result is not None:
        print("\n".join(format_drill(analysis.drill_result)), file=out)
    else:
        print("\n".join(format_summary(analysis.summary, analysis.steps)), file=out)


def stop_on_terminate() -> None:
    """SIGTERM (a service manager, ``kill``) stops a live session like Ctrl-C: saved, summed."""
    with contextlib.suppress(ValueError):  # not the main thread: nothing to install
        signal.signal(signal.SIGTERM, terminate_as_interrupt)


def ignore_interrupts() -> None:
    """Once stopping, a second Ctrl-C must not cut the saving short (same ending every time)."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def step_lines(judged: list[Step], provisional: list[Step], threshold_deg: float,
               printed: dict[float, str]) -> list[str]:
    """Each step's line as soon as it is measured (provisionally, within the next step);
    its judged step is printed again only where it reads differently, marked (revised)."""
    lines = []
    for step in judged:  # older than the provisional ones
        line = step_line(step, threshold_deg)
        before = printed.pop(step.time_s, None)
        if before is None:
            lines.append(line)
        elif before != line:
            lines.append(f"{line}  (revised)")
    for step in provisional:
        printed[step.time_s] = step_line(step, threshold_deg)
        lines.append(printed[step.time_s])
    return lines


def run_live(source: Source, config: PipelineConfig, out=None,
             recorder: RecordingWriter | None = None, publisher: LslPublisher | None = None,
             stop_after_s: float | None = None,
             summary_title: str | None = "Summary (live)") -> Analysis | None:
    """Stream ``source`` through the pipeline (and into ``recorder``), printing steps live;
    Ctrl-C or SIGTERM (or ``stop_after_s`` of wall time) stops cleanly, and further
    interrupts wait until the session is saved; the summary is printed at the end and
    returned (``summary_title`` None: not printed). None when stopped before calibration.
    ``publisher`` (Lab Streaming Layer) gets every sample, angle and step as they come."""
    out = out or sys.stdout  # looked up now: the caller may have redirected it
    session = LiveSession(source.info.rate_hz, config, publisher)
    pipeline = session.pipeline
    print(f"{source.info.name}: stand still, then walk about ten steps (turns are fine) to "
          "calibrate.", file=out)
    print(f"Drill: {pipeline.drill.title} — shown live: {pipeline.drill.live_metric}.",
          file=out)
    stop_on_terminate()
    printed: dict[float, str] = {}  # provisional steps' lines, until their step is judged
    deadline = None if stop_after_s is None else time.monotonic() + stop_after_s
    try:
        for item in source.stream():
            if deadline is not None and time.monotonic() >= deadline:
                break
            if isinstance(item, StatusEvent):
                print(f"  [{item.message}]", file=out)
                if recorder is not None:
                    recorder.add_event(item)
                continue
            assert isinstance(item, SampleBatch)
            if recorder is not None:
                recorder.append(item)
            update = session.push(item)
            if update.calibrated_now and session.calibration is not None:
                print(calibration_line(session.calibration), file=out)
            for line in step_lines(update.steps, update.provisional, pipeline.threshold_deg,
                                   printed):
                print(line, file=out, flush=True)
    except KeyboardInterrupt:
        ignore_interrupts()
        print("  Stopped.", file=out)
    finally:
        ignore_interrupts()
        source.close()
    if session.calibration is None:
        print("Stopped before the calibration was complete (stand still, then walk about ten "
              "steps): there is nothing to summarise.", file=out)
        return None
    analysis = session.finish()  # (the steps only the end decided are published too)
    if summary_title is not None:
        print_summary(analysis, summary_title, out)
    return analysis
