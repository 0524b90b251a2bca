"""Unit tests: one or more per mechanism, each on a small model whose state is set by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sim import (
    channels,
    choice,
    constants,
    finance,
    groups,
    lead_firms,
    links,
    markets,
    signals,
    terms,
    traders,
    upgrades,
    valuation,
)
from sim.model import ValueChainModel
from sim.population import CHANNEL, FUNCTIONAL, PROCESS, PRODUCT, social_barrier

K = constants.defaults()  # the default calibration constants, for compiled helpers


def small(n=200, **levers):
    return ValueChainModel(rng=7, n_mse=n, n_villages=10, **levers)


# -- markets -------------------------------------------------------------------------------


def test_preferences_drift_toward_quality_at_the_scenario_rate():
    m = markets.Markets.create(0.2, 0.55, consts=K)
    before = m.premium.copy()
    markets.drift_preferences(m, 0.0, consts=K)
    assert np.array_equal(m.premium, before)
    markets.drift_preferences(m, 1.0, consts=K)
    assert np.allclose(m.premium - before, K[0]["premium_drift_per_year"] / 12)


def test_price_shocks_scale_with_volatility_and_competition_erodes_prices():
    z = np.array([1.0, -1.0, 2.0, 0.5, 0.0, 0.0, 0.0])
    calm = markets.Markets.create(0.2, 0.55, consts=K)
    markets.shock_prices(calm, 0.0, 0.0, z, consts=K)
    assert np.allclose(calm.price, calm.base_price)
    wild = markets.Markets.create(0.2, 0.55, consts=K)
    markets.shock_prices(wild, 1.0, 0.0, z, consts=K)
    assert not np.allclose(wild.price, wild.base_price)
    late = markets.Markets.create(0.2, 0.55, consts=K)
    late.month = 120
    assert np.all(late.trend_price(1.0, consts=K) < late.trend_price(0.0, consts=K))


def test_competitive_sales_share_punishes_cost_above_the_benchmark():
    cost = np.array([0.4, 0.55, 0.6, 0.8])
    none = markets.competitive_sales_share(cost, 0.55, 0.0, K)
    some = markets.competitive_sales_share(cost, 0.55, 0.8, K)
    assert np.all(none == 1.0)
    assert some[0] == some[1] == 1.0 and 1.0 > some[2] > some[3] >= 0.2


def test_channel_covariance_is_positive_definite_and_scales():
    cov = markets.price_covariance(0.5, consts=K)
    assert np.all(np.linalg.eigvalsh(cov) > 0)
    assert np.allclose(markets.price_covariance(1.0, consts=K), 4 * cov)


# -- trade: vertical links -----------------------------------------------------------------


def test_intermediaries_capture_less_premium_from_stronger_bargainers():
    power = np.array([1.0, 1.0])
    captured = terms.intermediary_premium_capture(0.6, power, np.array([0.0, 0.8]))
    assert captured[0] == pytest.approx(0.6) and captured[1] == pytest.approx(0.12)


def test_bypass_lowers_intermediary_market_power():
    m = small()
    pop = m.population
    link = np.zeros(pop.n, dtype=np.int8)
    full = traders.intermediary_market_power(pop, link, 20, consts=K)
    link[:] = links.DIRECT
    none = traders.intermediary_market_power(pop, link, 20, consts=K)
    served = np.unique(pop.trader)
    assert np.all(full[served] == 1.0)
    assert np.allclose(none[served], 1.0 - K[0]["bypass_effect"])


def test_group_membership_and_ict_raise_bargaining_power():
    m = small()
    pop = m.population
    zero = np.zeros(pop.n)
    pop.group[:] = -1
    had_ict = pop.ict.copy()
    base = terms.bargaining_power(pop, 0.3, zero, consts=K)
    pop.group[:] = 0
    pop.ict[:] = True
    assert np.allclose(terms.bargaining_power(pop, 0.3, zero, consts=K) - base,
                       K[0]["group_bargaining"] + K[0]["ict_bargaining"] * ~had_ict)


def test_lead_firms_pass_on_more_of_the_premium_than_traders():
    m = small(intermediary_rent=0.8)
    pop = m.population
    link = np.where(np.arange(pop.n) % 2 == 0, links.VIA_TRADER, links.VIA_LEAD_FIRM)
    power = np.ones(20)
    offered = terms.link_terms(pop, link, power, np.zeros(pop.n), np.zeros(pop.n), 0.8, m.firms, consts=K)
    assert offered.pass_through[link == links.VIA_LEAD_FIRM].min() > (
        offered.pass_through[link == links.VIA_TRADER].max())


def test_direct_selling_is_cheapest_in_the_domestic_channel():
    cost = terms.direct_selling_cost(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]),
                                     np.arange(3)[:, None], K)  # (channel, MSE)
    assert np.all(cost[0] < cost[1]) and np.all(cost[0] < cost[2])
    assert cost[1, 1] > cost[1, 0]  # social distance makes export marketing dearer


def test_money_is_accounted_for_in_every_sale():
    m = small(forward_contracts=0.9, embedded_services=0.9)
    for _ in range(24):
        m.step()
    s = m.last_sales
    mse = s.revenue.sum()
    assert s.buyer_payments.sum() == pytest.approx(
        mse + s.intermediary_take.sum() + s.lead_firm_take.sum() + s.transport, rel=1e-12)


def test_goods_failing_a_standard_sell_domestically():
    assert np.allclose(channels.sold_in_channels(np.array([0.0, 1.0, 0.0]), 0.1, K), [1.0, 0.0, 0.0])
    assert np.allclose(channels.sold_in_channels(np.array([0.5, 0.5, 0.0]), 0.9, K), [0.5, 0.5, 0.0])


# -- signals -------------------------------------------------------------------------------


def test_clarity_falls_with_distance_and_exclusion_and_ict_restores_it():
    m = small()
    pop = m.population
    pop.ict[:] = False
    pop.distance[:] = np.linspace(0, 1, pop.n)
    zero = np.zeros(pop.n)
    linked = np.zeros(pop.n, dtype=bool)
    c = signals.signal_clarity(pop, zero, linked, 0.5, consts=K)
    assert np.all(np.diff(c) < 0)
    assert np.all(signals.signal_clarity(pop, np.ones(pop.n), linked, 0.5, consts=K) < c)
    pop.ict[:] = True
    assert np.all(signals.signal_clarity(pop, zero, linked, 0.5, consts=K) >= K[0]["ict_clarity"])


def test_premium_beliefs_converge_to_the_attenuated_premium():
    m = small()
    pop = m.population
    base = np.ones((3, pop.n))
    premium = np.full((3, pop.n), 0.4)
    clarity = np.full(pop.n, 0.5)
    for _ in range(200):
        signals.update_beliefs(pop, base, premium, clarity, np.zeros(pop.n), consts=K)
    assert np.allclose(pop.belief_premium, 0.2, atol=1e-6)
    assert np.allclose(pop.belief_price[0], 1.0, atol=1e-6)


def test_options_are_learnt_faster_with_more_sources():
    m = small()
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 4
    nobody = np.zeros((4, 5)), np.zeros((pop.village.max() + 1, 5))  # group, village tables
    half = tuple(table + 0.5 for table in nobody)
    rows = np.arange(pop.n)
    pop.aware[:] = 0
    lonely = signals.option_hazards(pop, rows, np.zeros(pop.n), np.zeros(pop.n), 0.9, 0.0,
                                    *nobody, consts=K)
    served = signals.option_hazards(pop, rows, np.zeros(pop.n), np.ones(pop.n), 0.1, 0.0,
                                    *half, consts=K)
    demonstrated = signals.option_hazards(pop, rows, np.zeros(pop.n), np.zeros(pop.n), 0.9,
                                          0.0, *half, consts=K)
    assert np.all(served > lonely) and np.all(demonstrated > lonely)
    pop.aware[:] = 1 << PROCESS
    known = signals.option_hazards(pop, rows, np.zeros(pop.n), np.ones(pop.n), 0.1, 0.0,
                                   *half, consts=K)
    assert np.all(known[PROCESS] == 0) and np.all(known[1:] > 0)  # no news of the known
    pop.aware[:] = 0
    assert np.array_equal(signals.learners(pop), rows)
    signals.learn_options(pop, rows, np.full((5, pop.n), 100.0), np.full(pop.n, 0.5))
    assert np.all(pop.aware != 0)
    assert np.all((pop.aware & (pop.aware - 1)) == 0)  # at most one option a month


# -- groups --------------------------------------------------------------------------------


def test_groups_form_within_villages_and_social_groups():
    m = small(n=600, group_support=1.0, social_distance=1.0, excluded_share=0.5)
    pop = m.population
    for _ in range(36):
        groups.form_groups(pop, m.groups, 1.0, m.social, 1.0, m.rng.random(pop.n), consts=K)
    members = pop.group >= 0
    assert members.mean() > 0.3
    for gid in np.unique(pop.group[members]):
        rows = pop.group == gid
        assert np.unique(pop.village[rows]).size == 1
        assert np.unique(pop.excluded[rows]).size == 1
        assert K[0]["min_group_size"] <= rows.sum() <= 2 * K[0]["max_group_size"]


def test_group_support_makes_groups_form_faster():
    shares = []
    for support in (0.0, 1.0):
        m = small(n=600)
        draws = np.random.default_rng(1)
        for _ in range(24):
            groups.form_groups(m.population, m.groups, support, m.social, 0.4,
                               draws.random(600), consts=K)
        shares.append(m.population.in_group.mean())
    assert shares[1] > shares[0] + 0.2


def test_information_sharing_pulls_members_toward_the_group_mean():
    m = small()
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 5
    pop.belief_premium[:] = m.rng.random((3, pop.n))
    spread = pop.belief_premium[:, pop.group == 0].std(axis=1)
    means = pop.belief_premium[:, pop.group == 0].mean(axis=1)
    groups.share_information(pop, consts=K)
    after = pop.belief_premium[:, pop.group == 0]
    assert np.allclose(after.std(axis=1), spread * (1 - K[0]["information_sharing"]))
    assert np.allclose(after.mean(axis=1), means)  # pooling moves nobody's mean


def test_peer_adoption_counts_peers():
    m = small(n=10)
    pop = m.population
    pop.group[:] = [0, 0, 0, 0, 1, 1, -1, -1, -1, -1]
    pop.upgrades[:] = [1, 1, 0, 0, 2, 0, 1, 1, 1, 1]
    table = groups.peer_adoption(pop, pop.group, pop.group >= 0)
    assert table.shape == (2, 5)  # MSEs outside a group count for no group
    assert np.allclose(table[0], [0.5, 0, 0, 0, 0]) and np.allclose(table[1], [0, 0.5, 0, 0, 0])
    villages = groups.peer_adoption(pop, np.zeros(10, dtype=np.int32), np.ones(10, dtype=bool))
    assert np.allclose(villages, [[0.6, 0.1, 0, 0, 0]])


def test_group_registry_keeps_every_group_as_it_grows():
    registry = groups.Groups()
    ids = [registry.add(np.array([c, c + 1]), np.array([10 * c, 10 * c + 1]))
           for c in range(100)]  # past the initial capacity several times
    assert len(registry) == 200
    assert np.array_equal(np.concatenate(ids), np.arange(200))
    assert registry.cell[150] == 75 and registry.cell[151] == 76 and registry.founder[151] == 751
    registry.alive[3] = False  # a view: writes reach the registry
    assert not registry.alive[3] and registry.alive.sum() == 199


def test_groups_dissolve_and_members_leave():
    m = small(n=300)
    pop = m.population
    pop.group[:] = np.arange(pop.n) % 10
    m.groups.add(np.arange(10), np.arange(10))
    groups.dissolve_groups(pop, m.groups, 0.0, np.zeros(pop.n), consts=K)  # every draw dissolves
    assert np.all(pop.group == -1)


# -- services ------------------------------------------------------------------------------


def test_lead_firms_reach_groups_first_and_stop_at_capacity():
    m = small(n=2000)
    pop = m.population
    pop.group[: pop.n // 2] = 0
    pop.distance[:] = 0.0
    lead_firms.recruit_suppliers(pop, m.firms, embedded_services=1.0,
                               forward_contracts=1.0, pull=1.0, social=np.zeros(pop.n),
                               uniforms=np.full(pop.n, 0.02), consts=K)
    linked = pop.lead_firm >= 0
    assert linked[: pop.n // 2].mean() > linked[pop.n // 2:].mean()
    for _ in range(200):
        lead_firms.recruit_suppliers(pop, m.firms, embedded_services=1.0,
                                   forward_contracts=1.0, pull=1.0, social=np.zeros(pop.n),
                                   uniforms=m.rng.random(pop.n), consts=K)
    per_firm = np.bincount(pop.lead_firm[pop.lead_firm >= 0], minlength=3)
    assert per_firm.size == 3  # firms 0, 1, 2 only
    assert (per_firm <= m.firms.capacity).all()
    assert per_firm.sum() >= 0.9 * m.firms.capacity.sum()  # full, bar this month's leavers


def test_services_and_contracts_reach_only_linked_mses():
    m = small()
    pop = m.population
    pop.lead_firm[:] = -1
    pop.lead_firm[:10] = 1
    pop.quality[:] = 1.0
    assert np.all(lead_firms.service_intensity(pop, 0.7)[:10] == 0.7)
    assert np.all(lead_firms.service_intensity(pop, 0.7)[10:] == 0.0)
    assert np.all(lead_firms.contract_share(pop, m.firms)[:10] == m.firms.contract[1])
    assert np.all(lead_firms.contract_share(pop, m.firms)[10:] == 0.0)


# -- finance -------------------------------------------------------------------------------


def test_credit_line_grows_with_access_and_shrinks_with_debt_and_exclusion():
    m = small()
    pop = m.population
    zero = np.zeros(pop.n)
    assert np.all(finance.credit_limit(pop, 0.0, zero, consts=K) == 0)
    full = finance.credit_limit(pop, 1.0, zero, consts=K)
    assert np.allclose(full, K[0]["max_loan"])
    pop.debt[:] = 100
    assert np.allclose(finance.credit_limit(pop, 1.0, zero, consts=K), K[0]["max_loan"] - 100)
    assert np.all(finance.credit_limit(pop, 1.0, np.ones(pop.n), consts=K) < K[0]["max_loan"] - 100)


def test_credit_never_pays_working_capital_but_advances_do():
    cash, credit = np.array([10.0]), np.array([1000.0])
    assert not finance.can_finance(cash, credit, np.array([100.0]), np.array([50.0]),
                                   np.array([0.0]))[0]
    assert finance.can_finance(cash, credit, np.array([100.0]), np.array([50.0]),
                               np.array([50.0]))[0]
    paid = finance.Financing(*finance.split_costs(credit, np.array([100.0]), np.array([50.0]),
                                                  np.array([20.0])))
    # Advance first for working capital, cash for the rest of it; the investment borrowed.
    assert paid.advance[0] == 20 and paid.from_cash[0] == 30 and paid.loan[0] == 100
    short = finance.Financing(*finance.split_costs(np.array([40.0]), np.array([100.0]),
                                                   np.array([0.0]), np.array([0.0])))
    assert short.loan[0] == 40 and short.from_cash[0] == 60
    for p in (paid, short):
        assert p.from_cash[0] + p.loan[0] + p.advance[0] in (150, 100)


def test_dependent_households_draw_more():
    draws = [finance.household_budget(1000.0, 5.0, dependence, 0.0, 0.0, True, K)[0]
             for dependence in np.linspace(0.1, 1.0, 50)]
    assert np.all(np.diff(draws) > 0)


def test_exit_after_months_of_distress():
    m = small(n=10)
    pop = m.population
    pop.cash[:] = -1
    for _ in range(K[0]["exit_after_months"] - 1):
        finance.update_distress(pop, consts=K)
    assert pop.active.all()
    finance.update_distress(pop, consts=K)
    assert not pop.active.any()


# -- decisions -----------------------------------------------------------------------------


def _valued(m):
    clarity = m.clarity()
    svc = lead_firms.service_intensity(m.population, m.scenario.embedded_services)
    ctx = m.decision_context(clarity, svc)
    return ctx, valuation.value_options(m.population, ctx, consts=K)


def _everyone_knows_everything(m, cash=10_000.0):
    pop = m.population
    pop.aware[:] = 0b11111
    pop.cash[:] = cash
    pop.skill[:] = 0.9


def test_product_pays_only_when_the_premium_reaches_the_mse():
    values = []
    for premium in (0.0, 2.0):
        m = small()
        _everyone_knows_everything(m)
        m.population.belief_premium[:] = premium
        _, opts = _valued(m)
        values.append(opts.value[PRODUCT].mean())
    assert values[1] > values[0]


def test_competition_raises_the_value_of_process_upgrading():
    values = []
    for competition in (0.0, 1.0):
        m = small(competition=competition)
        _everyone_knows_everything(m)
        m.markets.month = 36  # competitors are somewhat cheaper, not yet out of reach
        markets.lower_benchmark_cost(m.markets, 0.55, competition, consts=K)
        _, opts = _valued(m)
        values.append(opts.value[PROCESS].mean())
    assert values[1] > values[0]


def test_functional_upgrading_pays_more_against_larger_markups():
    m = small()
    _everyone_knows_everything(m)
    ctx, low = _valued(m)
    ctx.markup = ctx.markup + 0.2
    high = valuation.value_options(m.population, ctx, consts=K)
    assert high.gain[FUNCTIONAL].mean() > low.gain[FUNCTIONAL].mean()


def test_entering_a_second_channel_diversifies_price_risk():
    m = small(price_volatility=1.0)
    _everyone_knows_everything(m)
    pop = m.population
    pop.quality[:] = 0.95
    pop.channels[:] = 1 << markets.EXPORT  # all eggs in the riskiest basket
    channels.allocate_channels(pop, consts=K)
    pop.belief_price[:] = 1.0  # equal prices: only risk differs
    pop.belief_premium[:] = 0.0
    _, opts = _valued(m)
    assert np.all(opts.variance_change[CHANNEL] < 0)


def test_no_option_is_taken_without_cash_or_credit():
    m = small(credit_access=0.0, embedded_services=0.0)
    _everyone_knows_everything(m, cash=0.0)
    _, opts = _valued(m)
    assert opts.rows.size == 0


def test_logit_choice_takes_clear_winners_and_never_infeasible_options():
    opts = valuation.Options(
        rows=np.arange(3), gain=None, variance_change=None, investment=None,
        working_capital=None, success=None,
        value=np.array([[500.0, -500.0, 500.0]] + [[-1e9] * 3] * 4),
        feasible=np.array([[True, True, False]] + [[True] * 3] * 4),
        new_channel=np.full(3, -1))
    chosen = choice.choose_upgrades(opts, np.array([0.5, 0.5, 0.5]), consts=K)
    assert list(chosen) == [PROCESS, -1, -1]


def test_herding_puts_channel_entrants_into_one_channel():
    for herding, expect_single in ((0.0, False), (1.0, True)):
        m = small(herding=herding)
        _everyone_knows_everything(m)
        pop = m.population
        pop.quality[:] = 0.95
        ctx, opts = _valued(m)
        chosen = np.full(opts.rows.size, CHANNEL)
        opts.success = np.ones_like(opts.value)
        upgrades.apply_upgrades(pop, ctx, opts, chosen, np.full(opts.rows.size, 0.5), herding, consts=K)
        entered = pop.entered()[:, opts.rows].sum(axis=0)
        assert np.all(entered == 1) == expect_single


def test_social_barrier_is_offset_by_targeted_facilitation():
    excluded = np.array([True, False])
    assert np.allclose(social_barrier(excluded, 0.8, 0.0), [0.8, 0.0])
    assert np.allclose(social_barrier(excluded, 0.8, 1.0), [0.0, 0.0])


def test_intersectoral_requires_a_stepping_stone():
    m = small()
    pop = m.population
    _everyone_knows_everything(m)
    pop.skill[:] = 0.5
    pop.upgrades[:] = 0
    assert not upgrades.eligible_options(pop, consts=K)[4].any()
    pop.upgrades[:] = 1 << PRODUCT
    assert upgrades.eligible_options(pop, consts=K)[4].all()
    pop.upgrades[:] = 1 << FUNCTIONAL
    assert upgrades.eligible_options(pop, consts=K)[4].all()


def test_lead_firms_do_not_recruit_mses_that_sell_directly():
    m = small(n=500)
    pop = m.population
    pop.upgrades[:250] = 1 << FUNCTIONAL
    pop.lead_firm[:] = -1
    lead_firms.recruit_suppliers(pop, m.firms, embedded_services=1.0,
                               forward_contracts=1.0, pull=1.0, social=np.zeros(pop.n),
                               uniforms=np.full(pop.n, 1e-6), consts=K)
    assert (pop.lead_firm[:250] == -1).all() and (pop.lead_firm[250:] >= 0).any()
