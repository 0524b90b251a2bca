"""Emergent tests: what MSEs know after moving up the chain.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

import numpy as np

from sim.experiments import paired_effect
from sim.model import ValueChainModel
from sim.population import FUNCTIONAL

SEEDS = 10


def _belief_error(model, rows):
    """Each MSE's error about what its own link pays: prices and premiums, all channels."""
    pop, sold = model.population, model.last_sales
    return np.abs(pop.belief_price[:, rows] - sold.base[:, rows]).sum(axis=0) + np.abs(
        pop.belief_premium[:, rows] - sold.premium_rate[:, rows]
    ).sum(axis=0)


def test_1_functional_upgraders_know_their_markets_better_after_the_move(excludes_zero):
    # Seed lines 199-203: direct relationships carry information about what end markets want.
    # A chain where taking on the trader's function pays (rent-taking traders, skilled owners).
    lag = 12
    before, after = [], []
    for seed in range(SEEDS):
        m = ValueChainModel(
            "baseline", rng=seed, n_mse=300, education=0.8, intermediary_rent=0.9, credit_access=0.6
        )
        pending = []
        errors_before, errors_after = [], []
        had = m.population.has(FUNCTIONAL).copy()
        for month in range(1, 85):
            m.step()
            pop = m.population
            now = pop.has(FUNCTIONAL)
            moved = np.flatnonzero(now & ~had & pop.in_chain)
            had = now.copy()
            if moved.size:
                pending.append((month + lag, moved, _belief_error(m, moved)))
            for _due, rows, err in [p for p in pending if p[0] == month]:
                keep = pop.in_chain[rows]
                errors_before.extend(err[keep])
                errors_after.extend(_belief_error(m, rows[keep]))
        assert errors_before, f"seed {seed}: no functional upgrader to follow"
        before.append(np.mean(errors_before))
        after.append(np.mean(errors_after))
    effect = paired_effect(np.array(before), np.array(after))
    assert excludes_zero(effect, "down"), (before, after, effect)
