"""Model reporters: one small function per metric, each taking the model.

These are the `DataCollector` model reporters and the columns of :func:`sim.run`'s
DataFrame; the names are a fixed contract. Upgrading shares are cumulative and use every MSE
ever created as the denominator, so they never fall when MSEs exit; income, distress and
link metrics describe the MSEs active now.

The masks several metrics share (active, in the chain, in a group, upgrade counts) are
computed once per step by :func:`status`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INCOME_MEMORY,
    INTERSECTORAL,
    N_OPTIONS,
    PROCESS,
    PRODUCT,
)

#: The coefficient of variation of income uses at least this mean, so that an MSE whose
#: income averages near zero does not make the metric explode.
MIN_MEAN_INCOME_FOR_CV = 5.0

#: Bit k of each possible set of upgrades (rows: upgrades, columns: sets as bit masks).
_MASK_BITS = (np.arange(1 << N_OPTIONS)[None, :] >> np.arange(N_OPTIONS)[:, None]) & 1


@dataclass(frozen=True)
class Status:
    """Counts and masks shared by several metrics, for one step."""

    step: int
    n: int
    active: np.ndarray
    in_chain: np.ndarray
    n_active: int
    n_in_chain: int
    adopters: np.ndarray  # MSEs that made each upgrade, (5,)
    upgraded: np.ndarray
    n_members: int
    n_groups: int


def status(model) -> Status:
    """The shared masks and counts for the model's current step (computed once per step)."""
    cached = getattr(model, "_metrics_status", None)
    if cached is not None and cached.step == model.steps and cached.n == model.population.n:
        return cached
    pop = model.population
    active = pop.active
    in_chain = pop.in_chain
    member_groups = pop.group[in_chain & pop.in_group]
    by_mask = np.bincount(pop.upgrades, minlength=1 << N_OPTIONS)
    result = Status(
        step=model.steps,
        n=pop.n,
        active=active,
        in_chain=in_chain,
        n_active=int(active.sum()),
        n_in_chain=int(in_chain.sum()),
        adopters=_MASK_BITS @ by_mask,
        upgraded=pop.upgrades > 0,
        n_members=int(member_groups.size),
        n_groups=int(np.count_nonzero(np.bincount(member_groups))) if member_groups.size else 0,
    )
    model._metrics_status = result
    return result


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else 0.0


def step(model) -> int:
    """Months elapsed."""
    return int(model.steps)


def share_process(model) -> float:
    """Cumulative share of MSEs that have made a process upgrade."""
    s = status(model)
    return _ratio(s.adopters[PROCESS], s.n)


def share_product(model) -> float:
    """Cumulative share of MSEs that have made a product upgrade."""
    s = status(model)
    return _ratio(s.adopters[PRODUCT], s.n)


def share_functional(model) -> float:
    """Cumulative share of MSEs that have made a functional upgrade."""
    s = status(model)
    return _ratio(s.adopters[FUNCTIONAL], s.n)


def share_channel(model) -> float:
    """Cumulative share of MSEs that have entered a new end-market channel."""
    s = status(model)
    return _ratio(s.adopters[CHANNEL], s.n)


def share_intersectoral(model) -> float:
    """Cumulative share of MSEs that have moved to another value chain."""
    s = status(model)
    return _ratio(s.adopters[INTERSECTORAL], s.n)


def share_upgraded(model) -> float:
    """Cumulative share of MSEs that have made any upgrade."""
    s = status(model)
    return _ratio(np.count_nonzero(s.upgraded), s.n)


def share_upgraded_excluded(model) -> float:
    """Cumulative share of the excluded group that has made any upgrade."""
    excluded = model.population.excluded
    return _ratio(np.count_nonzero(status(model).upgraded & excluded),
                  np.count_nonzero(excluded))


def share_upgraded_included(model) -> float:
    """Cumulative share of the included group that has made any upgrade."""
    included = ~model.population.excluded
    return _ratio(np.count_nonzero(status(model).upgraded & included),
                  np.count_nonzero(included))


def mean_income(model) -> float:
    """Mean monthly income of active MSEs (inside or outside the chain)."""
    s = status(model)
    return _ratio(model.population.income.dot(s.active), s.n_active)


def income_volatility(model) -> float:
    """Mean over active MSEs of the coefficient of variation of income, last 12 months."""
    pop, s = model.population, status(model)
    months = min(int(model.steps), INCOME_MEMORY)
    if months < 2 or not s.n_active:
        return 0.0
    mean = pop.income_sum / months
    var = np.clip(pop.income_sumsq / months - mean**2, 0.0, None)
    cv = np.sqrt(var) / np.maximum(np.abs(mean), MIN_MEAN_INCOME_FOR_CV)
    return _ratio(cv.dot(s.active), s.n_active)


def share_in_distress(model) -> float:
    """Share of active MSEs with negative cash (owing for their living and inputs)."""
    s = status(model)
    return _ratio(np.count_nonzero(s.active & (model.population.cash < 0.0)), s.n_active)


def premium_share_mse(model) -> float:
    """Share of this month's end-market quality premium that reached MSEs."""
    sales = model.last_sales
    if sales is None or sales.premium_paid <= 0.0:
        return 0.0
    return float(sales.premium_to_mse / sales.premium_paid)


def share_in_groups(model) -> float:
    """Share of active in-chain MSEs that belong to a producer group."""
    s = status(model)
    return _ratio(s.n_members, s.n_in_chain)


def n_groups(model) -> int:
    """Number of producer groups with active members."""
    return status(model).n_groups


def mean_group_size(model) -> float:
    """Mean number of active members per producer group."""
    s = status(model)
    return _ratio(s.n_members, s.n_groups)


def share_linked_lead_firm(model) -> float:
    """Share of active in-chain MSEs supplying a lead firm."""
    s = status(model)
    return _ratio(np.count_nonzero(s.in_chain & (model.population.lead_firm >= 0)),
                  s.n_in_chain)


def mean_quality(model) -> float:
    """Mean product quality of active in-chain MSEs."""
    s = status(model)
    return _ratio(model.population.quality.dot(s.in_chain), s.n_in_chain)


def mean_unit_cost(model) -> float:
    """Mean unit production cost of active in-chain MSEs."""
    s = status(model)
    return _ratio(model.population.unit_cost.dot(s.in_chain), s.n_in_chain)


def n_active(model) -> int:
    """Number of MSEs still operating."""
    return status(model).n_active


def gini_income(model) -> float:
    """Gini coefficient of active MSEs' monthly income (losses counted as zero)."""
    s = status(model)
    x = np.sort(np.clip(model.population.income, 0.0, None) * s.active)
    total = x.sum()
    if not s.n_active or total <= 0.0:
        return 0.0
    # Inactive MSEs sort to the front as zeros; the formula runs over the active tail.
    x = x[x.size - s.n_active:]
    n = x.size
    return float((2.0 * np.arange(1, n + 1) - n - 1).dot(x) / (n * total))


#: Metric name -> reporter, in column order. The names are a fixed contract.
REPORTERS: dict[str, Callable] = {
    f.__name__: f
    for f in (
        step, share_process, share_product, share_functional, share_channel,
        share_intersectoral, share_upgraded, share_upgraded_excluded,
        share_upgraded_included, mean_income, income_volatility, share_in_distress,
        premium_share_mse, share_in_groups, n_groups, mean_group_size,
        share_linked_lead_firm, mean_quality, mean_unit_cost, n_active, gini_income,
    )
}
METRICS: tuple[str, ...] = tuple(REPORTERS)

#: Metrics shown by `mse-sim run`'s summary table.
SUMMARY_METRICS: tuple[str, ...] = (
    "share_process", "share_product", "share_functional", "share_channel",
    "share_intersectoral", "share_upgraded", "mean_income", "income_volatility",
    "share_in_distress", "premium_share_mse", "share_in_groups", "share_linked_lead_firm",
)
