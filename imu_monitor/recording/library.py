"""The session library: every recording in a folder with its headline numbers, read from the
headers alone (no samples), for ``imu-monitor list`` and the app's Review screen alike.

A file that cannot be read is listed with the reason, and a recording whose description is
damaged with what is sound: one bad file never hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from imu_monitor.errors import ImuMonitorError
from imu_monitor.recording.metadata import describe_problems
from imu_monitor.recording.reader import read_header
from imu_monitor.recording.schema import EXTENSION

NOT_CLOSED = ("Not closed normally: still being recorded, or the program or the computer "
              "stopped while recording. It holds what was saved up to then; keep any -wal "
              "file beside it with it (it holds the last half-minute).")


@dataclass(frozen=True)
class LibraryEntry:
    """One recording as the library shows it (``unreadable``: why it could not be read)."""

    path: Path
    created_utc: str | None = None
    patient_id: str | None = None
    drill: str | None = None
    side: str | None = None
    duration_s: float | None = None
    samples: int | None = None
    lost_samples: int | None = None
    markers: int | None = None
    notes: str | None = None
    headline: dict | None = None
    analysis_problem: str | None = None
    damaged: list[str] = field(default_factory=list)  # metadata entries left out, why
    closed: bool = True  # False: still being recorded, or stopped by a crash
    unreadable: str | None = None

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def problem(self) -> str | None:
        """What is wrong with it, in a sentence, if anything."""
        if self.unreadable:
            return self.unreadable
        if self.damaged:
            return describe_problems(self.file, self.damaged)
        if not self.closed:
            return NOT_CLOSED
        return self.analysis_problem

    def to_json(self) -> dict:
        """The entry of ``imu-monitor list --json`` (docs/cli.md)."""
        if self.unreadable is not None:
            return {"file": self.file, "problem": self.unreadable}
        entry = {"file": self.file, "created_utc": self.created_utc,
                 "patient_id": self.patient_id, "drill": self.drill, "side": self.side,
                 "duration_s": None if self.duration_s is None else round(self.duration_s, 1),
                 "samples": self.samples, "lost_samples": self.lost_samples,
                 "markers": self.markers, "headline": self.headline,
                 "analysis_problem": self.analysis_problem, "closed": self.closed}
        if self.damaged:
            entry["damaged"] = self.damaged
        return entry


def read_entry(path: Path) -> LibraryEntry:
    """One recording's entry (never raises for a file that is not a readable recording)."""
    try:
        header = read_header(path)
    except ImuMonitorError as exc:
        return LibraryEntry(Path(path), unreadable=str(exc))
    meta = header["metadata"]
    return LibraryEntry(
        Path(path), created_utc=meta.get("created_utc"), patient_id=meta.get("patient_id"),
        drill=meta.get("drill"), side=meta.get("side"), duration_s=header["duration_s"],
        samples=header["samples"], lost_samples=header["lost_samples"],
        markers=header["markers"], notes=meta.get("notes"), headline=meta.get("headline"),
        analysis_problem=meta.get("analysis_problem"), damaged=list(header["problems"]),
        closed=header["finished"])


def list_recordings(folder: Path) -> list[LibraryEntry]:
    """Every recording in ``folder``, oldest first (an unknown date sorts first)."""
    entries = [read_entry(path) for path in sorted(Path(folder).glob(f"*{EXTENSION}"))]
    entries.sort(key=lambda e: e.created_utc or "")
    return entries
