"""The upgrading decision: every MSE values every option it knows of, at once.

For each MSE and each option (process, product, functional, channel, intersectoral) the
kernel evaluates the MSE's expected monthly income and its variance *from its own beliefs*
twice — as things are and as they would be after the upgrade — and values the option as a
risk-adjusted return over a planning horizon (a mean-variance certainty equivalent):

    value = p H dE - C - r L - (a / 2) (H K p dVar + p (1 - p) (H dE)^2)
            - a M (M / W) sqrt(H K Var)

where ``p`` is the chance the upgrade succeeds, ``H`` the horizon, ``dE`` and ``dVar`` the
changes in the mean and variance of monthly income, ``K`` the persistence of price
deviations, ``a`` the absolute risk aversion, which rises with the household's dependence on
the enterprise, ``C`` the cost, ``r L`` the interest on what is borrowed and ``M`` the part
paid from the household's cash buffer ``W`` (see :func:`risk_adjusted_value`). The cost is
lowered by lead firms' embedded services and by group cost sharing, and must fit within cash
plus investment credit plus input advances.

The seed's drivers come out of these terms rather than being written in as rules: process
upgrading pays when competition costs sales; product upgrading pays only if the premium
reaches the MSE (the intermediaries' rent is inside ``belief_premium``); functional upgrading
pays where intermediaries keep large markups and rents, and more in the domestic channel where
its costs are lower; channel upgrading pays by higher prices and by diversification
(``dVar < 0``); intersectoral moves pay when the outside option beats the chain, which product
and functional upgrading unlock.

Each month an MSE takes at most one option, by a logit choice between its feasible options
and doing nothing (bounded rationality).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
from numba import njit

from sim import finance
from sim.constants import declare, real, resolve, values3, values5, vector, whole
from sim.finance import can_finance, split_costs
from sim.markets import (
    DOMESTIC,
    N_CHANNELS,
    clears_standard,
    competitive_sales_share,
    market_depth,
    price_covariance,
    second_chain_sd,
)
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
    UPGRADE_TYPES,
    Population,
    stays_in_chain,
)
from sim.trade import direct_selling_cost, expected_transit_loss, sold_in_channels

# Calibration constants, at their default values. What each means, its unit, allowed range
# and source are declared once, in CONSTANTS below (`mse-sim constants` lists them); the
# comments here say why a value is what it is.
HORIZON = 36
BASE_COST = np.array([200.0, 150.0, 250.0, 120.0, 350.0])
WORKING_CAPITAL_SHARE = np.array([0.2, 0.4, 0.3, 0.2, 0.0])
DISTANCE_COST = 0.6
SERVICE_HELPS = np.array([1.0, 1.0, 0.0, 0.5, 0.0])
#: Unit cost cut by process upgrading: base plus a skill-dependent part.
PROCESS_COST_CUT = 0.03
PROCESS_SKILL_CUT = 0.06
#: Monthly output gained by process upgrading ("increased agricultural output from
#: irrigation", seed lines 97-101; "cut costs and/or increase output", line 122). Kept small:
#: at 0.12 the output gain alone made process upgrading pay with end markets muted (78-80% of
#: it remained in baseline and kenya-avocados), against structural effect 1 ("end markets are
#: the main drivers"); at 0.05 competition stays the main driver.
PROCESS_OUTPUT_GAIN = 0.05
#: Quality gained by product upgrading, and the unit-cost increase it brings.
PRODUCT_QUALITY_GAIN = 0.3
PRODUCT_COST_INCREASE = 0.04
FUNCTIONAL_SKILL = 0.45
#: Monthly income in the second value chain (intersectoral upgrading: another product, its
#: own end market) for an owner of skill 0.5, at that chain's long-run price.
OUTSIDE_INCOME = 45.0
#: The quality know-how, market contacts and standing it carries over (the India "stepping stone",
#: seed lines 335-340).
STEPPING_STONE_GAIN = 0.4
#: It has contacts and skills there already.
STEPPING_STONE_COST_CUT = 0.4
OUTSIDE_SKILL = 0.85
#: Exclusion follows people, but less than in a chain tied to their caste or group (India's leather,
#: lines 335-340).
OUTSIDE_SOCIAL_PENALTY = 0.15
RISK_AVERSION = 0.0015
#: Chance of success: base, per unit of skill, and for group members.
SUCCESS_BASE = 0.35
SUCCESS_SKILL = 0.55
SUCCESS_GROUP = 0.05
LIQUIDITY_RISK = 6.0
DECISION_NOISE = 5.0
UPGRADE_SKILL_GAIN = 0.05
#: Share of MSEs a project trains as sales agents at ``agent_training`` = 1: they start as
#: functional upgraders (direct sellers) and so broker for their neighbours. ECDI "created a
#: network of 120 Female Sales Agents (FSAs) to reach out and engage around 6000 poor women
#: embroiderers" (ECDI n.d., The Entrepreneurs Project), 2% of producers; 0.05 leaves room
#: above that case.
MAX_TRAINED_AGENTS = 0.05

#: This module's calibration constants as model inputs, with unit, allowed range and source
#: (collected by sim.constants; listed by `mse-sim constants`).
CONSTANTS = declare(__name__, [
    whole("horizon", HORIZON, 1, 600,
        "months",
        "Planning horizon (months)."),
    vector("base_cost", BASE_COST, UPGRADE_TYPES, 0.01, 100000,
        "currency units",
        "Base cost of each upgrade (process, product, functional, channel, intersectoral)."),
    vector("working_capital_share", WORKING_CAPITAL_SHARE, UPGRADE_TYPES, 0, 1,
        "share of cost",
        "Part of each cost that is working capital (inputs), the rest long-term investment."),
    real("distance_cost", DISTANCE_COST, 0.0, 10.0,
        "share of cost",
        "Cost increase at distance 1 (inputs, transport and training cost more far away)."),
    vector("service_helps", SERVICE_HELPS, UPGRADE_TYPES, 0, 1,
        "share",
        "Which options embedded services make cheaper (technical and design help)."),
    real("process_cost_cut", PROCESS_COST_CUT, 0.0, 1.0,
        "share of unit cost",
        "Unit cost cut by process upgrading: the base part."),
    real("process_skill_cut", PROCESS_SKILL_CUT, 0.0, 1.0,
        "share of unit cost per unit skill",
        "Unit cost cut by process upgrading: the part per unit of skill."),
    real("process_output_gain", PROCESS_OUTPUT_GAIN, 0.0, 1.0,
        "share of output",
        "Monthly output gained by process upgrading (seed lines 97-101, 122).",
        source="calibration choice, guided by the seed (seed lines 97-101)"),
    real("product_quality_gain", PRODUCT_QUALITY_GAIN, 0.0, 1.0,
        "quality 0-1",
        "Quality gained by product upgrading."),
    real("product_cost_increase", PRODUCT_COST_INCREASE, 0.0, 1.0,
        "share of unit cost",
        "Unit-cost increase product upgrading brings."),
    real("functional_skill", FUNCTIONAL_SKILL, 0.0, 1.0,
        "skill 0-1",
        "Skill an MSE needs to take on an intermediary's function alone (groups can do it "
        "jointly)."),
    real("outside_income", OUTSIDE_INCOME, 0.0, 100000.0,
        "currency units per month",
        "Monthly income in the second value chain (intersectoral upgrading) for an owner of "
        "skill 0.5, at that chain's long-run price."),
    real("stepping_stone_gain", STEPPING_STONE_GAIN, 0.0, 5.0,
        "share of income",
        "Income gained in the second chain by an MSE that upgraded product or function first.",
        source="calibration choice, guided by the seed (seed lines 335-340)"),
    real("stepping_stone_cost_cut", STEPPING_STONE_COST_CUT, 0.0, 1.0,
        "share of cost",
        "Share of the cost of moving to the second chain saved by an MSE that upgraded product "
        "or function first."),
    real("outside_skill", OUTSIDE_SKILL, 0.0, 1.0,
        "skill 0-1",
        "Skill that opens the outside option without earlier product or functional upgrading."),
    real("outside_social_penalty", OUTSIDE_SOCIAL_PENALTY, 0.0, 1.0,
        "share of income",
        "Share of the second-chain income lost at full social barrier."),
    real("risk_aversion", RISK_AVERSION, 0.0, 1.0,
        "per currency unit",
        "Absolute risk aversion per unit of currency at dependence 0.5."),
    real("success_base", SUCCESS_BASE, 0.0, 1.0,
        "probability",
        "Chance of an upgrade's success: the base."),
    real("success_skill", SUCCESS_SKILL, 0.0, 1.0,
        "probability per unit skill",
        "Chance of an upgrade's success added per unit of skill."),
    real("success_group", SUCCESS_GROUP, 0.0, 1.0,
        "probability",
        "Chance of an upgrade's success added for group members."),
    real("liquidity_risk", LIQUIDITY_RISK, 0.0, 100.0,
        "weight",
        "Weight of the charge for sinking money into an upgrade while income is uncertain."),
    real("decision_noise", DECISION_NOISE, 0.001, 10000.0,
        "currency units",
        "Scale of the bounded-rationality noise added to option values (currency units)."),
    real("upgrade_skill_gain", UPGRADE_SKILL_GAIN, 0.0, 1.0,
        "skill 0-1",
        "Skill gained by a successful upgrade (learning by doing)."),
    real("max_trained_agents", MAX_TRAINED_AGENTS, 0.0, 1.0,
        "share of MSEs",
        "Share of MSEs a project trains as sales agents (functional upgraders who broker for "
        "their neighbours) at agent_training = 1.",
        source="calibration choice: above the 2% of producers ECDI trained as sales agents "
               "(ECDI n.d., The Entrepreneurs Project: 120 agents for ~6,000 embroiderers)"),
])


class HotConstants(NamedTuple):
    """The constants the valuation pass's helpers read, held as values (`hot_constants`).

    Same names as the record's fields (:mod:`sim.constants`); vectors are tuples.
    """

    advance_share: float
    base_cost: tuple
    channel_depth: tuple
    direct_marketing_cost: tuple
    direct_transport_extra: float
    distance_cost: float
    functional_skill: float
    horizon: int
    interest_burden: float
    liquidity_risk: float
    outside_income: float
    outside_skill: float
    outside_social_penalty: float
    price_persistence: float
    process_cost_cut: float
    process_output_gain: float
    process_skill_cut: float
    product_cost_increase: float
    product_quality_gain: float
    quality_standard: tuple
    sales_loss_per_10pct: float
    service_cost_discount: float
    service_helps: tuple
    service_success_gain: float
    social_marketing_cost: float
    stepping_stone_gain: float
    success_base: float
    success_group: float
    success_skill: float
    transit_loss_hazard: float
    transit_loss_share: float
    working_capital_share: tuple


@njit(cache=True)
def hot_constants(consts):
    """The constants `_value_all`'s helpers read, copied out of the record once: ``(hot,)``.

    The helpers read ``consts[0].name`` from the record or from this tuple alike. As values
    the compiler keeps them in registers; read from the record inside the loop they are
    memory it must load again after every write to the output arrays (measured: the
    valuation pass took 0.35 ms instead of 0.24 ms a month at 10,000 MSEs).
    """
    k = consts[0]
    return (HotConstants(
        k.advance_share,
        values5(k.base_cost),
        values3(k.channel_depth),
        values3(k.direct_marketing_cost),
        k.direct_transport_extra,
        k.distance_cost,
        k.functional_skill,
        k.horizon,
        k.interest_burden,
        k.liquidity_risk,
        k.outside_income,
        k.outside_skill,
        k.outside_social_penalty,
        k.price_persistence,
        k.process_cost_cut,
        k.process_output_gain,
        k.process_skill_cut,
        k.product_cost_increase,
        k.product_quality_gain,
        values3(k.quality_standard),
        k.sales_loss_per_10pct,
        k.service_cost_discount,
        values5(k.service_helps),
        k.service_success_gain,
        k.social_marketing_cost,
        k.stepping_stone_gain,
        k.success_base,
        k.success_group,
        k.success_skill,
        k.transit_loss_hazard,
        k.transit_loss_share,
        values5(k.working_capital_share),
    ),)


@dataclass
class Context:
    """What the decision needs besides the population: markets, links and scenario levers.

    Per-MSE arrays have one element per MSE.
    """

    benchmark_cost: float
    competition: float
    price_volatility: float
    second_level: float
    price: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    clarity: np.ndarray
    services: np.ndarray
    contract_share: np.ndarray
    social: np.ndarray
    credit: np.ndarray
    cost_share: np.ndarray
    working_credit: np.ndarray | None = None
    input_discount: np.ndarray | None = None
    support: np.ndarray | None = None
    transit_risk: float = 0.0
    brokerage: np.ndarray | None = None

    def terms(self, consts: np.ndarray | None = None) -> DecisionTerms:
        """The context as the compiled passes take it (see `DecisionTerms`)."""
        consts = resolve(consts)
        return DecisionTerms(
            price=np.asarray(self.price, dtype=float),
            covariance=price_covariance(self.price_volatility, consts=consts),
            second_sd=float(second_chain_sd(self.price_volatility, consts=consts)),
            second_level=float(self.second_level),
            benchmark_cost=float(self.benchmark_cost),
            competition=float(self.competition),
            markup=self.markup,
            pass_through=self.pass_through,
            clarity=self.clarity,
            services=self.services,
            contract_share=self.contract_share,
            social=self.social,
            credit=self.credit,
            cost_share=self.cost_share,
            working_credit=(self.working_credit if self.working_credit is not None
                            else np.zeros_like(self.credit)),
            input_discount=(self.input_discount if self.input_discount is not None
                            else np.zeros_like(self.credit)),
            support=(self.support if self.support is not None
                     else np.zeros_like(self.credit)),
            transit_risk=float(self.transit_risk),
            brokerage=(self.brokerage if self.brokerage is not None
                       else np.zeros_like(self.credit)),
        )


class DecisionTerms(NamedTuple):
    """Markets, links and levers as one argument of the decision passes (from `Context`).

    Attributes:
        price: End-market base price by channel this month, (3,) (currency per unit).
        covariance: Covariance of relative price deviations between channels, (3, 3).
        second_sd: Long-run relative price risk of the second value chain.
        second_level: The second chain's long-run price level (1: reference income).
        benchmark_cost: Unit cost of low-cost competitors (currency per unit).
        competition: Scenario lever in [0, 1].
        markup: Share of the base price the MSE's buyer keeps, per MSE.
        pass_through: Share of the quality premium reaching the MSE, per MSE.
        clarity: How clearly the MSE perceives premiums and distant markets, in [0, 1].
        services: Embedded-service intensity the MSE receives, in [0, 1].
        contract_share: Share of output sold forward at a guaranteed price, per MSE.
        social: Social barrier holding the MSE back, in [0, 1].
        credit: Investment credit still available to the MSE (currency units).
        cost_share: Share of upgrading costs the MSE saves through its group.
        working_credit: Working-capital loan the MSE can take this month (currency units).
        input_discount: Share of working capital saved by joint input purchase in a group.
        support: Stand-alone (fee-based) support-service intensity the MSE buys, in [0, 1].
        transit_risk: Scenario lever: risk of losing goods or cash carried to distant buyers.
        brokerage: What the MSE earned this month brokering its neighbours' sales (currency),
            per MSE: an MSE broker gives it up if it leaves the chain.
    """

    price: np.ndarray
    covariance: np.ndarray
    second_sd: float
    second_level: float
    benchmark_cost: float
    competition: float
    markup: np.ndarray
    pass_through: np.ndarray
    clarity: np.ndarray
    services: np.ndarray
    contract_share: np.ndarray
    social: np.ndarray
    credit: np.ndarray
    cost_share: np.ndarray
    working_credit: np.ndarray
    input_discount: np.ndarray
    support: np.ndarray
    transit_risk: float
    brokerage: np.ndarray


@njit(cache=True)
def outside_income(skill, social, upgrades, second_price, consts):
    """Monthly income an owner earns in the second value chain (elementwise).

    It rises with skill and with a product or functional upgrade made first (the stepping
    stone), falls with the social barrier, and moves with the second chain's own price.

    Args:
        skill: Owner's skill.
        social: Social barrier.
        upgrades: Bit set of upgrades made in this chain.
        second_price: The second chain's price relative to its long-run level.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    OUTSIDE_INCOME = consts[0].outside_income
    OUTSIDE_SOCIAL_PENALTY = consts[0].outside_social_penalty
    STEPPING_STONE_GAIN = consts[0].stepping_stone_gain
    stepping = ((upgrades >> PRODUCT) & 1) | ((upgrades >> FUNCTIONAL) & 1)
    return (OUTSIDE_INCOME * (0.5 + skill) * (1.0 + STEPPING_STONE_GAIN * stepping)
            * (1.0 - OUTSIDE_SOCIAL_PENALTY * social) * second_price)


@njit(cache=True)
def income_moments(capacity, unit_cost, quality, weights, base, premium, contract_share,
                   covariance, benchmark_cost, competition, consts):
    """One MSE's believed monthly income under one configuration of its enterprise.

    One formula values the status quo and every option alike: an option is the same MSE with
    another unit cost, quality, channel weights or believed prices.

    Args:
        capacity: Units the enterprise can make per month.
        unit_cost: Cost per unit.
        quality: Product quality in [0, 1].
        weights: Share of sales by channel (3,).
        base: Believed base price by channel (3,).
        premium: Believed premium per unit of quality by channel (3,).
        contract_share: Share of output sold forward at a guaranteed price.
        covariance: Covariance of relative price deviations between channels (3, 3).
        benchmark_cost: Unit cost of low-cost competitors.
        competition: Scenario lever.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        ``(mean, variance, margin, volume, risk)``: the mean and variance of monthly income,
        revenue per unit sold minus unit cost, units sold per month, and price risk per unit
        of volume squared.
    """
    w = sold_in_channels(weights, quality, consts)
    volume = capacity * competitive_sales_share(unit_cost, benchmark_cost,
                                                competition, consts) * market_depth(w, consts)
    price = (base[0] + premium[0] * quality, base[1] + premium[1] * quality,
             base[2] + premium[2] * quality)
    # A forward contract's guaranteed price takes the contracted share out of price risk.
    spot = 1.0 - contract_share
    exposure = (w[0] * max(price[0], 0.0) * spot, w[1] * max(price[1], 0.0) * spot,
                w[2] * max(price[2], 0.0) * spot)
    revenue = 0.0
    risk = 0.0
    for c in range(N_CHANNELS):
        revenue += w[c] * price[c]
        for d in range(N_CHANNELS):
            risk += exposure[c] * covariance[c, d] * exposure[d]
    margin = revenue - unit_cost
    return volume * margin, volume * volume * risk, margin, volume, risk


@njit(cache=True)
def best_new_channel(channels, base, premium, quality, consts):
    """The channel an MSE would enter, or -1 if none.

    That is the best-paying channel it has not entered (``channels`` is its bit set) and
    whose standard its product meets.
    """
    best, best_price = -1, -np.inf
    for c in range(N_CHANNELS):
        if (channels >> c) & 1 == 0 and clears_standard(quality, c, consts):
            price = base[c] + premium[c] * quality
            if price > best_price:
                best, best_price = c, price
    return best


@njit(cache=True)
def diversified_weights(channels, new_channel):
    """Channel weights (3,) after entering ``new_channel`` (or none, if -1): spread evenly."""
    used = channels | ((1 << new_channel) if new_channel >= 0 else 0)
    count = (used & 1) + ((used >> 1) & 1) + ((used >> 2) & 1)
    return ((used & 1) / count, ((used >> 1) & 1) / count, ((used >> 2) & 1) / count)


@njit(cache=True)
def upgrade_costs(option, distance, services, cost_share, input_discount, fee, consts):
    """Investment and working-capital cost of ``option`` (elementwise over MSEs).

    Inputs, transport and training cost more far from markets; embedded services (technical
    and design help) and group cost sharing make upgrading cheaper, and joint input purchase
    (``input_discount``) makes its working capital cheaper. Stand-alone services add their
    ``fee`` (a share of the cost).
    """
    BASE_COST = consts[0].base_cost
    DISTANCE_COST = consts[0].distance_cost
    SERVICE_COST_DISCOUNT = consts[0].service_cost_discount
    SERVICE_HELPS = consts[0].service_helps
    WORKING_CAPITAL_SHARE = consts[0].working_capital_share
    cost = BASE_COST[option] * (
        (1.0 + DISTANCE_COST * distance) * (1.0 - cost_share)
    ) * (1.0 - SERVICE_COST_DISCOUNT * SERVICE_HELPS[option] * services) * (1.0 + fee)
    return (cost * (1.0 - WORKING_CAPITAL_SHARE[option]),
            cost * WORKING_CAPITAL_SHARE[option] * (1.0 - input_discount))


@njit(cache=True)
def success_chance(skill, services, in_group, consts):
    """Chance that an attempted upgrade works (elementwise)."""
    SERVICE_SUCCESS_GAIN = consts[0].service_success_gain
    SUCCESS_BASE = consts[0].success_base
    SUCCESS_GROUP = consts[0].success_group
    SUCCESS_SKILL = consts[0].success_skill
    return np.minimum(np.maximum(
        SUCCESS_BASE + SUCCESS_SKILL * skill + SERVICE_SUCCESS_GAIN * services
        + SUCCESS_GROUP * in_group, 0.05), 0.97)


@njit(cache=True)
def advance_share(services, consts):
    """Share of an option's working capital a lead firm would advance (elementwise)."""
    ADVANCE_SHARE = consts[0].advance_share
    return ADVANCE_SHARE * services


@njit(cache=True)
def eligible(aware, upgrades, in_chain, channels, quality, skill, in_group, consts):
    """Bit set of the options one MSE knows of and may take, before costs.

    Quality and channels can be upgraded again (toward a stricter channel's standard, into a
    further channel); process, functional and intersectoral moves are made once. Taking on a
    trader's job needs some skill or a group to do it jointly; the outside option opens after
    product or functional upgrading, or to the most skilled.
    """
    FUNCTIONAL_SKILL = consts[0].functional_skill
    OUTSIDE_SKILL = consts[0].outside_skill
    # Bit arithmetic rather than branches: these conditions vary from MSE to MSE in no
    # pattern a CPU could predict.
    once = upgrades & ~((1 << PRODUCT) | (1 << CHANNEL))
    blocked = (
        (quality >= 0.95) << PRODUCT
        | (not _channel_open(channels, quality, consts)) << CHANNEL
        | (not (skill >= FUNCTIONAL_SKILL or in_group)) << FUNCTIONAL
        | (not ((upgrades >> PRODUCT) & 1 or (upgrades >> FUNCTIONAL) & 1
                or skill >= OUTSIDE_SKILL)) << INTERSECTORAL
    )
    return (aware & ~once & ~blocked) * in_chain


@njit(cache=True)
def _channel_open(channels, quality, consts):
    """Whether some channel not yet entered accepts this quality."""
    open_ = 0
    for c in range(N_CHANNELS):
        open_ |= ((channels >> c) & 1 == 0) & clears_standard(quality, c, consts)
    return open_ != 0


@njit(cache=True)
def _eligible_all(aware, upgrades, in_chain, channels, quality, skill, in_group, consts):
    out = np.zeros((N_OPTIONS, aware.size), dtype=np.bool_)
    for i in range(aware.size):
        bits = eligible(aware[i], upgrades[i], in_chain[i], channels[i], quality[i], skill[i],
                        in_group[i], consts)
        for k in range(N_OPTIONS):
            out[k, i] = (bits >> k) & 1
    return out


def eligible_options(pop: Population, consts: np.ndarray | None = None) -> np.ndarray:
    """Options each MSE knows of and may take, shape (5, n), before costs (see `eligible`)."""
    consts = resolve(consts)
    return _eligible_all(pop.aware, pop.upgrades, pop.in_chain, pop.channels, pop.quality,
                         pop.skill, pop.in_group, consts)


@dataclass
class Options:
    """Options valued for the MSEs that weigh any this month (arrays of shape (5, m)).

    Attributes:
        rows: Population rows of the deciders (m of them).
        gain: Change in believed mean monthly income (0 where infeasible).
        variance_change: Change in believed variance of monthly income (0 where infeasible).
        investment: Long-term investment cost.
        working_capital: Working-capital cost.
        success: Chance of success.
        value: Risk-adjusted value over the horizon (-inf where infeasible).
        feasible: Known, allowed and affordable.
        new_channel: Channel a channel upgrade would enter, per decider, or -1.
    """

    rows: np.ndarray
    gain: np.ndarray
    variance_change: np.ndarray
    investment: np.ndarray
    working_capital: np.ndarray
    success: np.ndarray
    value: np.ndarray
    feasible: np.ndarray
    new_channel: np.ndarray

    def values(self) -> OptionValues:
        """The options as the compiled passes take them (success per decider, contiguous)."""
        arrays = {f.name: getattr(self, f.name) for f in fields(self)}
        arrays["success"] = np.ascontiguousarray(self.success[0])
        return OptionValues(**arrays)


# The same arrays as :class:`Options`, as one argument numba accepts. Built from Options'
# fields, so the two lists can never differ.
OptionValues = NamedTuple("OptionValues", [(f.name, np.ndarray) for f in fields(Options)])
OptionValues.__doc__ = """Options valued for the deciders, as one argument of the compiled passes.

The fields are :class:`Options`' (see its attributes), except that ``success`` holds one value
per decider. Column ``j`` of each (5, m) array and element ``j`` of each (m,) array is the
j-th decider; `_value_all` writes them, `_apply` reads them.
"""


def value_options(pop: Population, ctx: Context, consts: np.ndarray | None = None) -> Options:
    """Value every option for every MSE that knows of one it can afford.

    MSEs with nothing to weigh (no option known and allowed, or none affordable) are skipped,
    which is most of them in most months. The work is done MSE by MSE in one compiled pass
    (`_value_all`), which reads the population in place.
    """
    consts = resolve(consts)
    n = pop.n
    # The kernel fills the first m columns; the rest is never read.
    out = OptionValues(
        rows=np.empty(n, dtype=np.int64),
        gain=np.empty((N_OPTIONS, n)),
        variance_change=np.empty((N_OPTIONS, n)),
        investment=np.empty((N_OPTIONS, n)),
        working_capital=np.empty((N_OPTIONS, n)),
        success=np.empty(n),
        value=np.empty((N_OPTIONS, n)),
        feasible=np.empty((N_OPTIONS, n), dtype=bool),
        new_channel=np.empty(n, dtype=np.int64),
    )
    m = _value_all(pop.state, ctx.terms(consts), out, consts)
    return Options(out.rows[:m], out.gain[:, :m], out.variance_change[:, :m],
                   out.investment[:, :m], out.working_capital[:, :m],
                   np.broadcast_to(out.success[:m], (N_OPTIONS, m)), out.value[:, :m],
                   out.feasible[:, :m], out.new_channel[:m])


@njit(cache=True)
def _value_all(mse, terms, out, consts):
    """The valuation kernel: fills column ``m`` of ``out`` for the m-th decider.

    Args:
        mse: `MseState` (read only).
        terms: `DecisionTerms`.
        out: `OptionValues` of n columns, written.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        The number of deciders m.
    """
    RISK_AVERSION = consts[0].risk_aversion
    STEPPING_STONE_COST_CUT = consts[0].stepping_stone_cost_cut
    SUPPORT_FEE = consts[0].support_fee
    WORKING_LOAN_INTEREST = consts[0].working_loan_interest
    hot = hot_constants(consts)
    aware, upgrades, channels, quality, unit_cost, skill, dependence, distance = (
        mse.aware, mse.upgrades, mse.channels, mse.quality, mse.unit_cost, mse.skill,
        mse.dependence, mse.distance)
    capacity, cash, weight, belief_price, belief_premium, group, active = (
        mse.capacity, mse.cash, mse.channel_weight, mse.belief_price, mse.belief_premium,
        mse.group, mse.active)
    markup, pass_through, clarity, services, contract_share, social, credit, cost_share = (
        terms.markup, terms.pass_through, terms.clarity, terms.services,
        terms.contract_share, terms.social, terms.credit, terms.cost_share)
    price, covariance, second_sd = terms.price, terms.covariance, terms.second_sd
    second_level = terms.second_level
    benchmark_cost, competition = terms.benchmark_cost, terms.competition
    working_credit, input_discount, support = (terms.working_credit, terms.input_discount,
                                               terms.support)
    transit_risk, brokerage = terms.transit_risk, terms.brokerage
    rows, gain, dvar, investment, working_capital = (
        out.rows, out.gain, out.variance_change, out.investment, out.working_capital)
    success, value, feasible, new_channel = (out.success, out.value, out.feasible,
                                             out.new_channel)
    m = 0
    for i in range(aware.size):
        in_group = group[i] >= 0
        allowed = eligible(aware[i], upgrades[i], stays_in_chain(active[i], upgrades[i]),
                           channels[i], quality[i], skill[i], in_group, hot)
        if allowed == 0:
            continue
        cap = advance_share(services[i], hot)
        any_feasible = False
        stepping = ((upgrades[i] >> PRODUCT) & 1) | ((upgrades[i] >> FUNCTIONAL) & 1)
        for k in range(N_OPTIONS):
            inv, wc = upgrade_costs(k, distance[i], services[i], cost_share[i],
                                    input_discount[i], SUPPORT_FEE * support[i], hot)
            if k == INTERSECTORAL:
                inv *= 1.0 - STEPPING_STONE_COST_CUT * stepping
            investment[k, m], working_capital[k, m] = inv, wc
            ok = ((allowed >> k) & 1 == 1) & can_finance(cash[i], credit[i], inv, wc, cap * wc,
                                                          working_credit[i])
            feasible[k, m] = ok
            any_feasible |= ok
        if not any_feasible:
            continue
        rows[m] = i
        new_channel[m] = -1

        weights = (weight[0, i], weight[1, i], weight[2, i])
        base = (belief_price[0, i], belief_price[1, i], belief_price[2, i])
        premium = (belief_premium[0, i], belief_premium[1, i], belief_premium[2, i])
        cs = contract_share[i]
        mean, var, margin, volume, risk = income_moments(
            capacity[i], unit_cost[i], quality[i], weights, base, premium, cs, covariance,
            benchmark_cost, competition, hot)
        better = product_quality(quality[i], hot)
        dearer = product_unit_cost(unit_cost[i], hot)

        for k in range(N_OPTIONS):
            if not feasible[k, m]:
                gain[k, m] = dvar[k, m] = 0.0
                value[k, m] = -np.inf
                continue
            if k == PROCESS:
                # Prices and channels unchanged: the margin, the output and the volume sold
                # against competitors change.
                cheaper = process_unit_cost(unit_cost[i], skill[i], hot)
                new_volume = volume * process_capacity(capacity[i], hot) / capacity[i] * (
                    competitive_sales_share(cheaper, benchmark_cost, competition, hot)
                    / competitive_sales_share(unit_cost[i], benchmark_cost, competition, hot))
                new_margin = margin + unit_cost[i] - cheaper
                after_mean, after_var = new_volume * new_margin, new_volume**2 * risk
            elif k == PRODUCT:
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i], dearer, better, weights, base, premium, cs, covariance,
                    benchmark_cost, competition, hot)
            elif k == FUNCTIONAL:
                # Selling directly, the MSE keeps what it sees of the buyer's markup and
                # premium rent, and pays its own haulage and marketing instead.
                escaped = 1.0 / max(pass_through[i], 0.05) - 1.0
                direct_base = (
                    base[0] + clarity[i] * markup[i] * price[0]
                    - direct_selling_cost(distance[i], social[i], 0, hot),
                    base[1] + clarity[i] * markup[i] * price[1]
                    - direct_selling_cost(distance[i], social[i], 1, hot),
                    base[2] + clarity[i] * markup[i] * price[2]
                    - direct_selling_cost(distance[i], social[i], 2, hot))
                keeps = 1.0 + clarity[i] * escaped
                direct_premium = (premium[0] * keeps, premium[1] * keeps, premium[2] * keeps)
                # Hauling its own goods and cash far, it expects to lose some on the way.
                safe = 1.0 - expected_transit_loss(distance[i], transit_risk, hot)
                direct_base = (direct_base[0] * safe, direct_base[1] * safe,
                               direct_base[2] * safe)
                direct_premium = (direct_premium[0] * safe, direct_premium[1] * safe,
                                  direct_premium[2] * safe)
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i], unit_cost[i], quality[i], weights, direct_base,
                    direct_premium, cs, covariance, benchmark_cost, competition, hot)
            elif k == CHANNEL:
                chosen = best_new_channel(channels[i], base, premium, quality[i], hot)
                new_channel[m] = chosen
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i], unit_cost[i], quality[i],
                    diversified_weights(channels[i], chosen), base, premium, cs, covariance,
                    benchmark_cost, competition, hot)
            else:  # INTERSECTORAL: the second chain at its long-run price
                outside = outside_income(skill[i], social[i], upgrades[i], second_level, hot)
                # Leaving the chain also gives up what an MSE broker earns from its
                # neighbours' sales (Pakistan's sales agents live on that take).
                after_mean = outside - brokerage[i]
                after_var = (second_sd * outside) ** 2
            gain[k, m], dvar[k, m] = after_mean - mean, after_var - var

        p = success_chance(skill[i], min(services[i] + support[i], 1.0), in_group, hot)
        aversion = RISK_AVERSION * (0.5 + dependence[i])
        success[m] = p
        for k in range(N_OPTIONS):
            if feasible[k, m]:
                inv, wc = investment[k, m], working_capital[k, m]
                from_cash, loan, _, short = split_costs(credit[i], inv, wc, cap * wc,
                                                        working_credit[i])
                value[k, m] = risk_adjusted_value(
                    gain[k, m], dvar[k, m], inv + wc + WORKING_LOAN_INTEREST * short,
                    from_cash, loan, cash[i], p, aversion, var, hot)

        # Product upgrading often pays only through the channel whose standard it meets
        # ("product upgrading may be a requirement for entering a new market channel"): an
        # MSE that knows of channel upgrading also values the plan product-then-channel.
        if feasible[PRODUCT, m] and (aware[i] >> CHANNEL) & 1:
            unlocked = best_new_channel(channels[i], base, premium, better, hot)
            if unlocked >= 0:
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i], dearer, better, diversified_weights(channels[i], unlocked),
                    base, premium, cs, covariance, benchmark_cost, competition, hot)
                inv = investment[PRODUCT, m] + investment[CHANNEL, m]
                wc = working_capital[PRODUCT, m] + working_capital[CHANNEL, m]
                from_cash, loan, _, short = split_costs(credit[i], inv, wc, cap * wc,
                                                        working_credit[i])
                plan = risk_adjusted_value(after_mean - mean, after_var - var,
                                           inv + wc + WORKING_LOAN_INTEREST * short,
                                           from_cash, loan, cash[i], p, aversion, var, hot)
                value[PRODUCT, m] = max(value[PRODUCT, m], plan)
        m += 1
    return m


@njit(cache=True)
def risk_adjusted_value(gain, variance_change, cost, from_cash, loan, cash, success,
                        risk_aversion, income_variance, consts):
    """Mean-variance certainty equivalent of an upgrade over the planning horizon.

    ``p H dE - C - r L - (a/2) (H K p dVar + p (1 - p) (H dE)^2) - a M (M / W) sqrt(H K Var)``:
    the expected gain if it works, less its cost ``C`` and the interest ``r L`` on the part
    borrowed, less a risk charge for the income variance it adds (negative when it
    diversifies) and for the chance that the money is spent and nothing changes, less a
    charge for sinking the household's own cash ``M`` out of its buffer ``W`` while income is
    uncertain: spending a small part of a large buffer costs little, emptying a small one a
    lot. Long-term credit spares the buffer (guideline 4); forward contracts and steadier
    markets shrink the uncertainty. Elementwise.
    """
    HORIZON = consts[0].horizon
    INTEREST_BURDEN = consts[0].interest_burden
    LIQUIDITY_RISK = consts[0].liquidity_risk
    PRICE_PERSISTENCE = consts[0].price_persistence
    persistence = (1.0 + PRICE_PERSISTENCE) / (1.0 - PRICE_PERSISTENCE)
    horizon_gain = HORIZON * gain
    return (
        success * horizon_gain
        - cost
        - INTEREST_BURDEN * loan
        - 0.5 * risk_aversion * (
            HORIZON * persistence * success * variance_change
            + success * (1.0 - success) * horizon_gain**2
        )
        - LIQUIDITY_RISK * risk_aversion * from_cash
        * (from_cash / np.maximum(cash, 1.0)) * np.sqrt(HORIZON * persistence
                                                        * income_variance)
    )


class Attempts(NamedTuple):
    """The month's upgrade attempts (one element per MSE); `_apply` writes it by name.

    Attributes:
        option: Option attempted by each MSE, or -1.
        succeeded: Whether the attempt worked.
        financing: How each attempt was paid for (zeros where none; currency units).
    """

    option: np.ndarray
    succeeded: np.ndarray
    financing: finance.Financing


def choose_upgrades(options: Options, uniforms: np.ndarray,
                    consts: np.ndarray | None = None) -> np.ndarray:
    """Pick at most one option per decider: a logit choice among feasible options and none.

    Bounded rationality: an option of value ``v`` is taken with probability proportional to
    ``exp(v / DECISION_NOISE)`` against ``exp(0)`` for doing nothing, so clearly good options
    are almost always taken, marginal ones sometimes, and clearly bad ones almost never.

    Args:
        options: Valued options.
        uniforms: One uniform draw per decider.
        consts: The run's calibration constants (a `sim.constants` record;
            the defaults if omitted).

    Returns:
        Option index per decider, or -1 for no upgrade this month.
    """
    consts = resolve(consts)
    return _logit_choice(options.value, options.feasible, uniforms, consts)


@njit(cache=True)
def _logit_choice(value, feasible, uniforms, consts):
    DECISION_NOISE = consts[0].decision_noise
    choice = np.full(uniforms.size, -1)
    weight = np.empty(N_OPTIONS)
    for j in range(uniforms.size):
        # Weights relative to the best alternative, doing nothing included, cannot overflow.
        top = 0.0
        for k in range(N_OPTIONS):
            if feasible[k, j]:
                top = max(top, value[k, j] / DECISION_NOISE)
        total = math.exp(-top)
        for k in range(N_OPTIONS):
            weight[k] = math.exp(value[k, j] / DECISION_NOISE - top) if feasible[k, j] else 0.0
            total += weight[k]
        threshold = uniforms[j] * total
        cumulative = 0.0
        for k in range(N_OPTIONS):
            cumulative += weight[k]
            if weight[k] > 0.0 and threshold < cumulative:
                choice[j] = k
                break
    return choice


@njit(cache=True)
def process_unit_cost(unit_cost, skill, consts):
    """Unit cost after a process upgrade: a base cut plus a skill-dependent part."""
    PROCESS_COST_CUT = consts[0].process_cost_cut
    PROCESS_SKILL_CUT = consts[0].process_skill_cut
    return unit_cost * (1.0 - (PROCESS_COST_CUT + PROCESS_SKILL_CUT * skill))


@njit(cache=True)
def process_capacity(capacity, consts):
    """Monthly output after a process upgrade (mechanisation, irrigation)."""
    PROCESS_OUTPUT_GAIN = consts[0].process_output_gain
    return capacity * (1.0 + PROCESS_OUTPUT_GAIN)


@njit(cache=True)
def product_quality(quality, consts):
    """Quality after a product upgrade."""
    PRODUCT_QUALITY_GAIN = consts[0].product_quality_gain
    return min(quality + PRODUCT_QUALITY_GAIN, 1.0)


@njit(cache=True)
def product_unit_cost(unit_cost, consts):
    """Unit cost after a product upgrade (better inputs and more work per unit)."""
    PRODUCT_COST_INCREASE = consts[0].product_cost_increase
    return unit_cost * (1.0 + PRODUCT_COST_INCREASE)


def apply_upgrades(pop: Population, ctx: Context, options: Options, choice: np.ndarray,
                   success_draw: np.ndarray, herding: float,
                   consts: np.ndarray | None = None) -> Attempts:
    """Pay for the chosen upgrades and apply those that succeed.

    Herding (guideline 7): an MSE entering a new channel is pushed, with probability
    ``herding``, to sell only there — the channel that pays most today — and to drop the
    channels it had, the domestic market included.

    Args:
        pop: Population, updated in place (cash, debt, advances, state, upgrade bits).
        ctx: Decision context.
        options: Valued options.
        choice: Option per decider (aligned with ``options.rows``), or -1.
        success_draw: Uniform draws, one per decider. An attempt succeeds when its draw
            ``u`` is below its chance ``p``; then ``u / p`` (uniform again) decides herding.
        herding: Scenario lever.
        consts: The run's calibration constants (a `sim.constants` record;
            the defaults if omitted).

    Returns:
        The attempts, one element per MSE, with their financing.
    """
    consts = resolve(consts)
    n = pop.n
    attempts = Attempts(
        option=np.full(n, -1, dtype=np.int64),
        succeeded=np.zeros(n, dtype=bool),
        financing=finance.Financing(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)),
    )
    _apply(pop.state, options.values(), choice, success_draw, float(herding), ctx.terms(consts),
           attempts, consts)
    return attempts


@njit(cache=True)
def _apply(mse, options, choice, success_draw, herding, terms, attempts, consts):
    """Pay for and apply the chosen upgrades.

    Working-capital loans and lead firms' advances are repaid from next month's sales (with
    interest on the loans): they are booked in ``advance_due``.

    Args:
        mse: `MseState`, written (cash, debt, advances, state, upgrade bits).
        options: `OptionValues` of the deciders.
        choice: Option per decider, or -1.
        success_draw: Uniform draw per decider.
        herding: Scenario lever.
        terms: `DecisionTerms` (credit lines and service intensity are read).
        attempts: `Attempts`, written.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    WORKING_LOAN_INTEREST = consts[0].working_loan_interest
    credit, services, working_credit = terms.credit, terms.services, terms.working_credit
    rows, investment, working_capital, success, new_channel = (
        options.rows, options.investment, options.working_capital, options.success,
        options.new_channel)
    cash, debt, advance_due = mse.cash, mse.debt, mse.advance_due
    option, succeeded = attempts.option, attempts.succeeded
    from_cash, loan, advance, working_loan = (
        attempts.financing.from_cash, attempts.financing.loan, attempts.financing.advance,
        attempts.financing.working_loan)
    for j in range(rows.size):
        k = choice[j]
        if k < 0:
            continue
        i = rows[j]
        option[i] = k
        wc = working_capital[k, j]
        from_cash[i], loan[i], advance[i], working_loan[i] = split_costs(
            credit[i], investment[k, j], wc, advance_share(services[i], consts) * wc,
            working_credit[i])
        cash[i] -= from_cash[i]
        debt[i] += loan[i]
        advance_due[i] += advance[i] + working_loan[i] * (1.0 + WORKING_LOAN_INTEREST)
        if not success_draw[j] < success[j]:
            continue
        succeeded[i] = True
        herded = k == CHANNEL and success_draw[j] / success[j] < herding
        upgrade_succeeds(mse, i, k, new_channel[j], herded, consts)


@njit(cache=True)
def upgrade_succeeds(mse, i, k, new_channel, herded, consts):
    """What a successful upgrade ``k`` changes for MSE ``i`` (the one place that says so).

    Args:
        mse: `MseState`, written.
        i: The MSE's row.
        k: The upgrade (an index of `UPGRADE_TYPES`).
        new_channel: For channel upgrading, the channel entered.
        herded: For channel upgrading, whether a project herded it into that channel alone.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    if k == PROCESS:
        mse.unit_cost[i] = process_unit_cost(mse.unit_cost[i], mse.skill[i], consts)
        mse.capacity[i] = process_capacity(mse.capacity[i], consts)
    elif k == PRODUCT:
        mse.quality[i] = product_quality(mse.quality[i], consts)
        mse.unit_cost[i] = product_unit_cost(mse.unit_cost[i], consts)
    elif k == FUNCTIONAL:
        mse.lead_firm[i] = -1  # it now sells past the lead firm, straight to buyers
    elif k == CHANNEL:
        entry = 1 << new_channel
        mse.channels[i] = entry if herded else mse.channels[i] | entry
    else:  # INTERSECTORAL
        mse.lead_firm[i] = -1
        mse.group[i] = -1
    mse.upgrades[i] |= 1 << k
    mse.skill[i] = min(mse.skill[i] + consts[0].upgrade_skill_gain, 1.0)


@njit(cache=True)
def _train(mse, rows, consts):
    for i in rows:
        mse.aware[i] |= 1 << FUNCTIONAL
        upgrade_succeeds(mse, i, FUNCTIONAL, -1, False, consts)


def train_sales_agents(pop: Population, agent_training: float, n_villages: int = 0,
                       consts: np.ndarray | None = None) -> np.ndarray:
    """A project trains some MSEs as sales agents: functional upgrading it facilitates.

    ``agent_training`` times MAX_TRAINED_AGENTS of the MSEs are trained, spread over villages
    in proportion to their size (the quota of each village rounded so that the running total
    stays the rounded share), and within a village the most skilled first (ties by row): a
    project recruits the more able producers as agents. No random draw, so the model's draw
    sequence does not depend on the lever. A trained agent ends up as if it had upgraded
    functionally by itself (`upgrade_succeeds`): it sells past any lead firm, straight to
    buyers, knows the option and gains the upgrade's skill; as a direct seller it
    brokers for its neighbours (`sim.trade.links_and_brokers`). Call it before the first
    month's trade.

    Args:
        pop: The population, written (upgrades, aware, lead_firm, skill).
        agent_training: Scenario lever in [0, 1]; 0 trains nobody and changes nothing.
        n_villages: Number of villages (at least the largest village index + 1).
        consts: The run's calibration constants (the defaults if omitted).

    Returns:
        The rows of the trained agents (int64), in village order.
    """
    consts = resolve(consts)
    share = float(agent_training) * float(consts[0]["max_trained_agents"])
    if share <= 0.0 or pop.n == 0:
        return np.empty(0, dtype=np.int64)
    counts = np.bincount(pop.village, minlength=max(int(n_villages), int(pop.village.max()) + 1))
    ends = np.cumsum(counts)
    # Rounded running totals: the quotas add up to the rounded share of all MSEs.
    totals = np.floor(share * ends + 0.5).astype(np.int64)
    quota = np.diff(totals, prepend=0)
    order = np.lexsort((np.arange(pop.n), -pop.skill, pop.village))
    starts = ends - counts
    rows = np.concatenate([order[s:s + q] for s, q in zip(starts, quota, strict=True)])
    rows = rows.astype(np.int64)
    _train(pop.state, rows, consts)
    return rows


def allocate_channels(pop: Population, consts: np.ndarray | None = None) -> None:
    """Spread each MSE's sales evenly over the channels open to it.

    Those are the channels it has entered and whose standard its product meets;
    diversification manages risk (guideline 7). Output that meets no entered channel's
    standard goes to the domestic market, which takes any quality.
    """
    consts = resolve(consts)
    _allocate_channels(pop.channels, pop.quality, pop.channel_weight, consts)


@njit(cache=True)
def _allocate_channels(channels, quality, weight, consts):
    for i in range(channels.size):
        count = 0
        for c in range(N_CHANNELS):
            if (channels[i] >> c) & 1 == 1 and clears_standard(quality[i], c, consts):
                count += 1
        for c in range(N_CHANNELS):
            if count == 0:
                weight[c, i] = 1.0 if c == DOMESTIC else 0.0
            elif (channels[i] >> c) & 1 == 1 and clears_standard(quality[i], c, consts):
                weight[c, i] = 1.0 / count
            else:
                weight[c, i] = 0.0
