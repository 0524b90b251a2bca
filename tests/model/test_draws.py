"""Unit tests of :mod:`sim.draws`: a month's random numbers, drawn at once or when read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim import draws


def test_drawing_array_by_array_draws_the_same_numbers(monkeypatch):
    # Large populations draw the month's uniforms array by array, to let go of each early.
    at_once = draws.Draws.draw(np.random.default_rng(4), 1000)
    monkeypatch.setattr(draws, "SEPARATE_DRAWS_MIN", 0)
    one_by_one = draws.Draws.draw(np.random.default_rng(4), 1000)
    for name in draws.Draws.__slots__:
        np.testing.assert_array_equal(getattr(one_by_one, name), getattr(at_once, name))
    one_by_one.release("recruit")
    assert not hasattr(one_by_one, "recruit")


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
def test_rows_drawn_when_read_are_the_numbers_drawn_at_once(bits, threads, monkeypatch):
    # From SEPARATE_DRAWS_MIN MSEs a month's rows are drawn when first read, in any order,
    # from a generator moved past them: the same numbers, and the generator ends where it
    # would (a buffered 32-bit half included); on several threads each row is drawn in parts.
    def generator():
        rng = np.random.Generator(bits(11))
        rng.integers(0, 7, size=3, dtype=np.uint32)  # leaves half a 64-bit output buffered
        return rng

    eager_rng, lazy_rng = generator(), generator()
    at_once = draws.Draws.draw(eager_rng, 1000)
    monkeypatch.setattr(draws, "SEPARATE_DRAWS_MIN", 0)
    when_read = draws.Draws.draw(lazy_rng, 1000, threads)
    if bits is not np.random.MT19937:  # no `advance`: drawn at once, array by array
        assert isinstance(when_read, draws.DrawsWhenRead)
    np.testing.assert_array_equal(when_read.prices, at_once.prices)
    for name in ("transit", "learn", "recruit", "belief_noise", "success", "decide", "join"):
        np.testing.assert_array_equal(getattr(when_read, name), getattr(at_once, name))
    when_read.release("recruit", "groups")  # "groups" never read: nothing to draw
    assert not hasattr(when_read, "recruit") and not hasattr(when_read, "groups")
    for size in (5, 4):
        np.testing.assert_array_equal(
            lazy_rng.integers(0, 1 << 30, size=size, dtype=np.uint32),
            eager_rng.integers(0, 1 << 30, size=size, dtype=np.uint32),
        )
    np.testing.assert_array_equal(lazy_rng.random(9), eager_rng.random(9))


def test_a_run_with_rows_drawn_when_read_is_the_same_run(monkeypatch):
    levers = {"n_mse": 300, "mse_brokers": 0.5, "forward_contracts": 0.6, "group_support": 0.8}
    before = sim.run(steps=15, rng=9, **levers)
    monkeypatch.setattr(draws, "SEPARATE_DRAWS_MIN", 0)
    after = sim.run(steps=15, rng=9, **levers)
    pd.testing.assert_frame_equal(after, before, check_exact=True)


@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.PCG64DXSM])
def test_rows_taken_in_stretches_and_drawn_again_are_the_numbers_drawn_at_once(bits, monkeypatch):
    # `take` draws a row's MSEs a stretch at a time (a few stretches here, some skipped, some
    # holding one MSE), and a row let go of with `forget` is drawn again when read: the
    # numbers drawn at once, and the generator ends where it would.
    def generator():
        rng = np.random.Generator(bits(12))
        rng.integers(0, 7, size=3, dtype=np.uint32)  # half a 64-bit output buffered
        return rng

    n = 1000
    eager_rng, lazy_rng = generator(), generator()
    at_once = draws.Draws.draw(eager_rng, n)
    monkeypatch.setattr(draws, "SEPARATE_DRAWS_MIN", 0)
    monkeypatch.setattr(draws, "TAKE_BLOCK", 64)
    when_read = draws.Draws.draw(lazy_rng, n)
    rows = np.sort(np.random.default_rng(0).choice(n, 90, replace=False))
    rows = np.concatenate(([0], rows[(rows > 0) & (rows < n - 1)], [n - 1]))
    for name in ("decide", "success", "learn", "recruit"):
        np.testing.assert_array_equal(when_read.take(name, rows), getattr(at_once, name)[rows])
        np.testing.assert_array_equal(
            when_read.take(name, rows[5:6]), getattr(at_once, name)[rows[5:6]]
        )
        assert when_read.take(name, rows[:0]).size == 0
    first = when_read.transit.copy()
    when_read.forget("transit")
    np.testing.assert_array_equal(when_read.transit, first)
    np.testing.assert_array_equal(first, at_once.transit)
    np.testing.assert_array_equal(at_once.take("join", rows), at_once.join[rows])
    assert lazy_rng.bit_generator.state == eager_rng.bit_generator.state
