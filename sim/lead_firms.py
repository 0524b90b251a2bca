"""Lead firms: their own terms and how they recruit suppliers.

Lead firms (exporters, processors) need suppliers that meet their buyers' standards, so they
reach out to MSEs, more readily to producer groups (lower transaction cost per unit bought)
and to MSEs that are near and socially close. Each firm has its own quality standard,
contract terms, supplier capacity and offer (`LeadFirms`). End markets' pull sets how hard
they recruit (`end_market_pull`). Rivals compete for suppliers through their terms, and the
MSEs they reach choose the best offer against their current buyer (:mod:`sim.supplier_choice`,
issue 22 item 3); switched off, a formula in their number sets every firm's terms
(`firm_power`) and a reached MSE joins the firm its draw picks.

What lead firms offer the MSEs linked to them has modules of its own: embedded services in
:mod:`sim.services`, forward contracts (and side-selling, and the firms' books) in
:mod:`sim.contracts`. Their public names are importable from here too.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim import supplier_choice
from sim.constants import declare, real, values_of
from sim.contracts import (  # noqa: F401
    FirmBooks,
    book_profit,
    contract_share,
    open_books,
    side_selling,
    tightened,
)
from sim.population import FUNCTIONAL, Population, stays_in_chain
from sim.services import (  # noqa: F401
    advance_share,
    service_intensity,
    support_intensity,
    technical_assistance,
)
from sim.supplier_choice import Offers

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
        # With competition through terms off (offer_step = 0), its power is
        # ``1 / (1 + FIRM_RIVALRY (firms - 1))``, which scales its margin and premium rent.
        real(
            "firm_rivalry",
            0.3,
            0.0,
            10.0,
            "share of buying power per rival",
            "Buying power a lead firm loses to each rival competing for the same suppliers, "
            "when firms do not compete through their terms (offer_step = 0).",
        ),
        real(
            "delink_hazard",
            0.005,
            0.0,
            1.0,
            "per month",
            "Monthly chance that a supply relationship ends.",
        ),
    ],
)


class LeadFirms(NamedTuple):
    """Each lead firm's own terms, as one argument of the compiled passes (one per firm).

    Attributes:
        standard: Quality a supplier must meet for a forward contract, (firms,).
        contract: Share of a qualifying supplier's output bought forward, (firms,).
        capacity: Most suppliers the firm buys from, (firms,) (int64).
        power: Each firm's buying power against its suppliers in [0, 1], (firms,): its offer
            (the lower, the more of the price and premium its suppliers get). Firms compete
            for suppliers by lowering it (`sim.supplier_choice`); with that off, every firm's
            is `firm_power` of their number.
        quality_demand: Scenario lever: quality demanded without a higher price.
    """

    standard: np.ndarray
    contract: np.ndarray
    capacity: np.ndarray
    power: np.ndarray
    quality_demand: float


def firm_power(n_lead_firms: int, consts: np.ndarray) -> float:
    """Buying power of a lead firm against its suppliers, given its rivals (1 for a monopsony).

    0.3.0's formula for lead firms' competition for suppliers: with more of them, each keeps
    a smaller margin and less of the quality premium. Used only with OFFER_STEP = 0; otherwise
    firms start at a monopsonist's power and compete through their terms
    (`sim.supplier_choice`).
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
    power = supplier_choice.initial_power(
        n_lead_firms, firm_power(n_lead_firms, consts=consts), consts
    )
    return LeadFirms(standard, contract, capacity, power, float(quality_demand))


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
    offers: Offers | None = None,
    profit: np.ndarray | None = None,
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
        offers: What each MSE gets now and the parts of a firm's offer to it
            (`sim.supplier_choice.offers`). With them, and OFFER_STEP above 0, MSEs choose
            their buyer and firms answer with their terms (`sim.supplier_choice`); without,
            a reached MSE joins the firm its draw picks.
        profit: Each firm's last month's profit (`sim.contracts.FirmBooks`), with ``offers``.
    """
    values = values_of(consts)
    PULL_FLOOR = values["pull_floor"]
    RECRUIT_BASE = values["recruit_base"]
    RECRUIT_CONTRACTS = values["recruit_contracts"]
    RECRUIT_HAZARD = values["recruit_hazard"]
    RECRUIT_SERVICES = values["recruit_services"]
    if firms.capacity.size == 0:
        return
    offer = (
        RECRUIT_BASE + RECRUIT_SERVICES * embedded_services + RECRUIT_CONTRACTS * forward_contracts
    ) * (PULL_FLOOR + (1.0 - PULL_FLOOR) * pull)
    if offers is None or supplier_choice.offer_step(consts) == 0.0:
        _recruit(pop.state, social, uniforms, RECRUIT_HAZARD * offer, firms, consts)
        return
    reached, hazard, linked = _reach(
        pop.state, social, uniforms, RECRUIT_HAZARD * offer, firms, consts
    )
    won, lost = supplier_choice.choose_buyers(
        pop.state,
        reached,
        hazard,
        uniforms,
        linked,
        firms,
        offers,
        consts,
    )
    if profit is None:
        profit = np.zeros(firms.capacity.size)
    supplier_choice.adjust_offers(firms, linked, won, lost, profit, consts)


@njit(cache=True)
def _recruit(mse, social, uniforms, base_hazard, firms, consts):
    """Links end and lead firms reach new suppliers, each up to its own capacity.

    A reached MSE goes to the firm its draw picks, or the next with room (0.3.0's rule).

    Args:
        mse: `MseState`; ``lead_firm`` written.
        social: Social barrier per MSE.
        uniforms: One uniform draw per MSE.
        base_hazard: Monthly chance of being reached, before reach and losses.
        firms: `LeadFirms`.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    reached, hazard, linked = _reach(mse, social, uniforms, base_hazard, firms, consts)
    if reached.size == 0:
        return
    lead_firm, capacity = mse.lead_firm, firms.capacity
    n_lead_firms = capacity.size
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


@njit(cache=True)
def _reach(mse, social, uniforms, base_hazard, firms, consts):
    """Links end; each MSE's chance of being reached; the unlinked MSEs reached this month.

    Args: as `_recruit` (``lead_firm`` written for the links that end).

    Returns:
        ``(reached, hazard, linked)``: rows of the reached unlinked MSEs, lowest draw first
        (when firms are near capacity, those they reached first get in); each MSE's hazard;
        suppliers per firm after the links that ended.
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
    reached = reached[:n_reached]
    return reached[np.argsort(uniforms[reached], kind="mergesort")], hazard, linked
