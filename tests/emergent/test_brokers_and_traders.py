"""Emergent tests: traders bypassed by MSE brokers and trained sales agents.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

import pytest

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


def _bypass_through_brokers(max_trader_rivals=None):
    # Seed lines 112-115, 144-148: an MSE that brokers for others; a level of firms eliminated.
    # A chain where direct selling pays (rent-taking traders, skilled owners, credit).
    chain = dict(
        n_mse=400, education=0.9, intermediary_rent=1.0, bargaining_power=0.0, credit_access=0.8
    )
    if max_trader_rivals is not None:
        chain["max_trader_rivals"] = max_trader_rivals
    return run_arms(
        "baseline",
        {"no brokers": {**chain, "mse_brokers": 0.0}, "brokers": {**chain, "mse_brokers": 1.0}},
        metrics=["n_traders_active", "share_sold_via_brokers", "premium_share_mse"],
        seeds=SEEDS,
        steps=120,
        workers=1,
    )


def _assert_brokers_bypass_traders(r, excludes_zero):
    assert excludes_zero(r.effect("brokers", "no brokers", "share_sold_via_brokers"), "up")
    assert excludes_zero(r.effect("brokers", "no brokers", "n_traders_active"), "down")
    # Pakistan: sales agents passed on higher prices for quality (seed lines 239-243).
    assert excludes_zero(r.effect("brokers", "no brokers", "premium_share_mse"), "up")


def test_4_where_mses_bypass_traders_through_brokers_traders_exit(excludes_zero):
    # Where traders are not contested (no rival enters: max_trader_rivals = 0), MSEs choose
    # the brokers' smaller margin and the bypassed traders exit. Measured over 10 seeds at 120
    # months: brokered sales +17.5 points [13.3, 21.7], traders -2.3 [-3.5, -1.1], premium
    # share +24.4 points [17.0, 31.8] (the fixed key of 0.3.0 gave +17.7, -2.4, +24.8).
    _assert_brokers_bypass_traders(_bypass_through_brokers(max_trader_rivals=0), excludes_zero)


@pytest.mark.xfail(
    strict=True,
    reason="with trader entry on (issue 22, item 3), rivals enter this high-margin chain and "
    "share the traders' market power, so a trader's terms come close to a broker's and few "
    "MSEs switch: over 10 seeds at 120 months brokered sales +0.4 points [-0.0, 0.8], traders "
    "operating -0.4 [-1.2, +0.4], premium share +0.4 points [-0.2, 1.0]. Competition among "
    "traders, not brokers, takes the rent; the seed's 'level of firms eliminated' needs "
    "uncontested traders (test_4_where_mses_bypass_traders_through_brokers_traders_exit).",
)
def test_4_brokers_bypass_traders_even_where_rival_traders_may_enter(excludes_zero):
    _assert_brokers_bypass_traders(_bypass_through_brokers(), excludes_zero)


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


def test_pakistan_trained_sales_agents_elicit_product_upgrading(excludes_zero, disagreement):
    # The agents' design and colour information "helped to elicit a strong product upgrading
    # response" (seed lines 239-243). The direction holds once agents weigh their brokerage
    # take before leaving the chain (they stay, and keep carrying buyers' news); the size is
    # small: +1.6 points [0.8, 2.3] at 120 months over 10 seeds, so "strong" is not
    # reproduced (docs/validation.md).
    r = _pakistan_agents(120, ["share_product"])
    with disagreement("pakistan agents share_product"):
        assert excludes_zero(r.effect("agents", "none", "share_product"), "up"), r.effect(
            "agents", "none", "share_product"
        )


# Issue 22, item 3: traders enter where margins are high and exit where they are low; brokers
# attract clients by price. A chain where traders' margins are high: rent-taking traders and
# MSEs without bargaining power (the traders' net margin is then above what pays an entrant).
HIGH_MARGINS = dict(n_mse=400, intermediary_rent=1.0, bargaining_power=0.0)


def test_trader_entry_lowers_traders_margins_and_raises_the_farmgate_share_where_margins_are_high(
    excludes_zero,
):
    # Entry (max_trader_rivals at its default) against none, on common seeds: rivals enter,
    # share the catchments' market power, and the margins they came for fall; the MSEs keep
    # more of the buyers' price. No formula in the number of traders sets the margin: it is
    # what the traders keep of the MSEs' sales once the rivals have entered. Measured over 10
    # seeds at 36 months: traders +17.5 [16.7, 18.2], net margin -0.109 [-0.111, -0.107],
    # farmgate share +9.1 points [8.8, 9.5].
    r = run_arms(
        "baseline",
        {"no entry": {**HIGH_MARGINS, "max_trader_rivals": 0}, "entry": HIGH_MARGINS},
        metrics=["n_traders_active", "mean_trader_margin", "farmgate_share"],
        seeds=SEEDS,
        steps=36,
        workers=1,
    )
    assert excludes_zero(r.effect("entry", "no entry", "n_traders_active"), "up")
    assert excludes_zero(r.effect("entry", "no entry", "mean_trader_margin"), "down")
    assert excludes_zero(r.effect("entry", "no entry", "farmgate_share"), "up")


def test_mses_choose_brokers_more_where_brokers_charge_less(excludes_zero):
    # Brokers attract clients by price (issue 22, item 3): a broker keeping a smaller margin
    # draws more of the neighbours who can reach it. A chain where direct selling pays (so
    # that villages have brokers) and every MSE can reach one; traders may enter (defaults).
    # Measured over 10 seeds at 60 months: brokered sales +4.7 points [3.1, 6.3].
    chain = dict(n_mse=400, education=0.9, bargaining_power=0.0, credit_access=0.8, mse_brokers=1.0)
    r = run_arms(
        "baseline",
        {"dear": {**chain, "broker_markup": 0.15}, "cheap": {**chain, "broker_markup": 0.05}},
        metrics=["share_sold_via_brokers"],
        seeds=SEEDS,
        steps=60,
        workers=1,
    )
    assert excludes_zero(r.effect("cheap", "dear", "share_sold_via_brokers"), "up"), r.effect(
        "cheap", "dear", "share_sold_via_brokers"
    )
