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

from dataclasses import dataclass, fields, replace

import numpy as np

from sim import finance
from sim.markets import (
    PRICE_PERSISTENCE,
    competitive_sales_share,
    meets_standard,
    price_covariance,
)
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
    Population,
)
from sim.services import ADVANCE_SHARE, SERVICE_COST_DISCOUNT, SERVICE_SUCCESS_GAIN
from sim.trade import direct_selling_cost, effective_channel_weights

#: Planning horizon (months).
HORIZON = 36
#: Base cost of each upgrade (process, product, functional, channel, intersectoral).
BASE_COST = np.array([200.0, 150.0, 250.0, 120.0, 350.0])
#: Part of each cost that is working capital (inputs), the rest long-term investment.
WORKING_CAPITAL_SHARE = np.array([0.2, 0.4, 0.3, 0.2, 0.0])
#: Cost increase at distance 1 (inputs, transport and training cost more far away).
DISTANCE_COST = 0.6
#: Which options embedded services make cheaper (technical and design help).
SERVICE_HELPS = np.array([1.0, 1.0, 0.0, 0.5, 0.0])
#: Unit cost cut by process upgrading: base plus a skill-dependent part.
PROCESS_COST_CUT = 0.03
PROCESS_SKILL_CUT = 0.06
#: Quality gained by product upgrading, and the unit-cost increase it brings.
PRODUCT_QUALITY_GAIN = 0.3
PRODUCT_COST_INCREASE = 0.04
#: Skill an MSE needs to take on an intermediary's function alone (groups can do it jointly).
FUNCTIONAL_SKILL = 0.45
#: Monthly income outside the chain for an owner of skill 0.5 (intersectoral option).
OUTSIDE_INCOME = 45.0
#: Skill that opens the outside option without earlier product or functional upgrading.
OUTSIDE_SKILL = 0.85
#: Share of the outside income lost at full social barrier (exclusion follows people).
OUTSIDE_SOCIAL_PENALTY = 0.3
#: Relative monthly income standard deviation outside the chain.
OUTSIDE_VOLATILITY = 0.1
#: Absolute risk aversion per unit of currency at dependence 0.5.
RISK_AVERSION = 0.0015
#: Chance of success: base, per unit of skill, and for group members.
SUCCESS_BASE = 0.35
SUCCESS_SKILL = 0.55
SUCCESS_GROUP = 0.05
#: Weight of the charge for sinking money into an upgrade while income is uncertain.
LIQUIDITY_RISK = 6.0
#: Scale of the bounded-rationality noise added to option values (currency units).
DECISION_NOISE = 5.0
#: Skill gained by a successful upgrade (learning by doing).
UPGRADE_SKILL_GAIN = 0.05


@dataclass
class Context:
    """What the decision needs besides the population: markets, links and scenario levers.

    Per-MSE arrays have one element per MSE (or one column, for (3, n) arrays).
    """

    benchmark_cost: float
    competition: float
    price_volatility: float
    price: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    clarity: np.ndarray
    services: np.ndarray
    contract_share: np.ndarray
    social: np.ndarray
    credit: np.ndarray
    cost_share: np.ndarray


@dataclass
class Deciders:
    """The MSEs weighing options this month, with the state the valuation reads (gathered).

    Attributes:
        rows: Their rows in the population.
    """

    rows: np.ndarray
    capacity: np.ndarray
    unit_cost: np.ndarray
    quality: np.ndarray
    skill: np.ndarray
    dependence: np.ndarray
    distance: np.ndarray
    in_group: np.ndarray
    aware: np.ndarray
    entered: np.ndarray
    weights: np.ndarray
    base: np.ndarray
    premium: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    clarity: np.ndarray
    services: np.ndarray
    contract_share: np.ndarray
    social: np.ndarray

    @classmethod
    def gather(cls, pop: Population, ctx: Context, rows: np.ndarray) -> Deciders:
        """Collect the state of MSEs ``rows``."""
        return cls(
            rows=rows,
            capacity=pop.capacity[rows],
            unit_cost=pop.unit_cost[rows],
            quality=pop.quality[rows],
            skill=pop.skill[rows],
            dependence=pop.dependence[rows],
            distance=pop.distance[rows],
            in_group=pop.in_group[rows],
            aware=pop.aware[rows],
            entered=pop.entered(rows),
            weights=np.take(pop.channel_weight, rows, axis=1),
            base=np.take(pop.belief_price, rows, axis=1),
            premium=np.take(pop.belief_premium, rows, axis=1),
            markup=ctx.markup[rows],
            pass_through=ctx.pass_through[rows],
            clarity=ctx.clarity[rows],
            services=ctx.services[rows],
            contract_share=ctx.contract_share[rows],
            social=ctx.social[rows],
        )

    def take(self, cols: np.ndarray) -> Deciders:
        """The subset of these deciders at positions ``cols``."""
        return _take(self, cols)


def _take(record, cols: np.ndarray):
    """Subset every per-MSE array of a dataclass (1-D arrays by element, 2-D by column)."""
    changes = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, np.ndarray):
            changes[f.name] = value[cols] if value.ndim == 1 else np.take(value, cols, axis=1)
    return replace(record, **changes)


def outside_income(skill: np.ndarray, social: np.ndarray) -> np.ndarray:
    """Monthly income an owner could earn in another value chain."""
    return OUTSIDE_INCOME * (0.5 + skill) * (1.0 - OUTSIDE_SOCIAL_PENALTY * social)


@dataclass
class Income:
    """Believed income of deciders under one configuration (mean and variance per month).

    Attributes:
        mean: Believed mean monthly income.
        var: Believed variance of monthly income.
        margin: Believed revenue per unit sold minus unit cost.
        volume: Units sold per month.
        risk: Price risk per unit of volume squared (``var / volume**2``): the quadratic
            form of the channel weights and prices with the channel price covariance.
    """

    mean: np.ndarray
    var: np.ndarray
    margin: np.ndarray
    volume: np.ndarray
    risk: np.ndarray



def income_moments(d: Deciders, ctx: Context, *, unit_cost=None, quality=None,
                   weights=None, base=None, premium=None) -> Income:
    """Believed mean and variance of monthly income, optionally under a changed state.

    Keyword arguments replace the MSEs' unit cost, quality, channel weights (3, m) or
    believed base prices and premiums (3, m), so that one formula values the status quo and
    every option alike.
    """
    unit_cost = d.unit_cost if unit_cost is None else unit_cost
    quality = d.quality if quality is None else quality
    weights = d.weights if weights is None else weights
    base = d.base if base is None else base
    premium = d.premium if premium is None else premium
    w = effective_channel_weights(weights, quality)
    volume = d.capacity * competitive_sales_share(unit_cost, ctx.benchmark_cost,
                                                  ctx.competition)
    unit_price = base + premium * quality
    margin = (w * unit_price).sum(axis=0) - unit_cost
    # A forward contract's guaranteed price takes the contracted share out of price risk.
    exposure = w * np.maximum(unit_price, 0.0) * (1.0 - d.contract_share)
    risk = (exposure * (price_covariance(ctx.price_volatility) @ exposure)).sum(axis=0)
    return Income(volume * margin, volume**2 * risk, margin, volume, risk)


def with_unit_cost(status_quo: Income, d: Deciders, ctx: Context, unit_cost: np.ndarray
                   ) -> Income:
    """The status quo with a different unit cost (a cheap special case).

    Prices and channels are unchanged, so only the margin and the volume sold against
    competitors change.
    """
    volume = d.capacity * competitive_sales_share(unit_cost, ctx.benchmark_cost,
                                                  ctx.competition)
    margin = status_quo.margin + d.unit_cost - unit_cost
    return Income(volume * margin, volume**2 * status_quo.risk, margin, volume,
                  status_quo.risk)


def best_new_channel(entered: np.ndarray, base: np.ndarray, premium: np.ndarray,
                     quality: np.ndarray) -> np.ndarray:
    """The channel each MSE would enter, or -1 if none.

    That is the best-paying channel it has not entered and whose standard its product meets.
    """
    open_ = ~entered & meets_standard(quality)
    score = np.where(open_, base + premium * quality, -np.inf)
    best = score.argmax(axis=0)
    return np.where(open_.any(axis=0), best, -1)


def diversified_weights(entered: np.ndarray, new_channel: np.ndarray) -> np.ndarray:
    """Channel weights (3, m) after entering ``new_channel``: sales spread evenly."""
    used = entered.copy()
    cols = np.flatnonzero(new_channel >= 0)
    used[new_channel[cols], cols] = True
    return used / used.sum(axis=0)


def upgrade_costs(distance: np.ndarray, services: np.ndarray, cost_share: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Investment and working-capital cost of each option, shape (5, n).

    Inputs, transport and training cost more far from markets; embedded services (technical
    and design help) and group cost sharing make upgrading cheaper.
    """
    cost = BASE_COST[:, None] * (
        (1.0 + DISTANCE_COST * distance) * (1.0 - cost_share)
    ) * (1.0 - SERVICE_COST_DISCOUNT * SERVICE_HELPS[:, None] * services)
    return cost * (1.0 - WORKING_CAPITAL_SHARE)[:, None], cost * WORKING_CAPITAL_SHARE[:, None]


def success_chance(skill: np.ndarray, services: np.ndarray, in_group: np.ndarray
                   ) -> np.ndarray:
    """Chance that an attempted upgrade works, per MSE."""
    return np.clip(
        SUCCESS_BASE + SUCCESS_SKILL * skill + SERVICE_SUCCESS_GAIN * services
        + SUCCESS_GROUP * in_group,
        0.05,
        0.97,
    )


def eligible_options(pop: Population) -> np.ndarray:
    """Options each MSE knows of and may take, shape (5, n), before costs.

    Quality and channels can be upgraded again (toward a stricter channel's standard, into a
    further channel); process, functional and intersectoral moves are made once. Taking on a
    trader's job needs some skill or a group to do it jointly; the outside option opens after
    product or functional upgrading, or to the most skilled.
    """
    bits = np.arange(N_OPTIONS, dtype=np.uint8)[:, None]
    known = (pop.aware[None, :] >> bits) & 1 == 1
    done = (pop.upgrades[None, :] >> bits) & 1 == 1
    done[[PRODUCT, CHANNEL]] = False
    eligible = known & ~done & pop.in_chain
    eligible[PRODUCT] &= pop.quality < 0.95
    eligible[CHANNEL] &= (~pop.entered() & meets_standard(pop.quality)).any(axis=0)
    eligible[FUNCTIONAL] &= (pop.skill >= FUNCTIONAL_SKILL) | pop.in_group
    eligible[INTERSECTORAL] &= (
        pop.has(PRODUCT) | pop.has(FUNCTIONAL) | (pop.skill >= OUTSIDE_SKILL)
    )
    return eligible


@dataclass
class Options:
    """Options valued for the MSEs that weigh any this month (arrays of shape (5, m)).

    Attributes:
        rows: Population rows of the deciders (m of them).
        gain: Change in believed mean monthly income.
        variance_change: Change in believed variance of monthly income.
        investment: Long-term investment cost.
        working_capital: Working-capital cost.
        success: Chance of success.
        value: Risk-adjusted value over the horizon.
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


def advance_share(services: np.ndarray) -> np.ndarray:
    """Share of an option's working capital a lead firm would advance, per MSE."""
    return ADVANCE_SHARE * services


def value_options(pop: Population, ctx: Context) -> Options:
    """Value every option for every MSE that knows of one it can afford (the kernel).

    MSEs with nothing to weigh (no option known and allowed, or none affordable) are skipped,
    which is most of them in most months.
    """
    eligible = eligible_options(pop)
    # Costs and affordability only for MSEs that know of an option they may take.
    aware = np.flatnonzero(eligible.any(axis=0))
    investment, working_capital = upgrade_costs(
        pop.distance[aware], ctx.services[aware], ctx.cost_share[aware])
    affordable = finance.can_finance(
        pop.cash[aware], ctx.credit[aware], investment, working_capital,
        advance_share(ctx.services[aware]) * working_capital)
    feasible = np.take(eligible, aware, axis=1) & affordable
    deciding = feasible.any(axis=0)
    rows = aware[deciding]
    feasible, investment, working_capital = (
        feasible[:, deciding], investment[:, deciding], working_capital[:, deciding])
    d = Deciders.gather(pop, ctx, rows)
    m = rows.size
    gain = np.zeros((N_OPTIONS, m))
    dvar = np.zeros((N_OPTIONS, m))
    now = income_moments(d, ctx)

    def weigh(option: int, change) -> np.ndarray:
        """Income change from ``change(sub)`` for the deciders to whom ``option`` is open.

        A sparse option is valued on the subset it is open to; a common one on everybody,
        which costs less than gathering a large subset.
        """
        cols = np.flatnonzero(feasible[option])
        if 2 * cols.size > m:
            after = change(d)
            gain[option, cols] = (after.mean - now.mean)[cols]
            dvar[option, cols] = (after.var - now.var)[cols]
        elif cols.size:
            after = change(d.take(cols))
            gain[option, cols] = after.mean - now.mean[cols]
            dvar[option, cols] = after.var - now.var[cols]
        return cols

    cut = PROCESS_COST_CUT + PROCESS_SKILL_CUT * d.skill
    record = with_unit_cost(now, d, ctx, d.unit_cost * (1.0 - cut))
    gain[PROCESS], dvar[PROCESS] = record.mean - now.mean, record.var - now.var

    def better(sub: Deciders) -> np.ndarray:
        return np.minimum(sub.quality + PRODUCT_QUALITY_GAIN, 1.0)

    product_cols = weigh(PRODUCT, lambda sub: income_moments(
        sub, ctx, quality=better(sub), unit_cost=sub.unit_cost * (1.0 + PRODUCT_COST_INCREASE)))

    def direct(sub: Deciders) -> Income:
        # Selling directly, the MSE keeps what it sees of the buyer's markup and premium
        # rent, and pays its own haulage and marketing instead.
        base = sub.base + sub.clarity * sub.markup * ctx.price[:, None] - direct_selling_cost(
            sub.distance, sub.social)
        escaped = 1.0 / np.maximum(sub.pass_through, 0.05) - 1.0
        return income_moments(sub, ctx, base=base,
                              premium=sub.premium * (1.0 + sub.clarity * escaped))

    weigh(FUNCTIONAL, direct)

    new_channel = np.full(m, -1)

    def enter(sub: Deciders) -> Income:
        chosen = best_new_channel(sub.entered, sub.base, sub.premium, sub.quality)
        if sub is d:
            new_channel[:] = np.where(feasible[CHANNEL], chosen, -1)
        else:
            new_channel[np.flatnonzero(feasible[CHANNEL])] = chosen
        return income_moments(sub, ctx, weights=diversified_weights(sub.entered, chosen))

    weigh(CHANNEL, enter)

    outside = outside_income(d.skill, d.social)
    gain[INTERSECTORAL] = outside - now.mean
    dvar[INTERSECTORAL] = (OUTSIDE_VOLATILITY * outside) ** 2 - now.var

    success = success_chance(d.skill, d.services, d.in_group)
    risk_aversion = RISK_AVERSION * (0.5 + d.dependence)
    cash, credit = pop.cash[rows], ctx.credit[rows]
    paid = finance.finance(cash, credit, investment, working_capital,
                           advance_share(d.services) * working_capital)
    value = risk_adjusted_value(gain, dvar, investment + working_capital, paid, cash,
                                success, risk_aversion, now.var)

    # Product upgrading often pays only through the channel whose standard it meets
    # ("product upgrading may be a requirement for entering a new market channel"): an MSE
    # that knows of channel upgrading also values the plan product-then-channel.
    if product_cols.size:
        sub = d.take(product_cols)
        unlocked = best_new_channel(sub.entered, sub.base, sub.premium, better(sub))
        plan = (unlocked >= 0) & ((sub.aware >> CHANNEL) & 1 == 1)
        cols = product_cols[plan]
        if cols.size:
            sub = sub.take(np.flatnonzero(plan))
            after = income_moments(sub, ctx, quality=better(sub),
                                   unit_cost=sub.unit_cost * (1.0 + PRODUCT_COST_INCREASE),
                                   weights=diversified_weights(sub.entered, unlocked[plan]))
            plan_inv = investment[PRODUCT, cols] + investment[CHANNEL, cols]
            plan_wc = working_capital[PRODUCT, cols] + working_capital[CHANNEL, cols]
            plan_paid = finance.finance(cash[cols], credit[cols], plan_inv, plan_wc,
                                        advance_share(sub.services) * plan_wc)
            plan_value = risk_adjusted_value(
                after.mean - now.mean[cols], after.var - now.var[cols], plan_inv + plan_wc,
                plan_paid, cash[cols], success[cols], risk_aversion[cols], now.var[cols])
            value[PRODUCT, cols] = np.maximum(value[PRODUCT, cols], plan_value)
    return Options(rows, gain, dvar, investment, working_capital,
                   np.broadcast_to(success, gain.shape), value, feasible, new_channel)


def risk_adjusted_value(gain: np.ndarray, variance_change: np.ndarray, cost: np.ndarray,
                        paid: finance.Financing, cash: np.ndarray, success: np.ndarray,
                        risk_aversion: np.ndarray, income_variance: np.ndarray) -> np.ndarray:
    """Mean-variance certainty equivalent of an upgrade over the planning horizon.

    ``p H dE - C - r L - (a/2) (H K p dVar + p (1 - p) (H dE)^2) - a M (M / W) sqrt(H K Var)``:
    the expected gain if it works, less its cost ``C`` and the interest ``r L`` on the part
    borrowed, less a risk charge for the income variance it adds (negative when it
    diversifies) and for the chance that the money is spent and nothing changes, less a
    charge for sinking the household's own cash ``M`` out of its buffer ``W`` while income is
    uncertain: spending a small part of a large buffer costs little, emptying a small one a
    lot. Long-term credit spares the buffer (guideline 4); forward contracts and steadier
    markets shrink the uncertainty.
    """
    persistence = (1.0 + PRICE_PERSISTENCE) / (1.0 - PRICE_PERSISTENCE)
    horizon_gain = HORIZON * gain
    return (
        success * horizon_gain
        - cost
        - finance.INTEREST_BURDEN * paid.loan
        - 0.5 * risk_aversion * (
            HORIZON * persistence * success * variance_change
            + success * (1.0 - success) * horizon_gain**2
        )
        - LIQUIDITY_RISK * risk_aversion * paid.from_cash
        * (paid.from_cash / np.maximum(cash, 1.0)) * np.sqrt(HORIZON * persistence
                                                           * income_variance)
    )


@dataclass
class Attempts:
    """The month's upgrade attempts (one element per MSE).

    Attributes:
        option: Option attempted by each MSE, or -1.
        succeeded: Whether the attempt worked.
        financing: How each attempt was paid for (zeros where none).
    """

    option: np.ndarray
    succeeded: np.ndarray
    financing: finance.Financing


def choose_upgrades(options: Options, uniforms: np.ndarray) -> np.ndarray:
    """Pick at most one option per decider: a logit choice among feasible options and none.

    Bounded rationality: an option of value ``v`` is taken with probability proportional to
    ``exp(v / DECISION_NOISE)`` against ``exp(0)`` for doing nothing, so clearly good options
    are almost always taken, marginal ones sometimes, and clearly bad ones almost never.

    Args:
        options: Valued options.
        uniforms: One uniform draw per decider.

    Returns:
        Option index per decider, or -1 for no upgrade this month.
    """
    # float32 is ample for choice probabilities, and its exp is several times faster.
    scaled = np.where(options.feasible, options.value / DECISION_NOISE, -np.inf).astype(
        np.float32)
    top = np.maximum(scaled.max(axis=0), 0.0)
    weight = np.exp(scaled - top)
    stay = np.exp(-top)
    cumulative = np.cumsum(weight, axis=0)
    total = cumulative[-1] + stay
    pick = (uniforms * total)[None, :] < cumulative
    return np.where(pick.any(axis=0), pick.argmax(axis=0), -1)


def apply_upgrades(pop: Population, ctx: Context, options: Options, choice: np.ndarray,
                   success_draw: np.ndarray, herding: float) -> Attempts:
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

    Returns:
        The attempts, one element per MSE, with their financing.
    """
    n = pop.n
    option = np.full(n, -1, dtype=np.int64)
    option[options.rows] = choice
    taking = choice >= 0
    rows, k = options.rows[taking], choice[taking]
    investment, working_capital = np.zeros(n), np.zeros(n)
    investment[rows] = options.investment[k, taking.nonzero()[0]]
    working_capital[rows] = options.working_capital[k, taking.nonzero()[0]]
    paid = finance.finance(pop.cash, ctx.credit, investment, working_capital,
                           advance_share(ctx.services) * working_capital)
    pop.cash -= paid.from_cash
    pop.debt += paid.loan
    pop.advance_due += paid.advance

    succeeded = np.zeros(n, dtype=bool)
    chance = options.success[k, taking.nonzero()[0]]
    succeeded[rows] = success_draw[taking] < chance
    herded = np.zeros(n, dtype=bool)
    herded[rows] = success_draw[taking] / chance < herding
    new_channel = np.full(n, -1)
    new_channel[options.rows] = options.new_channel
    for kind in range(N_OPTIONS):
        won = succeeded & (option == kind)
        if not won.any():
            continue
        if kind == PROCESS:
            pop.unit_cost[won] *= 1.0 - (PROCESS_COST_CUT + PROCESS_SKILL_CUT * pop.skill[won])
        elif kind == PRODUCT:
            pop.quality[won] = np.minimum(pop.quality[won] + PRODUCT_QUALITY_GAIN, 1.0)
            pop.unit_cost[won] *= 1.0 + PRODUCT_COST_INCREASE
        elif kind == FUNCTIONAL:
            pop.lead_firm[won] = -1  # it now sells past the lead firm, straight to buyers
        elif kind == CHANNEL:
            entry = (1 << new_channel[won]).astype(np.uint8)
            pop.channels[won] = np.where(herded[won], entry, pop.channels[won] | entry)
        elif kind == INTERSECTORAL:
            pop.lead_firm[won] = -1
            pop.group[won] = -1
        pop.upgrades[won] |= np.uint8(1 << kind)
    pop.skill[succeeded] = np.minimum(pop.skill[succeeded] + UPGRADE_SKILL_GAIN, 1.0)
    return Attempts(option, succeeded, paid)


def allocate_channels(pop: Population) -> None:
    """Spread each MSE's sales evenly over the channels open to it.

    Those are the channels it has entered and whose standard its product meets;
    diversification manages risk (guideline 7).
    """
    # Output that meets no entered channel's standard goes to the domestic market, which
    # takes any quality (see `effective_channel_weights`).
    entered = pop.entered() & meets_standard(pop.quality)
    count = entered.sum(axis=0)
    pop.channel_weight[:] = np.where(count > 0, entered / np.maximum(count, 1), 0.0)
    pop.channel_weight[0] += count == 0
