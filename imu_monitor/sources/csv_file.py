"""Generic CSV of IMU samples: read (with declared units) and write (our canonical form).

Header ``time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z`` (optional ``mag_x..z``,
``quat_w..z``); any column order; lines starting with ``#`` are comments, and comments of the
form ``# key: value`` carry metadata (``rate_hz``, ``axes``, ``acc_unit``, ``gyr_unit``...).
Files we write are always in m/s² and rad/s and say so in those comments.

Reading takes the times as they come: ``timing.place_samples`` puts every row on the sensor's
sample grid (its slot is the sequence number; ``time_s`` stays the file's own time), finds
the true rate, drops repeated rows and counts lost samples; ``rate_hz`` in the comments is
only the nominal rate. Units are converted here, once, and ``units.check_units`` refuses
declarations the data contradict; nothing downstream sees g or deg/s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imu_monitor.errors import InputDataError
from imu_monitor.samples import SampleBatch, StatusEvent
from imu_monitor.sources.base import SourceInfo
from imu_monitor.sources.timing import place_samples
from imu_monitor.sources.units import ACC_UNITS, GYR_UNITS, check_units, unit_name

REQUIRED = ["time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
MAG = ["mag_x", "mag_y", "mag_z"]
QUAT = ["quat_w", "quat_x", "quat_y", "quat_z"]
MIN_RATE_HZ, MAX_RATE_HZ = 20.0, 2000.0
FORMAT_LINE = "# imu_monitor samples v1"


@dataclass
class CsvSamples:
    """Samples of a CSV file in SI units plus what its comments declared."""

    samples: SampleBatch
    rate_hz: float
    metadata: dict = field(default_factory=dict)


def read_csv(path: str | Path, acc_unit: str | None = None, gyr_unit: str | None = None
             ) -> CsvSamples:
    """Read and check a CSV; units default to what the file declares, else m/s² and rad/s."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputDataError(f"The file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputDataError(f"The file {path} cannot be read as text ({exc}).") from None
    lines = text.splitlines()
    metadata, header_at, columns = _header(lines, path)
    data = _numbers(lines, header_at, len(columns), path)
    if len(data) < 2:
        raise InputDataError(f"The file {path} holds fewer than two samples: nothing to analyse.")
    if not np.all(np.isfinite(data)):
        row = int(np.flatnonzero(~np.all(np.isfinite(data), axis=1))[0])
        raise InputDataError(f"Sample {row + 1} of {path} has an empty or invalid value.")
    declared_rate = _declared_rate(metadata, path)
    placement = place_samples(data[:, columns.index("time_s")], data, declared_rate, str(path))
    rate = placement.rate_hz
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise InputDataError(
            f"{path} is sampled at {rate:.3g} Hz; the analysis needs {MIN_RATE_HZ:g}–"
            f"{MAX_RATE_HZ:g} Hz. Is time_s really in seconds?"
        )
    col = {name: data[placement.kept, columns.index(name)] for name in columns}
    acc_unit = unit_name(acc_unit or metadata.get("acc_unit", "m/s2"), ACC_UNITS, "--acc-unit")
    gyr_unit = unit_name(gyr_unit or metadata.get("gyr_unit", "rad/s"), GYR_UNITS, "--gyr-unit")
    acc = np.stack([col["acc_x"], col["acc_y"], col["acc_z"]], axis=1) * ACC_UNITS[acc_unit]
    gyr = np.stack([col["gyr_x"], col["gyr_y"], col["gyr_z"]], axis=1) * GYR_UNITS[gyr_unit]
    check_units(acc, gyr, placement.slots, rate, acc_unit, gyr_unit, str(path))
    mag = np.stack([col[c] for c in MAG], axis=1) if all(c in col for c in MAG) else None
    quat = np.stack([col[c] for c in QUAT], axis=1) if all(c in col for c in QUAT) else None
    t = col["time_s"]
    samples = SampleBatch(t - t[0], placement.slots, acc, gyr, mag, quat)
    metadata.update({"acc_unit": acc_unit, "gyr_unit": gyr_unit,
                     "timing": placement.summary(declared_rate)})
    return CsvSamples(samples, rate, metadata)


def _header(lines: list[str], path: Path) -> tuple[dict, int, list[str]]:
    """The ``# key: value`` comments before the header, the header's line and its columns."""
    metadata: dict = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep:
                metadata[key.strip()] = value.strip()
            continue
        columns = [c.strip().lower() for c in stripped.split(",")]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputDataError(
                f"The file {path} lacks the column(s) {', '.join(missing)}. A CSV of samples "
                f"needs the header {','.join(REQUIRED)} (mag_x..z and quat_w..z are optional)."
            )
        return metadata, i, columns
    raise InputDataError(f"The file {path} is empty: it holds no header and no samples.")


def _declared_rate(metadata: dict, path: Path) -> float | None:
    """The ``# rate_hz:`` comment, if any: the nominal rate the times are checked against."""
    if "rate_hz" not in metadata:
        return None
    try:
        rate = float(metadata["rate_hz"])
    except ValueError:
        rate = np.nan
    if not 0 < rate < np.inf:
        raise InputDataError(f"The rate_hz comment in {path} is not a rate in Hz: "
                             f"'{metadata['rate_hz']}'. Write it like '# rate_hz: 100'.")
    return rate


def _numbers(lines: list[str], header_at: int, width: int, path: Path) -> np.ndarray:
    body = [ln for ln in lines[header_at + 1:] if ln.strip() and not ln.lstrip().startswith("#")]
    try:
        data = np.loadtxt(body, delimiter=",", ndmin=2, dtype=float) if body else np.zeros(
            (0, width))
    except ValueError:
        for k, ln in enumerate(body):
            parts = ln.split(",")
            try:
                if len(parts) != width:
                    raise ValueError
                [float(p) for p in parts]
            except ValueError:
                raise InputDataError(
                    f"Sample {k + 1} of {path} is not a row of {width} numbers: '{ln[:60]}'."
                ) from None
        raise InputDataError(f"{path} holds values that are not plain decimal numbers; "
                             "export it again as a plain CSV.") from None
    if data.shape[1] != width:
        raise InputDataError(f"The rows of {path} do not have the {width} columns of its header.")
    return data


def write_csv(path: str | Path, samples: SampleBatch, rate_hz: float,
              metadata: dict | None = None) -> None:
    """Write samples in the canonical form (SI units, metadata comments)."""
    meta = {"rate_hz": f"{rate_hz:g}", "acc_unit": "m/s2", "gyr_unit": "rad/s"}
    meta.update({k: str(v) for k, v in (metadata or {}).items()})
    columns = list(REQUIRED)
    parts = [samples.time_s[:, None], samples.acc, samples.gyr]
    fmt = ["%.6f"] + ["%.10g"] * 6  # 10 significant digits: the float32 of any sensor, exactly
    if samples.mag is not None:
        columns += MAG
        parts.append(samples.mag)
        fmt += ["%.6g"] * 3
    if samples.quat is not None:
        columns += QUAT
        parts.append(samples.quat)
        fmt += ["%.7f"] * 4
    header = "\n".join([FORMAT_LINE] + [f"# {k}: {v}" for k, v in meta.items()]
                       + [",".join(columns)])
    np.savetxt(path, np.hstack(parts), fmt=fmt, delimiter=",", header=header, comments="")


class CsvFile:
    """A CSV file as a source (one batch: a file has no link)."""

    def __init__(self, path: str | Path, acc_unit: str | None = None,
                 gyr_unit: str | None = None) -> None:
        self.data = read_csv(path, acc_unit, gyr_unit)
        self.info = SourceInfo("csv", Path(path).name, self.data.rate_hz, "CSV file",
                               dict(self.data.metadata))

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        yield self.data.samples

    def close(self) -> None:
        """Nothing to release: the file was read at once."""
