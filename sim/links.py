"""Vertical links: who buys from each MSE this month.

An MSE sells through one of four links: directly to end markets after functional upgrading;
else to the lead firm it supplies; else, if it chose one (:mod:`sim.brokers`: on price, within
the brokers' capacity; ``mse_brokers`` is the share that can reach one), through a neighbour
who hauls the village's output to distant buyers ("an MSE producer buys a truck and begins
brokering on behalf of other producers", seed lines 113-115); else to its village's
intermediary (trader). The terms of each link are :mod:`sim.terms`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.constants import declare, whole
from sim.population import FUNCTIONAL, Population, stays_in_chain

#: The link types: via the village's trader, via a lead firm, direct, via an MSE broker.
VIA_TRADER, VIA_LEAD_FIRM, DIRECT, VIA_BROKER = 0, 1, 2, 3

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # A village with more customers than its brokers can serve sends the rest to its trader. A
        # calibration choice; it keeps brokering local whatever the size of villages.
        whole(
            "broker_capacity",
            20,
            1,
            100000,
            "MSEs",
            "Most neighbours one MSE broker serves (one truck, one sales agent's round).",
        ),
    ],
)


#: Golden-ratio step spreading MSEs evenly over [0, 1) by row: which of a village's MSEs can
#: reach a broker (the first ``mse_brokers`` share by this key) without a random draw.
_BROKER_KEY = 0.6180339887498949


@njit(cache=True)
def reaches_broker(row, mse_brokers):
    """Whether the MSE of ``row`` is in the ``mse_brokers`` share that can reach a broker.

    The share is spread evenly over rows by a fixed key (no random draw), so the same
    MSEs plus some more reach one at a higher share.
    """
    return (row * _BROKER_KEY) % 1.0 < mse_brokers


def links_and_brokers(
    pop: Population,
    mse_brokers: float = 0.0,
    n_villages: int = 0,
    *,
    consts: np.ndarray,
    chosen: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each MSE's link and, for MSEs selling through one, its MSE broker.

    Direct after functional upgrading, else lead firm, else one of the village's MSE brokers
    while the brokers have room, else the trader. Who sells through a broker is ``chosen``
    (each MSE's choice on price, `sim.brokers.choose_brokers`) or, without it, the
    ``mse_brokers`` share of the village's MSEs by a fixed key whatever the prices (0.3.0's
    rule, kept for ``broker_choice = 0``). Every direct seller still in the chain brokers for
    up to BROKER_CAPACITY neighbours, taken in row order.

    Returns:
        ``(link, broker)``: link per MSE (int8) and its broker's row per MSE (-1: none).
    """
    by_choice = chosen is not None
    if chosen is None:
        chosen = np.zeros(0, dtype=np.bool_)
    return _link_type(
        pop.state,
        float(mse_brokers),
        max(int(n_villages), int(pop.village.max()) + 1),
        by_choice,
        chosen,
        consts,
    )


@njit(cache=True)
def _link_type(mse, mse_brokers, n_villages, by_choice, chosen, consts):
    BROKER_CAPACITY = consts[0].broker_capacity
    upgrades, lead_firm, village, active = mse.upgrades, mse.lead_firm, mse.village, mse.active
    n = upgrades.size
    # The direct sellers of each village, grouped by village (counting sort, in row order).
    start = np.zeros(n_villages + 1, np.int64)
    if mse_brokers > 0.0 or by_choice:
        for i in range(n):
            if (upgrades[i] >> FUNCTIONAL) & 1 and stays_in_chain(active[i], upgrades[i]):
                start[village[i] + 1] += 1
        for v in range(n_villages):
            start[v + 1] += start[v]
    brokers = np.empty(start[n_villages], np.int64)
    filled = start[:n_villages].copy()
    if mse_brokers > 0.0 or by_choice:
        for i in range(n):
            if (upgrades[i] >> FUNCTIONAL) & 1 and stays_in_chain(active[i], upgrades[i]):
                brokers[filled[village[i]]] = i
                filled[village[i]] += 1
    served = np.zeros(n_villages, np.int64)
    link = np.empty(n, np.int8)
    broker = np.full(n, -1, np.int32)  # rows fit in 32 bits (memory: 4 bytes an MSE)
    for i in range(n):
        v = village[i]
        if (upgrades[i] >> FUNCTIONAL) & 1:
            link[i] = DIRECT
        elif lead_firm[i] >= 0:
            link[i] = VIA_LEAD_FIRM
        elif (chosen[i] if by_choice else reaches_broker(i, mse_brokers)) and served[v] < (
            start[v + 1] - start[v]
        ) * BROKER_CAPACITY:
            link[i] = VIA_BROKER
            broker[i] = brokers[start[v] + served[v] // BROKER_CAPACITY]
            served[v] += 1
        else:
            link[i] = VIA_TRADER
    return link, broker
