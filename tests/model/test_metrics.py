"""Unit tests of :mod:`sim.metrics`: what each metric counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import (
    channels,
    metrics,
)
from sim.links import VIA_BROKER, VIA_LEAD_FIRM
from sim.model import ValueChainModel
from sim.population import PROCESS, PRODUCT
from sim.second_chain import outside_income


def test_share_in_second_chain_counts_active_movers(small):
    from sim.metrics import forget_status, share_in_second_chain
    from sim.population import INTERSECTORAL

    m = small(n=100)
    pop = m.population
    pop.upgrades[:20] = 1 << INTERSECTORAL
    pop.active[90:] = False
    forget_status(m)
    assert share_in_second_chain(m) == pytest.approx(20 / 90)


def test_sales_shares_by_channel_are_unit_weighted_and_add_up(consts, small):
    from sim import metrics

    m = small(n=300)
    pop = m.population
    pop.quality[:] = 1.0
    pop.channels[:100] = 0b011
    pop.channels[100:150] = 0b101
    channels.allocate_channels(pop, consts=consts)
    m.trade()
    units = m.last_sales.units
    shares = [
        metrics.share_sales_domestic(m),
        metrics.share_sales_export(m),
        metrics.share_sales_specialty(m),
    ]
    assert sum(shares) == pytest.approx(1.0)
    assert shares[1] == pytest.approx(units[1].sum() / units.sum())
    assert shares[2] == pytest.approx(units[2].sum() / units.sum()) and shares[2] > 0


# -- the metrics measured as the case sources measured them (issue 21) ------------------------
# Each is recomputed from the model's state by other means (the sales accounts, the population
# arrays), and the effect it measures appears with its mechanism and vanishes without it.

SMALL = {"n_mse": 120, "n_villages": 6, "n_intermediaries": 3}


def _model(steps: int = 3, seed: int = 4, **levers) -> ValueChainModel:
    model = ValueChainModel(rng=seed, **{**SMALL, **levers})
    for _ in range(steps):
        model.step()
    return model


def test_export_and_lead_firm_shares_of_output_follow_the_sales_accounts():
    model = _model(steps=6, export_premium=0.8, n_lead_firms=2, embedded_services=0.8)
    sales = model.last_sales
    produced = sales.produced.sum()
    assert produced > 0
    assert metrics.export_share_output(model) == pytest.approx(
        (sales.units[1].sum() + sales.units[2].sum()) / produced
    )
    linked = model.links == VIA_LEAD_FIRM
    assert metrics.lead_firm_share_output(model) == pytest.approx(
        sales.units[:, linked].sum() / produced
    )
    product = (model.population.upgrades >> PRODUCT) & 1 == 1
    assert metrics.share_output_product(model) == pytest.approx(
        sales.produced[product].sum() / produced
    )


def test_lead_firm_share_vanishes_without_lead_firms():
    assert metrics.lead_firm_share_output(_model(n_lead_firms=0)) == 0.0
    assert metrics.share_linked_dropped(_model(n_lead_firms=0)) == 0.0


def test_farmgate_share_is_what_buyers_paid_less_every_other_party():
    model = _model(steps=4)
    sales = model.last_sales
    # buyers = producers' own proceeds + brokers' take + traders + lead firms + transport
    expected = (sales.revenue.sum() - sales.brokerage.sum()) / sales.buyer_payments.sum()
    assert metrics.farmgate_share(model) == pytest.approx(expected)
    assert 0.0 < metrics.farmgate_share(model) < 1.0
    assert metrics.mean_price_received(model) == pytest.approx(
        (sales.revenue.sum() - sales.brokerage.sum()) / sales.units.sum()
    )


def test_traders_rent_lowers_the_farmgate_share():
    # The same seed and draws: only the traders' share of the premium differs.
    low, high = _model(intermediary_rent=0.0), _model(intermediary_rent=1.0)
    assert metrics.farmgate_share(high) < metrics.farmgate_share(low)


def test_group_farmgate_share_counts_only_members():
    model = _model(steps=6, group_support=0.9)
    members = model.population.group >= 0
    assert members.any()
    sales, pop, markets = model.last_sales, model.population, model.markets
    q = pop.quality[members]
    received = (
        sales.units[:, members] * (sales.base[:, members] + sales.premium_rate[:, members] * q)
    ).sum()
    paid = (
        sales.units[:, members] * markets.price[:, None] * (1.0 + markets.premium[:, None] * q)
    ).sum()
    assert metrics.farmgate_share_groups(model) == pytest.approx(received / paid)
    pop.group[:] = -1  # nobody in a group: the share is 0 by convention
    metrics.forget_status(model)
    assert metrics.farmgate_share_groups(model) == 0.0


def test_practising_share_counts_producers_in_the_chain_now():
    model = _model(steps=2)
    pop = model.population
    pop.upgrades[:] = 0
    pop.upgrades[:60] |= 1 << PRODUCT
    pop.upgrades[:30] |= 1 << PROCESS
    metrics.forget_status(model)
    assert metrics.share_practising_product(model) == pytest.approx(60 / 120)
    assert metrics.share_practising_process(model) == pytest.approx(30 / 120)
    # Producers that closed no longer practise; the cumulative share still counts them.
    pop.active[:60] = False
    metrics.forget_status(model)
    assert metrics.share_practising_product(model) == 0.0
    assert metrics.share_product(model) == pytest.approx(0.5)


def test_sales_agents_appear_with_the_project_and_vanish_without_it():
    pakistan = {"agent_training": 1.0, "mse_brokers": 0.9}
    with_agents = _model(steps=2, **pakistan)
    assert metrics.n_agents_active(with_agents) > 0
    via = (with_agents.links == VIA_BROKER) & (with_agents.last_sales.units.sum(axis=0) > 0)
    assert metrics.share_selling_via_agents(with_agents) == pytest.approx(via.sum() / 120)
    assert metrics.n_agents_active(with_agents) == len(set(with_agents.brokers[via]))
    without = _model(steps=2, agent_training=0.0, mse_brokers=0.0)
    assert metrics.n_agents_active(without) == 0
    assert metrics.share_selling_via_agents(without) == 0.0


def test_income_per_original_mse_counts_exits_at_their_outside_income():
    model = _model(steps=3)
    pop = model.population
    # Nobody has closed: intention to treat and survivors' means agree.
    assert pop.active.all()
    assert metrics.mean_income_cohort(model) == pytest.approx(metrics.mean_income(model))
    closed = np.arange(0, 120, 3)
    pop.active[closed] = False
    pop.income[closed] = 0.0
    metrics.forget_status(model)
    outside = outside_income(
        pop.skill[closed],
        model.social[closed],
        pop.upgrades[closed],
        model.markets.second_price,
        model.constants,
    )
    expected = (pop.income[pop.active].sum() + outside.sum()) / 120
    assert metrics.mean_income_cohort(model) == pytest.approx(expected)
    assert metrics.mean_income(model) == pytest.approx(pop.income[pop.active].mean())


def test_entrants_are_not_in_the_cohort():
    model = _model(steps=2)
    model.cohort_size = 60  # as if rows 60.. had entered later
    metrics.forget_status(model)
    assert metrics.mean_income_cohort(model) == pytest.approx(model.population.income[:60].mean())


def test_dropout_counts_suppliers_who_no_longer_supply():
    model = _model(steps=4, n_lead_firms=2, embedded_services=0.9, forward_contracts=0.9)
    pop = model.population
    ever = model.ever_linked
    assert ever.any()
    assert metrics.share_linked_dropped(model) == pytest.approx(
        (ever & ~(pop.in_chain & (pop.lead_firm >= 0))).sum() / ever.sum()
    )
    pop.lead_firm[:] = -1  # every supplier dropped
    metrics.forget_status(model)
    assert metrics.share_linked_dropped(model) == 1.0


def test_new_metrics_are_described_and_collected():
    new = (
        "export_share_output",
        "lead_firm_share_output",
        "share_output_product",
        "farmgate_share",
        "farmgate_share_export",
        "farmgate_share_groups",
        "mean_price_received",
        "share_practising_product",
        "share_practising_process",
        "n_agents_active",
        "share_selling_via_agents",
        "mean_income_cohort",
        "share_linked_dropped",
        "share_members_informed",
    )
    for name in new:
        assert name in metrics.METRICS and name in metrics.METRIC_INFO
        assert metrics.REPORTERS[name].__doc__


def test_members_informed_counts_group_members_with_a_direct_view_of_prices():
    from sim.population import FUNCTIONAL, INTERSECTORAL

    model = _model(steps=1)
    pop = model.population
    n = pop.n
    pop.active[:] = True
    pop.upgrades[:] = 0
    pop.ict[:] = False
    pop.lead_firm[:] = -1
    pop.group[:] = -1
    metrics.forget_status(model)
    assert metrics.share_members_informed(model) == 0.0  # no members: 0, not a division by 0
    pop.group[:40] = 0  # 40 members ...
    pop.ict[:10] = True  # ... 10 with ICT,
    pop.lead_firm[10:15] = 0  # 5 supplying a lead firm,
    pop.upgrades[15:18] = 1 << FUNCTIONAL  # 3 selling directly,
    pop.ict[60:80] = True  # and non-members with ICT, who do not count
    assert metrics.share_members_informed(model) == pytest.approx(18 / 40)
    # Members who left the chain or closed are not in it; hearing prices through a buyer,
    # a group or neighbours is no direct view.
    pop.upgrades[30:40] = 1 << INTERSECTORAL
    pop.active[20:30] = False
    assert metrics.share_members_informed(model) == pytest.approx(18 / 20)
    assert n > 80


@pytest.mark.parametrize(
    "levers",
    [
        {},
        {"mse_brokers": 0.6, "agent_training": 0.3, "forward_contracts": 0.7},
        {"group_support": 0.9, "ict_access": 0.5, "embedded_services": 0.8},
    ],
)
def test_row_is_every_reporter_bit_for_bit(levers):
    # What the collector stores each month (one census and one outcome pass) is what each
    # reporter gives on its own: same values, same types, in the column order.
    model = _model(steps=0, seed=7, **levers)
    for _ in range(14):
        model.step()
        row = metrics.row(model)
        metrics.forget_status(model)
        each = tuple(reporter(model) for reporter in metrics.REPORTERS.values())
        assert len(row) == len(metrics.METRICS)
        for name, a, b in zip(metrics.METRICS, row, each, strict=True):
            assert type(a) is type(b), name
            assert a == b or (a != a and b != b), name
        # With the step's counts already cached (a reporter read first), the same row.
        assert metrics.row(model) == row or np.isnan(row).any()
    collected = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_array_equal(
        collected.iloc[-1].to_numpy(dtype=float), np.array(row, dtype=float)
    )


def test_collected_columns_are_the_results_numbers_bit_for_bit():
    # What a study's run returns (`sim.engines.run_columns`, from the collector's rows) is
    # what `results()` gives for those columns, also once Mesa's own path collects a reporter
    # added later.
    from sim.engines import run_columns

    names = ("step", "mean_income", "gini_income", "share_upgraded", "n_active")
    model = _model(steps=0, seed=5)
    for _ in range(9):
        model.step()
    expected = model.results().loc[:, list(names)].to_numpy(dtype=float)
    np.testing.assert_array_equal(model.datacollector.columns(names), expected)
    scenario = model.scenario
    np.testing.assert_array_equal(run_columns((scenario, 5, 9, names)), expected)
    model.datacollector.model_reporters["twice_income"] = lambda m: 2 * metrics.mean_income(m)
    model.datacollector.model_vars["twice_income"] = [np.nan] * 10
    model.step()
    both = model.datacollector.columns(("mean_income", "twice_income"))
    assert both.shape == (11, 2) and both[-1, 1] == 2 * both[-1, 0]
    with pytest.raises(RuntimeError, match="no_such_metric"):
        run_columns((scenario, 5, 2, ("step", "no_such_metric")))


def test_a_model_collecting_some_steps_runs_the_same_and_keeps_those_rows():
    # The model reads no metric: collecting fewer months changes no state and no number of
    # the months collected (`collect`; what studies that read a few months pass).
    from sim.engines import run_columns
    from sim.errors import UserInputError

    every, some = _model(steps=0, seed=6), ValueChainModel(rng=6, collect=(9, 0, 5), **SMALL)
    for _ in range(9):
        every.step()
        some.step()
    full, part = every.results(), some.results()
    assert part["step"].tolist() == [0, 5, 9]
    expected = full[full["step"].isin([0, 5, 9])].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected, check_exact=True)
    np.testing.assert_array_equal(some.population.cash, every.population.cash)
    np.testing.assert_array_equal(some.population.upgrades, every.population.upgrades)
    names = ("step", "mean_income")
    np.testing.assert_array_equal(
        run_columns((every.scenario, 6, 9, names, None, (5, 9))),
        full.loc[full["step"].isin([5, 9]), list(names)].to_numpy(dtype=float),
    )
    assert ValueChainModel(rng=6, collect=(), **SMALL).results().empty
    with pytest.raises(UserInputError, match="collect: value -1"):
        ValueChainModel(rng=6, collect=(-1,), **SMALL)
