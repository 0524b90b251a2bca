"""Unit tests of :mod:`sim.traders`: market power, exit and return.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    links,
    terms,
    traders,
)
from sim.constants import ConstantSet


def test_bypass_lowers_intermediary_market_power(consts, small):
    m = small()
    pop = m.population
    link = np.zeros(pop.n, dtype=np.int8)
    full = traders.intermediary_market_power(pop, link, 20, consts=consts)
    link[:] = links.DIRECT
    none = traders.intermediary_market_power(pop, link, 20, consts=consts)
    served = np.unique(pop.trader)
    assert np.all(full[served] == 1.0)
    assert np.allclose(none[served], 1.0 - consts[0]["bypass_effect"])


def _one_catchment_bypassed(m, link_of_catchment):
    """Links with trader 0's villages selling by ``link_of_catchment``, the rest via traders."""
    pop = m.population
    link = np.full(pop.n, links.VIA_TRADER, dtype=np.int8)
    link[m.traders.home[pop.village] == 0] = link_of_catchment
    units = np.ones((3, pop.n))
    return link, units


def test_a_bypassed_trader_exits_and_comes_back_when_its_catchment_returns(consts, small):
    m = small(n=400, n_intermediaries=5)
    pop = m.population
    assert m.traders.active.all()
    catchment = m.traders.home[pop.village] == 0
    assert catchment.any()
    traders.update_traders(
        pop, *_one_catchment_bypassed(m, links.VIA_TRADER), m.traders, start=True, consts=consts
    )  # reference volumes: one unit per channel and MSE
    for link_of_catchment, months, expect_active in (
        (links.VIA_TRADER, 12, True),  # nobody bypasses: the lever of exit is off
        (links.DIRECT, consts[0]["trader_exit_months"] - 1, True),
        (links.DIRECT, 1, False),  # the sixth month of low volume
        (links.VIA_TRADER, 1, True),
    ):  # its villages sell through traders again
        link, units = _one_catchment_bypassed(m, link_of_catchment)
        for _ in range(months):
            traders.update_traders(pop, link, units, m.traders, consts=consts)
        assert m.traders.active[0] == expect_active
        assert m.traders.active[1:].all()
        if not expect_active:
            # Its villages are served by the next trader, at an extra cost for distance.
            assert (pop.trader[catchment] == 1).all()
            zero = np.zeros(pop.n)
            offered = terms.link_terms(
                pop,
                np.zeros(pop.n, dtype=np.int8),
                np.ones(5),
                zero,
                zero,
                0.6,
                m.firms,
                None,
                m.traders,
                consts=consts,
            )
            far = catchment & (pop.distance > 0)
            assert np.allclose(
                offered.transport_by_channel(consts)[0, far]
                - consts[0]["channel_handling_cost"][0]
                - consts[0]["transport_cost"] * pop.distance[far],
                consts[0]["far_trader_cost"] * pop.distance[far],
            )
        else:
            assert (pop.trader == m.traders.home[pop.village]).all()


def test_the_last_trader_never_exits(consts, small):
    m = small(n=100, n_intermediaries=2)
    pop = m.population
    link = np.full(pop.n, links.DIRECT, dtype=np.int8)
    for _ in range(3 * consts[0]["trader_exit_months"]):
        traders.update_traders(pop, link, np.ones((3, pop.n)), m.traders, consts=consts)
    assert m.traders.active.sum() == 1


def _margins(m, gross):
    """Units and takes giving each trader the gross margin ``gross`` (share of value bought)."""
    pop = m.population
    link = np.full(pop.n, links.VIA_TRADER, dtype=np.int8)
    units = np.ones((3, pop.n))
    price = np.ones(3)
    value = np.bincount(pop.trader, weights=units.sum(axis=0), minlength=m.traders.active.size)
    return link, units, value * gross, price


def test_a_rival_enters_where_the_margin_is_high_and_not_where_it_is_low(consts, small):
    m = small(n=400, n_intermediaries=5)
    pop = m.population
    cost, entry = consts[0]["trader_unit_cost"], consts[0]["trader_entry_margin"]
    # Trader 0's margin pays a rival after its entry (half the gross margin each), the
    # others' does not.
    high, low = 2.0 * (cost + entry) + 0.02, 2.0 * (cost + entry) - 0.02
    link, units, take, price = _margins(m, low)
    take[0] *= high / low
    traders.update_traders(pop, link, units, m.traders, start=True, consts=consts)
    traders.update_traders(pop, link, units, m.traders, consts=consts, take=take, price=price)
    assert m.traders.rivals[0] == 1 and (m.traders.rivals[1:] == 0).all()
    assert m.traders.n_operating == 6
    assert np.isclose(m.traders.margin[0], high - cost)
    # The rival shares the catchment's market power: markups fall, and so the margin.
    link0 = np.zeros(pop.n, dtype=np.int8)
    alone = traders.intermediary_market_power(pop, link0, 5, consts=consts)
    shared = traders.intermediary_market_power(pop, link0, 5, consts, m.traders.rivals)
    assert shared[0] == alone[0] / 2 and (shared[1:] == alone[1:]).all()
    # Entry off (max_trader_rivals = 0): nobody enters, whatever the margin.
    m = small(n=400, n_intermediaries=5)
    off = ConstantSet.of({"max_trader_rivals": 0}).record()
    traders.update_traders(m.population, link, units, m.traders, start=True, consts=off)
    traders.update_traders(m.population, link, units, m.traders, consts=off, take=take, price=price)
    assert (m.traders.rivals == 0).all() and m.traders.n_operating == 5


def test_a_rival_leaves_when_the_margin_stays_below_zero(consts, small):
    m = small(n=400, n_intermediaries=5)
    pop = m.population
    link, units, take, price = _margins(m, consts[0]["trader_unit_cost"] - 0.01)  # a loss
    traders.update_traders(pop, link, units, m.traders, start=True, consts=consts)
    m.traders.rivals[0] = 2
    months = consts[0]["trader_exit_months"]
    for _ in range(months - 1):
        traders.update_traders(pop, link, units, m.traders, consts=consts, take=take, price=price)
    assert m.traders.rivals[0] == 2
    traders.update_traders(pop, link, units, m.traders, consts=consts, take=take, price=price)
    assert m.traders.rivals[0] == 1  # the newest rival leaves; the others wait their months
    # A margin at zero or above keeps them.
    link, units, take, price = _margins(m, consts[0]["trader_unit_cost"] + 0.01)
    for _ in range(2 * months):
        traders.update_traders(pop, link, units, m.traders, consts=consts, take=take, price=price)
    assert m.traders.rivals[0] == 1


def test_in_a_high_margin_chain_rivals_enter_and_the_traders_margin_falls(small):
    # Rent-taking traders facing MSEs without bargaining power: margins well above the cost
    # of trading. With entry on, rivals come and the traders' margin falls; off, neither.
    chain = dict(n=400, intermediary_rent=1.0, bargaining_power=0.0, mse_brokers=0.0)
    runs = {}
    for rivals in (0, 3):
        m = small(**chain, max_trader_rivals=rivals)
        for _ in range(12):
            m.step()
        runs[rivals] = m.results()
    assert (runs[0]["n_traders_active"] <= runs[0]["n_traders_active"][0]).all()
    assert runs[3]["n_traders_active"].iloc[-1] > runs[3]["n_traders_active"][0]
    assert runs[3]["mean_trader_margin"].iloc[-1] < runs[0]["mean_trader_margin"].iloc[-1]
