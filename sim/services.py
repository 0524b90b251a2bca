"""Lead firms: supplier recruitment, embedded services and forward contracts.

Lead firms (exporters, processors) need suppliers that meet their buyers' standards, so they
reach out to MSEs, more readily to producer groups (lower transaction cost per unit bought)
and to MSEs that are near and socially close. To the MSEs linked to them they offer
*embedded services* — technical assistance, input advances, design help — that lower the cost
and risk of upgrading, and *forward contracts* at a guaranteed price that take away price risk.
Stand-alone support markets are weak (structural effect 4); lead firms fill part of the gap.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.population import FUNCTIONAL, Population, stays_in_chain

#: Monthly chance that a lead firm reaches an unlinked MSE at embedded_services = 1.
RECRUIT_HAZARD = 0.015
#: How actively lead firms recruit: a base, plus more the more they offer (services, contracts).
RECRUIT_BASE, RECRUIT_SERVICES, RECRUIT_CONTRACTS = 0.2, 0.6, 0.2
#: Share of recruitment that goes on with no pull from end markets (domestic processing).
PULL_FLOOR = 0.2
#: Reach multiplier for members of a producer group (one contact reaches many).
GROUP_REACH = 3.0
#: Reach lost at distance 1 and at full social barrier.
DISTANCE_REACH_LOSS = 0.7
SOCIAL_REACH_LOSS = 0.7
#: Share of all MSEs the lead firms together can buy from.
LEAD_FIRM_CAPACITY = 0.3
#: Monthly chance that a supply relationship ends.
DELINK_HAZARD = 0.005
#: Cost of upgrading removed by design help and technical assistance at full intensity.
SERVICE_COST_DISCOUNT = 0.4
#: Chance of an upgrade succeeding added by technical assistance at full intensity.
SERVICE_SUCCESS_GAIN = 0.25
#: Skill gained per month from technical assistance at full intensity.
SERVICE_SKILL_GAIN = 0.004
#: Share of an upgrade's working capital a lead firm advances at full intensity.
ADVANCE_SHARE = 1.0


def service_intensity(pop: Population, embedded_services: float) -> np.ndarray:
    """Embedded-service intensity each MSE receives: the lever if linked to a lead firm."""
    return _linked_share(float(embedded_services), pop.lead_firm, pop.active)


def contract_share(pop: Population, forward_contracts: float) -> np.ndarray:
    """Share of each MSE's output bought under a forward contract at a guaranteed price."""
    return _linked_share(float(forward_contracts), pop.lead_firm, pop.active)


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


def recruit_suppliers(pop: Population, *, n_lead_firms: int, embedded_services: float,
                      forward_contracts: float, pull: float, social: np.ndarray,
                      uniforms: np.ndarray) -> None:
    """Lead firms link to new suppliers and some links end (one month).

    Lead firms that offer more (services, contracts) recruit more actively; the pull is
    strongest for producer-group members and for MSEs close to them, physically and socially.

    Args:
        pop: Population; `lead_firm` updated in place.
        n_lead_firms: Number of lead firms (none: nothing happens).
        embedded_services: Scenario lever.
        forward_contracts: Scenario lever.
        pull: End markets' pull, from :func:`end_market_pull`.
        social: Social barrier per MSE.
        uniforms: Uniform draws, shape (n,). A linked MSE's link ends when its draw is below
            DELINK_HAZARD; an unlinked one is reached when its draw ``u`` is below its hazard
            ``h``, and then ``u / h`` (uniform again) picks the lead firm.
    """
    if n_lead_firms == 0:
        return
    offer = (RECRUIT_BASE + RECRUIT_SERVICES * embedded_services
             + RECRUIT_CONTRACTS * forward_contracts) * (PULL_FLOOR + (1.0 - PULL_FLOOR) * pull)
    _recruit(pop.state, social, uniforms, RECRUIT_HAZARD * offer, n_lead_firms,
             int(LEAD_FIRM_CAPACITY * pop.n))


@njit(cache=True)
def _recruit(mse, social, uniforms, base_hazard, n_lead_firms, capacity):
    """Links end and lead firms reach new suppliers, up to ``capacity`` linked in all.

    Args:
        mse: `MseState`; ``lead_firm`` written.
        social: Social barrier per MSE.
        uniforms: One uniform draw per MSE.
        base_hazard: Monthly chance of being reached, before reach and losses.
        n_lead_firms: Number of lead firms.
        capacity: Most MSEs the lead firms together buy from.
    """
    lead_firm, upgrades, distance, group = mse.lead_firm, mse.upgrades, mse.distance, mse.group
    active = mse.active
    reached = np.empty(lead_firm.size, np.int64)
    hazard = np.empty(lead_firm.size)
    n_reached = 0
    n_linked = 0
    for i in range(lead_firm.size):
        was_linked = lead_firm[i] >= 0
        in_chain = stays_in_chain(active[i], upgrades[i])
        if (was_linked and uniforms[i] < DELINK_HAZARD) or not in_chain:
            lead_firm[i] = -1
        n_linked += lead_firm[i] >= 0
        hazard[i] = base_hazard * (1.0 + (GROUP_REACH - 1.0) * (group[i] >= 0)) * (
            1.0 - DISTANCE_REACH_LOSS * distance[i]) * (1.0 - SOCIAL_REACH_LOSS * social[i])
        # An MSE that took on the trader's function sells straight to end markets: not a
        # supplier.
        if (not was_linked and in_chain and (upgrades[i] >> FUNCTIONAL) & 1 == 0
                and uniforms[i] < hazard[i]):
            reached[n_reached] = i
            n_reached += 1
    room = capacity - n_linked
    if room <= 0 or n_reached == 0:
        return
    # When lead firms are near capacity, the MSEs they reached first (lowest draw) get in.
    reached = reached[:n_reached]
    reached = reached[np.argsort(uniforms[reached], kind="mergesort")][:room]
    for i in reached:
        lead_firm[i] = int(min(uniforms[i] / hazard[i] * n_lead_firms, n_lead_firms - 1))


def technical_assistance(pop: Population, services: np.ndarray) -> None:
    """Suppliers learn from lead firms' technical assistance (skill grows)."""
    _learn_from_assistance(pop.skill, services)


@njit(cache=True)
def _learn_from_assistance(skill, services):
    for i in range(skill.size):
        skill[i] = min(skill[i] + SERVICE_SKILL_GAIN * services[i], 1.0)
