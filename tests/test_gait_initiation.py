"""The weight shift before a walk's first step is no step: its forward plunge is a fraction of
the steps' after it, so it is marked ``shift`` and the walk's first real step stays its first
(processing/events.py). Real walks: tests/test_real_gait_events.py."""

import numpy as np
import pytest

from imu_monitor.processing.events import INITIATION_RATIO, Contact, ContactDetector
from imu_monitor.processing.metrics import NOTE_FIRST, NOTE_SHIFT, StepHistory, StepJudge

RATE = 100.0


def _walk_after_a_shift(shift_plunge: float, steps: int = 10) -> tuple[np.ndarray, ...]:
    """Forward, lateral and vertical acceleration: standing, a forward peak-and-plunge of
    ``shift_plunge`` m/s² (the weight shift), then ``steps`` steps 0.55 s apart plunging
    3 m/s², the right foot first (lateral: left positive; the body's sideways motion turns
    towards the other foot after each contact)."""
    n = round((3.0 + 0.6 + 0.55 * steps + 2.0) * RATE)
    t = np.arange(n) / RATE
    forward, lateral = np.zeros(n), np.zeros(n)

    def plunge(at_s: float, size: float) -> None:
        # a peak at the contact, the plunge just after it (the body brakes)
        forward[:] += size * (np.exp(-0.5 * ((t - at_s) / 0.03) ** 2)
                              - np.exp(-0.5 * ((t - at_s - 0.08) / 0.03) ** 2))

    plunge(3.0, shift_plunge)
    for k in range(steps):
        at = 3.6 + 0.55 * k
        plunge(at, 3.0)
        leftwards = 1.0 if k % 2 == 0 else -1.0  # after a right contact
        lateral += leftwards * 1.5 * np.sin(np.pi * np.clip((t - at) / 0.55, 0, 1))
    return forward, lateral, np.zeros(n)


def _contacts(signals: tuple[np.ndarray, ...], packet: int | None = None) -> list[Contact]:
    detector = ContactDetector(RATE)
    if packet is None:
        return detector.push(*signals) + detector.finish()
    out = []
    for a in range(0, len(signals[0]), packet):
        out += detector.push(*(x[a:a + packet] for x in signals))
    return out + detector.finish()


def test_a_weak_plunge_before_the_first_step_is_a_weight_shift_not_a_step():
    contacts = _contacts(_walk_after_a_shift(shift_plunge=0.2 * 3.0))
    assert len(contacts) == 11
    assert contacts[0].shift and not contacts[0].is_step
    assert contacts[0].index == pytest.approx(300, abs=3)
    assert all(c.is_step for c in contacts[1:])
    # The steps alternate from the first real one on, whatever the shift swayed.
    assert [c.side for c in contacts[1:5]] == ["right", "left", "right", "left"]


def test_a_first_contact_as_strong_as_the_steps_after_it_is_a_step():
    contacts = _contacts(_walk_after_a_shift(shift_plunge=1.5 * INITIATION_RATIO * 3.0))
    assert len(contacts) == 11 and all(c.is_step for c in contacts)


@pytest.mark.parametrize("packet", [1, 10, 37])
def test_the_weight_shift_does_not_depend_on_how_the_data_comes_in(packet):
    signals = _walk_after_a_shift(shift_plunge=0.6)
    assert _contacts(signals, packet) == _contacts(signals)


def test_the_judge_shows_the_shift_and_keeps_the_first_step_first():
    history = StepHistory(np.zeros(600, dtype=np.float32), np.zeros(600),
                          np.ones(600, dtype=bool), np.ones(600, dtype=bool))
    judge = StepJudge(RATE, threshold_deg=5.0)
    out = judge.contact(Contact(100, "left", 0, 0.0, shift=True), history)
    for k, index in enumerate((160, 215, 270, 325)):
        out += judge.contact(Contact(index, ("right", "left")[k % 2], 0, 1.0), history)
    out += judge.close(history)
    shift = next(s for s in out if s.time_s == 1.0)
    assert shift.note == NOTE_SHIFT and not shift.counted and not shift.is_step
    first = next(s for s in out if s.time_s == 1.6)
    assert first.note == NOTE_FIRST and first.step_time_s is None
