"""The intermediaries (traders): their market power, and their exit when bypassed.

A trader's market power falls as the MSEs of its villages bypass it (lead-firm suppliers,
direct sellers, MSE brokers' customers). A trader whose catchment's volume stays low for
months exits ("an entire level of firms may be eliminated", seed lines 144-145); its villages
turn to the next trader, and it comes back when their volume through traders recovers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.constants import declare, real, whole
from sim.links import VIA_TRADER
from sim.population import Population

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "bypass_effect",
            0.6,
            0.0,
            1.0,
            "share of market power",
            "Drop in an intermediary's market power when all its suppliers bypass it.",
        ),
        # A trader exits when the volume it buys in its own catchment stays below this share of its
        # volume at the start for TRADER_EXIT_MONTHS months: bypassed by direct selling, "an entire
        # level of firms may be eliminated" (seed lines 144-145).
        real(
            "trader_exit_share",
            0.35,
            0.0,
            1.0,
            "share of starting volume",
            "A trader exits when its own catchment's volume stays below this share of its starting "
            "volume for trader_exit_months.",
            source="calibration choice, guided by the seed (seed lines 144-145)",
        ),
        whole(
            "trader_exit_months",
            6,
            1,
            120,
            "months",
            "Months below trader_exit_share after which a trader exits.",
            source="calibration choice, guided by the seed (seed lines 144-145)",
        ),
        real(
            "trader_entry_share",
            0.6,
            0.0,
            1.0,
            "share of starting volume",
            "An exited trader comes back when the volume its catchment sells through traders "
            "recovers to this share of its volume at the start (above the exit share, so it does not"
            " flicker).",
        ),
    ],
)


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
    return Traders(
        home,
        np.ones(n_intermediaries, dtype=bool),
        np.zeros(n_intermediaries, dtype=np.int64),
        np.zeros(n_intermediaries),
    )


def update_traders(
    pop: Population,
    link: np.ndarray,
    units: np.ndarray,
    traders: Traders,
    *,
    start: bool = False,
    consts: np.ndarray,
) -> None:
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
        consts: The run's calibration constants (a `sim.constants` record).
    """
    _update_traders(pop.state, link, units, traders, start, consts)


@njit(cache=True)
def _update_traders(mse, link, units, traders, start, consts):
    TRADER_ENTRY_SHARE = consts[0].trader_entry_share
    TRADER_EXIT_MONTHS = consts[0].trader_exit_months
    TRADER_EXIT_SHARE = consts[0].trader_exit_share
    village, trader, active_mse = mse.village, mse.trader, mse.active
    home, active, low_months, reference = (
        traders.home,
        traders.active,
        traders.low_months,
        traders.reference,
    )
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


def intermediary_market_power(
    pop: Population, link: np.ndarray, n_intermediaries: int, consts: np.ndarray
) -> np.ndarray:
    """Market power of each intermediary in [1 - BYPASS_EFFECT, 1].

    It falls as the MSEs of its villages bypass it (lead-firm suppliers, direct sellers).
    """
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
