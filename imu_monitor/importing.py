"""Another device's file kept as one of our recordings: what ``imu-monitor import`` and the
app's File → Import both do.

The recording keeps the samples exactly as read (SI units, the file's own times, lost samples
as missing sequence numbers) and where they came from: the source file's name and format, the
clock used, what the timing showed, and the vendor's own description of the device (serial,
firmware, filter profile). It is analysed once saved, like a session recorded live, so the
library lists it with its numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from imu_monitor.analysis import analyze_saved
from imu_monitor.importers import FORMATS, ImportedSamples, ImportOptions, read_samples
from imu_monitor.processing.calibration import parse_axes
from imu_monitor.recording import EXTENSION
from imu_monitor.recording.writer import written_whole
from imu_monitor.samples import SampleBatch


@dataclass(frozen=True)
class ImportResult:
    """What was read and where it went."""

    output: Path
    data: ImportedSamples
    metadata: dict  # as stored in the recording
    analysis_problem: str | None  # why the saved recording has no analysis, if it has none


def recording_metadata(data: ImportedSamples, source: Path, axes: str | None = None,
                       drill: str | None = None) -> dict:
    """The recording's metadata for samples imported from ``source``."""
    found = data.metadata
    vendor = found.get("vendor", {})
    meta: dict = {
        "source": f"import:{source.name}",
        "device": {"name": str(vendor.get("serial") or source.name),
                   "model": str(vendor.get("model") or FORMATS[found["format"]]),
                   "protocol": found["format"]},
        "import": {"file": source.name, "format": found["format"],
                   "imported_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                   **{k: found[k] for k in ("clock", "timing", "acc_unit", "gyr_unit", "vendor")
                      if k in found}},
    }
    if vendor.get("firmware"):
        meta["device"]["firmware"] = str(vendor["firmware"])
    if found.get("start_utc"):
        meta["created_utc"] = found["start_utc"]  # when the session happened, not the import
    axes = axes or found.get("axes")
    if axes:
        parse_axes(axes)
        meta["axes"] = axes
    for key in ("drill", "side"):  # our own CSV may say what was done
        if found.get(key):
            meta[key] = found[key]
    if drill:
        meta["drill"] = drill
    return meta


def save_recording(path: Path, samples: SampleBatch, rate_hz: float, metadata: dict
                   ) -> str | None:
    """Write samples given in one go as a recording (a partial one is removed), then analyse
    and store it as every saved recording is; returns why there is no analysis, or why it
    could not be stored, if so."""
    with written_whole(path, rate_hz, metadata) as writer:
        writer.append_all(samples)
    return analyze_saved(path)[1]


def import_file(source: Path, output: Path, options: ImportOptions | None = None,
                axes: str | None = None, drill: str | None = None) -> ImportResult:
    """Read ``source`` in whatever supported format it is and save it as a recording."""
    data = read_samples(source, options)
    meta = recording_metadata(data, source, axes, drill)
    problem = save_recording(output, data.samples, data.rate_hz, meta)
    return ImportResult(output, data, meta, problem)


def imported_recording_path(folder: Path, source: Path) -> Path:
    """A new recording's name in ``folder`` after the source file (never an existing one)."""
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in source.stem)[:60] or "import"
    path = Path(folder) / f"{stem}{EXTENSION}"
    counter = 2
    while path.exists():
        path = Path(folder) / f"{stem}-{counter}{EXTENSION}"
        counter += 1
    return path
