"""MSEs choose an MSE broker on price, within its capacity and against a switching cost.

A village's direct sellers broker for their neighbours (seed lines 113-115: "an MSE producer
buys a truck and begins brokering on behalf of other producers"; Pakistan's women sales
agents, lines 239-243). Which neighbours sell through them is a choice (issue 22, item 3):
each month every MSE that can reach a broker compares the net price per unit it would get
through one (`sim.terms.broker_terms`: a smaller margin and premium rent than a trader's, but
it pays the haulage) with the net price through its trader (`sim.terms.trader_terms`, at the
trader's market power of last month, and the extra cost of a far trader if its own exited),
at this month's spot prices and premiums, over the channels it sells in and at its quality.

- An MSE selling through a broker stays unless its trader pays more by more than
  BROKER_SWITCHING_COST (a share of the domestic price per unit).
- An MSE selling to its trader moves when a broker pays more by more than that cost, while
  the village's brokers have room: BROKER_CAPACITY clients each (`sim.links`). Those who
  already sell through one keep their place; newcomers take what is left, in row order.
- Which MSEs can reach a broker at all is the lever ``mse_brokers``: that share of each
  village's MSEs, spread evenly by a fixed key without a random draw (`sim.links`).

The choice is state (`ValueChainModel.broker_choice`, one flag per MSE), kept month to month:
an MSE that moved stays until the other side is clearly better. MSEs that supply a lead
firm, sell directly, left the chain or cannot reach a broker hold no choice. New MSE rows
start without a broker (``False``). ``BROKER_CHOICE = 0`` switches the choice off: the
``mse_brokers`` share of each village then sells through its brokers by the fixed key
whatever the prices, as in 0.3.0.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.constants import declare, real, whole
from sim.links import reaches_broker
from sim.markets import DOMESTIC, N_CHANNELS
from sim.population import FUNCTIONAL, Population, stays_in_chain
from sim.terms import broker_terms, direct_selling_cost, trader_terms
from sim.threads import CHUNK, parallel
from sim.traders import Traders

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # The switch of the mechanism (benchmarks/reference_runs.py MARKETS_OFF): at 0 the
        # model is 0.3.0's to the bit.
        whole(
            "broker_choice",
            1,
            0,
            1,
            "switch",
            "1: MSEs that can reach an MSE broker choose it on price, within its capacity and "
            "against a switching cost; 0: the mse_brokers share of each village sells through "
            "its brokers by a fixed key whatever the prices (0.3.0).",
            source="structural choice (issue 22, item 3)",
        ),
        # What moving costs an MSE, per unit, for as long as it weighs the move: finding the
        # other buyer, settling debts and advances with the old one, the trust to rebuild.
        real(
            "broker_switching_cost",
            0.03,
            0.0,
            1.0,
            "share of domestic price per unit",
            "How much more per unit another buyer (an MSE broker or the trader) must pay before "
            "an MSE moves to it.",
        ),
    ],
)


def choose_brokers(
    pop: Population,
    chosen: np.ndarray,
    mse_brokers: float,
    n_villages: int,
    *,
    trader_power: np.ndarray,
    bargaining: np.ndarray,
    social: np.ndarray,
    intermediary_rent: float,
    traders: Traders,
    price: np.ndarray,
    premium: np.ndarray,
    consts: np.ndarray,
) -> None:
    """Each MSE that can reach a broker keeps, takes or drops it on price (one month).

    Args:
        pop: Population (read).
        chosen: Whether each MSE sells through a broker (`ValueChainModel.broker_choice`),
            updated in place.
        mse_brokers: Scenario lever: share of each village's MSEs that can reach a broker.
        n_villages: Number of villages.
        trader_power: Market power of each trader (last month's).
        bargaining: Bargaining power per MSE.
        social: Social barrier per MSE.
        intermediary_rent: Scenario lever.
        traders: `sim.traders.Traders` (each village's home trader: a far trader costs more).
        price: Spot price by channel this month, (3,).
        premium: Premium per unit of quality by channel this month, (3,).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    n_villages = max(int(n_villages), int(pop.village.max()) + 1 if pop.n else 1)
    mse = pop.state
    # Room in each village, then what each MSE would gain by moving (its own: from
    # PARALLEL_MIN_MSES worked out over threads in fixed chunks), then the places taken in
    # row order on one thread.
    capacity = _capacity(mse, n_villages, consts)
    verdict = np.empty(pop.n, np.uint8)
    args = (
        mse,
        capacity,
        float(mse_brokers),
        trader_power,
        bargaining,
        social,
        float(intermediary_rent),
        traders.home,
        price,
        premium,
        consts,
        verdict,
    )
    if parallel(pop.n):
        _verdicts_chunks(*args, CHUNK)
    else:
        _verdicts(*args, 0, pop.n)
    _take_places(pop.village, capacity, verdict, chosen)


@njit(cache=True)
def net_prices(weight, q, d, power, bargaining, social, rent, far, price, premium, consts):
    """Net price per unit one MSE gets through its trader and through a broker.

    Over the channels it sells in (its channel ``weight``, (3,)) at its quality ``q`` and
    distance ``d``, net of the buyer's markup, premium rent and the transport that differs
    between the two (the common handling and transport at the farm gate left out). Takes
    the MSE's own elements, not the `MseState` bundle (passing that per MSE would count
    references to every array on every call). Returns ``(via_trader, via_broker)``.
    """
    FAR_TRADER_COST = consts[0].far_trader_cost
    m_t, p_t = trader_terms(power, bargaining, social, rent, consts)
    m_b, p_b = broker_terms(bargaining, consts)
    via_trader = via_broker = 0.0
    for c in range(N_CHANNELS):
        w = weight[c]
        if w == 0.0:
            continue
        value = price[c] * premium[c] * q
        via_trader += w * (price[c] * (1.0 - m_t) + value * p_t - FAR_TRADER_COST * d * far)
        via_broker += w * (
            price[c] * (1.0 - m_b) + value * p_b - direct_selling_cost(d, 0.0, c, consts)
        )
    return via_trader, via_broker


#: Bits of an MSE's verdict (`_verdicts`): it may choose a broker; its trader pays more
#: than a broker by over the switching cost; a broker pays more than its trader by over it.
_ELIGIBLE, _TRADER_BETTER, _BROKER_BETTER = 1, 2, 4


@njit(cache=True)
def _capacity(mse, n_villages, consts):
    """Room for clients in each village: its direct sellers in the chain, BROKER_CAPACITY each."""
    BROKER_CAPACITY = consts[0].broker_capacity
    upgrades, village, active = mse.upgrades, mse.village, mse.active
    capacity = np.zeros(n_villages, np.int64)
    for i in range(upgrades.size):
        if (upgrades[i] >> FUNCTIONAL) & 1 and stays_in_chain(active[i], upgrades[i]):
            capacity[village[i]] += BROKER_CAPACITY
    return capacity


@njit(cache=True, parallel=True)
def _verdicts_chunks(
    mse,
    capacity,
    mse_brokers,
    trader_power,
    bargaining,
    social,
    rent,
    home,
    price,
    premium,
    consts,
    verdict,
    chunk,
):
    """`_verdicts` over threads, in fixed chunks of ``chunk`` MSEs."""
    n = verdict.size
    for c in prange((n + chunk - 1) // chunk):
        start = c * chunk
        _verdicts(
            mse,
            capacity,
            mse_brokers,
            trader_power,
            bargaining,
            social,
            rent,
            home,
            price,
            premium,
            consts,
            verdict,
            start,
            min(start + chunk, n),
        )


@njit(cache=True)
def _verdicts(
    mse,
    capacity,
    mse_brokers,
    trader_power,
    bargaining,
    social,
    rent,
    home,
    price,
    premium,
    consts,
    verdict,
    start,
    stop,
):
    """Write the verdicts of MSEs ``start`` to ``stop`` (before ``stop``).

    A verdict's bits (`_ELIGIBLE`, `_TRADER_BETTER`, `_BROKER_BETTER`) say whether the MSE may
    choose a broker and which way a move would pay; each MSE's is its own.
    """
    threshold = consts[0].broker_switching_cost * price[DOMESTIC]
    upgrades, lead_firm, village, active, trader = (
        mse.upgrades,
        mse.lead_firm,
        mse.village,
        mse.active,
        mse.trader,
    )
    channel_weight, quality, distance = mse.channel_weight, mse.quality, mse.distance
    for i in range(start, stop):
        v = village[i]
        eligible = (
            stays_in_chain(active[i], upgrades[i])
            and not (upgrades[i] >> FUNCTIONAL) & 1
            and lead_firm[i] < 0
            and reaches_broker(i, mse_brokers)
            and capacity[v] > 0
        )
        if not eligible:
            verdict[i] = 0
            continue
        far = home[v] >= 0 and home[v] != trader[i]
        via_trader, via_broker = net_prices(
            channel_weight[:, i],
            quality[i],
            distance[i],
            trader_power[trader[i]],
            bargaining[i],
            social[i],
            rent,
            far,
            price,
            premium,
            consts,
        )
        verdict[i] = (
            _ELIGIBLE
            + _TRADER_BETTER * (via_trader - via_broker > threshold)
            + _BROKER_BETTER * (via_broker - via_trader > threshold)
        )


@njit(cache=True)
def _take_places(village, capacity, verdict, chosen):
    """Keep, take or drop brokers on the verdicts, in row order.

    ``chosen`` is updated; ``verdict`` is used up (those who had a broker are cleared).
    """
    n = verdict.size
    room = capacity.copy()
    # Those with a broker first keep their place.
    for i in range(n):
        if not verdict[i] & _ELIGIBLE:
            chosen[i] = False
        elif chosen[i]:
            if verdict[i] & _TRADER_BETTER or room[village[i]] == 0:
                # Back to the trader: it pays clearly more, or the village's brokers lost
                # room (one left) and those later in row order go first.
                chosen[i] = False
            else:
                room[village[i]] -= 1
            verdict[i] = 0  # not a newcomer, whatever it did
    # Newcomers fill what room is left, in row order.
    for i in range(n):
        if verdict[i] & _BROKER_BETTER and room[village[i]] > 0:
            chosen[i] = True
            room[village[i]] -= 1
