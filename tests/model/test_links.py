"""Unit tests of :mod:`sim.links`: who buys from each MSE.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    links,
)
from sim.population import FUNCTIONAL


def test_a_direct_seller_brokers_for_its_neighbours_only_with_the_lever(consts, small):
    # The fixed key of 0.3.0 (broker_choice = 0); the choice on price is tests/model/
    # test_brokers.py's.
    for share, expect in ((0.0, 0), (1.0, None)):
        m = small(n=300, mse_brokers=share, n_lead_firms=0, broker_choice=0)
        pop = m.population
        village = pop.village == 0
        broker = np.flatnonzero(village)[0]
        pop.upgrades[broker] = 1 << FUNCTIONAL
        m.trade()
        neighbours = village & (np.arange(pop.n) != broker)
        via = m.links[neighbours] == links.VIA_BROKER
        if expect == 0:
            assert not via.any() and m.last_sales.via_brokers == 0
            assert (m.brokers == -1).all()
        else:
            served = np.flatnonzero(neighbours)[: consts[0]["broker_capacity"]]
            assert (
                via[: consts[0]["broker_capacity"]].all()
                and not via[consts[0]["broker_capacity"] :].any()
            )
            assert (m.brokers[served] == broker).all()
            neighbours = np.isin(np.arange(pop.n), served)
            assert (m.links[~village] != links.VIA_BROKER).all()
            s = m.last_sales
            assert s.via_brokers == pytest.approx(s.units[:, neighbours].sum())
            # The broker's take is part of its revenue; money still balances.
            assert s.buyer_payments.sum() == pytest.approx(
                s.revenue.sum() + s.intermediary_take.sum() + s.lead_firm_take.sum() + s.transport,
                rel=1e-12,
            )
            assert s.revenue[broker] > s.units[:, broker].sum() * 0.5  # own sales plus take
            # Brokered MSEs get better terms than a trader gives, and clearer news.
            assert np.all(m.terms.markup[neighbours] <= consts[0]["broker_markup"])
            assert np.all(m.clarity()[neighbours] >= consts[0]["lead_firm_clarity"])
