"""The second value chain: what an owner earns after intersectoral upgrading, and who can move.

Intersectoral upgrading moves an MSE out of this chain into another product with its own end
market (its price is :attr:`sim.markets.Markets.second_price`). What it earns there rises with
skill and with a product or functional upgrade made first (the India "stepping stone", seed
lines 335-340), and falls with the social barrier.
"""

from __future__ import annotations

from numba import njit

from sim.constants import declare, real
from sim.population import FUNCTIONAL, PRODUCT

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # Monthly income in the second value chain (intersectoral upgrading: another product, its
        # own end market) for an owner of skill 0.5, at that chain's long-run price.
        real(
            "outside_income",
            45.0,
            0.0,
            100000.0,
            "currency units per month",
            "Monthly income in the second value chain (intersectoral upgrading) for an owner of "
            "skill 0.5, at that chain's long-run price.",
        ),
        # The quality know-how, market contacts and standing it carries over (the India "stepping
        # stone", seed lines 335-340).
        real(
            "stepping_stone_gain",
            0.4,
            0.0,
            5.0,
            "share of income",
            "Income gained in the second chain by an MSE that upgraded product or function first.",
            source="calibration choice, guided by the seed (seed lines 335-340)",
        ),
        # It has contacts and skills there already.
        real(
            "stepping_stone_cost_cut",
            0.4,
            0.0,
            1.0,
            "share of cost",
            "Share of the cost of moving to the second chain saved by an MSE that upgraded product "
            "or function first.",
        ),
        real(
            "outside_skill",
            0.85,
            0.0,
            1.0,
            "skill 0-1",
            "Skill that opens the outside option without earlier product or functional upgrading.",
        ),
        # Exclusion follows people, but less than in a chain tied to their caste or group (India's
        # leather, lines 335-340).
        real(
            "outside_social_penalty",
            0.15,
            0.0,
            1.0,
            "share of income",
            "Share of the second-chain income lost at full social barrier.",
        ),
    ],
)


@njit(cache=True)
def outside_income(skill, social, upgrades, second_price, consts):
    """Monthly income an owner earns in the second value chain (elementwise).

    It rises with skill and with a product or functional upgrade made first (the stepping
    stone), falls with the social barrier, and moves with the second chain's own price.

    Args:
        skill: Owner's skill.
        social: Social barrier.
        upgrades: Bit set of upgrades made in this chain.
        second_price: The second chain's price relative to its long-run level.
        consts: The run's calibration constants (a `sim.constants` record).
    """
    OUTSIDE_INCOME = consts[0].outside_income
    OUTSIDE_SOCIAL_PENALTY = consts[0].outside_social_penalty
    STEPPING_STONE_GAIN = consts[0].stepping_stone_gain
    stepping = ((upgrades >> PRODUCT) & 1) | ((upgrades >> FUNCTIONAL) & 1)
    return (
        OUTSIDE_INCOME
        * (0.5 + skill)
        * (1.0 + STEPPING_STONE_GAIN * stepping)
        * (1.0 - OUTSIDE_SOCIAL_PENALTY * social)
        * second_price
    )
