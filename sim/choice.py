"""The upgrading choice: each month an MSE takes at most one of its valued options.

A logit choice between its feasible options and doing nothing (bounded rationality): an option
of value ``v`` is taken with probability proportional to ``exp(v / decision_noise)`` against
``exp(0)`` for doing nothing. The values come from :mod:`sim.valuation`; what the chosen
upgrade changes is :mod:`sim.upgrades`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim import detmath
from sim.constants import declare, real
from sim.population import N_OPTIONS
from sim.valuation import Options

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        real(
            "decision_noise",
            5.0,
            0.001,
            10000.0,
            "currency units",
            "Scale of the bounded-rationality noise added to option values (currency units).",
        ),
    ],
)


def choose_upgrades(options: Options, uniforms: np.ndarray, consts: np.ndarray) -> np.ndarray:
    """Pick at most one option per decider: a logit choice among feasible options and none.

    Bounded rationality: an option of value ``v`` is taken with probability proportional to
    ``exp(v / DECISION_NOISE)`` against ``exp(0)`` for doing nothing, so clearly good options
    are almost always taken, marginal ones sometimes, and clearly bad ones almost never.

    Args:
        options: Valued options.
        uniforms: One uniform draw per decider.
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        Option index per decider, or -1 for no upgrade this month.
    """
    if uniforms.size == 0:
        # No decider: nothing to choose (and no call with empty arrays, whose layout would
        # differ from a month's with deciders and make numba compile the pass again).
        return np.full(0, -1, np.int64)
    return _logit_choice(options.value, options.feasible, uniforms, consts)


@njit(cache=True)
def _logit_choice(value, feasible, uniforms, consts):
    DECISION_NOISE = consts[0].decision_noise
    choice = np.full(uniforms.size, -1)
    weight = np.empty(N_OPTIONS)
    for j in range(uniforms.size):
        # Weights relative to the best alternative, doing nothing included, cannot overflow.
        top = 0.0
        for k in range(N_OPTIONS):
            if feasible[k, j]:
                top = max(top, value[k, j] / DECISION_NOISE)
        total = detmath.exp(-top)
        for k in range(N_OPTIONS):
            weight[k] = detmath.exp(value[k, j] / DECISION_NOISE - top) if feasible[k, j] else 0.0
            total += weight[k]
        threshold = uniforms[j] * total
        cumulative = 0.0
        for k in range(N_OPTIONS):
            cumulative += weight[k]
            if weight[k] > 0.0 and threshold < cumulative:
                choice[j] = k
                break
    return choice
