"""How many threads one model uses, and how its large passes split work between them.

A run of 10^5 MSEs or more spends most of its month in per-MSE passes (valuation is the
largest). Those passes run over fixed chunks of :data:`CHUNK` rows with numba's ``prange``:
each MSE's numbers are computed exactly as on one thread, the chunks are laid out the same
whatever the thread count, and nothing is summed across threads, so a seed gives bit-identical
results on any number of threads. A pass with sums (sales, the census, the groups' books) is
split: its per-MSE part runs over the chunks, writing per-MSE results, and its sums are then
added in row order on one thread, as the serial pass adds them. Whole-number counts may be
added up chunk by chunk (they are exact in any order). Each row of the month's uniforms is
drawn in one part per thread at once (:func:`run_at_once`), each part from a copy of the
generator moved to its start (`sim.draws.DrawsWhenRead`): the very numbers one thread draws.

The thread count is chosen by the model's ``threads`` argument, else ``$MSE_SIM_THREADS``,
else every core numba may use (``NUMBA_NUM_THREADS``, by default the machine's cores). Studies
that run many models in worker processes (sweeps, experiments, calibration) give each model one
thread (:func:`worker_threads`), since the workers already use the cores. The count is set
only while the model steps (:func:`using_threads`), so it does not leak into other numba code
of the process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np
from numba import njit, prange

from sim.checks import is_whole_number
from sim.errors import UserInputError

#: Below this many MSEs a month is too short for threads to pay; the passes run serially.
PARALLEL_MIN_MSES = 100_000
#: Rows per chunk of a parallel pass: fixed, so the layout of the work never depends on the
#: thread count (large enough that a chunk is ~0.1 ms of work, small enough to balance).
CHUNK = 16_384
#: Chunks a pass that compacts its output (the valuation) works on at once, at least; their
#: results wait in a buffer of ``WAVE * CHUNK`` rows until they are copied out in order.
WAVE = 8

ENV = "MSE_SIM_THREADS"


def max_threads() -> int:
    """The most threads numba may use in this process (``NUMBA_NUM_THREADS``)."""
    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(value: Any, what: str = "threads") -> int:
    """Return ``value`` as a thread count between 1 and :func:`max_threads`.

    Raises:
        UserInputError: Not a whole number in that range (the message names ``what``).
    """
    top = max_threads()
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isdigit() else text
    if not is_whole_number(value) or not 1 <= int(value) <= top:
        raise UserInputError(
            f"{what}: value {value!r} is not allowed (allowed: a whole number from 1 to {top}, "
            f"the cores numba may use here; NUMBA_NUM_THREADS raises the limit)"
        )
    return int(value)


def choose_threads(threads: Any = None) -> int:
    """The thread count of a model: ``threads``, else ``$MSE_SIM_THREADS``, else every core.

    Raises:
        UserInputError: The argument or the environment variable is not a thread count.
    """
    if threads is not None:
        return check_threads(threads)
    env = os.environ.get(ENV)
    if env:
        return check_threads(env, ENV)
    return max_threads()


def worker_threads() -> int:
    """The thread count of a model run by a study's worker: ``$MSE_SIM_THREADS``, else 1."""
    env = os.environ.get(ENV)
    return check_threads(env, ENV) if env else 1


def parallel(n: int) -> bool:
    """Whether a pass over ``n`` MSEs runs in chunks over threads.

    From :data:`PARALLEL_MIN_MSES` MSEs, when numba may use more than one thread (the model's
    count while it steps, `using_threads`). The chunked pass gives the same numbers as the
    serial one (`tests/model/test_threads.py` runs both side by side), so the choice changes
    only the time: on one thread the serial pass is cheaper, since a split pass goes over its
    rows twice (about 7% of a month at 10^6 MSEs).
    """
    return n >= PARALLEL_MIN_MSES and numba.get_num_threads() > 1


@contextmanager
def using_threads(threads: int) -> Iterator[None]:
    """Run the block with numba's thread count set to ``threads``, then restore it."""
    before = numba.get_num_threads()
    if threads == before:
        yield
        return
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def run_at_once(tasks: list[Callable[[], object]]) -> None:
    """Run ``tasks`` at once, each on its own Python thread (the last on this one).

    Only for tasks that spend their time in code that releases the interpreter lock (numpy's
    sorts and random draws, compiled numba code), and that write disjoint memory. An error in
    a task is raised here once all have ended.
    """
    errors: list[BaseException] = []

    def guarded(task: Callable[[], object]) -> None:
        try:
            task()
        except BaseException as error:  # raised again on the calling thread, below
            errors.append(error)

    helpers = [threading.Thread(target=guarded, args=(task,)) for task in tasks[:-1]]
    for helper in helpers:
        helper.start()
    try:
        if tasks:
            tasks[-1]()
    finally:
        for helper in helpers:
            helper.join()
    if errors:
        raise errors[0]


def sort_in_place(x: np.ndarray, threads: int) -> None:
    """Sort ``x`` (float64, contiguous) ascending, in parts on ``threads`` threads, merged.

    A radix sort (`radix_sort`): on a month's real incomes here numpy's sort took 3.9 ms at
    10^5 MSEs (about a tenth of the month, for the Gini coefficient alone) and 52.7 ms at
    10^6, the radix sort 0.9 and 12.8 ms. It releases the interpreter lock, so
    the parts sort at once on Python threads. The sorted order of values without NaN or -0.0
    is unique, so the array is the very one ``x.sort()`` gives, whatever the thread count.
    """
    parts = max(1, min(int(threads), 2)) if parallel(x.size) else 1
    if x.size < RADIX_MIN:
        x.sort()
        return
    if parts == 1:
        radix_sort(x)
        return
    half = x.size // 2
    run_at_once([lambda: radix_sort(x[:half]), lambda: radix_sort(x[half:])])
    x[:] = _merge(x[:half], x[half:])


#: Below this many values `sort_in_place` uses numpy's sort: measured here, 11.8 us for 1,000
#: incomes against the radix sort's 14.3 (its six passes' counts cost the same at any size),
#: 256 against 108 us for 10,000.
RADIX_MIN = 4096

#: Bits of the key sorted in each pass of `radix_sort`: six passes of 2,048 buckets, whose
#: counts (16 KB each) stay in the first-level cache.
_DIGIT_BITS = 11
_PASSES = (64 + _DIGIT_BITS - 1) // _DIGIT_BITS
_SIGN = np.uint64(1 << 63)


@njit(cache=True, nogil=True)
def radix_sort(x):
    """Sort the float64 array ``x`` ascending, in place (least significant digit first).

    Each float's bits become an unsigned key in the floats' order (negative numbers: every
    bit flipped; others: the sign bit set), so sorting the keys sorts the numbers. A pass is
    skipped where every key has the same digit, as the exponent's high bits mostly do for
    incomes. Takes ``n`` floats of extra memory. -0.0 sorts before 0.0, and NaN after +inf
    (or, with its sign bit set, before -inf; numpy puts every NaN last).
    """
    n = x.size
    if n < 2:
        return
    keys = x.view(np.uint64)
    for i in range(n):
        k = keys[i]
        keys[i] = ~k if k & _SIGN else k | _SIGN
    mask = np.uint64((1 << _DIGIT_BITS) - 1)
    counts = np.zeros((_PASSES, 1 << _DIGIT_BITS), np.int64)
    for i in range(n):
        k = keys[i]
        for p in range(_PASSES):
            counts[p, (k >> np.uint64(p * _DIGIT_BITS)) & mask] += 1
    source, target = keys, np.empty(n, np.uint64)
    start = np.empty(1 << _DIGIT_BITS, np.int64)
    for p in range(_PASSES):
        shift = np.uint64(p * _DIGIT_BITS)
        if counts[p, (source[0] >> shift) & mask] == n:
            continue  # every key has this digit: the order stays as it is
        total = 0
        for d in range(1 << _DIGIT_BITS):
            start[d] = total
            total += counts[p, d]
        for i in range(n):
            k = source[i]
            d = (k >> shift) & mask
            target[start[d]] = k
            start[d] += 1
        source, target = target, source
    for i in range(n):
        k = source[i]
        keys[i] = k & ~_SIGN if k & _SIGN else ~k


@njit(cache=True)
def _merge(a, b):
    """The merge of two ascending arrays."""
    out = np.empty(a.size + b.size)
    i = j = 0
    for k in range(out.size):
        if j >= b.size or (i < a.size and a[i] <= b[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = b[j]
            j += 1
    return out


def filled(n: int, value: float | int | bool, dtype: Any = np.float64) -> np.ndarray:
    """A new array of ``n`` elements all equal to ``value`` (``np.full``), filled over threads.

    A month allocates several per-MSE arrays that start equal (the upgrade attempts,
    `sim.upgrades.apply_upgrades`). Below glibc's mapping threshold (`sim.memory`)
    numpy fills them on one thread, about 0.7 ms for each 8 MB: from :data:`PARALLEL_MIN_MSES`
    elements, with more than one thread, the chunks are filled by numba's threads instead. The
    same array either way.
    """
    if not parallel(n):
        return np.full(n, value, dtype=dtype)
    out = np.empty(n, dtype=dtype)
    _fill_chunks(out, out.dtype.type(value), CHUNK)
    return out


@njit(cache=True, parallel=True)
def _fill_chunks(out, value, chunk):
    """Set every element of ``out`` to ``value``, in fixed chunks over threads."""
    n = out.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        out[start : min(start + chunk, n)] = value
