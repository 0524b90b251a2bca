"""Unit tests of :mod:`sim.services`: embedded services and stand-alone support markets.

Each test builds a small model, sets the state by hand, and shows that the effect appears
with its lever and vanishes without it.
"""

from __future__ import annotations

import numpy as np

from sim import services, signals, valuation


def test_embedded_services_reach_only_linked_mses(small):
    m = small()
    pop = m.population
    pop.lead_firm[:] = -1
    pop.lead_firm[:10] = 1
    assert np.all(services.service_intensity(pop, 0.7)[:10] == 0.7)
    assert np.all(services.service_intensity(pop, 0.7)[10:] == 0.0)


def test_stand_alone_services_reach_unlinked_mses_for_a_fee_only_with_the_lever(consts, small):
    from sim.population import PROCESS as P

    m = small()
    pop = m.population
    pop.lead_firm[:] = -1
    zero = np.zeros(pop.n)
    assert np.all(services.support_intensity(pop, 0.0, zero, consts=consts) == 0)
    support = services.support_intensity(pop, 1.0, zero, consts=consts)
    assert np.all(support > 0)
    assert np.all(np.diff(support[np.argsort(pop.distance)]) <= 1e-12)  # thinner far away
    assert np.all(services.support_intensity(pop, 1.0, np.ones(pop.n), consts=consts) < support)
    assert np.all(services.service_intensity(pop, 1.0) == 0)  # no embedded services unlinked
    # News, success and skills rise with them; costs rise by their fee.
    rows = np.arange(pop.n)
    pop.aware[:] = 0
    tables = np.zeros((1, 5)), np.zeros((pop.village.max() + 1, 5))
    without = signals.option_hazards(pop, rows, zero, zero, 0.6, 0.0, *tables, consts=consts)
    with_ = signals.option_hazards(pop, rows, zero, zero, 0.6, 0.0, *tables, support, consts=consts)
    assert np.all(with_[P] > without[P])
    pop.aware[:] = 0b11111
    pop.cash[:] = 10_000.0
    clarity = m.clarity()
    plain = valuation.value_options(pop, m.decision_context(clarity, zero), consts=consts)
    served = valuation.value_options(pop, m.decision_context(clarity, zero, support), consts=consts)
    assert np.all(served.success[0] > plain.success[0])
    assert np.allclose(
        served.investment[P],
        plain.investment[P] * (1 + consts[0]["support_fee"] * support[served.rows]),
    )
    skill = pop.skill.copy()
    services.technical_assistance(pop, zero, support, consts=consts)
    assert np.all(pop.skill >= skill) and np.any(pop.skill > skill)
