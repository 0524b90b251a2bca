"""Keep freed memory in the process, so that each month's temporaries reuse warm pages.

A month allocates and frees several megabytes of arrays at 10,000 MSEs (random draws, the
valued options, sales by channel). glibc's malloc hands blocks this large back to the kernel
when they are freed, by unmapping them or trimming the heap, so the next month's arrays
fault fresh zeroed pages in one by one. Measured on a two-core cloud machine, those page
faults cost more than the arithmetic: valuing the options of 7,000 MSEs took 1.5 ms on
reused pages and 3.8 ms on fresh ones.

:func:`retain_freed_memory` raises two glibc limits so that blocks up to 64 MB come from
the heap and up to 256 MB of free heap is kept for reuse. The process keeps its peak
footprint instead of shrinking after it, which is what a simulation that runs for minutes
wants. It is called when a model is built; set the environment variable
``MSE_SIM_SYSTEM_MALLOC=1`` to leave malloc alone. On platforms other than Linux with glibc
it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import platform

import numpy as np
from numpy._core import multiarray as _multiarray

#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks below this size come from the heap rather than their own mapping.
MMAP_THRESHOLD = 64 * 2**20
#: Free memory at the top of the heap kept for reuse rather than returned to the kernel.
TRIM_THRESHOLD = 256 * 2**20

_done = False


def retain_freed_memory() -> bool:
    """Ask glibc to keep freed blocks for reuse (once per process). Returns whether it did."""
    global _done
    if _done:
        return True
    if os.environ.get("MSE_SIM_SYSTEM_MALLOC") or platform.system() != "Linux":
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok


def zeros_few_written(shape: int | tuple[int, ...]) -> np.ndarray:
    """Zeros of which only a few elements will be written: untouched pages stay unmapped.

    numpy asks the kernel for 2 MB pages for a large array (``madvise``), so writing one
    element makes 2 MB of it resident; for an array of 10^7 MSEs in which a few thousand are
    written (the brokers' takes), that is the whole array. Without that advice only the 4 KB
    pages written are made resident (glibc maps a block this large fresh and zeroed). The
    numbers are the same either way.
    """
    toggle = getattr(_multiarray, "_set_madvise_hugepage", None)
    if toggle is None:
        return np.zeros(shape)
    before = toggle(False)
    try:
        return np.zeros(shape)
    finally:
        toggle(before)
