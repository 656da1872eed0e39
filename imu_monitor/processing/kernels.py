"""Per-sample loops, interpreted on short inputs and compiled by numba on long ones.

Why both: a live packet is about ten samples. Interpreted, the whole pipeline handles one in a
fraction of a millisecond, and the desktop app never loads numba's compiler (about 125 MB of
LLVM, half of the app's memory budget). A whole recording is hundreds of thousands of samples:
compiled, the loops run at millions of samples a second. numba is imported only when a call is
long enough for compiling (or loading the cached machine code) to pay.

The loops are written once, in the subset of Python that numba compiles, over flat sequences
(``a[3 * i + k]``): the same code then runs on Python lists (fast to interpret) and on numpy
arrays (compiled). Both give the same bits (tests/test_kernels.py): plain IEEE arithmetic and
the same C maths library, with no fused or reordered operations. Inputs must be finite (the
pipeline drops non-finite and implausible samples before any kernel): on NaN or infinity the
interpreter raises where compiled code would carry the NaN on.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

# Below this many samples a call runs interpreted. Measured: the whole pipeline interpreted
# costs about 7.5 µs a sample; importing numba and loading the cached kernels about 0.4 s,
# the price of interpreting some 50 000 samples (four minutes at 200 Hz).
COMPILE_FROM_SAMPLES = 50_000

_thread = threading.local()
_threads = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def filter_threads() -> int:
    """Threads one analysis's offline filter may run on (1 or 2): two where two cores are
    free, one in a batch's worker processes (the workers already share the cores)."""
    return _threads


def one_thread_per_analysis() -> None:
    """Run every analysis of this process on one thread (a batch's workers)."""
    global _threads
    _threads = 1


def interpret_on_this_thread() -> None:
    """Never compile on the calling thread, however long a call: the live engine's thread
    (a calibration that ends late flushes minutes of buffered samples in one call, and the
    app must not load the compiler for that)."""
    _thread.interpreted_only = True


def compiles(samples: int) -> bool:
    """Whether a call over this many samples runs compiled here (long enough, and not on a
    thread that must never load the compiler)."""
    return samples >= COMPILE_FROM_SAMPLES and not getattr(_thread, "interpreted_only", False)


class Kernel:
    """One per-sample loop; the arguments it writes (outputs, state) are named at definition."""

    def __init__(self, loop: Callable[..., Any], writes: tuple[str, ...]) -> None:
        names = list(inspect.signature(loop).parameters)
        self._loop = loop
        self._writes = tuple(names.index(name) for name in writes)
        self._compiled: Callable[..., Any] | None = None
        self.__doc__ = loop.__doc__

    def __call__(self, *args: Any) -> Any:
        """Run the faster way for this length (the loop's first argument: its sample count)."""
        if compiles(args[0]):
            return self.compiled(*args)
        return self.interpreted(*args)

    def interpreted(self, *args: Any) -> Any:
        """The loop as plain Python, on lists: no compiler in memory."""
        self._check_writable(args)
        flat = [a.ravel().tolist() if isinstance(a, np.ndarray) else a for a in args]
        result = self._loop(*flat)
        for k in self._writes:
            args[k].reshape(-1)[:] = flat[k]
        return result

    def compiled(self, *args: Any) -> Any:
        """The loop compiled by numba (machine code cached on disk after the first run)."""
        self._check_writable(args)
        if self._compiled is None:
            from numba import njit

            self._compiled = njit(cache=True)(self._loop)
        return self._compiled(*[a.reshape(-1) if isinstance(a, np.ndarray) else a
                                for a in args])

    def _check_writable(self, args: tuple[Any, ...]) -> None:
        # A flat view of a non-contiguous array would be a copy, and the results would be lost.
        for k in self._writes:
            if not args[k].flags.c_contiguous:
                raise ValueError("kernel outputs must be C-contiguous arrays")


def kernel(*writes: str) -> Callable[[Callable[..., Any]], Kernel]:
    """Decorator: ``@kernel("state", "out")`` over a loop written on flat sequences whose
    first argument is the number of samples to process."""
    return lambda loop: Kernel(loop, writes)
