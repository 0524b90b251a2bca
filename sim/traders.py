"""The intermediaries (traders): their market power, their exit when bypassed, and entry.

A trader's market power falls as the MSEs of its villages bypass it (lead-firm suppliers,
direct sellers, MSE brokers' customers). A trader whose catchment's volume stays low for
months exits ("an entire level of firms may be eliminated", seed lines 144-145); its villages
turn to the next trader, and it comes back when their volume through traders recovers.

Traders also enter where margins are high and leave where they are low (issue 22, item 3).
Each month the pass measures every operating trader's net margin: what it kept of its MSEs'
sales (markup and premium rent, `sim.sales.Sales.intermediary_take`) per unit of their value
at the spot price, less TRADER_UNIT_COST. A new trader enters a catchment when the margin it
expects after its own entry (the gross margin shared as if power fell from ``1 / n`` to
``1 / (n + 1)`` of the monopolist's, less the cost) is above TRADER_ENTRY_MARGIN, up to
MAX_TRADER_RIVALS rivals; the newest rival leaves when the net margin has stayed below zero
for TRADER_EXIT_MONTHS months. Rivals share the catchment: its traders' market power is the
single trader's divided by their number (the Lerner index of a symmetric Cournot oligopoly,
``1 / (n x elasticity)``), so entry lowers the markups the MSEs pay, the margin falls, and
entry stops: how many traders a catchment holds is not set but emerges from its margins.

The entrants are counted per catchment (`Traders.rivals`), not made separate agents: the
model's ``intermediaries`` stay the ``n_intermediaries`` of the start, and an
`sim.agents.Intermediary`'s take and suppliers are those of its catchment's traders together
(its ``rivals`` says how many compete there). ``MAX_TRADER_RIVALS = 0`` switches entry off:
the model is then 0.3.0's to the bit.
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
        # Entry and exit on margins (issue 22, item 3). At 0 no trader enters and the model is
        # 0.3.0's: the switch of the mechanism (benchmarks/reference_runs.py MARKETS_OFF). A
        # catchment is one to three villages of a few dozen MSEs each; Malawi's rural maize
        # markets hold a few traders each besides the district's (Fafchamps & Gabre-Madhin 2006).
        whole(
            "max_trader_rivals",
            3,
            0,
            100,
            "traders per catchment",
            "Most traders that enter a trader's catchment beside it when its margin is high; 0 "
            "switches trader entry off.",
            source="judgement, guided by Fafchamps & Gabre-Madhin (2006), 'Agricultural markets in"
            " Benin and Malawi', African Journal of Agricultural and Resource Economics 1(1): "
            "traders operate small, local businesses",
        ),
        # What a trader spends per unit bought besides the transport the MSEs already pay
        # (sim.terms: transport_cost): its search, quality checks and working capital, "the
        # largest transactions costs are search and transport" (Fafchamps & Gabre-Madhin 2006).
        real(
            "trader_unit_cost",
            0.05,
            0.0,
            1.0,
            "share of the value bought",
            "A trader's own cost per unit bought (search, quality checks, working capital), as a "
            "share of the value bought at the spot price.",
            source="judgement, guided by Fafchamps & Gabre-Madhin (2006), 'Agricultural markets in"
            " Benin and Malawi' (search and personal transport are traders' largest costs)",
        ),
        # The net margin that draws a new trader: a return on the working capital turned over
        # about monthly. Fafchamps, Gabre-Madhin & Minten (2005), 'Increasing returns and market
        # efficiency in agricultural trade', J. Dev. Econ. 78: 406-442, find traders' returns
        # close to their costs (no large rents), so the threshold is low.
        real(
            "trader_entry_margin",
            0.05,
            0.0,
            1.0,
            "share of the value bought",
            "Net margin (after trader_unit_cost) a new trader expects after its entry that makes "
            "it enter a catchment.",
            source="judgement, guided by Fafchamps, Gabre-Madhin & Minten (2005), J. Dev. Econ. "
            "78: 406-442 (traders' returns close to their costs)",
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
        rivals: Traders that entered each trader's catchment and compete with it there,
            (traders,) (int64; all 0 with entry off).
        margin: Each trader's net margin last month (share of the value bought at the spot
            price; 0 if it bought nothing), (traders,).
        margin_low_months: Consecutive months each trader's net margin was below zero,
            (traders,) (int64).
        bought: Value each trader (with its rivals) bought last month at the spot price,
            (traders,).
    """

    home: np.ndarray
    active: np.ndarray
    low_months: np.ndarray
    reference: np.ndarray
    rivals: np.ndarray
    margin: np.ndarray
    margin_low_months: np.ndarray
    bought: np.ndarray

    @property
    def n_operating(self) -> int:
        """Traders operating: the incumbents still active and the rivals that entered."""
        return int(self.active.sum()) + int(self.rivals.sum())


def create_traders(pop: Population, n_intermediaries: int, n_villages: int) -> Traders:
    """Every trader active, serving the villages the population was drawn with."""
    home = np.full(n_villages, -1, dtype=np.int32)
    home[pop.village] = pop.trader
    return Traders(
        home,
        np.ones(n_intermediaries, dtype=bool),
        np.zeros(n_intermediaries, dtype=np.int64),
        np.zeros(n_intermediaries),
        np.zeros(n_intermediaries, dtype=np.int64),
        np.zeros(n_intermediaries),
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
    take: np.ndarray | None = None,
    price: np.ndarray | None = None,
) -> None:
    """Traders exit when bypassed and come back; rivals enter on high margins, leave on low.

    Each trader's catchment volume is what the MSEs of its home villages sold through a
    trader this month (itself or, if it exited, the trader serving them instead). At the
    start it is recorded as the reference. Then MSEs are assigned to their home trader if it
    operates, else to the next operating trader (by index). The last trader never exits.

    Each trader's net margin (`Traders.margin`) is what it kept (``take``) per unit of the
    value it bought at the spot price (``price``), less TRADER_UNIT_COST. A rival enters an
    operating trader's catchment when the margin expected after its entry exceeds
    TRADER_ENTRY_MARGIN (up to MAX_TRADER_RIVALS), and the newest rival leaves after
    TRADER_EXIT_MONTHS months of a negative margin (see the module's docstring). A trader
    that exits takes its rivals with it.

    Args:
        pop: Population; ``trader`` written.
        link: This month's link per MSE.
        units: Units sold by channel and MSE this month, (3, n).
        traders: `Traders`, updated in place.
        start: Record the reference volumes (first trade) instead of updating.
        consts: The run's calibration constants (a `sim.constants` record).
        take: What each trader kept this month (`sim.sales.Sales.intermediary_take`); without
            it (or ``price``) margins are taken as zero and nobody enters.
        price: This month's spot price by channel, (3,).
    """
    if take is None or price is None:
        take, price = np.zeros(traders.active.size), np.zeros(units.shape[0])
    _update_traders(pop.state, link, units, traders, start, take, price, consts)


@njit(cache=True)
def _update_traders(mse, link, units, traders, start, take, price, consts):
    MAX_TRADER_RIVALS = consts[0].max_trader_rivals
    TRADER_ENTRY_MARGIN = consts[0].trader_entry_margin
    TRADER_ENTRY_SHARE = consts[0].trader_entry_share
    TRADER_EXIT_MONTHS = consts[0].trader_exit_months
    TRADER_EXIT_SHARE = consts[0].trader_exit_share
    TRADER_UNIT_COST = consts[0].trader_unit_cost
    village, trader, active_mse = mse.village, mse.trader, mse.active
    home, active, low_months, reference = (
        traders.home,
        traders.active,
        traders.low_months,
        traders.reference,
    )
    rivals, margin, margin_low = traders.rivals, traders.margin, traders.margin_low_months
    n_traders = active.size
    volume = np.zeros(n_traders)
    value = traders.bought
    value[:] = 0.0
    for i in range(village.size):
        if active_mse[i] and link[i] == VIA_TRADER:
            volume[home[village[i]]] += units[0, i] + units[1, i] + units[2, i]
            value[trader[i]] += (
                units[0, i] * price[0] + units[1, i] * price[1] + units[2, i] * price[2]
            )
    # Each trader's gross and net margin on what it bought this month.
    gross = np.zeros(n_traders)
    for j in range(n_traders):
        if value[j] > 0.0:
            gross[j] = take[j] / value[j]
            margin[j] = gross[j] - TRADER_UNIT_COST
        else:
            margin[j] = 0.0
    if start:
        for j in range(n_traders):
            reference[j] = volume[j]
        return
    # Rivals enter where the margin after their entry pays, and leave where it stays negative.
    if MAX_TRADER_RIVALS > 0:
        for j in range(n_traders):
            if not active[j]:
                continue
            # A catchment that sold nothing through traders pays its rivals nothing.
            if rivals[j] > 0 and (margin[j] < 0.0 or value[j] <= 0.0):
                margin_low[j] += 1
                if margin_low[j] >= TRADER_EXIT_MONTHS:
                    rivals[j] -= 1
                    margin_low[j] = 0
                continue
            margin_low[j] = 0
            n_here = 1.0 + rivals[j]
            expected = gross[j] * n_here / (n_here + 1.0) - TRADER_UNIT_COST
            if rivals[j] < MAX_TRADER_RIVALS and value[j] > 0.0 and expected > TRADER_ENTRY_MARGIN:
                rivals[j] += 1
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
                rivals[j] = 0  # its rivals leave the catchment with it
                margin_low[j] = 0
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
    pop: Population,
    link: np.ndarray,
    n_intermediaries: int,
    consts: np.ndarray,
    rivals: np.ndarray | None = None,
) -> np.ndarray:
    """Market power of each intermediary in [1 - BYPASS_EFFECT, 1], shared with its rivals.

    It falls as the MSEs of its villages bypass it (lead-firm suppliers, direct sellers), and
    is divided by the number of traders in its catchment, itself and its ``rivals``
    (`Traders.rivals`; none if omitted): with ``n`` symmetric Cournot traders the Lerner index
    is ``1 / n`` of the monopolist's.
    """
    if rivals is None:
        rivals = np.zeros(n_intermediaries, dtype=np.int64)
    return _market_power(pop.trader, pop.in_chain, link, n_intermediaries, rivals, consts)


@njit(cache=True)
def _market_power(trader, in_chain, link, n_intermediaries, rivals, consts):
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
        if rivals[j] > 0:  # no division at all without rivals: 0.3.0's numbers to the bit
            power[j] = power[j] / (1.0 + rivals[j])
    return power
