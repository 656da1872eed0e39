"""What each ``imu-monitor`` subcommand does (the parser lives in :mod:`imu_monitor.cli.main`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from imu_monitor.cli.live import run_live
from imu_monitor.cli.main import print_json, require_output
from imu_monitor.cli.report import format_analysis
from imu_monitor.errors import InputDataError
from imu_monitor.export.angles_csv import write_angles_csv
from imu_monitor.export.opensim import heading_aligned, write_sto
from imu_monitor.pipeline import Pipeline, PipelineConfig
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.simulation.scenarios import SCENARIOS, get_scenario
from imu_monitor.sources.base import read_all
from imu_monitor.sources.csv_file import CsvFile, read_csv, write_csv
from imu_monitor.sources.simulated import SimulatedSensor


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.list:
        for sc in SCENARIOS.values():
            print(f"{sc.name:22s} {sc.description} (default {sc.default_seconds:g} s)")
        return 0
    out = require_output(args.output, "simulated session")
    if not 20 <= args.rate <= 2000:
        raise InputDataError("Choose a sample rate between 20 and 2000 Hz with --rate.")
    if not 0 <= args.packet_loss <= 0.5:
        raise InputDataError("--packet-loss is a fraction between 0 and 0.5.")
    if args.seconds is not None and not 5 <= args.seconds <= 6 * 3600:
        raise InputDataError("--seconds must be between 5 s and 6 hours.")
    if args.mounting != "random":
        parse_axes(args.mounting)
    get_scenario(args.scenario)
    sensor = SimulatedSensor(args.scenario, args.seconds, args.rate, args.seed,
                             packet_loss=args.packet_loss, mounting=args.mounting)
    received, _ = read_all(sensor)
    meta = {"source": f"simulated:{args.scenario}", "seed": args.seed}
    if args.mounting != "random":
        meta["axes"] = args.mounting
    write_csv(out, received, args.rate, meta)
    if args.truth:
        truth = sensor.truth
        args.truth.write_text(json.dumps({
            "scenario": args.scenario, "seed": args.seed, "rate_hz": args.rate,
            "pelvis_from_sensor": truth.pelvis_from_sensor.round(6).tolist(),
            "steps": truth.steps, "drills": truth.drills}, indent=1), encoding="utf-8")
    print(f"Wrote {len(received)} samples ({len(received) / args.rate:.1f} s) of "
          f"'{args.scenario}' to {out}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    data = read_csv(args.csv, args.acc_unit, args.gyr_unit)
    meta = {"source": f"import:{Path(args.csv).name}"}
    if args.axes:
        parse_axes(args.axes)
        meta["axes"] = args.axes
    elif "axes" in data.metadata:
        meta["axes"] = data.metadata["axes"]
    write_csv(args.output, data.samples, data.rate_hz, meta)
    print(f"Imported {len(data.samples)} samples at {data.rate_hz:.4g} Hz "
          f"(acc in {data.metadata['acc_unit']}, gyro in {data.metadata['gyr_unit']}) "
          f"into {args.output}.")
    return 0


def _run_analysis(args: argparse.Namespace, keep_orientation: bool = False):
    source = CsvFile(args.file, args.acc_unit, args.gyr_unit)
    metadata = source.info.details
    samples, _ = read_all(source)
    axes_spec = args.axes or metadata.get("axes")
    config = PipelineConfig(
        drill=args.drill,
        threshold_deg=args.threshold,
        axes=parse_axes(axes_spec) if axes_spec else None,
        side=args.side,
        keep_orientation=keep_orientation,
    )
    pipeline = Pipeline(source.info.rate_hz, config)
    pipeline.push(samples)
    analysis = pipeline.finish()
    analysis.info = {"file": str(args.file), "kind": source.info.kind,
                     **{k: v for k, v in metadata.items() if k in ("source", "axes")}}
    return pipeline, analysis


def cmd_analyze(args: argparse.Namespace) -> int:
    _, analysis = _run_analysis(args)
    if args.json:
        print_json(analysis.to_dict())
    else:
        print(format_analysis(analysis, Path(args.file).name))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    pipeline, analysis = _run_analysis(args, keep_orientation=args.format == "sto")
    valid = pipeline.valid.view
    if args.format == "angles-csv":
        rows = write_angles_csv(args.output, pipeline.rate_hz, pipeline.obliquity.view,
                                pipeline.tilt.view, pipeline.rotation.view, valid)
    else:
        assert pipeline.orientation is not None
        cal = analysis.calibration
        quat = heading_aligned(pipeline.orientation.view, cal.forward_sensor,
                               round(cal.still_end_s * pipeline.rate_hz) - 1)
        rows = write_sto(args.output, pipeline.rate_hz, quat, valid)
    print(f"Wrote {rows} rows ({args.format}) to {args.output}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    sensor = SimulatedSensor(args.scenario, args.seconds, rate_hz=100.0,
                             realtime=not args.fast)
    return run_live(sensor, PipelineConfig(threshold_deg=args.threshold))
