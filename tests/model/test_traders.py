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
                offered.transport[0, far]
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
