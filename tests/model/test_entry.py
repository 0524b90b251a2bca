"""Unit tests of :mod:`sim.entry`: new MSEs enter when the chain beats their outside option.

The outside option is `sim.second_chain.outside_income` without upgrades, so the tests move
it with the ``outside_income`` constant: low (10 a month, below what the chain pays) entry
appears; high (200) or with ``entry_rate = 0`` it vanishes, and then nothing else moves.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import entry
from sim.model import ValueChainModel
from sim.population import Population

N = 200
CHEAP_OUTSIDE = {"outside_income": 10.0}  # the chain pays more: entry
DEAR_OUTSIDE = {"outside_income": 200.0}  # the chain pays less: no entry


def _run(steps: int = 24, *, rng: int = 3, **overrides) -> ValueChainModel:
    model = ValueChainModel("baseline", rng=rng, n_mse=N, **overrides)
    for _ in range(steps):
        model.step()
    return model


def test_entrants_appear_when_the_chain_beats_the_outside_option():
    model = _run(**CHEAP_OUTSIDE)
    df = model.results()
    assert model.entry.expected_income > model.entry.outside_option
    assert df["n_entrants"].sum() > 0
    assert model.population.n == N + df["n_entrants"].sum()
    assert df["n_active"].iloc[-1] > N * 0.9


def test_no_entrants_when_the_outside_option_pays_more():
    model = _run(**DEAR_OUTSIDE)
    assert model.entry.expected_income < model.entry.outside_option
    assert model.results()["n_entrants"].sum() == 0
    assert model.population.n == N


def test_no_entrants_at_rate_zero_and_nothing_else_moves():
    off = _run(**CHEAP_OUTSIDE, entry_rate=0.0)
    assert off.results()["n_entrants"].sum() == 0 and off.population.n == N
    # Entry on but never attractive draws nothing from the model's generator: the same run.
    quiet = _run(**DEAR_OUTSIDE)
    quiet_off = _run(**DEAR_OUTSIDE, entry_rate=0.0)
    assert quiet.results().equals(quiet_off.results())
    assert quiet.rng.bit_generator.state == quiet_off.rng.bit_generator.state


def test_entrants_do_not_change_the_cohorts_random_numbers():
    # However many MSEs enter, the model's generator draws the same numbers (the cohort's),
    # and entrants' rows of the month's draws come from entry's own stream.
    few = _run(**CHEAP_OUTSIDE, entry_rate=0.005)
    many = _run(**CHEAP_OUTSIDE, entry_rate=0.05)
    none = _run(**CHEAP_OUTSIDE, entry_rate=0.0)
    assert none.population.n < few.population.n < many.population.n
    assert few.rng.bit_generator.state == many.rng.bit_generator.state
    assert few.rng.bit_generator.state == none.rng.bit_generator.state
    draws = entry.month_draws(many)
    assert draws.learn.size == many.population.n


def test_entry_stream_leaves_the_models_generator_alone():
    on = ValueChainModel("baseline", rng=5, n_mse=50)
    off = ValueChainModel("baseline", rng=5, n_mse=50, entry_rate=0.0)
    assert on.rng.bit_generator.state == off.rng.bit_generator.state
    # Its own stream: reproducible from the seed, and not the model's.
    again = ValueChainModel("baseline", rng=5, n_mse=50)
    assert on.entry.rng.random() == again.entry.rng.random()
    assert on.entry.rng.bit_generator.state != on.rng.bit_generator.state


def test_attractiveness_rises_with_the_gap_and_is_capped():
    k = ValueChainModel("baseline", rng=1, n_mse=10).constants
    full = float(k[0]["entry_full_gap"])
    assert entry.attractiveness(20.0, 40.0, k) == 0.0
    assert entry.attractiveness(40.0, 40.0, k) == 0.0
    half = entry.attractiveness(40.0 * (1 + full / 2), 40.0, k)
    assert half == pytest.approx(0.5)
    assert entry.attractiveness(1000.0, 40.0, k) == 1.0


def _per_mse_arrays(model) -> dict[str, np.ndarray]:
    """The model's own per-MSE arrays (and the population's), by name."""
    names = [
        "social",
        "side_selling",
        "group_benefit",
        "initial_cash",
        "ever_financed",
        "ever_linked",
        "ever_grouped",
        "links",
        "brokers",
        "contracts",
    ]
    arrays = {name: getattr(model, name) for name in names}
    sales = model.last_sales
    arrays.update(revenue=sales.revenue, produced=sales.produced)
    return arrays


def test_appended_rows_are_well_formed_and_the_model_steps_on():
    model = _run(6, **CHEAP_OUTSIDE)
    pop = model.population
    before, state = pop.n, pop.state
    count = 0
    while not count:  # a month's start, as the step runs it
        count = entry.enter(model)
    assert pop.n == before + count and model.entry.entrants == count
    new = slice(before, pop.n)
    # Drawn like the initial population: valid villages, no upgrades, links, groups or debt.
    assert ((pop.village[new] >= 0) & (pop.village[new] < model.scenario.n_villages)).all()
    assert ((pop.trader[new] >= 0) & (pop.trader[new] < model.scenario.n_intermediaries)).all()
    assert model.traders.active[pop.trader[new]].all()  # an operating trader serves them
    assert (pop.upgrades[new] == 0).all() and (pop.debt[new] == 0).all()
    assert (pop.group[new] == -1).all() and (pop.lead_firm[new] == -1).all()
    assert (pop.channels[new] == 1).all() and pop.active[new].all()
    assert (pop.cash[new] > 0).all() and (model.initial_cash[new] == pop.cash[new]).all()
    assert np.isfinite(pop.belief_price[:, new]).all() and (pop.belief_price[0, new] > 0).all()
    # Every per-MSE array has grown; the compiled passes get a new bundle.
    for f in Population.__dataclass_fields__:
        assert getattr(pop, f).shape[-1] == pop.n, f
    for name in (
        "social",
        "side_selling",
        "group_benefit",
        "initial_cash",
        "ever_linked",
        "broker_choice",
    ):
        assert getattr(model, name).shape[-1] == pop.n, name
    assert pop.state is not state
    model.step()
    for name, array in _per_mse_arrays(model).items():
        assert array.shape[-1] == pop.n, name
    assert np.isfinite(model.results().to_numpy(dtype=float)).all()


def test_entrants_are_mesa_agents_with_fresh_unique_ids():
    early = ValueChainModel("baseline", rng=3, n_mse=N, **CHEAP_OUTSIDE)
    views_before = early.mses  # made before anyone enters: entrants are added as they come
    late = ValueChainModel("baseline", rng=3, n_mse=N, **CHEAP_OUTSIDE)
    for _ in range(12):
        early.step()
        late.step()
    assert views_before is early.mses
    for model in (early, late):
        agents = model.mses.to_list()
        assert len(agents) == model.population.n
        assert sorted(a.row for a in agents) == list(range(model.population.n))
        ids = [a.unique_id for a in model.agents]
        assert len(ids) == len(set(ids))
    # The same id for the same row, whenever the views were made.
    ids_early = {a.row: a.unique_id for a in early.mses}
    ids_late = {a.row: a.unique_id for a in late.mses}
    assert ids_early == ids_late
    entrant = next(a for a in late.mses if a.row == N)
    assert entrant.active == bool(late.population.active[N])


def test_the_original_cohorts_metrics_leave_entrants_out():
    model = _run(**CHEAP_OUTSIDE)
    assert model.cohort_size == N < model.population.n
    pop = model.population
    df = model.results()
    upgraded = float((pop.upgrades[:N] != 0).mean())
    assert df["share_upgraded"].iloc[-1] == pytest.approx(upgraded)
    from sim.who_gains import distribution, reach

    assert reach(model)["all"] == N
    assert int(distribution(model).loc[0, "n_mse"]) == N


@settings(max_examples=8, deadline=None)
@given(
    outside=st.floats(5.0, 80.0),
    rate=st.sampled_from([0.0, 0.015, 0.1]),
    seed=st.integers(0, 2**16),
)
def test_arrays_stay_consistent_and_active_within_created(outside, rate, seed):
    model = ValueChainModel("baseline", rng=seed, n_mse=60, outside_income=outside, entry_rate=rate)
    for _ in range(8):
        model.step()
    pop, df = model.population, model.results()
    assert pop.n == 60 + df["n_entrants"].sum()
    assert (df["n_active"] <= pop.n).all()
    for f in Population.__dataclass_fields__:
        assert getattr(pop, f).shape[-1] == pop.n, f
    for name, array in _per_mse_arrays(model).items():
        assert array.shape[-1] == pop.n, name
    if rate == 0.0:
        assert pop.n == 60
