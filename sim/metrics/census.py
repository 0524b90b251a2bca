"""The census: counts and sums over the MSEs that many metrics share, one pass a month.

:func:`status` counts the MSEs (active, in the chain, in a group, each upgrade) and sums
their incomes, quality and unit cost once per step; the reporters read its :class:`Status`.
Also the incomes behind the Gini coefficient and the ratio every share is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.population import (
    FUNCTIONAL,
    INCOME_MEMORY,
    INTERSECTORAL,
    N_OPTIONS,
)

#: The coefficient of variation of income uses at least this mean, so that an MSE whose
#: income averages near zero does not make the metric explode.
MIN_MEAN_INCOME_FOR_CV = 5.0


@dataclass(frozen=True)
class Status:
    """Counts and sums shared by the metrics, for one step (one pass over the MSEs)."""

    step: int
    n: int
    n_cohort: int  # MSEs at the start: the upgrading counts are over them (rows 0 .. n_cohort - 1)
    n_active: int
    n_in_chain: int
    adopters: np.ndarray  # original MSEs that made each upgrade, (5,)
    n_upgraded: int
    n_excluded: int
    n_upgraded_excluded: int
    n_members: int
    n_groups: int
    n_distressed: int
    n_linked: int
    n_members_informed: int
    income: float  # summed over active MSEs
    income_cv: float  # summed over active MSEs
    quality: float  # summed over in-chain MSEs
    unit_cost: float  # summed over in-chain MSEs


def status(model) -> Status:
    """The shared counts and sums for the model's current step (computed once per step)."""
    cached = getattr(model, "_metrics_status", None)
    if cached is not None and cached.step == model.steps and cached.n == model.population.n:
        return cached
    pop = model.population
    counts, sums, _ = _census(pop.state, _income_months(model), _NO_INCOMES, _cohort(model))
    return _cache_status(model, counts, sums)


def _cohort(model) -> int:
    """The MSEs at the start (rows ``0 .. cohort - 1``): the upgrading shares' population."""
    return int(getattr(model, "cohort_size", model.population.n))


def _income_months(model) -> int:
    """The months of income the census's volatility reads (at most `INCOME_MEMORY`)."""
    return min(int(model.steps), INCOME_MEMORY)


#: The incomes buffer of a census that does not collect them (see :func:`_census`).
_NO_INCOMES = np.empty(0)


def _cache_status(model, counts: np.ndarray, sums: np.ndarray) -> Status:
    """The :class:`Status` of a census's counts and sums, cached for the model's step."""
    pop = model.population
    # One conversion to Python numbers for all (indexing numpy makes a scalar each time).
    c, sums = counts.tolist(), sums.tolist()
    n_active, n_in_chain, n_upgraded, n_excluded = c[:4]
    upgraded_excluded, members, groups, distressed, linked, informed = c[4 + N_OPTIONS :]
    result = Status(
        step=model.steps,
        n=pop.n,
        n_cohort=_cohort(model),
        n_active=n_active,
        n_in_chain=n_in_chain,
        adopters=counts[4 : 4 + N_OPTIONS],
        n_upgraded=n_upgraded,
        n_excluded=n_excluded,
        n_upgraded_excluded=upgraded_excluded,
        n_members=members,
        n_groups=groups,
        n_distressed=distressed,
        n_linked=linked,
        n_members_informed=informed,
        income=sums[0],
        income_cv=sums[1],
        quality=sums[2],
        unit_cost=sums[3],
    )
    model._metrics_status = result
    return result


def forget_status(model) -> None:
    """Drop the step's cached counts, so the next metric recounts a state changed in between."""
    model._metrics_status = None
    model._metrics_outcomes = None


@njit(cache=True)
def _census(mse, months, incomes, cohort):
    """Counts and sums over all MSEs (``mse`` is an `MseState`), incomes over ``months``.

    The upgrading counts (upgraders, adopters of each option, the excluded group) are over
    the original cohort, rows ``0 .. cohort - 1`` (MSEs that entered later are not in them).

    With an ``incomes`` buffer of one slot per MSE, the pass also writes the active MSEs'
    incomes into it as :func:`_active_incomes` does, and returns the filled part as well.
    """
    active, upgrades, excluded, group = mse.active, mse.upgrades, mse.excluded, mse.group
    cash, lead_firm, income, ict = mse.cash, mse.lead_firm, mse.income, mse.ict
    collect = incomes.size == active.size
    n_incomes = 0
    income_sum, income_sumsq, quality, unit_cost = (
        mse.income_sum,
        mse.income_sumsq,
        mse.quality,
        mse.unit_cost,
    )
    adopters = np.zeros(N_OPTIONS, np.int64)
    seen = np.zeros(group.max() + 2, np.bool_)
    # Running totals in locals rather than array slots, so they stay in registers.
    n_active = n_in_chain = n_upgraded = n_excluded = upgraded_excluded = 0
    members = groups = distressed = linked = informed = 0
    income_total = cv_total = quality_total = unit_cost_total = 0.0
    # Arithmetic rather than branches where a branch would be a coin toss for the CPU:
    # adding zero leaves a total exactly as it was.
    for i in range(active.size):
        if i < cohort:
            upgraded = upgrades[i] != 0
            n_excluded += excluded[i]
            n_upgraded += upgraded
            upgraded_excluded += upgraded and excluded[i]
            for k in range(N_OPTIONS):
                adopters[k] += (upgrades[i] >> k) & 1
        here = active[i]
        n_active += here
        if collect and here:
            incomes[n_incomes] = income[i] if income[i] > 0.0 else 0.0
            n_incomes += 1
        distressed += here and cash[i] < 0.0
        income_total += income[i] * here
        if months >= 2:
            mean = income_sum[i] / months
            var = max(income_sumsq[i] / months - mean * mean, 0.0)
            cv_total += math.sqrt(var) / max(abs(mean), MIN_MEAN_INCOME_FOR_CV) * here
        in_chain = here and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        n_in_chain += in_chain
        quality_total += quality[i] * in_chain
        unit_cost_total += unit_cost[i] * in_chain
        linked += in_chain and lead_firm[i] >= 0
        if in_chain and group[i] >= 0:
            members += 1
            # A direct view of end-market prices (`share_members_informed`).
            informed += ict[i] or lead_firm[i] >= 0 or (upgrades[i] >> FUNCTIONAL) & 1 == 1
            if not seen[group[i]]:
                seen[group[i]] = True
                groups += 1
    counts = np.array(
        [
            n_active,
            n_in_chain,
            n_upgraded,
            n_excluded,
            adopters[0],
            adopters[1],
            adopters[2],
            adopters[3],
            adopters[4],
            upgraded_excluded,
            members,
            groups,
            distressed,
            linked,
            informed,
        ]
    )
    sums = np.array([income_total, cv_total, quality_total, unit_cost_total])
    return counts, sums, incomes[:n_incomes]


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else 0.0


@njit(cache=True)
def _active_incomes(income, active):
    """The active MSEs' incomes, losses as +0.0 (never -0.0, which would sort either way)."""
    x = np.empty(active.size)
    n = 0
    for i in range(active.size):
        if active[i]:
            x[n] = income[i] if income[i] > 0.0 else 0.0
            n += 1
    return x[:n].copy()


@njit(cache=True)
def _gini_of_sorted(x):
    """The Gini coefficient of ascending values, summed in a fixed order.

    Not a BLAS dot product: BLAS adds in an order that depends on the CPU's kernels.
    """
    n = x.size
    total = weighted = 0.0
    for i in range(n):
        total += x[i]
        weighted += (2.0 * (i + 1) - n - 1) * x[i]
    return weighted / (n * total) if total > 0.0 else 0.0
