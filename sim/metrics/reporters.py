"""The reporters: one small function per metric, each taking the model.

These are the `DataCollector` model reporters and the columns of :func:`sim.run`'s
DataFrame (:data:`REPORTERS`, :data:`METRICS`); the names are a fixed contract.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.detmath import sum_in_order
from sim.metrics.census import _active_incomes, _gini_of_sorted, _ratio, status
from sim.metrics.outcomes import outcomes
from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    PROCESS,
    PRODUCT,
)
from sim.threads import sort_in_place


def step(model) -> int:
    """Months elapsed."""
    return int(model.steps)


def share_process(model) -> float:
    """Cumulative share of MSEs that have made a process upgrade."""
    s = status(model)
    return _ratio(s.adopters[PROCESS], s.n_cohort)


def share_product(model) -> float:
    """Cumulative share of MSEs that have made a product upgrade."""
    s = status(model)
    return _ratio(s.adopters[PRODUCT], s.n_cohort)


def share_functional(model) -> float:
    """Cumulative share of MSEs that have made a functional upgrade."""
    s = status(model)
    return _ratio(s.adopters[FUNCTIONAL], s.n_cohort)


def share_channel(model) -> float:
    """Cumulative share of MSEs that have entered a new end-market channel."""
    s = status(model)
    return _ratio(s.adopters[CHANNEL], s.n_cohort)


def share_intersectoral(model) -> float:
    """Cumulative share of MSEs that have moved to another value chain."""
    s = status(model)
    return _ratio(s.adopters[INTERSECTORAL], s.n_cohort)


def share_upgraded(model) -> float:
    """Cumulative share of MSEs that have made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded, s.n_cohort)


def share_upgraded_excluded(model) -> float:
    """Cumulative share of the excluded group that has made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded_excluded, s.n_excluded)


def share_upgraded_included(model) -> float:
    """Cumulative share of the included group that has made any upgrade."""
    s = status(model)
    return _ratio(s.n_upgraded - s.n_upgraded_excluded, s.n_cohort - s.n_excluded)


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
    """Number of MSEs still operating (entrants included)."""
    return status(model).n_active


def n_entrants(model) -> int:
    """Number of new MSEs that entered the chain this month (`sim.entry`)."""
    return _entrants(model)


def _entrants(model) -> int:
    entry = getattr(model, "entry", None)
    return int(entry.entrants) if entry is not None else 0


def gini_income(model) -> float:
    """Gini coefficient of active MSEs' monthly income (losses counted as zero)."""
    if not status(model).n_active:
        return 0.0
    x = _active_incomes(model.population.income, model.population.active)
    # The sorted order of values without nan or -0.0 is unique, so any algorithm on any CPU
    # gives the same array (a radix sort; on the model's threads, halves sorted at once and
    # merged: `sim.threads.sort_in_place`).
    sort_in_place(x, getattr(model, "threads", 1))
    return float(_gini_of_sorted(x))


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
    """Number of traders operating.

    Those of the start still active and the rivals that entered their catchments
    (`sim.traders.Traders.n_operating`).
    """
    return model.traders.n_operating


def share_sold_via_brokers(model) -> float:
    """Share of this month's units sold that went through MSE brokers."""
    sales = model.last_sales
    total = sales.units_sold if sales is not None else 0.0
    return _ratio(sales.via_brokers, total) if total > 0 else 0.0


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
    (cumulative, over the MSEs at the start) it counts only producers still in the chain.
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


def mean_trader_margin(model) -> float:
    """Traders' net margin this month, weighted by the value each bought.

    What the traders kept of their MSEs' sales (markup and premium rent) per unit of the
    value they bought at the spot price, less their own cost per unit
    (`sim.traders.Traders.margin`); 0 when no trader bought anything.
    """
    t = model.traders
    return _ratio(sum_in_order(t.margin * t.bought), sum_in_order(t.bought))


def _channel_price(model, channel: int) -> float:
    return float(model.markets.price[channel])


def price_domestic(model) -> float:
    """The domestic channel's price index this month: what buyers pay for a unit of quality 0.

    The spot base price, including the demand's answer to the MSEs' supply (`sim.demand`)
    besides drift, competition and shocks (`sim.markets`); before any buyer's markup and the
    quality premium. Currency units a unit: the domestic price at the start is 1.
    """
    return _channel_price(model, 0)


def price_export(model) -> float:
    """The export channel's price index this month (as :func:`price_domestic`)."""
    return _channel_price(model, 1)


def price_specialty(model) -> float:
    """The specialty channel's price index this month (as :func:`price_domestic`)."""
    return _channel_price(model, 2)


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
        n_entrants,
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
        mean_trader_margin,
        price_domestic,
        price_export,
        price_specialty,
    )
}
#: Every metric a run reports, in the order of the result's columns.
METRICS: tuple[str, ...] = tuple(REPORTERS)


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
