"""The recording file: one SQLite database per session (schema in docs/recording_format.md).

SQLite in WAL mode with a commit every half second of samples: a killed program or a crashed
computer loses at most the samples not yet committed (≤ 0.5 s), and the file always opens.
Every row carries a CRC-32 of its content, so damage is detected and reported, never
returned as data. ``application_id`` marks the file as ours; ``user_version`` is the format
version (files of older versions keep opening; newer ones are refused with a clear message).
"""

from __future__ import annotations

import json
import zlib

APPLICATION_ID = 0x494D5552  # "IMUR"
FORMAT_VERSION = 1
EXTENSION = ".imurec"
COMPANIONS = ("-wal", "-shm", "-journal")  # the files SQLite keeps beside a recording
CHUNK_S = 0.5

SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,          -- JSON
    crc32 INTEGER NOT NULL        -- see docs/recording_format.md
);
CREATE TABLE chunks (
    id        INTEGER PRIMARY KEY, -- order of arrival
    first_seq INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    device_time BLOB NOT NULL,     -- n float64 LE, s (device clock)
    seq         BLOB NOT NULL,     -- n int64 LE
    host_time   BLOB NOT NULL,     -- n float64 LE, s since the Unix epoch (arrival)
    acc         BLOB NOT NULL,     -- n×3 float64 LE, m/s², sensor axes
    gyr         BLOB NOT NULL,     -- n×3 float64 LE, rad/s, sensor axes
    mag         BLOB,              -- n×3 float64 LE, device units (optional)
    quat        BLOB,              -- n×4 float64 LE, w x y z (optional)
    crc32     INTEGER NOT NULL     -- see docs/recording_format.md
);
CREATE TABLE markers (
    id     INTEGER PRIMARY KEY,
    time_s REAL NOT NULL,          -- s from the first sample
    label  TEXT NOT NULL,
    crc32  INTEGER NOT NULL
);
CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    time_s  REAL NOT NULL,         -- s from the first sample
    kind    TEXT NOT NULL,         -- connected, lost, battery, packets_lost, no_data, info,
                                   -- gap (lost samples: value = how many)
    message TEXT NOT NULL,
    value   REAL,
    crc32   INTEGER NOT NULL
);
"""


def row_crc(*parts: object) -> int:
    """CRC-32 of a row's fields (bytes as they are, everything else as its text)."""
    crc = 0
    for part in parts:
        if part is None:
            data = b"\x00"
        elif isinstance(part, bytes | bytearray | memoryview):
            data = bytes(part)
        else:
            data = repr(part).encode()
        crc = zlib.crc32(data, crc)
    return crc


def dump(value: object) -> str:
    """JSON text of a metadata value (stable)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
