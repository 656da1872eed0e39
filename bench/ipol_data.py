"""Reader for the IPOL lower-back gait reference set (Voisard et al., IPOL 2023, article 497).

The data set is not part of this repository; give its folder on the command line.

Its event indices count packets (``PacketCounter`` from the first row), not rows: the lower-back
file lacks the packets its counter skips (Awinda radio losses, up to 10 % of a trial, mostly
after the U-turn), and events run past its last row. Each event is moved to its packet's row
(or the next row kept); read as row numbers, the events drift by up to 0.4 s late in a trial.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imu_monitor.importers import ImportOptions, read_columns
from imu_monitor.importers.assemble import assemble


@dataclass
class IpolTrial:
    """One trial: raw lower-back samples and the hand-checked initial contacts (sample indices)."""

    name: str
    rate_hz: float
    acc: np.ndarray
    gyr: np.ndarray
    left_ic: np.ndarray
    right_ic: np.ndarray
    trial_bounds: tuple[int, int]
    first_foot_off: int  # the first foot event of the walk (a toe-off)
    uturn_bounds: tuple[int, int]


def load_trial(lb_file: Path) -> IpolTrial:
    """Read ``S-T_lb.txt`` (an Xsens export, read as ``imu-monitor import`` reads it) and its
    ``S-T.json``."""
    columns = read_columns(lb_file, ImportOptions())
    data = assemble(columns)
    assert columns.counter is not None
    packet = columns.counter - columns.counter[0]
    meta = json.loads(lb_file.with_name(lb_file.name.replace("_lb.txt", ".json")).read_text())

    def rows(events: list) -> np.ndarray:
        """Packet numbers → row indices (a lost packet's event goes to the next row)."""
        return np.searchsorted(packet, np.asarray(events, dtype=int).reshape(-1))

    return IpolTrial(
        name=lb_file.name.replace("_lb.txt", ""),
        rate_hz=data.rate_hz,
        acc=np.ascontiguousarray(data.samples.acc),
        gyr=np.ascontiguousarray(data.samples.gyr),
        left_ic=rows([e[1] for e in meta["LeftFootEvents"]]),
        right_ic=rows([e[1] for e in meta["RightFootEvents"]]),
        trial_bounds=tuple(int(i) for i in rows(meta["TrialBoundaries"])),
        first_foot_off=int(rows([min(e[0] for e in meta["LeftFootEvents"]
                                     + meta["RightFootEvents"])])[0]),
        uturn_bounds=tuple(int(i) for i in rows(meta["UTurnBoundaries"])),
    )


def load_all(folder: Path) -> list[IpolTrial]:
    """All trials of the folder, sorted by name."""
    return [load_trial(p) for p in sorted(Path(folder).glob("*_lb.txt"))]
