"""Unit tests of :mod:`sim.second_chain`: income after intersectoral upgrading.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    second_chain,
    services,
    signals,
    valuation,
)


def test_movers_earn_the_second_chains_price_and_stepping_stones_pay_there(consts, small):
    from sim.population import INTERSECTORAL, PRODUCT

    skill, social = np.full(2, 0.5), np.zeros(2)
    plain, stepped = np.uint8(1 << INTERSECTORAL), np.uint8(1 << INTERSECTORAL | 1 << PRODUCT)
    base = second_chain.outside_income(skill, social, np.array([plain, plain]), 1.0, consts)
    assert np.allclose(base, consts[0]["outside_income"])
    assert np.allclose(
        second_chain.outside_income(skill, social, np.array([stepped] * 2), 1.0, consts),
        base * (1 + consts[0]["stepping_stone_gain"]),
    )
    assert np.allclose(
        second_chain.outside_income(skill, social, np.array([plain] * 2), 1.2, consts), 1.2 * base
    )
    # The second chain has its own end market: its price moves movers' income only.
    incomes = {}
    for pull in (0.0, 1.0):
        m = small(n=50, second_chain_pull=pull, price_volatility=0.0)
        pop = m.population
        pop.upgrades[:25] = 1 << INTERSECTORAL
        m.step()
        incomes[pull] = pop.income.copy()
        assert m.markets.second_level == pytest.approx(consts[0]["second_chain_floor"] + pull)
    moved = np.arange(50) < 25
    assert np.allclose(
        incomes[1.0][moved] / incomes[0.0][moved],
        (consts[0]["second_chain_floor"] + 1.0) / consts[0]["second_chain_floor"],
    )


def test_product_or_functional_upgrading_makes_moving_cheaper_and_known(consts, small):
    from sim.population import INTERSECTORAL, PRODUCT

    m = small()
    pop = m.population
    pop.aware[:] = 0b11111
    pop.cash[:] = 10_000.0
    pop.skill[:] = 0.9  # every MSE may move
    pop.upgrades[:] = np.where(np.arange(pop.n) % 2 == 0, 1 << PRODUCT, 0).astype(np.uint8)
    clarity = m.clarity()
    svc = services.service_intensity(pop, m.scenario.embedded_services)
    ctx = m.decision_context(clarity, svc)
    opts = valuation.value_options(pop, ctx, consts=consts)
    stepped = pop.upgrades[opts.rows] != 0
    cost = opts.investment[INTERSECTORAL] / (
        1 + consts[0]["distance_cost"] * pop.distance[opts.rows]
    )
    assert np.allclose(cost[stepped].max(), cost[stepped].min())
    assert cost[stepped].max() == pytest.approx(
        cost[~stepped].max() * (1 - consts[0]["stepping_stone_cost_cut"]), rel=0.35
    )
    assert cost[stepped].max() < cost[~stepped].min()
    pop.aware[:] = 0
    rows = np.arange(pop.n)
    zero = np.zeros(pop.n)
    tables = np.zeros((1, 5)), np.zeros((pop.village.max() + 1, 5))
    hazard = signals.option_hazards(pop, rows, zero, zero, 0.6, 0.0, *tables, consts=consts)
    isolation = 1 - consts[0]["distance_isolation"] * pop.distance
    gap = (hazard[INTERSECTORAL] / isolation)[rows % 2 == 0].mean() - (
        hazard[INTERSECTORAL] / isolation
    )[rows % 2 == 1].mean()
    assert gap == pytest.approx(consts[0]["stepping_stone_hazard"][INTERSECTORAL], rel=0.2)
