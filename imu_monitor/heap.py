"""Giving the memory of a finished analysis back to the system.

Why: glibc's allocator keeps what a long analysis freed (its heaps grow for the arrays it
works in, and the threshold above which it maps big blocks straight from the system rises
as they are freed), so a desktop app that reviewed a two-hour recording would hold a few
hundred MB it no longer uses for the rest of the day. ``malloc_trim`` hands every whole free
page back. Elsewhere (macOS, Windows, musl) this does nothing: their allocators return large
blocks by themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache


def give_back_free_memory() -> None:
    """Collect unreachable objects, then return free heap pages to the system (glibc)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None
