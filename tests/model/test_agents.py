"""Unit tests of :mod:`sim.agents`: Mesa agents as views onto the population arrays."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

import sim
from sim.agents import MSE, Buyer, Intermediary, LeadFirm


def test_agents_are_mesa_agents_and_views_onto_the_arrays():
    model = sim.ValueChainModel(rng=2, n_mse=50, n_intermediaries=4, n_lead_firms=2)
    assert len(model.agents_by_type[MSE]) == 50
    assert len(model.agents_by_type[Intermediary]) == 4
    assert len(model.agents_by_type[LeadFirm]) == 2
    assert len(model.agents_by_type[Buyer]) == 3
    mse = model.mses.to_list()[0]
    assert isinstance(mse, mesa.Agent)
    mse.cash = 123.0
    assert model.population.cash[mse.row] == 123.0
    model.population.quality[mse.row] = 0.9
    assert mse.quality == pytest.approx(0.9)
    for _ in range(12):
        model.step()
    # AgentSet operations see the array state.
    rich = model.mses.select(lambda a: a.cash > np.median(model.population.cash))
    assert 0 < len(rich) < 50
    assert set(model.mses.get("most_advanced_upgrade")) <= {
        "none",
        "process",
        "product",
        "functional",
        "channel",
        "intersectoral",
    }
    buyer = model.buyers[0]
    assert buyer.name == "domestic" and buyer.price > 0 and buyer.payments > 0


def test_intermediary_and_lead_firm_views_report_takes():
    model = sim.ValueChainModel(rng=3, n_mse=200, embedded_services=1.0)
    for _ in range(24):
        model.step()
    assert sum(i.take for i in model.intermediaries) == pytest.approx(
        model.last_sales.intermediary_take.sum()
    )
    assert all(0.4 <= i.market_power <= 1.0 for i in model.intermediaries)
    assert sum(f.suppliers for f in model.lead_firms) == int(
        ((model.population.lead_firm >= 0) & model.population.in_chain).sum()
    )
    for mse in model.mses.to_list()[:30]:
        buyer = mse.buyer
        # An MSE broker is itself an MSE: one that sells directly.
        assert (
            buyer is None
            or isinstance(buyer, Intermediary | LeadFirm)
            or (isinstance(buyer, MSE) and buyer.buyer is None)
        )


def test_agent_views_read_the_right_row_of_channel_arrays():
    model = sim.ValueChainModel(rng=4, n_mse=30)
    for _ in range(6):
        model.step()
    pop = model.population
    for mse in model.mses.to_list()[:10] + model.mses.to_list()[-3:]:
        beliefs = mse.beliefs
        assert beliefs["export"]["price"] == pytest.approx(pop.belief_price[1, mse.row])
        assert beliefs["domestic"]["premium"] == pytest.approx(pop.belief_premium[0, mse.row])
        assert sum(mse.channels.values()) == pytest.approx(1.0)
        assert mse.channels.get("domestic", 0.0) == pytest.approx(pop.channel_weight[0, mse.row])


def test_an_intermediary_shows_its_rivals_and_margin(small):
    m = small(n=200)
    m.step()
    agent = m.intermediaries[0]
    m.traders.rivals[0] = 2
    assert agent.rivals == 2
    assert agent.margin == m.traders.margin[0]
