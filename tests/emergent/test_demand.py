"""Emergent tests: end markets that answer supply (issue 22, item 1; `sim.demand`).

Each test runs the whole model on 10 common seeds and asks for the direction the issue (or
the paper's guideline 7) states, with the paired 95% confidence interval (paired t)
excluding zero. Runs are small (300 MSEs, eight to ten years) so each test takes seconds.
"""

from __future__ import annotations

import numpy as np

from sim.demand import channel_supply
from sim.experiments import paired_effect
from sim.model import ValueChainModel
from sim.population import CHANNEL

SEEDS = 10
N_MSE = 300

#: Levers that drive mass product upgrading: buyers' preferences move fast toward quality and
#: lead firms' embedded services raise quality (share_product about 0.3 after eight years,
#: against about 0.07 in the baseline).
MASS_PRODUCT_UPGRADING = {"demand_shift": 1.0, "embedded_services": 0.9}


def _product_premium(seed, demand_response, months=96, last=24, **levers):
    """Premium per unit of quality buyers pay on the quality the MSEs sell, over the last
    ``last`` months: each channel's premium weighted by the quality volume sold there."""
    m = ValueChainModel(
        "baseline", rng=seed, n_mse=N_MSE, demand_response=demand_response, **levers
    )
    paid = supplied = 0.0
    for month in range(months):
        m.step()
        if month >= months - last:
            quality_volume = channel_supply(m.last_sales.units, m.population.quality)[1]
            paid += float(quality_volume @ m.markets.premium)
            supplied += float(quality_volume.sum())
    return paid / supplied


def test_mass_product_upgrading_lowers_the_product_premium_when_demand_answers(excludes_zero):
    # Issue 22: "with demand elasticity above zero, mass product upgrading lowers the product
    # premium, relative to infinite elasticity" (demand_response 0: 0.3.0's markets).
    elastic = np.array([_product_premium(s, 0.0, **MASS_PRODUCT_UPGRADING) for s in range(SEEDS)])
    answering = np.array([_product_premium(s, 1.0, **MASS_PRODUCT_UPGRADING) for s in range(SEEDS)])
    assert excludes_zero(paired_effect(elastic, answering), "down"), (elastic, answering)
    # ... and by more than where few MSEs upgrade their product (the baseline): the fall is
    # the answer to quality becoming common, in relative terms.
    elastic_base = np.array([_product_premium(s, 0.0) for s in range(SEEDS)])
    answering_base = np.array([_product_premium(s, 1.0) for s in range(SEEDS)])
    fall_mass = answering / elastic - 1.0
    fall_base = answering_base / elastic_base - 1.0
    assert excludes_zero(paired_effect(fall_base, fall_mass), "down"), (fall_base, fall_mass)


def _channel_upgraders(seed, herding, years=10, last=5):
    """The channel upgraders' lot under ``herding``, at the baseline's price volatility.

    Returns the year-to-year income risk of the channel upgraders still in the chain (median
    absolute log change of annual income over the last ``last`` years, as in
    ``test_herding.py``), their share of months in distress or closed over those years, and
    each channel's mean price and units sold then.
    """
    m = ValueChainModel("baseline", rng=seed, n_mse=N_MSE, herding=herding)
    annual = np.zeros((years, N_MSE))
    distress = np.zeros(N_MSE)
    price, units = np.zeros(3), np.zeros(3)
    months = 0
    for year in range(years):
        for _ in range(12):
            m.step()
            pop = m.population
            annual[year] += pop.income
            if year >= years - last:
                distress += ~pop.active | (pop.cash < 0.0)
                price += m.markets.price
                units += m.last_sales.channel_units
                months += 1
    pop = m.population
    upgraders = pop.has(CHANNEL)
    tail = annual[-last - 1 :, upgraders & pop.in_chain]
    before, after = tail[:-1], tail[1:]
    ok = (before > 0) & (after > 0)
    risk = np.median(np.abs(np.log(after[ok] / before[ok])))
    return risk, float(distress[upgraders].mean() / months), price / months, units / months


def test_g7_herding_into_one_channel_lowers_its_price_and_raises_the_herded_risk(
    excludes_zero,
):
    # Guideline 7 (seed lines 362-384): "MSEs should not be pushed to operate exclusively in
    # the market channel that pays the highest price today"; "Diversification of market
    # channels helps MSEs manage risk". Herded (herding 1) against diversified (herding 0)
    # channel upgraders, same seeds, at the baseline's own price volatility, with demand
    # answering supply (the default). The herded channel is, by seed, the distant channel
    # (export or specialty) the herded run sold most in.
    herded = [_channel_upgraders(s, 1.0) for s in range(SEEDS)]
    diverse = [_channel_upgraders(s, 0.0) for s in range(SEEDS)]
    channel = [1 + int(np.argmax(h[3][1:])) for h in herded]
    price_herded = np.array([h[2][c] for h, c in zip(herded, channel, strict=True)])
    price_diverse = np.array([d[2][c] for d, c in zip(diverse, channel, strict=True)])
    # Herding everyone into one channel lowers that channel's price ...
    assert excludes_zero(paired_effect(price_diverse, price_herded), "down"), (
        price_diverse,
        price_herded,
    )
    # ... and raises the herded MSEs' income volatility ...
    risk_herded = np.array([h[0] for h in herded])
    risk_diverse = np.array([d[0] for d in diverse])
    assert excludes_zero(paired_effect(risk_diverse, risk_herded), "up"), (
        risk_diverse,
        risk_herded,
    )
    # ... and their distress.
    distress_herded = np.array([h[1] for h in herded])
    distress_diverse = np.array([d[1] for d in diverse])
    assert excludes_zero(paired_effect(distress_diverse, distress_herded), "up"), (
        distress_diverse,
        distress_herded,
    )
