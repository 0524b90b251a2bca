"""Unit tests of :mod:`sim.brokers`: MSEs choose an MSE broker on price.

Each test sets the state by hand: a direct seller in one village brokers; its neighbours move
to it when it pays clearly more than their trader and it has room, not when it is full or the
gain is within the switching cost; they go back when their trader pays clearly more; and with
``broker_choice = 0`` the fixed key of 0.3.0 decides.
"""

from __future__ import annotations

import numpy as np

from sim import brokers, links
from sim.constants import ConstantSet
from sim.population import FUNCTIONAL


def record(**values):
    return ConstantSet.of(values).record()


def _village_with_a_broker(small, mse_brokers=1.0):
    """A small chain whose village 0 has one direct seller; returns (model, broker, others)."""
    m = small(n=300, mse_brokers=mse_brokers, n_lead_firms=0)
    pop = m.population
    village = pop.village == 0
    broker = np.flatnonzero(village)[0]
    pop.upgrades[:] = 0
    pop.upgrades[broker] = 1 << FUNCTIONAL
    others = village & (np.arange(pop.n) != broker)
    return m, broker, others


def _choose(m, chosen, power, consts):
    pop = m.population
    brokers.choose_brokers(
        pop,
        chosen,
        m.scenario.mse_brokers,
        m.scenario.n_villages,
        trader_power=np.full(m.scenario.n_intermediaries, power),
        bargaining=np.zeros(pop.n),
        social=np.zeros(pop.n),
        intermediary_rent=0.6,
        traders=m.traders,
        price=m.markets.price,
        premium=m.markets.premium,
        consts=consts,
    )


def test_an_mse_moves_to_a_broker_that_pays_clearly_more_while_it_has_room(consts, small):
    m, broker, others = _village_with_a_broker(small)
    capacity = consts[0]["broker_capacity"]
    assert others.sum() > capacity  # more neighbours than the broker can serve
    chosen = np.zeros(m.population.n, dtype=bool)
    # A trader with full market power pays far less than the broker's small margin.
    _choose(m, chosen, 1.0, consts)
    rows = np.flatnonzero(others)
    assert chosen[rows[:capacity]].all() and not chosen[rows[capacity:]].any()
    assert not chosen[~others].any()  # no broker elsewhere; the broker does not broker for itself
    # Links follow the choice: the chosen sell through the broker, the rest to their trader.
    link, via = links.links_and_brokers(
        m.population, 1.0, m.scenario.n_villages, consts=consts, chosen=chosen
    )
    assert (link[chosen] == links.VIA_BROKER).all() and (via[chosen] == broker).all()
    assert (link[others & ~chosen] == links.VIA_TRADER).all()


def test_nobody_moves_within_the_switching_cost_or_without_the_lever(consts, small):
    m, _, others = _village_with_a_broker(small)
    chosen = np.zeros(m.population.n, dtype=bool)
    _choose(m, chosen, 1.0, record(broker_switching_cost=1.0))  # the gain is below the cost
    assert not chosen.any()
    m, _, others = _village_with_a_broker(small, mse_brokers=0.0)  # nobody can reach it
    _choose(m, chosen, 1.0, consts)
    assert not chosen.any()


def test_a_full_broker_takes_no_newcomer_and_its_clients_keep_their_place(consts, small):
    m, _, others = _village_with_a_broker(small)
    capacity = consts[0]["broker_capacity"]
    rows = np.flatnonzero(others)
    chosen = np.zeros(m.population.n, dtype=bool)
    chosen[rows[-capacity:]] = True  # the last in row order already sell through it
    _choose(m, chosen, 1.0, consts)
    assert chosen[rows[-capacity:]].all() and chosen.sum() == capacity


def test_clients_go_back_to_their_trader_when_it_pays_clearly_more(consts, small):
    m, _, others = _village_with_a_broker(small)
    chosen = others.copy()
    chosen[np.flatnonzero(others)[consts[0]["broker_capacity"] :]] = False
    before = chosen.copy()
    # A trader with no market power takes no markup and no premium: better than the broker.
    _choose(m, chosen, 0.0, consts)
    assert before.any() and not chosen.any()
    # With a switching cost above the gain, they stay (a choice kept, not redrawn).
    chosen = before.copy()
    _choose(m, chosen, 0.0, record(broker_switching_cost=1.0))
    assert (chosen == before).all()


def test_the_choice_persists_in_the_model_and_is_off_with_its_switch(small):
    def via_broker(m):
        return int((m.links == links.VIA_BROKER).sum())

    for choice, expect_state in ((1, True), (0, False)):
        m = small(n=300, mse_brokers=1.0, n_lead_firms=0, broker_choice=choice)
        pop = m.population
        pop.upgrades[np.flatnonzero(pop.village == 0)[0]] = 1 << FUNCTIONAL
        m.trade()
        assert via_broker(m) > 0
        assert m.broker_choice.any() == expect_state
        if expect_state:
            assert (m.broker_choice == (m.links == links.VIA_BROKER)).all()
