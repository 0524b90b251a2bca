"""Compiling the passes ahead (`sim.precompile`): the manifest, the split, the cache lock."""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys

import numba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba.core import caching

from sim import precompile
from sim.precompile import Pass


def _shipped_manifest_usable():
    """Skip where the shipped manifest is for another numba (it is then not used at all)."""
    passes, reason = precompile.read_manifest()
    if reason.startswith("the manifest was recorded with numba"):
        pytest.skip(f"{reason}: python -m sim.precompile --record makes one for this numba")
    assert reason == ""
    return passes


def _passes(seconds):
    return [Pass(f"sim.x.f{i}", f"k{i}", False, s, ()) for i, s in enumerate(seconds)]


def _best_busiest(seconds, parts):
    """The least possible load of the busiest worker, by trying every assignment."""
    return min(
        max(sum(s for s, w in zip(seconds, assign, strict=True) if w == k) for k in range(parts))
        for assign in itertools.product(range(parts), repeat=len(seconds))
    )


@given(
    st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=1, max_size=40),
    st.integers(1, 6),
)
@settings(max_examples=200, deadline=None)
def test_split_gives_every_pass_once_and_shares_the_work_evenly(seconds, parts):
    passes = _passes(seconds)
    shares = precompile.split(passes, parts)
    assert sorted(p.function for s in shares for p in s) == sorted(p.function for p in passes)
    assert 1 <= len(shares) <= parts
    # Any greedy share is within the longest pass of the mean load.
    busiest = max(sum(p.seconds for p in s) for s in shares)
    assert busiest <= sum(seconds) / parts + max(seconds) + 1e-9
    assert shares == precompile.split(passes, parts)  # the same split every time


@given(
    st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=1, max_size=7),
    st.integers(1, 3),
)
@settings(max_examples=100, deadline=None)
def test_split_is_within_four_thirds_of_the_best(seconds, parts):
    """The longest-processing-time rule's guarantee, against the best share found by search."""
    busiest = max(sum(p.seconds for p in s) for s in precompile.split(_passes(seconds), parts))
    assert busiest <= 4 / 3 * _best_busiest(seconds, parts) + 1e-9


def test_manifest_round_trip_keeps_the_numba_types(tmp_path):
    sig = (numba.types.Array(numba.float64, 1, "C"), numba.int64)
    passes = [Pass("sim.detmath.exp", precompile.signature_key(sig), True, 1.5, sig)]
    path = tmp_path / "m.json"
    precompile.write_manifest(passes, path)
    read, reason = precompile.read_manifest(path)
    assert reason == ""
    assert read == passes


def test_a_manifest_of_another_numba_is_not_used(tmp_path):
    path = tmp_path / "m.json"
    precompile.write_manifest(_passes([1.0]), path)
    record = json.loads(path.read_text())
    record["numba"] = "0.1.0"
    path.write_text(json.dumps(record))
    passes, reason = precompile.read_manifest(path)
    assert passes == []
    assert "0.1.0" in reason and numba.__version__ in reason
    passes, reason = precompile.read_manifest(tmp_path / "missing.json")
    assert passes == [] and "no readable manifest" in reason


def test_the_shipped_manifest_lists_the_report_passes_and_the_threaded_ones():
    passes = _shipped_manifest_usable()
    names = {p.function for p in passes}
    assert "sim.valuation._value_all" in names
    assert any(p.threads for p in passes) and any(not p.threads for p in passes)
    assert all(p.key == precompile.signature_key(p.signature) for p in passes)


def test_stale_entries_are_reported_not_raised(tmp_path):
    ok = (numba.float64,)
    passes = [
        Pass("sim.detmath.exp", precompile.signature_key(ok), False, 0.0, ok),
        Pass("sim.detmath.no_such_pass", "x", False, 0.0, ok),
        Pass("sim.detmath.exp", "y", False, 0.0, (numba.types.unicode_type,)),
    ]
    done, failed = precompile.compile_passes(passes, str(tmp_path / "lock"))
    assert done == 1
    assert len(failed) == 2
    assert "no_such_pass" in failed[0] and "AttributeError" in failed[0]
    assert "TypingError" in failed[1]


def _save_many(cache_dir, lock, first, count):
    cache = caching.IndexDataCacheFile(cache_dir, "f-1.py312", ("stamp", 1))
    with precompile.saves_locked(lock):
        for i in range(first, first + count):
            cache.save(f"key{i}", f"data{i}")


def test_locked_saves_of_two_processes_keep_every_entry(tmp_path):
    """Unlocked, two processes saving entries of one pass lose entries or swap data files."""
    ctx = mp.get_context("spawn")
    lock = str(tmp_path / "lock")
    procs = [
        ctx.Process(target=_save_many, args=(str(tmp_path), lock, first, 60)) for first in (0, 1000)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    cache = caching.IndexDataCacheFile(str(tmp_path), "f-1.py312", ("stamp", 1))
    for i in [*range(60), *range(1000, 1060)]:
        assert cache.load(f"key{i}") == f"data{i}"


def _module(*args, timeout=600, env=None):
    return subprocess.run(
        [sys.executable, "-m", "sim.precompile", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_the_manifest_matches_the_warm_up_runs():
    """If this fails, a pass or its argument types changed: python -m sim.precompile --record."""
    _shipped_manifest_usable()
    done = _module("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matches" in done.stdout


def test_compiling_ahead_leaves_nothing_for_the_warm_up():
    passes = _shipped_manifest_usable()
    done = _module("--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    month = sum(not p.threads for p in passes)
    # Where `make setup` ran, they are all in the cache; else two processes compile them.
    assert (
        f"all {month} passes of the manifest are in numba's cache already" in done.stdout
        or re.search(r"compiled \d+ passes ahead on 2 processes", done.stdout)
    ), done.stdout
    assert "did not compile" not in done.stdout
    assert ", 0 more passes compiled" in done.stdout


def test_two_processes_fill_an_empty_cache_and_skip_a_full_one(tmp_path):
    passes = _shipped_manifest_usable()
    cheapest = sorted((p for p in passes if not p.threads), key=lambda p: p.seconds)[:4]
    manifest = tmp_path / "four.json"
    precompile.write_manifest(cheapest, manifest)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    args = ("--manifest", str(manifest), "--workers", "2", "--no-warm-up")
    first = _module(*args, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "compiled 4 passes ahead on 2 processes" in first.stdout, first.stdout
    assert "0 were in numba's cache already" in first.stdout
    again = _module(*args, env=env)
    assert "all 4 passes of the manifest are in numba's cache already" in again.stdout, (
        again.stdout + again.stderr
    )


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_bad_worker_counts_are_refused_with_exit_2(workers):
    done = _module("--workers", workers)
    assert done.returncode == 2
    assert "--workers" in done.stderr and "Traceback" not in done.stderr


def test_compile_times_count_the_helpers_inside_the_pass_that_called_them():
    from types import SimpleNamespace

    from sim import detmath, valuation

    def event(start, dispatcher, args=()):
        data = {"dispatcher": dispatcher, "args": args}
        return SimpleNamespace(is_start=start, data=data)

    outer, helper = valuation._value_all, detmath.exp
    events = [
        (0.0, event(True, outer)),
        (1.0, event(True, helper)),  # compiled inside the pass: part of its time
        (3.0, event(False, helper)),
        (5.0, event(False, outer)),
        (6.0, event(True, helper, (numba.float64,))),  # called from Python itself
        (6.5, event(False, helper, (numba.float64,))),
    ]
    found = list(precompile._compiled_from_python(events))
    assert found == [
        (f"sim.valuation._value_all {precompile.signature_key(())}", 5.0),
        (f"sim.detmath.exp {precompile.signature_key((numba.float64,))}", 0.5),
    ]
