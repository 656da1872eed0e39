"""Initial contacts found on real walks (the IPOL lower-back set, when present) against the
hand-checked ones (bench/gait_events_ipol.py prints the whole table)."""

from .conftest import bench_module


def test_real_contacts_are_found_and_the_weight_shift_before_a_walk_is_no_step(ipol_folder):
    bench = bench_module("gait_events_ipol")
    result = bench.score(ipol_folder, verbose=False)
    # 0.963 when the weight shift before the first step was taken for a step
    assert result["f1"] >= 0.97 and result["lr_accuracy"] >= 0.97, result
    taken = 0
    for trial in bench.load_all(ipol_folder)[::5]:
        _, _, analysis = bench.detect(trial, None)
        first_s = min(trial.left_ic.min(), trial.right_ic.min()) / trial.rate_hz
        steps = [s for s in analysis.steps if s.is_step]
        walk = next((s.bout for s in steps if abs(s.time_s - first_s) <= bench.TOLERANCE_S), None)
        assert walk is not None, trial.name  # the first step is found, and is a step
        # steps of that walk before its first step: the weight shift taken for one
        taken += sum(s.bout == walk and s.time_s < first_s - bench.TOLERANCE_S for s in steps)
    assert taken <= 1, taken  # 20 before the weight shift was told from a step
