"""Emergent tests for the paper's mechanisms of issue 10: directions over seeds.

Each test runs the whole model on at least 10 common seeds and asks for the direction the
paper states, with the paired 95% confidence interval (paired t) excluding zero. Runs are
small (a few hundred MSEs, five to ten years) so each test takes seconds.
"""

from __future__ import annotations

import numpy as np

from sim.experiments import paired_effect, run_arms
from sim.model import ValueChainModel
from sim.population import FUNCTIONAL

SEEDS = 10


def _excludes_zero(effect, direction):
    mean, low, high = effect
    return low > 0 if direction == "up" else high < 0


def _belief_error(model, rows):
    """Each MSE's error about what its own link pays: prices and premiums, all channels."""
    pop, sold = model.population, model.last_sales
    return (np.abs(pop.belief_price[:, rows] - sold.base[:, rows]).sum(axis=0)
            + np.abs(pop.belief_premium[:, rows] - sold.premium_rate[:, rows]).sum(axis=0))


def test_1_functional_upgraders_know_their_markets_better_after_the_move():
    # Seed lines 199-203: direct relationships carry information about what end markets want.
    # A chain where taking on the trader's function pays (rent-taking traders, skilled owners).
    lag = 12
    before, after = [], []
    for seed in range(SEEDS):
        m = ValueChainModel("baseline", rng=seed, n_mse=300, education=0.8,
                            intermediary_rent=0.9, credit_access=0.6)
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
    assert _excludes_zero(effect, "down"), (before, after, effect)


def test_3_more_lead_firms_link_more_mses_and_pass_on_more_premium():
    # Lead firms compete for suppliers and each has its own capacity.
    r = run_arms("baseline", {"one": {"n_lead_firms": 1, "n_mse": 300},
                              "three": {"n_lead_firms": 3, "n_mse": 300}},
                 metrics=["share_linked_lead_firm", "premium_share_mse"], seeds=SEEDS,
                 steps=60, workers=1)
    for metric in ("share_linked_lead_firm", "premium_share_mse"):
        effect = r.effect("three", "one", metric)
        assert _excludes_zero(effect, "up"), (metric, effect)


def test_3_quality_demanded_without_pay_holds_back_product_upgrading():
    # Seed lines 245-249: "MSEs will be less likely to respond".
    r = run_arms("baseline", {"paid": {"n_mse": 300, "quality_demand": 0.0},
                              "unpaid": {"n_mse": 300, "quality_demand": 1.0}},
                 metrics=["share_product", "premium_share_mse"], seeds=SEEDS, steps=120,
                 workers=1)
    assert _excludes_zero(r.effect("unpaid", "paid", "premium_share_mse"), "down")
    assert _excludes_zero(r.effect("unpaid", "paid", "share_product"), "down"), (
        r.mean("paid", "share_product"), r.mean("unpaid", "share_product"))


def test_4_where_mses_bypass_traders_through_brokers_traders_exit():
    # Seed lines 112-115, 144-148: an MSE that brokers for others; a level of firms eliminated.
    # A chain where direct selling pays (rent-taking traders, skilled owners, credit).
    chain = dict(n_mse=400, education=0.9, intermediary_rent=1.0, bargaining_power=0.0,
                 credit_access=0.8)
    r = run_arms("baseline", {"no brokers": {**chain, "mse_brokers": 0.0},
                              "brokers": {**chain, "mse_brokers": 1.0}},
                 metrics=["n_traders_active", "share_sold_via_brokers", "premium_share_mse"],
                 seeds=SEEDS, steps=120, workers=1)
    assert _excludes_zero(r.effect("brokers", "no brokers", "share_sold_via_brokers"), "up")
    assert _excludes_zero(r.effect("brokers", "no brokers", "n_traders_active"), "down")
    # Pakistan: sales agents passed on higher prices for quality (seed lines 239-243).
    assert _excludes_zero(r.effect("brokers", "no brokers", "premium_share_mse"), "up")


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


def test_8_india_movers_went_through_product_or_functional_upgrading_first():
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
        assert _excludes_zero(paired_effect(rate_other, rate_stepping), "up")
    # With the outreach, at least 5% of MSEs have moved by month 120 (the CI's lower bound).
    assert _mean_ci(reached[:, 0])[1] >= 0.05, reached[:, 0]
    # And the outreach is what takes it there: more movers than without, paired by seed.
    assert _excludes_zero(paired_effect(bundled[:, 0], reached[:, 0]), "up")


def test_6_investment_credit_not_working_capital_credit_unlocks_upgrading_and_groups_help():
    # Seed lines 297-315: upgrading needs long-term investment; the credit available is
    # "better adapted to short-term working capital loans" and does not fit those needs.
    # Lines 289-291: horizontal collaboration can facilitate access to finance.
    # Each kind of credit at its fullest: process upgrading (mostly investment) gains more from
    # investment credit. (All upgrading together gains about as much from either: effect of
    # the difference -0.001, 95% CI -0.008 to +0.006, when this test was written.)
    r = run_arms("baseline", {"investment credit": {"n_mse": 400, "credit_access": 1.0},
                              "working capital credit": {"n_mse": 400,
                                                         "working_capital_credit": 1.0},
                              "no group finance": {"n_mse": 400, "group_finance": 0.0},
                              "group finance": {"n_mse": 400, "group_finance": 1.0}},
                 metrics=["share_process", "share_upgraded"], seeds=SEEDS, steps=120,
                 workers=1)
    investment = r.outcomes["investment credit"]["share_process"]
    working = r.outcomes["working capital credit"]["share_process"]
    assert _excludes_zero(paired_effect(working, investment), "up")
    for metric in ("share_process", "share_upgraded"):
        assert _excludes_zero(r.effect("group finance", "no group finance", metric), "up")


def test_5_lead_firms_step_into_the_gap_where_supporting_markets_are_weak():
    # Structural effect 4 (seed lines 402-404): "Supporting markets for MSE upgrading are
    # generally weak, with lead firms sometimes stepping into the gap to provide embedded
    # services". Embedded services add more upgrading where stand-alone services are weak than
    # where they are strong (a difference in differences, paired by seed).
    arms = {f"{market} {embedded}": {"n_mse": 400, "support_services": support,
                                     "embedded_services": level}
            for market, support in (("weak", 0.1), ("strong", 1.0))
            for embedded, level in (("with", 0.6), ("without", 0.0))}
    r = run_arms("baseline", arms, metrics=["share_process", "share_upgraded"], seeds=SEEDS,
                 steps=120, workers=1)
    o = r.outcomes
    for metric in ("share_process", "share_upgraded"):
        weak = o["weak with"][metric] - o["weak without"][metric]
        strong = o["strong with"][metric] - o["strong without"][metric]
        assert _excludes_zero(paired_effect(strong, weak), "up"), metric
        # Stand-alone services do help when they exist.
        assert _excludes_zero(r.effect("strong without", "weak without", metric), "up")


def test_7_security_risk_in_transit_holds_back_functional_upgrading_far_from_markets():
    # Seed lines 205-210: distance raises costs and exposes MSEs who carry products or cash
    # to security and market risks, "reducing the profits from upgrading".
    chain = dict(n_mse=400, education=0.9, intermediary_rent=1.0, bargaining_power=0.0,
                 credit_access=0.8, physical_distance=0.8)
    r = run_arms("baseline", {"safe": {**chain, "transit_risk": 0.0},
                              "risky": {**chain, "transit_risk": 1.0}},
                 metrics=["share_functional"], seeds=SEEDS, steps=120, workers=1)
    assert _excludes_zero(r.effect("risky", "safe", "share_functional"), "down"), (
        r.mean("safe", "share_functional"), r.mean("risky", "share_functional"))


def _channel_upgraders_yearly_risk(seed, herding, market_shifts, years=10, last=5):
    """Year-to-year income risk of the MSEs that upgraded channel: the median absolute log
    change of each one's annual income from one year to the next over the last ``last``
    years, pooled (the median, because years of near-zero income make the tails erratic)."""
    from sim.population import CHANNEL

    m = ValueChainModel("baseline", rng=seed, n_mse=400, herding=herding,
                        market_shifts=market_shifts, price_volatility=0.0)
    annual = np.zeros((years, m.population.income.size))
    for year in range(years):
        for _ in range(12):
            m.step()
            annual[year] += m.population.income
    pop = m.population
    tail = annual[-last - 1:, pop.has(CHANNEL) & pop.in_chain]
    before, after = tail[:-1], tail[1:]
    ok = (before > 0) & (after > 0)
    return np.median(np.abs(np.log(after[ok] / before[ok])))


def test_9_herding_into_todays_best_channel_is_riskier_when_the_best_channel_can_change():
    # Guideline 7 (seed lines 362-384): "To reduce risk, MSEs should not be pushed to operate
    # exclusively in the market channel that pays the highest price today but may not pay the
    # highest price tomorrow"; "Diversification of market channels helps MSEs manage risk".
    # The income risk herding adds to channel upgraders (herded minus diversified, same seed)
    # is larger when the long-run order of channels can change (market_shifts 1) than when it
    # cannot (0): a difference in differences, paired by seed. Month-to-month price shocks are
    # muted (price_volatility 0) so that what is measured is the long-run shift alone; with
    # them at the baseline 0.4, order cancellations in the herded channel dominate
    # year-to-year risk and the difference is not detectable (+0.003, 95% CI -0.026 to +0.032
    # over seeds 0-29 when this test was written, against +0.028, 0.022 to 0.035, muted;
    # docs/seed-to-model.md).
    added = {}
    for shifts in (0.0, 1.0):
        herded = np.array([_channel_upgraders_yearly_risk(s, 1.0, shifts) for s in range(SEEDS)])
        diverse = np.array([_channel_upgraders_yearly_risk(s, 0.0, shifts) for s in range(SEEDS)])
        added[shifts] = herded - diverse
    # Herded channel upgraders carry more risk when the order of channels can change ...
    assert _excludes_zero(paired_effect(np.zeros(SEEDS), added[1.0]), "up"), added
    # ... and more than the risk herding adds when it cannot.
    assert _excludes_zero(paired_effect(added[0.0], added[1.0]), "up"), added


def _pakistan_agents(steps, metrics):
    # Pakistan with its trained sales agents (agent_training 0.4: 2% of MSEs, ECDI's 120
    # agents for ~6,000 embroiderers) against the same chain without them, on common seeds.
    return run_arms("pakistan-embroidery", {"none": {"agent_training": 0.0}, "agents": {}},
                    metrics=metrics, seeds=SEEDS, steps=steps, workers=1)


def test_pakistan_trained_sales_agents_carry_sales_and_raise_womens_incomes():
    # Seed lines 239-243, 357-360: women sales agents link isolated women producers to urban
    # buyers and "helped reduce the isolation of women producers". Read at 36 months, while
    # nearly all trained agents are in the chain (brokered sales +35.7 points [33.4, 38.0]
    # over 10 seeds); by 120 months about half have moved to the second chain and the effect
    # is +15.2 points [12.3, 18.0].
    r = _pakistan_agents(36, ["share_sold_via_brokers", "mean_income",
                              "share_upgraded_excluded"])
    for metric in ("share_sold_via_brokers", "mean_income", "share_upgraded_excluded"):
        assert _excludes_zero(r.effect("agents", "none", metric), "up"), (
            metric, r.effect("agents", "none", metric))


def test_pakistan_trained_sales_agents_elicit_product_upgrading():
    # The agents' design and colour information "helped to elicit a strong product upgrading
    # response" (seed lines 239-243). The direction holds once agents weigh their brokerage
    # take before leaving the chain (they stay, and keep carrying buyers' news); the size is
    # small: +1.6 points [0.8, 2.3] at 120 months over 10 seeds, so "strong" is not
    # reproduced (docs/validation.md).
    r = _pakistan_agents(120, ["share_product"])
    assert _excludes_zero(r.effect("agents", "none", "share_product"), "up"), (
        r.effect("agents", "none", "share_product"))
