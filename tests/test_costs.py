"""Costs and who gains: the cost model, reach from model state, distribution, margins."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim import experiments
from sim.costs import COSTS, cost_effectiveness, fieller, lever_by_lever, load_costs, who_gains
from sim.costs.effectiveness import COLUMNS, seed_costs
from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.scenario import LEVERS
from sim.who_gains import DIMENSIONS, PARTIES, reach, summary


def _model(steps=36, **overrides):
    m = sim.ValueChainModel("baseline", rng=3, **{"n_mse": 300, **overrides})
    for _ in range(steps):
        m.step()
    return m


@pytest.fixture(scope="module")
def costed():
    """Guidelines 4 and 6 (and 6's levers alone) on a small scenario, with the probe."""
    gs = [GUIDELINES["g4"], GUIDELINES["g6"], *lever_by_lever(GUIDELINES["g6"])]
    return experiments.run_experiments(gs, "baseline", seeds=4, steps=36, workers=1,
                                       probe=summary, n_mse=250)


# -- the cost model ------------------------------------------------------------------------

def test_every_guideline_lever_has_a_sourced_cost():
    for g in GUIDELINES.values():
        for lever in g.levers:
            cost = COSTS.lever(lever)
            assert cost.source.strip()
    assert COSTS.usd_per_unit > 0 and COSTS.currency_source


@pytest.mark.parametrize("field, part", [("per_mse_usd", "per_mse"),
                                         ("per_lever_unit_usd", "per_lever_unit"),
                                         ("fixed_usd", "fixed")])
def test_doubling_a_unit_cost_doubles_that_part_only(field, part):
    lever = "credit_access"
    model = COSTS.with_cost(lever, per_lever_unit_usd=1000.0)  # give it every kind of part
    base = model.lever(lever)
    doubled = model.with_cost(lever, **{field: 2 * getattr(base, field)}).lever(lever)
    new, before = {"financed": 40}, {"financed": 15}
    p1, p2 = base.parts(0.4, new, before), doubled.parts(0.4, new, before)
    assert p1[part] > 0 and p2[part] == pytest.approx(2 * p1[part])
    for other in set(p1) - {part}:
        assert p2[other] == p1[other]


def test_doubling_the_per_mse_cost_doubles_that_part_in_an_experiment(costed):
    r = costed["g4"]
    doubled = COSTS.with_cost("credit_access",
                              per_mse_usd=2 * COSTS.lever("credit_access").per_mse_usd)
    a, b = seed_costs(r, COSTS), seed_costs(r, doubled)
    assert a["per_mse"].sum() > 0  # more credit does reach some new borrowers
    np.testing.assert_allclose(b["per_mse"], 2 * a["per_mse"])
    np.testing.assert_allclose(b["fixed"], a["fixed"])


def test_a_move_that_reaches_no_mse_costs_only_its_fixed_part():
    cost = COSTS.lever("credit_access")
    same = {"financed": 12}
    parts = cost.parts(0.4, same, same)
    assert parts["per_mse"] == 0
    assert sum(parts.values()) == cost.fixed_usd + cost.per_lever_unit_usd * 0.4
    assert sum(COSTS.lever("credit_access").parts(0.0, {"financed": 50}, same).values()) == 0


def test_an_audience_is_charged_by_the_size_of_the_move():
    cost = COSTS.lever("targeted_facilitation")
    reach_ = {"excluded": 300}
    assert cost.parts(0.4, reach_, reach_)["per_mse"] == pytest.approx(
        0.4 * 300 * cost.per_mse_usd)


def test_bad_cost_files_name_the_problem(tmp_path):
    good = (sim.data.data_path("costs.toml")).read_text(encoding="utf-8")
    cases = {
        "negative": (good.replace("per_mse_usd = 130", "per_mse_usd = -130"), "per_mse_usd"),
        "lever": (good.replace("[levers.herding]", "[levers.hurding]"), "hurding"),
        "reach": (good.replace('reach = "financed"', 'reach = "lent"'), "lent"),
        "currency": (good.replace("usd_per_unit = 1.0", "usd_per_unit = 0"), "usd_per_unit"),
    }
    for name, (text, word) in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UserInputError, match=word):
            load_costs(path)
    with pytest.raises(UserInputError, match="competition"):
        COSTS.lever("competition")  # a condition, not a programme's lever
    assert set(COSTS.levers) <= set(LEVERS)


# -- reach and who gains, from the model's state ----------------------------------------------

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
        (_model(steps=12, group_support=0.9).population.group >= 0).sum())


def test_initial_cash_is_a_copy_of_the_start():
    m = sim.ValueChainModel("baseline", rng=5, n_mse=100)
    start = m.population.cash.copy()
    for _ in range(6):
        m.step()
    np.testing.assert_array_equal(m.initial_cash, start)
    assert not np.array_equal(m.population.cash, start)


@pytest.mark.parametrize("overrides", [{}, {"n_lead_firms": 0},
                                       {"credit_access": 0.9, "ict_access": 0.9,
                                        "bargaining_power": 0.9, "forward_contracts": 0.9}])
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


@pytest.mark.parametrize("overrides", [{}, {"n_lead_firms": 0},
                                       {"forward_contracts": 0.9, "embedded_services": 0.9,
                                        "physical_distance": 0.1}])
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
        sales.broker_take / sales.units.sum(), rel=1e-12)
    assert margin.loc["MSEs", "payment_share"] > 0.5


def test_brokers_part_appears_with_mse_brokers_and_vanishes_without():
    def brokers_share(level):
        df = sim.distribution(_model(steps=36, mse_brokers=level, intermediary_rent=0.9))
        return df[(df["dimension"] == "margin") & (df["group"] == "brokers")][
            "payment_share"].iloc[0]

    assert brokers_share(0.0) == 0
    assert brokers_share(1.0) > 0


def test_sim_distribution_is_the_who_gains_function_however_it_was_imported():
    import types

    import sim.who_gains as module

    assert sim.distribution is module.distribution
    assert not isinstance(sim.distribution, types.ModuleType)
    m = _model(steps=3)
    assert sim.distribution(m).equals(module.distribution(m))


# -- cost-effectiveness ---------------------------------------------------------------------

def test_fieller_matches_the_t_interval_when_the_denominator_is_fixed():
    a = np.array([10.0, 12.0, 9.0, 11.0])
    ratio, low, high = fieller(a, np.full(4, 2.0))
    _, t_low, t_high = experiments.paired_effect(np.zeros(4), a)
    assert ratio == pytest.approx(5.25)
    assert (low, high) == pytest.approx((t_low / 2, t_high / 2))


def test_fieller_is_unbounded_when_the_gain_may_be_zero():
    _, low, high = fieller(np.full(5, 100.0), np.array([-2.0, 3.0, -1.0, 2.0, 0.5]))
    assert math.isnan(low) and math.isnan(high)


def test_cost_effectiveness_table(costed):
    table = cost_effectiveness(costed)
    assert list(table.columns) == list(COLUMNS)
    assert list(table["experiment"]) == ["g4", "g6", "g6:physical_distance", "g6:ict_access"]
    g6 = table.set_index("experiment").loc["g6"]
    parts = table.set_index("experiment").loc[["g6:physical_distance", "g6:ict_access"]]
    # Fixed and per-lever-unit parts of a guideline are those of its levers.
    assert g6["cost_fixed_usd"] == pytest.approx(parts["cost_fixed_usd"].sum())
    assert g6["cost_per_lever_unit_usd"] == pytest.approx(parts["cost_per_lever_unit_usd"].sum())
    assert (table["cost_usd"] > 0).all() and (table["cost_ci_low"] <= table["cost_usd"]).all()
    ranked = table[table["rank"].notna()]
    assert (ranked["upgraders_ci_low"] > 0).all()
    assert sorted(ranked["rank"]) == list(range(1, len(ranked) + 1))
    order = ranked.sort_values("rank")["cost_per_upgrader_usd"]
    assert order.is_monotonic_increasing
    unranked = table[table["rank"].isna()]
    assert unranked["cost_per_upgrader_usd"].isna().all()


def test_who_gains_pairs_the_same_groups(costed):
    gains = who_gains(costed["g6"])
    groups = gains[gains["dimension"] == "distance"]
    assert list(groups["group"]) == ["near", "middle", "remote"]
    assert groups["n_mse"].sum() == 250
    assert (gains["upgrading_ci_low"].dropna() <= gains["upgrading_change"].dropna()).all()
    margin = gains[gains["dimension"] == "margin"]
    # The parties' shares of the payment add to one in both arms, so their changes add to 0.
    assert margin["margin_change"].sum() == pytest.approx(0.0, abs=1e-9)
