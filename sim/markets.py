"""End markets: channels, prices, quality premiums, preference drift, volatility, competition.

Three channels are served by `Buyer` agents: domestic, export and specialty. Each has a base
price, a premium for quality, a quality standard for entry and a volatility. A unit of quality
``q`` sells in channel ``c`` for ``price[c] * (1 + premium[c] * q)``.

End markets are where the seed's drivers of upgrading start (structural effect 1):

- *preferences drift toward quality* at the scenario's ``demand_shift`` rate: premiums grow,
  which is what makes product upgrading pay;
- *competition* from low-cost producers erodes prices and sets a falling cost benchmark:
  MSEs above it lose sales, which is what makes process upgrading pay;
- *price volatility* makes concentrated sales risky, which is what makes channel
  diversification pay.

Each channel's price level and premium are multiplied by its demand's answer to what the
MSEs supplied (:mod:`sim.demand`: ``Markets.demand``, ``Markets.premium_demand``), so that
prices fall when supply rises; the exogenous parts above are unchanged.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from sim import detmath
from sim.constants import declare, real, values_of, vector

CHANNELS: tuple[str, ...] = ("domestic", "export", "specialty")
DOMESTIC, EXPORT, SPECIALTY = range(3)
N_CHANNELS = len(CHANNELS)

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        vector(
            "initial_premium",
            [0.02, 0.06, 0.12],
            CHANNELS,
            0,
            2,
            "price share per unit quality",
            "Premium per unit of quality at the start (price multiplier at quality 1 is 1 + "
            "premium).",
        ),
        vector(
            "premium_drift_per_year",
            [0.02, 0.06, 0.10],
            CHANNELS,
            0,
            1,
            "price share per unit quality per year",
            "Growth of each channel's premium per year at demand_shift = 1.",
        ),
        vector(
            "quality_standard",
            [0.0, 0.45, 0.65],
            CHANNELS,
            0,
            1,
            "quality 0-1",
            "Minimum quality a channel accepts.",
        ),
        # The local market is thin, while export and specialty buyers take all an MSE can supply.
        # Entering a new channel can therefore raise sales volume ("higher prices, higher sales
        # volumes", seed lines 151-152). The domestic level is a calibration choice.
        vector(
            "channel_depth",
            [0.9, 1.0, 1.0],
            CHANNELS,
            0,
            1,
            "share of output",
            "Share of an MSE's output each channel's buyers take at the going price.",
            source="calibration choice, guided by the seed (seed lines 151-152)",
        ),
        vector(
            "volatility",
            [0.05, 0.20, 0.25],
            CHANNELS,
            0,
            1,
            "sd of log price per month",
            "Monthly standard deviation of log-price shocks at price_volatility = 1.",
        ),
        real(
            "price_persistence",
            0.85,
            0.0,
            0.999,
            "AR(1) coefficient",
            "Persistence of price deviations from month to month (AR(1) coefficient).",
        ),
        real(
            "common_shock",
            0.3,
            0.0,
            1.0,
            "share",
            "Share of a shock common to all channels (the rest is channel-specific).",
        ),
        # When a distant market slumps, buyers also cut volumes ("shifts in global markets").
        real(
            "order_sensitivity",
            3.0,
            0.0,
            20.0,
            "share per unit log deviation",
            "Share of export and specialty orders cancelled per unit of negative log-price "
            "deviation.",
        ),
        real(
            "max_order_cut",
            0.8,
            0.0,
            1.0,
            "share of orders",
            "Largest share of orders cancelled in one month.",
        ),
        # These shifts are slow and independent between channels, so over years the channel that pays
        # most today may not pay most tomorrow (seed lines 362-384).
        vector(
            "shift_volatility",
            [0.01, 0.03, 0.03],
            CHANNELS,
            0,
            0.5,
            "sd of log price per month",
            "Monthly standard deviation of the shocks to each channel's long-run price level at "
            "market_shifts = 1.",
            source="calibration choice, guided by the seed (seed lines 362-384)",
        ),
        real(
            "shift_persistence",
            0.98,
            0.0,
            0.9999,
            "AR(1) coefficient",
            "Persistence of long-run price shifts from month to month (a slow AR(1): half-life "
            "about three years).",
        ),
        # Another product, its own end market, shocks independent of this chain's.
        real(
            "second_chain_volatility",
            0.1,
            0.0,
            1.0,
            "sd of log price per month",
            "Monthly standard deviation of log-price shocks in the second value chain (the one MSEs "
            "move to by intersectoral upgrading) at price_volatility = 1.",
        ),
        # At the default pull of 0.3 the second chain pays its reference income.
        real(
            "second_chain_floor",
            0.7,
            0.0,
            5.0,
            "price multiplier",
            "The second chain's long-run price level at second_chain_pull = 0 (the lever adds to "
            "it).",
        ),
        real(
            "price_erosion",
            0.15,
            0.0,
            1.0,
            "share over 10 years",
            "Fall in prices over ten years at competition = 1.",
        ),
        real(
            "benchmark_fall",
            0.3,
            0.0,
            1.0,
            "share over 10 years",
            "Fall of the competitive cost benchmark over ten years at competition = 1.",
        ),
        real(
            "sales_loss_per_10pct",
            0.4,
            0.0,
            1.0,
            "share of sales",
            "Share of sales lost per 10% of unit cost above the benchmark, at competition = 1.",
        ),
        real(
            "horizon_months",
            120.0,
            1.0,
            1200.0,
            "months",
            "Months over which competition's effects build up.",
        ),
    ],
)


def base_prices(export_premium: float) -> np.ndarray:
    """Long-run base prices by channel: export and specialty above domestic."""
    return np.array([1.0, 1.0 + 2.0 * export_premium, 1.0 + 2.2 * export_premium])


@dataclass
class Markets:
    """State of the three end-market channels.

    Attributes:
        base_price: Long-run base price by channel, before shifts.
        shift: Current log shift of each channel's long-run price level (market shifts).
        second_deviation: Current log deviation of the second chain's price from its level.
        second_level: The second chain's long-run price level (1: reference income).
        deviation: Current log deviation of each channel's price from its trend.
        price: Current base price by channel (trend x shock).
        premium: Current premium per unit of quality by channel: the drifting premium times
            the demand's premium multiplier.
        benchmark_cost: Unit cost of low-cost competitors.
        month: Months elapsed.
        drifted_premium: Premium per unit of quality by channel before demand answers the
            MSEs' supply: the initial premium plus preference drift.
        demand: Demand multiplier of each channel's price level (1: the reference supply;
            :mod:`sim.demand`), applied to the trend price and so to spot and contract prices.
        premium_demand: Demand multiplier of each channel's quality premium (:mod:`sim.demand`).
    """

    base_price: np.ndarray
    shift: np.ndarray
    deviation: np.ndarray
    price: np.ndarray
    premium: np.ndarray
    benchmark_cost: float
    month: int = 0
    second_deviation: float = 0.0
    second_level: float = 1.0
    drifted_premium: np.ndarray = None  # type: ignore[assignment]  # set in __post_init__
    demand: np.ndarray = field(default_factory=lambda: np.ones(N_CHANNELS))
    premium_demand: np.ndarray = field(default_factory=lambda: np.ones(N_CHANNELS))

    def __post_init__(self) -> None:
        if self.drifted_premium is None:
            self.drifted_premium = self.premium.copy()

    @property
    def second_price(self) -> float:
        """The second value chain's price this month (1: the reference income)."""
        return float(self.second_level * detmath.exp(self.second_deviation))

    @classmethod
    def create(
        cls,
        export_premium: float,
        benchmark_cost: float,
        second_chain_pull: float = 0.3,
        *,
        consts: np.ndarray,
    ) -> Markets:
        """Markets at their long-run levels."""
        INITIAL_PREMIUM = values_of(consts)["initial_premium"]
        SECOND_CHAIN_FLOOR = values_of(consts)["second_chain_floor"]
        base = base_prices(export_premium)
        return cls(
            base,
            np.zeros(N_CHANNELS),
            np.zeros(N_CHANNELS),
            base.copy(),
            INITIAL_PREMIUM.copy(),
            benchmark_cost,
            second_level=SECOND_CHAIN_FLOOR + second_chain_pull,
        )

    def trend_price(self, competition: float, consts: np.ndarray) -> np.ndarray:
        """Expected base price by channel.

        That is the shifted long-run level, eroded by competition, times the demand's answer
        to the MSEs' supply (`sim.demand`; 1 when it is off).
        """
        PRICE_EROSION = values_of(consts)["price_erosion"]
        return (
            self.base_price
            * detmath.exp_each(self.shift)
            * (1.0 - PRICE_EROSION * competition * self._ramp(consts))
            * self.demand
        )

    def _ramp(self, consts: np.ndarray) -> float:
        HORIZON_MONTHS = values_of(consts)["horizon_months"]
        return min(self.month / HORIZON_MONTHS, 1.0)


def drift_preferences(markets: Markets, demand_shift: float, consts: np.ndarray) -> None:
    """Move end-market premiums toward quality at the scenario's rate (one month).

    The premium paid is the drifted one times the demand's answer to the quality the MSEs
    supply (`sim.demand`; 1 when it is off).
    """
    PREMIUM_DRIFT_PER_YEAR = values_of(consts)["premium_drift_per_year"]
    markets.drifted_premium = markets.drifted_premium + demand_shift * PREMIUM_DRIFT_PER_YEAR / 12.0
    markets.premium = markets.drifted_premium * markets.premium_demand


def shock_prices(
    markets: Markets,
    price_volatility: float,
    competition: float,
    normals: np.ndarray,
    market_shifts: float = 0.0,
    *,
    consts: np.ndarray,
) -> np.ndarray:
    """Draw this month's prices: persistent log shocks around a trend eroded by competition.

    The trend itself shifts slowly and independently by channel (``market_shifts``), so the
    order of channels by price can change over the years.

    Args:
        markets: Market state, updated in place.
        price_volatility: Scenario lever scaling shock sizes.
        competition: Scenario lever eroding the price trend.
        normals: Standard normal draws, shape (2 N_CHANNELS + 2,): one common factor, one
            per channel, one per channel for the long-run shifts, then one for the second
            value chain. Always drawn, whatever the levers, so that runs differing only in
            levers share their random numbers.
        market_shifts: Scenario lever scaling the long-run shifts.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        The month's trend prices (`Markets.trend_price`), which the month reads again: they
        stay what they are until the markets move next.
    """
    values = values_of(consts)
    COMMON_SHOCK = values["common_shock"]
    PRICE_PERSISTENCE = values["price_persistence"]
    SECOND_CHAIN_VOLATILITY = values["second_chain_volatility"]
    SHIFT_PERSISTENCE = values["shift_persistence"]
    SHIFT_VOLATILITY = values["shift_volatility"]
    VOLATILITY = values["volatility"]
    markets.shift = SHIFT_PERSISTENCE * markets.shift + (
        market_shifts * SHIFT_VOLATILITY * normals[1 + N_CHANNELS : 1 + 2 * N_CHANNELS]
    )
    if normals.size > 1 + 2 * N_CHANNELS:
        markets.second_deviation = PRICE_PERSISTENCE * markets.second_deviation + (
            price_volatility * SECOND_CHAIN_VOLATILITY * normals[1 + 2 * N_CHANNELS]
        )
    shock = (
        np.sqrt(COMMON_SHOCK) * normals[0]
        + np.sqrt(1.0 - COMMON_SHOCK) * normals[1 : 1 + N_CHANNELS]
    )
    markets.deviation = PRICE_PERSISTENCE * markets.deviation + (
        price_volatility * VOLATILITY * shock
    )
    trend = markets.trend_price(competition, consts=consts)
    markets.price = trend * detmath.exp_each(markets.deviation)
    return trend


def order_cuts(markets: Markets, consts: np.ndarray) -> np.ndarray:
    """Share of each channel's orders cancelled this month (none in the domestic market)."""
    MAX_ORDER_CUT = values_of(consts)["max_order_cut"]
    ORDER_SENSITIVITY = values_of(consts)["order_sensitivity"]
    cuts = np.clip(-ORDER_SENSITIVITY * markets.deviation, 0.0, MAX_ORDER_CUT)
    cuts[DOMESTIC] = 0.0
    return cuts


def second_chain_sd(price_volatility: float, consts: np.ndarray) -> float:
    """Long-run standard deviation of the second chain's relative price deviation."""
    PRICE_PERSISTENCE = values_of(consts)["price_persistence"]
    SECOND_CHAIN_VOLATILITY = values_of(consts)["second_chain_volatility"]
    # p * p, not p**2: Python's ** calls libm's pow, whose last bit depends on the CPU.
    return (
        price_volatility
        * SECOND_CHAIN_VOLATILITY
        / np.sqrt(1.0 - PRICE_PERSISTENCE * PRICE_PERSISTENCE)
    )


def price_covariance(price_volatility: float, consts: np.ndarray) -> np.ndarray:
    """Covariance of relative monthly price deviations between channels (long-run).

    The matrix depends on the lever and three constants alone, so it is computed once per
    set of values and shared (read-only).
    """
    k = consts[0]
    return _price_covariance(
        float(price_volatility),
        float(k["common_shock"]),
        float(k["price_persistence"]),
        tuple(k["volatility"].tolist()),
    )


@functools.lru_cache(maxsize=64)
def _price_covariance(
    price_volatility: float,
    COMMON_SHOCK: float,  # noqa: N803
    PRICE_PERSISTENCE: float,
    volatility: tuple,
) -> np.ndarray:  # noqa: N803
    VOLATILITY = np.array(volatility)
    sd = price_volatility * VOLATILITY / np.sqrt(1.0 - PRICE_PERSISTENCE * PRICE_PERSISTENCE)
    corr = np.full((N_CHANNELS, N_CHANNELS), COMMON_SHOCK)
    np.fill_diagonal(corr, 1.0)
    covariance = corr * np.outer(sd, sd)
    covariance.flags.writeable = False
    return covariance


def lower_benchmark_cost(
    markets: Markets, initial_cost: float, competition: float, consts: np.ndarray
) -> None:
    """Competitors get cheaper: the cost benchmark falls with competition over the horizon."""
    BENCHMARK_FALL = values_of(consts)["benchmark_fall"]
    markets.benchmark_cost = initial_cost * (
        1.0 - BENCHMARK_FALL * competition * markets._ramp(consts=consts)
    )


@njit(cache=True)
def competitive_sales_share(unit_cost, benchmark_cost, competition, consts):
    """Share of capacity an MSE can sell against low-cost competitors.

    MSEs whose unit cost is above the competitive benchmark lose sales in proportion to the
    gap and to competition; at zero competition every unit sells. Elementwise: takes one
    MSE's unit cost or an array of them.
    """
    SALES_LOSS_PER_10PCT = consts[0].sales_loss_per_10pct
    gap = np.maximum(unit_cost / benchmark_cost - 1.0, 0.0)
    return np.minimum(np.maximum(1.0 - competition * SALES_LOSS_PER_10PCT * gap * 10.0, 0.2), 1.0)


@njit(cache=True)
def market_depth(sold, consts):
    """Share of output the channels take, for sales split ``sold`` (3,) by channel."""
    CHANNEL_DEPTH = consts[0].channel_depth
    return sold[0] * CHANNEL_DEPTH[0] + sold[1] * CHANNEL_DEPTH[1] + sold[2] * CHANNEL_DEPTH[2]


@njit(cache=True)
def clears_standard(quality, channel, consts):
    """Whether a product of this quality may enter channel ``channel`` (elementwise)."""
    QUALITY_STANDARD = consts[0].quality_standard
    return quality >= QUALITY_STANDARD[channel] - 1e-12
