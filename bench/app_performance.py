"""The desktop app against its targets: frame rate and CPU, latency, memory, launch, 1 kHz.

Run: QT_QPA_PLATFORM=offscreen python3 bench/app_performance.py [--quick]

Each section runs in its own fresh process (so memory and CPU figures are not polluted by
another section) and drives the real app: the real MainWindow, the real LiveEngine, the
simulated sensor paced in real time (the first seconds of data, the calibration, are
fast-forwarded so the bench does not wait for them). Targets:

- 200 Hz input: the GUI redraws at 60 fps using ≤ 15 % of one core;
- a sample is on screen ≤ one frame (16.7 ms) + 5 ms after it arrives;
- a two-hour session (fast-forwarded) keeps memory flat, ≤ 250 MB RSS, and so does
  reviewing a two-hour recording in the same window afterwards;
- launch to first window ≤ 1.5 s;
- 1 kHz input without dropped samples.

Instrumentation only wraps methods from outside (MainWindow.on_frame, LiveEngine.poll, the
trace's paintEvent) and reads a few private attributes; no product code changes. Offscreen
rendering is software rendering into an image: the paint cost is real, a compositor's is not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from imu_monitor.samples import SampleBatch, StatusEvent
from imu_monitor.sources.base import SourceInfo
from imu_monitor.sources.simulated import SimulatedSensor

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "trendelenburg-right"
FAST_S = 20.0  # sensor seconds fast-forwarded at the start (standing + calibration walk)
FRAME_MS = 1000 / 60
LATENCY_TARGET_MS = FRAME_MS + 5.0
CPU_TARGET_PCT = 15.0
FPS_PASS = 57.0  # 60 fps within 5 %: at most one frame in twenty missed
RSS_TARGET_MB = 250.0
LAUNCH_TARGET_S = 1.5
CHUNK_S = 600.0  # the memory run repeats a 10-minute walk, RSS sampled at each repeat
SECTIONS = ("live200", "memory", "launch", "live1k")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


class PacedSource:
    """A simulated sensor, fast-forwarded for ``fast_s`` of data then paced in real time.

    Stamps every packet when it is yielded (``perf_counter``), how late that was against its
    schedule (a growing lateness is a backlog: the consumer does not keep up) and how long
    the consumer took before asking for the next one.
    """

    def __init__(self, rate_hz: float, seconds: float, fast_s: float = FAST_S,
                 scenario: str = SCENARIO) -> None:
        self._sensor = SimulatedSensor(scenario, seconds, rate_hz=rate_hz, seed=3)
        self.info: SourceInfo = self._sensor.info
        self.fast_s = fast_s
        self.yielded: dict[int, float] = {}  # last sequence number of a packet → yield time
        self.late_s: list[tuple[float, float]] = []  # (sensor time, lateness) in real time
        self.busy_s: list[float] = []  # consumer time per packet, yield → next request
        self.sent = 0
        self.realtime_from: float | None = None  # perf_counter when pacing began

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        anchor: tuple[float, float] | None = None
        for item in self._sensor.stream():
            if not isinstance(item, SampleBatch):
                yield item
                continue
            t_data = float(item.time_s[-1])
            if t_data > self.fast_s:
                if anchor is None:
                    anchor = (time.perf_counter(), t_data)
                    self.realtime_from = anchor[0]
                due = anchor[0] + (t_data - anchor[1])
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                self.late_s.append((t_data, time.perf_counter() - due))
            now = time.perf_counter()
            self.yielded[int(item.seq[-1])] = now
            self.sent += len(item)
            yield item
            if anchor is not None:
                self.busy_s.append(time.perf_counter() - now)

    def close(self) -> None:
        self._sensor.close()


class LoopedSession:
    """A long session fast-forwarded: one simulated walk repeated with continuing sequence
    numbers and times, so two hours need the memory of ten minutes of input."""

    def __init__(self, rate_hz: float, seconds: float, packet_samples: int,
                 on_chunk: Callable[[float], None]) -> None:
        self._chunk = SimulatedSensor(SCENARIO, CHUNK_S - 8.0, rate_hz=rate_hz, seed=3).samples
        self.info = SourceInfo("simulated", "Simulated two-hour walk", rate_hz)
        self._repeats = max(1, round(seconds / (len(self._chunk) / rate_hz)))
        self._packet = packet_samples
        self._on_chunk = on_chunk
        self._closed = False
        self.sent = 0

    def stream(self) -> Iterator[SampleBatch]:
        c = self._chunk
        n = len(c)
        rate = self.info.rate_hz
        for k in range(self._repeats):
            self._on_chunk(k * n / rate)
            for first in range(0, n, self._packet):
                if self._closed:
                    return
                part = c.slice(first, min(n, first + self._packet))
                self.sent += len(part)
                yield SampleBatch(part.time_s + k * n / rate, part.seq + k * n, part.acc,
                                  part.gyr)
        self._on_chunk(self._repeats * n / rate)

    def close(self) -> None:
        self._closed = True


# ---------------------------------------------------------------------- the app, instrumented
def make_app(tmp: Path):
    """The QApplication as ``imu-monitor`` makes it, with settings in a scratch folder."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    os.environ["IMU_MONITOR_SETTINGS"] = str(tmp / "settings.ini")
    pg.setConfigOptions(antialias=False, background="w", foreground="k")
    return QApplication.instance() or QApplication(sys.argv[:1])


def open_window(source, tmp: Path):
    """The real MainWindow on ``source`` (whatever spec it is asked to open), recordings in
    the scratch folder, shown at 1400 × 900."""
    from imu_monitor.app.main_window import MainWindow
    from imu_monitor.app.settings import AppSettings

    settings = AppSettings()
    settings.recordings_folder = tmp / "recordings"
    window = MainWindow(settings, open_source=lambda spec: source, scan=lambda: [])
    window.resize(1400, 900)
    window.show()
    return window


def connect(app, window, spec: str):
    """Connect as the Connect screen does; the engine, once the source opened (off the GUI)."""
    window.connect_sensor(spec, "bench sensor")
    if not wait(app, lambda: window.engine is not None, 30.0):
        raise RuntimeError("the simulated sensor did not open")
    return window.engine


class Probe:
    """Wraps the frame timer, the engine poll and the trace's paint to time what is drawn."""

    def __init__(self) -> None:
        from imu_monitor.app.engine import LiveEngine
        from imu_monitor.app.main_window import MainWindow
        from imu_monitor.app.widgets.plots import ObliquityTrace

        self.frames: list[float] = []  # end of each on_frame
        self.paints: list[float] = []  # end of each paint of the trace
        self.rate_hz = 1.0
        self.source: PacedSource | None = None
        self.to_frame_ms: list[float] = []  # packet yielded → end of the on_frame that took it
        self.to_paint_ms: list[float] = []  # packet yielded → end of the next trace paint
        self._polled: list[float] = []
        self._unpainted: list[float] = []
        probe = self
        poll, on_frame, paint = LiveEngine.poll, MainWindow.on_frame, ObliquityTrace.paintEvent

        def timed_poll(engine: LiveEngine):
            frame = poll(engine)
            if len(frame.time_s):
                probe._polled = probe._yield_times(frame.time_s)
            return frame

        def timed_on_frame(window: MainWindow) -> None:
            probe._polled = []
            on_frame(window)
            now = time.perf_counter()
            probe.frames.append(now)
            probe.to_frame_ms += [(now - t) * 1e3 for t in probe._polled]
            probe._unpainted += probe._polled

        def timed_paint(trace: ObliquityTrace, event) -> None:
            paint(trace, event)
            now = time.perf_counter()
            probe.paints.append(now)
            probe.to_paint_ms += [(now - t) * 1e3 for t in probe._unpainted]
            probe._unpainted = []

        LiveEngine.poll = timed_poll
        MainWindow.on_frame = timed_on_frame
        ObliquityTrace.paintEvent = timed_paint

    def _yield_times(self, time_s: np.ndarray) -> list[float]:
        """When each packet completed by these samples was yielded (slot = sequence number
        here: the simulated sensor starts at 0 and loses nothing)."""
        if self.source is None or self.source.realtime_from is None:
            return []
        first, last = round(time_s[0] * self.rate_hz), round(time_s[-1] * self.rate_hz)
        stamps = self.source.yielded
        return [stamps[s] for s in range(first, last + 1)
                if s in stamps and stamps[s] >= self.source.realtime_from]

    def reset(self) -> None:
        self.frames, self.paints, self.to_frame_ms, self.to_paint_ms = [], [], [], []


def per_second(stamps: list[float], start: float, stop: float) -> list[int]:
    """Events in each whole second of [start, stop)."""
    edges = np.arange(start, stop + 1e-9, 1.0)
    return [int(n) for n in np.histogram(stamps, edges)[0]]


def redrawn(frames: list[float], paints: list[float]) -> list[float]:
    """The frames whose trace was painted before the next frame (a redraw on screen)."""
    edges = [*frames, float("inf")]
    painted = np.searchsorted(paints, frames, side="right") < np.searchsorted(
        paints, edges[1:], side="right")
    return [f for f, p in zip(frames, painted, strict=True) if p]


def thread_cpu() -> dict[int, float]:
    return {t.id: t.user_time + t.system_time for t in psutil.Process().threads()}


def cpu_split(before: dict[int, float], after: dict[int, float], seconds: float,
              gui: int, engine: int) -> dict[str, float]:
    """CPU in % of one core over ``seconds``: GUI thread, engine thread, all threads."""
    def used(ids: set[int]) -> float:
        return sum(after.get(i, 0.0) - before.get(i, 0.0) for i in ids)

    all_ids = set(after)
    return {"gui": 100 * used({gui}) / seconds, "engine": 100 * used({engine}) / seconds,
            "total": 100 * used(all_ids) / seconds}


def wait(app, condition: Callable[[], bool], timeout_s: float) -> bool:
    end = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > end:
            return False
        app.processEvents()
        time.sleep(0.002)
    return True


def run_for(app, seconds: float) -> None:
    """The app's own event loop, as ``imu-monitor`` runs it, for ``seconds``."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(round(seconds * 1000), lambda: app.exit(0))  # quit() closes windows
    app.exec()


def live_section(rate_hz: float, baseline_s: float, measure_s: float) -> dict:
    """The real window on the paced sensor: baseline (engine polled, nothing drawn), then the
    app as it runs; finally the source runs out and every sample is accounted for."""
    from PySide6.QtCore import QTimer


    tmp = Path(tempfile.mkdtemp())
    app = make_app(tmp)
    probe = Probe()
    probe.rate_hz = rate_hz
    warm_s = 2.0
    source = PacedSource(rate_hz, FAST_S + warm_s + baseline_s + measure_s + 1.0)
    probe.source = source
    window = open_window(source, tmp)
    engine = connect(app, window, "sim:" + SCENARIO)
    if not wait(app, lambda: window.live_page.calibration.state == "done"
                and source.realtime_from is not None, 60.0):
        raise RuntimeError("the simulated walk did not calibrate")
    run_for(app, warm_s)
    gui_id, engine_id = threading.main_thread().native_id, engine._thread.native_id
    out: dict = {"rate_hz": rate_hz}

    if baseline_s:
        window.timer.stop()
        poller = QTimer()
        poller.setInterval(round(1000 / 60))
        poller.timeout.connect(engine.poll)
        poller.start()
        before, t0 = thread_cpu(), time.perf_counter()
        run_for(app, baseline_s)
        out["baseline_cpu"] = cpu_split(before, thread_cpu(), time.perf_counter() - t0,
                                        gui_id, engine_id)
        poller.stop()
        window.timer.start()
        run_for(app, 0.5)

    probe.reset()
    before, t0 = thread_cpu(), time.perf_counter()
    run_for(app, measure_s)
    t1 = time.perf_counter()
    out["cpu"] = cpu_split(before, thread_cpu(), t1 - t0, gui_id, engine_id)
    out["frames_per_s"] = per_second(probe.frames, t0, t1)
    out["redrawn_per_s"] = per_second(redrawn(probe.frames, probe.paints), t0, t1)
    out["to_frame_ms"] = probe.to_frame_ms
    out["to_paint_ms"] = probe.to_paint_ms

    ended = wait(app, lambda: engine.health.state == "ended", 30.0)
    window.on_frame()
    pipeline = engine.session.pipeline
    out.update(ended=ended, sent=source.sent, samples=pipeline.samples,
               lost=pipeline.lost_samples, rejected=pipeline.rejected_samples,
               steps=len(pipeline.steps),
               late_ms=[(t, s * 1e3) for t, s in source.late_s],
               busy_ms=[s * 1e3 for s in source.busy_s])
    window.close()
    return out


def memory_section(hours: float, packet_samples: int) -> dict:
    """Two hours fast-forwarded through the engine and the real window's frame timer."""
    from imu_monitor import session as session_module

    tmp = Path(tempfile.mkdtemp())
    app = make_app(tmp)
    proc = psutil.Process()
    summaries: list[tuple[int, float]] = []  # (steps summarised, seconds) per engine call
    summarize = session_module.summarize

    def timed_summarize(steps: list, threshold_deg: float) -> dict:
        t0 = time.perf_counter()
        result = summarize(steps, threshold_deg)
        summaries.append((len(steps), time.perf_counter() - t0))
        return result

    session_module.summarize = timed_summarize
    curve: list[tuple[float, float, float]] = []  # (sensor minutes, RSS MB, wall s)
    t_start = time.perf_counter()

    def sample(data_s: float) -> None:
        curve.append((data_s / 60, proc.memory_info().rss / 2**20,
                      time.perf_counter() - t_start))

    source = LoopedSession(200.0, hours * 3600, packet_samples, sample)
    window = open_window(source, tmp)
    run_for(app, 0.5)
    rss_window = proc.memory_info().rss / 2**20
    t_start = time.perf_counter()
    engine = connect(app, window, "sim:looped")
    wait(app, lambda: engine.health.state in ("ended", "failed"), 900.0)
    window.on_frame()
    p = engine.session.pipeline
    history = (p.obliquity, p.tilt, p.rotation, p.lateral_acc, p.valid)
    out = {
        "rss_window_mb": rss_window, "curve": curve, "state": engine.health.state,
        "sent": source.sent, "samples": p.samples, "lost": p.lost_samples,
        "history_slots": len(p.obliquity),
        "history_used_mb": sum(g.view.nbytes for g in history) / 2**20,
        "history_alloc_mb": sum(g._data.nbytes for g in history) / 2**20,
        "steps_pipeline": len(p.steps), "steps_engine": len(engine.session.segment_steps),
        "steps_live_page": window.live_page.step_count,
        "contacts_detector": len(p._detector._ics),
        "trace_points": len(window.live_page.trace.data()[0]),
        "summaries": len(summaries), "summary_s": sum(s for _, s in summaries),
        "last_summary_ms": 1e3 * float(np.median([s for _, s in summaries[-50:]])),
        "last_summary_steps": summaries[-1][0] if summaries else 0,
    }
    out.update(review_in_the_same_window(app, window, tmp, hours, proc))
    window.close()
    return out


def review_in_the_same_window(app, window, tmp: Path, hours: float, proc) -> dict:
    """Then a recording as long as the session, opened in Review in the same process: RSS
    while it is analysed (peak of the samples taken) and once it is shown."""
    from memory import WRITE_LONG  # bench/memory.py: the simulated walk, written as it goes

    recording = tmp / "reviewed.imurec"
    subprocess.run([sys.executable, "-c", WRITE_LONG, str(recording), str(hours), "200"],
                   check=True, cwd=ROOT)
    window.tabs.setCurrentWidget(window.review_page)
    t0 = time.perf_counter()
    window.review_page.open(recording)
    peak = proc.memory_info().rss
    while window.review_page.session is None and time.perf_counter() - t0 < 900.0:
        run_for(app, 0.05)
        peak = max(peak, proc.memory_info().rss)
    seconds = time.perf_counter() - t0
    run_for(app, 1.0)
    session = window.review_page.session
    return {"review_opened": session is not None, "review_s": seconds,
            "review_steps": len(session.analysis.steps) if session else 0,
            "review_peak_mb": peak / 2**20, "review_after_mb": proc.memory_info().rss / 2**20,
            "compiler_loaded": "numba" in sys.modules or "llvmlite" in sys.modules}


LAUNCH_CODE = """
import sys, time
t0 = float(sys.argv[1])
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from imu_monitor.app.main_window import MainWindow
from imu_monitor.app.settings import AppSettings
t_import = time.time()
pg.setConfigOptions(antialias=False, background="w", foreground="k")
app = QApplication(sys.argv[:1])
window = MainWindow(AppSettings())
t_built = time.time()
class Painted(QObject):
    seen = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            Painted.seen = True
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
while not Painted.seen:
    app.processEvents()
app.processEvents()
t_shown = time.time()
print(t_import - t0, t_built - t0, t_shown - t0)
"""


def launch_section(runs: int) -> dict:
    """Fresh interpreters: process start → imports → window built → first paint done."""
    tmp = Path(tempfile.mkdtemp())
    (tmp / "settings.ini").write_text(f"[General]\nrecordings_folder={tmp / 'recordings'}\n")
    env = dict(os.environ, IMU_MONITOR_SETTINGS=str(tmp / "settings.ini"))
    times = []
    for _ in range(runs):
        t0 = time.time()
        done = subprocess.run([sys.executable, "-c", LAUNCH_CODE, repr(t0)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
        times.append([float(v) for v in done.stdout.split()[-3:]])
    return {"times": times}


# ------------------------------------------------------------------------------- reporting
def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report_live(r: dict) -> None:
    fps = statistics.median(r["frames_per_s"]) if r["frames_per_s"] else 0.0
    shown = statistics.median(r["redrawn_per_s"]) if r["redrawn_per_s"] else 0.0
    cpu = r["cpu"]
    if "baseline_cpu" in r:
        base = r["baseline_cpu"]
        gui_cost = cpu["total"] - base["total"]
        print(f"  frames redrawn (on_frame followed by a paint of the trace) {shown:.0f} /s, "
              f"median of 1 s windows, min {min(r['redrawn_per_s'], default=0)}; frame timer "
              f"{fps:.0f} /s   (target 60 fps, pass ≥ {FPS_PASS:g})   "
              f"{verdict(shown >= FPS_PASS)}")
        print(f"  CPU, % of one core: GUI thread {cpu['gui']:.1f}, engine thread "
              f"{cpu['engine']:.1f}, whole process {cpu['total']:.1f}")
        print(f"  baseline (same process, engine polled at 60 Hz, nothing drawn): GUI thread "
              f"{base['gui']:.1f}, engine {base['engine']:.1f}, whole process "
              f"{base['total']:.1f}")
        print(f"  the GUI's own cost (process − baseline): {gui_cost:.1f} % of one core   "
              f"(target ≤ {CPU_TARGET_PCT:g} %)   {verdict(gui_cost <= CPU_TARGET_PCT)}")
    else:
        print(f"  frames redrawn {shown:.0f} /s; CPU % of one core: GUI thread "
              f"{cpu['gui']:.1f}, engine {cpu['engine']:.1f}, process {cpu['total']:.1f}")
    frame, paint = r["to_frame_ms"], r["to_paint_ms"]
    print(f"  latency, packet yielded → trace painted: median {pct(paint, 50):.1f} ms, "
          f"p99 {pct(paint, 99):.1f} ms, max {max(paint, default=float('nan')):.1f} ms over "
          f"{len(paint)} packets   (target ≤ {LATENCY_TARGET_MS:.1f} ms)   "
          f"{verdict(pct(paint, 99) <= LATENCY_TARGET_MS)}")
    print(f"    (→ end of the on_frame that took it: median {pct(frame, 50):.1f} ms, "
          f"p99 {pct(frame, 99):.1f} ms)")


def report_input(r: dict) -> None:
    late = r["late_ms"]
    third = max(1, len(late) // 3)
    first, last = [s for _, s in late[:third]], [s for _, s in late[-third:]]
    kept = r["lost"] == 0 and r["samples"] + r["lost"] == r["sent"] and r["ended"]
    print(f"  sent {r['sent']} samples, pipeline received {r['samples']}, lost {r['lost']}, "
          f"rejected {r['rejected']}, stream ended: {r['ended']}   (target: all, 0 lost)   "
          f"{verdict(kept)}")
    bounded = pct(last, 99) < max(5.0, 2 * pct(first, 99)) and max(last, default=0) < 100
    print(f"  backlog (packet due → yielded to the engine): first third median "
          f"{pct(first, 50):.2f} ms p99 {pct(first, 99):.2f} ms; last third median "
          f"{pct(last, 50):.2f} ms p99 {pct(last, 99):.2f} ms, max "
          f"{max(last, default=float('nan')):.1f} ms   (target: bounded)   "
          f"{verdict(bounded)}")
    print(f"  engine time per packet: median {pct(r['busy_ms'], 50):.2f} ms, p99 "
          f"{pct(r['busy_ms'], 99):.2f} ms (budget {10e3 / r['rate_hz']:.0f} ms: a packet "
          f"every {10e3 / r['rate_hz']:.0f} ms)")


def report_memory(r: dict) -> None:
    curve = r["curve"]
    rss = [m for _, m, _ in curve]
    print(f"  RSS with the window open, before streaming: {r['rss_window_mb']:.0f} MB")
    print("  RSS every 10 sensor minutes (MB): "
          + " ".join(f"{m:.0f}" for m in rss))
    print(f"  start {rss[0]:.0f} MB, end {rss[-1]:.0f} MB, max {max(rss):.0f} MB, growth "
          f"{rss[-1] - rss[0]:+.0f} MB over {curve[-1][0]:.0f} min   "
          f"(target ≤ {RSS_TARGET_MB:g} MB)   {verdict(max(rss) <= RSS_TARGET_MB)}")
    walls = np.diff([w for _, _, w in curve])
    print(f"  wall time per 10 sensor minutes: first {walls[0]:.1f} s, last {walls[-1]:.1f} s "
          f"({curve[-1][2]:.0f} s for the whole session, {r['state']})")
    print(f"  what grows: pipeline history {r['history_slots']} slots, "
          f"{r['history_used_mb']:.1f} MB used, {r['history_alloc_mb']:.1f} MB allocated "
          f"(doubling arrays); steps kept {r['steps_pipeline']} (pipeline), "
          f"{r['steps_engine']} (engine summary), {r['steps_live_page']} (live page), "
          f"contacts {r['contacts_detector']} (detector); trace {r['trace_points']} points "
          "(fixed 10 s window)")
    print(f"  the engine re-summarises all {r['last_summary_steps']} steps at every new step: "
          f"{r['last_summary_ms']:.1f} ms per call at the end, {r['summary_s']:.0f} s in "
          f"{r['summaries']} calls over the session")
    print(f"  every sample through: sent {r['sent']}, pipeline {r['samples']}, lost {r['lost']}")
    print(f"  then a {curve[-1][0]:.0f}-minute recording reviewed in the same window: "
          f"{'shown' if r['review_opened'] else 'NOT shown'} after {r['review_s']:.1f} s "
          f"({r['review_steps']} steps); RSS while analysing up to {r['review_peak_mb']:.0f} MB, "
          f"after {r['review_after_mb']:.0f} MB   (target ≤ {RSS_TARGET_MB:g} MB)   "
          f"{verdict(r['review_opened'] and r['review_after_mb'] <= RSS_TARGET_MB)}; "
          f"compiler loaded: {'yes' if r['compiler_loaded'] else 'no'}")


def report_launch(r: dict) -> None:
    t = np.array(r["times"])
    med = np.median(t, axis=0)
    print(f"  {len(t)} fresh processes, median: imports {med[0]:.2f} s, window built "
          f"{med[1]:.2f} s, first paint done {med[2]:.2f} s (runs: "
          + ", ".join(f"{v:.2f}" for v in t[:, 2])
          + f")   (target ≤ {LAUNCH_TARGET_S:g} s)   {verdict(med[2] <= LAUNCH_TARGET_S)}")


def run_section(name: str, quick: bool) -> dict:
    if name == "live200":
        return live_section(200.0, 4.0 if quick else 8.0, 8.0 if quick else 15.0)
    if name == "live1k":
        return live_section(1000.0, 0.0, 6.0 if quick else 12.0)
    if name == "memory":
        return memory_section(0.5 if quick else 2.0, 50)
    return launch_section(3 if quick else 5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs (8 s live, 30 min memory, 3 launches)")
    parser.add_argument("--section", choices=SECTIONS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.section:  # one section, in this fresh process; results as JSON on the last line
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        print(json.dumps(run_section(args.section, args.quick)))
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    print(f"Qt platform: {platform}"
          + (" (software rendering into an image, no display)" if platform == "offscreen"
             else "") + f"; {psutil.cpu_count()} cores")
    titles = {
        "live200": "1–2. 200 Hz in real time, the real window (1400×900) after calibration",
        "memory": "3. Two-hour session at 200 Hz, fast-forwarded through engine and window",
        "launch": "4. Launch to first window",
        "live1k": "5. 1 kHz in real time, the real window",
    }
    for name in SECTIONS:
        print(titles[name], flush=True)
        command = [sys.executable, __file__, "--section", name, *(["--quick"] * args.quick)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            print(f"  failed:\n{done.stderr}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if name == "live200":
            report_live(result)
        elif name == "live1k":
            report_input(result)
            report_live(result)
        elif name == "memory":
            report_memory(result)
        else:
            report_launch(result)


if __name__ == "__main__":
    main()
