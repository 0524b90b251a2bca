"""End-market demand: each channel's price and quality premium answer what the MSEs supply.

Why: without it, end markets are infinitely elastic. Whatever volume the MSEs bring to a
channel and however many of them upgrade their product, every unit fetches the channel's
exogenous price (:mod:`sim.markets`: drift, competition, shocks) and every unit of quality its
premium. Guideline 7's warning that the channel paying most today may not pay most tomorrow
(seed lines 362-384), and the oversupply that herding brings, could then appear only as an
input (issue 22, item 1).

What: each channel ``c`` (domestic, export, specialty) has an isoelastic inverse demand
around a reference, answering two things the MSEs supply:

- its **price** answers the *volume* sold there, ``Q``: the target multiplier of the price
  level is ``(max(Q, Q_min) / Q_ref) ** -price_flexibility[c]``;
- its **quality premium** answers the *quality per unit* sold there (its mean quality,
  ``q = Σ units x quality / Q``): the target multiplier of the premium is
  ``(q / q_ref) ** -premium_flexibility[c]``. The volume already moves the price, so the
  premium answers the mix: when quality becomes common, its premium shrinks ("if every MSE
  upgrades to the premium product, every MSE still gets the premium" is what issue 22 found
  wrong). Exits and entry move the price level, mass product upgrading the premium.

Both flexibilities are scaled by ``demand_response``: at 0 every target is 1 and the model is
0.3.0's to the bit (``benchmarks/reference_runs.py``'s ``MARKETS_OFF``); small values are the
limit of very elastic demand (``tests/model/test_demand.py``).

Phasing: prices stay stable. Each month, once the MSEs have sold (`respond`, called after the
month's trade), each multiplier moves the share ``demand_adjustment`` of the way toward its
target; the new multipliers apply from the next month's prices (:mod:`sim.markets`: the
price trend and so the spot and forward-contract prices are multiplied by ``Markets.demand``,
the drifting premium by ``Markets.premium_demand``). So there is no simultaneity within the
month: this month's supply sets next month's prices.

References (`Reference.of`, from the model's month-0 sales): so that every multiplier is 1
at the start,

- ``Q_ref`` is the volume the MSEs sold in the channel in month 0, but at least ``Q_min``:
  ``niche_share`` of the chain's month-0 output. Below ``Q_min`` the MSEs are too small a
  supplier to move the channel's price (their volume counts as ``Q_min``), and a channel they
  do not supply at the start (export and specialty, in the bundled scenarios) has ``Q_min``
  as its reference: the size of the niche, in the chain's own units;
- ``q_ref`` is the mean quality the MSEs sold in the channel in month 0 (the chain's mean
  quality where it sold nothing), but at least the channel's quality standard: what buyers
  there are used to.

The references are volumes of the whole market the run's MSEs face, so they do not change
with the number of MSEs: MSEs that enter add supply and lower the price, MSEs that exit
raise it. Runs of different sizes give the same ratios.

Preference drift (``demand_shift``, ``premium_drift_per_year``) and the long-run market
shifts (``market_shifts``) keep working as they did: they move the exogenous premium and
price level, and the demand multipliers multiply them. With an isoelastic curve, raising the
price that buyers pay at the reference supply by a factor ``k`` is the same as shifting the
curve outward, so that they take ``k ** (1 / flexibility)`` times the reference at the old
price. A premium that drifts from 0.12 to 0.52 a unit of quality (specialty, ten years of
the baseline's demand_shift 0.4) therefore lets mean quality there grow ``(0.52 / 0.12) **
(1 / 0.5)``, about 19 times, before the premium falls back to its starting level: growth
into what buyers increasingly want does not by itself crash its price. The drift is not
counted a second time in the references (they are fixed at month 0): the model's premium
drift is the one statement of how preferences move (a modelling choice, documented in
docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from sim import detmath
from sim.constants import declare, real, values_of, vector
from sim.markets import CHANNELS, N_CHANNELS, Markets

if TYPE_CHECKING:
    from sim.sales import UnitsSold

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # The one switch: 0 is the infinitely elastic end market of 0.3.0 (to the bit).
        real(
            "demand_response",
            1.0,
            0.0,
            3.0,
            "multiple of the flexibilities",
            "How strongly end-market prices and premiums answer the MSEs' supply: it multiplies "
            "every channel's price_flexibility and premium_flexibility. 0: infinitely elastic "
            "end markets (0.3.0's model, exactly); 1: the flexibilities as given.",
            source="calibration choice: 1 takes the flexibilities as sourced",
        ),
        # Price flexibility = 1 / |price elasticity of the demand the MSEs face|.
        # Domestic: food demand in low-income countries is inelastic (own-price elasticities
        # below 1 in absolute value: Seale, Regmi and Bernstein 2003, International Evidence
        # on Food Consumption Patterns, USDA ERS Technical Bulletin 1904), but the chain's MSEs
        # are not the whole local market: taking |elasticity| 0.7, their share s = 0.5 and
        # other suppliers' supply elasticity 1 (all three judgement), the residual demand they
        # face has elasticity (0.7 + 0.5 x 1) / 0.5 = 2.4, a flexibility of about 0.4.
        # Export: a small supplier faces very elastic demand (Panagariya, Shah and Mishra
        # 1996, Demand Elasticities in International Trade: Are They Really Low?, World Bank
        # Policy Research Working Paper: above 65 for Bangladesh's garments in the US,
        # a flexibility below 0.02; aggregate estimates of 1-3 are the large-country case):
        # 0.05, judgement between.
        # Specialty: niche buyers are few; certified producers sell only part of their
        # certified output on certified terms (about 7% for tea, 40% on average for small
        # farmers' organisations: Ethical Consumer, "Tea & coffee certification schemes",
        # citing Fairtrade International), so more supply moves the price: 0.3, judgement.
        vector(
            "price_flexibility",
            [0.4, 0.05, 0.3],
            CHANNELS,
            0,
            2,
            "|d log price / d log volume|",
            "Price flexibility (inverse of the demand elasticity) of each channel: the fall in "
            "the log price level per unit rise in the log volume the MSEs sell there, relative "
            "to the reference volume (at demand_response = 1).",
            source="judgement guided by Seale, Regmi and Bernstein 2003 (USDA ERS TB-1904; "
            "domestic), Panagariya, Shah and Mishra 1996 (World Bank working paper; export) and "
            "Fairtrade sales shares reported by Ethical Consumer (specialty)",
        ),
        # Local buyers' demand for quality grows slowly (quality elasticities of vegetable
        # demand in Pakistan 0.02-0.11: Fayaz, Jan and Jan 2014, Sarhad Journal of
        # Agriculture 30(4): 451-458), so quality becoming common erodes its premium fast;
        # a niche's premium is its scarcity; export buyers pay for standards met, a premium
        # that erodes less. Magnitudes are judgement.
        vector(
            "premium_flexibility",
            [0.5, 0.3, 0.5],
            CHANNELS,
            0,
            2,
            "|d log premium / d log mean quality|",
            "Premium flexibility of each channel: the fall in the log quality premium per unit "
            "rise in the log mean quality the MSEs sell there, relative to the reference "
            "quality (at demand_response = 1).",
            source="judgement guided by Fayaz, Jan and Jan 2014 (Sarhad J. Agric. 30(4): 451-458)",
        ),
        # Half the gap closes in about three months: prices do not jump with one month's
        # supply (issue 22: "phased so that prices stay stable").
        real(
            "demand_adjustment",
            0.2,
            0.0,
            1.0,
            "share of the gap a month",
            "Share of the gap between each demand multiplier and its target closed each month "
            "(partial adjustment; the target is set by last month's supply).",
        ),
        # A niche the size of a twentieth of the chain's output.
        real(
            "niche_share",
            0.05,
            0.0,
            1.0,
            "share of month-0 output",
            "Smallest reference volume of a channel, as a share of the chain's month-0 output: "
            "below it the MSEs are too small a supplier to move the channel's price; a channel "
            "they do not supply at the start has it as its reference volume.",
        ),
    ],
)

#: Mean quality below which a channel's premium no longer rises (a numerical guard: the
#: premium's target stays finite if a channel's sellers all have quality 0).
_MIN_QUALITY = 0.01


class Reference(NamedTuple):
    """Each channel's reference supply, at which the demand multipliers are 1.

    Attributes:
        volume: Reference volume by channel, ``Q_ref`` (units a month), (3,).
        floor: Volume below which the MSEs do not move a channel's price, ``Q_min`` (units
            a month).
        quality: Reference mean quality by channel, ``q_ref`` (quality 0-1), (3,).
    """

    volume: np.ndarray
    floor: float
    quality: np.ndarray

    @classmethod
    def of(cls, units: np.ndarray, quality: np.ndarray, consts: np.ndarray) -> Reference:
        """The references from the model's month-0 sales (``Sales.units``, (3, n)).

        Args:
            units: Units each MSE sold in each channel in month 0, (3, n).
            quality: Each MSE's quality then, (n,).
            consts: The run's calibration constants (a `sim.constants` record).
        """
        NICHE_SHARE = values_of(consts)["niche_share"]
        QUALITY_STANDARD = values_of(consts)["quality_standard"]
        supplied = channel_supply(units, quality)
        volume, quality_volume = supplied[0], supplied[1]
        total = float(volume[0] + volume[1] + volume[2])
        floor = float(NICHE_SHARE) * total
        chain_quality = (
            float(quality_volume[0] + quality_volume[1] + quality_volume[2]) / total
            if total > 0.0
            else 0.0
        )
        mean_quality = np.array(
            [
                quality_volume[c] / volume[c] if volume[c] > 0.0 else chain_quality
                for c in range(N_CHANNELS)
            ]
        )
        return cls(
            np.maximum(volume, floor),
            floor,
            np.maximum(mean_quality, np.asarray(QUALITY_STANDARD, dtype=float)),
        )


@njit(cache=True)
def _channel_supply_compact(domestic, export_rows, export_units, quality):
    """`channel_supply` of units in `sim.sales.UnitsSold`'s compact form.

    The same additions in the same order but for the export and specialty units left out,
    each +0.0 (times a quality, +0.0 or -0.0): adding either leaves a total as it was.
    """
    v0 = v1 = v2 = q0 = q1 = q2 = 0.0
    for i in range(quality.size):
        q = quality[i]
        u0 = domestic[i]
        v0 += u0
        q0 += u0 * q
    for j in range(export_rows.size):
        q = quality[export_rows[j]]
        u1, u2 = export_units[0, j], export_units[1, j]
        v1 += u1
        q1 += u1 * q
        v2 += u2
        q2 += u2 * q
    out = np.empty((2, N_CHANNELS))
    out[0, 0], out[0, 1], out[0, 2] = v0, v1, v2
    out[1, 0], out[1, 1], out[1, 2] = q0, q1, q2
    return out


@njit(cache=True)
def channel_supply(units, quality):
    """Volume and quality volume the MSEs sold in each channel: (2, 3) array.

    Row 0 is ``Σ units[c, i]``, row 1 ``Σ units[c, i] * quality[i]``, each summed over the
    MSEs in index order (the same bits on any CPU and thread count).
    """
    # The compact form's sums with every MSE among the rows that may export: each total sees
    # the same additions in the same order.
    return _channel_supply_compact(units[0], np.arange(quality.size), units[1:], quality)


@njit(cache=True)
def _toward_targets(supplied, volume_ref, floor, quality_ref, demand, premium_demand, consts):
    """Move each channel's multipliers part of the way toward their targets (in place)."""
    DEMAND_RESPONSE = consts[0].demand_response
    DEMAND_ADJUSTMENT = consts[0].demand_adjustment
    PRICE_FLEXIBILITY = consts[0].price_flexibility
    PREMIUM_FLEXIBILITY = consts[0].premium_flexibility
    for c in range(N_CHANNELS):
        volume = supplied[0, c]
        f = DEMAND_RESPONSE * PRICE_FLEXIBILITY[c]
        if f > 0.0 and volume_ref[c] > 0.0:
            ratio = max(volume, floor) / volume_ref[c]
            demand[c] += DEMAND_ADJUSTMENT * (detmath.exp(-f * detmath.log(ratio)) - demand[c])
        g = DEMAND_RESPONSE * PREMIUM_FLEXIBILITY[c]
        # A channel nobody sold in this month says nothing about its buyers' taste for
        # quality: its premium multiplier stays where it was.
        if g > 0.0 and volume > 0.0 and quality_ref[c] > 0.0:
            mean_quality = max(supplied[1, c] / volume, _MIN_QUALITY)
            target = detmath.exp(-g * detmath.log(mean_quality / quality_ref[c]))
            premium_demand[c] += DEMAND_ADJUSTMENT * (target - premium_demand[c])


def respond(
    markets: Markets,
    reference: Reference,
    units: np.ndarray | UnitsSold,
    quality: np.ndarray,
    consts: np.ndarray,
) -> None:
    """End markets answer the month's supply: update the demand multipliers (next month's).

    Each channel's price multiplier (``markets.demand``) and premium multiplier
    (``markets.premium_demand``) move the share ``demand_adjustment`` of the way toward
    ``(max(Q, Q_min) / Q_ref) ** -flexibility`` and ``(q / q_ref) ** -premium_flexibility``.
    :mod:`sim.markets` applies them from the next month's prices on. With
    ``demand_response`` 0 nothing moves (the multipliers stay exactly 1).

    Args:
        markets: Market state; its multipliers are updated in place.
        reference: The run's `Reference` (from month 0).
        units: Units each MSE sold in each channel this month (``Sales.units``), (3, n), or
            the sales' `sim.sales.UnitsSold`, read in its compact form (the same sums).
        quality: Each MSE's quality when it sold, (n,).
        consts: The run's calibration constants (a `sim.constants` record).
    """
    DEMAND_RESPONSE = values_of(consts)["demand_response"]
    if DEMAND_RESPONSE == 0.0:
        return  # infinitely elastic: nothing to answer, and no pass over the MSEs
    supply = (
        channel_supply(units, quality)
        if isinstance(units, np.ndarray)
        else _channel_supply_compact(*units.parts(), quality)
    )
    _toward_targets(
        supply,
        reference.volume,
        float(reference.floor),
        reference.quality,
        markets.demand,
        markets.premium_demand,
        consts,
    )
