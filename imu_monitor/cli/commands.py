"""What each ``imu-monitor`` subcommand does (the parser lives in :mod:`imu_monitor.cli.main`)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
from pathlib import Path

from imu_monitor import __version__
from imu_monitor.analysis import analyze_saved, analyze_source, source_samples
from imu_monitor.app.launch import run_app
from imu_monitor.cli.live import print_summary, run_live
from imu_monitor.cli.output import EXIT_OK, print_json, require_output
from imu_monitor.cli.report import format_analysis, format_info, format_list
from imu_monitor.display import display_problem, has_display
from imu_monitor.errors import (
    AnalysisError,
    CalibrationError,
    ImuMonitorError,
    InputDataError,
    RecordingError,
)
from imu_monitor.export.session import (
    check_export_target,
    export_message,
    export_samples,
    export_session,
)
from imu_monitor.importers import FORMATS, ImportOptions, read_samples
from imu_monitor.importing import import_file, recording_metadata, save_recording
from imu_monitor.pipeline import PipelineConfig
from imu_monitor.presentation import count_of
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.recording import (
    EXTENSION,
    RecordingWriter,
    is_recording,
    open_recording,
)
from imu_monitor.recording.library import list_recordings
from imu_monitor.recording.patient import check_patient_code, default_recording_path
from imu_monitor.recording.places import prepared_recordings_folder
from imu_monitor.recording.schema import CHUNK_S
from imu_monitor.recording.writer import written_whole
from imu_monitor.safe_write import check_target, guarded_path, write_text
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.scenarios import SCENARIOS, get_scenario
from imu_monitor.sources import spec
from imu_monitor.sources.base import Source, read_all
from imu_monitor.sources.csv_file import ImportedFile, write_csv
from imu_monitor.sources.recording import RecordingReplay
from imu_monitor.sources.simulated import SimulatedSensor


# ---------------------------------------------------------------- writing files
def _save(path: Path, samples: SampleBatch, rate_hz: float, metadata: dict) -> str:
    """Write samples as a recording, or as CSV when the name ends in .csv; say which."""
    if path.suffix.lower() == ".csv":
        with guarded_path(path) as temporary:
            write_csv(temporary, samples, rate_hz, {k: v for k, v in metadata.items()
                                                    if k in ("source", "axes", "seed", "drill")})
        return "CSV"
    save_recording(path, samples, rate_hz, metadata)
    return "recording"


def _check_rate_and_seed(rate: float, seed: int) -> None:
    if not 20 <= rate <= 2000:  # also refuses nan
        raise InputDataError("Choose a sample rate between 20 and 2000 Hz with --rate.")
    if seed < 0:
        raise InputDataError("--seed is a whole number of 0 or more.")


def _check_seconds(seconds: float | None) -> None:
    if seconds is not None and not 5 <= seconds <= 6 * 3600:
        raise InputDataError("--seconds must be between 5 s and 6 hours.")


def _patient(value: str | None) -> str | None:
    return check_patient_code(value)


# ------------------------------------------------------------------ commands
def cmd_simulate(args: argparse.Namespace) -> int:
    if args.list:
        for sc in SCENARIOS.values():
            print(f"{sc.name:22s} {sc.description} (default {sc.default_seconds:g} s)")
        return EXIT_OK
    out = require_output(args.output, "simulated session")
    for target in (out if out.suffix.lower() == ".csv" else None, args.truth):
        if target is not None:
            check_target(target)  # before minutes of simulation, not after
    _check_rate_and_seed(args.rate, args.seed)
    if not 0 <= args.packet_loss <= 0.5:
        raise InputDataError("--packet-loss is a fraction between 0 and 0.5.")
    _check_seconds(args.seconds)
    declared = args.mounting not in (None, "random")
    if declared:
        parse_axes(args.mounting)
    scenario = get_scenario(args.scenario)
    sensor = SimulatedSensor(args.scenario, args.seconds, args.rate, args.seed,
                             packet_loss=args.packet_loss, mounting=args.mounting)
    meta = {"source": f"sim:{args.scenario}", "seed": args.seed,
            "device": _simulated_device(), "drill": scenario.drill,
            "notes": scenario.description}
    if declared:
        meta["axes"] = args.mounting
    if out.suffix.lower() == ".csv":
        received, _ = read_all(sensor)
        kind = _save(out, received, args.rate, meta)
        count, first, last = len(received), int(received.seq[0]), int(received.seq[-1])
        del received
    else:
        count, first, last = _write_stream(sensor, out, args.rate, meta)
        kind = "recording"
    if args.truth:
        truth = sensor.truth
        write_text(args.truth, json.dumps({
            "scenario": args.scenario, "seed": args.seed, "rate_hz": args.rate,
            "pelvis_from_sensor": truth.pelvis_from_sensor.round(6).tolist(),
            "steps": truth.steps, "drills": truth.drills}, indent=1))
    if kind == "recording":
        del sensor  # the simulated session is on disk: analysed from there, without it
        analysis, problem = analyze_saved(out)
        if analysis is not None and problem:  # analysed, but not stored with it
            print(f"imu-monitor: {problem}", file=sys.stderr)
    span = (last - first + 1) / args.rate
    lost = round(span * args.rate) - count
    print(f"Wrote {count} samples ({span:.1f} s" + (f", {lost} lost" if lost else "")
          + f") of '{args.scenario}' to {out} ({kind}).")
    return EXIT_OK


def _write_stream(source: Source, path: Path, rate_hz: float, metadata: dict
                  ) -> tuple[int, int, int]:
    """Write a finite source's packets to a new recording as they come, a minute of samples
    per transaction in the chunks of one ``append_all``, so the session is never held twice;
    returns the samples written and the first and last sequence numbers. The analysis is
    stored afterwards (``analyze_saved``), as ``save_recording`` would have stored it."""
    per_write = max(1, round(CHUNK_S * rate_hz)) * 120
    pending: list[SampleBatch] = []
    waiting = 0  # samples in pending
    count, first, last = 0, 0, -1
    try:
        with written_whole(path, rate_hz, metadata) as writer:
            for item in source.stream():
                if not isinstance(item, SampleBatch) or not len(item):
                    continue
                if not count:
                    first = int(item.seq[0])
                count += len(item)
                last = int(item.seq[-1])
                pending.append(item)
                waiting += len(item)
                if waiting >= per_write:
                    batch = SampleBatch.concat(pending)
                    writer.append_all(batch.slice(0, per_write))
                    pending = [batch.slice(per_write, len(batch))]
                    waiting = len(batch) - per_write
            if waiting:
                writer.append_all(SampleBatch.concat(pending))
    finally:
        source.close()
    return count, first, last


def import_options(args: argparse.Namespace) -> ImportOptions:
    """What the command line says about a file that does not say it itself."""
    return ImportOptions(**{f.name: getattr(args, f.name) for f in
                            dataclasses.fields(ImportOptions) if hasattr(args, f.name)})


def cmd_import(args: argparse.Namespace) -> int:
    options = import_options(args)
    if args.output.suffix.lower() == ".csv":
        check_export_target(args.output, args.file, "imported")
        data = read_samples(args.file, options)
        kind = _save(args.output, data.samples, data.rate_hz,
                     recording_metadata(data, args.file, args.axes, args.drill))
    else:
        data = import_file(args.file, args.output, options, args.axes, args.drill).data
        kind = "recording"
    found = data.metadata
    timing = found["timing"]
    motion = ("orientation from the sensor's own fusion, acceleration rebuilt from it"
              if found.get("orientation_only") else
              f"acc in {found['acc_unit']}, gyro in {found['gyr_unit']}")
    lost = timing.get("missing_samples", 0)
    unreadable = timing.get("unreadable_rows", 0)
    repeated = timing.get("duplicate_rows_dropped", 0)
    glitches = timing.get("glitch_samples", 0)
    written_in = timing.get("written_in_samples", 0)
    slower = timing.get("gyroscope_interpolated_rows", 0)
    print(f"Imported {len(data.samples)} samples at {data.rate_hz:.4g} Hz from "
          f"{FORMATS[found['format']]} ({motion}; {found['clock']} clock"
          + (f"; {count_of(lost, 'sample')} lost, bridged like lost packets" if lost else "")
          + (f"; {count_of(unreadable, 'row')} without readable values left out"
             if unreadable else "")
          + (f"; {count_of(glitches, 'sample')} jumping away and straight back (a glitch) "
             "left out" if glitches else "")
          + (f"; {count_of(written_in, 'sample')} repeating or drawing a line between their "
             "neighbours exactly (written in by the logger, not measured) left out"
             if written_in else "")
          + (f"; the gyroscope, logged at a lower rate, interpolated in "
             f"{count_of(slower, 'row')}" if slower else "")
          + (f"; {count_of(repeated, 'row')} repeating an earlier one exactly left out"
             if repeated else "")
          + f") into {args.output} ({kind}).")
    return EXIT_OK


def open_source(path: Path, args: argparse.Namespace) -> Source:
    """A recording (replayed) or another file of samples, by content; a file named as a
    recording is always read as one (a damaged one is said so, not read as a CSV)."""
    if is_recording(path) or path.suffix.lower() == EXTENSION:
        return RecordingReplay(path, salvage=getattr(args, "salvage", False))
    return ImportedFile(path, import_options(args))


def _run_analysis(args: argparse.Namespace, keep_orientation: bool = False,
                  require_steps: bool = True):
    """Recompute everything from the raw samples with the current pipeline."""
    pipeline, analysis = analyze_source(
        open_source(args.file, args), drill=args.drill, side=args.side, axes=args.axes,
        threshold_deg=args.threshold, recalibrate=args.recalibrate,
        keep_orientation=keep_orientation, require_steps=require_steps)
    analysis.info = {"file": str(args.file), **analysis.info}
    return pipeline, analysis


def cmd_analyze(args: argparse.Namespace) -> int:
    _, analysis = _run_analysis(args)
    if args.json:
        print_json(analysis.to_dict())
    else:
        print(format_analysis(analysis, Path(args.file).name))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    check_export_target(Path(args.output), Path(args.file))
    if args.format == "samples-csv":  # the samples as read: no analysis needed
        source = open_source(args.file, args)
        rows = export_samples(Path(args.output), source_samples(source), source.info.rate_hz,
                              Path(args.file), source.info.details)
    else:
        pipeline, analysis = _run_analysis(
            args, keep_orientation=args.format == "sto",
            require_steps=args.format in ("steps-csv", "json"))
        rows = export_session(args.format, Path(args.output), pipeline, analysis,
                              Path(args.file))
    print(export_message(args.format, rows, Path(args.output)))
    return EXIT_OK


def cmd_app(parser: argparse.ArgumentParser) -> int:
    """``imu-monitor`` alone: the app, or the command list where no window can open."""
    if not has_display():
        print(f"No display found ({display_problem()}): the app needs a desktop; these "
              "commands work here:")
        parser.print_help()
        return EXIT_OK
    return run_app()


def cmd_demo(args: argparse.Namespace) -> int:
    _check_seconds(args.seconds)
    if not args.terminal and has_display():
        scenario = get_scenario(args.scenario)
        return run_app(connect=f"sim:{scenario.name}", drill=scenario.drill,
                       threshold_deg=args.threshold)
    if not args.terminal:
        print(f"No display found ({display_problem()}): showing the live demo in the terminal "
              "instead.")
    sensor = SimulatedSensor(args.scenario, args.seconds, rate_hz=100.0,
                             realtime=not args.fast)
    run_live(sensor, PipelineConfig(drill=get_scenario(args.scenario).drill,
                                    threshold_deg=args.threshold))
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    if not is_recording(args.file):
        raise InputDataError(f"{args.file} is not a recording (an .imurec file).")
    if has_display():
        return run_app(review=args.file)
    print(f"No display found ({display_problem()}): printing the analysis instead of opening "
          "the review screen.")
    _, analysis = analyze_source(RecordingReplay(args.file, salvage=False))
    print(format_analysis(analysis, Path(args.file).name))
    return EXIT_OK


def _live_source(args: argparse.Namespace) -> tuple[Source, str | None]:
    """The source of ``record`` / ``stream`` and, for a simulation, its scenario."""
    _check_seconds(args.seconds)
    _check_rate_and_seed(args.rate, getattr(args, "seed", 1))
    source = spec.open_source(args.source, realtime=not args.fast, seconds=args.seconds,
                              rate_hz=args.rate, seed=getattr(args, "seed", None))
    scenario = source.info.details.get("scenario") if source.info.kind == "simulated" else None
    return source, scenario


def _stop_after(source: Source, seconds: float | None) -> float | None:
    """A live sensor has no end of its own: ``--seconds`` stops it."""
    return seconds if source.info.kind == "ble" else None


def _new_recording(output: Path | None, folder: Path | None, patient: str | None,
                   rate_hz: float, meta: dict) -> RecordingWriter:
    """The recording asked for, or one under the default name in ``folder``: a recording
    started in the same second by another process may take that name between its choice
    and its creation, so the next free one is taken then."""
    if output is not None:
        return RecordingWriter(output, rate_hz, meta)
    assert folder is not None
    while True:
        path = default_recording_path(folder, patient)
        try:
            return RecordingWriter(path, rate_hz, meta)
        except RecordingError:
            if not path.exists():  # not taken meanwhile: a real problem
                raise


def cmd_record(args: argparse.Namespace) -> int:
    patient = _patient(args.patient)  # before any file work: the code names the file
    folder = None if args.output else prepared_recordings_folder()
    source, scenario = _live_source(args)
    drill = args.drill or (get_scenario(scenario).drill if scenario else "walk")
    if scenario:
        meta = {"source": f"sim:{scenario}", "device": _simulated_device()}
    else:
        meta = {"source": args.source, "device": _ble_device(source)}
    meta.update({"drill": drill, "side": args.side, "patient_id": patient,
                 "notes": args.notes or ""})
    if args.threshold is not None:  # the saved analysis counts steps over the one shown live
        meta["threshold_deg"] = args.threshold
    config = PipelineConfig(drill=drill, side=args.side, threshold_deg=args.threshold)
    try:
        writer = _new_recording(args.output, folder, patient, source.info.rate_hz, meta)
    except RecordingError:
        source.close()
        raise
    out = writer.path
    with writer:
        try:
            run_live(source, config, recorder=writer, publisher=_publisher(args, source),
                     stop_after_s=_stop_after(source, args.seconds), summary_title=None)
        except (CalibrationError, AnalysisError) as exc:  # the recording itself is fine
            print(f"imu-monitor: {exc}", file=sys.stderr)
    lost = f" ({writer.lost_samples} lost on the link, marked as gaps)" if (
        writer.lost_samples) else ""
    print(f"Saved {writer.samples_written} samples to {out}{lost}.")
    if writer.samples_written:
        analysis, problem = analyze_saved(out)
        if analysis is not None:
            print_summary(analysis, "Summary of the saved recording (whole-recording filter; "
                          "the live lines above may differ by a few tenths of a degree)")
        if problem:
            print(f"imu-monitor: {problem}", file=sys.stderr)
    return EXIT_OK


def cmd_stream(args: argparse.Namespace) -> int:
    source, scenario = _live_source(args)
    drill = args.drill or (get_scenario(scenario).drill if scenario else "walk")
    run_live(source, PipelineConfig(drill=drill, side=args.side, threshold_deg=args.threshold),
             stop_after_s=_stop_after(source, args.seconds), publisher=_publisher(args, source))
    return EXIT_OK


def _publisher(args: argparse.Namespace, source: Source):
    """The Lab Streaming Layer outlets, when asked for (docs/lsl.md)."""
    if not getattr(args, "lsl", False):
        return None
    from imu_monitor.lsl import LslPublisher

    try:
        return LslPublisher(source.info.name, source.info.rate_hz)
    except ImuMonitorError:
        source.close()
        raise


def cmd_scan(args: argparse.Namespace) -> int:
    from imu_monitor.link.ble import scan

    if not 0.5 <= args.timeout <= 60:
        raise InputDataError("--timeout is between 0.5 and 60 seconds.")
    sensors = scan(args.timeout)
    if args.json:
        print_json({"sensors": [dataclasses.asdict(s) for s in sensors]})
        return EXIT_OK
    print(f"{'name':24s} {'address':17s} {'signal':>8s} {'battery':>7s}  family")
    for s in sensors:
        battery = "—" if s.battery_percent is None else f"{s.battery_percent} %"
        print(f"{s.name:24s} {s.address:17s} {s.rssi_dbm:>4d} dBm {battery:>7s}  {s.family}")
    print(f"Stream one with: imu-monitor stream --source ble:{sensors[0].name}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    if args.file.suffix.lower() != EXTENSION and args.file.is_file() and \
            not is_recording(args.file):
        raise InputDataError(
            f"{args.file} is a file of samples, not a recording: info describes recordings "
            f"({EXTENSION}). `imu-monitor analyze {args.file}` reads it, and `imu-monitor "
            f"import {args.file} -o NAME{EXTENSION}` says what was read (rate, lost samples, "
            "units) and makes a recording of it.")
    rec = open_recording(args.file, salvage=args.salvage)
    print(format_info(rec))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    folder = Path(args.folder) if args.folder is not None else prepared_recordings_folder()
    if not folder.is_dir():
        raise InputDataError(f"The folder {folder} does not exist.")
    entries = [entry.to_json() for entry in list_recordings(folder)]
    if args.search:
        needle = args.search.lower()
        entries = [e for e in entries if needle in json.dumps(e).lower()]
    if args.json:
        print_json({"folder": str(folder), "recordings": entries})
    else:
        print(format_list(entries, folder))
    return EXIT_OK


def _ble_device(source: Source) -> dict:
    info = source.info
    return {"name": info.name, "address": info.details.get("address", ""),
            "model": info.model, "firmware": info.details.get("firmware", ""),
            "protocol": info.details.get("family", "")}


def _simulated_device() -> dict:
    return {"name": "Simulated sensor", "address": "", "model": "imu_monitor simulator",
            "firmware": __version__, "protocol": "simulated"}


def cmd_batch(args: argparse.Namespace) -> int:
    from imu_monitor.batch import BatchOptions, find_files, print_progress, run_batch

    if args.jobs < 1:
        raise InputDataError("--jobs is a whole number of 1 or more.")
    table, parquet = args.output, args.output.suffix.lower() == ".parquet"
    if parquet:
        table = args.output.with_suffix(".csv")  # the rows as they come; converted at the end
    for target in (table, args.steps):
        if target is not None:
            check_target(target)
    files = find_files(args.paths, (table, args.steps, args.output))
    if not files:
        raise InputDataError("No recordings or files of samples under "
                             + ", ".join(map(str, args.paths)) + ".")
    options = BatchOptions(drill=args.drill, axes=args.axes, threshold_deg=args.threshold,
                           recalibrate=args.recalibrate, import_options=import_options(args),
                           with_steps=args.steps is not None, salvage=args.salvage)
    with _dask_executor(args.scheduler) as executor:
        result = run_batch(files, table, options, jobs=args.jobs, force=args.force,
                           steps_table=args.steps, progress=print_progress, executor=executor)
    if parquet:
        _to_parquet(table, args.output)
    print(f"{result.analysed} analysed ({result.failed} with a problem, in their rows), "
          f"{result.skipped} already done, of {result.files} files, in {result.seconds:.0f} s "
          f"-> {args.output}" + (" (stopped with Ctrl-C: the table holds the files done)"
                                 if result.interrupted else "") + ".")
    if result.skipped_failed:  # a rerun with the options a problem asked for changes nothing
        print(f"{result.skipped_failed} of the files already done had a problem and were not "
              "analysed again: add --force to analyse every file again with the options given "
              "now.")
    return 130 if result.interrupted else 0


@contextlib.contextmanager
def _dask_executor(address: str | None):
    """A Dask cluster's executor (the same per-file function on its workers), or None."""
    if address is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputDataError("Running on a Dask cluster needs dask: install it with "
                             "pip install 'imu-monitor[dask]'.") from None
    cluster = LocalCluster(processes=True, threads_per_worker=1) if address == "local" else None
    try:
        with Client(cluster or address) as client:
            yield client.get_executor()
    finally:
        if cluster is not None:
            cluster.close()


def _to_parquet(table: Path, out: Path) -> None:
    try:
        import pyarrow.csv as pv
        import pyarrow.parquet as pq
    except ImportError:
        raise InputDataError(f"Writing .parquet needs pyarrow (pip install pyarrow); the rows "
                             f"are in {table}.") from None
    with guarded_path(out) as temporary:
        pq.write_table(pv.read_csv(table), temporary)

