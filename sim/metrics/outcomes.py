"""The outcomes as the case sources measured them: one pass a month (docs/validation.md).

The sums behind the export share of output, the farmgate shares, the practices, the sales
agents and the income per original MSE, computed once per step by :func:`outcomes`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import njit

from sim.links import VIA_BROKER, VIA_LEAD_FIRM
from sim.population import (
    INTERSECTORAL,
    PROCESS,
    PRODUCT,
)
from sim.sales import link_unit_prices
from sim.second_chain import outside_income
from sim.terms import transport_constants, transport_cost

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
    # The units by channel in their compact form (`sim.sales.UnitsSold`): every MSE's
    # domestic units, and the export and specialty units of the few that sold there.
    domestic, export_rows, export_units = sales.sold_units.parts()
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
        domestic,
        export_rows,
        export_units,
        sales.produced,
        # What each MSE's link paid per unit is worked out in the pass from what the sales
        # keep (`sim.sales.Sales.base`), not read from a (3, n) array made for it (memory).
        sales.prices,
        sales.contract_share,
        sales.terms.markup,
        sales.terms.pass_through,
        sales.terms.link,
        sales.terms.far,
        sales.terms.distance,
        sales.terms.social,
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
    domestic,
    export_rows,
    export_units,
    produced,
    sale_prices,
    contract_share,
    markup,
    pass_through,
    link,
    far,
    distance,
    link_social,
    spot,
    premium,
    ever_linked,
    cohort,
    social,
    second_price,
    consts,
):
    """One pass over the MSEs: the sums of :data:`_OUTCOME_SLOTS`, in that order."""
    n = active.size
    agent = np.zeros(n, np.bool_)
    # Running sums in locals rather than slots of an array, so they stay in registers
    # (added in the same order: the same bits). Named by their slot in _OUTCOME_SLOTS.
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = s10 = s16 = 0.0
    n11 = n12 = n13 = n14 = n17 = n18 = 0
    j = 0  # the next MSE that sold in the export or specialty channel
    costs = transport_constants(consts)  # values, not the record, in the loop (sim.terms)
    for i in range(n):
        in_chain = active[i] and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        product = (upgrades[i] >> PRODUCT) & 1 == 1
        q = quality[i]
        # Its units by channel: +0.0 outside the domestic channel unless it sold there, as
        # the whole (3, n) array held them.
        u0 = domestic[i]
        u1 = u2 = 0.0
        if j < export_rows.size and export_rows[j] == i:
            u1, u2 = export_units[0, j], export_units[1, j]
            j += 1
        sold = u0 + u1 + u2
        s0 += produced[i]
        s1 += u1 + u2
        s2 += sold * (links[i] == VIA_LEAD_FIRM)
        s3 += produced[i] * product
        s4 += sold
        member = group[i] >= 0
        for c in range(3):
            transport = transport_cost(link[i], far[i], distance[i], link_social[i], c, costs)
            base, rate = link_unit_prices(
                sale_prices, c, contract_share[i], markup[i], pass_through[i], transport
            )
            u = u0 if c == 0 else (u1 if c == 1 else u2)
            received = u * (base + rate * q)
            paid = u * spot[c] * (1.0 + premium[c] * q)
            s5 += received
            s6 += paid
            if c > 0:
                s7 += received
                s8 += paid
            if member:
                s9 += received
                s10 += paid
        n11 += in_chain
        n12 += in_chain and product
        n13 += in_chain and (upgrades[i] >> PROCESS) & 1 == 1
        via_agent = links[i] == VIA_BROKER and sold > 0.0 and brokers[i] >= 0
        n14 += via_agent and i < cohort
        if via_agent:
            agent[brokers[i]] = True
        if i < cohort:
            # Intention to treat: an MSE that closed earns what its owner earns outside.
            s16 += (
                income[i]
                if active[i]
                else outside_income(skill[i], social[i], upgrades[i], second_price, consts)
            )
        linked_now = in_chain and lead_firm[i] >= 0
        n17 += ever_linked[i]
        n18 += ever_linked[i] and not linked_now
    n15 = 0
    for b in range(n):  # a count, in index order like every reduction here
        n15 += agent[b]
    out = np.zeros(_N_OUTCOMES)
    out[0], out[1], out[2], out[3], out[4] = s0, s1, s2, s3, s4
    out[5], out[6], out[7], out[8], out[9], out[10] = s5, s6, s7, s8, s9, s10
    out[11], out[12], out[13], out[14], out[15] = n11, n12, n13, n14, n15
    out[16], out[17], out[18] = s16, n17, n18
    return out
