"""Forward contracts: who gets one, who breaks it, and what it leaves in the lead firms' books.

A lead firm buys part of a supplier's output forward at a guaranteed (trend) price, which
takes away price risk, if the supplier's product meets the firm's standard
(`contract_share`). Contracts can be broken (issue 22, item 4): a contracted supplier
side-sells when the spot price beats the contract by more than its expected loss of the
relationship (`side_selling`); a firm drops those it catches and tightens its terms in
proportion to its suppliers' default (`tightened`), and books its month's profit
(`FirmBooks`, `book_profit`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from sim.constants import declare, real, values_of
from sim.population import FUNCTIONAL, Population
from sim.threads import CHUNK, parallel

if TYPE_CHECKING:
    from sim.lead_firms import LeadFirms

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # Contracts that can be broken (issue 22, item 4). A contracted supplier side-sells its
        # month's output to a trader when the spot price beats the contract price by more than
        # its expected loss of the relationship: ``detection x months x monthly value``, where
        # ``months = 1 / (1 - discount x (1 - delink_hazard))`` is the relationship's discounted
        # remaining life and the monthly value is ``certainty_value + service_value x
        # embedded_services`` (all as shares of the contracted sales value).
        real(
            "side_sell_propensity",
            1.0,
            0.0,
            1.0,
            "probability per month",
            "Monthly chance that a contracted supplier weighs side-selling at all (the rest stay "
            "loyal whatever the prices); 0 turns side-selling off.",
        ),
        real(
            "side_sell_detection",
            0.5,
            0.0,
            1.0,
            "probability",
            "Chance that a lead firm detects a supplier's side-selling and drops it.",
        ),
        real(
            "supplier_discount",
            0.97,
            0.0,
            0.999,
            "per month",
            "Monthly discount factor of a supplier with cash (about 30% a year: smallholders' "
            "high discount rates).",
        ),
        real(
            "distress_discount",
            0.8,
            0.0,
            0.999,
            "per month",
            "Monthly discount factor of a supplier in cash distress (an urgent need for cash is "
            "the reason for side-selling most often reported).",
        ),
        real(
            "certainty_value",
            0.01,
            0.0,
            1.0,
            "share of contracted sales value per month",
            "Monthly value to a supplier of the contract's guaranteed price (a risk premium).",
        ),
        real(
            "service_value",
            0.01,
            0.0,
            1.0,
            "share of contracted sales value per month",
            "Monthly value to a supplier of the embedded services at embedded_services = 1.",
        ),
        real(
            "default_memory",
            1.0 / 12.0,
            0.0,
            1.0,
            "weight per month",
            "Weight of this month's detected default share in a lead firm's default rate (a "
            "moving average over about a year).",
        ),
        real(
            "contract_tightening",
            1.0,
            0.0,
            1.0,
            "share of contract terms per unit default rate",
            "Share of its contract terms (share of output bought forward) a lead firm withdraws "
            "per unit of its default rate.",
        ),
        real(
            "recruit_tightening",
            1.0,
            0.0,
            1.0,
            "share of capacity per unit default rate",
            "Share of its supplier capacity a lead firm stops filling per unit of its default "
            "rate.",
        ),
        real(
            "firm_service_cost",
            0.03,
            0.0,
            1.0,
            "share of supplier's output value",
            "A lead firm's monthly cost of embedded services per supplier at embedded_services = "
            "1, as a share of the supplier's output at the domestic trend price.",
        ),
    ],
)


def contract_share(pop: Population, firms: LeadFirms) -> np.ndarray:
    """Share of each MSE's output bought under a forward contract at a guaranteed price.

    A supplier gets its lead firm's contract terms if its product meets the firm's standard,
    and none otherwise.
    """
    out = np.zeros(pop.n)
    args = (firms.standard, firms.contract, pop.lead_firm, pop.active, pop.quality, out)
    # Each MSE's share is its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(pop.n):
        _contract_share_chunks(*args, CHUNK)
    else:
        _contract_share(*args, 0, pop.n)
    return out


@njit(cache=True, parallel=True)
def _contract_share_chunks(standard, contract, lead_firm, active, quality, out, chunk):
    """`_contract_share` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = lead_firm.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _contract_share(
            standard, contract, lead_firm, active, quality, out, start, min(start + chunk, n)
        )


@njit(cache=True)
def _contract_share(standard, contract, lead_firm, active, quality, out, start, stop):
    """Write the contract shares of MSEs ``start`` to ``stop`` into ``out`` (zeros)."""
    for i in range(start, stop):
        k = lead_firm[i]
        if k >= 0 and active[i] and quality[i] >= standard[k] - 1e-12:
            out[i] = contract[k]


class FirmBooks(NamedTuple):
    """Each lead firm's record of its suppliers' default and its profit (one per firm).

    Attributes:
        default_rate: Moving average of the share of contracted suppliers caught side-selling.
        profit: This month's profit: margin and contract gains on what its suppliers sold it,
            minus the cost of the embedded services it gave them (currency).
        contracted: Suppliers under contract this month (before side-selling).
        side_sold: Of them, those that side-sold this month (caught or not).
    """

    default_rate: np.ndarray
    profit: np.ndarray
    contracted: np.ndarray
    side_sold: np.ndarray


def open_books(n_lead_firms: int) -> FirmBooks:
    """Empty books: no default seen, no profit yet."""
    return FirmBooks(
        np.zeros(n_lead_firms),
        np.zeros(n_lead_firms),
        np.zeros(n_lead_firms, np.int64),
        np.zeros(n_lead_firms, np.int64),
    )


def tightened(firms: LeadFirms, books: FirmBooks, consts: np.ndarray) -> LeadFirms:
    """A lead firm's terms this month, tightened by its suppliers' default.

    A firm whose suppliers default buys less forward (CONTRACT_TIGHTENING) and fills less of
    its supplier capacity (RECRUIT_TIGHTENING), each in proportion to its default rate: a
    supplier that side-sells costs it the services without the volume (`book_profit`).
    """
    d = books.default_rate
    # count_nonzero rather than any(): a quarter of the time on a few firms (twice a month).
    if not np.count_nonzero(d):
        # No default seen (most runs, most months): the terms are the firms' own, the same
        # bits as the formulas give with finite constants (x * 1.0 is x, and capacities,
        # int64 like the formula's, are exact in float64),
        # without a new bundle of arrays twice a month. Nothing writes into a firm's contract
        # or capacity in place, so sharing them is safe.
        return firms
    values = values_of(consts)
    return firms._replace(
        contract=firms.contract * (1.0 - values["contract_tightening"] * d),
        capacity=np.floor(firms.capacity * (1.0 - values["recruit_tightening"] * d)).astype(
            np.int64
        ),
    )


def side_selling(
    pop: Population,
    contract: np.ndarray,
    spot: np.ndarray,
    trend: np.ndarray,
    embedded_services: float,
    uniforms: np.ndarray,
    books: FirmBooks,
    consts: np.ndarray,
) -> np.ndarray:
    """Contracted suppliers who side-sell this month; lead firms drop those they catch.

    A supplier under contract (``contract > 0``) side-sells its month's output to a trader
    when its draw ``u`` is below SIDE_SELL_PROPENSITY and the spot price beats the contract
    (trend) price, as a share of the contract price over its channels, by more than its
    expected loss of the relationship::

        gap = sum_c w_c (spot_c - trend_c) / sum_c w_c trend_c
        loss = SIDE_SELL_DETECTION * months * (CERTAINTY_VALUE + SERVICE_VALUE * services)
        months = 1 / (1 - discount * (1 - DELINK_HAZARD))

    with ``discount`` SUPPLIER_DISCOUNT, or DISTRESS_DISCOUNT for a supplier in cash
    distress. Its firm catches it when ``u / SIDE_SELL_PROPENSITY`` (uniform again) is below
    SIDE_SELL_DETECTION and drops it (``pop.lead_firm`` set to -1). Each firm's default rate
    moves toward the share of its contracted suppliers it caught (DEFAULT_MEMORY).

    Args:
        pop: Population; `lead_firm` written for the suppliers caught.
        contract: Share of each MSE's output under contract (`contract_share`).
        spot: This month's base price by channel, (3,).
        trend: The contract (trend) price by channel, (3,).
        embedded_services: Scenario lever.
        uniforms: One uniform draw per MSE (one not otherwise used by contracted suppliers).
        books: `FirmBooks`; ``default_rate``, ``contracted``, ``side_sold`` written.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        Whether each MSE side-sells this month (bool, (n,)).
    """
    side = np.zeros(pop.n, dtype=np.bool_)
    if books.default_rate.size:
        _side_sell(
            pop.state,
            contract,
            spot,
            trend,
            float(embedded_services),
            uniforms,
            books,
            side,
            consts,
        )
    return side


@njit(cache=True)
def _side_sell(mse, contract, spot, trend, services, uniforms, books, side, consts):
    CERTAINTY_VALUE = consts[0].certainty_value
    DEFAULT_MEMORY = consts[0].default_memory
    DELINK_HAZARD = consts[0].delink_hazard
    DISTRESS_DISCOUNT = consts[0].distress_discount
    PROPENSITY = consts[0].side_sell_propensity
    DETECTION = consts[0].side_sell_detection
    SERVICE_VALUE = consts[0].service_value
    SUPPLIER_DISCOUNT = consts[0].supplier_discount
    lead_firm, weight, distress = mse.lead_firm, mse.channel_weight, mse.distress_months
    value = CERTAINTY_VALUE + SERVICE_VALUE * services
    caught = np.zeros(books.default_rate.size)
    books.contracted[:] = 0
    books.side_sold[:] = 0
    for i in range(lead_firm.size):
        k = lead_firm[i]
        # A direct seller (functional upgrading) has no contract to break.
        if k < 0 or contract[i] <= 0.0 or (mse.upgrades[i] >> FUNCTIONAL) & 1:
            continue
        books.contracted[k] += 1
        at_spot = at_contract = 0.0
        for c in range(spot.size):
            at_spot += weight[c, i] * spot[c]
            at_contract += weight[c, i] * trend[c]
        if at_contract <= 0.0:
            continue
        discount = DISTRESS_DISCOUNT if distress[i] > 0 else SUPPLIER_DISCOUNT
        months = 1.0 / (1.0 - discount * (1.0 - DELINK_HAZARD))
        loss = DETECTION * months * value
        u = uniforms[i]
        if u < PROPENSITY and (at_spot - at_contract) / at_contract > loss:
            side[i] = True
            books.side_sold[k] += 1
            if u / PROPENSITY < DETECTION:
                lead_firm[i] = -1
                caught[k] += 1.0
    for k in range(caught.size):
        seen = caught[k] / books.contracted[k] if books.contracted[k] > 0 else 0.0
        books.default_rate[k] += DEFAULT_MEMORY * (seen - books.default_rate[k])


def book_profit(
    books: FirmBooks,
    lead_firm: np.ndarray,
    active: np.ndarray,
    produced: np.ndarray,
    lead_firm_take: np.ndarray,
    domestic_trend: float,
    embedded_services: float,
    consts: np.ndarray,
) -> None:
    """Each lead firm's month's profit: what it kept on its suppliers' sales minus services.

    Suppliers that side-sold still received the services but sold their output elsewhere,
    so their default costs the firm FIRM_SERVICE_COST of their output's value with nothing
    in return. Writes ``books.profit``.
    """
    FIRM_SERVICE_COST = values_of(consts)["firm_service_cost"]
    _book_profit(
        books.profit,
        lead_firm,
        active,
        produced,
        lead_firm_take,
        FIRM_SERVICE_COST * embedded_services * domestic_trend,
    )


@njit(cache=True)
def _book_profit(profit, lead_firm, active, produced, lead_firm_take, cost_per_unit):
    """`book_profit`'s pass: each firm's take less its linked suppliers' service cost.

    The costs are added to their firm's in row order, as ``np.add.at`` adds them.
    """
    cost = np.zeros(profit.size)
    for i in range(lead_firm.size):
        if active[i] and lead_firm[i] >= 0:
            cost[lead_firm[i]] += cost_per_unit * produced[i]
    for k in range(profit.size):
        profit[k] = lead_firm_take[k] - cost[k]
