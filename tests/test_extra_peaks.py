"""A second plunge inside a stance is an extra peak, not a step: it must neither cut the step
it lies in short nor break the feet's alternation (processing/events.py)."""

import numpy as np
import pytest

from imu_monitor.pipeline import Analysis, Pipeline, PipelineConfig
from imu_monitor.processing.events import Contact, ContactDetector
from imu_monitor.processing.metrics import (
    NOTE_EXTRA,
    ProvisionalSteps,
    Step,
    StepHistory,
    StepJudge,
    summarize,
)
from imu_monitor.samples import SampleBatch
from imu_monitor.simulation.evaluation import score

from .conftest import simulated

RATE = 100.0


def _jolted_walk(jolt: bool = True) -> tuple[SampleBatch, list[int]]:
    """A simulated walk (sensor upright, z forward) with a forward jolt — a peak, then a
    plunge — 0.3 s into every right stance, and where the jolts are (sample indices)."""
    rec = simulated("symmetric-walk", seed=2, rate_hz=RATE, mounting="x=up,y=right,z=forward")
    s = rec.samples
    acc = s.acc.copy()
    places = [round((c["time_s"] + 0.3) * RATE) for c in rec.truth.steps
              if c["side"] == "right" and c["time_s"] < s.time_s[-1] - 2]
    if jolt:
        for place in places:
            acc[:, 2] += 2.5 * np.exp(-0.5 * ((np.arange(len(acc)) - place) / 2.0) ** 2)
    return SampleBatch(s.time_s, s.seq, acc, s.gyr), places


def _analyse(samples: SampleBatch, packet: int | None = None) -> Analysis:
    pipeline = Pipeline(RATE, PipelineConfig(orientation="offline" if packet is None
                                             else "live"))
    if packet is None:
        pipeline.push(samples)
    else:
        for a in range(0, len(samples), packet):
            pipeline.push(samples.slice(a, a + packet))
    return pipeline.finish()


def test_a_second_plunge_in_every_right_stance_is_marked_and_the_steps_stay_as_they_were():
    clean = _analyse(_jolted_walk(jolt=False)[0])  # (two false contacts in its turns are
    # marked extra too)
    samples, places = _jolted_walk()
    jolted = _analyse(samples)
    extra = [round(s.time_s * RATE) for s in jolted.steps if s.note == NOTE_EXTRA]
    steps = [s for s in jolted.steps if s.is_step]
    # Every extra peak is a jolt. A jolt within 0.2 s of the next contact competes with it
    # and is mostly not found at all; of those found, nearly all are marked.
    far = [i for i in extra if min(abs(i - p) for p in places) > 5]
    assert len(extra) >= 10 and not far, far
    taken = [s for s in steps if min(abs(round(s.time_s * RATE) - p) for p in places) <= 5]
    assert len(taken) <= 3
    # The steps are those of the clean walk, on the same feet, and measure the same.
    before = {round(s.time_s * RATE): s.side for s in clean.steps if s.is_step}
    same = [s for s in steps if before.get(round(s.time_s * RATE)) == s.side]
    assert len(same) >= 0.9 * len(before)
    for side in ("left", "right"):
        assert jolted.summary.side(side).mean_peak_drop_deg == pytest.approx(
            clean.summary.side(side).mean_peak_drop_deg, abs=0.1)
    # (each jolt taken for a step adds one)
    assert jolted.summary.cadence_spm == pytest.approx(clean.summary.cadence_spm, rel=0.03)
    # An extra peak is shown with the foot of the step it lies in.
    for row in jolted.steps:
        if row.note == NOTE_EXTRA:
            assert row.side == [s for s in steps if s.time_s < row.time_s][-1].side


def test_extra_peaks_do_not_depend_on_how_the_data_comes_in():
    samples, _ = _jolted_walk()
    whole = _analyse(samples, packet=len(samples))
    assert any(not s.is_step for s in whole.steps)
    for packet in (1, 10, 37):
        assert _analyse(samples, packet).steps == whole.steps


def test_short_steps_that_keep_the_rhythm_are_no_extra_peaks():
    """Contacts 0.5, 0.5, 0.35, 0.35, 0.5 s apart (two quick steps, as in a turn): the quick
    steps' neighbours are not one usual step apart, so nothing is marked."""
    detector = ContactDetector(RATE)
    times = [0, 50, 100, 135, 170, 220, 270]
    for index in times:
        detector._add_contact(index, running=False, strength=1.0)
    assert not any(detector._extra)
    detector = ContactDetector(RATE)
    for index in (0, 50, 100, 130, 150, 200):  # 130 splits 100–150, one step: extra
        detector._add_contact(index, running=False, strength=1.0)
    assert detector._extra == [False, False, False, True, False, False]


def test_the_judge_keeps_the_step_whole_and_shows_the_extra_peak_after_it():
    rate = 100.0
    obliquity = np.zeros(400, dtype=np.float32)
    # A right stance from 100 to 160 whose drop (left hip down) peaks at 120.
    obliquity[100:160] = -6.0 * np.sin(np.pi * np.arange(60) / 60)
    history = StepHistory(obliquity, np.zeros(400), np.ones(400, dtype=bool),
                          np.ones(400, dtype=bool))
    judge = StepJudge(rate, threshold_deg=5.0)
    out = []
    for index, side, extra in ((0, "right", False), (50, "left", False), (100, "right", False),
                               (135, "right", True), (160, "left", False),
                               (210, "right", False)):
        out += judge.contact(Contact(index, side, 0, 1.0, extra=extra), history)
    out += judge.close(history)
    times = [s.time_s for s in out]
    assert times == sorted(times)
    right = next(s for s in out if s.time_s == 1.0)
    assert right.step_time_s == pytest.approx(0.5) and right.peak_drop_deg == pytest.approx(
        6.0, abs=0.1)
    assert right.counted, right.note
    row = next(s for s in out if s.time_s == 1.35)
    assert not row.counted and row.note == NOTE_EXTRA and not row.is_step
    assert row.peak_drop_deg is None
    following = next(s for s in out if s.time_s == 1.6)
    assert following.step_time_s == pytest.approx(0.6)  # from the step, not the extra peak
    summary = summarize(out, 5.0)
    assert summary.steps + summary.steps_not_counted == len(out) - 1  # the row is no step
    assert summary.cadence_spm == pytest.approx(60 * 4 / 2.1, abs=0.1)  # 4 steps in 2.1 s


def test_a_walker_with_a_second_plunge_in_each_stance_is_measured_on_whole_steps():
    """A simulated walker (room, a turn every 3–5 s) whose forward acceleration plunges
    twice in each right stance: before, 149 contacts for 108 steps, most steps flagged and a
    side 1.5° off."""
    rec = simulated("room-4m", seed=9)
    pipeline = Pipeline(200.0, PipelineConfig(orientation="offline"))
    pipeline.push(rec.samples)
    analysis = pipeline.finish()
    extra = [s for s in analysis.steps if not s.is_step]
    assert len(extra) >= 20  # the walker this test is about
    result = score(rec.truth, analysis, pipeline.obliquity.view)
    assert result.found_with_side >= 0.98
    assert sum(s.counted for s in analysis.steps) >= 30
    for side, error in result.drop_error_deg.items():
        assert abs(error) <= 0.3, side


def test_an_extra_peak_is_left_out_of_the_feet_alternation():
    """Contacts 0.5 s apart, and one at 1.8 s splitting the step from 1.5 to 2.0 s. The
    contact at 1.5 s has a weak sway of its own; its neighbours decide it — counted as a
    step, the extra peak would turn their alternation round."""
    detector = ContactDetector(RATE)
    for index in (0, 50, 100, 150, 180, 200, 250, 300, 350):
        detector._add_contact(index, running=False, strength=1.0)
    assert detector._extra == [False] * 4 + [True] + [False] * 4
    scores = {0: 0.9, 50: -0.9, 100: 0.9, 150: 0.1, 180: -0.9, 200: 0.9, 250: -0.9,
              300: 0.9, 350: -0.9}  # > 0: right
    detector._scores = [scores[i] for i in detector._ics]
    detector._n = 500
    sides = {c.index: (c.side, c.extra) for c in detector._emit(final=True)}
    assert sides[150] == ("left", False)
    assert sides[180] == ("left", True)  # the foot of the step it lies in
    assert [sides[i][0] for i in (0, 50, 100, 200, 250, 300, 350)] == [
        "right", "left", "right", "right", "left", "right", "left"]


def test_a_step_shown_live_that_was_no_step_counts_as_a_correction():
    provisional = ProvisionalSteps(RATE, threshold_deg=5.0)
    shown = Step(1.8, "right", 4.0, 1.9, 0.3, 0, False, counted=True)
    provisional._shown[180] = shown
    provisional.judged([Step(1.8, "right", None, None, None, 0, False, counted=False,
                             note=NOTE_EXTRA)])
    assert provisional.side_corrections == 1 and provisional.foot_changes == 0


def test_extra_peaks_do_not_move_the_neutral_from_initial_contacts():
    """Without standing the neutral is the pelvis at the initial contacts: a jolt in
    mid-stance, taken for one, would read the stance's drop into it."""
    def without_standing(samples: SampleBatch) -> Analysis:
        return _analyse(samples.slice(int(np.searchsorted(samples.time_s, 6.0)), len(samples)))

    clean = without_standing(_jolted_walk(jolt=False)[0])
    jolted = without_standing(_jolted_walk()[0])
    assert jolted.calibration.neutral_source == clean.calibration.neutral_source
    assert clean.calibration.neutral_source.startswith("initial contacts")
    assert any(not s.is_step for s in jolted.steps)
    for side in ("left", "right"):
        assert jolted.summary.side(side).mean_peak_drop_deg == pytest.approx(
            clean.summary.side(side).mean_peak_drop_deg, abs=0.06)


def test_a_limpers_real_contact_is_not_taken_for_the_jolt_in_the_long_step():
    """Steps alternating 0.50 and 0.75 s, a jolt 0.40 s into each long step: the rule, judging
    a contact against the one step before it, first takes the real contact before the jolt for
    the extra peak; once the contact after is known, a steady limp keeps the real one."""
    times = [125 * stride + offset for stride in range(7) for offset in (0, 50)]
    times.insert(10, 125 * 5 - 35)  # a jolt 0.40 s into the long step after contact 9
    detector = ContactDetector(RATE)
    for index in times:
        detector._add_contact(index, running=False, strength=1.0)
    assert [k for k, e in enumerate(detector._extra) if e] == [10]
    # A regular walk's jolt stays the jolt, whatever comes after it.
    detector = ContactDetector(RATE)
    for index in (0, 55, 110, 165, 220, 275, 295, 330, 385, 440):
        detector._add_contact(index, running=False, strength=1.0)
    assert [k for k, e in enumerate(detector._extra) if e] == [6]


def test_a_simulated_limp_keeps_its_steps_and_feet():
    rec = simulated("limp", seed=3, rate_hz=RATE)
    pipeline = Pipeline(RATE, PipelineConfig(orientation="offline"))
    pipeline.push(rec.samples)
    analysis = pipeline.finish()
    result = score(rec.truth, analysis, np.asarray(pipeline.obliquity.view))
    assert result.found_with_side >= 0.95  # 0.85 before a steady limp was recognised
    live = [_analyse(rec.samples, packet) for packet in (10, 33)]
    assert live[0].steps == live[1].steps
