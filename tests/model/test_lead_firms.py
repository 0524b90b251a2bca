"""Unit tests of :mod:`sim.lead_firms`: the firms' own terms and their recruitment.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    lead_firms,
    links,
    terms,
)
from sim.population import FUNCTIONAL


def test_lead_firms_reach_groups_first_and_stop_at_capacity(consts, small, recruit):
    m = small(n=2000)
    pop = m.population
    pop.group[: pop.n // 2] = 0
    pop.distance[:] = 0.0
    recruit(m, np.full(pop.n, 0.02), consts)
    linked = pop.lead_firm >= 0
    assert linked[: pop.n // 2].mean() > linked[pop.n // 2 :].mean()
    for _ in range(200):
        recruit(m, m.rng.random(pop.n), consts)
    per_firm = np.bincount(pop.lead_firm[pop.lead_firm >= 0], minlength=3)
    assert per_firm.size == 3  # firms 0, 1, 2 only
    assert (per_firm <= m.firms.capacity).all()
    assert per_firm.sum() >= 0.9 * m.firms.capacity.sum()  # full, bar this month's leavers


def test_lead_firms_do_not_recruit_mses_that_sell_directly(consts, small, recruit):
    m = small(n=500)
    pop = m.population
    pop.upgrades[:250] = 1 << FUNCTIONAL
    pop.lead_firm[:] = -1
    recruit(m, np.full(pop.n, 1e-6), consts)
    assert (pop.lead_firm[:250] == -1).all() and (pop.lead_firm[250:] >= 0).any()


def test_each_lead_firm_has_its_own_capacity_so_more_firms_buy_from_more_mses(
    consts, small, recruit
):
    linked = {}
    for firms in (1, 3):
        m = small(n=1000, n_lead_firms=firms)
        pop = m.population
        pop.distance[:] = 0.0
        for _ in range(300):
            recruit(m, m.rng.random(pop.n), consts)
        linked[firms] = (pop.lead_firm >= 0).sum()
        assert linked[firms] <= firms * consts[0]["suppliers_per_firm"] * pop.n
    assert linked[3] > 2 * linked[1]


def test_rival_lead_firms_give_better_terms_by_formula_with_competition_off(consts, small):
    # 0.3.0's formula, kept for offer_step = 0 (with it on, firms compete through their
    # terms: tests/model/test_supplier_choice.py).
    assert lead_firms.firm_power(1, consts=consts) == 1.0 and lead_firms.firm_power(
        3, consts=consts
    ) < lead_firms.firm_power(1, consts=consts)
    shares = {}
    for firms in (1, 3):
        m = small(n_lead_firms=firms, offer_step=0.0)
        pop = m.population
        link = np.full(pop.n, links.VIA_LEAD_FIRM, dtype=np.int8)
        zero = np.zeros(pop.n)
        shares[firms] = terms.link_terms(
            pop, link, np.ones(20), zero, zero, 0.6, m.firms, consts=consts
        )
    assert np.all(shares[3].markup < shares[1].markup)
    assert np.all(shares[3].pass_through > shares[1].pass_through)


def test_quality_demanded_without_pay_keeps_the_premium_and_raises_standards(
    consts, small, recruit
):
    offered, firms = {}, {}
    for demand in (0.0, 1.0):
        m = small(quality_demand=demand)
        pop = m.population
        link = np.full(pop.n, links.VIA_LEAD_FIRM, dtype=np.int8)
        zero = np.zeros(pop.n)
        offered[demand] = terms.link_terms(
            pop, link, np.ones(20), zero, zero, 0.6, m.firms, consts=consts
        )
        firms[demand] = m.firms
    assert np.all(offered[1.0].pass_through == 0.0) and np.all(offered[0.0].pass_through > 0.5)
    assert np.allclose(firms[1.0].standard - firms[0.0].standard, consts[0]["demanded_quality"])
    # Suppliers below standard are dropped only when quality is demanded.
    for demand, expect_drop in ((0.0, False), (1.0, True)):
        m = small(quality_demand=demand)
        pop = m.population
        pop.lead_firm[:] = 0
        pop.quality[:] = 0.0
        recruit(
            m,
            np.full(pop.n, consts[0]["delink_hazard"] + 0.01),
            consts,
            services=0.0,
            contracts=0.0,
            pull=0.0,
        )
        assert (pop.lead_firm == -1).all() == expect_drop


def test_each_supplier_gets_its_own_firms_offer(consts, small):
    m = small(n_lead_firms=2)
    pop = m.population
    m.firms.power[:] = [1.0, 0.25]
    pop.lead_firm[:] = np.arange(pop.n) % 2
    link = np.full(pop.n, links.VIA_LEAD_FIRM, dtype=np.int8)
    zero = np.zeros(pop.n)
    t = terms.link_terms(pop, link, np.ones(20), zero, zero, 0.6, m.firms, consts=consts)
    markup = consts[0]["lead_firm_markup"]
    np.testing.assert_allclose(t.markup[0::2], markup)
    np.testing.assert_allclose(t.markup[1::2], 0.25 * markup)
    assert (t.pass_through[1::2] > t.pass_through[0::2]).all()
