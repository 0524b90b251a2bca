"""Unit tests of :mod:`sim.contracts`: who gets a contract, and contracts that can be broken.

Each test sets the state by hand and shows the effect appears with its constant and vanishes
with it at 0: suppliers side-sell when spot beats the contract price by more than their loss
of the relationship; lead firms drop those they catch and tighten their terms.
"""

from __future__ import annotations

import numpy as np

from sim import contracts
from sim.constants import ConstantSet
from sim.markets import N_CHANNELS


def record(**values):
    return ConstantSet.of(values).record()


def _contracted(small):
    m = small(n=200, n_lead_firms=2)
    pop = m.population
    pop.lead_firm[:] = np.arange(pop.n) % 2
    pop.distress_months[:] = 0
    pop.upgrades[:] = 0
    contract = np.full(pop.n, 0.5)
    return m, pop, contract


def _side(m, pop, contract, spot_over_trend, consts, uniforms=None):
    trend = np.ones(N_CHANNELS)
    books = contracts.open_books(2)
    u = np.full(pop.n, 0.9) if uniforms is None else uniforms
    side = contracts.side_selling(
        pop, contract, trend * spot_over_trend, trend, 0.3, u, books, consts
    )
    return side, books


def test_suppliers_side_sell_when_spot_beats_the_contract_by_more_than_their_loss(small):
    consts = record()
    m, pop, contract = _contracted(small)
    side, books = _side(m, pop, contract, 1.0, consts)
    assert not side.any()  # no gain at the contract price
    side, books = _side(m, pop, contract, 1.5, consts)
    assert side.all()  # 50% above the contract price beats the loss (about 19%)
    assert books.side_sold.sum() == pop.n == books.contracted.sum()
    # A spot 10% above the contract price tempts only suppliers in cash distress.
    pop.lead_firm[:] = np.arange(pop.n) % 2
    pop.distress_months[: pop.n // 2] = 1
    side, _ = _side(m, pop, contract, 1.1, consts)
    assert side[: pop.n // 2].all() and not side[pop.n // 2 :].any()


def test_side_selling_vanishes_with_its_propensity_at_zero(small):
    m, pop, contract = _contracted(small)
    side, books = _side(m, pop, contract, 2.0, record(side_sell_propensity=0.0))
    assert not side.any() and books.side_sold.sum() == 0
    assert (pop.lead_firm >= 0).all()


def test_lead_firms_drop_the_side_sellers_they_catch_and_their_default_rate_rises(small):
    consts = record(side_sell_detection=0.5)
    m, pop, contract = _contracted(small)
    # u / propensity below the detection chance: caught; above: not.
    u = np.where(np.arange(pop.n) < pop.n // 2, 0.2, 0.9)
    side, books = _side(m, pop, contract, 2.0, consts, uniforms=u)
    assert side.all()
    assert (pop.lead_firm[: pop.n // 2] == -1).all() and (pop.lead_firm[pop.n // 2 :] >= 0).all()
    memory = consts[0]["default_memory"]
    assert np.allclose(books.default_rate, memory * 0.5)


def test_lead_firms_tighten_their_terms_as_their_default_rate_rises(small):
    m = small(n=200, n_lead_firms=2, forward_contracts=0.5)
    books = contracts.open_books(2)
    books.default_rate[:] = [0.0, 0.5]
    firms = contracts.tightened(m.firms, books, record())
    assert firms.contract[0] == m.firms.contract[0]
    assert np.isclose(firms.contract[1], 0.5 * m.firms.contract[1])
    assert firms.capacity[1] < m.firms.capacity[1]
    same = contracts.tightened(
        m.firms, books, record(contract_tightening=0.0, recruit_tightening=0.0)
    )
    assert np.array_equal(same.contract, m.firms.contract)
    assert np.array_equal(same.capacity, m.firms.capacity)


def test_a_side_seller_sells_to_a_trader_and_its_firm_keeps_nothing_of_it(small):
    m = small(n=200, n_lead_firms=1, forward_contracts=0.5)
    pop = m.population
    pop.upgrades[:] = 0
    pop.lead_firm[:] = 0
    m.side_selling = np.ones(pop.n, dtype=bool)
    m.trade()
    assert (m.links != 1).all() and (m.contracts == 0.0).all()
    assert m.last_sales.lead_firm_take.sum() == 0.0


def test_contracts_reach_only_linked_mses(small):
    m = small()
    pop = m.population
    pop.lead_firm[:] = -1
    pop.lead_firm[:10] = 1
    pop.quality[:] = 1.0
    assert np.all(contracts.contract_share(pop, m.firms)[:10] == m.firms.contract[1])
    assert np.all(contracts.contract_share(pop, m.firms)[10:] == 0.0)


def _standards_in_range(standard, consts):
    return (
        (standard >= consts[0]["firm_standard_low"]) & (standard <= consts[0]["firm_standard_high"])
    ).all()


def test_contracts_need_the_firms_standard(consts, small):
    m = small(forward_contracts=0.6)
    pop = m.population
    pop.lead_firm[:] = 0
    standard = m.firms.standard[0]
    pop.quality[:] = np.where(np.arange(pop.n) % 2 == 0, standard + 0.01, standard - 0.01)
    share = contracts.contract_share(pop, m.firms)
    assert np.all(share[::2] == m.firms.contract[0]) and np.all(share[1::2] == 0.0)
    assert _standards_in_range(m.firms.standard, consts)


def test_book_profit_adds_costs_as_np_add_at_does(consts):
    # The compiled pass adds each supplier's service cost to its firm's in row order: the
    # same bits as the np.add.at it replaced.
    rng = np.random.default_rng(2)
    n, firms = 5_000, 7
    lead_firm = rng.integers(-1, firms, n)
    active = rng.random(n) < 0.9
    produced = rng.random(n) * rng.choice([1e-3, 1.0, 1e3], n)
    take = rng.random(firms) * 100.0
    books = contracts.open_books(firms)
    contracts.book_profit(books, lead_firm, active, produced, take, 1.3, 0.7, consts)
    cost_per_unit = contracts.values_of(consts)["firm_service_cost"] * 0.7 * 1.3
    cost = np.zeros(firms)
    linked = active & (lead_firm >= 0)
    np.add.at(cost, lead_firm[linked], cost_per_unit * produced[linked])
    assert np.array_equal(books.profit, take - cost)
