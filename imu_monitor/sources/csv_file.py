"""Files of samples as a source, and our own CSV form written.

Reading any supported file (our CSV, Xsens, Movella DOT, WitMotion, APDM, a mapped CSV) is
``importers.read_samples``; ``ImportedFile`` hands its samples to the pipeline like any other
source. ``write_csv`` writes our CSV form: m/s², rad/s, metadata comments (docs/cli.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from imu_monitor.importers import FORMATS, ImportOptions, read_samples
from imu_monitor.importers.own_csv import FORMAT_LINE, MAG, QUAT, REQUIRED
from imu_monitor.samples import SampleBatch, StatusEvent
from imu_monitor.sources.base import SourceInfo, packets


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


class ImportedFile:
    """A file of samples as a source: one batch for analysis (a file has no link), or
    packets paced at ``speed`` times real time to play it like a live sensor."""

    def __init__(self, path: str | Path, options: ImportOptions | None = None,
                 speed: float | None = None, packet_samples: int = 10) -> None:
        self.data = read_samples(path, options)
        self.speed, self.packet_samples = speed, packet_samples
        self._closed = False
        fmt = self.data.metadata["format"]
        self.info = SourceInfo("csv" if fmt == "imu-monitor" else fmt, Path(path).name,
                               self.data.rate_hz, FORMATS[fmt], dict(self.data.metadata))

    def stream(self) -> Iterator[SampleBatch | StatusEvent]:
        if self.speed is None:
            yield self.data.samples
        else:
            yield from packets(self.data.samples, self.packet_samples, self.speed,
                               lambda: self._closed)

    def close(self) -> None:
        """Nothing to release (the file was read at once): a paced play stops."""
        self._closed = True
