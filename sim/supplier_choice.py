"""Choice of buyer: lead firms compete for suppliers through their terms (issue 22, item 3).

Each lead firm has its own offer, its buying power ``LeadFirms.power`` (in [0, 1]; 1 is a
monopsonist's terms, 0 leaves it no margin), which scales the margin it keeps on the base price
and the share of the quality premium it keeps (`sim.terms.link_terms`). The lower its power,
the more of the price and premium reach its suppliers.

**MSEs choose.** An MSE that a lead firm's buyers reach this month (the recruitment hazard of
`sim.lead_firms.recruit_suppliers`, on the same draw: nothing new is drawn) knows the terms
of every lead firm with free capacity. It values each by the net price per unit it would get
over its own channels at the trend prices: base price less the firm's margin, less haulage
and handling, plus the premium the firm passes on for its quality, plus the value of the
firm's forward contract (if it meets the firm's standard) and embedded services (the side-
selling values of :mod:`sim.contracts`). It compares the best with what it gets now (last
month's terms from its trader or broker, or its own firm's offer) and moves when the gain is
more than SWITCHING_COST of what it gets now. Ties go to the firm its draw picks, then the
next: the draw's firm order of 0.3.0. A supplier whose draw is below its hazard (but above
the chance its link ends) hears of the rivals' terms too, and moves to a rival with free
capacity on the same rule. An MSE a firm courted that chose a rival or stayed with its
buyer counts as *lost* to that firm, even where the rival's offer was only as good: the firm
sees a supplier it could have had go elsewhere.

**Firms answer.** After the month's choices each firm moves its power by OFFER_STEP:

- full (its suppliers at its capacity, tightened by default): its power rises (a worse
  offer: it need not bid for more);
- more MSEs it courted went elsewhere (to a rival, or stayed with their trader) than came to
  it: its power falls (a better offer), unless its last month's profit (`sim.contracts.
  book_profit`) was below zero, where it rises instead (the ceiling of its offer is where its
  margin is gone);
- more came than went: its power rises (it probes a lower price);
- otherwise it stays.

Power stays in [0, 1]: the floor of its offer is a monopsonist's terms (``firm_power(1) =
1``), the ceiling no margin at all. Firms start at the monopsonist's terms, so whatever
better terms MSEs get from more firms comes from their competition for the same suppliers,
not from the formula ``sim.lead_firms.firm_power`` (used only with the mechanism off).

Evidence for the direction: where several ginners compete to buy seed cotton, farmers get a
larger share of the export price than under local monopsonies (Poulton, Gibbon, Hanyani-
Mlambo et al. 2004, 'Competition and coordination in liberalized African cotton market
systems', World Development 32(3): 519-536; Tschirley, Poulton & Labaste (eds.) 2009,
'Organization and Performance of Cotton Sectors in Africa', World Bank, ch. 4, Poulton &
Tschirley, 'A typology of African cotton sectors'). The step and the switching cost are
judgements.

OFFER_STEP = 0 switches the mechanism off: every firm keeps the power ``firm_power(firms)``
and a reached MSE joins the firm its draw picks, as in 0.3.0 (to the bit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from sim.constants import declare, real, values_of
from sim.terms import transport_cost

if TYPE_CHECKING:
    from sim.lead_firms import LeadFirms

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # About four years from a monopsonist's terms to no margin at all if it kept losing the
        # suppliers it courted: lead firms revise their buying prices by the season, not by the
        # day. 0 turns the mechanism off (0.3.0's formula `firm_power`).
        real(
            "offer_step",
            0.02,
            0.0,
            1.0,
            "buying power per month",
            "Monthly step by which a lead firm improves its terms (lowers its buying power) when "
            "it loses more of the suppliers it courts than it wins, or worsens them when full or "
            "winning; 0 switches competition for suppliers off (terms from firm_power).",
            source="judgement; direction from Poulton et al. 2004 (World Development 32(3), "
            "519-536) and Tschirley, Poulton & Labaste 2009 (World Bank, ch. 4): competition "
            "among buyers of seed cotton keeps farmgate prices up",
        ),
        real(
            "switching_cost",
            0.05,
            0.0,
            1.0,
            "share of net price per unit",
            "Gain in net price per unit, as a share of what it gets now, an MSE needs before it "
            "leaves its buyer for a lead firm (or its firm for a rival).",
            source="judgement",
        ),
    ],
)


class Offers(NamedTuple):
    """What an MSE weighs when it chooses its buyer: its current terms and the markets'.

    The kernels value only the MSEs that weigh offers this month (`parts`), so the month
    costs nothing for the others.

    Attributes:
        markup: Last month's markup of each MSE's buyer (`sim.terms.LinkTerms`).
        pass_through: Last month's premium pass-through of each MSE's buyer.
        link: Last month's link of each MSE (`sim.terms.LinkTerms`: with ``far`` and
            ``social``, what its transport cost per unit is worked out from).
        far: Whether last month's trader was from elsewhere.
        social: The social barrier last month's terms were made with.
        bargaining: Last month's bargaining power per MSE.
        trend: Trend base price by channel, (3,).
        premium: Premium per unit of quality by channel, (3,).
        unpaid: Scenario lever ``quality_demand`` (the share of the premium firms keep).
        services: Value of a lead firm's embedded services, as a share of gross value a month
            (SERVICE_VALUE x ``embedded_services``).
    """

    markup: np.ndarray
    pass_through: np.ndarray
    link: np.ndarray
    far: np.ndarray
    social: np.ndarray
    bargaining: np.ndarray
    trend: np.ndarray
    premium: np.ndarray
    unpaid: float
    services: float


def offer_step(consts: np.ndarray) -> float:
    """The mechanism's step (0: off, 0.3.0's recruitment and terms)."""
    return float(values_of(consts)["offer_step"])


def initial_power(n_lead_firms: int, formula: float, consts: np.ndarray) -> np.ndarray:
    """Each firm's starting buying power: a monopsonist's (1), or ``formula`` when off."""
    return np.full(n_lead_firms, formula if offer_step(consts) == 0.0 else 1.0)


def offers(
    terms,
    bargaining: np.ndarray,
    trend: np.ndarray,
    premium: np.ndarray,
    quality_demand: float,
    embedded_services: float,
    consts: np.ndarray,
) -> Offers:
    """What MSEs weigh this month (`Offers`), from last month's terms and this month's markets.

    Args:
        terms: Last month's `sim.terms.LinkTerms` (each MSE's current buyer's terms).
        bargaining: Last month's bargaining power per MSE.
        trend: Trend base price by channel, (3,).
        premium: Premium per unit of quality by channel, (3,).
        quality_demand: Scenario lever (the share of the premium firms do not pay).
        embedded_services: Scenario lever.
        consts: The run's calibration constants.
    """
    return Offers(
        terms.markup,
        terms.pass_through,
        terms.link,
        terms.far,
        terms.social,
        bargaining,
        np.asarray(trend, float),
        np.asarray(premium, float),
        float(quality_demand),
        float(values_of(consts)["service_value"] * embedded_services),
    )


@njit(cache=True)
def parts(i, mse, offers, consts):
    """MSE ``i``'s values per unit sold, over its channels at the trend prices.

    Returns:
        ``(now, level, slope, gross)``: the net price from its current buyer (last month's
        terms); from a lead firm with no margin (power 0), before contract and services; what
        each unit of a firm's power takes from that; and the gross value (price with premium),
        on which contracts and services are valued.
    """
    CHANNEL_HANDLING_COST = consts[0].channel_handling_cost
    LEAD_FIRM_MARKUP = consts[0].lead_firm_markup
    LEAD_FIRM_PREMIUM_RENT = consts[0].lead_firm_premium_rent
    TRANSPORT_COST = consts[0].transport_cost
    q, soft, kept = mse.quality[i], 1.0 - offers.bargaining[i], 1.0 - offers.unpaid
    now = level = slope = gross = 0.0
    for c in range(offers.trend.size):
        w, p = mse.channel_weight[c, i], offers.trend[c]
        if w == 0.0:
            continue
        pq = p * offers.premium[c] * q
        transport = transport_cost(
            offers.link[i], offers.far[i], mse.distance[i], offers.social[i], c, consts
        )
        now += w * (p * (1.0 - offers.markup[i]) - transport + pq * offers.pass_through[i])
        haul = CHANNEL_HANDLING_COST[c] + TRANSPORT_COST * mse.distance[i]
        level += w * (p - haul + pq * kept)
        slope += w * soft * (p * LEAD_FIRM_MARKUP + pq * LEAD_FIRM_PREMIUM_RENT * kept)
        gross += w * (p + pq)
    return now, level, slope, gross


@njit(cache=True)
def firm_value(level, slope, gross, quality, k, firms, services, consts):
    """Net value per unit to an MSE (its `parts`) of selling to lead firm ``k`` now.

    Embedded services add ``services`` of the gross value; a forward contract adds
    CERTAINTY_VALUE of its share when the MSE meets the firm's standard.
    """
    CERTAINTY_VALUE = consts[0].certainty_value
    contract = firms.contract[k] * (quality >= firms.standard[k] - 1e-12)
    return level - firms.power[k] * slope + (services + CERTAINTY_VALUE * contract) * gross


@njit(cache=True)
def choose_buyers(mse, reached, hazard, uniforms, linked, firms, offers, consts):
    """MSEs move to the lead firm they value most, by more than the switching cost.

    First every supplier that knows this month's offers (``uniforms < hazard``) weighs its
    rivals with free capacity; then the reached unlinked MSEs, lowest draw first, weigh every
    firm with free capacity against their current buyer.

    Args:
        mse: `MseState`; ``lead_firm`` written.
        reached: Rows of the unlinked MSEs reached this month, lowest draw first.
        hazard: Each MSE's chance of being reached this month.
        uniforms: The month's recruitment draws.
        linked: Suppliers per firm (written).
        firms: `LeadFirms` (capacity, contract, standard, power read).
        offers: `Offers`.
        consts: The run's calibration constants.

    Returns:
        ``(won, lost)`` per firm: MSEs that came to it, and MSEs that weighed its offer and
        went (or stayed) elsewhere.
    """
    SWITCHING_COST = consts[0].switching_cost
    lead_firm, quality = mse.lead_firm, mse.quality
    capacity, services = firms.capacity, offers.services
    n_firms = capacity.size
    won = np.zeros(n_firms, np.int64)
    lost = np.zeros(n_firms, np.int64)
    for i in range(lead_firm.size):
        k = lead_firm[i]
        if k < 0 or uniforms[i] >= hazard[i]:
            continue
        _, level, slope, gross = parts(i, mse, offers, consts)
        now = firm_value(level, slope, gross, quality[i], k, firms, services, consts)
        best, best_value = -1, now + SWITCHING_COST * abs(now)
        for j in range(n_firms):
            if j != k and linked[j] < capacity[j]:
                v = firm_value(level, slope, gross, quality[i], j, firms, services, consts)
                if v > best_value:
                    best, best_value = j, v
        if best >= 0:
            lead_firm[i] = best
            linked[k] -= 1
            linked[best] += 1
            lost[k] += 1
            won[best] += 1
    room = capacity.sum() - linked.sum()
    for i in reached:
        if room <= 0:
            break
        if i >= offers.markup.size:
            # An MSE that entered this month has no terms of last month to weigh offers
            # against: it sells through its village's trader first (sim.entry).
            continue
        now, level, slope, gross = parts(i, mse, offers, consts)
        pick = int(min(uniforms[i] / hazard[i] * n_firms, n_firms - 1))
        best, best_value = -1, -np.inf
        for step in range(n_firms):
            k = (pick + step) % n_firms
            if linked[k] < capacity[k]:
                v = firm_value(level, slope, gross, quality[i], k, firms, services, consts)
                if v > best_value:
                    best, best_value = k, v
        join = best >= 0 and best_value > now + SWITCHING_COST * abs(now)
        for k in range(n_firms):
            if linked[k] < capacity[k] and not (join and k == best):
                lost[k] += 1
        if join:
            lead_firm[i] = best
            linked[best] += 1
            won[best] += 1
            room -= 1
    return won, lost


def adjust_offers(
    firms: LeadFirms, linked: np.ndarray, won: np.ndarray, lost: np.ndarray, profit, consts
) -> None:
    """Each firm moves its power by OFFER_STEP after the month's choices (in place).

    Full: up (a worse offer). Losing more than it won: down (a better offer), or up if its
    profit was below zero. Winning more than it lost: up. Power stays in [0, 1].
    """
    step = offer_step(consts)
    power = firms.power
    # Firm by firm in Python numbers: for a few firms, a third of the time of numpy's calls
    # on arrays (the same float additions; the clip as np.clip computes it, NaN kept).
    rows = zip(
        power.tolist(),
        firms.capacity.tolist(),
        linked.tolist(),
        won.tolist(),
        lost.tolist(),
        np.asarray(profit).tolist(),
        strict=True,
    )
    for k, (now, capacity, n_linked, n_won, n_lost, gain) in enumerate(rows):
        full = n_linked >= capacity
        if not full and n_lost > n_won and gain >= 0.0:
            moved = now - step  # a better offer
        elif full or (n_lost > n_won and gain < 0.0) or n_won > n_lost:
            moved = now + step  # a worse offer
        else:
            moved = now + 0.0
        moved = moved if moved > 0.0 or moved != moved else 0.0
        power[k] = moved if moved < 1.0 or moved != moved else 1.0
