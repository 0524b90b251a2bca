"""Vertical links: who buys from each MSE, on what terms, and where the money goes.

An MSE sells through one of three links:

- its village's **intermediary** (trader/broker), which takes a markup on the base price and
  captures part of the quality premium as rent, more so the greater its market power and the
  weaker the MSE's bargaining position;
- a **lead firm** (exporter or processor), which keeps a small margin, passes most of the
  premium on and may buy part of the output under a forward contract at a guaranteed price;
- **directly** to end markets after functional upgrading, paying its own transport and
  marketing costs (lower in the domestic channel, where physical and social distances between
  layers of the chain are smaller).

Every unit sold is accounted for: what buyers pay equals what MSEs receive, plus what
intermediaries and lead firms keep, plus transport and marketing costs paid to third parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from sim.constants import declare, real, resolve, values3, vector, whole
from sim.markets import (
    CHANNELS,
    DOMESTIC,
    N_CHANNELS,
    Markets,
    clears_standard,
    competitive_sales_share,
    market_depth,
    order_cuts,
)
from sim.population import FUNCTIONAL, Population, stays_in_chain
from sim.services import LeadFirms

VIA_TRADER, VIA_LEAD_FIRM, DIRECT, VIA_BROKER = 0, 1, 2, 3

# Calibration constants, at their default values. What each means, its unit, allowed range
# and source are declared once, in CONSTANTS below (`mse-sim constants` lists them); the
# comments here say why a value is what it is.
MAX_INTERMEDIARY_MARKUP = 0.25
SOCIAL_MARKUP = 0.08
LEAD_FIRM_MARKUP = 0.2
LEAD_FIRM_PREMIUM_RENT = 0.2
BYPASS_EFFECT = 0.6
GROUP_BARGAINING = 0.25
ICT_BARGAINING = 0.10
SOCIAL_BARGAINING = 0.15
TRANSPORT_COST = 0.12
#: Grading, packing, certification for export markets.
CHANNEL_HANDLING_COST = np.array([0.0, 0.12, 0.15])
DIRECT_TRANSPORT_EXTRA = 0.06
DIRECT_MARKETING_COST = np.array([0.01, 0.10, 0.10])
SOCIAL_MARKETING_COST = 0.10
#: A neighbour who hauls the village's output to distant buyers ("an MSE producer buys a truck and
#: begins brokering on behalf of other producers", seed lines 113-115).
BROKER_MARKUP = 0.10
BROKER_PREMIUM_RENT = 0.10
#: A trader exits when the volume it buys in its own catchment stays below this share of its
#: volume at the start for TRADER_EXIT_MONTHS months: bypassed by direct selling, "an entire
#: level of firms may be eliminated" (seed lines 144-145).
TRADER_EXIT_SHARE = 0.35
TRADER_EXIT_MONTHS = 6
TRADER_ENTRY_SHARE = 0.6
FAR_TRADER_COST = 0.05
#: Buyers who collect at the farm gate carry that risk themselves.
TRANSIT_LOSS_HAZARD = 0.15
TRANSIT_LOSS_SHARE = 0.5
#: A village with more customers than its brokers can serve sends the rest to its trader. A
#: calibration choice; it keeps brokering local whatever the size of villages.
BROKER_CAPACITY = 20

#: This module's calibration constants as model inputs, with unit, allowed range and source
#: (collected by sim.constants; listed by `mse-sim constants`).
CONSTANTS = declare(__name__, [
    real("max_intermediary_markup", MAX_INTERMEDIARY_MARKUP, 0.0, 1.0,
        "share of base price",
        "Largest markup (share of the base price) an intermediary with full market power takes "
        "from an MSE with no bargaining power."),
    real("social_markup", SOCIAL_MARKUP, 0.0, 1.0,
        "share of base price",
        "Extra markup imposed on the excluded group at full social barrier (discriminatory "
        "terms)."),
    real("lead_firm_markup", LEAD_FIRM_MARKUP, 0.0, 1.0,
        "share of base price",
        "Lead firms' margin on the base price against an MSE with no bargaining power, for a "
        "lead firm with no rival (scaled by `sim.services.firm_power`)."),
    real("lead_firm_premium_rent", LEAD_FIRM_PREMIUM_RENT, 0.0, 1.0,
        "share of premium",
        "Share of the quality premium a lead firm with no rival keeps against an MSE with no "
        "bargaining power."),
    real("bypass_effect", BYPASS_EFFECT, 0.0, 1.0,
        "share of market power",
        "Drop in an intermediary's market power when all its suppliers bypass it."),
    real("group_bargaining", GROUP_BARGAINING, 0.0, 1.0,
        "bargaining power 0-1",
        "Bargaining power added by collective bargaining in a producer group."),
    real("ict_bargaining", ICT_BARGAINING, 0.0, 1.0,
        "bargaining power 0-1",
        "Bargaining power added by knowing market prices through ICT."),
    real("social_bargaining", SOCIAL_BARGAINING, 0.0, 1.0,
        "bargaining power 0-1",
        "Bargaining power lost at full social barrier."),
    real("transport_cost", TRANSPORT_COST, 0.0, 1.0,
        "share of domestic price per unit",
        "Transport cost per unit at distance 1 when a buyer collects (share of the domestic "
        "price)."),
    vector("channel_handling_cost", CHANNEL_HANDLING_COST, CHANNELS, 0, 1,
        "share of domestic price per unit",
        "Handling cost per unit by channel."),
    real("direct_transport_extra", DIRECT_TRANSPORT_EXTRA, 0.0, 1.0,
        "share of domestic price per unit",
        "Extra transport cost per unit at distance 1 for an MSE that hauls its own product."),
    vector("direct_marketing_cost", DIRECT_MARKETING_COST, CHANNELS, 0, 1,
        "share of domestic price per unit",
        "Marketing cost per unit of selling directly in each channel (domestic is easiest)."),
    real("social_marketing_cost", SOCIAL_MARKETING_COST, 0.0, 1.0,
        "share of domestic price per unit",
        "Extra marketing cost per unit, outside the domestic channel, at full social barrier."),
    real("broker_markup", BROKER_MARKUP, 0.0, 1.0,
        "share of base price",
        "An MSE broker's margin on the base price against an MSE with no bargaining power.",
        source="calibration choice, guided by the seed (seed lines 113-115)"),
    real("broker_premium_rent", BROKER_PREMIUM_RENT, 0.0, 1.0,
        "share of premium",
        "Share of the quality premium an MSE broker keeps against an MSE with no bargaining "
        "power (Pakistan's women sales agents passed on \"higher prices\", seed lines 239-243).",
        source="calibration choice, guided by the seed (seed lines 239-243)"),
    real("trader_exit_share", TRADER_EXIT_SHARE, 0.0, 1.0,
        "share of starting volume",
        "A trader exits when its own catchment's volume stays below this share of its starting "
        "volume for trader_exit_months.",
        source="calibration choice, guided by the seed (seed lines 144-145)"),
    whole("trader_exit_months", TRADER_EXIT_MONTHS, 1, 120,
        "months",
        "Months below trader_exit_share after which a trader exits.",
        source="calibration choice, guided by the seed (seed lines 144-145)"),
    real("trader_entry_share", TRADER_ENTRY_SHARE, 0.0, 1.0,
        "share of starting volume",
        "An exited trader comes back when the volume its catchment sells through traders "
        "recovers to this share of its volume at the start (above the exit share, so it does not"
        " flicker)."),
    real("far_trader_cost", FAR_TRADER_COST, 0.0, 1.0,
        "share of domestic price per unit",
        "Extra transport cost per unit at distance 1 for an MSE whose own trader exited and that"
        " sells to a trader from elsewhere."),
    real("transit_loss_hazard", TRANSIT_LOSS_HAZARD, 0.0, 1.0,
        "per month",
        "Monthly chance, at distance 1 and transit_risk = 1, that an MSE carrying its own "
        "products to distant buyers and the cash back loses a load (\"the transport of products "
        "or cash payments over long distances may expose MSE owners to increased security and "
        "market risks\", seed lines 208-210).",
        source="calibration choice, guided by the seed (seed lines 208-210)"),
    real("transit_loss_share", TRANSIT_LOSS_SHARE, 0.0, 1.0,
        "share of month's sales",
        "Share of the month's sales revenue lost when it happens."),
    whole("broker_capacity", BROKER_CAPACITY, 1, 100000,
        "MSEs",
        "Most neighbours one MSE broker serves (one truck, one sales agent's round)."),
])
#: Golden-ratio step spreading MSEs evenly over [0, 1) by row: which of a village's MSEs a
#: broker serves (the first ``mse_brokers`` share by this key) without a random draw.
_BROKER_KEY = 0.6180339887498949


def bargaining_power(pop: Population, lever: float, social: np.ndarray,
                     consts: np.ndarray | None = None) -> np.ndarray:
    """Each MSE's bargaining power in [0, 1].

    The scenario's base level, raised by collective bargaining in a producer group and by the
    price knowledge ICT gives, lowered by social exclusion.
    """
    consts = resolve(consts)
    return _bargaining_power(float(lever), pop.group, pop.ict, social, consts)


@njit(cache=True)
def _bargaining_power(lever, group, ict, social, consts):
    GROUP_BARGAINING = consts[0].group_bargaining
    ICT_BARGAINING = consts[0].ict_bargaining
    SOCIAL_BARGAINING = consts[0].social_bargaining
    power = np.empty(group.size)
    for i in range(group.size):
        power[i] = min(max(lever + GROUP_BARGAINING * (group[i] >= 0) + ICT_BARGAINING * ict[i]
                           - SOCIAL_BARGAINING * social[i], 0.0), 1.0)
    return power


class Traders(NamedTuple):
    """The intermediaries' state, as one argument of the compiled passes.

    Attributes:
        home: The trader whose catchment each village is, (villages,) (int32; -1 if the
            village has no MSE).
        active: Whether each trader still operates, (traders,).
        low_months: Consecutive months each trader's catchment volume was below the exit
            share, (traders,) (int64).
        reference: Units each trader bought in its catchment at the start, (traders,).
    """

    home: np.ndarray
    active: np.ndarray
    low_months: np.ndarray
    reference: np.ndarray


def create_traders(pop: Population, n_intermediaries: int, n_villages: int) -> Traders:
    """Every trader active, serving the villages the population was drawn with."""
    home = np.full(n_villages, -1, dtype=np.int32)
    home[pop.village] = pop.trader
    return Traders(home, np.ones(n_intermediaries, dtype=bool),
                   np.zeros(n_intermediaries, dtype=np.int64), np.zeros(n_intermediaries))


def link_type(pop: Population, mse_brokers: float = 0.0, n_villages: int = 0,
              consts: np.ndarray | None = None) -> np.ndarray:
    """Each MSE's link (see `links_and_brokers`, which also returns each MSE's broker)."""
    consts = resolve(consts)
    return links_and_brokers(pop, mse_brokers, n_villages, consts=consts)[0]


def links_and_brokers(pop: Population, mse_brokers: float = 0.0, n_villages: int = 0,
                      consts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each MSE's link and, for MSEs selling through one, its MSE broker.

    Direct after functional upgrading, else lead firm, else one of the village's MSE brokers
    (for the ``mse_brokers`` share of the village's MSEs, by a fixed key, while the brokers
    have room), else the trader. Every direct seller still in the chain brokers for up to
    BROKER_CAPACITY neighbours, taken in row order.

    Returns:
        ``(link, broker)``: link per MSE (int8) and its broker's row per MSE (-1: none).
    """
    consts = resolve(consts)
    return _link_type(pop.state, float(mse_brokers),
                      max(int(n_villages), int(pop.village.max()) + 1), consts)


@njit(cache=True)
def _link_type(mse, mse_brokers, n_villages, consts):
    BROKER_CAPACITY = consts[0].broker_capacity
    upgrades, lead_firm, village, active = mse.upgrades, mse.lead_firm, mse.village, mse.active
    n = upgrades.size
    # The direct sellers of each village, grouped by village (counting sort, in row order).
    start = np.zeros(n_villages + 1, np.int64)
    if mse_brokers > 0.0:
        for i in range(n):
            if (upgrades[i] >> FUNCTIONAL) & 1 and stays_in_chain(active[i], upgrades[i]):
                start[village[i] + 1] += 1
        for v in range(n_villages):
            start[v + 1] += start[v]
    brokers = np.empty(start[n_villages], np.int64)
    filled = start[:n_villages].copy()
    if mse_brokers > 0.0:
        for i in range(n):
            if (upgrades[i] >> FUNCTIONAL) & 1 and stays_in_chain(active[i], upgrades[i]):
                brokers[filled[village[i]]] = i
                filled[village[i]] += 1
    served = np.zeros(n_villages, np.int64)
    link = np.empty(n, np.int8)
    broker = np.full(n, -1, np.int64)
    for i in range(n):
        v = village[i]
        if (upgrades[i] >> FUNCTIONAL) & 1:
            link[i] = DIRECT
        elif lead_firm[i] >= 0:
            link[i] = VIA_LEAD_FIRM
        elif ((i * _BROKER_KEY) % 1.0 < mse_brokers
              and served[v] < (start[v + 1] - start[v]) * BROKER_CAPACITY):
            link[i] = VIA_BROKER
            broker[i] = brokers[start[v] + served[v] // BROKER_CAPACITY]
            served[v] += 1
        else:
            link[i] = VIA_TRADER
    return link, broker


@njit(cache=True)
def expected_transit_loss(distance, transit_risk, consts):
    """Expected share of a direct seller's monthly revenue lost in transit (elementwise)."""
    TRANSIT_LOSS_HAZARD = consts[0].transit_loss_hazard
    TRANSIT_LOSS_SHARE = consts[0].transit_loss_share
    return TRANSIT_LOSS_HAZARD * transit_risk * distance * TRANSIT_LOSS_SHARE


def lose_in_transit(pop: Population, link: np.ndarray, revenue: np.ndarray,
                    uniforms: np.ndarray, transit_risk: float,
                    consts: np.ndarray | None = None) -> float:
    """Direct sellers who haul far may lose goods or cash on the way (one month).

    A direct seller (who carries its own products and the cash back; an MSE broker carries
    its neighbours' too) loses TRANSIT_LOSS_SHARE of its month's revenue when its draw is
    below ``TRANSIT_LOSS_HAZARD * transit_risk * distance``. The loss comes out of its
    income (``pop.income``, written); sales and what buyers paid are unchanged.

    Returns:
        The month's total loss (for the ledger).
    """
    consts = resolve(consts)
    return _lose_in_transit(link, revenue, uniforms, pop.distance, pop.active,
                            float(transit_risk), pop.income, consts)


@njit(cache=True)
def _lose_in_transit(link, revenue, uniforms, distance, active, transit_risk, income, consts):
    TRANSIT_LOSS_HAZARD = consts[0].transit_loss_hazard
    TRANSIT_LOSS_SHARE = consts[0].transit_loss_share
    total = 0.0
    for i in range(link.size):
        if (active[i] and link[i] == DIRECT
                and uniforms[i] < TRANSIT_LOSS_HAZARD * transit_risk * distance[i]):
            loss = TRANSIT_LOSS_SHARE * max(revenue[i], 0.0)
            income[i] -= loss
            total += loss
    return total


def update_traders(pop: Population, link: np.ndarray, units: np.ndarray, traders: Traders,
                   *, start: bool = False, consts: np.ndarray | None = None) -> None:
    """Traders exit when bypassed and come back when their catchment sells through traders.

    Each trader's catchment volume is what the MSEs of its home villages sold through a
    trader this month (itself or, if it exited, the trader serving them instead). At the
    start it is recorded as the reference. Then MSEs are assigned to their home trader if it
    operates, else to the next operating trader (by index). The last trader never exits.

    Args:
        pop: Population; ``trader`` written.
        link: This month's link per MSE.
        units: Units sold by channel and MSE this month, (3, n).
        traders: `Traders`, updated in place.
        start: Record the reference volumes (first trade) instead of updating.
        consts: The run's calibration constants (a `sim.constants` record;
            the defaults if omitted).
    """
    consts = resolve(consts)
    _update_traders(pop.state, link, units, traders, start, consts)


@njit(cache=True)
def _update_traders(mse, link, units, traders, start, consts):
    TRADER_ENTRY_SHARE = consts[0].trader_entry_share
    TRADER_EXIT_MONTHS = consts[0].trader_exit_months
    TRADER_EXIT_SHARE = consts[0].trader_exit_share
    village, trader, active_mse = mse.village, mse.trader, mse.active
    home, active, low_months, reference = (traders.home, traders.active, traders.low_months,
                                           traders.reference)
    n_traders = active.size
    volume = np.zeros(n_traders)
    for i in range(village.size):
        if active_mse[i] and link[i] == VIA_TRADER:
            volume[home[village[i]]] += units[0, i] + units[1, i] + units[2, i]
    if start:
        for j in range(n_traders):
            reference[j] = volume[j]
        return
    n_active = 0
    for j in range(n_traders):
        n_active += active[j]
    for j in range(n_traders):
        share = volume[j] / reference[j] if reference[j] > 0.0 else 1.0
        if active[j]:
            low_months[j] = low_months[j] + 1 if share < TRADER_EXIT_SHARE else 0
            if low_months[j] >= TRADER_EXIT_MONTHS and n_active > 1:
                active[j] = False
                n_active -= 1
        elif share >= TRADER_ENTRY_SHARE:
            active[j] = True
            low_months[j] = 0
            n_active += 1
    # Who serves each trader's catchment: itself, or the next operating trader.
    serves = np.empty(n_traders, np.int64)
    for j in range(n_traders):
        serves[j] = j
        for step in range(n_traders):
            k = (j + step) % n_traders
            if active[k]:
                serves[j] = k
                break
    for i in range(village.size):
        trader[i] = serves[home[village[i]]]


def intermediary_market_power(pop: Population, link: np.ndarray, n_intermediaries: int,
                              consts: np.ndarray | None = None) -> np.ndarray:
    """Market power of each intermediary in [1 - BYPASS_EFFECT, 1].

    It falls as the MSEs of its villages bypass it (lead-firm suppliers, direct sellers).
    """
    consts = resolve(consts)
    return _market_power(pop.trader, pop.in_chain, link, n_intermediaries, consts)


@njit(cache=True)
def _market_power(trader, in_chain, link, n_intermediaries, consts):
    # An MSE selling through its village's broker bypasses the trader too.
    BYPASS_EFFECT = consts[0].bypass_effect
    catchment = np.zeros(n_intermediaries)
    bypass = np.zeros(n_intermediaries)
    for i in range(trader.size):
        if in_chain[i]:
            catchment[trader[i]] += 1.0
            bypass[trader[i]] += link[i] != VIA_TRADER
    power = np.empty(n_intermediaries)
    for j in range(n_intermediaries):
        share = bypass[j] / catchment[j] if catchment[j] > 0 else 0.0
        power[j] = 1.0 - BYPASS_EFFECT * share
    return power


@njit(cache=True)
def intermediary_premium_capture(rent, power, bargaining):
    """Share of the quality premium an intermediary keeps from each of its MSEs.

    The scenario's ``intermediary_rent`` is what an intermediary with full market power keeps
    from an MSE with no bargaining power; bargaining and bypass shrink it.
    """
    return rent * power * (1.0 - bargaining)


class LinkTerms(NamedTuple):
    """Terms each MSE gets from its link, all per unit sold (one element per MSE).

    Compiled passes take it as one argument and read it by name.

    Attributes:
        link: VIA_TRADER, VIA_LEAD_FIRM, DIRECT or VIA_BROKER (int8).
        markup: Share of the base price kept by the buyer.
        pass_through: Share of the quality premium reaching the MSE.
        transport: Transport and marketing cost per unit (currency), by channel, (3, n).
        broker: Row of each MSE's broker, or -1, (n,) (int64).
    """

    link: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    transport: np.ndarray
    broker: np.ndarray


@njit(cache=True)
def direct_selling_cost(distance, social, channel, consts):
    """Extra haulage and marketing cost per unit of selling directly in ``channel``.

    Lower in the domestic channel, where physical and social distances between layers of the
    chain are smaller and information is better. Elementwise: broadcast ``channel`` against
    per-MSE arrays for a (3, n) table.
    """
    DIRECT_MARKETING_COST = consts[0].direct_marketing_cost
    DIRECT_TRANSPORT_EXTRA = consts[0].direct_transport_extra
    SOCIAL_MARKETING_COST = consts[0].social_marketing_cost
    return (
        DIRECT_TRANSPORT_EXTRA * distance
        + DIRECT_MARKETING_COST[channel]
        + SOCIAL_MARKETING_COST * social * (channel != DOMESTIC)
    )


def link_terms(pop: Population, link: np.ndarray, trader_power: np.ndarray,
               bargaining: np.ndarray, social: np.ndarray, intermediary_rent: float,
               firms: LeadFirms, broker: np.ndarray | None = None,
               traders: Traders | None = None, consts: np.ndarray | None = None) -> LinkTerms:
    """Compute markup, premium pass-through and transport cost for every MSE's link.

    Lead firms' terms depend on their rivals (`LeadFirms.power`) and on whether their buyers
    demand quality without paying for it (`LeadFirms.quality_demand`: the firm then keeps
    that share of the premium). An MSE broker keeps a smaller margin than a trader and hauls
    the village's output itself (its customers pay the haulage). An MSE whose own trader
    exited sells to one from elsewhere, at an extra transport cost.

    Args:
        pop: Population.
        link: Link per MSE (`link_type`).
        trader_power: Market power of each intermediary.
        bargaining: Bargaining power per MSE.
        social: Social barrier per MSE.
        intermediary_rent: Scenario lever.
        firms: The lead firms (`sim.services.LeadFirms`).
        broker: Row of each MSE's broker, or -1 (from `links_and_brokers`; none if omitted).
        traders: `Traders` (every MSE served by its home trader if omitted).
        consts: The run's calibration constants (a `sim.constants` record;
            the defaults if omitted).
    """
    consts = resolve(consts)
    n = pop.n
    if broker is None:
        broker = np.full(n, -1, dtype=np.int64)
    home = (traders.home if traders is not None
            else np.full(int(pop.village.max()) + 1 if n else 1, -1, dtype=np.int32))
    terms = LinkTerms(link=link, markup=np.empty(n), pass_through=np.empty(n),
                      transport=np.empty((N_CHANNELS, n)), broker=broker)
    _link_terms(pop.state, trader_power, bargaining, social, float(intermediary_rent), firms,
                home, terms, consts)
    return terms


@njit(cache=True)
def _link_terms(mse, trader_power, bargaining, social, intermediary_rent, firms, home, terms,
                consts):
    """Fill ``terms`` (`LinkTerms`) from its links: markup, pass-through, transport.

    Args:
        mse: `MseState` (read only).
        trader_power: Market power of each intermediary.
        bargaining: Bargaining power per MSE.
        social: Social barrier per MSE.
        intermediary_rent: Scenario lever.
        firms: `sim.services.LeadFirms` (buying power and quality demand are read).
        home: Home trader of each village (-1: not known, no far-trader cost).
        terms: `LinkTerms`; ``link`` is read, the rest written.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    BROKER_MARKUP = consts[0].broker_markup
    BROKER_PREMIUM_RENT = consts[0].broker_premium_rent
    CHANNEL_HANDLING_COST = values3(consts[0].channel_handling_cost)
    FAR_TRADER_COST = consts[0].far_trader_cost
    LEAD_FIRM_MARKUP = consts[0].lead_firm_markup
    LEAD_FIRM_PREMIUM_RENT = consts[0].lead_firm_premium_rent
    MAX_INTERMEDIARY_MARKUP = consts[0].max_intermediary_markup
    SOCIAL_MARKUP = consts[0].social_markup
    TRANSPORT_COST = consts[0].transport_cost
    village = mse.village
    firm_power, unpaid = firms.power, firms.quality_demand
    trader, distance = mse.trader, mse.distance
    link, markup, pass_through, transport = (terms.link, terms.markup, terms.pass_through,
                                             terms.transport)
    for i in range(link.size):
        soft = 1.0 - bargaining[i]
        for c in range(N_CHANNELS):
            transport[c, i] = CHANNEL_HANDLING_COST[c] + TRANSPORT_COST * distance[i]
        if link[i] == VIA_TRADER:
            power = trader_power[trader[i]]
            markup[i] = MAX_INTERMEDIARY_MARKUP * power * soft + SOCIAL_MARKUP * social[i]
            pass_through[i] = 1.0 - intermediary_premium_capture(intermediary_rent, power,
                                                                 bargaining[i])
            far = home[village[i]] >= 0 and home[village[i]] != trader[i]
            for c in range(N_CHANNELS):
                transport[c, i] += FAR_TRADER_COST * distance[i] * far
        elif link[i] == VIA_BROKER:
            markup[i] = BROKER_MARKUP * soft
            pass_through[i] = 1.0 - BROKER_PREMIUM_RENT * soft
            for c in range(N_CHANNELS):
                transport[c, i] += direct_selling_cost(distance[i], 0.0, c, consts)
        elif link[i] == VIA_LEAD_FIRM:
            markup[i] = LEAD_FIRM_MARKUP * firm_power * soft
            pass_through[i] = (1.0 - LEAD_FIRM_PREMIUM_RENT * firm_power * soft) * (1.0 - unpaid)
        else:  # DIRECT: no buyer's margin, but its own haulage and marketing
            markup[i] = 0.0
            pass_through[i] = 1.0
            for c in range(N_CHANNELS):
                transport[c, i] += direct_selling_cost(distance[i], social[i], c, consts)


@njit(cache=True)
def sold_in_channels(weights, quality, consts):
    """Where one MSE's sales go after standards: ``weights`` (3,) by channel, as a tuple.

    What fails a channel's standard sells domestically, which takes any quality.
    """
    unmet = 0.0
    for c in range(N_CHANNELS):
        if not clears_standard(quality, c, consts):
            unmet += weights[c]
    # Channel 0 is DOMESTIC, whose standard every product clears.
    return (weights[0] * clears_standard(quality, 0, consts) + unmet,
            weights[1] * clears_standard(quality, 1, consts),
            weights[2] * clears_standard(quality, 2, consts))


@njit(cache=True)
def paid_price(spot, trend, contract_share):
    """Base price a buyer pays per unit (elementwise).

    That is the guaranteed (trend) price on the contracted share of a lead-firm supplier's
    output, and this month's spot price on the rest.
    """
    return spot + (trend - spot) * contract_share


@njit(cache=True)
def unit_prices(paid, premium, markup, pass_through, transport):
    """What an MSE's link pays per unit in one channel: base part and premium rate.

    An MSE of quality ``q`` receives ``base + premium_rate * q`` per unit.

    Args:
        paid: Base price the buyer pays (`paid_price`).
        premium: The channel's premium per unit of quality.
        markup: Share of the base price the MSE's buyer keeps.
        pass_through: Share of the premium that reaches the MSE.
        transport: Transport and marketing cost per unit.

    Returns:
        ``(base, premium_rate)``: the base price net of the buyer's markup and of transport,
        and the quality premium per unit of quality that reaches the MSE.
    """
    return paid * (1.0 - markup) - transport, paid * premium * pass_through


class MarketTerms(NamedTuple):
    """End markets this month, as one argument of the sales pass.

    Attributes:
        spot: Base price by channel this month, (3,) (currency per unit).
        premium: Premium per unit of quality by channel, (3,).
        order_cuts: Share of each channel's orders cancelled this month, (3,).
        trend: Guaranteed (trend) base price of forward contracts by channel, (3,).
        benchmark_cost: Unit cost of low-cost competitors (currency per unit).
        competition: Scenario lever in [0, 1].
    """

    spot: np.ndarray
    premium: np.ndarray
    order_cuts: np.ndarray
    trend: np.ndarray
    benchmark_cost: float
    competition: float


class SalesAccounts(NamedTuple):
    """Where the sales pass writes one month's sales (see `Sales` for the meanings).

    Attributes:
        produced: Units each MSE produced, (n,).
        units: Units sold by each MSE in each channel, (3, n).
        revenue: Each MSE's sales revenue (currency), (n,).
        base: Base price per unit each MSE's link pays, by channel, (3, n).
        premium_rate: Premium per unit of quality reaching each MSE, by channel, (3, n).
        buyer_payments: Total paid by end-market buyers, by channel, (3,).
        intermediary_take: What each intermediary kept, (intermediaries,).
        lead_firm_take: What each lead firm kept, (lead firms,).
        totals: Transport and marketing paid, premium paid, premium reaching MSEs, units sold
            through MSE brokers, (4,).
        channel_units: Units sold in each channel by all MSEs, (3,).
        brokerage: What each MSE kept brokering its neighbours' sales (currency), (n,).
    """

    produced: np.ndarray
    units: np.ndarray
    revenue: np.ndarray
    base: np.ndarray
    premium_rate: np.ndarray
    buyer_payments: np.ndarray
    intermediary_take: np.ndarray
    lead_firm_take: np.ndarray
    totals: np.ndarray
    channel_units: np.ndarray
    brokerage: np.ndarray


@dataclass
class Sales:
    """One month's sales, per MSE and in total.

    Attributes:
        produced: Units each MSE produced (sold or not).
        units: Units sold by each MSE in each channel, shape (3, n).
        revenue: Each MSE's sales revenue (net of transport and marketing).
        buyer_payments: Total paid by end-market buyers, by channel.
        intermediary_take: What each intermediary kept (markup, premium rent).
        lead_firm_take: What each lead firm kept (margin, premium rent, contract gains/losses).
        transport: Total transport and marketing costs paid to third parties.
        premium_paid: Total quality premium paid by buyers.
        premium_to_mse: Total quality premium reaching MSEs.
        via_brokers: Units sold through MSE brokers.
        channel_units: Units sold in each channel by all MSEs, (3,).
        base: Base price per unit each MSE's link pays, by channel (3, n).
        premium_rate: Premium per unit of quality reaching each MSE, by channel (3, n).
        brokerage: What each MSE kept brokering its neighbours' sales (part of its revenue;
            zero for MSEs that are not brokers), (n,).
    """

    produced: np.ndarray
    units: np.ndarray
    revenue: np.ndarray
    buyer_payments: np.ndarray
    intermediary_take: np.ndarray
    lead_firm_take: np.ndarray
    transport: float
    premium_paid: float
    premium_to_mse: float
    via_brokers: float
    channel_units: np.ndarray
    base: np.ndarray
    premium_rate: np.ndarray
    brokerage: np.ndarray

    @property
    def broker_take(self) -> float:
        """What MSE brokers kept of their neighbours' sales (currency).

        It is in the brokers' own revenue too, since a broker is an MSE.
        """
        return float(self.brokerage.sum())


def sell_output(pop: Population, markets: Markets, terms: LinkTerms, trend: np.ndarray,
                contract_share: np.ndarray, competition: float, n_intermediaries: int,
                n_lead_firms: int, consts: np.ndarray | None = None) -> Sales:
    """Sell every in-chain MSE's output and account for each party's share.

    Buyers' payments, intermediaries' and lead firms' takes are each computed from their own
    rule, so that the identity *buyers = MSEs + intermediaries + lead firms + transport* is a
    check on the price formulas rather than true by construction.
    """
    consts = resolve(consts)
    n = pop.n
    market = MarketTerms(spot=markets.price, premium=markets.premium,
                         order_cuts=order_cuts(markets, consts=consts), trend=trend,
                         benchmark_cost=float(markets.benchmark_cost),
                         competition=float(competition))
    out = SalesAccounts(
        produced=np.empty(n),
        units=np.empty((N_CHANNELS, n)),
        revenue=np.zeros(n),
        base=np.empty((N_CHANNELS, n)),
        premium_rate=np.empty((N_CHANNELS, n)),
        buyer_payments=np.zeros(N_CHANNELS),
        intermediary_take=np.zeros(n_intermediaries),
        lead_firm_take=np.zeros(n_lead_firms),
        totals=np.zeros(4),
        channel_units=np.zeros(N_CHANNELS),
        brokerage=np.zeros(n),
    )
    _sell(pop.state, terms, market, contract_share, out, consts)
    return Sales(
        produced=out.produced,
        units=out.units,
        revenue=out.revenue,
        buyer_payments=out.buyer_payments,
        intermediary_take=out.intermediary_take,
        lead_firm_take=out.lead_firm_take,
        transport=float(out.totals[0]),
        premium_paid=float(out.totals[1]),
        premium_to_mse=float(out.totals[2]),
        via_brokers=float(out.totals[3]),
        channel_units=out.channel_units,
        base=out.base,
        premium_rate=out.premium_rate,
        brokerage=out.brokerage,
    )


class SaleConstants(NamedTuple):
    """The constants the sales pass's helpers read, held as values (names as in the record)."""

    quality_standard: tuple
    channel_depth: tuple
    sales_loss_per_10pct: float


@njit(cache=True)
def _sell(mse, terms, market, contract_share, out, consts):
    """Sell every MSE's output and book each party's share.

    Args:
        mse: `MseState` (read only).
        terms: `LinkTerms` of each MSE's link.
        market: `MarketTerms` of this month.
        contract_share: Share of each MSE's output sold forward.
        out: `SalesAccounts`, written (takes, payments and revenue added to zeroed arrays).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    # The helpers below read these constants inside the loop; as values they stay in
    # registers (see sim.decisions.hot_constants).
    hot = (SaleConstants(values3(consts[0].quality_standard), values3(consts[0].channel_depth),
                         consts[0].sales_loss_per_10pct),)
    broker = terms.broker
    channel_units = out.channel_units
    capacity, unit_cost, channel_weight, quality, channels, trader, lead_firm = (
        mse.capacity, mse.unit_cost, mse.channel_weight, mse.quality, mse.channels,
        mse.trader, mse.lead_firm)
    active, upgrades = mse.active, mse.upgrades
    link, markup, pass_through, transport = (terms.link, terms.markup, terms.pass_through,
                                             terms.transport)
    spot, premium, cuts, trend = market.spot, market.premium, market.order_cuts, market.trend
    benchmark_cost, competition = market.benchmark_cost, market.competition
    produced, units, revenue, base, premium_rate = (out.produced, out.units, out.revenue,
                                                    out.base, out.premium_rate)
    buyer_payments, intermediary_take, lead_firm_take, totals = (
        out.buyer_payments, out.intermediary_take, out.lead_firm_take, out.totals)
    # Running totals in locals rather than array slots, so they stay in registers.
    transport_paid = premium_paid = premium_to_mse = via_brokers = 0.0
    for i in range(capacity.size):
        in_chain = stays_in_chain(active[i], upgrades[i])
        q, cs = quality[i], contract_share[i]
        w = sold_in_channels(channel_weight[:, i], q, hot)
        # The MSE makes what it can sell: against low-cost competitors, and as much as its
        # channels' buyers take.
        volume = capacity[i] * competitive_sales_share(
            unit_cost[i], benchmark_cost, competition, hot) * in_chain * market_depth(w, hot)
        produced[i] = volume
        # Orders cancelled in a slumping export market sell at home if the MSE kept its
        # domestic ties, and are lost if it did not (guideline 7); forward contracts are
        # honoured.
        cancelled = 0.0
        for c in range(N_CHANNELS):
            sold = volume * w[c]
            cut = sold * cuts[c] * (1.0 - cs)
            units[c, i] = sold - cut
            cancelled += cut
        units[DOMESTIC, i] += cancelled * ((channels[i] >> DOMESTIC) & 1)

        received = kept = contract_gain = 0.0
        for c in range(N_CHANNELS):
            u = units[c, i]
            channel_units[c] += u
            paid = paid_price(spot[c], trend[c], cs)
            base[c, i], premium_rate[c, i] = unit_prices(paid, premium[c], markup[i],
                                                         pass_through[i], transport[c, i])
            received += u * (base[c, i] + premium_rate[c, i] * q)
            premium_per_unit = premium[c] * q
            spot_value, paid_value = u * spot[c], u * paid
            buyer_payments[c] += spot_value * (1.0 + premium_per_unit)
            transport_paid += u * transport[c, i]
            premium_paid += spot_value * premium_per_unit
            # Measured at the spot price, like the premium paid: the share that passes
            # through, not forward contracts' price guarantee (which can pay more than spot).
            premium_to_mse += spot_value * premium_per_unit * pass_through[i]
            # The buyer's own share of base price and premium, on the price it pays the MSE.
            kept += paid_value * (markup[i] + premium_per_unit * (1.0 - pass_through[i]))
            # Under a forward contract the lead firm gains when spot is above the guaranteed
            # price and bears the loss when it is below.
            contract_gain += (spot_value - paid_value) * (1.0 + premium_per_unit)
        # Added, not set: an MSE broker's take from its neighbours' sales is its revenue too.
        revenue[i] += received
        if link[i] == VIA_BROKER:
            revenue[broker[i]] += kept
            out.brokerage[broker[i]] += kept
            via_brokers += units[0, i] + units[1, i] + units[2, i]
        # Each buyer's take goes to its own books. Adding zero to the others (rather than
        # branching on a link type the CPU cannot predict) leaves them exactly as they were.
        intermediary_take[trader[i]] += kept * (link[i] == VIA_TRADER)
        if lead_firm_take.size:
            lead_firm_take[max(lead_firm[i], 0)] += (kept + contract_gain) * (
                link[i] == VIA_LEAD_FIRM)
    totals[0], totals[1], totals[2], totals[3] = (
        transport_paid, premium_paid, premium_to_mse, via_brokers)
