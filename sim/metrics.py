"""Model reporters: one small function per metric, each taking the model.

These are the `DataCollector` model reporters and the columns of :func:`sim.run`'s
DataFrame; the names are a fixed contract. Upgrading shares are cumulative and use every MSE
ever created as the denominator, so they never fall when MSEs exit; income, distress and
link metrics describe the MSEs active now.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.population import (
    CHANNEL,
    FUNCTIONAL,
    INTERSECTORAL,
    PROCESS,
    PRODUCT,
)

#: The coefficient of variation of income uses at least this mean, so that an MSE whose
#: income averages near zero does not make the metric explode.
MIN_MEAN_INCOME_FOR_CV = 5.0


def _share(mask: np.ndarray, among: np.ndarray | None = None) -> float:
    if among is None:
        return float(mask.mean()) if mask.size else 0.0
    total = int(among.sum())
    return float((mask & among).sum() / total) if total else 0.0


def step(model) -> int:
    """Months elapsed."""
    return int(model.steps)


def share_process(model) -> float:
    """Cumulative share of MSEs that have made a process upgrade."""
    return _share(model.population.has(PROCESS))


def share_product(model) -> float:
    """Cumulative share of MSEs that have made a product upgrade."""
    return _share(model.population.has(PRODUCT))


def share_functional(model) -> float:
    """Cumulative share of MSEs that have made a functional upgrade."""
    return _share(model.population.has(FUNCTIONAL))


def share_channel(model) -> float:
    """Cumulative share of MSEs that have entered a new end-market channel."""
    return _share(model.population.has(CHANNEL))


def share_intersectoral(model) -> float:
    """Cumulative share of MSEs that have moved to another value chain."""
    return _share(model.population.has(INTERSECTORAL))


def share_upgraded(model) -> float:
    """Cumulative share of MSEs that have made any upgrade."""
    return _share(model.population.upgrades > 0)


def share_upgraded_excluded(model) -> float:
    """Cumulative share of the excluded group that has made any upgrade."""
    pop = model.population
    return _share(pop.upgrades > 0, pop.excluded)


def share_upgraded_included(model) -> float:
    """Cumulative share of the included group that has made any upgrade."""
    pop = model.population
    return _share(pop.upgrades > 0, ~pop.excluded)


def mean_income(model) -> float:
    """Mean monthly income of active MSEs (inside or outside the chain)."""
    pop = model.population
    return float(pop.income[pop.active].mean()) if pop.active.any() else 0.0


def income_volatility(model) -> float:
    """Mean over active MSEs of the coefficient of variation of income, last 12 months."""
    pop = model.population
    months = min(int(model.steps), pop.income_history.shape[0])
    if months < 2 or not pop.active.any():
        return 0.0
    recent = pop.income_history[:months, pop.active].astype(np.float64)
    cv = recent.std(axis=0) / np.maximum(np.abs(recent.mean(axis=0)), MIN_MEAN_INCOME_FOR_CV)
    return float(cv.mean())


def share_in_distress(model) -> float:
    """Share of active MSEs with negative cash (owing for their living and inputs)."""
    pop = model.population
    return _share(pop.cash < 0.0, pop.active)


def premium_share_mse(model) -> float:
    """Share of this month's end-market quality premium that reached MSEs."""
    sales = model.last_sales
    if sales is None or sales.premium_paid <= 0.0:
        return 0.0
    return float(sales.premium_to_mse / sales.premium_paid)


def share_in_groups(model) -> float:
    """Share of active in-chain MSEs that belong to a producer group."""
    pop = model.population
    return _share(pop.in_group, pop.in_chain)


def n_groups(model) -> int:
    """Number of producer groups with active members."""
    pop = model.population
    return int(np.unique(pop.group[pop.in_chain & pop.in_group]).size)


def mean_group_size(model) -> float:
    """Mean number of active members per producer group."""
    pop = model.population
    members = int((pop.in_chain & pop.in_group).sum())
    groups = n_groups(model)
    return members / groups if groups else 0.0


def share_linked_lead_firm(model) -> float:
    """Share of active in-chain MSEs supplying a lead firm."""
    pop = model.population
    return _share(pop.lead_firm >= 0, pop.in_chain)


def mean_quality(model) -> float:
    """Mean product quality of active in-chain MSEs."""
    pop = model.population
    chain = pop.in_chain
    return float(pop.quality[chain].mean()) if chain.any() else 0.0


def mean_unit_cost(model) -> float:
    """Mean unit production cost of active in-chain MSEs."""
    pop = model.population
    chain = pop.in_chain
    return float(pop.unit_cost[chain].mean()) if chain.any() else 0.0


def n_active(model) -> int:
    """Number of MSEs still operating."""
    return int(model.population.active.sum())


def gini_income(model) -> float:
    """Gini coefficient of active MSEs' monthly income (losses counted as zero)."""
    pop = model.population
    x = np.sort(np.clip(pop.income[pop.active], 0.0, None))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0.0:
        return 0.0
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
