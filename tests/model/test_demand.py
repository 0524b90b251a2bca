"""Unit tests of :mod:`sim.demand`: end-market prices and premiums answer the MSEs' supply.

The effect appears with the flexibilities above zero and vanishes with ``demand_response`` at
0 (its off value, in ``benchmarks/reference_runs.py``'s ``MARKETS_OFF``); very elastic demand
(a tiny ``demand_response``) approaches the old, infinitely elastic markets.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import demand, markets
from sim.constants import ConstantSet
from sim.model import ValueChainModel


def _consts(**values):
    return ConstantSet.of(values).record() if values else ConstantSet().record()


def _reference():
    # Domestic 100 units at mean quality 0.3; export and specialty at the niche floor 10.
    return demand.Reference(np.array([100.0, 10.0, 10.0]), 10.0, np.array([0.3, 0.45, 0.65]))


def _units(domestic, export, specialty, n=4):
    """(3, n) units spread evenly over n MSEs."""
    return np.repeat(np.array([[domestic], [export], [specialty]]) / n, n, axis=1)


def test_reference_makes_every_multiplier_one_at_the_start():
    consts = _consts()
    units = np.array([[60.0, 40.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    quality = np.array([0.2, 0.5, 0.9])
    ref = demand.Reference.of(units, quality, consts)
    floor = consts[0]["niche_share"] * 100.0
    assert ref.floor == pytest.approx(floor)
    assert np.allclose(ref.volume, [100.0, floor, floor])
    # Domestic: the month's mean quality; elsewhere at least the channel's standard.
    assert ref.quality[0] == pytest.approx((60 * 0.2 + 40 * 0.5) / 100)
    assert np.allclose(ref.quality[1:], consts[0]["quality_standard"][1:])
    m = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(m, ref, units, quality, consts)
    assert np.array_equal(m.demand, np.ones(3)) and np.array_equal(m.premium_demand, np.ones(3))


def test_prices_fall_when_supply_rises_and_rise_when_it_falls():
    consts = _consts()
    k = consts[0]
    quality = np.full(4, 0.3)
    more = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(more, _reference(), _units(200.0, 40.0, 5.0), quality, consts)
    # Twice the domestic reference: the multiplier moves demand_adjustment of the way to
    # 2 ** -flexibility; export, four times its reference, falls less (more elastic);
    # specialty below the niche floor does not move.
    target = 2.0 ** -k["price_flexibility"][0]
    assert more.demand[0] == pytest.approx(1.0 + k["demand_adjustment"] * (target - 1.0))
    assert more.demand[0] < 1.0 and more.demand[1] < 1.0 and more.demand[2] == 1.0
    assert 1.0 - more.demand[1] < 1.0 - more.demand[0]
    fewer = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(fewer, _reference(), _units(50.0, 10.0, 10.0), quality, consts)
    assert fewer.demand[0] > 1.0
    # The multiplier reaches the prices from the next month on: trend, spot and contract.
    plain = markets.Markets.create(0.2, 0.55, consts=consts)
    assert np.array_equal(
        more.trend_price(0.0, consts=consts), plain.trend_price(0.0, consts=consts) * more.demand
    )


def test_premiums_fall_when_quality_becomes_common():
    consts = _consts()
    m = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(m, _reference(), _units(100.0, 10.0, 10.0), np.full(4, 0.9), consts)
    assert np.all(m.premium_demand < 1.0)
    drifted = m.drifted_premium.copy()
    markets.drift_preferences(m, 1.0, consts=consts)
    assert np.allclose(
        m.premium, (drifted + consts[0]["premium_drift_per_year"] / 12) * m.premium_demand
    )
    # A channel nobody sold in says nothing of its buyers' taste: its premium holds.
    still = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(still, _reference(), _units(100.0, 0.0, 0.0), np.full(4, 0.9), consts)
    assert np.array_equal(still.premium_demand[1:], np.ones(2))


def test_multipliers_adjust_part_of_the_way_each_month():
    consts = _consts()
    m = markets.Markets.create(0.2, 0.55, consts=consts)
    path = []
    for _ in range(30):
        demand.respond(m, _reference(), _units(200.0, 10.0, 10.0), np.full(4, 0.3), consts)
        path.append(m.demand[0])
    target = 2.0 ** -consts[0]["price_flexibility"][0]
    assert np.all(np.diff(path) < 0) and path[-1] == pytest.approx(target, rel=1e-2)
    assert path[0] > target + 0.5 * (1.0 - target)  # not all at once


def test_demand_response_zero_switches_the_mechanism_off():
    consts = _consts(demand_response=0.0)
    m = markets.Markets.create(0.2, 0.55, consts=consts)
    demand.respond(m, _reference(), _units(500.0, 90.0, 90.0), np.full(4, 0.9), consts)
    assert np.array_equal(m.demand, np.ones(3)) and np.array_equal(m.premium_demand, np.ones(3))


def _prices(months=24, **overrides):
    m = ValueChainModel("baseline", rng=3, n_mse=200, **overrides)
    m.population.capacity *= 2.0  # supply doubles after month 0's references
    rows = []
    for _ in range(months):
        m.step()
        rows.append(np.concatenate([m.markets.price, m.markets.premium]))
    return np.array(rows), m.datacollector.get_model_vars_dataframe()


def test_in_the_model_the_effect_appears_and_vanishes_with_demand_response():
    on, on_df = _prices()
    off, off_df = _prices(demand_response=0.0)
    # Twice the month-0 supply lowers the domestic price below the elastic markets' price.
    assert np.mean(on[6:, 0] / off[6:, 0]) < 0.95
    assert np.array_equal(on_df["price_domestic"].to_numpy()[1:], on[:, 0])
    # Off, the other demand constants change nothing, to the bit.
    other, other_df = _prices(
        demand_response=0.0,
        price_flexibility=[1.5, 1.5, 1.5],
        premium_flexibility=[1.5, 1.5, 1.5],
        niche_share=0.5,
    )
    assert np.array_equal(off, other)
    assert off_df.equals(other_df)


def test_very_elastic_demand_approaches_the_infinitely_elastic_markets():
    off, _ = _prices(demand_response=0.0)
    gaps = []
    for response in (1.0, 1e-2, 1e-4):
        near, _ = _prices(demand_response=response)
        gaps.append(float(np.max(np.abs(near - off))))
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-3


def test_run_reports_each_channels_price():
    df = sim.run("baseline", steps=2, rng=1, n_mse=100)
    assert {"price_domestic", "price_export", "price_specialty"} <= set(df.columns)
    assert df["price_domestic"].iloc[0] == pytest.approx(1.0)
