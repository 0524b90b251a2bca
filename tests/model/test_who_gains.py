"""Who gains (sim.who_gains): reach from model state, the group table and the margin split."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.who_gains import DIMENSIONS, PARTIES, reach


def _model(steps=36, **overrides):
    m = sim.ValueChainModel("baseline", rng=3, **{"n_mse": 300, **overrides})
    for _ in range(steps):
        m.step()
    return m


def test_reach_comes_from_state_and_vanishes_with_its_lever():
    # Investment loans come from credit access and, through producer groups, from group
    # lending (issue 10); with both off nobody is financed.
    no_finance = {"credit_access": 0.0, "group_finance": 0.0, "working_capital_credit": 0.0}
    with_credit, without = _model(credit_access=0.8), _model(**no_finance)
    assert reach(with_credit)["financed"] > 0
    assert reach(without)["financed"] == 0
    more_ict = _model(steps=1, ict_access=0.6)
    assert reach(more_ict)["connected"] == int(more_ict.population.ict.sum())
    assert reach(_model(steps=12, group_support=0.9))["grouped"] >= int(
        (_model(steps=12, group_support=0.9).population.group >= 0).sum()
    )


def test_initial_cash_is_a_copy_of_the_start():
    m = sim.ValueChainModel("baseline", rng=5, n_mse=100)
    start = m.population.cash.copy()
    for _ in range(6):
        m.step()
    np.testing.assert_array_equal(m.initial_cash, start)
    assert not np.array_equal(m.population.cash, start)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"n_lead_firms": 0},
        {
            "credit_access": 0.9,
            "ict_access": 0.9,
            "bargaining_power": 0.9,
            "forward_contracts": 0.9,
        },
    ],
)
def test_distribution_shares_add_up_to_the_whole(overrides):
    m = _model(**overrides)
    df = sim.distribution(m)
    whole = df[df["dimension"] == "all"].iloc[0]
    assert whole["n_mse"] == m.population.n
    for dim in DIMENSIONS[1:]:
        part = df[df["dimension"] == dim]
        assert part["n_mse"].sum() == m.population.n
        assert part["upgraded"].sum() == whole["upgraded"]
        assert part["mse_share"].sum() == pytest.approx(1.0)
        assert part["income_share"].sum() == pytest.approx(1.0)
        weighted = (part["mean_income"] * part["n_mse"]).sum() / m.population.n
        assert weighted == pytest.approx(whole["mean_income"])


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"n_lead_firms": 0},
        {"forward_contracts": 0.9, "embedded_services": 0.9, "physical_distance": 0.1},
    ],
)
def test_margin_shares_add_up_to_the_end_market_payment(overrides):
    m = _model(**overrides)
    df = sim.distribution(m)
    margin = df[df["dimension"] == "margin"].set_index("group")
    assert list(margin.index) == list(PARTIES)
    assert margin["payment_share"].sum() == pytest.approx(1.0, abs=1e-9)
    sales = m.last_sales
    per_unit = sales.buyer_payments.sum() / sales.units.sum()
    assert margin["per_unit"].sum() == pytest.approx(per_unit, rel=1e-9)
    assert margin.loc["brokers", "per_unit"] == pytest.approx(
        sales.broker_take / sales.units.sum(), rel=1e-12
    )
    assert margin.loc["MSEs", "payment_share"] > 0.5


def test_brokers_part_appears_with_mse_brokers_and_vanishes_without():
    def brokers_share(level):
        df = sim.distribution(_model(steps=36, mse_brokers=level, intermediary_rent=0.9))
        return df[(df["dimension"] == "margin") & (df["group"] == "brokers")]["payment_share"].iloc[
            0
        ]

    assert brokers_share(0.0) == 0
    assert brokers_share(1.0) > 0


def test_sim_distribution_is_the_who_gains_function_however_it_was_imported():
    import types

    import sim.who_gains as module

    assert sim.distribution is module.distribution
    assert not isinstance(sim.distribution, types.ModuleType)
    m = _model(steps=3)
    assert sim.distribution(m).equals(module.distribution(m))
