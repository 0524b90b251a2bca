"""Compiling the model's passes before their first use, on every core.

numba compiles each per-MSE pass the first time it runs, and caches the machine code on disk,
so every later process loads it in a moment. A fresh install pays once: about 80 s on two cores
for the passes a guideline report uses, about 125 s with the threaded passes of large runs.
numba compiles one pass at a time in one process. This module spreads that first compilation
over worker processes, one per core.

A pass is compiled for the types of its arguments, which are known only when it is called. The
passes the warm-up runs call (:data:`WARM_UP`), with their argument types, are therefore listed
in a manifest shipped with the package (``sim/data/precompile.json``), written by
``python -m sim.precompile --record`` from those runs and checked against them by
``python -m sim.precompile --check`` (a test does this). Each worker compiles its share of the
manifest; then the warm-up runs in this process, loading everything from the cache and
compiling anything the manifest missed (a manifest of another numba version is not used at
all). The compiled code is the same either way, so no number depends on how it was compiled.

numba's cache was written for one process at a time: saving an entry reads the pass's index of
entries, adds one and writes it back. Two processes saving different entries of one pass (a
helper shared by two passes, compiled for different types) could each write an index without
the other's entry, or give two entries one data file. The workers here therefore take a file
lock around each save (:func:`saves_locked`).

Examples:
    From a shell, after installing the package (``make setup-run`` does this)::

        python -m sim.precompile            # the passes a report uses
        python -m sim.precompile --threads  # and the threaded passes of runs of 10^5 MSEs
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The model is imported here, so that the types in the manifest, which name its classes,
# unpickle (and forked workers start with it imported).
from sim import threads as sim_threads
from sim.model import run

#: The runs whose passes are compiled ahead: (scenario, MSEs, months). Two years of a small
#: baseline and of Kenya reach every pass a guideline report uses (recruitment with offers,
#: brokers, rival traders, entry); `make setup-run` compiles these.
WARM_UP: tuple[tuple[str, int, int], ...] = (("baseline", 200, 24), ("kenya-avocados", 200, 24))
#: The run that reaches the threaded passes of large runs (`sim.threads`), made on two
#: threads with every size counted as large (the radix sort's too): 50 MSEs for 2 months.
WARM_UP_THREADS: tuple[str, int, int] = ("baseline", 50, 2)

#: Where the manifest of passes and argument types is shipped.
MANIFEST = Path(__file__).parent / "data" / "precompile.json"


@dataclass(frozen=True)
class Pass:
    """One compiled pass: a function of the model and the argument types it is compiled for.

    Attributes:
        function: Dotted name (``sim.valuation._value_all``).
        key: Short hash of the argument types (to compare manifests).
        threads: Reached only by the threaded run (:data:`WARM_UP_THREADS`).
        seconds: Seconds its first compilation took when the manifest was recorded, the
            helpers it calls included (to share the work out evenly).
        signature: The argument types (numba types).
    """

    function: str
    key: str
    threads: bool
    seconds: float
    signature: tuple


def signature_key(signature: Sequence[Any]) -> str:
    """A short, stable name for a tuple of numba argument types."""
    return hashlib.sha1(str(tuple(signature)).encode()).hexdigest()[:12]


# -- the warm-up runs -------------------------------------------------------------------------


def warm_up(threads: bool = False) -> None:
    """Run :data:`WARM_UP` (and, with ``threads``, :data:`WARM_UP_THREADS`).

    Every pass they call is compiled, or loaded from numba's cache.
    """
    for scenario, n_mse, steps in WARM_UP:
        run(scenario, steps=steps, n_mse=n_mse, rng=0, threads=1)
    if threads:
        _warm_up_threads()


def _warm_up_threads() -> None:
    scenario, n_mse, steps = WARM_UP_THREADS
    smallest, radix = sim_threads.PARALLEL_MIN_MSES, sim_threads.RADIX_MIN
    # Every size counted as large, for the passes and for the sort behind the Gini.
    sim_threads.PARALLEL_MIN_MSES = sim_threads.RADIX_MIN = 0
    try:
        run(scenario, steps=steps, n_mse=n_mse, rng=0, threads=min(2, sim_threads.max_threads()))
    finally:
        sim_threads.PARALLEL_MIN_MSES, sim_threads.RADIX_MIN = smallest, radix


def _dispatchers() -> list[Any]:
    """Every numba dispatcher of the model's modules that exists in this process."""
    import gc

    from numba.core.registry import CPUDispatcher

    return [
        d
        for d in gc.get_objects()
        if isinstance(d, CPUDispatcher)
        and str(getattr(d.py_func, "__module__", "")).startswith("sim")
    ]


def _called(seen: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], tuple]:
    """The (function, key) -> argument types of the passes compiled or loaded in this process.

    When a pass is loaded from the cache, numba lists the signatures called from Python only
    (the helpers they call are inside their machine code): the passes to compile ahead.
    """
    found = {}
    for d in _dispatchers():
        name = f"{d.py_func.__module__}.{d.py_func.__qualname__}"
        for sig in d.signatures:
            ident = (name, signature_key(sig))
            if seen is None or ident not in seen:
                found[ident] = tuple(sig)
    return found


# -- the manifest -----------------------------------------------------------------------------


def read_manifest(path: Path = MANIFEST) -> tuple[list[Pass], str]:
    """Read the manifest of passes.

    Returns:
        The passes, and an empty string; or no passes and why the manifest cannot be used
        here (missing, another numba version, types that no longer load).
    """
    import numba

    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        return [], f"no readable manifest at {path} ({exc})"
    if record.get("numba") != numba.__version__:
        return [], (
            f"the manifest was recorded with numba {record.get('numba')}, this is "
            f"{numba.__version__}"
        )
    try:
        signatures = pickle.loads(zlib.decompress(base64.b64decode(record["signatures"])))
    except Exception as exc:  # noqa: BLE001 - any failure means: compile on first use instead
        return [], f"the manifest's types do not load here ({type(exc).__name__}: {exc})"
    passes = [
        Pass(p["function"], p["key"], p["threads"], p["seconds"], tuple(sig))
        for p, sig in zip(record["passes"], signatures, strict=True)
    ]
    return passes, ""


def write_manifest(passes: Sequence[Pass], path: Path = MANIFEST) -> None:
    """Write ``passes`` as the manifest (readable fields, then the types as one pickle)."""
    import numba

    record = {
        "about": (
            "The model's passes and their argument types, compiled ahead by "
            "`python -m sim.precompile`. Written by `python -m sim.precompile --record`; "
            "`--check` compares it with the warm-up runs."
        ),
        "numba": numba.__version__,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "passes": [
            {"function": p.function, "key": p.key, "threads": p.threads, "seconds": p.seconds}
            for p in passes
        ],
        "signatures": base64.b64encode(
            zlib.compress(pickle.dumps([p.signature for p in passes], protocol=4), 9)
        ).decode(),
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n")


# -- sharing the work out ---------------------------------------------------------------------


def split(passes: Sequence[Pass], parts: int) -> list[list[Pass]]:
    """Share ``passes`` among ``parts`` workers, longest first, each to the least loaded.

    The longest-processing-time rule: the busiest worker takes at most 4/3 of the best
    possible load. Deterministic: ties go to the lower worker and keep the manifest's order.
    """
    shares: list[list[Pass]] = [[] for _ in range(max(1, parts))]
    loads = [0.0] * len(shares)
    for p in sorted(passes, key=lambda p: -p.seconds):
        least = loads.index(min(loads))
        shares[least].append(p)
        loads[least] += p.seconds
    return [s for s in shares if s]


@contextlib.contextmanager
def saves_locked(lock_path: str | os.PathLike[str]) -> Iterator[None]:
    """Make numba's cache saves in this process wait for a file lock shared with others.

    A save reads the pass's index, adds an entry and writes it back; under the lock no other
    process does the same in between.
    """
    import fcntl

    from numba.core import caching

    original = caching.IndexDataCacheFile.save

    def save(self: Any, key: Any, data: Any) -> None:
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                original(self, key, data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    caching.IndexDataCacheFile.save = save
    try:
        yield
    finally:
        caching.IndexDataCacheFile.save = original


def compile_passes(passes: Sequence[Pass], lock_path: str) -> tuple[int, list[str]]:
    """Compile ``passes`` in this process, saving to numba's cache under the lock.

    Returns:
        How many compiled, and a line for each that did not (the manifest is then stale for
        that pass, which is compiled on first use instead).
    """
    done, failed = 0, []
    with saves_locked(lock_path):
        for p in passes:
            try:
                _resolve(p.function).compile(p.signature)
                done += 1
            except Exception as exc:  # noqa: BLE001 - a stale entry: compiled when first used
                failed.append(f"{p.function} ({type(exc).__name__}: {str(exc)[:200]})")
    return done, failed


def _resolve(function: str) -> Any:
    """The object a dotted name names: a module's attribute, or a class's in a module."""
    module, _, name = function.rpartition(".")
    while module:
        try:
            obj: Any = importlib.import_module(module)
            break
        except ImportError:
            module, _, outer = module.rpartition(".")
            name = f"{outer}.{name}"
    else:
        raise ImportError(f"no module in {function!r}")
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def in_cache(p: Pass) -> bool:
    """Whether numba's cache already holds ``p`` for this machine and this source.

    Reads the pass's index of cached entries (numba's own key: the types, the CPU and the
    function's code); anything unexpected counts as not cached.
    """
    try:
        dispatcher = _resolve(p.function)
        cache = dispatcher._cache
        key = cache._index_key(p.signature, dispatcher.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001 - then it is compiled, which is always right
        return False


def _compile_share(args: tuple[list[Pass], str]) -> tuple[int, list[str], float]:
    start = time.perf_counter()
    done, failed = compile_passes(*args)
    return done, failed, time.perf_counter() - start


@dataclass
class Outcome:
    """What :func:`compile_ahead` did.

    Attributes:
        workers: Processes that compiled (0: nothing to compile, or no usable manifest).
        cached: Passes of the manifest already in numba's cache (not compiled again).
        compiled: Passes compiled ahead.
        failed: Passes of the manifest that did not compile (stale entries).
        reason: Why the manifest was not used, if it was not.
        ahead_seconds: Wall time of the parallel compilation.
        worker_seconds: Each process's time.
        warm_up_seconds: Wall time of the warm-up runs that followed.
        compiled_in_warm_up: Passes called from Python that the warm-up still had to
            compile (the manifest missed them; `--record` would add them).
    """

    workers: int = 0
    cached: int = 0
    compiled: int = 0
    failed: list[str] | None = None
    reason: str = ""
    ahead_seconds: float = 0.0
    worker_seconds: list[float] | None = None
    warm_up_seconds: float = 0.0
    compiled_in_warm_up: int = 0


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def compile_ahead(
    threads: bool = False,
    workers: int | None = None,
    manifest: Path = MANIFEST,
    warm: bool = True,
) -> Outcome:
    """Compile the manifest's passes on ``workers`` processes, then run the warm-up.

    Args:
        threads: Also the threaded passes of large runs.
        workers: Processes (default: one per usable core). 1 compiles in this process.
        manifest: The manifest to read.
        warm: Run the warm-up afterwards (it loads the passes and compiles what the
            manifest missed).

    Returns:
        What was done (:class:`Outcome`).
    """
    import concurrent.futures as cf
    import multiprocessing as mp

    from numba.core import event

    outcome = Outcome(failed=[])
    passes, outcome.reason = read_manifest(manifest)
    passes = [p for p in passes if threads or not p.threads]
    cached = [in_cache(p) for p in passes]
    outcome.cached = sum(cached)
    passes = [p for p, done in zip(passes, cached, strict=True) if not done]
    n = max(1, min(workers or usable_cores(), len(passes)))
    if passes and sys.platform.startswith("linux"):
        start = time.perf_counter()
        shares = split(passes, n)
        with tempfile.TemporaryDirectory() as tmp:
            lock = os.path.join(tmp, "numba-cache.lock")
            if len(shares) == 1:
                results = [_compile_share((shares[0], lock))]
            else:
                # Forked workers start with the model imported and nothing compiled yet
                # (numba has started no threads in this process).
                ctx = mp.get_context("fork")
                with (
                    warnings.catch_warnings(),
                    cf.ProcessPoolExecutor(len(shares), mp_context=ctx) as pool,
                ):
                    # The only other threads are idle native pools (OpenBLAS) with at-fork
                    # handlers (see sim.engines, which forks its workers for the same reason).
                    warnings.filterwarnings("ignore", "This process .* is multi-threaded")
                    results = list(pool.map(_compile_share, [(s, lock) for s in shares]))
        outcome.workers = len(shares)
        outcome.compiled = sum(r[0] for r in results)
        outcome.failed = [line for r in results for line in r[1]]
        outcome.ahead_seconds = time.perf_counter() - start
        outcome.worker_seconds = [r[2] for r in results]
    elif passes:  # pragma: no cover - no fork or no fcntl: compile on first use
        outcome.reason = f"compiling ahead in parallel needs Linux (this is {sys.platform})"
    if not warm:
        return outcome
    listener = event.RecordingListener()
    start = time.perf_counter()
    with event.install_listener("numba:compile", listener):
        warm_up(threads)
    outcome.warm_up_seconds = time.perf_counter() - start
    outcome.compiled_in_warm_up = sum(1 for _ in _compiled_from_python(listener.buffer))
    return outcome


def _is_model(dispatcher: Any) -> bool:
    return str(getattr(dispatcher.py_func, "__module__", "")).startswith("sim")


def _compiled_from_python(events: Sequence[tuple[float, Any]]) -> Iterator[tuple[str, float]]:
    """``(function and key, seconds)`` of each model pass compiled for a call from Python.

    ``events`` are numba's ``numba:compile`` events (a `RecordingListener`'s buffer); the
    compilations of the helpers a pass calls happen inside its own and count in its time.
    """
    depth, began = 0, 0.0
    for ts, ev in events:
        if ev.is_start:
            if depth == 0:
                began = ts
            depth += 1
            continue
        depth -= 1
        if depth == 0 and _is_model(ev.data["dispatcher"]):
            d = ev.data["dispatcher"]
            name = f"{d.py_func.__module__}.{d.py_func.__qualname__}"
            yield f"{name} {signature_key(ev.data['args'])}", ts - began


# -- recording and checking the manifest ------------------------------------------------------


def _record_timings(out: str) -> None:
    """Compile the warm-up in an empty cache and time each pass called from Python.

    A pass's time includes the helpers it is the first to call.
    """
    from numba.core import event

    listener = event.RecordingListener()
    with event.install_listener("numba:compile", listener):
        warm_up(threads=True)
    seconds: dict[str, float] = {}
    for ident, took in _compiled_from_python(listener.buffer):
        seconds[ident] = seconds.get(ident, 0.0) + took
    Path(out).write_text(json.dumps(seconds))


def _called_in_warm_up() -> tuple[dict[tuple[str, str], tuple], dict[tuple[str, str], tuple]]:
    """Run the warm-up and list the passes it calls from Python (see `_called`).

    Returns:
        The passes :data:`WARM_UP` calls, then those :data:`WARM_UP_THREADS` adds.
    """
    warm_up(threads=False)
    month = _called()
    _warm_up_threads()
    return month, _called(set(month))


def _record_passes(out: str) -> None:
    """In a process whose cache holds the warm-up: the passes it calls from Python."""
    month, threaded = _called_in_warm_up()
    passes = [(name, key, False, sig) for (name, key), sig in month.items()]
    passes += [(name, key, True, sig) for (name, key), sig in threaded.items()]
    with open(out, "wb") as fh:
        pickle.dump(passes, fh)


def _child(function: str, out: str, cache: str | None) -> None:
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    code = f"import sim.precompile as p; p.{function}({out!r})"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def record(path: Path = MANIFEST) -> list[Pass]:
    """Write the manifest from the warm-up runs, compiled in a fresh cache (about 2 minutes).

    Two processes: one compiles everything from nothing and times each pass; one loads the
    result and lists the passes called from Python with their argument types.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        timings, listing = os.path.join(tmp, "seconds.json"), os.path.join(tmp, "passes.pkl")
        _child("_record_timings", timings, cache)
        _child("_record_passes", listing, cache)
        seconds = json.loads(Path(timings).read_text())
        with open(listing, "rb") as fh:
            found = pickle.load(fh)
    passes = [
        Pass(name, key, threaded, round(seconds.get(f"{name} {key}", 0.0), 2), sig)
        for name, key, threaded, sig in sorted(found, key=lambda f: (f[2], f[0], f[1]))
    ]
    write_manifest(passes, path)
    return passes


def check(manifest: Path = MANIFEST) -> list[str]:
    """Compare the manifest with the passes the warm-up runs call.

    The warm-up runs here first, so that numba's cache holds every pass (a pass compiled in
    a process lists the helpers it calls among its dispatchers' signatures too); then a
    fresh process, loading them all, lists the passes called from Python.

    Returns:
        One line per difference (empty: the manifest is current).
    """
    passes, reason = read_manifest(manifest)
    if reason:
        return [reason]
    warm_up(threads=True)
    with tempfile.TemporaryDirectory() as tmp:
        listing = os.path.join(tmp, "passes.pkl")
        _child("_record_passes", listing, None)
        with open(listing, "rb") as fh:
            found = pickle.load(fh)
    types = {(name, key): sig for name, key, _, sig in found}
    now = {(name, key, threaded) for name, key, threaded, _ in found}
    listed = {(p.function, p.key, p.threads) for p in passes}
    if sim_threads.max_threads() < 2:  # one core: the threaded passes are never reached
        listed = {item for item in listed if not item[2]}
    lines = [
        f"called, not in the manifest: {n} {k} (threads={t}): {_short(types[n, k])}"
        for n, k, t in now - listed
    ]
    lines += [f"in the manifest, not called: {n} {k} (threads={t})" for n, k, t in listed - now]
    return sorted(lines)


def _short(signature: Sequence[Any], width: int = 60) -> str:
    """The argument types, each cut to ``width`` characters (a bundle's type is long)."""
    return ", ".join(str(t)[:width] for t in signature)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.precompile``: compile ahead, or record or check the manifest."""
    parser = argparse.ArgumentParser(prog="python -m sim.precompile", description=__doc__)
    parser.add_argument("--threads", action="store_true", help="also the threaded passes")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")
    parser.add_argument("--record", action="store_true", help="rewrite the manifest")
    parser.add_argument("--check", action="store_true", help="compare the manifest with the code")
    parser.add_argument("--manifest", default=str(MANIFEST), help="the manifest to compile from")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the warm-up runs")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be a whole number of at least 1, not {args.workers}")
    if args.record:
        start = time.perf_counter()
        passes = record()
        print(
            f"recorded {len(passes)} passes ({sum(p.seconds for p in passes):.0f} s of "
            f"compilation) in {time.perf_counter() - start:.0f} s: {MANIFEST}"
        )
        return 0
    if args.check:
        lines = check()
        for line in lines:
            print(line)
        if lines:
            print("the manifest is stale: python -m sim.precompile --record")
            return 1
        print("the manifest matches the warm-up runs")
        return 0
    out = compile_ahead(
        threads=args.threads,
        workers=args.workers,
        manifest=Path(args.manifest),
        warm=not args.no_warm_up,
    )
    if out.reason:
        print(f"not compiled ahead: {out.reason}; the warm-up compiles on first use")
    elif out.workers:
        print(
            f"compiled {out.compiled} passes ahead on {out.workers} processes in "
            f"{out.ahead_seconds:.0f} s (each process: "
            + ", ".join(f"{s:.0f} s" for s in out.worker_seconds or [])
            + f"); {out.cached} were in numba's cache already"
        )
    else:
        print(f"all {out.cached} passes of the manifest are in numba's cache already")
    for line in out.failed or []:
        print(f"  did not compile ahead: {line}")
    if not args.no_warm_up:
        stale = not out.reason and out.compiled_in_warm_up
        print(
            f"warm-up runs: {out.warm_up_seconds:.0f} s, {out.compiled_in_warm_up} more passes "
            "compiled" + (" (python -m sim.precompile --record would add them)" if stale else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
