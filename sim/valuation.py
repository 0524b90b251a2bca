"""Valuing the upgrading options: every MSE values every option it knows of, at once.

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

Which options an MSE may take, what they cost and what they change are in :mod:`sim.upgrades`;
the choice among the valued options is :mod:`sim.choice`.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from sim.channels import best_new_channel, diversified_weights, sold_in_channels
from sim.constants import declare, real, values_bundle, whole

# The decision context and the valued options live in sim.decisions; they are importable
# from here too, where the valuation that takes and gives them is.
from sim.decisions import Context as Context
from sim.decisions import DecisionTerms as DecisionTerms
from sim.decisions import Options as Options
from sim.decisions import OptionValues as OptionValues
from sim.decisions import _option_values, _rows_repeated
from sim.finance import (
    available_credit,
    can_finance,
    member_input_discount,
    split_costs,
    working_credit_line,
)
from sim.groups import member_cost_share
from sim.lead_firms import advance_share
from sim.links import VIA_BROKER
from sim.markets import (
    N_CHANNELS,
    competitive_sales_share,
    market_depth,
)
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
    Population,
    stays_in_chain,
)
from sim.sales import expected_transit_loss
from sim.second_chain import outside_income
from sim.services import mse_service, mse_support
from sim.signals import mse_clarity
from sim.terms import direct_selling_cost
from sim.threads import CHUNK, WAVE, parallel
from sim.upgrades import (
    eligible,
    process_capacity,
    process_unit_cost,
    product_quality,
    product_unit_cost,
    success_chance,
    upgrade_costs,
)

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        whole("horizon", 36, 1, 600, "months", "Planning horizon (months)."),
        real(
            "risk_aversion",
            0.0015,
            0.0,
            1.0,
            "per currency unit",
            "Absolute risk aversion per unit of currency at dependence 0.5.",
        ),
        real(
            "liquidity_risk",
            6.0,
            0.0,
            100.0,
            "weight",
            "Weight of the charge for sinking money into an upgrade while income is uncertain.",
        ),
    ],
)


#: The constants the valuation pass's helpers read, copied out of the record once per call:
#: ``hot_constants(consts)`` returns ``(HotConstants(...),)``, and the helpers read
#: ``consts[0].name`` from it or from the record alike (`sim.constants.values_bundle`).
HotConstants, hot_constants = values_bundle(
    "HotConstants",
    (
        "advance_share",
        "base_cost",
        "channel_depth",
        "direct_clarity",
        "direct_marketing_cost",
        "direct_transport_extra",
        "distance_attenuation",
        "distance_cost",
        "functional_skill",
        "group_cost_share",
        "group_input_discount",
        "group_lending",
        "horizon",
        "ict_clarity",
        "interest_burden",
        "lead_firm_clarity",
        "liquidity_risk",
        "max_loan",
        "max_working_loan",
        "outside_income",
        "outside_skill",
        "outside_social_penalty",
        "price_persistence",
        "process_cost_cut",
        "process_output_gain",
        "process_skill_cut",
        "product_cost_increase",
        "product_quality_gain",
        "quality_standard",
        "sales_loss_per_10pct",
        "service_cost_discount",
        "service_helps",
        "service_success_gain",
        "social_attenuation",
        "social_credit_penalty",
        "social_marketing_cost",
        "stepping_stone_gain",
        "success_base",
        "success_group",
        "success_skill",
        "support_distance_loss",
        "support_social_loss",
        "transit_loss_hazard",
        "transit_loss_share",
        "working_capital_share",
    ),
    __name__,
)


@njit(cache=True)
def income_moments(
    capacity,
    unit_cost,
    quality,
    weights,
    base,
    premium,
    contract_share,
    covariance,
    benchmark_cost,
    competition,
    consts,
):
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
    volume = (
        capacity
        * competitive_sales_share(unit_cost, benchmark_cost, competition, consts)
        * market_depth(w, consts)
    )
    price = (
        base[0] + premium[0] * quality,
        base[1] + premium[1] * quality,
        base[2] + premium[2] * quality,
    )
    # A forward contract's guaranteed price takes the contracted share out of price risk.
    spot = 1.0 - contract_share
    exposure = (
        w[0] * max(price[0], 0.0) * spot,
        w[1] * max(price[1], 0.0) * spot,
        w[2] * max(price[2], 0.0) * spot,
    )
    revenue = 0.0
    risk = 0.0
    for c in range(N_CHANNELS):
        revenue += w[c] * price[c]
        for d in range(N_CHANNELS):
            risk += exposure[c] * covariance[c, d] * exposure[d]
    margin = revenue - unit_cost
    return volume * margin, volume * volume * risk, margin, volume, risk


@njit(cache=True)
def risk_adjusted_value(
    gain,
    variance_change,
    cost,
    from_cash,
    loan,
    cash,
    success,
    risk_aversion,
    income_variance,
    consts,
):
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
        - 0.5
        * risk_aversion
        * (
            HORIZON * persistence * success * variance_change
            + success * (1.0 - success) * horizon_gain**2
        )
        - LIQUIDITY_RISK
        * risk_aversion
        * from_cash
        * (from_cash / np.maximum(cash, 1.0))
        * np.sqrt(HORIZON * persistence * income_variance)
    )


def value_options(
    pop: Population, ctx: Context, consts: np.ndarray, *, detail: bool = True
) -> Options:
    """Value every option for every MSE that knows of one it can afford.

    MSEs with nothing to weigh (no option known and allowed, or none affordable) are skipped,
    which is most of them in most months. The work is done MSE by MSE in one compiled pass
    (`_value_all`, or `_value_chunks` over threads from `sim.threads.PARALLEL_MIN_MSES`
    MSEs), which reads the population in place.

    Args:
        pop: Population.
        ctx: The month's `Context`.
        consts: The run's calibration constants (a `sim.constants` record).
        detail: Also return each option's ``gain`` and ``variance_change`` (else they are
            None: the choice does not need them, and the model saves their memory, 80 bytes
            an MSE).
    """
    n = pop.n
    chunked = parallel(n)
    # The kernel fills the first m columns; the rest is never read (nor touched in memory).
    # Without detail, gains and variance changes go to a scratch column. One column more
    # than there can be deciders: the first m columns are then never the whole array, so
    # the passes that take them always see the same layout (numba compiles a pass once per
    # layout of its arrays; a month in which every MSE decided would compile them again).
    out = _option_values(n + 1, n + 1 if detail else 1)
    state, terms = pop.state, ctx.terms(consts)
    if chunked:
        # A wave of chunks is valued at once into `work`, then copied into `out` in order.
        wave = max(WAVE, 2 * numba.get_num_threads())
        work = _option_values(wave * CHUNK, wave * CHUNK if detail else wave)
        m = _value_chunks(state, terms, out, work, consts, CHUNK, wave, detail)
        del work
    else:
        m = _value_all(state, terms, out, consts, detail)
    return Options(
        out.rows[:m],
        out.gain[:, :m] if detail else None,
        out.variance_change[:, :m] if detail else None,
        out.investment[:, :m],
        out.working_capital[:, :m],
        _rows_repeated(out.success, m),
        out.value[:, :m],
        out.feasible[:, :m],
        out.new_channel[:m],
    )


@njit(cache=True)
def _value_all(mse, terms, out, consts, detail=True):
    """The valuation kernel on one thread: fills column ``m`` of ``out`` for the m-th decider.

    Args:
        mse: `MseState` (read only).
        terms: `DecisionTerms`.
        out: `OptionValues` of n columns, written (``gain`` and ``variance_change`` of one
            scratch column without ``detail``).
        consts: The run's calibration constants (a `sim.constants` record).
        detail: Keep every decider's gains and variance changes.

    Returns:
        The number of deciders m.
    """
    return _value_range(mse, terms, out, consts, 0, mse.aware.size, 0, -1 if detail else 0)


@njit(cache=True, parallel=True)
def _value_chunks(mse, terms, out, work, consts, chunk, wave, detail=True):
    """`_value_all` over threads: the same columns, bit for bit, whatever the thread count.

    The rows are cut into fixed chunks of ``chunk`` rows, valued ``wave`` chunks at a time:
    the chunks of a wave run at once on the threads, each writing its deciders into its own
    block of ``chunk`` columns of ``work``; then the blocks are copied, in chunk order, into
    the next columns of ``out``, the places `_value_all` gives them. Every decider's numbers
    are computed by the same code from the same inputs, and nothing is summed across chunks;
    ``out`` is written only in its first m columns, as on one thread.
    """
    n = mse.aware.size
    n_chunks = (n + chunk - 1) // chunk
    counts = np.zeros(wave, np.int64)
    m = 0
    for first in range(0, n_chunks, wave):
        size = min(wave, n_chunks - first)
        for b in prange(size):
            start = (first + b) * chunk
            stop = min(start + chunk, n)
            scratch = np.int64(-1) if detail else np.int64(b)
            counts[b] = _value_range(mse, terms, work, consts, start, stop, b * chunk, scratch)
        for b in range(size):  # in chunk order
            for j in range(counts[b]):
                _copy_column(work, b * chunk + j, out, m + j, detail)
            m += counts[b]
    return m


@njit(cache=True)
def _copy_column(source, column, target, to, detail):
    """Copy column ``column`` of every array of ``source`` to column ``to`` of ``target``."""
    target.rows[to] = source.rows[column]
    target.success[to] = source.success[column]
    target.new_channel[to] = source.new_channel[column]
    for k in range(N_OPTIONS):
        if detail:
            target.gain[k, to] = source.gain[k, column]
            target.variance_change[k, to] = source.variance_change[k, column]
        target.investment[k, to] = source.investment[k, column]
        target.working_capital[k, to] = source.working_capital[k, column]
        target.value[k, to] = source.value[k, column]
        target.feasible[k, to] = source.feasible[k, column]


@njit(cache=True)
def _value_range(mse, terms, out, consts, start, stop, first, scratch):
    """Value the options of rows ``start .. stop - 1``, deciders from column ``first`` on.

    Gains and variance changes go to the decider's column, or with ``scratch >= 0`` to that
    column (overwritten decider by decider).

    Returns:
        The number of deciders among those rows.
    """
    RISK_AVERSION = consts[0].risk_aversion
    STEPPING_STONE_COST_CUT = consts[0].stepping_stone_cost_cut
    SUPPORT_FEE = consts[0].support_fee
    WORKING_LOAN_INTEREST = consts[0].working_loan_interest
    hot = hot_constants(consts)
    aware, upgrades, channels, quality, unit_cost, skill, dependence, distance = (
        mse.aware,
        mse.upgrades,
        mse.channels,
        mse.quality,
        mse.unit_cost,
        mse.skill,
        mse.dependence,
        mse.distance,
    )
    capacity, cash, weight, belief_price, belief_premium, group, active = (
        mse.capacity,
        mse.cash,
        mse.channel_weight,
        mse.belief_price,
        mse.belief_premium,
        mse.group,
        mse.active,
    )
    markup, pass_through, clarity, services, contract_share, social, group_benefit = (
        terms.markup,
        terms.pass_through,
        terms.clarity,
        terms.services,
        terms.contract_share,
        terms.social,
        terms.group_benefit,
    )
    credit_access, working_capital_credit, group_finance = (
        terms.credit_access,
        terms.working_capital_credit,
        terms.group_finance,
    )
    debt = mse.debt
    price, covariance, second_sd = terms.price, terms.covariance, terms.second_sd
    second_level = terms.second_level
    benchmark_cost, competition = terms.benchmark_cost, terms.competition
    support = terms.support
    # With the month's links, each valued MSE's clarity, services and support are worked out
    # here from its own elements (`Context.links`) rather than read from arrays of every MSE.
    links, ict, lead_firm = terms.links, mse.ict, mse.lead_firm
    worked_out = links.size > 0
    embedded, support_lever, own = (
        terms.embedded_services,
        terms.support_services,
        terms.own_clarity,
    )
    transit_risk, brokerage = terms.transit_risk, terms.brokerage
    rows, gain, dvar, investment, working_capital = (
        out.rows,
        out.gain,
        out.variance_change,
        out.investment,
        out.working_capital,
    )
    success, value, feasible, new_channel = (out.success, out.value, out.feasible, out.new_channel)
    m = first
    for i in range(start, stop):
        in_group = group[i] >= 0
        allowed = eligible(
            aware[i],
            upgrades[i],
            stays_in_chain(active[i], upgrades[i]),
            channels[i],
            quality[i],
            skill[i],
            in_group,
            hot,
        )
        if allowed == 0:
            continue
        if worked_out:
            services_i = mse_service(embedded, lead_firm[i], active[i])
            in_chain = stays_in_chain(active[i], upgrades[i])
            support_i = mse_support(support_lever, distance[i], social[i], in_chain, hot)
            linked = lead_firm[i] >= 0 or links[i] == VIA_BROKER
            clarity_i = mse_clarity(own, distance[i], social[i], ict[i], linked, upgrades[i], hot)
        else:
            services_i, support_i, clarity_i = services[i], support[i], clarity[i]
        # The MSE's credit lines, worked out here rather than held for every MSE.
        credit = available_credit(credit_access, in_group, social[i], group_finance, debt[i], hot)
        working_credit = working_credit_line(
            working_capital_credit, in_group, social[i], group_finance, hot
        )
        # And what its group saves it, worked out here too.
        cost_share = member_cost_share(group_benefit[i], in_group, hot)
        input_discount = member_input_discount(group_finance, in_group, hot)
        cap = advance_share(services_i, hot)
        any_feasible = False
        stepping = ((upgrades[i] >> PRODUCT) & 1) | ((upgrades[i] >> FUNCTIONAL) & 1)
        for k in range(N_OPTIONS):
            inv, wc = upgrade_costs(
                k,
                distance[i],
                services_i,
                cost_share,
                input_discount,
                SUPPORT_FEE * support_i,
                hot,
            )
            if k == INTERSECTORAL:
                inv *= 1.0 - STEPPING_STONE_COST_CUT * stepping
            investment[k, m], working_capital[k, m] = inv, wc
            ok = ((allowed >> k) & 1 == 1) & can_finance(
                cash[i], credit, inv, wc, cap * wc, working_credit
            )
            feasible[k, m] = ok
            any_feasible |= ok
        if not any_feasible:
            continue
        rows[m] = i
        new_channel[m] = -1
        col = m if scratch < 0 else scratch

        weights = (weight[0, i], weight[1, i], weight[2, i])
        base = (belief_price[0, i], belief_price[1, i], belief_price[2, i])
        premium = (belief_premium[0, i], belief_premium[1, i], belief_premium[2, i])
        cs = contract_share[i]
        mean, var, margin, volume, risk = income_moments(
            capacity[i],
            unit_cost[i],
            quality[i],
            weights,
            base,
            premium,
            cs,
            covariance,
            benchmark_cost,
            competition,
            hot,
        )
        better = product_quality(quality[i], hot)
        dearer = product_unit_cost(unit_cost[i], hot)

        for k in range(N_OPTIONS):
            if not feasible[k, m]:
                gain[k, col] = dvar[k, col] = 0.0
                value[k, m] = -np.inf
                continue
            if k == PROCESS:
                # Prices and channels unchanged: the margin, the output and the volume sold
                # against competitors change.
                cheaper = process_unit_cost(unit_cost[i], skill[i], hot)
                new_volume = (
                    volume
                    * process_capacity(capacity[i], hot)
                    / capacity[i]
                    * (
                        competitive_sales_share(cheaper, benchmark_cost, competition, hot)
                        / competitive_sales_share(unit_cost[i], benchmark_cost, competition, hot)
                    )
                )
                new_margin = margin + unit_cost[i] - cheaper
                after_mean, after_var = new_volume * new_margin, new_volume**2 * risk
            elif k == PRODUCT:
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i],
                    dearer,
                    better,
                    weights,
                    base,
                    premium,
                    cs,
                    covariance,
                    benchmark_cost,
                    competition,
                    hot,
                )
            elif k == FUNCTIONAL:
                # Selling directly, the MSE keeps what it sees of the buyer's markup and
                # premium rent, and pays its own haulage and marketing instead.
                escaped = 1.0 / max(pass_through[i], 0.05) - 1.0
                direct_base = (
                    base[0]
                    + clarity_i * markup[i] * price[0]
                    - direct_selling_cost(distance[i], social[i], 0, hot),
                    base[1]
                    + clarity_i * markup[i] * price[1]
                    - direct_selling_cost(distance[i], social[i], 1, hot),
                    base[2]
                    + clarity_i * markup[i] * price[2]
                    - direct_selling_cost(distance[i], social[i], 2, hot),
                )
                keeps = 1.0 + clarity_i * escaped
                direct_premium = (premium[0] * keeps, premium[1] * keeps, premium[2] * keeps)
                # Hauling its own goods and cash far, it expects to lose some on the way.
                safe = 1.0 - expected_transit_loss(distance[i], transit_risk, hot)
                direct_base = (direct_base[0] * safe, direct_base[1] * safe, direct_base[2] * safe)
                direct_premium = (
                    direct_premium[0] * safe,
                    direct_premium[1] * safe,
                    direct_premium[2] * safe,
                )
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i],
                    unit_cost[i],
                    quality[i],
                    weights,
                    direct_base,
                    direct_premium,
                    cs,
                    covariance,
                    benchmark_cost,
                    competition,
                    hot,
                )
            elif k == CHANNEL:
                chosen = best_new_channel(channels[i], base, premium, quality[i], hot)
                new_channel[m] = chosen
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i],
                    unit_cost[i],
                    quality[i],
                    diversified_weights(channels[i], chosen),
                    base,
                    premium,
                    cs,
                    covariance,
                    benchmark_cost,
                    competition,
                    hot,
                )
            else:  # INTERSECTORAL: the second chain at its long-run price
                outside = outside_income(skill[i], social[i], upgrades[i], second_level, hot)
                # Leaving the chain also gives up what an MSE broker earns from its
                # neighbours' sales (Pakistan's sales agents live on that take).
                after_mean = outside - brokerage[i]
                after_var = (second_sd * outside) ** 2
            gain[k, col], dvar[k, col] = after_mean - mean, after_var - var

        p = success_chance(skill[i], min(services_i + support_i, 1.0), in_group, hot)
        aversion = RISK_AVERSION * (0.5 + dependence[i])
        success[m] = p
        for k in range(N_OPTIONS):
            if feasible[k, m]:
                inv, wc = investment[k, m], working_capital[k, m]
                from_cash, loan, _, short = split_costs(credit, inv, wc, cap * wc, working_credit)
                value[k, m] = risk_adjusted_value(
                    gain[k, col],
                    dvar[k, col],
                    inv + wc + WORKING_LOAN_INTEREST * short,
                    from_cash,
                    loan,
                    cash[i],
                    p,
                    aversion,
                    var,
                    hot,
                )

        # Product upgrading often pays only through the channel whose standard it meets
        # ("product upgrading may be a requirement for entering a new market channel"): an
        # MSE that knows of channel upgrading also values the plan product-then-channel.
        if feasible[PRODUCT, m] and (aware[i] >> CHANNEL) & 1:
            unlocked = best_new_channel(channels[i], base, premium, better, hot)
            if unlocked >= 0:
                after_mean, after_var, _, _, _ = income_moments(
                    capacity[i],
                    dearer,
                    better,
                    diversified_weights(channels[i], unlocked),
                    base,
                    premium,
                    cs,
                    covariance,
                    benchmark_cost,
                    competition,
                    hot,
                )
                inv = investment[PRODUCT, m] + investment[CHANNEL, m]
                wc = working_capital[PRODUCT, m] + working_capital[CHANNEL, m]
                from_cash, loan, _, short = split_costs(credit, inv, wc, cap * wc, working_credit)
                plan = risk_adjusted_value(
                    after_mean - mean,
                    after_var - var,
                    inv + wc + WORKING_LOAN_INTEREST * short,
                    from_cash,
                    loan,
                    cash[i],
                    p,
                    aversion,
                    var,
                    hot,
                )
                value[PRODUCT, m] = max(value[PRODUCT, m], plan)
        m += 1
    return m - first
