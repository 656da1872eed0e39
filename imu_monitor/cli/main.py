"""``imu-monitor``: the app, and simulate, import, analyze, export, record, review from a shell.

Names, options and JSON fields here are a public interface (docs/cli.md): extend, never rename.
Every expected problem ends with a sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path

from imu_monitor import __version__
from imu_monitor.cli import console
from imu_monitor.cli.output import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USER_ERROR,
    interrupts_held,
)
from imu_monitor.drills import DRILLS
from imu_monitor.errors import ImuMonitorError, StorageError
from imu_monitor.export.session import EXPORT_FORMATS
from imu_monitor.importers import FORMATS
from imu_monitor.logs import fault_message
from imu_monitor.recording.storage_words import file_reason
from imu_monitor.simulation.scenarios import SCENARIOS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imu-monitor",
        description="Pelvic drop (Trendelenburg sign) from a sacral IMU: live, from recordings, "
                    "and from simulated sessions.",
    )
    parser.add_argument("--version", action="version", version=f"imu-monitor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("simulate", help="write a simulated session with known pelvic drop",
                       description="Simulate a sacral IMU during a clinic session and write it "
                                   "as a recording (or as CSV if OUTPUT ends in .csv).")
    p.add_argument("--scenario", default="trendelenburg-right",
                   help="what the patient does (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--seconds", type=float, help="length of the main part (default: scenario's)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    p.add_argument("--rate", type=float, default=100.0, help="sample rate in Hz (default 100)")
    p.add_argument("--mounting", default=None,
                   help="sensor mounting: 'random' or an axes spec like x=up,y=right,z=forward "
                        "(default: the scenario's own, random but for pitched-sensor)")
    p.add_argument("--packet-loss", type=float, default=0.0,
                   help="fraction of 10-sample packets lost (0–0.5)")
    p.add_argument("--truth", type=Path, help="also write the ground truth (JSON) here")
    p.add_argument("-o", "--output", type=Path, help="output file")

    p = sub.add_parser("import", help="convert another device's file to a recording",
                       description="Read a file of samples — our CSV, an Xsens MT Manager or "
                                   "Movella DOT app export, a WitMotion export, an APDM Opal "
                                   ".h5, an Android logger's CSV of one sensor a row, or "
                                   "any CSV with --columns — recognised from its "
                                   "content, and write a recording (or our CSV form if OUTPUT "
                                   "ends in .csv).")
    p.add_argument("file", type=Path, metavar="FILE",
                   help="the file to import: our CSV, an Xsens, Movella DOT or WitMotion "
                        "export, an APDM .h5, or any CSV with --columns")
    _file_options(p)
    _axes(p)
    p.add_argument("--drill", choices=list(DRILLS), help="what the patient did")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file")

    p = sub.add_parser("analyze", help="per-step pelvic drop and summary of a recording",
                       description="Analyse a recording or a CSV of samples, always from the "
                                   "raw samples with the current algorithms.")
    p.add_argument("file", type=Path,
                   help="a recording (.imurec) or a file of samples (any format import reads)")
    p.add_argument("--json", action="store_true", help="print the JSON document instead")
    _analysis_options(p)

    p = sub.add_parser("export", help="export samples, angles, steps, JSON, .sto or a report",
                       description="samples-csv: the raw samples; angles-csv: time_s,"
                                   "obliquity_deg,tilt_deg,rotation_deg; steps-csv: one row per "
                                   "step; json: the analyze --json document; sto: OpenSim/"
                                   "OpenSense orientations (pelvis_imu, w,x,y,z); report-pdf, "
                                   "report-png: the clinician's one-page report.")
    p.add_argument("file", type=Path,
                   help="a recording (.imurec) or a file of samples (any format import reads)")
    p.add_argument("--format", required=True, choices=list(EXPORT_FORMATS),
                   help="what to write (see above)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file")
    _analysis_options(p)

    p = sub.add_parser("record", help="record a session without the app (headless)",
                       description="Record from a sensor into a crash-safe recording, showing "
                                   "each step live; Ctrl-C stops and saves.")
    p.add_argument("--source", default="sim",
                   help="sim or sim:SCENARIO (the simulated sensor, paced in real time), or "
                        "ble:ADDRESS_OR_NAME (a Bluetooth sensor)")
    p.add_argument("--seconds", type=float, help="simulated session length (default: "
                                                 "the scenario's); for a sensor: stop after")
    p.add_argument("--rate", type=float, default=100.0,
                   help="sample rate, Hz (a sensor: the nearest it offers)")
    p.add_argument("--seed", type=int, default=1, help="simulated session seed")
    p.add_argument("--fast", action="store_true", help="do not pace the simulated sensor")
    p.add_argument("--drill", choices=list(DRILLS), help="what the patient does")
    p.add_argument("--side", choices=["left", "right"], help="tested leg (single-leg drills)")
    p.add_argument("--patient", help="pseudonymous patient code (never a name)")
    p.add_argument("--notes", help="free text stored with the recording")
    p.add_argument("--lsl", action="store_true",
                   help="also publish raw samples, pelvic angles and steps to Lab Streaming "
                        "Layer (needs the extra 'lsl')")
    p.add_argument("--threshold", type=float, help="drop threshold in degrees")
    p.add_argument("-o", "--output", type=Path,
                   help="recording file (default DATE-PATIENT.imurec in your recordings "
                        "folder: see imu-monitor list)")

    p = sub.add_parser("scan", help="list the Bluetooth sensors nearby",
                       description="Scan for sensors of the known families (our profile v1, "
                                   "WitMotion, Movella DOT): name, address, signal, battery, "
                                   "family.")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to listen (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON instead")

    p = sub.add_parser("stream", help="live pelvic drop per step from a sensor, no recording",
                       description="Stream a source through the live pipeline and print each "
                                   "step as it happens; Ctrl-C stops and prints the summary.")
    p.add_argument("--source", default="sim",
                   help="ble:ADDRESS_OR_NAME, sim or sim:SCENARIO (default sim)")
    p.add_argument("--seconds", type=float,
                   help="stop after this many seconds (simulated: session length)")
    p.add_argument("--rate", type=float, default=100.0,
                   help="sample rate, Hz (a sensor: the nearest it offers)")
    p.add_argument("--fast", action="store_true", help="do not pace the simulated sensor")
    p.add_argument("--drill", choices=list(DRILLS), help="what the patient does")
    p.add_argument("--side", choices=["left", "right"], help="tested leg (single-leg drills)")
    p.add_argument("--lsl", action="store_true",
                   help="also publish raw samples, pelvic angles and steps to Lab Streaming "
                        "Layer (needs the extra 'lsl')")
    p.add_argument("--threshold", type=float, help="drop threshold in degrees")

    p = sub.add_parser("batch", help="analyse whole folders into one table (in parallel)",
                       description="Analyse every recording and file of samples under the "
                                   "PATHs (folders searched to any depth) into one table: a "
                                   "row per file, written as each is done; a file that fails "
                                   "gets its reason in its row; a rerun skips files already "
                                   "in the table (by content) unless --force.")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                   help="recordings, files of samples, or folders of them")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="the table: .csv (or .parquet, with pyarrow installed)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="files analysed at once (default: the number of cores)")
    p.add_argument("--force", action="store_true", help="analyse again files already done")
    p.add_argument("--steps", type=Path, metavar="FILE",
                   help="also write every step of every file to this CSV")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster (tcp://HOST:PORT), or 'local' for one on this "
                        "machine (needs the extra 'dask')")
    p.add_argument("--drill", choices=list(DRILLS),
                   help="what the patients did (default: each recording's, else walk)")
    p.add_argument("--recalibrate", action="store_true",
                   help="find each calibration again instead of using the stored one")
    p.add_argument("--threshold", type=float, default=None,
                   help="drop threshold / tolerance in degrees (default: the drill's)")
    p.add_argument("--salvage", action="store_true",
                   help="read damaged recordings' intact parts (files that failed before are "
                        "analysed again)")
    _axes(p)
    _file_options(p)

    p = sub.add_parser("info", help="what a recording holds",
                       description="Device, duration, samples, lost packets, markers, drill, "
                                   "patient of one recording.")
    p.add_argument("file", type=Path, help="a recording (.imurec)")
    p.add_argument("--salvage", action="store_true", help="read a damaged file's intact parts")

    p = sub.add_parser("list", help="the recordings in a folder, with their headline numbers",
                       description="Date, patient, drill, duration and headline numbers of "
                                   "every recording in FOLDER (default: the recordings folder "
                                   "in your user data folder, or IMU_MONITOR_RECORDINGS).")
    p.add_argument("folder", nargs="?", type=Path,
                   help="the folder of recordings (default: your recordings folder)")
    p.add_argument("--search", help="only recordings whose entry contains this text")
    p.add_argument("--json", action="store_true", help="print JSON instead")

    p = sub.add_parser("demo", help="the app, connected to the simulated sensor (real time)",
                       description="Open the app connected to the simulated sensor, paced in "
                                   "real time. Without a display (or with --terminal) the live "
                                   "view runs in the terminal instead: each step as it happens.")
    p.add_argument("--scenario", default="trendelenburg-right",
                   help="what the simulated patient does (imu-monitor simulate --list)")
    p.add_argument("--seconds", type=float, default=None,
                   help="terminal view: length of the session (default: the scenario's)")
    p.add_argument("--fast", action="store_true",
                   help="terminal view: do not wait, run as fast as possible")
    p.add_argument("--threshold", type=float, default=None, help="drop threshold in degrees")
    p.add_argument("--terminal", action="store_true",
                   help="the terminal view even when a display is available")

    p = sub.add_parser("review", help="open a recording in the app's review screen",
                       description="Open FILE in the app (replay, scrub, steps, exports). "
                                   "Without a display the analysis is printed instead.")
    p.add_argument("file", type=Path, help="a recording (.imurec)")
    return parser


def _file_options(p: argparse.ArgumentParser) -> None:
    """What a file that is not a recording may need said about it (docs/cli.md, import)."""
    p.add_argument("--input-format", choices=list(FORMATS), default="auto",
                   help="the input file's format (default: recognised from its content)")
    p.add_argument("--acc-unit", choices=["m/s2", "g", "mg"],
                   help="accelerometer unit, where the file does not say it")
    p.add_argument("--gyr-unit", choices=["deg/s", "rad/s", "mdps"],
                   help="gyroscope unit, where the file does not say it")
    p.add_argument("--columns", metavar="MAP",
                   help="column map of any other CSV, e.g. time=Timestamp,acc=AccX:AccY:AccZ,"
                        "gyr=GyrX:GyrY:GyrZ (optional mag=X:Y:Z, quat=W:X:Y:Z); a file without a "
                        "header by column number: time=1,acc=2:3:4,gyr=5:6:7")
    p.add_argument("--time-unit", choices=["s", "ms", "us", "ns"],
                   help="unit of a mapped time column (default: found from its spacing)")
    p.add_argument("--delimiter", type=_delimiter,
                   help="column separator of a mapped CSV: ',', ';' or 'tab' (default: found)")
    p.add_argument("--decimal-comma", action="store_true",
                   help="numbers are written with a decimal comma (0,981)")
    p.add_argument("--sensor", metavar="NAME",
                   help="which sensor of a file holding several (APDM label or case id, "
                        "WitMotion device name)")
    p.add_argument("--rate", dest="rate_hz", type=float, metavar="HZ",
                   help="sample rate of a file that gives no times")


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "space": " "}
    value = named.get(text.lower(), text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError("give one character, or tab, comma, semicolon, space")
    return value


def _axes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--axes", help="declared mounting: the body direction each sensor axis points "
                                  "to when standing, e.g. x=up,y=right,z=forward")


def _analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--drill", choices=list(DRILLS),
                   help="what the patient did (default: the recording's, else walk)")
    p.add_argument("--recalibrate", action="store_true",
                   help="find the calibration again instead of using the stored one")
    p.add_argument("--salvage", action="store_true",
                   help="analyse a damaged recording's intact parts")
    p.add_argument("--side", choices=["left", "right"],
                   help="stance leg for single-leg drills (default: found from the weight shift)")
    p.add_argument("--threshold", type=float, default=None,
                   help="drop threshold / tolerance in degrees (default: the drill's)")
    _axes(p)
    _file_options(p)


def main(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    """Run one command; its exit status: 0 done, 1 failure (a file could not be written or
    read, a fault of ours), 2 bad input (said in a sentence), 130 interrupted before done.
    Ctrl-C is the normal way to stop ``record``, ``stream`` and ``demo``: that is done (0).

    The signal handlers a live session changed are put back for a caller that goes on
    (``exiting`` False); the command's own process, about to exit, keeps them: a second
    Ctrl-C that came just after a quick save had met the handlers put back and turned a
    saved session's status 0 into 130 "stopped"."""
    console.install()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _run(argv)
    finally:
        for signum, handler in ({} if exiting else handlers).items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with interrupts_held():  # numerics load only when a command runs
        from imu_monitor.cli import commands

    if args.command is None:
        return commands.cmd_app(parser)

    try:
        return int(getattr(commands, f"cmd_{args.command}")(args) or 0)
    except StorageError as exc:  # a file could not be written: not the request's fault
        print(f"imu-monitor: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except ImuMonitorError as exc:
        print(f"imu-monitor: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("imu-monitor: stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"imu-monitor: cannot write or read a file: {file_reason(exc)} "
              f"({exc.filename or ''}).", file=sys.stderr)
        return EXIT_FAILURE
    except MemoryError:
        print("imu-monitor: this computer does not have the memory for that file; try it on "
              "a machine with more memory, or split the recording.", file=sys.stderr)
        return EXIT_FAILURE
    except Exception:  # a fault of ours: words here, the traceback in the log
        print(f"imu-monitor: {fault_message(f'running imu-monitor {args.command}')}",
              file=sys.stderr)
        return EXIT_FAILURE


__all__ = ["SCENARIOS", "main"]
