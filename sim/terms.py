"""The terms of each MSE's link: bargaining power, markups, premium pass-through and transport.

- its village's **intermediary** (trader/broker) takes a markup on the base price and
  captures part of the quality premium as rent, more so the greater its market power and the
  weaker the MSE's bargaining position;
- a **lead firm** (exporter or processor) keeps a small margin, passes most of the premium on
  and may buy part of the output under a forward contract at a guaranteed price;
- an **MSE broker** keeps a smaller margin than a trader and hauls the village's output;
- a **direct** seller (after functional upgrading) pays its own transport and marketing
  costs (lower in the domestic channel, where physical and social distances between layers of
  the chain are smaller).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit, prange

from sim.constants import declare, real, values_bundle, vector
from sim.links import VIA_BROKER, VIA_LEAD_FIRM, VIA_TRADER
from sim.markets import CHANNELS, DOMESTIC, N_CHANNELS
from sim.population import Population
from sim.threads import CHUNK, parallel
from sim.traders import Traders

if TYPE_CHECKING:
    # Only a type here: sim.lead_firms imports sim.supplier_choice, which reads this module.
    from sim.lead_firms import LeadFirms

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "max_intermediary_markup",
            0.25,
            0.0,
            1.0,
            "share of base price",
            "Largest markup (share of the base price) an intermediary with full market power takes "
            "from an MSE with no bargaining power.",
        ),
        real(
            "social_markup",
            0.08,
            0.0,
            1.0,
            "share of base price",
            "Extra markup imposed on the excluded group at full social barrier (discriminatory "
            "terms).",
        ),
        real(
            "lead_firm_markup",
            0.2,
            0.0,
            1.0,
            "share of base price",
            "Lead firms' margin on the base price against an MSE with no bargaining power, for a "
            "lead firm with monopsony power (scaled by each firm's power, `sim.supplier_choice`).",
        ),
        real(
            "lead_firm_premium_rent",
            0.2,
            0.0,
            1.0,
            "share of premium",
            "Share of the quality premium a lead firm with no rival keeps against an MSE with no "
            "bargaining power.",
        ),
        real(
            "group_bargaining",
            0.25,
            0.0,
            1.0,
            "bargaining power 0-1",
            "Bargaining power added by collective bargaining in a producer group.",
        ),
        real(
            "ict_bargaining",
            0.10,
            0.0,
            1.0,
            "bargaining power 0-1",
            "Bargaining power added by knowing market prices through ICT.",
        ),
        real(
            "social_bargaining",
            0.15,
            0.0,
            1.0,
            "bargaining power 0-1",
            "Bargaining power lost at full social barrier.",
        ),
        real(
            "transport_cost",
            0.12,
            0.0,
            1.0,
            "share of domestic price per unit",
            "Transport cost per unit at distance 1 when a buyer collects (share of the domestic "
            "price).",
        ),
        # Grading, packing, certification for export markets.
        vector(
            "channel_handling_cost",
            [0.0, 0.12, 0.15],
            CHANNELS,
            0,
            1,
            "share of domestic price per unit",
            "Handling cost per unit by channel.",
        ),
        real(
            "direct_transport_extra",
            0.06,
            0.0,
            1.0,
            "share of domestic price per unit",
            "Extra transport cost per unit at distance 1 for an MSE that hauls its own product.",
        ),
        vector(
            "direct_marketing_cost",
            [0.01, 0.10, 0.10],
            CHANNELS,
            0,
            1,
            "share of domestic price per unit",
            "Marketing cost per unit of selling directly in each channel (domestic is easiest).",
        ),
        real(
            "social_marketing_cost",
            0.10,
            0.0,
            1.0,
            "share of domestic price per unit",
            "Extra marketing cost per unit, outside the domestic channel, at full social barrier.",
        ),
        # A neighbour who hauls the village's output to distant buyers ("an MSE producer buys a truck
        # and begins brokering on behalf of other producers", seed lines 113-115).
        real(
            "broker_markup",
            0.10,
            0.0,
            1.0,
            "share of base price",
            "An MSE broker's margin on the base price against an MSE with no bargaining power.",
            source="calibration choice, guided by the seed (seed lines 113-115)",
        ),
        real(
            "broker_premium_rent",
            0.10,
            0.0,
            1.0,
            "share of premium",
            "Share of the quality premium an MSE broker keeps against an MSE with no bargaining "
            'power (Pakistan\'s women sales agents passed on "higher prices", seed lines 239-243).',
            source="calibration choice, guided by the seed (seed lines 239-243)",
        ),
        real(
            "far_trader_cost",
            0.05,
            0.0,
            1.0,
            "share of domestic price per unit",
            "Extra transport cost per unit at distance 1 for an MSE whose own trader exited and that"
            " sells to a trader from elsewhere.",
        ),
    ],
)

#: The constants `transport_cost` reads, as values (`sim.constants.values_bundle`): the passes
#: that work out each MSE's cost in each channel take this bundle, made once per call, rather
#: than the record, whose fields would be loaded again for every MSE and channel (with the
#: record, the sales, the outcome sums and the unit prices took twice their time at 10^5 MSEs).
TransportConstants, transport_constants = values_bundle(
    "TransportConstants",
    (
        "channel_handling_cost",
        "far_trader_cost",
        "transport_cost",
        "direct_marketing_cost",
        "direct_transport_extra",
        "social_marketing_cost",
    ),
    __name__,
)


def bargaining_power(
    pop: Population,
    lever: float,
    social: np.ndarray,
    consts: np.ndarray,
    group_benefit: np.ndarray | None = None,
) -> np.ndarray:
    """Each MSE's bargaining power in [0, 1].

    The scenario's base level, raised by collective bargaining in a producer group (scaled by
    the member's share of its group's benefits, `sim.groups.group_economics`; 1 for every
    member if omitted) and by the price knowledge ICT gives, lowered by social exclusion.
    """
    if group_benefit is None:
        group_benefit = (pop.group >= 0).astype(float)
    return _bargaining_power(float(lever), group_benefit, pop.ict, social, consts)


@njit(cache=True)
def _bargaining_power(lever, group_benefit, ict, social, consts):
    GROUP_BARGAINING = consts[0].group_bargaining
    ICT_BARGAINING = consts[0].ict_bargaining
    SOCIAL_BARGAINING = consts[0].social_bargaining
    power = np.empty(group_benefit.size)
    for i in range(group_benefit.size):
        power[i] = min(
            max(
                lever
                + GROUP_BARGAINING * group_benefit[i]
                + ICT_BARGAINING * ict[i]
                - SOCIAL_BARGAINING * social[i],
                0.0,
            ),
            1.0,
        )
    return power


@njit(cache=True)
def intermediary_premium_capture(rent, power, bargaining):
    """Share of the quality premium an intermediary keeps from each of its MSEs.

    The scenario's ``intermediary_rent`` is what an intermediary with full market power keeps
    from an MSE with no bargaining power; bargaining and bypass shrink it.
    """
    return rent * power * (1.0 - bargaining)


@njit(cache=True)
def trader_terms(power, bargaining, social, intermediary_rent, consts):
    """A trader's terms to one MSE: ``(markup, pass_through)``.

    The markup on the base price grows with the trader's market power and the MSE's
    weakness in bargaining, plus a discriminatory markup on the excluded group; the
    trader keeps part of the quality premium (`intermediary_premium_capture`).
    """
    MAX_INTERMEDIARY_MARKUP = consts[0].max_intermediary_markup
    SOCIAL_MARKUP = consts[0].social_markup
    markup = MAX_INTERMEDIARY_MARKUP * power * (1.0 - bargaining) + SOCIAL_MARKUP * social
    return markup, 1.0 - intermediary_premium_capture(intermediary_rent, power, bargaining)


@njit(cache=True)
def broker_terms(bargaining, consts):
    """An MSE broker's terms to one neighbour: ``(markup, pass_through)``.

    A smaller margin than a trader's and a smaller share of the premium, both shrinking
    with the neighbour's bargaining power; the neighbour pays the haulage
    (`direct_selling_cost`, without the social barrier).
    """
    BROKER_MARKUP = consts[0].broker_markup
    BROKER_PREMIUM_RENT = consts[0].broker_premium_rent
    soft = 1.0 - bargaining
    return BROKER_MARKUP * soft, 1.0 - BROKER_PREMIUM_RENT * soft


class LinkTerms(NamedTuple):
    """Terms each MSE gets from its link, all per unit sold (one element per MSE).

    Compiled passes take it as one argument and read it by name.

    Attributes:
        link: VIA_TRADER, VIA_LEAD_FIRM, DIRECT or VIA_BROKER (int8).
        markup: Share of the base price kept by the buyer.
        pass_through: Share of the quality premium reaching the MSE.
        far: Whether the MSE sold to a trader from elsewhere, its own having exited (bool).
        broker: Row of each MSE's broker, or -1, (n,) (int32: rows fit, and 4 bytes an MSE).
        distance: Each MSE's distance to market (the population's ``distance``, not a copy).
        social: Social barrier per MSE (the array the terms were made with, not a copy).

    The transport and marketing cost per unit by channel (`transport`, (3, n)) is worked out
    when read (`transport_cost`) rather than kept: at 10^7 MSEs it is 240 MB held all month,
    and it follows from the link, ``far``, the distance and the social barrier, which do not
    change once the terms are made (the trader can, hence ``far``).
    """

    link: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    far: np.ndarray
    broker: np.ndarray
    distance: np.ndarray
    social: np.ndarray

    def transport_by_channel(self, consts: np.ndarray) -> np.ndarray:
        """Transport and marketing cost per unit of each MSE's link, (3, n) (a new array)."""
        return _transport_table(self.link, self.far, self.distance, self.social, consts)


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


@njit(cache=True)
def transport_cost(link, far, distance, social, channel, consts):
    """Transport and marketing cost per unit of one MSE's link in ``channel`` (currency).

    What `_link_terms` works out for it, by the same operations in the same order, so the
    same bits: handling and transport at its distance, plus a far trader's extra haulage, a
    broker's haulage, or a direct seller's own haulage and marketing. ``consts`` is the record
    or, in a loop over MSEs, `transport_constants` of it.
    """
    HANDLING = consts[0].channel_handling_cost[channel]
    FAR_TRADER_COST = consts[0].far_trader_cost
    TRANSPORT_COST = consts[0].transport_cost
    cost = HANDLING + TRANSPORT_COST * distance
    if link == VIA_TRADER:
        cost += FAR_TRADER_COST * distance * far
    elif link == VIA_BROKER:
        cost += direct_selling_cost(distance, 0.0, channel, consts)
    elif link != VIA_LEAD_FIRM:  # DIRECT
        cost += direct_selling_cost(distance, social, channel, consts)
    return cost


@njit(cache=True)
def _transport_table(link, far, distance, social, consts):
    """`transport_cost` of every MSE in every channel, (3, n)."""
    n = link.size
    out = np.empty((N_CHANNELS, n))
    costs = transport_constants(consts)
    for c in range(N_CHANNELS):
        for i in range(n):
            out[c, i] = transport_cost(link[i], far[i], distance[i], social[i], c, costs)
    return out


def link_terms(
    pop: Population,
    link: np.ndarray,
    trader_power: np.ndarray,
    bargaining: np.ndarray,
    social: np.ndarray,
    intermediary_rent: float,
    firms: LeadFirms,
    broker: np.ndarray | None = None,
    traders: Traders | None = None,
    *,
    consts: np.ndarray,
) -> LinkTerms:
    """Compute markup, premium pass-through and transport cost for every MSE's link.

    Lead firms' terms depend on each firm's own offer (`LeadFirms.power`) and on whether
    their buyers demand quality without paying for it (`LeadFirms.quality_demand`: the firm then keeps
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
        firms: The lead firms (`sim.lead_firms.LeadFirms`).
        broker: Row of each MSE's broker, or -1 (from `links_and_brokers`; none if omitted).
        traders: `Traders` (every MSE served by its home trader if omitted).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    n = pop.n
    if broker is None:
        broker = np.full(n, -1, dtype=np.int32)
    home = (
        traders.home
        if traders is not None
        else np.full(int(pop.village.max()) + 1 if n else 1, -1, dtype=np.int32)
    )
    terms = LinkTerms(
        link=link,
        markup=np.empty(n),
        pass_through=np.empty(n),
        far=np.zeros(n, dtype=np.bool_),
        broker=broker,
        distance=pop.distance,
        social=social,
    )
    args = (
        pop.state,
        trader_power,
        bargaining,
        social,
        float(intermediary_rent),
        firms,
        home,
        terms,
        consts,
    )
    # Each MSE's terms are its own: from PARALLEL_MIN_MSES, over threads in fixed chunks.
    if parallel(n):
        _link_terms_chunks(*args, CHUNK)
    else:
        _link_terms(*args, 0, n)
    return terms


@njit(cache=True, parallel=True)
def _link_terms_chunks(
    mse, trader_power, bargaining, social, intermediary_rent, firms, home, terms, consts, chunk
):
    """`_link_terms` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = terms.link.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _link_terms(
            mse,
            trader_power,
            bargaining,
            social,
            intermediary_rent,
            firms,
            home,
            terms,
            consts,
            start,
            min(start + chunk, n),
        )


@njit(cache=True)
def _link_terms(
    mse,
    trader_power,
    bargaining,
    social,
    intermediary_rent,
    firms,
    home,
    terms,
    consts,
    start,
    stop,
):
    """Fill rows ``start`` to ``stop`` of ``terms`` (`LinkTerms`): markup, pass-through, far.

    Args:
        mse: `MseState` (read only).
        trader_power: Market power of each intermediary.
        bargaining: Bargaining power per MSE.
        social: Social barrier per MSE.
        intermediary_rent: Scenario lever.
        firms: `sim.lead_firms.LeadFirms` (buying power and quality demand are read).
        home: Home trader of each village (-1: not known, no far-trader cost).
        terms: `LinkTerms`; ``link`` is read, the rest written.
        consts: The run's calibration constants (a `sim.constants` record).
        start: The first MSE.
        stop: The MSE after the last.
    """
    LEAD_FIRM_MARKUP = consts[0].lead_firm_markup
    LEAD_FIRM_PREMIUM_RENT = consts[0].lead_firm_premium_rent
    village = mse.village
    firm_power, unpaid = firms.power, firms.quality_demand
    lead_firm = mse.lead_firm
    trader = mse.trader
    link, markup, pass_through, far = (
        terms.link,
        terms.markup,
        terms.pass_through,
        terms.far,
    )
    for i in range(start, stop):
        soft = 1.0 - bargaining[i]
        # The transport cost is worked out when read (`transport_cost`); only whether the
        # MSE's trader is from elsewhere is kept, the trader being one that can change.
        if link[i] == VIA_TRADER:
            markup[i], pass_through[i] = trader_terms(
                trader_power[trader[i]], bargaining[i], social[i], intermediary_rent, consts
            )
            far[i] = home[village[i]] >= 0 and home[village[i]] != trader[i]
        elif link[i] == VIA_BROKER:
            markup[i], pass_through[i] = broker_terms(bargaining[i], consts)
        elif link[i] == VIA_LEAD_FIRM:
            power = firm_power[max(lead_firm[i], 0)]  # its own firm's offer
            markup[i] = LEAD_FIRM_MARKUP * power * soft
            pass_through[i] = (1.0 - LEAD_FIRM_PREMIUM_RENT * power * soft) * (1.0 - unpaid)
        else:  # DIRECT: no buyer's margin, but its own haulage and marketing
            markup[i] = 0.0
            pass_through[i] = 1.0
