"""Fuzz the packet decoders: a million random and mutated packets, no crash, all counted.

Run: python bench/fuzz_decoders.py [--packets 1000000]

Half the packets are random bytes of random length, half are valid packets with random
bytes flipped, truncated or extended (our profile, WitMotion frames, Movella DOT payloads of
every mode we decode, with advancing timestamps). Prints the decode rate and the rejection
reasons.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from imu_monitor.protocols import movella_dot as dot
from imu_monitor.protocols.imu_monitor_v1 import ImuMonitorV1Decoder, encode
from imu_monitor.protocols.witmotion import WitMotionDecoder


def packets(n: int, rng: np.random.Generator):
    valid = [encode(k * 10, k * 50_000, rng.integers(-32768, 32767, (10, 6))) for k in
             range(64)]
    wit = b"\x55\x61" + bytes(18)
    quat = rng.normal(size=(64, 4))
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    acc = rng.normal(0, 5, (64, 3))
    fields = {3: lambda j: (quat[j], acc[j]), 5: lambda j: (quat[j],),
              16: lambda j: (dot.euler_deg_from_quat(quat[j])[0], acc[j]),
              21: lambda j: (acc[j], acc[j] * 50)}
    modes = list(fields)
    for k in range(n):
        if k % 2:
            yield rng.bytes(int(rng.integers(0, 260)))
            continue
        if k % 8 == 2:  # DOT: one sample per notification, 60 Hz clock
            mode = modes[(k // 8) % len(modes)]
            p = bytearray(dot.encode(mode, k * 16_667 // 8, *fields[mode](k % 64)))
        else:
            p = bytearray(valid[k % 64] if k % 4 else wit * int(rng.integers(1, 4)))
        for _ in range(int(rng.integers(0, 4))):
            p[int(rng.integers(0, len(p)))] ^= int(rng.integers(1, 256))
        if rng.random() < 0.2:
            p = p[: int(rng.integers(0, len(p) + 1))]
        elif rng.random() < 0.1:
            p += rng.bytes(int(rng.integers(1, 30)))
        yield bytes(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packets", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    decoders = [ImuMonitorV1Decoder(), WitMotionDecoder(100.0),
                *(dot.MovellaDotDecoder(mode) for mode in dot.PayloadMode)]
    t0 = time.perf_counter()
    for packet in packets(args.packets, rng):
        for decoder in decoders:
            batch = decoder.decode(packet)
            if batch is not None and not (np.isfinite(batch.acc).all() and len(batch)):
                raise SystemExit(f"{decoder.name}: non-finite output")
    elapsed = time.perf_counter() - t0
    for decoder in decoders:
        s = decoder.stats
        assert s.accepted + s.rejected_total == args.packets
        print(f"{decoder.name:20s} accepted {s.accepted:8d}, rejected {s.rejected_total:8d} "
              f"{dict(s.rejected)}")
    print(f"{args.packets} packets × {len(decoders)} decoders in {elapsed:.1f} s "
          f"({len(decoders) * args.packets / elapsed:,.0f} decodes/s), no crash   "
          "(target: ≥ 1 000 000 packets, no crash)")


if __name__ == "__main__":
    main()
