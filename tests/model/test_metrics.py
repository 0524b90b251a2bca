"""Unit tests of :mod:`sim.metrics`: what each metric counts."""

from __future__ import annotations

import pytest

from sim import (
    channels,
)


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
