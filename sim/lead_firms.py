"""Lead firms: supplier recruitment, embedded services and forward contracts.

Lead firms (exporters, processors) need suppliers that meet their buyers' standards, so they
reach out to MSEs, more readily to producer groups (lower transaction cost per unit bought)
and to MSEs that are near and socially close. To the MSEs linked to them they offer
*embedded services* — technical assistance, input advances, design help — that lower the cost
and risk of upgrading, and *forward contracts* at a guaranteed price that take away price risk.
Stand-alone support markets — fee-based training, extension and business services bought by
any MSE — are a separate, weak source (``support_services``; "a much less important source of
learning", seed lines 167-169; structural effect 4): they reach remote and excluded MSEs
poorly and charge a fee, so lead firms' embedded services fill part of the gap.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.constants import declare, real, values_of
from sim.population import FUNCTIONAL, Population, stays_in_chain

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "recruit_hazard",
            0.015,
            0.0,
            1.0,
            "per month",
            "Monthly chance that a lead firm reaches an unlinked MSE at embedded_services = 1.",
        ),
        # How actively lead firms recruit: a base, plus more the more they offer (services, contracts).
        real(
            "recruit_base",
            0.2,
            0.0,
            1.0,
            "weight",
            "How actively lead firms recruit with no services or contracts (base weight).",
        ),
        real(
            "recruit_services",
            0.6,
            0.0,
            1.0,
            "weight",
            "Weight of embedded services in how actively lead firms recruit.",
        ),
        real(
            "recruit_contracts",
            0.2,
            0.0,
            1.0,
            "weight",
            "Weight of forward contracts in how actively lead firms recruit.",
        ),
        real(
            "pull_floor",
            0.2,
            0.0,
            1.0,
            "share",
            "Share of recruitment that goes on with no pull from end markets (domestic processing).",
        ),
        real(
            "group_reach",
            3.0,
            0.0,
            20.0,
            "multiplier",
            "Reach multiplier for members of a producer group (one contact reaches many).",
        ),
        # Reach lost at distance 1 and at full social barrier.
        real(
            "distance_reach_loss",
            0.7,
            0.0,
            1.0,
            "share of reach",
            "Lead firms' reach lost at distance 1.",
        ),
        real(
            "social_reach_loss",
            0.7,
            0.0,
            1.0,
            "share of reach",
            "Lead firms' reach lost at full social barrier.",
        ),
        # More lead firms buy from more MSEs.
        real(
            "suppliers_per_firm",
            0.1,
            0.0,
            1.0,
            "share of MSEs",
            "Share of all MSEs one lead firm can buy from (its own supplier capacity).",
        ),
        # Range of lead firms' own quality standards for a forward contract (one draw per firm):
        # contracts are "conditional on meeting the firm's quality standard" (seed lines 245-249).
        real(
            "firm_standard_low",
            0.2,
            0.0,
            1.0,
            "quality 0-1",
            "Lowest of lead firms' own quality standards for a forward contract (one draw per firm).",
            source="calibration choice, guided by the seed (seed lines 245-249)",
        ),
        real(
            "firm_standard_high",
            0.5,
            0.0,
            1.0,
            "quality 0-1",
            "Highest of lead firms' own quality standards for a forward contract.",
            source="calibration choice, guided by the seed (seed lines 245-249)",
        ),
        # Range of each firm's contract terms, as a multiple of the ``forward_contracts`` lever (one
        # draw per firm; the share of output contracted is at most 1).
        real(
            "firm_contract_low",
            0.5,
            0.0,
            10.0,
            "multiple of forward_contracts",
            "Lowest of the firms' contract terms, as a multiple of the forward_contracts lever.",
        ),
        real(
            "firm_contract_high",
            1.5,
            0.0,
            10.0,
            "multiple of forward_contracts",
            "Highest of the firms' contract terms, as a multiple of the forward_contracts lever.",
        ),
        # Buyers demand higher quality "as a condition of doing business, without offering higher
        # prices" (seed lines 245-249).
        real(
            "demanded_quality",
            0.3,
            0.0,
            1.0,
            "quality 0-1",
            "Rise of every firm's standard at quality_demand = 1.",
            source="calibration choice, guided by the seed (seed lines 245-249)",
        ),
        real(
            "below_standard_drop",
            0.05,
            0.0,
            1.0,
            "per month",
            "Monthly chance, at quality_demand = 1, that a supplier below its firm's standard is "
            "dropped.",
        ),
        # Its power is ``1 / (1 + FIRM_RIVALRY (firms - 1))``, which scales its margin and premium rent.
        real(
            "firm_rivalry",
            0.3,
            0.0,
            10.0,
            "share of buying power per rival",
            "Buying power a lead firm loses to each rival competing for the same suppliers.",
        ),
        real(
            "delink_hazard",
            0.005,
            0.0,
            1.0,
            "per month",
            "Monthly chance that a supply relationship ends.",
        ),
        real(
            "service_cost_discount",
            0.4,
            0.0,
            1.0,
            "share of cost",
            "Cost of upgrading removed by design help and technical assistance at full intensity.",
        ),
        real(
            "service_success_gain",
            0.25,
            0.0,
            1.0,
            "probability",
            "Chance of an upgrade succeeding added by technical assistance at full intensity.",
        ),
        real(
            "service_skill_gain",
            0.004,
            0.0,
            0.1,
            "skill per month",
            "Skill gained per month from technical assistance at full intensity.",
        ),
        real(
            "advance_share",
            1.0,
            0.0,
            1.0,
            "share of working capital",
            "Share of an upgrade's working capital a lead firm advances at full intensity.",
        ),
        # Reach of stand-alone support services lost at distance 1 and at full social barrier:
        # supporting markets are thin away from towns and for excluded groups.
        real(
            "support_distance_loss",
            0.6,
            0.0,
            1.0,
            "share of reach",
            "Reach of stand-alone support services lost at distance 1.",
        ),
        real(
            "support_social_loss",
            0.6,
            0.0,
            1.0,
            "share of reach",
            "Reach of stand-alone support services lost at full social barrier.",
        ),
        real(
            "support_fee",
            0.2,
            0.0,
            1.0,
            "share of upgrade cost",
            "Fee for stand-alone services, as a share of an upgrade's cost, at full intensity (they "
            "are paid for, unlike embedded services).",
        ),
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


class LeadFirms(NamedTuple):
    """Each lead firm's own terms, as one argument of the compiled passes (one per firm).

    Attributes:
        standard: Quality a supplier must meet for a forward contract, (firms,).
        contract: Share of a qualifying supplier's output bought forward, (firms,).
        capacity: Most suppliers the firm buys from, (firms,) (int64).
        power: Buying power of each firm against its suppliers in (0, 1]: less the more
            rival lead firms compete for suppliers.
        quality_demand: Scenario lever: quality demanded without a higher price.
    """

    standard: np.ndarray
    contract: np.ndarray
    capacity: np.ndarray
    power: float
    quality_demand: float


def firm_power(n_lead_firms: int, consts: np.ndarray) -> float:
    """Buying power of a lead firm against its suppliers, given its rivals (1 for a monopsony).

    Lead firms compete for suppliers: with more of them, each keeps a smaller margin and less
    of the quality premium.
    """
    FIRM_RIVALRY = values_of(consts)["firm_rivalry"]
    return 1.0 / (1.0 + FIRM_RIVALRY * max(n_lead_firms - 1, 0))


def create_lead_firms(
    n_lead_firms: int,
    n_mse: int,
    forward_contracts: float,
    quality_demand: float,
    rng: np.random.Generator,
    consts: np.ndarray,
) -> LeadFirms:
    """Draw each lead firm's standard and contract terms; give each its supplier capacity.

    Args:
        n_lead_firms: Number of lead firms.
        n_mse: Number of MSEs (capacity is a share of them).
        forward_contracts: Scenario lever: the mean share of output contracted.
        quality_demand: Scenario lever: raises every standard, without a higher price.
        rng: The model's random number generator (two draws per firm).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    DEMANDED_QUALITY = values_of(consts)["demanded_quality"]
    FIRM_CONTRACT_HIGH = values_of(consts)["firm_contract_high"]
    FIRM_CONTRACT_LOW = values_of(consts)["firm_contract_low"]
    FIRM_STANDARD_HIGH = values_of(consts)["firm_standard_high"]
    FIRM_STANDARD_LOW = values_of(consts)["firm_standard_low"]
    SUPPLIERS_PER_FIRM = values_of(consts)["suppliers_per_firm"]
    draws = rng.random((2, n_lead_firms))
    standard = np.minimum(
        FIRM_STANDARD_LOW
        + (FIRM_STANDARD_HIGH - FIRM_STANDARD_LOW) * draws[0]
        + DEMANDED_QUALITY * quality_demand,
        1.0,
    )
    contract = np.minimum(
        forward_contracts
        * (FIRM_CONTRACT_LOW + (FIRM_CONTRACT_HIGH - FIRM_CONTRACT_LOW) * draws[1]),
        1.0,
    )
    capacity = np.full(n_lead_firms, int(SUPPLIERS_PER_FIRM * n_mse), dtype=np.int64)
    return LeadFirms(
        standard, contract, capacity, firm_power(n_lead_firms, consts=consts), float(quality_demand)
    )


def service_intensity(pop: Population, embedded_services: float) -> np.ndarray:
    """Embedded-service intensity each MSE receives: the lever if linked to a lead firm."""
    return _linked_share(float(embedded_services), pop.lead_firm, pop.active)


def support_intensity(
    pop: Population, support_services: float, social: np.ndarray, consts: np.ndarray
) -> np.ndarray:
    """Stand-alone (fee-based) support services each in-chain MSE can buy, in [0, 1].

    Open to every MSE, linked or not, but thinner far from markets and for the excluded
    group. They raise the chance of success, skills and news of options like embedded
    services do, but cost a fee and bring no input advances or cost-cutting design help.
    """
    return _support_intensity(
        float(support_services), pop.distance, social, pop.active, pop.upgrades, consts
    )


@njit(cache=True)
def _support_intensity(lever, distance, social, active, upgrades, consts):
    SUPPORT_DISTANCE_LOSS = consts[0].support_distance_loss
    SUPPORT_SOCIAL_LOSS = consts[0].support_social_loss
    out = np.empty(distance.size)
    for i in range(distance.size):
        out[i] = (
            lever
            * (1.0 - SUPPORT_DISTANCE_LOSS * distance[i])
            * (1.0 - SUPPORT_SOCIAL_LOSS * social[i])
            * stays_in_chain(active[i], upgrades[i])
        )
    return out


def contract_share(pop: Population, firms: LeadFirms) -> np.ndarray:
    """Share of each MSE's output bought under a forward contract at a guaranteed price.

    A supplier gets its lead firm's contract terms if its product meets the firm's standard,
    and none otherwise.
    """
    return _contract_share(firms.standard, firms.contract, pop.lead_firm, pop.active, pop.quality)


@njit(cache=True)
def _contract_share(standard, contract, lead_firm, active, quality):
    out = np.zeros(lead_firm.size)
    for i in range(lead_firm.size):
        k = lead_firm[i]
        if k >= 0 and active[i] and quality[i] >= standard[k] - 1e-12:
            out[i] = contract[k]
    return out


@njit(cache=True)
def _linked_share(lever, lead_firm, active):
    """The lever for active MSEs linked to a lead firm, zero for the rest."""
    out = np.empty(lead_firm.size)
    for i in range(lead_firm.size):
        out[i] = lever if lead_firm[i] >= 0 and active[i] else 0.0
    return out


def end_market_pull(export_premium: float, demand_shift: float) -> float:
    """How strongly end markets pull lead firms to recruit suppliers, in [0, 1].

    Lead firms exist to serve distant buyers: the bigger the export price gap and the faster
    preferences move toward quality, the more suppliers they seek (structural effect 1).
    """
    return min(1.0, 2.0 * export_premium + demand_shift)


def recruit_suppliers(
    pop: Population,
    firms: LeadFirms,
    *,
    embedded_services: float,
    forward_contracts: float,
    pull: float,
    social: np.ndarray,
    uniforms: np.ndarray,
    consts: np.ndarray,
) -> None:
    """Lead firms link to new suppliers and some links end (one month).

    Lead firms that offer more (services, contracts) recruit more actively; the pull is
    strongest for producer-group members and for MSEs close to them, physically and socially.
    Each firm buys from at most its own capacity of suppliers; a reached MSE goes to the firm
    its draw picks, or to the next one with room. When buyers demand quality without paying
    more (``firms.quality_demand``), suppliers below their firm's standard may be dropped.

    Args:
        pop: Population; `lead_firm` updated in place.
        firms: The lead firms (none: nothing happens).
        embedded_services: Scenario lever.
        forward_contracts: Scenario lever.
        pull: End markets' pull, from :func:`end_market_pull`.
        social: Social barrier per MSE.
        uniforms: Uniform draws, shape (n,). A linked MSE's link ends when its draw is below
            DELINK_HAZARD (plus BELOW_STANDARD_DROP x quality demand if below standard);
            an unlinked one is reached when its draw ``u`` is below its hazard ``h``, and
            then ``u / h`` (uniform again) picks the lead firm.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    PULL_FLOOR = values_of(consts)["pull_floor"]
    RECRUIT_BASE = values_of(consts)["recruit_base"]
    RECRUIT_CONTRACTS = values_of(consts)["recruit_contracts"]
    RECRUIT_HAZARD = values_of(consts)["recruit_hazard"]
    RECRUIT_SERVICES = values_of(consts)["recruit_services"]
    if firms.capacity.size == 0:
        return
    offer = (
        RECRUIT_BASE + RECRUIT_SERVICES * embedded_services + RECRUIT_CONTRACTS * forward_contracts
    ) * (PULL_FLOOR + (1.0 - PULL_FLOOR) * pull)
    _recruit(pop.state, social, uniforms, RECRUIT_HAZARD * offer, firms, consts)


@njit(cache=True)
def _recruit(mse, social, uniforms, base_hazard, firms, consts):
    """Links end and lead firms reach new suppliers, each up to its own capacity.

    Args:
        mse: `MseState`; ``lead_firm`` written.
        social: Social barrier per MSE.
        uniforms: One uniform draw per MSE.
        base_hazard: Monthly chance of being reached, before reach and losses.
        firms: `LeadFirms`.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    BELOW_STANDARD_DROP = consts[0].below_standard_drop
    DELINK_HAZARD = consts[0].delink_hazard
    DISTANCE_REACH_LOSS = consts[0].distance_reach_loss
    GROUP_REACH = consts[0].group_reach
    SOCIAL_REACH_LOSS = consts[0].social_reach_loss
    lead_firm, upgrades, distance, group = mse.lead_firm, mse.upgrades, mse.distance, mse.group
    active, quality = mse.active, mse.quality
    standard, capacity = firms.standard, firms.capacity
    n_lead_firms = capacity.size
    drop = BELOW_STANDARD_DROP * firms.quality_demand
    reached = np.empty(lead_firm.size, np.int64)
    hazard = np.empty(lead_firm.size)
    linked = np.zeros(n_lead_firms, np.int64)
    n_reached = 0
    for i in range(lead_firm.size):
        k = lead_firm[i]
        was_linked = k >= 0
        in_chain = stays_in_chain(active[i], upgrades[i])
        below = was_linked and quality[i] < standard[k] - 1e-12
        if (was_linked and uniforms[i] < DELINK_HAZARD + drop * below) or not in_chain:
            lead_firm[i] = -1
        if lead_firm[i] >= 0:
            linked[lead_firm[i]] += 1
        hazard[i] = (
            base_hazard
            * (1.0 + (GROUP_REACH - 1.0) * (group[i] >= 0))
            * (1.0 - DISTANCE_REACH_LOSS * distance[i])
            * (1.0 - SOCIAL_REACH_LOSS * social[i])
        )
        # An MSE that took on the trader's function sells straight to end markets: not a
        # supplier.
        if (
            not was_linked
            and in_chain
            and (upgrades[i] >> FUNCTIONAL) & 1 == 0
            and uniforms[i] < hazard[i]
        ):
            reached[n_reached] = i
            n_reached += 1
    if n_reached == 0:
        return
    # When lead firms are near capacity, the MSEs they reached first (lowest draw) get in.
    reached = reached[:n_reached]
    reached = reached[np.argsort(uniforms[reached], kind="mergesort")]
    room = capacity.sum() - linked.sum()
    for i in reached:
        if room <= 0:
            break
        pick = int(min(uniforms[i] / hazard[i] * n_lead_firms, n_lead_firms - 1))
        # The firm the draw picks, or the next with room: firms compete for suppliers.
        for step in range(n_lead_firms):
            k = (pick + step) % n_lead_firms
            if linked[k] < capacity[k]:
                lead_firm[i] = k
                linked[k] += 1
                room -= 1
                break


def technical_assistance(
    pop: Population, services: np.ndarray, support: np.ndarray | None = None, *, consts: np.ndarray
) -> None:
    """MSEs learn from lead firms' technical assistance and stand-alone services (skill)."""
    _learn_from_assistance(
        pop.skill, services, np.zeros_like(services) if support is None else support, consts
    )


@njit(cache=True)
def _learn_from_assistance(skill, services, support, consts):
    SERVICE_SKILL_GAIN = consts[0].service_skill_gain
    for i in range(skill.size):
        skill[i] = min(skill[i] + SERVICE_SKILL_GAIN * min(services[i] + support[i], 1.0), 1.0)


@njit(cache=True)
def advance_share(services, consts):
    """Share of an option's working capital a lead firm would advance (elementwise)."""
    ADVANCE_SHARE = consts[0].advance_share
    return ADVANCE_SHARE * services


# -- contracts that can be broken (issue 22, item 4) --------------------------------------------


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
    values = values_of(consts)
    d = books.default_rate
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
