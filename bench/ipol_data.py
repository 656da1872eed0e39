"""Reader for the IPOL lower-back gait reference set (Voisard et al., IPOL 2023, article 497).

The data set is not part of this repository; give its folder on the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imu_monitor.importers import read_samples


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
    data = read_samples(lb_file)
    meta = json.loads(lb_file.with_name(lb_file.name.replace("_lb.txt", ".json")).read_text())
    return IpolTrial(
        name=lb_file.name.replace("_lb.txt", ""),
        rate_hz=data.rate_hz,
        acc=np.ascontiguousarray(data.samples.acc),
        gyr=np.ascontiguousarray(data.samples.gyr),
        left_ic=np.array([e[1] for e in meta["LeftFootEvents"]], dtype=int),
        right_ic=np.array([e[1] for e in meta["RightFootEvents"]], dtype=int),
        trial_bounds=tuple(meta["TrialBoundaries"]),
        first_foot_off=int(min(e[0] for e in meta["LeftFootEvents"] + meta["RightFootEvents"])),
        uturn_bounds=tuple(meta["UTurnBoundaries"]),
    )


def load_all(folder: Path) -> list[IpolTrial]:
    """All trials of the folder, sorted by name."""
    return [load_trial(p) for p in sorted(Path(folder).glob("*_lb.txt"))]
