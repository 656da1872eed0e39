"""Per-sample formulas over a long session, a piece of rows at a time.

Why: the simulator builds a whole session on a fine time grid (400 Hz): a two-hour session
is 2.9 million rows, and a formula of a dozen numpy steps makes a dozen temporaries that
long. Each row's numbers depend on that row alone, so computing a piece at a time gives
the same bits with temporaries a piece long.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PIECE = 65_536


def by_rows(func: Callable[..., np.ndarray], *rows: np.ndarray, **options) -> np.ndarray:
    """``func(*rows, **options)`` for arrays whose rows are independent, ``PIECE`` rows at a
    time into one output array."""
    n = len(rows[0])
    first = func(*(a[:PIECE] for a in rows), **options)
    out = np.empty((n, *first.shape[1:]), first.dtype)
    out[: len(first)] = first
    for start in range(PIECE, n, PIECE):
        out[start: start + PIECE] = func(*(a[start: start + PIECE] for a in rows), **options)
    return out
