"""Real walks (the IPOL lower-back set, when present) written with host-stamped times — the
jitter, clock drift, bursts and repeated rows of a phone or a Bluetooth host, or its
notifications stamped when they arrive — give the
numbers of the same walks with exact times (bench/host_times_ipol.py runs all 110)."""

import pytest

from .conftest import bench_module


@pytest.mark.parametrize("pattern", ["jitter ±20 %, clock 300 ppm fast",
                                     "jitter, 250 ppm slow, bursts, repeated rows",
                                     "packets stamped on arrival, 30 ms, 200 ppm fast"])
def test_real_walks_with_host_stamped_times_give_the_same_numbers(ipol_folder, tmp_path,
                                                                   pattern):
    bench = bench_module("host_times_ipol")
    for k, trial in enumerate(bench.load_all(ipol_folder)[::22]):
        moved, same = bench.against_exact(trial, k, bench.PATTERNS[pattern], tmp_path)
        assert len(moved) == 2 and max(moved) <= bench.TOLERANCE_DEG, trial.name
        assert same, trial.name
