"""Emergent tests: traders bypassed by MSE brokers and trained sales agents.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

from sim.experiments import run_arms

SEEDS = 10


def _pakistan_agents(steps, metrics):
    # Pakistan with its trained sales agents (agent_training 0.4: 2% of MSEs, ECDI's 120
    # agents for ~6,000 embroiderers) against the same chain without them, on common seeds.
    return run_arms(
        "pakistan-embroidery",
        {"none": {"agent_training": 0.0}, "agents": {}},
        metrics=metrics,
        seeds=SEEDS,
        steps=steps,
        workers=1,
    )


def test_4_where_mses_bypass_traders_through_brokers_traders_exit(excludes_zero):
    # Seed lines 112-115, 144-148: an MSE that brokers for others; a level of firms eliminated.
    # A chain where direct selling pays (rent-taking traders, skilled owners, credit).
    chain = dict(
        n_mse=400, education=0.9, intermediary_rent=1.0, bargaining_power=0.0, credit_access=0.8
    )
    r = run_arms(
        "baseline",
        {"no brokers": {**chain, "mse_brokers": 0.0}, "brokers": {**chain, "mse_brokers": 1.0}},
        metrics=["n_traders_active", "share_sold_via_brokers", "premium_share_mse"],
        seeds=SEEDS,
        steps=120,
        workers=1,
    )
    assert excludes_zero(r.effect("brokers", "no brokers", "share_sold_via_brokers"), "up")
    assert excludes_zero(r.effect("brokers", "no brokers", "n_traders_active"), "down")
    # Pakistan: sales agents passed on higher prices for quality (seed lines 239-243).
    assert excludes_zero(r.effect("brokers", "no brokers", "premium_share_mse"), "up")


def test_pakistan_trained_sales_agents_carry_sales_and_raise_womens_incomes(excludes_zero):
    # Seed lines 239-243, 357-360: women sales agents link isolated women producers to urban
    # buyers and "helped reduce the isolation of women producers". Read at 36 months, while
    # nearly all trained agents are in the chain (brokered sales +35.7 points [33.4, 38.0]
    # over 10 seeds); by 120 months about half have moved to the second chain and the effect
    # is +15.2 points [12.3, 18.0].
    r = _pakistan_agents(36, ["share_sold_via_brokers", "mean_income", "share_upgraded_excluded"])
    for metric in ("share_sold_via_brokers", "mean_income", "share_upgraded_excluded"):
        assert excludes_zero(r.effect("agents", "none", metric), "up"), (
            metric,
            r.effect("agents", "none", metric),
        )


def test_pakistan_trained_sales_agents_elicit_product_upgrading(excludes_zero):
    # The agents' design and colour information "helped to elicit a strong product upgrading
    # response" (seed lines 239-243). The direction holds once agents weigh their brokerage
    # take before leaving the chain (they stay, and keep carrying buyers' news); the size is
    # small: +1.6 points [0.8, 2.3] at 120 months over 10 seeds, so "strong" is not
    # reproduced (docs/validation.md).
    r = _pakistan_agents(120, ["share_product"])
    assert excludes_zero(r.effect("agents", "none", "share_product"), "up"), r.effect(
        "agents", "none", "share_product"
    )
