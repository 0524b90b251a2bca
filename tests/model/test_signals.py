"""Unit tests of :mod:`sim.signals`: price signals, beliefs and news of options.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import (
    signals,
)
from sim.population import FUNCTIONAL, PROCESS


def test_clarity_falls_with_distance_and_exclusion_and_ict_restores_it(consts, small):
    m = small()
    pop = m.population
    pop.ict[:] = False
    pop.distance[:] = np.linspace(0, 1, pop.n)
    zero = np.zeros(pop.n)
    linked = np.zeros(pop.n, dtype=bool)
    c = signals.signal_clarity(pop, zero, linked, 0.5, consts=consts)
    assert np.all(np.diff(c) < 0)
    assert np.all(signals.signal_clarity(pop, np.ones(pop.n), linked, 0.5, consts=consts) < c)
    pop.ict[:] = True
    assert np.all(
        signals.signal_clarity(pop, zero, linked, 0.5, consts=consts) >= consts[0]["ict_clarity"]
    )


def test_premium_beliefs_converge_to_the_attenuated_premium(consts, small):
    m = small()
    pop = m.population
    base = np.ones((3, pop.n))
    premium = np.full((3, pop.n), 0.4)
    clarity = np.full(pop.n, 0.5)
    for _ in range(200):
        signals.update_beliefs(pop, base, premium, clarity, np.zeros(pop.n), consts=consts)
    assert np.allclose(pop.belief_premium, 0.2, atol=1e-6)
    assert np.allclose(pop.belief_price[0], 1.0, atol=1e-6)


def test_options_are_learnt_faster_with_more_sources(consts, small):
    m = small()
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 4
    nobody = np.zeros((4, 5)), np.zeros((pop.village.max() + 1, 5))  # group, village tables
    half = tuple(table + 0.5 for table in nobody)
    rows = np.arange(pop.n)
    pop.aware[:] = 0
    lonely = signals.option_hazards(
        pop, rows, np.zeros(pop.n), np.zeros(pop.n), 0.9, 0.0, *nobody, consts=consts
    )
    served = signals.option_hazards(
        pop, rows, np.zeros(pop.n), np.ones(pop.n), 0.1, 0.0, *half, consts=consts
    )
    demonstrated = signals.option_hazards(
        pop, rows, np.zeros(pop.n), np.zeros(pop.n), 0.9, 0.0, *half, consts=consts
    )
    assert np.all(served > lonely) and np.all(demonstrated > lonely)
    pop.aware[:] = 1 << PROCESS
    known = signals.option_hazards(
        pop, rows, np.zeros(pop.n), np.ones(pop.n), 0.1, 0.0, *half, consts=consts
    )
    assert np.all(known[PROCESS] == 0) and np.all(known[1:] > 0)  # no news of the known
    pop.aware[:] = 0
    assert np.array_equal(signals.learners(pop), rows)
    signals.learn_options(pop, rows, np.full((5, pop.n), 100.0), np.full(pop.n, 0.5))
    assert np.all(pop.aware != 0)
    assert np.all((pop.aware & (pop.aware - 1)) == 0)  # at most one option a month


def test_functional_upgrading_never_loses_the_lead_firm_clarity_and_reads_end_markets(
    consts, small, upgrade_all
):
    m = small(ict_access=0.0)
    pop = m.population
    pop.lead_firm[:] = 0
    linked = m.clarity()
    assert np.all(linked >= consts[0]["lead_firm_clarity"])
    rows = upgrade_all(m, FUNCTIONAL)
    assert rows.size and (pop.lead_firm[rows] == -1).all()  # it sells past the lead firm now
    after = m.clarity()
    # Upgraded: the clearest view; not upgraded (the lever off): unchanged.
    assert np.all(after[rows] == consts[0]["direct_clarity"]) and np.all(
        after[rows] >= linked[rows]
    )
    others = np.setdiff1d(np.arange(pop.n), rows)
    assert np.array_equal(after[others], linked[others])


def test_a_direct_seller_believes_the_premium_its_end_market_pays(consts, small):
    m = small()
    pop = m.population
    pop.upgrades[:] = 1 << FUNCTIONAL
    pop.lead_firm[:] = -1
    clarity = m.clarity()
    premium = np.full((3, pop.n), 0.4)
    for _ in range(200):
        signals.update_beliefs(
            pop, np.ones((3, pop.n)), premium, clarity, np.zeros(pop.n), consts=consts
        )
    assert np.allclose(pop.belief_premium, 0.4, atol=1e-6)  # no attenuation left


def test_news_skips_expm1_only_where_the_answer_is_certainly_no():
    # `_learn_options` skips expm1 for draws at or above the total hazard (with a margin):
    # the news it gives is the news of comparing every draw with -expm1(-total).
    from sim import detmath
    from sim.signals import _learn_options

    rng = np.random.default_rng(3)
    m = 20_000
    hazard = rng.random((5, m)) * rng.choice([1e-6, 1e-3, 0.05, 1.0, 30.0], size=m)
    hazard[:, :50] = 0.0
    total = np.zeros(m)
    for k in range(5):
        total += hazard[k]
    chance = np.array([-detmath.expm1(-t) for t in total])
    uniforms = rng.random(m)
    # Draws on the edges: at the chance, just above and below it, at the total.
    uniforms[100:200] = chance[100:200]
    uniforms[200:300] = np.nextafter(chance[200:300], 1.0)
    uniforms[300:400] = np.nextafter(chance[300:400], 0.0)
    uniforms[400:500] = np.minimum(total[400:500], np.nextafter(1.0, 0.0))
    rows = np.arange(m)
    aware = np.zeros(m, dtype=np.uint8)
    _learn_options(rows, hazard, uniforms, aware, 0, m)
    expected = np.zeros(m, dtype=np.uint8)
    for j in range(m):  # the rule without the shortcut
        if uniforms[j] < chance[j]:
            position = uniforms[j] / chance[j] * total[j]
            option, edge = 0, hazard[0, j]
            while option < 4 and position >= edge:
                option += 1
                edge += hazard[option, j]
            expected[j] |= 1 << option
    assert np.array_equal(aware, expected)
    assert 0 < expected.astype(bool).sum() < m
