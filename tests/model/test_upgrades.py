"""Unit tests of :mod:`sim.upgrades`: eligibility, costs and what a success changes.

Each test builds a small model (or calls a compiled helper), sets the state by hand, and
shows that the effect appears with its lever (or upgrade) and vanishes without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import sim
from sim import (
    choice,
    upgrades,
)
from sim.population import CHANNEL, FUNCTIONAL, PROCESS, PRODUCT


def test_herding_puts_channel_entrants_into_one_channel(
    consts, everyone_knows_everything, small, valued
):
    for herding, expect_single in ((0.0, False), (1.0, True)):
        m = small(herding=herding)
        everyone_knows_everything(m)
        pop = m.population
        pop.quality[:] = 0.95
        ctx, opts = valued(m)
        chosen = np.full(opts.rows.size, CHANNEL)
        opts.success = np.ones_like(opts.value)
        upgrades.apply_upgrades(
            pop, ctx, opts, chosen, np.full(opts.rows.size, 0.5), herding, consts=consts
        )
        entered = pop.entered()[:, opts.rows].sum(axis=0)
        assert np.all(entered == 1) == expect_single


def test_intersectoral_requires_a_stepping_stone(consts, everyone_knows_everything, small):
    m = small()
    pop = m.population
    everyone_knows_everything(m)
    pop.skill[:] = 0.5
    pop.upgrades[:] = 0
    assert not upgrades.eligible_options(pop, consts=consts)[4].any()
    pop.upgrades[:] = 1 << PRODUCT
    assert upgrades.eligible_options(pop, consts=consts)[4].all()
    pop.upgrades[:] = 1 << FUNCTIONAL
    assert upgrades.eligible_options(pop, consts=consts)[4].all()


def test_process_upgrading_raises_output_as_well_as_cutting_unit_cost(consts, small, upgrade_all):
    m = small()
    pop = m.population
    capacity, cost = pop.capacity.copy(), pop.unit_cost.copy()
    rows = upgrade_all(m, PROCESS)
    assert rows.size
    assert np.allclose(pop.capacity[rows], capacity[rows] * (1 + consts[0]["process_output_gain"]))
    assert np.all(pop.unit_cost[rows] < cost[rows])
    others = np.setdiff1d(np.arange(pop.n), rows)
    assert np.array_equal(pop.capacity[others], capacity[others])


def test_a_month_without_deciders_attempts_nothing_and_changes_nobody(small, valued):
    m = small()
    pop = m.population
    ctx, opts = valued(m)
    none = opts.rows[:0]
    nobody = type(opts)(
        none,
        None,
        None,
        *(getattr(opts, f)[:, :0] for f in ("investment", "working_capital", "success")),
        opts.value[:, :0],
        opts.feasible[:, :0],
        opts.new_channel[:0],
    )
    before = {name: getattr(pop, name).copy() for name in ("cash", "debt", "upgrades")}
    # Empty arrays have another layout for numba: the passes are not called with them
    # (they would be compiled again for it).
    compiled = [len(choice._logit_choice.signatures), len(upgrades._apply.signatures)]
    chosen = choice.choose_upgrades(nobody, np.empty(0), m.constants)
    assert chosen.size == 0 and chosen.dtype == np.int64
    attempts = upgrades.apply_upgrades(pop, ctx, nobody, chosen, np.empty(0), 0.5, m.constants)
    assert (attempts.option == -1).all() and not attempts.succeeded.any()
    assert not attempts.borrowed.any() and all(f == 0.0 for f in attempts.financing)
    for name, was in before.items():
        np.testing.assert_array_equal(getattr(pop, name), was)
    assert [len(choice._logit_choice.signatures), len(upgrades._apply.signatures)] == compiled


def test_the_upgrades_read_nothing_the_month_let_go_of(monkeypatch):
    # Before the upgrades the month lets go of the clarity (`Context.for_upgrades`) and of
    # the options' values and feasibility (`Options.for_upgrades`): empty arrays stand in
    # for them, which compiled code would read past the end of without a word. The passes
    # that read the decision terms and the options run here as plain Python, where such a
    # read raises IndexError, and give the same months as the compiled passes.
    def months(interpreted: bool):
        # Credit, so that loans are taken too (attempts are rare in a baseline's first year).
        model = sim.ValueChainModel(rng=3, n_mse=300, credit_access=0.8)
        # As a record array, the constants read by name in plain Python too (numba types it
        # as the plain array: the compiled passes are the same).
        model.constants = model.constants.view(np.recarray)
        with monkeypatch.context() as patch:
            if interpreted:
                # In plain Python the state is read from the population by name (the
                # compiled bundle has no attributes there); the one compiled pass these
                # call with the state gets the bundle.
                def plain(f):
                    return lambda mse, *args: f(model.population, *args)

                for name in ("_pay", "_services", "_apply", "financing_totals"):
                    patch.setattr(upgrades, name, plain(getattr(upgrades, name).py_func))
                succeeds = upgrades.upgrade_succeeds
                patch.setattr(
                    upgrades,
                    "upgrade_succeeds",
                    lambda mse, *args: succeeds(model.population.state, *args),
                )
            attempted = borrowed = 0
            for _ in range(36):
                model.step()
                attempted += int((model.last_attempts.option >= 0).sum())
                borrowed += int(model.last_attempts.borrowed.sum())
        return model, (attempted, borrowed)

    compiled, attempted = months(False)
    interpreted, again = months(True)
    # The passes did run, on the same deciders, and some of them borrowed.
    assert attempted[0] > 0 and attempted[1] > 0 and again == attempted
    pd.testing.assert_frame_equal(interpreted.results(), compiled.results())
    for name in ("cash", "debt", "advance_due", "upgrades", "channel_weight"):
        np.testing.assert_array_equal(
            getattr(interpreted.population, name), getattr(compiled.population, name)
        )
