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

import operator
from dataclasses import dataclass, fields
from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange

from sim.channels import best_new_channel, diversified_weights, sold_in_channels
from sim.constants import declare, real, values_bundle, whole
from sim.finance import can_finance, split_costs
from sim.lead_firms import advance_share
from sim.markets import (
    N_CHANNELS,
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
    Population,
    stays_in_chain,
)
from sim.sales import expected_transit_loss
from sim.second_chain import outside_income
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
        "direct_marketing_cost",
        "direct_transport_extra",
        "distance_cost",
        "functional_skill",
        "horizon",
        "interest_burden",
        "liquidity_risk",
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
        "social_marketing_cost",
        "stepping_stone_gain",
        "success_base",
        "success_group",
        "success_skill",
        "transit_loss_hazard",
        "transit_loss_share",
        "working_capital_share",
    ),
    __name__,
)


@dataclass
class Context:
    """What the decision needs besides the population: markets, links and scenario levers.

    The compiled passes take it as `DecisionTerms` (`terms`): the same fields, with
    ``price_volatility`` turned into the covariance of prices and the second chain's risk.

    Attributes:
        benchmark_cost: Unit cost of low-cost competitors (currency per unit).
        competition: Scenario lever in [0, 1].
        price_volatility: Scenario lever in [0, 1].
        second_level: The second chain's long-run price level (1: reference income).
        price: End-market base price by channel this month, (3,) (currency per unit).
        markup: Share of the base price the MSE's buyer keeps, per MSE.
        pass_through: Share of the quality premium reaching the MSE, per MSE.
        clarity: How clearly the MSE perceives premiums and distant markets, in [0, 1].
        services: Embedded-service intensity the MSE receives, in [0, 1].
        contract_share: Share of output sold forward at a guaranteed price, per MSE.
        social: Social barrier holding the MSE back, in [0, 1].
        credit: Investment credit still available to the MSE (currency units).
        cost_share: Share of upgrading costs the MSE saves through its group.
        working_credit: Working-capital loan the MSE can take this month (currency units;
            none if omitted).
        input_discount: Share of working capital saved by joint input purchase in a group
            (none if omitted).
        support: Stand-alone (fee-based) support-service intensity the MSE buys, in [0, 1]
            (none if omitted).
        transit_risk: Scenario lever: risk of losing goods or cash carried to distant buyers.
        brokerage: What the MSE earned this month brokering its neighbours' sales (currency),
            per MSE: an MSE broker gives it up if it leaves the chain (none if omitted).
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

    def terms(self, consts: np.ndarray) -> DecisionTerms:
        """The context as the compiled passes take it (see `DecisionTerms`).

        Built once and kept: the month's valuation and upgrades read the same bundle. It is
        built again when a field has been given another value (or other constants are
        passed), so a changed context is never read through a stale bundle.
        """
        values = _field_values(self)
        cached = self.__dict__.get("_terms")
        if cached is not None and cached[0] is consts and all(map(operator.is_, cached[1], values)):
            return cached[2]
        terms = self._build_terms(consts)
        # Kept outside the dataclass's fields (not in `fields`, so not in `DecisionTerms`).
        self.__dict__["_terms"] = (consts, values, terms)
        return terms

    def _build_terms(self, consts: np.ndarray) -> DecisionTerms:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        volatility = values.pop("price_volatility")
        for name in _NUMBERS:
            values[name] = float(values[name])
        for name, value in values.items():
            if value is None:  # an omitted per-MSE array: zeros
                values[name] = np.zeros_like(self.credit)
        values["price"] = np.asarray(self.price, dtype=float)
        return DecisionTerms(
            **values,
            covariance=price_covariance(volatility, consts=consts),
            second_sd=float(second_chain_sd(volatility, consts=consts)),
        )


# The values of `Context`'s fields, as a tuple (what `Context.terms` keeps its bundle for).
_field_values = operator.attrgetter(*(f.name for f in fields(Context)))

# `Context`'s numbers, passed to the compiled passes as floats.
_NUMBERS = ("benchmark_cost", "competition", "second_level", "transit_risk")

# `Context`'s fields as one argument numba accepts, built from them so the two lists cannot
# differ; the price volatility comes as what the passes use of it.
DecisionTerms = NamedTuple(
    "DecisionTerms",
    [
        *(
            (f.name, np.ndarray if f.name not in _NUMBERS else float)
            for f in fields(Context)
            if f.name != "price_volatility"
        ),
        ("covariance", np.ndarray),
        ("second_sd", float),
    ],
)
DecisionTerms.__doc__ = """Markets, links and levers as one argument of the decision passes.

The fields are :class:`Context`'s (see its attributes; omitted arrays are zeros), except
``price_volatility``, replaced by ``covariance`` (of relative price deviations between
channels, (3, 3)) and ``second_sd`` (long-run relative price risk of the second chain).
"""


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


@dataclass
class Options:
    """Options valued for the MSEs that weigh any this month (arrays of shape (5, m)).

    Attributes:
        rows: Population rows of the deciders (m of them).
        gain: Change in believed mean monthly income (0 where infeasible; None if valued
            without ``detail``, `value_options`).
        variance_change: Change in believed variance of monthly income (0 where infeasible;
            None if valued without ``detail``).
        investment: Long-term investment cost.
        working_capital: Working-capital cost.
        success: Chance of success.
        value: Risk-adjusted value over the horizon (-inf where infeasible).
        feasible: Known, allowed and affordable.
        new_channel: Channel a channel upgrade would enter, per decider, or -1.
    """

    rows: np.ndarray
    gain: np.ndarray | None
    variance_change: np.ndarray | None
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
        for name in ("gain", "variance_change"):
            if arrays[name] is None:  # valued without detail: no columns
                arrays[name] = np.empty((N_OPTIONS, 0))
        return OptionValues(**arrays)


# The same arrays as :class:`Options`, as one argument numba accepts. Built from Options'
# fields, so the two lists can never differ.
OptionValues = NamedTuple("OptionValues", [(f.name, np.ndarray) for f in fields(Options)])


OptionValues.__doc__ = """Options valued for the deciders, as one argument of the compiled passes.

The fields are :class:`Options`' (see its attributes), except that ``success`` holds one value
per decider. Column ``j`` of each (5, m) array and element ``j`` of each (m,) array is the
j-th decider; `_value_all` writes them, `_apply` reads them.
"""


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
    # Without detail, gains and variance changes go to a scratch column.
    out = _option_values(n, n if detail else 1)
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


def _rows_repeated(x: np.ndarray, m: int) -> np.ndarray:
    """``x[:m]`` as every row of a read-only (N_OPTIONS, m) view.

    The view ``np.broadcast_to`` makes, without its checks (a few microseconds a month).
    """
    view: np.ndarray = np.ndarray((N_OPTIONS, m), x.dtype, x, 0, (0, x.strides[0]))
    view.flags.writeable = False
    return view


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


def _option_values(columns: int, detail_columns: int) -> OptionValues:
    """Empty `OptionValues` of ``columns`` columns (gains and variances: ``detail_columns``)."""
    return OptionValues(
        rows=np.empty(columns, dtype=np.int64),
        gain=np.empty((N_OPTIONS, detail_columns)),
        variance_change=np.empty((N_OPTIONS, detail_columns)),
        investment=np.empty((N_OPTIONS, columns)),
        working_capital=np.empty((N_OPTIONS, columns)),
        success=np.empty(columns),
        value=np.empty((N_OPTIONS, columns)),
        feasible=np.empty((N_OPTIONS, columns), dtype=bool),
        new_channel=np.empty(columns, dtype=np.int64),
    )


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
    markup, pass_through, clarity, services, contract_share, social, credit, cost_share = (
        terms.markup,
        terms.pass_through,
        terms.clarity,
        terms.services,
        terms.contract_share,
        terms.social,
        terms.credit,
        terms.cost_share,
    )
    price, covariance, second_sd = terms.price, terms.covariance, terms.second_sd
    second_level = terms.second_level
    benchmark_cost, competition = terms.benchmark_cost, terms.competition
    working_credit, input_discount, support = (
        terms.working_credit,
        terms.input_discount,
        terms.support,
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
        cap = advance_share(services[i], hot)
        any_feasible = False
        stepping = ((upgrades[i] >> PRODUCT) & 1) | ((upgrades[i] >> FUNCTIONAL) & 1)
        for k in range(N_OPTIONS):
            inv, wc = upgrade_costs(
                k,
                distance[i],
                services[i],
                cost_share[i],
                input_discount[i],
                SUPPORT_FEE * support[i],
                hot,
            )
            if k == INTERSECTORAL:
                inv *= 1.0 - STEPPING_STONE_COST_CUT * stepping
            investment[k, m], working_capital[k, m] = inv, wc
            ok = ((allowed >> k) & 1 == 1) & can_finance(
                cash[i], credit[i], inv, wc, cap * wc, working_credit[i]
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
                    + clarity[i] * markup[i] * price[0]
                    - direct_selling_cost(distance[i], social[i], 0, hot),
                    base[1]
                    + clarity[i] * markup[i] * price[1]
                    - direct_selling_cost(distance[i], social[i], 1, hot),
                    base[2]
                    + clarity[i] * markup[i] * price[2]
                    - direct_selling_cost(distance[i], social[i], 2, hot),
                )
                keeps = 1.0 + clarity[i] * escaped
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

        p = success_chance(skill[i], min(services[i] + support[i], 1.0), in_group, hot)
        aversion = RISK_AVERSION * (0.5 + dependence[i])
        success[m] = p
        for k in range(N_OPTIONS):
            if feasible[k, m]:
                inv, wc = investment[k, m], working_capital[k, m]
                from_cash, loan, _, short = split_costs(
                    credit[i], inv, wc, cap * wc, working_credit[i]
                )
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
                from_cash, loan, _, short = split_costs(
                    credit[i], inv, wc, cap * wc, working_credit[i]
                )
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
