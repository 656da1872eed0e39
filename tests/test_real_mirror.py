"""Real walks (the IPOL lower-back set, when present) mirrored left for right give the same
numbers with the sides swapped: no stage of the analysis has a side of its own
(bench/mirror_ipol.py runs all 110)."""

from .conftest import bench_module


def test_a_mirrored_real_walk_gives_the_other_sides_numbers(ipol_folder):
    bench = bench_module("mirror_ipol")
    for trial in bench.load_all(ipol_folder)[::11]:
        moved, same = bench.mirrored_against_original(trial)
        assert len(moved) == 2 and max(moved) < 0.005, trial.name
        assert same, trial.name
