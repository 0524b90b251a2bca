"""Fixtures of the model's unit tests: set up a month's decisions by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim import lead_firms, upgrades, valuation


def _everyone_knows_everything(m, cash=10_000.0):
    pop = m.population
    pop.aware[:] = 0b11111
    pop.cash[:] = cash
    pop.skill[:] = 0.9


def _valued(m):
    clarity = m.clarity()
    svc = lead_firms.service_intensity(m.population, m.scenario.embedded_services)
    ctx = m.decision_context(clarity, svc)
    return ctx, valuation.value_options(m.population, ctx, consts=m.constants)


def _recruit(m, uniforms, consts, *, services=1.0, contracts=1.0, pull=1.0, **more):
    """One month of ``m``'s lead firms recruiting, without social barriers."""
    pop = m.population
    lead_firms.recruit_suppliers(
        pop,
        m.firms,
        embedded_services=services,
        forward_contracts=contracts,
        pull=pull,
        social=np.zeros(pop.n),
        uniforms=uniforms,
        consts=consts,
        **more,
    )


def _upgrade_all(m, option, **levers):
    """Make every MSE attempt ``option`` this month, with certain success."""
    _everyone_knows_everything(m)
    ctx, opts = _valued(m)
    opts.success = np.ones_like(opts.value)
    opts.feasible[:] = True
    chosen = np.full(opts.rows.size, option)
    upgrades.apply_upgrades(
        m.population, ctx, opts, chosen, np.full(opts.rows.size, 0.5), 0.0, consts=m.constants
    )
    return opts.rows


@pytest.fixture(scope="session")
def everyone_knows_everything():
    """``everyone_knows_everything(m, cash=10_000)``: every MSE knows every option, is
    skilled and has cash."""
    return _everyone_knows_everything


@pytest.fixture(scope="session")
def valued():
    """``valued(m)``: this month's decision context and valued options, ``(ctx, options)``."""
    return _valued


@pytest.fixture(scope="session")
def upgrade_all():
    """``upgrade_all(m, option)``: every MSE attempts ``option`` this month and succeeds;
    returns the deciders' rows."""
    return _upgrade_all


@pytest.fixture(scope="session")
def recruit():
    """``recruit(m, uniforms, consts, services=1, contracts=1, pull=1, offers=, profit=)``:
    one month of lead firms' recruitment (`sim.lead_firms.recruit_suppliers`), no social
    barrier."""
    return _recruit
