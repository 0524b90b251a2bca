"""Model reporters: one small function per metric, each taking the model.

These are the `DataCollector` model reporters and the columns of :func:`sim.run`'s
DataFrame; the names are a fixed contract. Upgrading shares are cumulative and use every MSE
ever created as the denominator, so they never fall when MSEs exit; income, distress and
link metrics describe the MSEs active now.

The masks several metrics share (active, in the chain, in a group, upgrade counts) are
computed once per step by :func:`status`; the sums of the metrics measured as the case
sources measured them (export share of output, farmgate share, practices, sales agents,
income per original MSE) once per step by :func:`outcomes`. :class:`MetricsCollector` takes
a month's row of the default metrics from :func:`row`: those two passes and a few sums, the
same values bit for bit as calling each reporter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from mesa import DataCollector
from numba import njit

from sim.detmath import sum_in_order
from sim.links import VIA_BROKER, VIA_LEAD_FIRM
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INCOME_MEMORY,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
)
from sim.second_chain import outside_income
from sim.threads import sort_in_place

#: The coefficient of variation of income uses at least this mean, so that an MSE whose
#: income averages near zero does not make the metric explode.
MIN_MEAN_INCOME_FOR_CV = 5.0


@dataclass(frozen=True)
class Status:
    """Counts and sums shared by the metrics, for one step (one pass over the MSEs)."""

    step: int
    n: int
    n_active: int
    n_in_chain: int
    adopters: np.ndarray  # MSEs that made each upgrade, (5,)
    n_upgraded: int
    n_excluded: int
    n_upgraded_excluded: int
    n_members: int
    n_groups: int
    n_distressed: int
    n_linked: int
    n_members_informed: int
    income: float  # summed over active MSEs
    income_cv: float  # summed over active MSEs
    quality: float  # summed over in-chain MSEs
    unit_cost: float  # summed over in-chain MSEs


def status(model) -> Status:
    """The shared counts and sums for the model's current step (computed once per step)."""
    cached = getattr(model, "_metrics_status", None)
    if cached is not None and cached.step == model.steps and cached.n == model.population.n:
        return cached
    pop = model.population
    counts, sums, _ = _census(pop.state, _income_months(model), _NO_INCOMES)
    return _cache_status(model, counts, sums)


def _income_months(model) -> int:
    """The months of income the census's volatility reads (at most `INCOME_MEMORY`)."""
    return min(int(model.steps), INCOME_MEMORY)


#: The incomes buffer of a census that does not collect them (see :func:`_census`).
_NO_INCOMES = np.empty(0)


def _cache_status(model, counts: np.ndarray, sums: np.ndarray) -> Status:
    """The :class:`Status` of a census's counts and sums, cached for the model's step."""
    pop = model.population
    # One conversion to Python numbers for all (indexing numpy makes a scalar each time).
    c, sums = counts.tolist(), sums.tolist()
    n_active, n_in_chain, n_upgraded, n_excluded = c[:4]
    upgraded_excluded, members, groups, distressed, linked, informed = c[4 + N_OPTIONS :]
    result = Status(
        step=model.steps,
        n=pop.n,
        n_active=n_active,
        n_in_chain=n_in_chain,
        adopters=counts[4 : 4 + N_OPTIONS],
        n_upgraded=n_upgraded,
        n_excluded=n_excluded,
        n_upgraded_excluded=upgraded_excluded,
        n_members=members,
        n_groups=groups,
        n_distressed=distressed,
        n_linked=linked,
        n_members_informed=informed,
        income=sums[0],
        income_cv=sums[1],
        quality=sums[2],
        unit_cost=sums[3],
    )
    model._metrics_status = result
    return result


def forget_status(model) -> None:
    """Drop the step's cached counts, so the next metric recounts a state changed in between."""
    model._metrics_status = None
    model._metrics_outcomes = None


@njit(cache=True)
def _census(mse, months, incomes):
    """Counts and sums over all MSEs (``mse`` is an `MseState`), incomes over ``months``.

    With an ``incomes`` buffer of one slot per MSE, the pass also writes the active MSEs'
    incomes into it as :func:`_active_incomes` does, and returns the filled part as well.
    """
    active, upgrades, excluded, group = mse.active, mse.upgrades, mse.excluded, mse.group
    cash, lead_firm, income, ict = mse.cash, mse.lead_firm, mse.income, mse.ict
    collect = incomes.size == active.size
    n_incomes = 0
    income_sum, income_sumsq, quality, unit_cost = (
        mse.income_sum,
        mse.income_sumsq,
        mse.quality,
        mse.unit_cost,
    )
    adopters = np.zeros(N_OPTIONS, np.int64)
    seen = np.zeros(group.max() + 2, np.bool_)
    # Running totals in locals rather than array slots, so they stay in registers.
    n_active = n_in_chain = n_upgraded = n_excluded = upgraded_excluded = 0
    members = groups = distressed = linked = informed = 0
    income_total = cv_total = quality_total = unit_cost_total = 0.0
    # Arithmetic rather than branches where a branch would be a coin toss for the CPU:
    # adding zero leaves a total exactly as it was.
    for i in range(active.size):
        upgraded = upgrades[i] != 0
        n_excluded += excluded[i]
        n_upgraded += upgraded
        upgraded_excluded += upgraded and excluded[i]
        for k in range(N_OPTIONS):
            adopters[k] += (upgrades[i] >> k) & 1
        here = active[i]
        n_active += here
        if collect and here:
            incomes[n_incomes] = income[i] if income[i] > 0.0 else 0.0
            n_incomes += 1
        distressed += here and cash[i] < 0.0
        income_total += income[i] * here
        if months >= 2:
            mean = income_sum[i] / months
            var = max(income_sumsq[i] / months - mean * mean, 0.0)
            cv_total += math.sqrt(var) / max(abs(mean), MIN_MEAN_INCOME_FOR_CV) * here
        in_chain = here and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        n_in_chain += in_chain
        quality_total += quality[i] * in_chain
        unit_cost_total += unit_cost[i] * in_chain
        linked += in_chain and lead_firm[i] >= 0
        if in_chain and group[i] >= 0:
            members += 1
            # A direct view of end-market prices (`share_members_informed`).
            informed += ict[i] or lead_firm[i] >= 0 or (upgrades[i] >> FUNCTIONAL) & 1 == 1
            if not seen[group[i]]:
                seen[group[i]] = True
                groups += 1
    counts = np.array(
        [
            n_active,
            n_in_chain,
            n_upgraded,
            n_excluded,
            adopters[0],
            adopters[1],
            adopters[2],
            adopters[3],
            adopters[4],
            upgraded_excluded,
            members,
            groups,
            distressed,
            linked,
            informed,
        ]
    )
    sums = np.array([income_total, cv_total, quality_total, unit_cost_total])
    return counts, sums, incomes[:n_incomes]


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else 0.0


def step(model) -> int:
    """Months elapsed."""
    return int(model.steps)


def share_process(model) -> float:
    """Cumulative share of MSEs that have made a process upgrade."""
    s = status(model)
    return _ratio(s.adopters[PROCESS], s.n)


def share_product(model) -> float:
    """Cumulative share of MSEs that have made a product upgrade."""
    s = status(model)
    return _ratio(s.adopters[PRODUCT], s.n)


def share_functional(model) -> float:
    """Cumulative share of MSEs that have made a functional upgrade."""
    s = status(model)
    return _ratio(s.adopters[FUNCTIONAL], s.n)


def share_channel(model) -> float:
    """Cumulative share of MSEs that have entered a new end-market channel."""
    s = status(model)
    return _ratio(s.adopters[CHANNEL], s.n)


def share_intersectoral(model) -> float:
    """Cumulative share of MSEs that have moved to another value chain."""
    s = status(model)
    return _ratio(s.adopters[INTERSECTORAL], s.n)


def share_upgraded(model) -> float:
    """Cumulative share of MSEs that have made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded, s.n)


def share_upgraded_excluded(model) -> float:
    """Cumulative share of the excluded group that has made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded_excluded, s.n_excluded)


def share_upgraded_included(model) -> float:
    """Cumulative share of the included group that has made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded - s.n_upgraded_excluded, s.n - s.n_excluded)


def mean_income(model) -> float:
    """Mean monthly income of active MSEs (inside or outside the chain)."""
    s = status(model)
    return _ratio(s.income, s.n_active)


def income_volatility(model) -> float:
    """Mean over active MSEs of the coefficient of variation of income, last 12 months."""
    s = status(model)  # zero in the first two months: no variation to measure yet
    return _ratio(s.income_cv, s.n_active)


def share_in_distress(model) -> float:
    """Share of active MSEs with negative cash (owing for their living and inputs)."""
    s = status(model)
    return _ratio(s.n_distressed, s.n_active)


def premium_share_mse(model) -> float:
    """Share of this month's end-market quality premium that reached MSEs."""
    sales = model.last_sales
    if sales is None or sales.premium_paid <= 0.0:
        return 0.0
    return float(sales.premium_to_mse / sales.premium_paid)


def share_in_groups(model) -> float:
    """Share of active in-chain MSEs that belong to a producer group."""
    s = status(model)
    return _ratio(s.n_members, s.n_in_chain)


def n_groups(model) -> int:
    """Number of producer groups with active members."""
    return status(model).n_groups


def mean_group_size(model) -> float:
    """Mean number of active members per producer group."""
    s = status(model)
    return _ratio(s.n_members, s.n_groups)


def share_linked_lead_firm(model) -> float:
    """Share of active in-chain MSEs supplying a lead firm."""
    s = status(model)
    return _ratio(s.n_linked, s.n_in_chain)


def mean_quality(model) -> float:
    """Mean product quality of active in-chain MSEs."""
    s = status(model)
    return _ratio(s.quality, s.n_in_chain)


def mean_unit_cost(model) -> float:
    """Mean unit production cost of active in-chain MSEs."""
    s = status(model)
    return _ratio(s.unit_cost, s.n_in_chain)


def n_active(model) -> int:
    """Number of MSEs still operating."""
    return status(model).n_active


def gini_income(model) -> float:
    """Gini coefficient of active MSEs' monthly income (losses counted as zero)."""
    if not status(model).n_active:
        return 0.0
    x = _active_incomes(model.population.income, model.population.active)
    # numpy's sort (SIMD, several times faster than a compiled one): the sorted order of
    # values without nan or -0.0 is unique, so any algorithm on any CPU gives the same array
    # (on the model's threads, halves sorted at once and merged: `sim.threads`).
    sort_in_place(x, getattr(model, "threads", 1))
    return float(_gini_of_sorted(x))


@njit(cache=True)
def _active_incomes(income, active):
    """The active MSEs' incomes, losses as +0.0 (never -0.0, which would sort either way)."""
    x = np.empty(active.size)
    n = 0
    for i in range(active.size):
        if active[i]:
            x[n] = income[i] if income[i] > 0.0 else 0.0
            n += 1
    return x[:n].copy()


@njit(cache=True)
def _gini_of_sorted(x):
    """The Gini coefficient of ascending values, summed in a fixed order.

    Not a BLAS dot product: BLAS adds in an order that depends on the CPU's kernels.
    """
    n = x.size
    total = weighted = 0.0
    for i in range(n):
        total += x[i]
        weighted += (2.0 * (i + 1) - n - 1) * x[i]
    return weighted / (n * total) if total > 0.0 else 0.0


def share_in_second_chain(model) -> float:
    """Share of active MSEs that now produce in the second value chain (intersectoral)."""
    s = status(model)
    return _ratio(s.n_active - s.n_in_chain, s.n_active)


def _sales_share(model, channel: int) -> float:
    sales = model.last_sales
    if sales is None:
        return 0.0
    return _ratio(sales.channel_units[channel], sum_in_order(sales.channel_units))


def share_sales_domestic(model) -> float:
    """Share of this month's units sold in the domestic channel (unit-weighted)."""
    return _sales_share(model, 0)


def share_sales_export(model) -> float:
    """Share of this month's units sold in the export channel (unit-weighted)."""
    return _sales_share(model, 1)


def share_sales_specialty(model) -> float:
    """Share of this month's units sold in the specialty channel (unit-weighted)."""
    return _sales_share(model, 2)


def n_traders_active(model) -> int:
    """Number of intermediaries (traders) still operating."""
    return int(model.traders.active.sum())


def share_sold_via_brokers(model) -> float:
    """Share of this month's units sold that went through MSE brokers."""
    sales = model.last_sales
    total = sum_in_order(sales.units) if sales is not None else 0.0
    return _ratio(sales.via_brokers, total) if total > 0 else 0.0


# -- outcomes as the case sources measured them (docs/validation.md) -------------------------

#: Slots of the sums :func:`_outcome_sums` returns, by name.
_OUTCOME_SLOTS = (
    "output",
    "output_exported",
    "output_lead_firms",
    "output_product",
    "units_sold",
    "received",
    "paid",
    "received_export",
    "paid_export",
    "received_groups",
    "paid_groups",
    "n_in_chain",
    "n_product",
    "n_process",
    "n_via_agents",
    "n_agents",
    "cohort_income",
    "n_ever_linked",
    "n_dropped",
)
_N_OUTCOMES = len(_OUTCOME_SLOTS)


@dataclass(frozen=True)
class Outcomes:
    """One step's sums behind the metrics measured as the case sources measured them.

    Quantities in units are this month's; money in currency units. Computed once per step by
    :func:`outcomes` (one pass over the MSEs).
    """

    step: int
    n: int
    cohort: int  # MSEs at the start (the original cohort)
    output: float  # units produced by MSEs in the chain
    output_exported: float  # units sold in the export and specialty channels
    output_lead_firms: float  # units sold to lead firms
    output_product: float  # units produced by MSEs with an upgraded product
    units_sold: float
    received: float  # what producers received for their own units (net of transport)
    paid: float  # what end-market buyers paid for those units
    received_export: float  # the same, export and specialty channels only
    paid_export: float
    received_groups: float  # the same, producer-group members only
    paid_groups: float
    n_in_chain: int
    n_product: int  # in-chain MSEs whose product is upgraded
    n_process: int  # in-chain MSEs whose process is upgraded
    n_via_agents: int  # original MSEs that sold through an MSE broker this month
    n_agents: int  # MSE brokers (sales agents) that bought from a neighbour this month
    cohort_income: float  # income of the original MSEs, exits at their outside income
    n_ever_linked: int  # MSEs that have ever supplied a lead firm
    n_dropped: int  # of those, the ones not supplying a lead firm now


#: Which slots of :data:`_OUTCOME_SLOTS` are counts (whole numbers, as ``int``).
_COUNT_SLOTS = tuple(name.startswith("n_") for name in _OUTCOME_SLOTS)
assert tuple(f.name for f in fields(Outcomes))[3:] == _OUTCOME_SLOTS


def outcomes(model) -> Outcomes:
    """The sums of this step's source-measured metrics (computed once per step)."""
    cached = getattr(model, "_metrics_outcomes", None)
    if cached is not None and cached.step == model.steps and cached.n == model.population.n:
        return cached
    pop, sales, markets = model.population, model.last_sales, model.markets
    cohort = int(getattr(model, "cohort_size", pop.n))
    # The few state arrays as arguments: a 28-array bundle costs more to pass than the pass.
    sums = _outcome_sums(
        pop.active,
        pop.upgrades,
        pop.group,
        pop.quality,
        pop.income,
        pop.skill,
        pop.lead_firm,
        model.links,
        model.brokers,
        sales.units,
        sales.produced,
        sales.base,
        sales.premium_rate,
        markets.price,
        markets.premium,
        model.ever_linked,
        cohort,
        model.social,
        markets.second_price,
        model.constants,
    )
    values = [
        round(v) if count else v for count, v in zip(_COUNT_SLOTS, sums.tolist(), strict=True)
    ]
    result = Outcomes(model.steps, pop.n, cohort, *values)  # the slots are its fields, in order
    model._metrics_outcomes = result
    return result


@njit(cache=True)
def _outcome_sums(
    active,
    upgrades,
    group,
    quality,
    income,
    skill,
    lead_firm,
    links,
    brokers,
    units,
    produced,
    base,
    premium_rate,
    spot,
    premium,
    ever_linked,
    cohort,
    social,
    second_price,
    consts,
):
    """One pass over the MSEs: the sums of :data:`_OUTCOME_SLOTS`, in that order."""
    out = np.zeros(_N_OUTCOMES)
    n = active.size
    agent = np.zeros(n, np.bool_)
    for i in range(n):
        in_chain = active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        product = (upgrades[i] >> PRODUCT) & 1 == 1
        q = quality[i]
        sold = units[0, i] + units[1, i] + units[2, i]
        out[0] += produced[i]
        out[1] += units[1, i] + units[2, i]
        out[2] += sold * (links[i] == VIA_LEAD_FIRM)
        out[3] += produced[i] * product
        out[4] += sold
        for c in range(3):
            received = units[c, i] * (base[c, i] + premium_rate[c, i] * q)
            paid = units[c, i] * spot[c] * (1.0 + premium[c] * q)
            out[5] += received
            out[6] += paid
            if c > 0:
                out[7] += received
                out[8] += paid
            if group[i] >= 0:
                out[9] += received
                out[10] += paid
        out[11] += in_chain
        out[12] += in_chain and product
        out[13] += in_chain and (upgrades[i] >> PROCESS) & 1 == 1
        via_agent = links[i] == VIA_BROKER and sold > 0.0 and brokers[i] >= 0
        out[14] += via_agent and i < cohort
        if via_agent:
            agent[brokers[i]] = True
        if i < cohort:
            # Intention to treat: an MSE that closed earns what its owner earns outside.
            out[16] += (
                income[i]
                if active[i]
                else outside_income(skill[i], social[i], upgrades[i], second_price, consts)
            )
        linked_now = in_chain and lead_firm[i] >= 0
        out[17] += ever_linked[i]
        out[18] += ever_linked[i] and not linked_now
    for b in range(n):  # a count, in index order like every reduction here
        out[15] += agent[b]
    return out


def export_share_output(model) -> float:
    """Share of this month's output (units produced in the chain) sold in export markets.

    Export markets are the export and specialty channels: both are distant buyers paying the
    export premium. Units produced but lost to cancelled export orders stay in the
    denominator. As the case sources report it ("of the total production, 20-25% is
    exported"); 0 in a month with no output.
    """
    o = outcomes(model)
    return _ratio(o.output_exported, o.output)


def lead_firm_share_output(model) -> float:
    """Share of this month's output sold to lead firms (exporters, supermarkets, processors).

    The sources' "formal (supermarket) channel's share of the market"; 0 with no output.
    """
    o = outcomes(model)
    return _ratio(o.output_lead_firms, o.output)


def share_output_product(model) -> float:
    """Share of this month's output made by MSEs with an upgraded product.

    The sources' share of production of an upgraded kind (export varieties of avocado,
    ecological coffee); 0 with no output.
    """
    o = outcomes(model)
    return _ratio(o.output_product, o.output)


def farmgate_share(model) -> float:
    """Share of what end-market buyers paid this month that reached the producers.

    Producers' proceeds (net of the buyer's markup and premium rent, transport, handling and
    marketing; a broker's take from neighbours excluded) over end-market payments for the
    same units. The model has no freight abroad or export tax, so for a chain whose output is
    all exported (cocoa) this is the farmgate share of the f.o.b. price. 0 with no sales.
    """
    o = outcomes(model)
    return _ratio(o.received, o.paid)


def farmgate_share_export(model) -> float:
    """:func:`farmgate_share` over export and specialty sales only (0 with none)."""
    o = outcomes(model)
    return _ratio(o.received_export, o.paid_export)


def farmgate_share_groups(model) -> float:
    """:func:`farmgate_share` over the sales of producer-group members (at the month's end).

    The sources' farmgate share for organised farmers selling collectively; 0 with none.
    """
    o = outcomes(model)
    return _ratio(o.received_groups, o.paid_groups)


def mean_price_received(model) -> float:
    """What producers received per unit sold this month (currency units a unit).

    Their own proceeds (as in :func:`farmgate_share`) over units sold; 0 with no sales.
    """
    o = outcomes(model)
    return _ratio(o.received, o.units_sold)


def share_practising_product(model) -> float:
    """Share of active in-chain MSEs whose product is upgraded now.

    A named practice where the sources count producers doing it: fermenting cocoa beans
    (Indonesia), ecological or organic coffee (Mexico). Unlike :func:`share_product`
    (cumulative, over every MSE ever created) it counts only producers still in the chain.
    """
    o = outcomes(model)
    return _ratio(o.n_product, o.n_in_chain)


def share_practising_process(model) -> float:
    """Share of active in-chain MSEs whose process is upgraded now (e.g. drip irrigation)."""
    o = outcomes(model)
    return _ratio(o.n_process, o.n_in_chain)


def n_agents_active(model) -> int:
    """Number of MSE brokers (sales agents) that sold a neighbour's output this month."""
    return outcomes(model).n_agents


def share_selling_via_agents(model) -> float:
    """Share of the original MSEs that sold through an MSE broker (sales agent) this month.

    Pakistan's "10,000 embroiderers (6,000 active per month)": the producers a project
    reached are the MSEs at the start, and those that left or closed stay in the denominator.
    """
    o = outcomes(model)
    return _ratio(o.n_via_agents, o.cohort)


def mean_income_cohort(model) -> float:
    """Mean monthly income per original MSE, exits counted at their outside income.

    The intention-to-treat mean: every MSE present at the start counts, whether it still
    operates (its income, in or outside the chain), moved to the second chain (its income
    there) or closed (what its owner earns outside: `sim.second_chain.outside_income`).
    :func:`mean_income` is the survivors' mean. MSEs that enter later are not in it.
    """
    o = outcomes(model)
    return _ratio(o.cohort_income, o.cohort)


def share_linked_dropped(model) -> float:
    """Of the MSEs that ever supplied a lead firm, the share that no longer do.

    They dropped the link, moved to another chain or closed: the sources' dropout from
    export production. 0 while no MSE has supplied a lead firm.
    """
    o = outcomes(model)
    return _ratio(o.n_dropped, o.n_ever_linked)


def share_members_informed(model) -> float:
    """Share of producer-group members in the chain with a direct view of end-market prices.

    A direct view is what :mod:`sim.signals` treats as one: ICT access, a lead-firm link, or
    selling directly (the functional upgrade). Everyone else hears prices only through its
    buyer, its group and its neighbours. The population is the members, as where an
    association's supporters count "the farmers we support" without price information
    (Mozambique); 0 with no members.
    """
    pop = model.population
    members = pop.active & ((pop.upgrades >> INTERSECTORAL) & 1 == 0) & (pop.group >= 0)
    direct = pop.ict | (pop.lead_firm >= 0) | ((pop.upgrades >> FUNCTIONAL) & 1 == 1)
    return _ratio(int((members & direct).sum()), int(members.sum()))


def share_side_selling(model) -> float:
    """Of the suppliers under a forward contract this month, the share that side-sold.

    They sold the month's output to a trader because the spot price beat the contract price
    by more than their expected loss of the relationship (`sim.lead_firms.side_selling`).
    """
    books = model.firm_books
    return _ratio(float(books.side_sold.sum()), float(books.contracted.sum()))


def lead_firm_profit(model) -> float:
    """Lead firms' profit this month, summed: kept margins and contract gains less services."""
    return sum_in_order(model.firm_books.profit)


#: Metric name -> reporter, in column order. The names are a fixed contract.
REPORTERS: dict[str, Callable] = {
    f.__name__: f
    for f in (
        step,
        share_process,
        share_product,
        share_functional,
        share_channel,
        share_intersectoral,
        share_upgraded,
        share_upgraded_excluded,
        share_upgraded_included,
        mean_income,
        income_volatility,
        share_in_distress,
        premium_share_mse,
        share_in_groups,
        n_groups,
        mean_group_size,
        share_linked_lead_firm,
        mean_quality,
        mean_unit_cost,
        n_active,
        gini_income,
        n_traders_active,
        share_sold_via_brokers,
        share_in_second_chain,
        share_sales_domestic,
        share_sales_export,
        share_sales_specialty,
        export_share_output,
        lead_firm_share_output,
        share_output_product,
        farmgate_share,
        farmgate_share_export,
        farmgate_share_groups,
        mean_price_received,
        share_practising_product,
        share_practising_process,
        n_agents_active,
        share_selling_via_agents,
        mean_income_cohort,
        share_linked_dropped,
        share_members_informed,
        share_side_selling,
        lead_firm_profit,
    )
}
#: Every metric a run reports, in the order of the result's columns.
METRICS: tuple[str, ...] = tuple(REPORTERS)


def row(model) -> tuple:
    """Every metric of :data:`REPORTERS` for the model's current step, in column order.

    The same values as calling each reporter, bit for bit, from one census pass (which also
    gathers the incomes of the Gini coefficient and counts the informed members) and one
    outcome pass, without a function call and a cache lookup per metric: what
    :class:`MetricsCollector` collects each month.
    """
    pop = model.population
    buffer = np.empty(pop.n)
    cached = getattr(model, "_metrics_status", None)
    if cached is not None and cached.step == model.steps and cached.n == pop.n:
        s = cached
        incomes = _active_incomes(pop.income, pop.active) if s.n_active else buffer[:0]
    else:
        counts, sums, incomes = _census(pop.state, _income_months(model), buffer)
        s = _cache_status(model, counts, sums)
    o = outcomes(model)
    n, adopters, n_active, n_in_chain = s.n, s.adopters, s.n_active, s.n_in_chain
    if n_active:
        sort_in_place(incomes, getattr(model, "threads", 1))
        gini = float(_gini_of_sorted(incomes))
    else:
        gini = 0.0
    sales, books = model.last_sales, model.firm_books
    if sales is None:
        premium = via_brokers = domestic = export = specialty = 0.0
    else:
        premium = (
            float(sales.premium_to_mse / sales.premium_paid) if sales.premium_paid > 0.0 else 0.0
        )
        total = sum_in_order(sales.units)
        via_brokers = _ratio(sales.via_brokers, total) if total > 0 else 0.0
        channel_units = sales.channel_units
        sold = sum_in_order(channel_units)
        domestic = _ratio(channel_units[0], sold)
        export = _ratio(channel_units[1], sold)
        specialty = _ratio(channel_units[2], sold)
    return (
        int(model.steps),
        _ratio(adopters[PROCESS], n),
        _ratio(adopters[PRODUCT], n),
        _ratio(adopters[FUNCTIONAL], n),
        _ratio(adopters[CHANNEL], n),
        _ratio(adopters[INTERSECTORAL], n),
        _ratio(s.n_upgraded, n),
        _ratio(s.n_upgraded_excluded, s.n_excluded),
        _ratio(s.n_upgraded - s.n_upgraded_excluded, n - s.n_excluded),
        _ratio(s.income, n_active),
        _ratio(s.income_cv, n_active),
        _ratio(s.n_distressed, n_active),
        premium,
        _ratio(s.n_members, n_in_chain),
        s.n_groups,
        _ratio(s.n_members, s.n_groups),
        _ratio(s.n_linked, n_in_chain),
        _ratio(s.quality, n_in_chain),
        _ratio(s.unit_cost, n_in_chain),
        n_active,
        gini,
        sum(model.traders.active.tolist()),  # counts: exact in any order
        via_brokers,
        _ratio(n_active - n_in_chain, n_active),
        domestic,
        export,
        specialty,
        _ratio(o.output_exported, o.output),
        _ratio(o.output_lead_firms, o.output),
        _ratio(o.output_product, o.output),
        _ratio(o.received, o.paid),
        _ratio(o.received_export, o.paid_export),
        _ratio(o.received_groups, o.paid_groups),
        _ratio(o.received, o.units_sold),
        _ratio(o.n_product, o.n_in_chain),
        _ratio(o.n_process, o.n_in_chain),
        o.n_agents,
        _ratio(o.n_via_agents, o.cohort),
        _ratio(o.cohort_income, o.cohort),
        _ratio(o.n_dropped, o.n_ever_linked),
        _ratio(s.n_members_informed, s.n_members),
        _ratio(float(sum(books.side_sold.tolist())), float(sum(books.contracted.tolist()))),
        sum_in_order(books.profit),
    )


#: The reporters whose values :func:`row` computes, in its order.
_ROW_REPORTERS = tuple(REPORTERS.values())

#: Metrics shown by `mse-sim run`'s summary table.
SUMMARY_METRICS: tuple[str, ...] = (
    "share_process",
    "share_product",
    "share_functional",
    "share_channel",
    "share_intersectoral",
    "share_upgraded",
    "mean_income",
    "income_volatility",
    "share_in_distress",
    "premium_share_mse",
    "share_in_groups",
    "share_linked_lead_firm",
)


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is read: the one description the report, the app and the plots share.

    Attributes:
        label: Plain words, lower case, that fit in a sentence ("process upgrading").
        unit: Unit of the value ("share of MSEs", "currency units a month", "groups").
        kind: ``share`` (a fraction, shown in percent, effects in percentage points) or
            ``level`` (effects in percent of the baseline value).
    """

    label: str
    unit: str
    kind: str

    @property
    def title(self) -> str:
        """The label with a capital first letter, for chart titles and legends."""
        return self.label[0].upper() + self.label[1:]


#: Every reported metric (and the derived ones in :data:`DERIVED`), in plain words. The
#: currency unit buys one unit of domestic product at the initial price (docs/ODD.md).
METRIC_INFO: dict[str, MetricInfo] = {
    "step": MetricInfo("month", "months", "level"),
    "share_process": MetricInfo("process upgrading", "share of the MSEs at the start", "share"),
    "share_product": MetricInfo("product upgrading", "share of the MSEs at the start", "share"),
    "share_functional": MetricInfo(
        "functional upgrading", "share of the MSEs at the start", "share"
    ),
    "share_channel": MetricInfo("channel upgrading", "share of the MSEs at the start", "share"),
    "share_intersectoral": MetricInfo(
        "intersectoral upgrading", "share of the MSEs at the start", "share"
    ),
    "share_upgraded": MetricInfo(
        "upgrading of any kind", "share of the MSEs at the start", "share"
    ),
    "share_upgraded_excluded": MetricInfo(
        "upgrading in the excluded group", "share of excluded MSEs", "share"
    ),
    "share_upgraded_included": MetricInfo(
        "upgrading in the included group", "share of included MSEs", "share"
    ),
    "upgrading_gap": MetricInfo(
        "the upgrading gap between included and excluded MSEs", "percentage points", "share"
    ),
    "mean_income": MetricInfo("mean income", "currency units a month", "level"),
    "income_volatility": MetricInfo("income volatility", "coefficient of variation", "level"),
    "share_in_distress": MetricInfo(
        "the share of MSEs in distress", "share of active MSEs", "share"
    ),
    "premium_share_mse": MetricInfo(
        "MSEs' share of the quality premium", "share of the premium", "share"
    ),
    "share_in_groups": MetricInfo(
        "membership of producer groups", "share of MSEs still in the chain", "share"
    ),
    "n_groups": MetricInfo("the number of groups", "groups", "level"),
    "mean_group_size": MetricInfo("mean group size", "members", "level"),
    "share_linked_lead_firm": MetricInfo(
        "links to lead firms", "share of MSEs still in the chain", "share"
    ),
    "mean_quality": MetricInfo("mean quality", "quality index (0-1)", "level"),
    "mean_unit_cost": MetricInfo("mean unit cost", "currency units a unit", "level"),
    "n_active": MetricInfo("the number of active MSEs", "MSEs", "level"),
    "gini_income": MetricInfo("income inequality (Gini)", "Gini coefficient (0-1)", "level"),
    "share_sales_domestic": MetricInfo(
        "sales in the domestic market", "share of units sold", "share"
    ),
    "share_sales_export": MetricInfo("sales in the export market", "share of units sold", "share"),
    "share_sales_specialty": MetricInfo(
        "sales in the specialty market", "share of units sold", "share"
    ),
    "share_in_second_chain": MetricInfo(
        "MSEs producing in the second value chain", "share of active MSEs", "share"
    ),
    "n_traders_active": MetricInfo("the number of traders operating", "traders", "level"),
    "share_sold_via_brokers": MetricInfo(
        "sales through MSE brokers", "share of units sold", "share"
    ),
    "export_share_output": MetricInfo("the export share of output", "share of output", "share"),
    "lead_firm_share_output": MetricInfo(
        "the share of output sold to lead firms", "share of output", "share"
    ),
    "share_output_product": MetricInfo(
        "the share of output of an upgraded product", "share of output", "share"
    ),
    "farmgate_share": MetricInfo(
        "the farmgate share of the end-market price", "share of the buyers' price", "share"
    ),
    "farmgate_share_export": MetricInfo(
        "the farmgate share of the export price", "share of the buyers' price", "share"
    ),
    "farmgate_share_groups": MetricInfo(
        "group members' farmgate share of the end-market price",
        "share of the buyers' price",
        "share",
    ),
    "mean_price_received": MetricInfo(
        "the price producers receive", "currency units a unit", "level"
    ),
    "share_practising_product": MetricInfo(
        "producers with an upgraded product now", "share of active MSEs", "share"
    ),
    "share_practising_process": MetricInfo(
        "producers with an upgraded process now", "share of active MSEs", "share"
    ),
    "n_agents_active": MetricInfo("the number of active sales agents", "sales agents", "level"),
    "share_selling_via_agents": MetricInfo(
        "producers selling through sales agents", "share of the original MSEs", "share"
    ),
    "mean_income_cohort": MetricInfo(
        "mean income per original MSE, exits counted", "currency units a month", "level"
    ),
    "share_linked_dropped": MetricInfo(
        "lead-firm suppliers who dropped out", "share of MSEs ever linked", "share"
    ),
    "share_members_informed": MetricInfo(
        "group members with direct price information", "share of group members", "share"
    ),
    "share_side_selling": MetricInfo(
        "contracted suppliers side-selling", "share of suppliers under contract", "share"
    ),
    "lead_firm_profit": MetricInfo("lead firms' profit", "currency units a month", "level"),
}

#: Metrics computed from the model's columns after a run: name -> (source columns, function).
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    # Positive when included MSEs upgrade more than excluded ones; guideline 5 should shrink it.
    "upgrading_gap": (
        ("share_upgraded_included", "share_upgraded_excluded"),
        lambda included, excluded: included - excluded,
    ),
}


def metric_info(metric: str) -> MetricInfo:
    """Return a metric's description (a plain fallback for a name not in the table)."""
    return METRIC_INFO.get(metric, MetricInfo(metric.replace("_", " "), "", "level"))


def source_columns(metrics) -> tuple[str, ...]:
    """Return the model columns needed to compute ``metrics`` (derived ones included)."""
    cols: dict[str, None] = {}
    for metric in metrics:
        for col in DERIVED[metric][0] if metric in DERIVED else (metric,):
            cols[col] = None
    return tuple(cols)


def derive(metric: str, column) -> np.ndarray:
    """Return a metric's values from ``column(name)``, computing a derived metric.

    Args:
        metric: A model column or a name in :data:`DERIVED`.
        column: A function returning a source column's values (any array shape).
    """
    if metric in DERIVED:
        sources, fn = DERIVED[metric]
        return fn(*(column(c) for c in sources))
    return column(metric)


class MetricsCollector(DataCollector):
    """Mesa's `DataCollector` for :data:`REPORTERS`, with a month's row collected in one go.

    Mesa's ``collect`` dispatches on each reporter's kind and deep-copies every value; with
    27 metrics that was a quarter of a 1,000-MSE month. The metrics are plain numbers, so
    this collector calls the reporters directly and keeps each month's values as one tuple;
    ``model_vars`` (the dict of lists Mesa's readers use) is filled from those rows when read.
    Reporters added later, or agent reporters and tables, go through Mesa's own ``collect``.
    """

    def __init__(self, reporters: dict[str, Callable] | None = None, **kwargs):
        self._rows: list[tuple] = []
        self._vars: dict[str, list] = {}
        super().__init__(
            model_reporters=dict(REPORTERS if reporters is None else reporters), **kwargs
        )
        self._fast = tuple(self.model_reporters.items())
        # The default reporters, in their order: one `row` a month computes them all.
        self._default = tuple(r for _, r in self._fast) == _ROW_REPORTERS

    @property
    def model_vars(self) -> dict[str, list]:
        """Metric name -> list of values, one a collection (rows are moved in when read)."""
        if self._rows:
            for (name, _), values in zip(self._fast, zip(*self._rows, strict=True), strict=True):
                self._vars[name].extend(values)
            self._rows.clear()
        return self._vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list]) -> None:
        self._vars = value

    def collect(self, model) -> None:
        """Collect this month's metrics (Mesa's path when reporters were added or changed)."""
        if (
            self.agent_reporters
            or self.agenttype_reporters
            or len(self.model_reporters) != len(self._fast)
        ):
            self.model_vars  # noqa: B018 - move the rows in before Mesa appends to the lists
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        if self._default:
            self._rows.append(row(model))
        else:
            self._rows.append(tuple([reporter(model) for _, reporter in self._fast]))
