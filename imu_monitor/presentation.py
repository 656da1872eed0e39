"""Every word and number format a person reads about a measurement: the terminal, the app
and the report take them from here, so a step, a summary or a drill's sets read the same
wherever they are shown."""

from __future__ import annotations

from collections import Counter

import numpy as np

from imu_monitor.conventions import SIDES
from imu_monitor.drills import (
    DRILLS,
    HIP_HIKE_REP_DEG,
    STEP_DOWN_REP_TILT_DEG,
    DrillResult,
    HipHikeBlock,
    HipHikeRep,
    HoldBlock,
    StepDownBlock,
)
from imu_monitor.processing.metrics import (
    NOTE_EXTRA,
    NOTE_FIRST,
    NOTE_FOOT,
    NOTE_FOOT_PENDING,
    NOTE_LAST,
    NOTE_LOST,
    NOTE_MISSED,
    NOTE_NO_PEAK,
    NOTE_OFF_PELVIS,
    NOTE_SHIFT,
    NOTE_TURN,
    Step,
    Summary,
)
from imu_monitor.reading import LiveReading

# The same reasons in a word or two, for narrow table cells (the sentence goes in a tooltip).
SHORT_NOTES = {NOTE_FIRST: "first step", NOTE_LAST: "last step", NOTE_LOST: "data lost",
               NOTE_NO_PEAK: "no peak", NOTE_MISSED: "missed contact", NOTE_FOOT: "foot unsure",
               NOTE_TURN: "turning", NOTE_FOOT_PENDING: "foot pending",
               NOTE_EXTRA: "not a step", NOTE_SHIFT: "weight shift",
               NOTE_OFF_PELVIS: "sensor off pelvis"}
# How a summary is shown, one row per field, the same on screen, in the terminal and in the
# report: (title, field of each side's summary, format). "Over" gets the threshold appended.
SUMMARY_ROWS = (("Steps", "steps", "{:d}"),
                ("Mean peak drop °", "mean_peak_drop_deg", "{:.1f}"),
                ("SD °", "sd_peak_drop_deg", "{:.1f}"),
                ("Max °", "max_peak_drop_deg", "{:.1f}"),
                ("Over", "steps_over_threshold", "{:d}"))
# A per-side mean of fewer counted steps is flagged: step-to-step SDs of 0.5–1.5° make a mean
# of four steps uncertain by about half a degree.
FEW_STEPS = 5
IRREGULAR_STEP_CV = 0.3  # step times varying more than this are not a walk's (see below)
MIN_STEPS_FOR_REGULARITY = 8


def format_value(value: float | None, fmt: str) -> str:
    """A summary number for people: "—" where there is none (no steps on that side)."""
    return "—" if value is None else fmt.format(value)


def duration_words(seconds: float) -> str:
    """A duration as people say it: "4 h 05 min", "3 min 10 s", "40 s"."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def file_state(info: dict, drill: str | None = None) -> list[str]:
    """What the numbers of a recording rest on, when it is not a whole, closed file analysed
    as the drill it was recorded for."""
    out = []
    if info.get("recorded_drill"):
        out.append(f"Recorded as {drill_name(info['recorded_drill'])}, analysed as "
                   f"{drill_name(drill)} (as asked): only what fits that drill is measured.")
    if info.get("closed") is False:
        out.append("This recording was not closed normally (still being recorded, or the "
                   "program or the computer stopped): the numbers are those of what was "
                   "saved up to then.")
    if info.get("damaged_blocks"):
        unread = info.get("unreadable_samples")
        out.append(f"The file is damaged: {count_of(unread, 'sample')} recorded could not be "
                   "read and are left out." if unread else
                   f"The file is damaged: {count_of(info['damaged_blocks'], 'damaged block')} "
                   "(half a second each) left out as lost samples.")
    return out


def count_of(count: int, noun: str) -> str:
    """"1 step", "2 steps": a clinician reads every count (nouns here take an s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_row_title(title: str, summary: Summary) -> str:
    return f"Over {summary.threshold_deg:g}°" if title == "Over" else title


BAR_DEG = 15.0
BAR_WIDTH = 30


def step_line(step: Step, threshold_deg: float) -> str:
    """One step: time, stance side, drop with a bar, and the threshold flag (or why the step
    is not counted)."""
    if step.peak_drop_deg is None:
        return (f"{step.time_s:8.1f} s  {step.side.upper():>5} stance  drop     —  "
                f"(not counted: {step.note})")
    filled = max(0.0, min(step.peak_drop_deg, BAR_DEG)) / BAR_DEG * BAR_WIDTH
    bar = "█" * int(filled) + ("▌" if filled - int(filled) >= 0.5 else "")
    flag = f"  ▲ over {threshold_deg:g}°" if step.over_threshold else ""
    if not step.counted:
        flag = f"  (not counted: {step.note})"
    return (f"{step.time_s:8.1f} s  {step.side.upper():>5} stance  drop {step.peak_drop_deg:5.1f}°"
            f"  {bar:<{BAR_WIDTH}}{flag}").rstrip()


def sides_not_counted(steps: list[Step], summary: Summary) -> list[str]:
    """For each stance side that has steps but none counted, why: the most common reason;
    for a side with fewer than ``FEW_STEPS`` counted, that its mean rests on them alone.

    Why: a summary with "—" for one side reads as if nothing was found; some walkers' hip
    never peaks in loading response and mid-stance (it goes on dropping until the next
    contact), and the clinician must see that this, not a missing walk, is the reason."""
    out = []
    for side in SIDES:
        own = [s for s in steps if s.side == side and s.is_step]
        counted = summary.side(side).steps
        if 0 < counted < FEW_STEPS:
            no_peak = sum(s.note == NOTE_NO_PEAK for s in own)
            why = (f"{no_peak} of its {len(own)} steps have no peak: this walker's hip goes on "
                   "dropping until the next contact, as the angle curve shows"
                   if 2 * no_peak > len(own) else "record a longer walk")
            out.append(f"Only {count_of(counted, f'{side}-stance step')} counted: its mean is "
                       f"uncertain ({why}).")
        if counted or not own:
            continue
        note, count = Counter(s.note for s in own).most_common(1)[0]
        out.append(f"No {side}-stance step could be counted: {count} of its {len(own)} steps "
                   f"were left out ({note}).")
    return out


def summary_doubts(steps: list[Step], summary: Summary) -> list[str]:
    """What a clinician must know before reading the summary: sides without (or with few)
    counted steps, and steps too irregular for walking."""
    return sides_not_counted(steps, summary) + irregular_steps(steps) + implausible_drops(summary)


# Per-side mean peak drops a walking pelvis gives: the real walks of healthy adults -2…7°, a
# Trendelenburg gait up to about 15°. Beyond this the recording is not what it seems.
PLAUSIBLE_MEAN_DROP_DEG = (-5.0, 20.0)


def implausible_drops(summary: Summary) -> list[str]:
    """A side whose mean drop no walking pelvis shows (a sensor moved by hand read -16.8°
    on one side and +8.4° on the other, as "walking")."""
    low, high = PLAUSIBLE_MEAN_DROP_DEG
    odd = [f"{side} stance {mean:+.1f}°" for side in SIDES
           if (mean := summary.side(side).mean_peak_drop_deg) is not None
           and not low <= mean <= high]
    if not odd:
        return []
    return [f"The mean drop ({', '.join(odd)}) is beyond what a pelvis does in walking "
            f"({low:g} to {high:g}°): check that this recording is of the patient walking with "
            "the sensor on the sacrum, and calibrate again."]


def irregular_steps(steps: list[Step]) -> list[str]:
    """Counted steps whose times vary by more than ``IRREGULAR_STEP_CV``: not a walk's.

    Why: a sensor moved by hand (real hand-held motions with optical truth, the BROAD set)
    gave dozens of "steps" whose times vary by 28–46 % (coefficient of variation); the 110
    real walks of healthy adults vary by 10 % (at most 27 %), and a limp alternates long and
    short steps by far less than that."""
    times = np.array([s.step_time_s for s in steps if s.counted and s.step_time_s])
    if len(times) < MIN_STEPS_FOR_REGULARITY:
        return []
    variation = float(np.std(times) / np.mean(times))
    if variation <= IRREGULAR_STEP_CV:
        return []
    return [f"The step times vary by {100 * variation:.0f} %, far more than in walking: check "
            "that this recording is of the patient walking with the sensor on the sacrum."]


def format_summary(summary: Summary, steps: list[Step] | None = None) -> list[str]:
    """Left and right stance side by side, then asymmetry and cadence (and, given the steps,
    why a side has none counted)."""
    left, right = summary.left, summary.right
    out = [f"{'Summary':<20}{'Left stance':>14}{'Right stance':>14}"]
    for title, key, fmt in SUMMARY_ROWS:
        label = summary_row_title(title, summary)
        a, b = format_value(getattr(left, key), fmt), format_value(getattr(right, key), fmt)
        out.append(f"{label:<20}{a:>14}{b:>14}")
    out.append(f"Asymmetry (right − left): {format_value(summary.asymmetry_deg, '{:+.1f}')}°   "
               f"Cadence: {format_value(summary.cadence_spm, '{:.0f}')} steps/min   "
               f"Walking bouts: {len(summary.bouts)}")
    return out + summary_doubts(steps or [], summary)


HIKED_HOLD_DEG = 1.0  # a hold's mean this far below level is called a hip hike (not noise)


def no_reps_reason(block: HipHikeBlock | StepDownBlock) -> str:
    """Why a set of reps has none: what a rep must reach (a shallow one is not counted)."""
    if isinstance(block, HipHikeBlock):
        return f"a rep lifts the free hip {HIP_HIKE_REP_DEG:g}° or more, and none did"
    return (f"a rep tilts the pelvis forward {STEP_DOWN_REP_TILT_DEG:g}° or more (bend the "
            "knee deeper), and none did")


def format_drill(result: DrillResult) -> list[str]:
    """Holds or reps, one block per line group."""
    hikes = result.blocks and all(isinstance(b, HipHikeBlock) for b in result.blocks)
    out = [] if hikes else [f"Tolerance: {result.tolerance_deg:g}°"]  # hip hikes: unused
    for k, block in enumerate(result.blocks, 1):
        out.append(f"Block {k}: standing on the {block.side} leg, {block.start_s:.1f}–"
                   f"{block.end_s:.1f} s" + (f" ({block.note})" if block.note else ""))
        if isinstance(block, HoldBlock):
            out.append(f"  hold {block.hold_s:.1f} s, mean drop {block.mean_drop_deg:.1f}°,"
                       f" max {block.max_drop_deg:.1f}°, sway {block.sway_deg:.1f}°, "
                       f"within tolerance {block.time_in_band_pct:.0f}% of the time"
                       + (f" seen ({block.unseen_s:.1f} s of it lost: not counted)"
                          if block.unseen_s else "")
                       + ("; the free hip held up: a hip hike, not a drop"
                          if block.mean_drop_deg <= -HIKED_HOLD_DEG else ""))
            continue
        out.append(f"  {block.reps} reps" + ("" if block.reps else f": {no_reps_reason(block)}"))
        for r in block.rep_list:
            if isinstance(r, HipHikeRep):
                out.append(f"    {r.time_s:>7.1f} s  range {r.range_deg:.1f}°  "
                           f"lift {r.lift_deg:.1f}°  top held {r.top_hold_s:.1f} s")
            else:
                flag = "  ▲" if r.over_threshold else ""
                out.append(f"    {r.time_s:>7.1f} s  peak drop {r.peak_drop_deg:.1f}°"
                           f"  frontal range {r.obliquity_range_deg:.1f}°"
                           f"  rotation range {r.rotation_range_deg:.1f}°{flag}")
    if result.note:
        out.append(f"Note: {result.note}.")
    return out


def headline_text(h: dict | None) -> str:
    if not h:
        return "not analysed"
    if h.get("blocks"):
        parts = []
        for b in h["blocks"]:
            side, reps = b["side"][0].upper(), format_value(b.get("reps"), "{:.0f}")
            if "hold_s" in b:
                parts.append(f"{side} hold {format_value(b['hold_s'], '{:.0f}')} s, drop "
                             f"{format_value(b.get('mean_drop_deg'), '{:.1f}')}°")
            elif "mean_peak_drop_deg" in b:
                parts.append(f"{side} {reps} reps, drop "
                             f"{format_value(b['mean_peak_drop_deg'], '{:.1f}')}°")
            else:
                parts.append(f"{side} {reps} reps")
        return "; ".join(parts)
    asym = h["asymmetry_deg"]
    asym = None if asym is None else (0.0 if abs(asym) < 0.05 else asym)  # never "-0.0"
    return (f"L {format_value(h['left_mean_peak_drop_deg'], '{:.1f}')}° R "
            f"{format_value(h['right_mean_peak_drop_deg'], '{:.1f}')}° asym "
            f"{format_value(asym, '{:+.1f}')}° ({count_of(h['steps'], 'step')})")


def drill_name(drill: str | None, side: str | None = None) -> str:
    """A drill as the clinician reads it (not its command-line name), with the leg of a
    one-sided drill."""
    if not drill:
        return "—"
    label = DRILLS[drill].label if drill in DRILLS else drill
    return f"{label}, {side}" if side else label


def drill_text(drill: str, result: DrillResult) -> str:
    """The live line for holds and reps (the current, i.e. last, block; before any, that the
    one under way is not measured: the summary beside it says why)."""
    if not result.blocks:
        return ("This set is not measured: its leg cannot be seen (the summary says why)."
                if result.note else "")
    b = result.blocks[-1]
    if isinstance(b, HoldBlock):
        return (f"Hold {b.hold_s:.1f} s · within ±{result.tolerance_deg:g}° "
                f"{b.time_in_band_pct:.0f}% · mean drop {b.mean_drop_deg:.1f}°, "
                f"max {b.max_drop_deg:.1f}°, sway {b.sway_deg:.1f}°")
    if isinstance(b, HipHikeBlock):
        last = f" · last range {b.rep_list[-1].range_deg:.1f}°" if b.rep_list else ""
        return f"Reps: {b.reps}{last}"
    if not b.rep_list:
        return "Reps: 0"
    rep = b.rep_list[-1]
    if drill == "step-down":
        return (f"Reps: {b.reps} · last peak drop {rep.peak_drop_deg:.1f}°"
                f" · rotation {rep.rotation_range_deg:.1f}°")
    return f"Reps: {b.reps} · last frontal range {rep.obliquity_range_deg:.1f}°"


def reading_words(reading: LiveReading) -> tuple[str, str, str]:
    """The big number's text, its caption, and the cue shown when it is over."""
    value = "—" if reading.value_deg is None else f"{reading.value_deg:.1f}°"
    band = f"▲ outside ±{reading.threshold_deg:g}°"
    if reading.kind == "step":
        if reading.value_deg is None or reading.side is None:
            return "—", "Walk: the drop of each step appears here", ""
        hiked = " · hip hiked, no drop" if reading.value_deg < 0 else ""
        return (value, f"{reading.side.upper()} stance · step {reading.step_number}{hiked}",
                f"▲ over {reading.threshold_deg:g}°")
    if reading.kind == "drop":
        what = "hip hike" if reading.value_deg is not None and reading.value_deg < 0 else "drop"
        return value, f"{what} now, standing on the {reading.side} leg", band
    return (value, f"pelvis tilt now: {reading.side} hip lower" if reading.side else
            "pelvis tilt now: level", band)
