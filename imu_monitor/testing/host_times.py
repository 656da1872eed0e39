"""Sample times as a phone or a Bluetooth host writes them, with the truth kept alongside.

The sensor takes sample ``k`` at ``k / rate`` of its own clock. The host stamps what it
receives with its clock, which runs ``drift_ppm`` fast against the sensor's; every stamp is
off by up to ``jitter`` of a period either way; a stall holds a few samples back and
releases them with one stamp (a burst); whole packets are lost; some rows are written twice.
A host that stamps each notification when it arrives (``latency_s``) gives all ``packet``
samples of a packet one stamp: the time of the last one, plus a radio and scheduling delay
drawn for each packet (exponential, of that mean), never before the packet before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HostTimes:
    """What the file holds: ``time_s`` per row, and which sensor sample each row is."""

    time_s: np.ndarray
    sample: np.ndarray  # index of the sensor sample in each row (repeated for duplicates)

    @property
    def missing(self) -> int:
        """Sensor samples between the first and the last row that never reached the file."""
        kept = np.unique(self.sample)
        return int(kept[-1] - kept[0] + 1 - len(kept))


def host_times(n: int, rate_hz: float, *, jitter: float = 0.2, drift_ppm: float = 0.0,
               bursts: int = 0, lost_packets: int = 0, packet: int = 10, duplicates: int = 0,
               latency_s: float = 0.0, seed: int = 0) -> HostTimes:
    """Host-stamped times of ``n`` sensor samples (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sample = np.arange(n)
    if lost_packets:
        first = rng.choice(np.arange(2, n // packet - 2), lost_packets, replace=False) * packet
        sample = np.setdiff1d(sample, (first[:, None] + np.arange(packet)).ravel())
    period = 1.0 / (rate_hz * (1.0 + drift_ppm * 1e-6))
    if latency_s:  # (jitter is then the delay's)
        delay = rng.exponential(latency_s, n // packet + 1)[sample // packet]
        stamp = np.maximum.accumulate(((sample // packet + 1) * packet - 1) * period + delay)
    else:
        stamp = (sample + rng.uniform(-jitter, jitter, len(sample))) * period
    for k in rng.choice(np.arange(50, len(sample) - 50), bursts, replace=False):
        held = int(rng.integers(3, 12))
        stamp[k:k + held] = stamp[k + held] - rng.uniform(0.0, 1e-4, held)
    rows = np.sort(np.concatenate([np.arange(len(sample)),
                                   rng.choice(np.arange(10, len(sample) - 10), duplicates,
                                              replace=False)]))
    return HostTimes(np.round(stamp[rows], 6), sample[rows])
