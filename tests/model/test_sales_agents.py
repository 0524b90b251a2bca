"""Unit tests of :mod:`sim.sales_agents`.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    links,
)
from sim.population import FUNCTIONAL


def test_a_project_trains_sales_agents_who_broker_only_with_the_lever(consts, small):
    # Pakistan's women sales agents (seed lines 239-243): functional upgrading a project
    # facilitates. The lever at 0 changes nothing, not even the random numbers.
    off, plain = small(n=300, agent_training=0.0), small(n=300)
    assert off.trained_agents.size == 0
    for name in ("upgrades", "skill", "lead_firm", "cash", "aware"):
        assert np.array_equal(getattr(off.population, name), getattr(plain.population, name))
    assert np.array_equal(off.links, plain.links)
    off.step()
    plain.step()
    assert np.array_equal(off.population.cash, plain.population.cash)
    assert off.last_sales.via_brokers == plain.last_sales.via_brokers

    m = small(n=300, agent_training=1.0, mse_brokers=1.0)
    pop, agents = m.population, m.trained_agents
    share = consts[0]["max_trained_agents"]
    assert agents.size == round(share * pop.n)
    assert (pop.upgrades[agents] >> FUNCTIONAL & 1).all() and (pop.lead_firm[agents] == -1).all()
    assert (m.links[agents] == links.DIRECT).all()
    # Spread over villages, the most skilled of each first.
    for v in np.unique(pop.village[agents]):
        rest = (pop.village == v) & ~np.isin(np.arange(pop.n), agents)
        assert pop.skill[agents[pop.village[agents] == v]].min() >= pop.skill[rest].max()
    # Their neighbours sell through them.
    assert set(m.brokers[m.links == links.VIA_BROKER]) <= set(agents)
    assert m.last_sales.via_brokers > 0
    assert (m.links == links.VIA_BROKER).sum() > (
        small(n=300, agent_training=0.0, mse_brokers=1.0).links == links.VIA_BROKER
    ).sum()
