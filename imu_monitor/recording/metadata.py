"""A recording's metadata read through one schema: types, ranges and units checked.

The samples are the truth; the metadata only describes them. So a recording whose metadata
is wrong — a type confused by another program, a hand edit, a bug of an older version — still
opens: each entry that fails its check is left out (the analysis then finds what it needs
from the samples: calibration, drill defaults) and said in a sentence, and a list of
recordings shows that row as damaged instead of failing for the whole folder.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from imu_monitor.drills import DRILLS
from imu_monitor.errors import ImuMonitorError
from imu_monitor.processing.calibration import Calibration, parse_axes

MAX_TEXT = 10_000  # characters of free text kept (notes)


def _text(limit: int = 200) -> Callable[[object], bool]:
    return lambda v: isinstance(v, str) and len(v) <= limit


def _number(low: float, high: float) -> Callable[[object], bool]:
    return lambda v: (isinstance(v, int | float) and not isinstance(v, bool)
                      and math.isfinite(v) and low <= v <= high)


def _whole(low: int, high: int) -> Callable[[object], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _parses(kind: type, parse: Callable[[object], object], *errors: type[Exception]
            ) -> Callable[[object], bool]:
    """A check: a ``kind`` value that ``parse`` accepts (raising none of ``errors``)."""
    def check(v: object) -> bool:
        if not isinstance(v, kind):
            return False
        try:
            parse(v)
        except errors:
            return False
        return True
    return check


_timestamp = _parses(str, dt.datetime.fromisoformat, ValueError)
_axes = _parses(str, parse_axes, ImuMonitorError)
_calibration = _parses(dict, Calibration.from_dict, KeyError, TypeError, ValueError,
                       ImuMonitorError)


def _device(v: object) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and _text()(x) for k, x in v.items())


def _totals(v: object) -> bool:
    return (isinstance(v, dict) and all(_whole(0, 2**62)(v.get(k)) for k in
                                        ("first_seq", "end_seq", "samples"))
            and v["first_seq"] + v["samples"] <= v["end_seq"])


def _headline(v: object) -> bool:
    """The list view's numbers: per-side walking numbers, or drill blocks."""
    if not isinstance(v, dict):
        return False
    if v.get("drill") is not None and not (isinstance(v["drill"], str) and v["drill"] in DRILLS):
        return False
    if v.get("blocks"):
        return isinstance(v["blocks"], list) and all(_block(b) for b in v["blocks"])
    numbers = ("left_mean_peak_drop_deg", "right_mean_peak_drop_deg", "asymmetry_deg",
               "cadence_spm")
    return (all(k in v and (v[k] is None or _number(-1e3, 1e3)(v[k])) for k in numbers)
            and _whole(0, 10**7)(v.get("steps")))


def _block(b: object) -> bool:
    """One drill block of a headline: a side, its repetitions, a few numbers."""
    return (isinstance(b, dict) and b.get("side") in ("left", "right")
            and ("hold_s" in b or "reps" in b)
            and all(b.get(k) is None or _number(-1e4, 1e4)(b[k]) for k in
                    ("hold_s", "mean_drop_deg", "reps", "mean_peak_drop_deg")))


SCHEMA: dict[str, tuple[Callable[[object], bool], str]] = {
    # key: (check, what it should be, in words)
    "format_version": (_whole(1, 1000), "a format number"),
    "app_version": (_text(), "a version"),
    "created_utc": (_timestamp, "a date and time"),
    "patient_id": (lambda v: v is None or _text(64)(v), "a patient code"),
    "drill": (lambda v: v is None or (isinstance(v, str) and v in DRILLS), "one of the drills"),
    "side": (lambda v: v in (None, "left", "right"), "left or right"),
    "notes": (lambda v: v is None or _text(MAX_TEXT)(v), "text"),
    "threshold_deg": (lambda v: v is None or _number(0.0, 45.0)(v), "an angle of 0–45°"),
    "axes": (_axes, "a mounting like x=up,y=right,z=forward"),
    "device": (_device, "a description of the sensor"),
    "first_seq": (_whole(-(2**62), 2**62), "a sample number"),
    "calibration": (lambda v: v is None or _calibration(v), "a calibration"),
    "headline": (lambda v: v is None or _headline(v), "the headline numbers"),
    "analysis_problem": (lambda v: v is None or _text(MAX_TEXT)(v), "text"),
    "calibration_note": (lambda v: v is None or _text(MAX_TEXT)(v), "text"),
    "totals": (_totals, "the sample totals"),
    "source": (_text(), "a source name"),
    "import": (lambda v: isinstance(v, dict), "where the samples were imported from"),
}
IGNORED = ("filter_state",)  # written by older versions, no longer read


def sound_metadata(raw: dict) -> tuple[dict, list[str]]:
    """The entries that pass their check, and a sentence for each that does not."""
    sound: dict = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key in IGNORED:
            continue
        check = SCHEMA.get(key)
        if check is None or check[0](value):
            sound[key] = value
            continue
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        problems.append(f"its '{key}' entry is not {check[1]} ({shown}): left out")
    return sound, problems


def describe_problems(name: str, problems: list[str]) -> str:
    """One sentence for a recording's metadata problems (for lists and warnings)."""
    return (f"{name}'s description is damaged — " + "; ".join(problems)
            + ". The samples are intact and are analysed as they are.")
