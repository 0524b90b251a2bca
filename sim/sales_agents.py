"""A project trains some MSEs as sales agents (lever ``agent_training``).

A trained agent upgrades functionally with the project's help: it sells straight to buyers and
brokers for its neighbours (:func:`sim.links.links_and_brokers`), as Pakistan's women sales
agents did (ECDI, seed lines 239-243).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.constants import declare, real, values_of
from sim.population import FUNCTIONAL, Population
from sim.upgrades import upgrade_succeeds

#: This module's calibration constants as model inputs: each one's default, allowed range,
#: unit, meaning and source, spelled once here (collected by sim.constants; listed by
#: `mse-sim constants`). The comments say why a value is what it is.
CONSTANTS = declare(
    __name__,
    [
        # Share of MSEs a project trains as sales agents at ``agent_training`` = 1: they start as
        # functional upgraders (direct sellers) and so broker for their neighbours. ECDI "created a
        # network of 120 Female Sales Agents (FSAs) to reach out and engage around 6000 poor women
        # embroiderers" (ECDI n.d., The Entrepreneurs Project), 2% of producers; 0.05 leaves room
        # above that case.
        real(
            "max_trained_agents",
            0.05,
            0.0,
            1.0,
            "share of MSEs",
            "Share of MSEs a project trains as sales agents (functional upgraders who broker for "
            "their neighbours) at agent_training = 1.",
            source="calibration choice: above the 2% of producers ECDI trained as sales agents "
            "(ECDI n.d., The Entrepreneurs Project: 120 agents for ~6,000 embroiderers)",
        ),
    ],
)


@njit(cache=True)
def _train(mse, rows, consts):
    for i in rows:
        mse.aware[i] |= 1 << FUNCTIONAL
        upgrade_succeeds(mse, i, FUNCTIONAL, -1, False, consts)


def train_sales_agents(
    pop: Population, agent_training: float, n_villages: int = 0, *, consts: np.ndarray
) -> np.ndarray:
    """A project trains some MSEs as sales agents: functional upgrading it facilitates.

    ``agent_training`` times MAX_TRAINED_AGENTS of the MSEs are trained, spread over villages
    in proportion to their size (the quota of each village rounded so that the running total
    stays the rounded share), and within a village the most skilled first (ties by row): a
    project recruits the more able producers as agents. No random draw, so the model's draw
    sequence does not depend on the lever. A trained agent ends up as if it had upgraded
    functionally by itself (`upgrade_succeeds`): it sells past any lead firm, straight to
    buyers, knows the option and gains the upgrade's skill; as a direct seller it
    brokers for its neighbours (`sim.links.links_and_brokers`). Call it before the first
    month's trade.

    Args:
        pop: The population, written (upgrades, aware, lead_firm, skill).
        agent_training: Scenario lever in [0, 1]; 0 trains nobody and changes nothing.
        n_villages: Number of villages (at least the largest village index + 1).
        consts: The run's calibration constants (a `sim.constants` record).

    Returns:
        The rows of the trained agents (int64), in village order.
    """
    share = float(agent_training) * float(values_of(consts)["max_trained_agents"])
    if share <= 0.0 or pop.n == 0:
        return np.empty(0, dtype=np.int64)
    counts = np.bincount(pop.village, minlength=max(int(n_villages), int(pop.village.max()) + 1))
    ends = np.cumsum(counts)
    # Rounded running totals: the quotas add up to the rounded share of all MSEs.
    totals = np.floor(share * ends + 0.5).astype(np.int64)
    quota = np.diff(totals, prepend=0)
    order = np.lexsort((np.arange(pop.n), -pop.skill, pop.village))
    starts = ends - counts
    rows = np.concatenate([order[s : s + q] for s, q in zip(starts, quota, strict=True)])
    rows = rows.astype(np.int64)
    _train(pop.state, rows, consts)
    return rows
