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
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numba import njit

CHANNELS: tuple[str, ...] = ("domestic", "export", "specialty")
DOMESTIC, EXPORT, SPECIALTY = range(3)
N_CHANNELS = len(CHANNELS)

#: Premium per unit of quality at the start (price multiplier at quality 1 is 1 + premium).
INITIAL_PREMIUM = np.array([0.02, 0.06, 0.12])
#: Growth of each channel's premium per year at demand_shift = 1.
PREMIUM_DRIFT_PER_YEAR = np.array([0.02, 0.06, 0.10])
#: Minimum quality a channel accepts.
QUALITY_STANDARD = np.array([0.0, 0.45, 0.65])
#: Monthly standard deviation of log-price shocks at price_volatility = 1.
VOLATILITY = np.array([0.05, 0.20, 0.25])
#: Persistence of price deviations from month to month (AR(1) coefficient).
PRICE_PERSISTENCE = 0.85
#: Share of a shock common to all channels (the rest is channel-specific).
COMMON_SHOCK = 0.3
#: Share of export and specialty orders cancelled per unit of negative log-price deviation:
#: when a distant market slumps, buyers also cut volumes ("shifts in global markets").
ORDER_SENSITIVITY = 3.0
#: Largest share of orders cancelled in one month.
MAX_ORDER_CUT = 0.8
#: Fall in prices over ten years at competition = 1.
PRICE_EROSION = 0.15
#: Fall of the competitive cost benchmark over ten years at competition = 1.
BENCHMARK_FALL = 0.3
#: Share of sales lost per 10% of unit cost above the benchmark, at competition = 1.
SALES_LOSS_PER_10PCT = 0.4
#: Months over which competition's effects build up.
HORIZON_MONTHS = 120.0


def base_prices(export_premium: float) -> np.ndarray:
    """Long-run base prices by channel: export and specialty above domestic."""
    return np.array([1.0, 1.0 + 2.0 * export_premium, 1.0 + 2.2 * export_premium])


@dataclass
class Markets:
    """State of the three end-market channels.

    Attributes:
        base_price: Long-run base price by channel.
        deviation: Current log deviation of each channel's price from its trend.
        price: Current base price by channel (trend x shock).
        premium: Current premium per unit of quality by channel.
        benchmark_cost: Unit cost of low-cost competitors.
        month: Months elapsed.
    """

    base_price: np.ndarray
    deviation: np.ndarray
    price: np.ndarray
    premium: np.ndarray
    benchmark_cost: float
    month: int = 0

    @classmethod
    def create(cls, export_premium: float, benchmark_cost: float) -> Markets:
        """Markets at their long-run levels."""
        base = base_prices(export_premium)
        return cls(base, np.zeros(N_CHANNELS), base.copy(), INITIAL_PREMIUM.copy(),
                   benchmark_cost)

    def trend_price(self, competition: float) -> np.ndarray:
        """Expected base price by channel after competition's erosion (no shock)."""
        return self.base_price * (1.0 - PRICE_EROSION * competition * self._ramp())

    def _ramp(self) -> float:
        return min(self.month / HORIZON_MONTHS, 1.0)


def drift_preferences(markets: Markets, demand_shift: float) -> None:
    """Move end-market premiums toward quality at the scenario's rate (one month)."""
    markets.premium = markets.premium + demand_shift * PREMIUM_DRIFT_PER_YEAR / 12.0


def shock_prices(markets: Markets, price_volatility: float, competition: float,
                 normals: np.ndarray) -> None:
    """Draw this month's prices: persistent log shocks around a trend eroded by competition.

    Args:
        markets: Market state, updated in place.
        price_volatility: Scenario lever scaling shock sizes.
        competition: Scenario lever eroding the price trend.
        normals: Standard normal draws, shape (N_CHANNELS + 1,): one common factor, then one
            per channel. Always drawn, whatever the volatility, so that runs differing only in
            levers share their random numbers.
    """
    shock = np.sqrt(COMMON_SHOCK) * normals[0] + np.sqrt(1.0 - COMMON_SHOCK) * normals[1:]
    markets.deviation = PRICE_PERSISTENCE * markets.deviation + (
        price_volatility * VOLATILITY * shock
    )
    markets.price = markets.trend_price(competition) * np.exp(markets.deviation)


def order_cuts(markets: Markets) -> np.ndarray:
    """Share of each channel's orders cancelled this month (none in the domestic market)."""
    cuts = np.clip(-ORDER_SENSITIVITY * markets.deviation, 0.0, MAX_ORDER_CUT)
    cuts[DOMESTIC] = 0.0
    return cuts


@functools.lru_cache(maxsize=64)
def price_covariance(price_volatility: float) -> np.ndarray:
    """Covariance of relative monthly price deviations between channels (long-run).

    The matrix depends on the lever alone, so it is computed once per value and shared
    (read-only).
    """
    sd = price_volatility * VOLATILITY / np.sqrt(1.0 - PRICE_PERSISTENCE**2)
    corr = np.full((N_CHANNELS, N_CHANNELS), COMMON_SHOCK)
    np.fill_diagonal(corr, 1.0)
    covariance = corr * np.outer(sd, sd)
    covariance.flags.writeable = False
    return covariance


def lower_benchmark_cost(markets: Markets, initial_cost: float, competition: float) -> None:
    """Competitors get cheaper: the cost benchmark falls with competition over the horizon."""
    markets.benchmark_cost = initial_cost * (1.0 - BENCHMARK_FALL * competition * markets._ramp())


@njit(cache=True)
def competitive_sales_share(unit_cost, benchmark_cost, competition):
    """Share of capacity an MSE can sell against low-cost competitors.

    MSEs whose unit cost is above the competitive benchmark lose sales in proportion to the
    gap and to competition; at zero competition every unit sells. Elementwise: takes one
    MSE's unit cost or an array of them.
    """
    gap = np.maximum(unit_cost / benchmark_cost - 1.0, 0.0)
    return np.minimum(np.maximum(1.0 - competition * SALES_LOSS_PER_10PCT * gap * 10.0, 0.2), 1.0)


@njit(cache=True)
def clears_standard(quality, channel):
    """Whether a product of this quality may enter channel ``channel`` (elementwise)."""
    return quality >= QUALITY_STANDARD[channel] - 1e-12
