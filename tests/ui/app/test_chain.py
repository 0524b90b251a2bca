"""The app's picture of the value chain (sim.ui.app.chain): tiers, a stable sample, brokers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.links import VIA_BROKER
from sim.ui.app import chain, session, views


def test_value_chain_picture_draws_tiers_and_a_stable_sample(settings):
    run = session.Run(session.Settings({**settings.scenario, "n_mse": 2000}, 0, None, 12))
    while run.step():
        pass
    scenario = run.scenario()
    svg = chain.value_chain_svg(
        run.population(),
        n_intermediaries=scenario.n_intermediaries,
        n_lead_firms=scenario.n_lead_firms,
    )
    for word in ("Buyers in end markets", "Intermediaries", "Lead firms", "Domestic", "Export"):
        assert word in svg
    counts = chain.picture_counts(run.population())
    assert counts.drawn <= chain.MAX_DRAWN_MSES < counts.active <= counts.started == 2000
    assert svg.count("<circle") == counts.drawn
    caption = " ".join(views.picture_words(run, "en"))
    assert f"{counts.drawn} of {counts.active:,} drawn" in caption
    assert f"of the {counts.started:,} at the start" in caption
    assert np.array_equal(chain.sample_indices(5000), chain.sample_indices(5000))
    assert chain.most_advanced_upgrade(np.array([0, 1, 2, 3, 16])).tolist() == [0, 1, 2, 2, 5]


@pytest.mark.parametrize("mse_brokers", [0.0, 1.0])
def test_value_chain_picture_draws_mse_brokers_apart_from_traders(mse_brokers):
    # A chain where direct selling pays, so that some MSEs broker for their neighbours.
    record = {
        **session.scenario_record("baseline"),
        "n_mse": 400,
        "education": 0.9,
        "intermediary_rent": 1.0,
        "bargaining_power": 0.0,
        "credit_access": 0.8,
        "mse_brokers": mse_brokers,
    }
    run = session.Run(session.Settings(record, 0, None, 60))
    while run.step():
        pass
    pop = run.population()
    scenario = run.scenario()
    via_broker = (pop["link"] == VIA_BROKER) & pop["active"]
    svg = chain.value_chain_svg(
        pop, n_intermediaries=scenario.n_intermediaries, n_lead_firms=scenario.n_lead_firms
    )
    n_brokers = len(np.unique(pop["broker"][via_broker]))
    # The picture's links are the model's links: with brokers, some MSEs sell through them.
    assert (n_brokers > 0) == (mse_brokers > 0)
    assert svg.count('class="mse-broker"') == min(n_brokers, chain.MAX_DRAWN_FIRMS)
    assert ("MSE brokers (" in svg) == (n_brokers > 0)
    drawn = chain.sample_indices(len(via_broker))
    assert ("stroke-dasharray" in svg) == bool(via_broker[drawn].any())
    assert "an MSE broker" in chain.upgrade_legend()
