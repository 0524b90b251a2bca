"""Unit tests of :mod:`sim.terms`: bargaining power, markups, pass-through, transport.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    links,
    terms,
)


def test_intermediaries_capture_less_premium_from_stronger_bargainers():
    power = np.array([1.0, 1.0])
    captured = terms.intermediary_premium_capture(0.6, power, np.array([0.0, 0.8]))
    assert captured[0] == pytest.approx(0.6) and captured[1] == pytest.approx(0.12)


def test_group_membership_and_ict_raise_bargaining_power(consts, small):
    m = small()
    pop = m.population
    zero = np.zeros(pop.n)
    pop.group[:] = -1
    had_ict = pop.ict.copy()
    base = terms.bargaining_power(pop, 0.3, zero, consts=consts)
    pop.group[:] = 0
    pop.ict[:] = True
    assert np.allclose(
        terms.bargaining_power(pop, 0.3, zero, consts=consts) - base,
        consts[0]["group_bargaining"] + consts[0]["ict_bargaining"] * ~had_ict,
    )


def test_lead_firms_pass_on_more_of_the_premium_than_traders(consts, small):
    m = small(intermediary_rent=0.8)
    pop = m.population
    link = np.where(np.arange(pop.n) % 2 == 0, links.VIA_TRADER, links.VIA_LEAD_FIRM)
    power = np.ones(20)
    offered = terms.link_terms(
        pop, link, power, np.zeros(pop.n), np.zeros(pop.n), 0.8, m.firms, consts=consts
    )
    assert offered.pass_through[link == links.VIA_LEAD_FIRM].min() > (
        offered.pass_through[link == links.VIA_TRADER].max()
    )


def test_direct_selling_is_cheapest_in_the_domestic_channel(consts):
    cost = terms.direct_selling_cost(
        np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]), np.arange(3)[:, None], consts
    )  # (channel, MSE)
    assert np.all(cost[0] < cost[1]) and np.all(cost[0] < cost[2])
    assert cost[1, 1] > cost[1, 0]  # social distance makes export marketing dearer
