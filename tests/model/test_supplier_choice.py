"""Unit tests of :mod:`sim.supplier_choice`: lead firms compete for suppliers through terms.

Firms improve their offer when they lose the suppliers they court and worsen it when full,
within [0, 1]; MSEs move to a clearly better firm, not within the switching cost; with
OFFER_STEP at 0 the terms are 0.3.0's formula and recruitment is 0.3.0's.
"""

from __future__ import annotations

import numpy as np

from sim import lead_firms, supplier_choice
from sim.constants import ConstantSet


def _consts(**values):
    return ConstantSet.of(values).record()


def _firms(power, capacity):
    n = len(power)
    return lead_firms.LeadFirms(
        standard=np.zeros(n),
        contract=np.zeros(n),
        capacity=np.asarray(capacity, np.int64),
        power=np.asarray(power, float),
        quality_demand=0.0,
    )


def test_a_firm_losing_suppliers_improves_its_offer_and_a_full_one_worsens_it(consts):
    step = consts[0]["offer_step"]
    firms = _firms([0.5, 0.5, 0.5, 0.5], [10, 10, 10, 10])
    linked = np.array([3, 10, 3, 3])
    won, lost = np.array([0, 0, 2, 1]), np.array([2, 0, 0, 1])
    supplier_choice.adjust_offers(firms, linked, won, lost, np.zeros(4), consts)
    # Losing: better offer (less power); full: worse; winning: worse; even: unchanged.
    np.testing.assert_allclose(firms.power, [0.5 - step, 0.5 + step, 0.5 + step, 0.5])


def test_a_firm_making_a_loss_does_not_bid_more_and_offers_stay_in_bounds(consts):
    firms = _firms([0.3, 0.0, 1.0], [10, 10, 10])
    linked = np.array([3, 3, 10])
    lost, won = np.array([5, 5, 0]), np.zeros(3, np.int64)
    supplier_choice.adjust_offers(firms, linked, won, lost, np.array([-1.0, 1.0, 1.0]), consts)
    step = consts[0]["offer_step"]
    # A loss: it retreats; no margin left: it stays at 0; full at a monopsonist's terms: 1.
    np.testing.assert_allclose(firms.power, [0.3 + step, 0.0, 1.0])
    for _ in range(200):
        supplier_choice.adjust_offers(firms, linked, won, lost, np.ones(3), consts)
    assert ((firms.power >= 0.0) & (firms.power <= 1.0)).all()


def _offers_for(m, consts):
    return supplier_choice.offers(
        m.terms,
        m.bargaining,
        m.markets.trend_price(0.0, consts=consts),
        m.markets.premium,
        0.0,
        0.0,
        consts,
    )


def test_a_supplier_switches_to_a_clearly_better_firm_not_within_the_switching_cost(consts, small):
    moved = {}
    for rival in (0.0, 0.99):
        m = small(n=300)
        pop = m.population
        pop.lead_firm[:] = -1
        pop.lead_firm[:40] = 0
        values = _offers_for(m, consts)
        firms = _firms([1.0, rival], [100, 100])
        linked = np.array([40, 0])
        supplier_choice.choose_buyers(
            pop.state,
            np.empty(0, np.int64),
            np.ones(pop.n),
            np.zeros(pop.n),
            linked,
            firms,
            values,
            consts,
        )
        moved[rival] = int((pop.lead_firm[:40] == 1).sum())
        assert linked.sum() == 40 and linked[1] == moved[rival]
    # A rival with no margin is clearly better: every supplier moves; one that keeps almost
    # a monopsonist's margin is within the switching cost: none does.
    assert moved[0.0] == 40 and moved[0.99] == 0


def test_a_reached_mse_joins_the_best_firm_only_if_it_beats_its_buyer_by_the_switching_cost(
    consts, small
):
    m = small(n=300)
    pop = m.population
    pop.lead_firm[:] = -1
    values = _offers_for(m, consts)
    rows = np.arange(20, dtype=np.int64)
    firms = _firms([0.8, 0.2], [100, 100])
    cost = consts[0]["switching_cost"]
    for i in rows:
        _, level, slope, gross = supplier_choice.parts(i, pop.state, values, consts)
        best = supplier_choice.firm_value(
            level, slope, gross, pop.quality[i], 1, firms, 0.0, consts
        )
        # What it gets now is linear in its buyer's markup: set that markup so that the first
        # ten get slightly less than the best offer now, the rest far less.
        target = best / (1.0 + (cost / 2 if i < 10 else 2 * cost))
        values.markup[i] = 0.0
        at_0 = supplier_choice.parts(i, pop.state, values, consts)[0]
        values.markup[i] = 1.0
        at_1 = supplier_choice.parts(i, pop.state, values, consts)[0]
        values.markup[i] = (at_0 - target) / (at_0 - at_1)
    uniforms = np.zeros(pop.n)  # draw picks firm 0 first: the choice overrules the draw
    won, lost = supplier_choice.choose_buyers(
        pop.state, rows, np.ones(pop.n), uniforms, np.zeros(2, np.int64), firms, values, consts
    )
    assert (pop.lead_firm[:10] == -1).all() and (pop.lead_firm[10:20] == 1).all()
    # Firm 0 lost every MSE it courted; firm 1 won ten and lost the ten that stayed.
    assert list(won) == [0, 10] and list(lost) == [20, 10]


def test_with_the_step_at_zero_terms_are_the_formula_and_recruitment_0_3_0s(small, recruit):
    off = _consts(offer_step=0.0)
    m = small(n=500, n_lead_firms=3, offer_step=0.0)
    assert np.all(m.firms.power == lead_firms.firm_power(3, consts=off))
    on = small(n=500, n_lead_firms=3)
    assert np.all(on.firms.power == 1.0)  # competition starts from a monopsonist's terms
    chosen = {}
    for with_offers in (False, True):
        m = small(n=500, n_lead_firms=3, offer_step=0.0)
        pop = m.population
        pop.distance[:] = 0.0
        values = _offers_for(m, off) if with_offers else None
        power = m.firms.power.copy()
        for month in range(30):
            recruit(
                m, np.random.default_rng(month).random(pop.n), off, offers=values, profit=np.ones(3)
            )
        assert np.array_equal(m.firms.power, power)
        chosen[with_offers] = pop.lead_firm.copy()
    assert np.array_equal(chosen[False], chosen[True])


def test_with_competition_on_firms_bid_up_offers_for_the_same_mses(consts, small, recruit):
    power = {}
    for n_firms in (1, 4):
        m = small(n=1000, n_lead_firms=n_firms)
        pop = m.population
        pop.distance[:] = 0.0
        pop.lead_firm[:] = -1
        values = _offers_for(m, consts)
        for month in range(60):
            recruit(
                m,
                np.random.default_rng(month).random(pop.n),
                consts,
                services=0.0,
                contracts=0.0,
                offers=values,
                profit=np.ones(n_firms),
            )
        power[n_firms] = m.firms.power.mean()
    # The same MSEs, the same draws: rivals courting them bid each other's terms up.
    assert power[4] < power[1]


def test_a_lead_firm_agent_shows_its_offer(small):
    m = small(n_lead_firms=2)
    m.firms.power[1] = 0.4
    assert [f.power for f in m.lead_firms] == [1.0, 0.4]
