"""Unit tests of :mod:`sim.sales`: selling, booking every unit, losses in transit.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    channels,
    links,
    sales,
)


def test_money_is_accounted_for_in_every_sale(small):
    m = small(forward_contracts=0.9, embedded_services=0.9)
    for _ in range(24):
        m.step()
    s = m.last_sales
    mse = s.revenue.sum()
    assert s.buyer_payments.sum() == pytest.approx(
        mse + s.intermediary_take.sum() + s.lead_firm_take.sum() + s.transport, rel=1e-12
    )


def test_selling_in_a_deeper_channel_raises_sales_volume(consts, small):
    m = small(competition=0.0, price_volatility=0.0)
    pop = m.population
    pop.quality[:] = 0.9
    m.trade()
    home = m.last_sales.produced.copy()
    pop.channels[:] = 0b011  # domestic and export
    channels.allocate_channels(pop, consts=consts)
    m.trade()
    both = m.last_sales.produced
    depth = 0.5 * (consts[0]["channel_depth"][0] + consts[0]["channel_depth"][1])
    assert np.allclose(both, home / consts[0]["channel_depth"][0] * depth)
    assert np.all(both > home)


def test_direct_sellers_far_away_lose_goods_or_cash_only_with_transit_risk(consts, small):
    m = small(n=400)
    pop = m.population
    pop.distance[:] = np.linspace(0.0, 1.0, pop.n)
    link = np.where(np.arange(pop.n) % 2 == 0, links.DIRECT, links.VIA_TRADER).astype(np.int8)
    revenue = np.full(pop.n, 100.0)
    draws = np.full(pop.n, 0.05)
    for risk in (0.0, 1.0):
        pop.income[:] = 50.0
        lost = sales.lose_in_transit(pop, link, revenue, draws, risk, consts=consts)
        hit = pop.income < 50.0
        if risk == 0.0:
            assert lost == 0.0 and not hit.any()
        else:
            expect = (link == links.DIRECT) & (
                consts[0]["transit_loss_hazard"] * pop.distance > 0.05
            )
            assert np.array_equal(hit, expect) and expect.any()
            assert np.allclose(pop.income[hit], 50.0 - consts[0]["transit_loss_share"] * 100.0)
            assert lost == pytest.approx(hit.sum() * consts[0]["transit_loss_share"] * 100.0)
            assert pop.distance[hit].min() > pop.distance[link == links.DIRECT].min()
