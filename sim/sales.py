"""One month's sales: every MSE sells its output on its link's terms, and every unit is booked.

Every unit sold is accounted for: what buyers pay equals what MSEs receive, plus what
intermediaries, lead firms and MSE brokers keep, plus transport and marketing costs paid to
third parties. A direct seller who hauls its goods and the cash back far may lose them in
transit (seed lines 208-210).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from sim.channels import sold_in_channels
from sim.constants import declare, real, values_bundle
from sim.detmath import sum_in_order
from sim.links import DIRECT, VIA_BROKER, VIA_LEAD_FIRM, VIA_TRADER
from sim.markets import (
    DOMESTIC,
    N_CHANNELS,
    Markets,
    competitive_sales_share,
    market_depth,
    order_cuts,
)
from sim.memory import zeros_few_written
from sim.population import Population, stays_in_chain
from sim.terms import LinkTerms, transport_constants, transport_cost
from sim.threads import CHUNK, parallel

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # Buyers who collect at the farm gate carry that risk themselves.
        real(
            "transit_loss_hazard",
            0.15,
            0.0,
            1.0,
            "per month",
            "Monthly chance, at distance 1 and transit_risk = 1, that an MSE carrying its own "
            'products to distant buyers and the cash back loses a load ("the transport of products '
            "or cash payments over long distances may expose MSE owners to increased security and "
            'market risks", seed lines 208-210).',
            source="calibration choice, guided by the seed (seed lines 208-210)",
        ),
        real(
            "transit_loss_share",
            0.5,
            0.0,
            1.0,
            "share of month's sales",
            "Share of the month's sales revenue lost when it happens.",
        ),
    ],
)


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
        sold_units: The units sold by each MSE in each channel (:class:`UnitsSold`; read
            them as `units`, (3, n)).
        revenue: Each MSE's sales revenue (net of transport and marketing).
        buyer_payments: Total paid by end-market buyers, by channel.
        intermediary_take: What each intermediary kept (markup, premium rent).
        lead_firm_take: What each lead firm kept (margin, premium rent, contract gains/losses).
        transport: Total transport and marketing costs paid to third parties.
        premium_paid: Total quality premium paid by buyers.
        premium_to_mse: Total quality premium reaching MSEs.
        via_brokers: Units sold through MSE brokers.
        channel_units: Units sold in each channel by all MSEs, (3,).
        sold_brokerage: What each MSE kept brokering its neighbours' sales (part of its
            revenue; zero for MSEs that are not brokers) (:class:`Sparse`; read it as
            `brokerage`, (n,)).
        prices: The month's end-market prices the sales were made at, (3, 3): the spot base
            price, the premium per unit of quality and the trend (guaranteed) base price, by
            channel (a copy: the markets move after the sales).
        contract_share: Share of each MSE's output sold forward, (n,).
        terms: The month's link terms the sales were made on (`sim.terms.LinkTerms`: the
            markup, the premium's pass-through and what the transport cost is worked out from).
        consts: The run's calibration constants (the transport cost's, `sim.terms`).

    ``base`` and ``premium_rate``, what each MSE's link paid per unit, are worked out from the
    prices, contract shares and terms when read rather than kept (at 10^7 MSEs they are 480
    MB, and the month keeps the arrays they come from anyway): the same numbers the sales
    were made with.
    """

    produced: np.ndarray
    sold_units: UnitsSold
    revenue: np.ndarray
    buyer_payments: np.ndarray
    intermediary_take: np.ndarray
    lead_firm_take: np.ndarray
    transport: float
    premium_paid: float
    premium_to_mse: float
    via_brokers: float
    channel_units: np.ndarray
    sold_brokerage: Sparse
    prices: np.ndarray
    contract_share: np.ndarray
    terms: LinkTerms
    consts: np.ndarray

    @property
    def units(self) -> np.ndarray:
        """Units sold by each MSE in each channel, (3, n) (a new array once `compact`)."""
        return self.sold_units.dense()

    @property
    def brokerage(self) -> np.ndarray:
        """What each MSE kept brokering its neighbours' sales, (n,) (new once `compact`)."""
        return self.sold_brokerage.dense()

    @property
    def units_sold(self) -> float:
        """``sum_in_order(units)``: every unit sold, channel after channel, MSE after MSE."""
        return self.sold_units.total()

    def compact(self) -> None:
        """Keep the units by channel and the brokerage in their compact form (memory).

        Once the month's trade has read them (the traders' volumes, the end markets'
        response), the sales keep each MSE's domestic units and, of the export and
        specialty channels and of the brokerage, only the MSEs whose number is not zero
        (few: at 10^7 MSEs, 24 of the 32 bytes an MSE these held all month). Readers get
        the same numbers (`units`, `brokerage`, `units_sold`, `broker_take`).
        """
        self.sold_units.compact()
        self.sold_brokerage.compact()

    @property
    def base(self) -> np.ndarray:
        """Base price per unit each MSE's link paid, by channel, (3, n) (a new array)."""
        return self.unit_prices(slice(None))[0]

    @property
    def premium_rate(self) -> np.ndarray:
        """Premium per unit of quality that reached each MSE, by channel, (3, n) (new)."""
        return self.unit_prices(slice(None))[1]

    def unit_prices(self, rows: slice) -> tuple[np.ndarray, np.ndarray]:
        """`base` and `premium_rate` of a range of MSEs only, (3, rows) each (new arrays)."""
        t = self.terms
        return _unit_prices_by_channel(
            self.prices,
            self.contract_share[rows],
            t.markup[rows],
            t.pass_through[rows],
            t.link[rows],
            t.far[rows],
            t.distance[rows],
            t.social[rows],
            self.consts,
        )

    @property
    def broker_take(self) -> float:
        """What MSE brokers kept of their neighbours' sales (currency).

        It is in the brokers' own revenue too, since a broker is an MSE.
        """
        return self.sold_brokerage.total()


class Sparse:
    """A per-MSE array of numbers that are mostly zero, held whole or as its non-zeros.

    Held whole as made; `compact` keeps only the MSEs whose number is not +0.0 (by its bits:
    a -0.0 is kept), so `dense` gives back the same bits, and `total` the same sum as
    ``sum_in_order`` of the whole (a sum in order from +0.0 is never -0.0, so leaving out
    the +0.0s changes none of its additions' results).
    """

    def __init__(self, values: np.ndarray):
        self._dense: np.ndarray | None = values
        self.n = values.size
        self.rows = np.empty(0, dtype=np.int64)
        self.values = np.empty(0)

    def compact(self) -> None:
        """Keep only the non-zeros (a no-op once done)."""
        if self._dense is not None:
            self.rows = _nonzero_rows(self._dense[None, :])
            self.values, self._dense = self._dense[self.rows], None

    def dense(self) -> np.ndarray:
        """The whole array (itself while held whole, else a new one)."""
        if self._dense is not None:
            return self._dense
        out = zeros_few_written(self.n)  # only the non-zeros' pages become resident
        out[self.rows] = self.values
        return out

    def total(self) -> float:
        """``sum_in_order`` of the whole array."""
        return sum_in_order(self._dense if self._dense is not None else self.values)


#: An empty array, held in place of one let go of.
_NOTHING = np.empty(0)


class UnitsSold:
    """Units sold by each MSE in each channel, held whole (3, n) or in a compact form.

    As made by the sales pass the (3, n) array is held whole, for the readers in the month's
    trade. `compact` keeps every MSE's domestic units and, for the export and specialty
    channels, the rows of the MSEs that sold any there (by their bits, as `Sparse`) and
    their units (2, k): few MSEs export, so at 10^7 MSEs this is about 8 bytes an MSE in
    place of 24. `dense` gives back the same bits, `total` the same sum as ``sum_in_order``.
    """

    def __init__(self, units: np.ndarray):
        self._dense: np.ndarray | None = units
        self.domestic = units[0]
        self.export_rows = np.empty(0, dtype=np.int64)
        self.export_units = np.empty((N_CHANNELS - 1, 0))

    def compact(self) -> None:
        """Keep the compact form only (a no-op once done)."""
        if self._dense is not None:
            units, self._dense, self.domestic = self._dense, None, _NOTHING
            self.export_rows = _nonzero_rows(units[1:])
            self.export_units = np.ascontiguousarray(units[1:, self.export_rows])
            # The domestic units, the first row: the array shrunk to it in place (a realloc,
            # no copy: memory), or a copy if a reader still holds the array.
            try:
                units.resize(units.shape[1], refcheck=True)
            except ValueError:
                units = units[0].copy()
            self.domestic = units

    def dense(self) -> np.ndarray:
        """The (3, n) array (itself while held whole, else a new one)."""
        if self._dense is not None:
            return self._dense
        out = np.zeros((N_CHANNELS, self.domestic.size))
        out[0] = self.domestic
        out[1:, self.export_rows] = self.export_units
        return out

    def parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(domestic, export_rows, export_units)``: the compact form (made if not held)."""
        if self._dense is None:
            return self.domestic, self.export_rows, self.export_units
        rows = _nonzero_rows(self._dense[1:])
        return self._dense[0], rows, np.ascontiguousarray(self._dense[1:, rows])

    def total(self) -> float:
        """``sum_in_order`` of the (3, n) array: channel after channel, MSE after MSE."""
        whole = self._dense
        return sum_in_order(whole) if whole is not None else _total_in_order(*self.parts()[::2])


@njit(cache=True)
def _nonzero_rows(x):
    """Columns of ``x`` (k, n) with any element whose bits are not +0.0's, ascending."""
    k, n = x.shape
    keep = np.zeros(n, np.bool_)
    count = 0
    for i in range(n):
        for c in range(k):
            v = x[c, i]
            if v != 0.0 or math.copysign(1.0, v) < 0.0:
                keep[i] = True
        count += keep[i]
    rows = np.empty(count, np.int64)
    j = 0
    for i in range(n):
        if keep[i]:
            rows[j] = i
            j += 1
    return rows


@njit(cache=True)
def _total_in_order(domestic, export_units):
    """`UnitsSold.total` of the compact form: the additions of ``sum_in_order`` but +0.0s."""
    total = 0.0
    for v in domestic:
        total += v
    for c in range(export_units.shape[0]):
        for j in range(export_units.shape[1]):
            total += export_units[c, j]
    return total


def sell_output(
    pop: Population,
    markets: Markets,
    terms: LinkTerms,
    trend: np.ndarray,
    contract_share: np.ndarray,
    competition: float,
    n_intermediaries: int,
    n_lead_firms: int,
    consts: np.ndarray,
) -> Sales:
    """Sell every in-chain MSE's output and account for each party's share.

    Buyers' payments, intermediaries' and lead firms' takes are each computed from their own
    rule, so that the identity *buyers = MSEs + intermediaries + lead firms + transport* is a
    check on the price formulas rather than true by construction.
    """
    n = pop.n
    market = MarketTerms(
        spot=markets.price,
        premium=markets.premium,
        order_cuts=order_cuts(markets, consts=consts),
        trend=trend,
        benchmark_cost=float(markets.benchmark_cost),
        competition=float(competition),
    )
    out = SalesAccounts(
        produced=np.empty(n),
        units=np.empty((N_CHANNELS, n)),
        revenue=np.zeros(n),
        buyer_payments=np.zeros(N_CHANNELS),
        intermediary_take=np.zeros(n_intermediaries),
        lead_firm_take=np.zeros(n_lead_firms),
        totals=np.zeros(4),
        channel_units=np.zeros(N_CHANNELS),
        # Written only for MSE brokers: its pages stay unmapped but theirs (memory).
        brokerage=zeros_few_written(n),
    )
    if parallel(n):
        _sell_chunks(pop.state, terms, market, contract_share, out, consts, CHUNK)
    else:
        _sell(pop.state, terms, market, contract_share, out, consts)
    return Sales(
        produced=out.produced,
        sold_units=UnitsSold(out.units),
        revenue=out.revenue,
        buyer_payments=out.buyer_payments,
        intermediary_take=out.intermediary_take,
        lead_firm_take=out.lead_firm_take,
        transport=float(out.totals[0]),
        premium_paid=float(out.totals[1]),
        premium_to_mse=float(out.totals[2]),
        via_brokers=float(out.totals[3]),
        channel_units=out.channel_units,
        sold_brokerage=Sparse(out.brokerage),
        prices=np.array([market.spot, market.premium, market.trend], dtype=float),
        contract_share=contract_share,
        terms=terms,
        consts=consts,
    )


@njit(cache=True)
def _unit_prices_by_channel(
    prices, contract_share, markup, pass_through, link, far, distance, social, consts
):
    """What each MSE's link paid per unit by channel: `unit_prices` of its sales.

    Returns ``(base, premium_rate)``, (3, n) each; ``prices`` as `Sales.prices`, the rest
    as `sim.terms.LinkTerms`. The same calls on the same numbers as the sales pass's, so the
    same bits.
    """
    n = contract_share.size
    base = np.empty((N_CHANNELS, n))
    premium_rate = np.empty((N_CHANNELS, n))
    costs = transport_constants(consts)
    for c in range(N_CHANNELS):
        for i in range(n):
            transport = transport_cost(link[i], far[i], distance[i], social[i], c, costs)
            base[c, i], premium_rate[c, i] = link_unit_prices(
                prices, c, contract_share[i], markup[i], pass_through[i], transport
            )
    return base, premium_rate


@njit(cache=True)
def link_unit_prices(prices, c, contract_share, markup, pass_through, transport):
    """`unit_prices` of one MSE's sales in channel ``c``, from `Sales.prices` and its terms.

    What the sales pass worked out for it (`_book`), from the same numbers by the same calls:
    the readers of a month's sales (the beliefs, the outcome metrics) get the same bits.
    """
    return unit_prices(
        paid_price(prices[0, c], prices[2, c], contract_share),
        prices[1, c],
        markup,
        pass_through,
        transport,
    )


#: The constants the sales pass's helpers read, as values (`sim.constants.values_bundle`).
SaleConstants, sale_constants = values_bundle(
    "SaleConstants", ("quality_standard", "channel_depth", "sales_loss_per_10pct"), __name__
)


#: Rows `_sell` makes and then books at a time: few enough that the second pass over them
#: finds them in the cache.
_BLOCK = 1024


@njit(cache=True)
def _sell(mse, terms, market, contract_share, out, consts):
    """Sell every MSE's output and book each party's share, a block of MSEs after another.

    Args:
        mse: `MseState` (read only).
        terms: `LinkTerms` of each MSE's link.
        market: `MarketTerms` of this month.
        contract_share: Share of each MSE's output sold forward.
        out: `SalesAccounts`, written (takes, payments and revenue added to zeroed arrays).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    n = contract_share.size
    sums = (0.0, 0.0, 0.0, 0.0)
    for start in range(0, n, _BLOCK):
        _produce(mse, terms, market, contract_share, out, consts, start, start + _BLOCK)
        sums = _book(mse, terms, market, contract_share, out, consts, start, start + _BLOCK, sums)
    out.totals[0], out.totals[1], out.totals[2], out.totals[3] = sums


@njit(cache=True, parallel=True)
def _sell_chunks(mse, terms, market, contract_share, out, consts, chunk):
    """`_sell` with the making and pricing over threads, in fixed chunks, then the books.

    What an MSE makes and is paid per unit is its own (`_produce`); the books add every
    MSE's share to totals (`_book`), and are kept in row order, on one thread, so that every
    sum is added in the order of `_sell`.
    """
    n = contract_share.size
    for c in prange((n + chunk - 1) // chunk):
        _produce(mse, terms, market, contract_share, out, consts, c * chunk, (c + 1) * chunk)
    sums = _book(mse, terms, market, contract_share, out, consts, 0, n, (0.0, 0.0, 0.0, 0.0))
    out.totals[0], out.totals[1], out.totals[2], out.totals[3] = sums


@njit(cache=True)
def _produce(mse, terms, market, contract_share, out, consts, start, stop):
    """What MSEs ``start`` to ``stop`` (or the last) make, sell by channel and are paid per unit.

    Writes those rows of ``out.produced`` and ``out.units`` and nothing else, so rows can be
    worked out in any order.
    """
    # The helpers below read these constants inside the loop; as values they stay in
    # registers (see sim.constants.values_bundle). Made here, inside a parallel pass's chunk:
    # numba's parallel loops cannot take a tuple of tuples from outside.
    hot = sale_constants(consts)
    # Arrays taken out of the bundles once, not in the loop (each would be counted as a
    # reference there, for every MSE).
    capacity, unit_cost, channel_weight, quality, channels = (
        mse.capacity,
        mse.unit_cost,
        mse.channel_weight,
        mse.quality,
        mse.channels,
    )
    active, upgrades = mse.active, mse.upgrades
    cuts = market.order_cuts
    benchmark_cost, competition = market.benchmark_cost, market.competition
    produced, units = out.produced, out.units
    for i in range(start, min(stop, contract_share.size)):
        in_chain = stays_in_chain(active[i], upgrades[i])
        q, cs = quality[i], contract_share[i]
        w = sold_in_channels(channel_weight[:, i], q, hot)
        # The MSE makes what it can sell: against low-cost competitors, and as much as its
        # channels' buyers take.
        volume = (
            capacity[i]
            * competitive_sales_share(unit_cost[i], benchmark_cost, competition, hot)
            * in_chain
            * market_depth(w, hot)
        )
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


@njit(cache=True)
def _book(mse, terms, market, contract_share, out, consts, start, stop, sums):
    """Add the sales of MSEs ``start`` to ``stop`` to their revenue and every party's books.

    Args:
        mse: `MseState` (read only).
        terms: `LinkTerms` of each MSE's link.
        market: `MarketTerms` of this month.
        contract_share: Share of each MSE's output sold forward.
        out: `SalesAccounts`, its rows ``start`` to ``stop`` made by `_produce`; revenue,
            brokerage, takes, payments and channel units added to.
        consts: The run's calibration constants (a `sim.constants` record).
        start: The first row.
        stop: The row after the last (past the population means its last row).
        sums: Running totals so far: transport and marketing paid, premium paid, premium
            reaching MSEs, units sold through MSE brokers.

    Returns:
        The running totals with these MSEs added one after another, channel by channel, so
        that every sum is the same whichever thread worked out `_produce`.
    """
    quality, trader, lead_firm = mse.quality, mse.trader, mse.lead_firm
    link, broker, markup, pass_through = terms.link, terms.broker, terms.markup, terms.pass_through
    far, social, distance = terms.far, terms.social, terms.distance
    spot, premium, trend = market.spot, market.premium, market.trend
    units, revenue, brokerage = out.units, out.revenue, out.brokerage
    channel_units, buyer_payments, intermediary_take, lead_firm_take = (
        out.channel_units,
        out.buyer_payments,
        out.intermediary_take,
        out.lead_firm_take,
    )
    # Running totals in locals rather than array slots, so they stay in registers.
    transport_paid, premium_paid, premium_to_mse, via_brokers = sums
    costs = transport_constants(consts)
    for i in range(start, min(stop, contract_share.size)):
        q, cs = quality[i], contract_share[i]
        received = kept = contract_gain = 0.0
        for c in range(N_CHANNELS):
            u = units[c, i]
            channel_units[c] += u
            paid = paid_price(spot[c], trend[c], cs)
            # What the link pays per unit, worked out here rather than kept (`Sales.base`),
            # as is its transport cost (`sim.terms.LinkTerms`).
            transport = transport_cost(link[i], far[i], distance[i], social[i], c, costs)
            base, rate = unit_prices(paid, premium[c], markup[i], pass_through[i], transport)
            received += u * (base + rate * q)
            premium_per_unit = premium[c] * q
            spot_value, paid_value = u * spot[c], u * paid
            buyer_payments[c] += spot_value * (1.0 + premium_per_unit)
            transport_paid += u * transport
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
            brokerage[broker[i]] += kept
            via_brokers += units[0, i] + units[1, i] + units[2, i]
        # Each buyer's take goes to its own books. Adding zero to the others (rather than
        # branching on a link type the CPU cannot predict) leaves them exactly as they were.
        intermediary_take[trader[i]] += kept * (link[i] == VIA_TRADER)
        if lead_firm_take.size:
            lead_firm_take[max(lead_firm[i], 0)] += (kept + contract_gain) * (
                link[i] == VIA_LEAD_FIRM
            )
    return transport_paid, premium_paid, premium_to_mse, via_brokers


@njit(cache=True)
def expected_transit_loss(distance, transit_risk, consts):
    """Expected share of a direct seller's monthly revenue lost in transit (elementwise)."""
    TRANSIT_LOSS_HAZARD = consts[0].transit_loss_hazard
    TRANSIT_LOSS_SHARE = consts[0].transit_loss_share
    return TRANSIT_LOSS_HAZARD * transit_risk * distance * TRANSIT_LOSS_SHARE


def lose_in_transit(
    pop: Population,
    link: np.ndarray,
    revenue: np.ndarray,
    uniforms: np.ndarray,
    transit_risk: float,
    consts: np.ndarray,
) -> float:
    """Direct sellers who haul far may lose goods or cash on the way (one month).

    A direct seller (who carries its own products and the cash back; an MSE broker carries
    its neighbours' too) loses TRANSIT_LOSS_SHARE of its month's revenue when its draw is
    below ``TRANSIT_LOSS_HAZARD * transit_risk * distance``. The loss comes out of its
    income (``pop.income``, written); sales and what buyers paid are unchanged.

    Returns:
        The month's total loss (for the ledger).
    """
    return _lose_in_transit(
        link, revenue, uniforms, pop.distance, pop.active, float(transit_risk), pop.income, consts
    )


@njit(cache=True)
def _lose_in_transit(link, revenue, uniforms, distance, active, transit_risk, income, consts):
    TRANSIT_LOSS_HAZARD = consts[0].transit_loss_hazard
    TRANSIT_LOSS_SHARE = consts[0].transit_loss_share
    total = 0.0
    for i in range(link.size):
        if (
            active[i]
            and link[i] == DIRECT
            and uniforms[i] < TRANSIT_LOSS_HAZARD * transit_risk * distance[i]
        ):
            loss = TRANSIT_LOSS_SHARE * max(revenue[i], 0.0)
            income[i] -= loss
            total += loss
    return total
