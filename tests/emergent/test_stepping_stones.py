"""Emergent tests: moving to the second chain through stepping stones.

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


def _india_movers(seed, **levers):
    """Share of MSEs moved to the second chain by month 120, share of movers who upgraded
    product or function first, and the moving rates of those who did and those who did not."""
    from sim.population import INTERSECTORAL, PRODUCT

    m = ValueChainModel("india-leather-shoes", rng=seed, **levers)
    for _ in range(120):
        m.step()
    pop = m.population
    moved = pop.has(INTERSECTORAL)
    stepping = pop.has(PRODUCT) | pop.has(FUNCTIONAL)
    rate_stepping = (moved & stepping).sum() / max(stepping.sum(), 1)
    rate_other = (moved & ~stepping).sum() / max((~stepping).sum(), 1)
    return moved.mean(), (moved & stepping).sum() / max(moved.sum(), 1), rate_stepping, rate_other


def _mean_ci(x):
    """Mean and 95% t interval over seeds."""
    mean, low, high = paired_effect(np.zeros(len(x)), np.asarray(x))
    return mean, low, high


def test_8_india_movers_went_through_product_or_functional_upgrading_first(
    excludes_zero, disagreement
):
    # Seed lines 322-340 (guideline 5): "Special facilitation may be needed to reach socially
    # isolated groups, such as training targeted explicitly to these groups"; "In India, where
    # working with leather is associated with lower castes, the movement of producers into
    # higher value-added activities within the leather value chain through product and
    # functional upgrading may provide a stepping stone for lateral movement through
    # intersectoral upgrading". Issue 10 asks for at least 5% of MSEs moved by month 120, at
    # least 80% of them after product or functional upgrading. The bundled scenario (no
    # outreach: targeted_facilitation 0, nothing known) falls short: 2.3% moved (95% CI
    # 2.0-2.7%, seeds 0-29, since brokers weigh their take before moving; 2.8% before), because
    # only 6% of its MSEs upgrade product or function at all and about half of those move.
    # With the outreach the paper pairs with the India case, at its fullest, the stepping
    # stone carries 6.1% (5.3-6.9%).
    # 20 seeds: at 10 the interval is too wide to tell 6% from 5%.
    seeds = range(2 * SEEDS)
    bundled = np.array([_india_movers(seed) for seed in seeds])
    reached = np.array([_india_movers(seed, targeted_facilitation=1.0) for seed in seeds])
    for runs in (bundled, reached):
        share, stepping_share, rate_stepping, rate_other = runs.T
        # At least 80% of movers upgraded product or function first (the CI's lower bound).
        assert _mean_ci(stepping_share)[1] >= 0.8, stepping_share
        # Moves are more often made after product or functional upgrading, seed by seed.
        assert excludes_zero(paired_effect(rate_other, rate_stepping), "up")
    # The outreach is what takes it there: more movers than without, paired by seed.
    assert excludes_zero(paired_effect(bundled[:, 0], reached[:, 0]), "up")
    # With the outreach, at least 5% of MSEs have moved by month 120 (the CI's lower bound).
    with disagreement("india outreach moves 5%"):
        assert _mean_ci(reached[:, 0])[1] >= 0.05, reached[:, 0]
