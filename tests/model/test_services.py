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


def test_a_months_assistance_is_that_of_the_services_and_support_before_the_upgrades(consts, small):
    # What the month runs (`assist`, from one byte an MSE taken before the upgrades) is the
    # technical assistance of the services and support each MSE had then, bit for bit; and
    # it vanishes with both levers off.
    from sim.population import INTERSECTORAL

    m = small()
    pop = m.population
    pop.lead_firm[:] = -1
    pop.lead_firm[:15] = 0
    pop.active[40:45] = False
    social = np.linspace(0.0, 1.0, pop.n)
    services_then = services.service_intensity(pop, 0.6)
    support_then = services.support_intensity(pop, 0.5, social, consts=consts)
    before = services.service_inputs(pop)
    # The upgrades change what the services depend on; the assistance is still the earlier.
    pop.upgrades[:5] |= 1 << INTERSECTORAL
    pop.lead_firm[:15] = -1
    skill = pop.skill.copy()
    services.technical_assistance(pop, services_then, support_then, consts=consts)
    expected, pop.skill[:] = pop.skill.copy(), skill
    services.assist(pop, before, 0.6, 0.5, social, consts=consts)
    np.testing.assert_array_equal(pop.skill, expected)
    assert np.all(pop.skill[:15] > skill[:15])  # the linked gained from their lead firm's help
    pop.skill[:] = skill
    services.assist(pop, before, 0.0, 0.0, social, consts=consts)
    np.testing.assert_array_equal(pop.skill, skill)
