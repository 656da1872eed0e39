"""Tidy CSV of steps: one row per step, the JSON per-step fields as columns."""

from __future__ import annotations

import csv
from pathlib import Path

from imu_monitor.processing.metrics import Step

COLUMNS = ["time_s", "side", "peak_drop_deg", "peak_time_s", "step_time_s", "bout",
           "over_threshold", "counted", "note"]


def write_steps_csv(path: str | Path, steps: list[Step]) -> int:
    """Write the steps; an unknown step time or peak is an empty cell, and a step left out
    of the summaries says why in ``note``. Returns the row count."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for step in steps:
            row = step.to_dict()
            writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return len(steps)
