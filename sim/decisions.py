"""The upgrading decision: every MSE values every option it knows of, at once.

For each MSE and each option (process, product, functional, channel, intersectoral) the
kernel evaluates the MSE's expected monthly income and its variance *from its own beliefs*
twice — as things are and as they would be after the upgrade — and values the option as a
risk-adjusted return over a planning horizon (a mean-variance certainty equivalent):

    value = p * H * dE - cost - (a / 2) * (H * K * dVar + p (1 - p) (H dE)^2)

where ``p`` is the chance the upgrade succeeds, ``H`` the horizon, ``dE`` and ``dVar`` the
changes in the mean and variance of monthly income, ``K`` the persistence of price
deviations, and ``a`` the absolute risk aversion, which rises with the household's dependence
on the enterprise. The cost is lowered by lead firms' embedded services and by group cost
sharing, and must fit within cash plus investment credit plus input advances.

The seed's drivers come out of these terms rather than being written in as rules: process
upgrading pays when competition costs sales; product upgrading pays only if the premium
reaches the MSE (the intermediaries' rent is inside ``belief_premium``); functional upgrading
pays where intermediaries keep large markups and rents, and more in the domestic channel where
its costs are lower; channel upgrading pays by higher prices and by diversification
(``dVar < 0``); intersectoral moves pay when the outside option beats the chain, which product
and functional upgrading unlock.

Each month an MSE takes the best option whose value (plus a little noise for bounded
rationality) is positive, or none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import finance
from sim.markets import (
    DOMESTIC,
    N_CHANNELS,
    PRICE_PERSISTENCE,
    QUALITY_STANDARD,
    competitive_sales_share,
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
from sim.services import SERVICE_COST_DISCOUNT, SERVICE_SUCCESS_GAIN
from sim.trade import DIRECT_MARKETING_COST, DIRECT_TRANSPORT_EXTRA, SOCIAL_MARKETING_COST

#: Planning horizon (months).
HORIZON = 36
#: Base cost of each upgrade (process, product, functional, channel, intersectoral).
BASE_COST = np.array([150.0, 120.0, 250.0, 100.0, 350.0])
#: Part of each cost that is working capital (inputs), the rest long-term investment.
WORKING_CAPITAL_SHARE = np.array([0.2, 0.4, 0.3, 0.2, 0.0])
#: Cost increase at distance 1 (inputs, transport and training cost more far away).
DISTANCE_COST = 0.6
#: Which options embedded services make cheaper (technical and design help).
SERVICE_HELPS = np.array([1.0, 1.0, 0.0, 0.5, 0.0])
#: Unit cost cut by process upgrading: base plus a skill-dependent part.
PROCESS_COST_CUT = 0.08
PROCESS_SKILL_CUT = 0.08
#: Quality gained by product upgrading, and the unit-cost increase it brings.
PRODUCT_QUALITY_GAIN = 0.3
PRODUCT_COST_INCREASE = 0.04
#: Skill an MSE needs to take on an intermediary's function alone (groups can do it jointly).
FUNCTIONAL_SKILL = 0.45
#: Monthly income outside the chain for an owner of skill 0.5 (intersectoral option).
OUTSIDE_INCOME = 45.0
#: Skill that opens the outside option without earlier product or functional upgrading.
OUTSIDE_SKILL = 0.85
#: Relative monthly income standard deviation outside the chain.
OUTSIDE_VOLATILITY = 0.1
#: Absolute risk aversion per unit of currency at dependence 0.5.
RISK_AVERSION = 0.0015
#: Chance of success: base, per unit of skill, and for group members.
SUCCESS_BASE = 0.35
SUCCESS_SKILL = 0.55
SUCCESS_GROUP = 0.05
#: Scale of the bounded-rationality noise added to option values (currency units).
DECISION_NOISE = 30.0
#: Skill gained by a successful upgrade (learning by doing).
UPGRADE_SKILL_GAIN = 0.05


@dataclass
class Context:
    """What the decision needs besides the population: markets, links and scenario levers."""

    benchmark_cost: float
    competition: float
    price_volatility: float
    price: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    transport: np.ndarray
    link_direct: np.ndarray
    clarity: np.ndarray
    services: np.ndarray
    contract_share: np.ndarray
    social: np.ndarray
    credit: np.ndarray
    cost_share: np.ndarray


def outside_income(skill: np.ndarray, social: np.ndarray) -> np.ndarray:
    """Monthly income an owner could earn in another value chain."""
    return OUTSIDE_INCOME * (0.5 + skill) * (1.0 - 0.3 * social)


def income_moments(pop: Population, ctx: Context, *, unit_cost=None, quality=None,
                   weights=None, base=None, premium=None) -> tuple[np.ndarray, np.ndarray]:
    """Believed mean and variance of monthly income, optionally under a changed state.

    Keyword arguments replace the MSE's current unit cost, quality, channel weights or
    believed prices, so that one formula values the status quo and every option alike.
    """
    unit_cost = pop.unit_cost if unit_cost is None else unit_cost
    quality = pop.quality if quality is None else quality
    weights = pop.channel_weight if weights is None else weights
    base = pop.belief_price if base is None else base
    premium = pop.belief_premium if premium is None else premium
    ok = quality[:, None] >= QUALITY_STANDARD[None, :] - 1e-12
    w = weights * ok
    w[:, DOMESTIC] += (weights * ~ok).sum(axis=1)
    volume = pop.capacity * competitive_sales_share(unit_cost, ctx.benchmark_cost,
                                                    ctx.competition)
    unit_price = base + premium * quality[:, None]
    mean = volume * ((w * unit_price).sum(axis=1) - unit_cost)
    exposure = w * np.maximum(unit_price, 0.0) * (1.0 - ctx.contract_share)[:, None]
    cov = price_covariance(ctx.price_volatility)
    var = volume**2 * np.einsum("ni,ij,nj->n", exposure, cov, exposure)
    return mean, var


def best_new_channel(pop: Population, quality: np.ndarray) -> np.ndarray:
    """The channel each MSE would enter: the best-paying one it has not entered and whose
    standard its product meets (-1 if none).
    """
    unit_price = pop.belief_price + pop.belief_premium * quality[:, None]
    open_ = ~pop.entered() & (quality[:, None] >= QUALITY_STANDARD[None, :])
    score = np.where(open_, unit_price, -np.inf)
    best = score.argmax(axis=1)
    return np.where(np.isfinite(score.max(axis=1)), best, -1)


def diversified_weights(entered: np.ndarray, new_channel: np.ndarray) -> np.ndarray:
    """Channel weights after entering ``new_channel``: sales spread evenly over all channels."""
    used = entered.copy()
    rows = np.flatnonzero(new_channel >= 0)
    used[rows, new_channel[rows]] = True
    return used / used.sum(axis=1, keepdims=True)


@dataclass
class Options:
    """Every option valued for every MSE (arrays of shape (n, 5))."""

    gain: np.ndarray
    variance_change: np.ndarray
    investment: np.ndarray
    working_capital: np.ndarray
    success: np.ndarray
    value: np.ndarray
    eligible: np.ndarray
    new_channel: np.ndarray


def upgrade_costs(pop: Population, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Investment and working-capital cost of each option for each MSE, shape (n, 5)."""
    cost = BASE_COST[None, :] * (1.0 + DISTANCE_COST * pop.distance)[:, None]
    cost = cost * (1.0 - SERVICE_COST_DISCOUNT * ctx.services[:, None] * SERVICE_HELPS[None, :])
    cost = cost * (1.0 - ctx.cost_share)[:, None]
    return cost * (1.0 - WORKING_CAPITAL_SHARE), cost * WORKING_CAPITAL_SHARE


def success_chance(pop: Population, ctx: Context) -> np.ndarray:
    """Chance that an attempted upgrade works, per MSE."""
    return np.clip(
        SUCCESS_BASE + SUCCESS_SKILL * pop.skill + SERVICE_SUCCESS_GAIN * ctx.services
        + SUCCESS_GROUP * pop.in_group,
        0.05,
        0.97,
    )


def value_options(pop: Population, ctx: Context) -> Options:
    """Value all five options for all MSEs (the upgrading kernel)."""
    n = pop.n
    mean0, var0 = income_moments(pop, ctx)
    gain = np.zeros((n, N_OPTIONS))
    dvar = np.zeros((n, N_OPTIONS))

    cut = PROCESS_COST_CUT + PROCESS_SKILL_CUT * pop.skill
    m, v = income_moments(pop, ctx, unit_cost=pop.unit_cost * (1.0 - cut))
    gain[:, PROCESS], dvar[:, PROCESS] = m - mean0, v - var0

    better = np.minimum(pop.quality + PRODUCT_QUALITY_GAIN, 1.0)
    m, v = income_moments(pop, ctx, quality=better,
                          unit_cost=pop.unit_cost * (1.0 + PRODUCT_COST_INCREASE))
    gain[:, PRODUCT], dvar[:, PRODUCT] = m - mean0, v - var0

    # Selling directly, the MSE keeps what it sees of the buyer's markup and premium rent, and
    # pays its own haulage and marketing instead.
    clear = ctx.clarity[:, None]
    own_costs = (
        DIRECT_TRANSPORT_EXTRA * pop.distance[:, None] + DIRECT_MARKETING_COST[None, :]
        + SOCIAL_MARKETING_COST * ctx.social[:, None] * (np.arange(N_CHANNELS) != DOMESTIC)
    )
    direct_base = pop.belief_price + clear * ctx.markup[:, None] * ctx.price[None, :] - own_costs
    escaped = (1.0 / np.maximum(ctx.pass_through, 0.05) - 1.0)[:, None]
    direct_premium = pop.belief_premium * (1.0 + clear * escaped)
    m, v = income_moments(pop, ctx, base=direct_base, premium=direct_premium)
    gain[:, FUNCTIONAL], dvar[:, FUNCTIONAL] = m - mean0, v - var0

    new_channel = best_new_channel(pop, pop.quality)
    m, v = income_moments(pop, ctx, weights=diversified_weights(pop.entered(), new_channel))
    gain[:, CHANNEL], dvar[:, CHANNEL] = m - mean0, v - var0

    outside = outside_income(pop.skill, ctx.social)
    gain[:, INTERSECTORAL] = outside - mean0
    dvar[:, INTERSECTORAL] = (OUTSIDE_VOLATILITY * outside) ** 2 - var0

    investment, working_capital = upgrade_costs(pop, ctx)
    success = success_chance(pop, ctx)[:, None]
    risk_aversion = (RISK_AVERSION * (0.5 + pop.dependence))[:, None]
    persistence = (1.0 + PRICE_PERSISTENCE) / (1.0 - PRICE_PERSISTENCE)
    horizon_gain = HORIZON * gain
    value = (
        success * horizon_gain
        - (investment + working_capital)
        - 0.5 * risk_aversion * (
            HORIZON * persistence * success * dvar
            + success * (1.0 - success) * horizon_gain**2
        )
    )

    done = np.stack([pop.has(k) for k in range(N_OPTIONS)], axis=1)
    known = np.stack([pop.knows(k) for k in range(N_OPTIONS)], axis=1)
    # Quality and channels can be upgraded again (toward a stricter channel's standard, into a
    # further channel); process, functional and intersectoral moves are made once.
    repeatable = np.zeros(N_OPTIONS, dtype=bool)
    repeatable[[PRODUCT, CHANNEL]] = True
    eligible = known & (~done | repeatable[None, :]) & pop.in_chain[:, None]
    eligible[:, PRODUCT] &= pop.quality < 0.95
    # Taking on a trader's job needs some skill, or a group to do it collectively.
    eligible[:, FUNCTIONAL] &= (pop.skill >= FUNCTIONAL_SKILL) | pop.in_group
    eligible[:, CHANNEL] &= new_channel >= 0
    eligible[:, INTERSECTORAL] &= (
        pop.has(PRODUCT) | pop.has(FUNCTIONAL) | (pop.skill >= OUTSIDE_SKILL)
    )
    return Options(gain, dvar, investment, working_capital,
                   np.broadcast_to(success, gain.shape), value, eligible, new_channel)


@dataclass
class Attempts:
    """This month's upgrade attempts.

    Attributes:
        option: Option attempted by each MSE, or -1.
        succeeded: Whether the attempt worked.
        financing: How each attempt was paid for (zeros where none).
    """

    option: np.ndarray
    succeeded: np.ndarray
    financing: finance.Financing


def choose_upgrades(pop: Population, ctx: Context, options: Options,
                    noise: np.ndarray) -> np.ndarray:
    """Pick at most one option per MSE: the best affordable one with positive noisy value.

    Args:
        pop: Population.
        ctx: Decision context.
        options: Valued options.
        noise: Uniform draws, shape (n, 5), for bounded rationality.

    Returns:
        Option index per MSE, or -1 for no upgrade this month.
    """
    advance_cap = (finance_advance_share(ctx) * options.working_capital)
    affordable = finance.can_finance(
        pop.cash[:, None], ctx.credit[:, None], options.investment, options.working_capital,
        advance_cap,
    )
    score = options.value + DECISION_NOISE * (noise - 0.5)
    score = np.where(options.eligible & affordable, score, -np.inf)
    best = score.argmax(axis=1)
    return np.where(score[np.arange(pop.n), best] > 0.0, best, -1)


def finance_advance_share(ctx: Context) -> np.ndarray:
    """Share of an option's working capital a lead firm would advance, per MSE (n, 1)."""
    from sim.services import ADVANCE_SHARE

    return (ADVANCE_SHARE * ctx.services)[:, None]


def apply_upgrades(pop: Population, ctx: Context, options: Options, choice: np.ndarray,
                   success_draw: np.ndarray) -> Attempts:
    """Pay for the chosen upgrades and apply those that succeed.

    Args:
        pop: Population, updated in place (cash, debt, advances, state, upgrade bits).
        ctx: Decision context.
        options: Valued options.
        choice: Option per MSE, or -1.
        success_draw: Uniform draws, shape (n,).

    Returns:
        The attempts with their financing.
    """
    rows = np.flatnonzero(choice >= 0)
    k = choice[rows]
    zeros = np.zeros(pop.n)
    investment, working_capital = zeros.copy(), zeros.copy()
    investment[rows] = options.investment[rows, k]
    working_capital[rows] = options.working_capital[rows, k]
    advance_cap = finance_advance_share(ctx)[:, 0] * working_capital
    paid = finance.finance(pop.cash, ctx.credit, investment, working_capital, advance_cap)
    pop.cash -= paid.from_cash
    pop.debt += paid.loan
    pop.advance_due += paid.advance

    succeeded = np.zeros(pop.n, dtype=bool)
    succeeded[rows] = success_draw[rows] < options.success[rows, k]
    for option in range(N_OPTIONS):
        won = succeeded & (choice == option)
        if not won.any():
            continue
        if option == PROCESS:
            cut = PROCESS_COST_CUT + PROCESS_SKILL_CUT * pop.skill[won]
            pop.unit_cost[won] *= 1.0 - cut
        elif option == PRODUCT:
            pop.quality[won] = np.minimum(pop.quality[won] + PRODUCT_QUALITY_GAIN, 1.0)
            pop.unit_cost[won] *= 1.0 + PRODUCT_COST_INCREASE
        elif option == FUNCTIONAL:
            pop.lead_firm[won] = -1  # it now sells past the lead firm, straight to buyers
        elif option == CHANNEL:
            entered = diversified_weights(pop.entered()[won], options.new_channel[won]) > 0
            pop.channels[won] = (entered * (1 << np.arange(N_CHANNELS))).sum(axis=1)
        elif option == INTERSECTORAL:
            pop.lead_firm[won] = -1
            pop.group[won] = -1
        pop.upgrades[won] |= np.uint8(1 << option)
    pop.skill = np.where(succeeded, np.minimum(pop.skill + UPGRADE_SKILL_GAIN, 1.0), pop.skill)
    return Attempts(choice, succeeded, paid)


def allocate_channels(pop: Population, herding: float) -> None:
    """Spread each MSE's sales over the channels it has entered; herding pushes them into
    the one that pays most today.

    Left alone, an MSE diversifies evenly over its channels (guideline 7: diversification
    manages risk). Herding pressure moves that share of its sales into the channel that pays
    it most this month, which may not pay most next month.
    """
    # Every MSE starts in the domestic market, which takes any quality, so no row is empty.
    entered = pop.entered() & (pop.quality[:, None] >= QUALITY_STANDARD[None, :])
    even = entered / entered.sum(axis=1, keepdims=True)
    paid = pop.belief_price + pop.belief_premium * pop.quality[:, None]
    best = np.where(entered, paid, -np.inf).argmax(axis=1)
    top = np.zeros_like(even)
    top[np.arange(pop.n), best] = 1.0
    pop.channel_weight[:] = (1.0 - herding) * even + herding * top
