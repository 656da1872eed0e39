"""Byte-level decoders of sensor notifications (no Bluetooth here: bytes in, samples out).

Every decoder keeps per-link state (sequence unwrapping), never raises on bad input, and
counts what it rejects, so a noisy link shows up as numbers instead of a crash.
"""
