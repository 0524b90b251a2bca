"""Emergent tests: contracts that can be broken and groups with costs (issue 22, items 4-5).

Each test runs the whole model on 10 common seeds and asks for the direction the argument
states, with the paired 95% confidence interval (paired t) excluding zero.
"""

from __future__ import annotations

from sim.experiments import run_arms

SEEDS = 10


def test_higher_spot_prices_raise_side_selling(excludes_zero, disagreement):
    # More volatile end markets put the spot price far above the contract price more often:
    # suppliers side-sell more, and their lead firms see more default.
    r = run_arms(
        "baseline",
        {
            "calm": {"n_mse": 300, "forward_contracts": 0.5, "price_volatility": 0.2},
            "volatile": {"n_mse": 300, "forward_contracts": 0.5, "price_volatility": 1.0},
        },
        metrics=["share_side_selling"],
        seeds=SEEDS,
        steps=60,
        workers=1,
    )
    effect = r.effect("volatile", "calm", "share_side_selling")
    with disagreement("side-selling rises with spot prices"):
        assert excludes_zero(effect, "up"), effect


def test_costly_groups_dissolve_more_and_help_less(excludes_zero):
    # A high governance cost or much free-riding leaves fewer MSEs in groups, and groups
    # that bargain and share costs less well.
    arms = {
        "cheap": {"n_mse": 300, "group_support": 0.8},
        "costly": {
            "n_mse": 300,
            "group_support": 0.8,
            "constants": {"governance_cost": 0.004, "free_riding": 0.5},
        },
    }
    r = run_arms(
        "baseline",
        arms,
        metrics=["share_in_groups", "farmgate_share_groups"],
        seeds=SEEDS,
        steps=60,
        workers=1,
    )
    for metric in ("share_in_groups", "farmgate_share_groups"):
        effect = r.effect("costly", "cheap", metric)
        assert excludes_zero(effect, "down"), (metric, effect)
