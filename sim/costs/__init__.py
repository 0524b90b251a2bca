"""What guidelines and lever moves cost, who gains, and the best portfolio for a budget.

Modules, one job each:

* :mod:`~sim.costs.model`: the cost model read from ``experiments/costs.toml`` (:data:`COSTS`);
* :mod:`~sim.costs.effectiveness`: cost per additional upgrader and extra income per dollar
  of guideline experiments, with paired and Fieller 95% intervals;
* :mod:`~sim.costs.gains`: who gains, by group of MSEs and in the margin split;
* :mod:`~sim.costs.portfolio`: lever portfolios run on common seeds and judged on upgrading,
  income and equity;
* :mod:`~sim.costs.optimize`: a multi-objective search (pymoo NSGA-II) for the best
  portfolios within a budget, resumable;
* :mod:`~sim.costs.discover`: scenario discovery (PRIM, EMA Workbench) on a sweep store.

Reach (who was trained, linked, financed, connected) is counted by the model itself:
:func:`sim.who_gains.reach`.
"""

from sim.costs.effectiveness import (
    cost_effectiveness,
    evaluate,
    evaluate_posterior,
    fieller,
    fieller_interval,
    posterior_cost_effectiveness,
    seed_costs,
)
from sim.costs.gains import LEVER_BY_LEVER, lever_by_lever, who_gains
from sim.costs.model import COSTS, CostModel, LeverCost, load_costs

__all__ = [
    "COSTS",
    "LEVER_BY_LEVER",
    "CostModel",
    "LeverCost",
    "cost_effectiveness",
    "evaluate",
    "evaluate_posterior",
    "fieller",
    "fieller_interval",
    "lever_by_lever",
    "load_costs",
    "posterior_cost_effectiveness",
    "seed_costs",
    "who_gains",
]
