"""Unit tests of :mod:`sim.valuation`: what each option is worth to each MSE.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from sim import (
    channels,
    markets,
    services,
    valuation,
)
from sim.population import CHANNEL, FUNCTIONAL, PROCESS, PRODUCT


def test_product_pays_only_when_the_premium_reaches_the_mse(
    everyone_knows_everything, small, valued
):
    values = []
    for premium in (0.0, 2.0):
        m = small()
        everyone_knows_everything(m)
        m.population.belief_premium[:] = premium
        _, opts = valued(m)
        values.append(opts.value[PRODUCT].mean())
    assert values[1] > values[0]


def test_competition_raises_the_value_of_process_upgrading(
    consts, everyone_knows_everything, small, valued
):
    values = []
    for competition in (0.0, 1.0):
        m = small(competition=competition)
        everyone_knows_everything(m)
        m.markets.month = 36  # competitors are somewhat cheaper, not yet out of reach
        markets.lower_benchmark_cost(m.markets, 0.55, competition, consts=consts)
        _, opts = valued(m)
        values.append(opts.value[PROCESS].mean())
    assert values[1] > values[0]


def test_functional_upgrading_pays_more_against_larger_markups(
    consts, everyone_knows_everything, small, valued
):
    m = small()
    everyone_knows_everything(m)
    ctx, low = valued(m)
    ctx.markup = ctx.markup + 0.2
    high = valuation.value_options(m.population, ctx, consts=consts)
    assert high.gain[FUNCTIONAL].mean() > low.gain[FUNCTIONAL].mean()


def test_entering_a_second_channel_diversifies_price_risk(
    consts, everyone_knows_everything, small, valued
):
    m = small(price_volatility=1.0)
    everyone_knows_everything(m)
    pop = m.population
    pop.quality[:] = 0.95
    pop.channels[:] = 1 << markets.EXPORT  # all eggs in the riskiest basket
    channels.allocate_channels(pop, consts=consts)
    pop.belief_price[:] = 1.0  # equal prices: only risk differs
    pop.belief_premium[:] = 0.0
    _, opts = valued(m)
    assert np.all(opts.variance_change[CHANNEL] < 0)


def test_no_option_is_taken_without_cash_or_credit(everyone_knows_everything, small, valued):
    m = small(credit_access=0.0, embedded_services=0.0)
    everyone_knows_everything(m, cash=0.0)
    _, opts = valued(m)
    assert opts.rows.size == 0


def test_a_broker_weighs_its_take_from_neighbours_before_leaving_the_chain(consts, small):
    # A sales agent who moves to another chain gives up her own sales and what she earns
    # brokering her neighbours' (seed lines 239-243): both count against the move.
    from sim.population import INTERSECTORAL, PRODUCT

    gains = {}
    for share in (0.0, 1.0):
        m = small(n=300, mse_brokers=share, n_lead_firms=0)
        pop = m.population
        broker = np.flatnonzero(pop.village == 0)[0]
        pop.upgrades[broker] = 1 << FUNCTIONAL | 1 << PRODUCT  # a stepping stone out too
        pop.aware[:] = 0b11111
        pop.cash[:] = 10_000.0
        pop.skill[:] = 0.9
        m.trade()
        ctx = m.decision_context(
            m.clarity(), services.service_intensity(pop, m.scenario.embedded_services)
        )
        opts = valuation.value_options(pop, ctx, consts=consts)
        col = np.flatnonzero(opts.rows == broker)[0]
        assert opts.feasible[INTERSECTORAL, col]
        gains[share] = (opts.gain[INTERSECTORAL, col], m.last_sales.brokerage[broker])
    (alone, no_take), (brokering, take) = gains[0.0], gains[1.0]
    assert no_take == 0.0 and take > 0.0
    # With the lever off nothing changes; with it, the move is worth exactly the take less
    # (the broker's own sales and the outside income are the same in both runs).
    assert brokering == pytest.approx(alone - take, rel=1e-9)


def test_transit_risk_lowers_the_value_of_selling_directly_far_away(consts, small):
    from sim.population import FUNCTIONAL as F

    gains = {}
    for risk in (0.0, 1.0):
        m = small(transit_risk=risk)
        pop = m.population
        pop.aware[:] = 0b11111
        pop.cash[:] = 10_000.0
        pop.skill[:] = 0.9
        pop.distance[:] = 0.8
        clarity = m.clarity()
        svc = services.service_intensity(pop, m.scenario.embedded_services)
        gains[risk] = valuation.value_options(
            pop, m.decision_context(clarity, svc), consts=consts
        ).gain[F]
    assert np.all(gains[1.0] < gains[0.0])


def test_the_passes_see_one_layout_of_options_however_many_decide(
    everyone_knows_everything, small, valued
):
    """numba compiles a pass once per layout of its arrays: the options of a month in which
    every MSE decides have the layout of a month in which a few do (so nothing is compiled
    again in the middle of a run, and the passes `sim.precompile` lists are the ones used)."""
    few, everyone = small(), small()
    everyone_knows_everything(everyone)
    _, some = valued(few)
    _, every = valued(everyone)
    assert 0 < some.rows.size < few.population.n
    assert every.rows.size == everyone.population.n
    assert numba.typeof(every.values()) == numba.typeof(some.values())
