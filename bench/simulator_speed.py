"""How long the simulator takes: a minute at 200 Hz (tests), half an hour at 100 Hz (the demo).

Run: python bench/simulator_speed.py
"""

from __future__ import annotations

import time

from imu_monitor.simulation.scenarios import get_scenario
from imu_monitor.simulation.sensor_model import simulate

CASES = ((60.0, 200.0, 1.0), (1800.0, 100.0, 5.0))  # seconds, rate, target in seconds


def best_of(repeats: int, seconds: float, rate_hz: float) -> float:
    """Fastest of ``repeats`` simulations of the demo scenario (first-call costs excluded)."""
    activities = get_scenario("trendelenburg-right").build(seconds)
    simulate(activities[:2], rate_hz, 0)
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        simulate(activities, rate_hz, seed)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    for seconds, rate_hz, target in CASES:
        took = best_of(5 if seconds < 600 else 1, seconds, rate_hz)
        print(f"simulate {seconds:g} s at {rate_hz:g} Hz: {took:.2f} s   target < {target:g} s")


if __name__ == "__main__":
    main()
