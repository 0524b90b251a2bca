"""Threads: a seed gives the same bits on one thread, on two, and in the serial passes.

The chunked (parallel) passes run from `sim.threads.PARALLEL_MIN_MSES` MSEs on, when the model
has more than one thread (on one thread the serial passes run); here the threshold and the
chunk size are lowered so that small runs take the chunked path with many chunks, and the
results are compared to the bit with the serial path's.
"""

from __future__ import annotations

from dataclasses import fields

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sim
from sim import (
    brokers,
    channels,
    contracts,
    finance,
    groups,
    population,
    sales,
    services,
    signals,
    terms,
    threads,
    upgrades,
    valuation,
)
from sim.errors import UserInputError
from sim.metrics import census

TWO = pytest.mark.skipif(threads.max_threads() < 2, reason="numba may use only one thread here")


def _table(**kwargs) -> np.ndarray:
    df = sim.run(**kwargs)
    return df.to_numpy(dtype=float)


#: The modules whose passes work in chunks over threads from PARALLEL_MIN_MSES MSEs.
CHUNKED = (
    valuation,
    signals,
    population,
    sales,
    groups,
    terms,
    brokers,
    census,
    channels,
    contracts,
    finance,
    services,
    upgrades,
)


@pytest.fixture
def chunked(monkeypatch):
    """Every pass takes its chunked path, in chunks of 37 rows."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_MSES", 0)
    for module in CHUNKED:
        monkeypatch.setattr(module, "CHUNK", 37)


@TWO
@pytest.mark.parametrize("scenario", ["baseline", "kenya-avocados"])
def test_chunked_passes_on_one_and_two_threads_give_the_serial_results(scenario, monkeypatch):
    args = dict(scenario=scenario, steps=24, rng=7, n_mse=500, credit_access=0.8)
    serial = _table(**args, threads=1)
    monkeypatch.setattr(threads, "PARALLEL_MIN_MSES", 0)
    for module in CHUNKED:
        monkeypatch.setattr(module, "CHUNK", 37)
    one = _table(**args, threads=1)  # one thread takes the serial passes at any size
    two = _table(**args, threads=2)  # two threads take every chunked pass
    np.testing.assert_array_equal(one, serial)
    np.testing.assert_array_equal(two, serial)


@TWO
def test_the_chunked_passes_run_only_with_more_than_one_thread(monkeypatch):
    # On one thread a split pass would go over its rows twice for nothing (about 7% of a
    # month at 10^6 MSEs): the size and the thread count choose the path together.
    n = threads.PARALLEL_MIN_MSES
    with threads.using_threads(1):
        assert not threads.parallel(n)
    with threads.using_threads(2):
        assert threads.parallel(n)
        assert not threads.parallel(n - 1)


@TWO
def test_a_large_run_is_the_same_on_one_and_two_threads():
    # At the real threshold and chunk size: the code a 10^5-MSE run takes.
    n = threads.PARALLEL_MIN_MSES
    one = _table(steps=3, rng=2, n_mse=n, threads=1)
    two = _table(steps=3, rng=2, n_mse=n, threads=2)
    np.testing.assert_array_equal(one, two)


#: The model's per-MSE state and month results compared by the large-run test below.
_MODEL_ARRAYS = ("links", "brokers", "contracts", "bargaining", "group_benefit", "side_selling")


def _state(model) -> dict[str, np.ndarray]:
    """Every array a month leaves behind: the population's, the model's and the sales'."""
    pop = model.population
    arrays = {f"pop.{f.name}": np.asarray(getattr(pop, f.name)) for f in fields(pop)}
    arrays.update({name: np.asarray(getattr(model, name)) for name in _MODEL_ARRAYS})
    sold = model.last_sales
    # The sales' arrays; the units by channel and the brokerage as whole arrays, the link
    # terms array by array, and not the run's constants (`sim.sales.Sales`).
    held = {"sold_units", "sold_brokerage", "terms", "consts"}
    arrays.update({f"sales.{k}": np.asarray(v) for k, v in vars(sold).items() if k not in held})
    arrays.update({f"sales.terms.{k}": np.asarray(v) for k, v in sold.terms._asdict().items()})
    arrays.update({"sales.units": sold.units, "sales.brokerage": sold.brokerage})
    # Worked out when read, from the arrays above (`sim.sales.Sales`, `sim.terms.LinkTerms`).
    arrays.update({"sales.base": sold.base, "sales.premium_rate": sold.premium_rate})
    arrays["sales.link_transport"] = sold.terms.transport_by_channel(model.constants)
    return arrays


@TWO
def test_a_large_model_leaves_the_same_state_on_one_and_two_threads(monkeypatch):
    # A model of 10^5 MSEs (at the real chunk size, a few chunks): every pass that works over
    # threads from PARALLEL_MIN_MSES gives each MSE, and every total, the same bits on one and
    # two threads, month after month (the threshold lowered so that the model is cheap).
    monkeypatch.setattr(threads, "PARALLEL_MIN_MSES", 50_000)
    args = dict(rng=4, n_mse=60_000, mse_brokers=0.5, forward_contracts=0.6, group_support=0.8)
    one = sim.ValueChainModel(**args, threads=1)
    two = sim.ValueChainModel(**args, threads=2)
    for _ in range(3):
        one.step()
        two.step()
        a, b = _state(one), _state(two)
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    pd.testing.assert_frame_equal(one.results(), two.results(), check_exact=True)


@TWO
def test_the_thread_count_is_set_only_while_the_model_steps(chunked):
    before = numba.get_num_threads()
    other = 1 if before > 1 else 2
    model = sim.ValueChainModel(rng=1, n_mse=100, threads=other)
    model.step()
    assert model.threads == other
    assert numba.get_num_threads() == before


@TWO
@pytest.mark.parametrize("size", [1001, threads.RADIX_MIN + 1001])  # numpy's sort, the radix's
def test_sorting_on_threads_gives_numpys_sort(chunked, size):
    rng = np.random.default_rng(0)
    x = np.concatenate([np.zeros(50), rng.random(size), rng.random(20).round(1)])
    rng.shuffle(x)
    for count in (1, 2):
        ours = x.copy()
        threads.sort_in_place(ours, count)
        np.testing.assert_array_equal(ours, np.sort(x))


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.integers(0, 300),
        elements=st.floats(allow_nan=False, allow_subnormal=True) | st.sampled_from([0.0, 1.0]),
    )
)
def test_the_radix_sort_gives_numpys_sorted_array_bit_for_bit(x):
    # Any floats but NaN: infinities, subnormals, ties; -0.0 and 0.0 compare equal and are
    # the only values whose order numpy leaves open, so zeros are compared as numbers.
    ours = x.copy()
    threads.radix_sort(ours)
    theirs = np.sort(x)
    np.testing.assert_array_equal(ours, theirs)
    nonzero = theirs != 0.0
    np.testing.assert_array_equal(ours.view(np.uint64)[nonzero], theirs.view(np.uint64)[nonzero])
    assert not np.any(
        np.signbit(ours[1:]) & (ours[1:] == 0.0) & (ours[:-1] == 0.0) & ~np.signbit(ours[:-1])
    )


def test_the_radix_sort_skips_no_digit_that_differs():
    # Keys equal in every digit but one (each pass alone must move them), and keys equal in
    # every digit (every pass skipped).
    for bit in range(64):
        keys = np.array([1 << bit, 0, 1 << bit, 0], np.uint64) | np.uint64(1 << 62)
        x = keys.view(np.float64).copy()
        threads.radix_sort(x)
        np.testing.assert_array_equal(x, np.sort(keys.view(np.float64)))
    same = np.full(7, 3.25)
    threads.radix_sort(same)
    np.testing.assert_array_equal(same, 3.25)


def test_tasks_run_at_once_all_end_and_a_helpers_error_is_raised_here():
    done = []

    def fail():
        raise ValueError("helper failed")

    with pytest.raises(ValueError, match="helper failed"):
        threads.run_at_once([fail, lambda: done.append(1)])
    assert done == [1]
    threads.run_at_once([])


def test_the_thread_count_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    assert threads.choose_threads() == threads.max_threads()
    assert threads.worker_threads() == 1
    monkeypatch.setenv(threads.ENV, "1")
    assert threads.choose_threads() == 1
    assert threads.worker_threads() == 1
    assert threads.choose_threads(threads.max_threads()) == threads.max_threads()


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two", True, 10_000])
def test_a_bad_thread_count_is_refused_naming_it(bad):
    with pytest.raises(UserInputError, match=r"threads: value .* \(allowed: a whole number from 1"):
        sim.ValueChainModel(rng=1, n_mse=10, threads=bad)


def test_a_bad_environment_variable_is_refused_naming_it(monkeypatch):
    monkeypatch.setenv(threads.ENV, "lots")
    with pytest.raises(UserInputError, match=r"MSE_SIM_THREADS: value 'lots'"):
        sim.run(steps=1, rng=1, n_mse=10)


@TWO
@pytest.mark.parametrize("detail", [True, False])
def test_chunked_valuation_gives_the_serial_options(detail, monkeypatch):
    from sim import services

    m = sim.ValueChainModel(rng=5, n_mse=700, credit_access=0.9)
    m.population.aware[:] = 0b11111  # many deciders, in every chunk
    for _ in range(2):
        m.step()
    svc = services.service_intensity(m.population, m.scenario.embedded_services)
    ctx = m.decision_context(m.clarity(), svc)
    with threads.using_threads(1):
        serial = valuation.value_options(m.population, ctx, consts=m.constants, detail=detail)
    monkeypatch.setattr(threads, "PARALLEL_MIN_MSES", 0)
    monkeypatch.setattr(valuation, "CHUNK", 37)
    with threads.using_threads(2):
        chunked = valuation.value_options(m.population, ctx, consts=m.constants, detail=detail)
    assert serial.rows.size > 100
    for name in ("rows", "investment", "working_capital", "success", "value", "feasible"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(serial, name))
    np.testing.assert_array_equal(chunked.new_channel, serial.new_channel)
    if detail:
        np.testing.assert_array_equal(chunked.gain, serial.gain)
        np.testing.assert_array_equal(chunked.variance_change, serial.variance_change)
    else:
        assert chunked.gain is None and serial.gain is None


def test_a_studys_workers_run_their_models_on_one_thread(monkeypatch):
    from sim import engines

    seen = []

    def model_seen(scenario, *, rng, threads, **options):
        seen.append(threads)
        return sim.ValueChainModel(scenario, rng=rng, threads=threads, **options)

    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(engines, "ValueChainModel", model_seen)
    engines.run_columns(({"n_mse": 20}, 1, 1, ["share_upgraded"]))
    monkeypatch.setenv(threads.ENV, str(threads.max_threads()))
    engines.run_columns(({"n_mse": 20}, 1, 1, ["share_upgraded"]))
    assert seen == [1, threads.max_threads()]


def test_news_worked_out_in_blocks_of_learners_gives_the_same_run(monkeypatch):
    # Large populations work out news of options a block of learners at a time (memory).
    from sim import model

    args = dict(steps=12, rng=3, n_mse=400)
    whole = _table(**args)
    monkeypatch.setattr(model, "LEARN_BLOCK", 37)
    np.testing.assert_array_equal(_table(**args), whole)
