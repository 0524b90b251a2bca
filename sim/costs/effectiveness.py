"""Cost-effectiveness of guideline experiments, with paired 95% intervals over seeds.

For each seed both arms ran on the same random numbers, so for each seed there is one cost
(it varies with the MSEs reached), one number of additional upgraders and one extra MSE
income over the horizon. Totals and differences get paired-t intervals; ratios (cost per
additional upgrader, extra income per dollar) get Fieller intervals, which are honest when
the denominator is uncertain: when the gain in upgrading is not clearly above zero the
interval is unbounded, and the ratio is reported as not defined rather than as a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.costs.model import COSTS, PARTS, CostModel
from sim.experiments import CONFIDENCE, ExperimentResult, paired_effect
from sim.experiments.stats import t_crit

#: Columns of :func:`cost_effectiveness` (added to, never renamed).
COLUMNS: tuple[str, ...] = (
    "experiment",
    "levers",
    "cost_usd",
    "cost_ci_low",
    "cost_ci_high",
    "cost_fixed_usd",
    "cost_per_lever_unit_usd",
    "cost_per_mse_usd",
    "mses_reached",
    "extra_upgraders",
    "upgraders_ci_low",
    "upgraders_ci_high",
    "cost_per_upgrader_usd",
    "per_upgrader_ci_low",
    "per_upgrader_ci_high",
    "extra_income_usd",
    "income_ci_low",
    "income_ci_high",
    "income_per_usd",
    "income_per_usd_ci_low",
    "income_per_usd_ci_high",
    "n_seeds",
    "rank",
)


def fieller(
    numerator: np.ndarray, denominator: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[float, float, float]:
    """Ratio of means of paired samples with Fieller's confidence interval.

    Args:
        numerator: One value per seed.
        denominator: One value per seed, same seeds.
        confidence: Only :data:`sim.experiments.CONFIDENCE` is supported (the t quantile).

    Returns:
        ``(ratio, low, high)``; ``low`` and ``high`` are NaN when the interval is unbounded
        (the denominator's mean is not clearly away from zero), and all three are NaN when
        the denominator's mean is zero.

    Examples:
        >>> import numpy as np
        >>> from sim.costs import fieller
        >>> ratio, low, high = fieller(np.array([2., 2.2, 1.8, 2.1]), np.array([1., 1.1, 0.9, 1.0]))
        >>> round(ratio, 3), round(low, 2), round(high, 2)
        (2.025, 1.95, 2.11)
    """
    a, b = np.asarray(numerator, float), np.asarray(denominator, float)
    n = a.size
    ma, mb = float(a.mean()), float(b.mean())
    if mb == 0:
        return math.nan, math.nan, math.nan
    ratio = ma / mb
    t = t_crit(n)
    v11 = float(a.var(ddof=1)) / n
    v22 = float(b.var(ddof=1)) / n
    v12 = float(np.cov(a, b, ddof=1)[0, 1]) / n
    if v22 == 0:
        half = t * math.sqrt(v11) / abs(mb)
        return ratio, ratio - half, ratio + half
    g = t * t * v22 / (mb * mb)
    if g >= 1:
        return ratio, math.nan, math.nan
    disc = v11 - 2 * ratio * v12 + ratio * ratio * v22 - g * (v11 - v12 * v12 / v22)
    centre = ratio - g * v12 / v22
    half = t / abs(mb) * math.sqrt(max(disc, 0.0))
    return ratio, (centre - half) / (1 - g), (centre + half) / (1 - g)


def moves(result: ExperimentResult) -> dict[str, float]:
    """The lever moves of an experiment's intervention arm against its baseline arm."""
    base, new = result.baseline_scenario, result.intervention_scenario
    levers = result.guideline.levers if result.guideline else ()
    return {lv: float(getattr(new, lv)) - float(getattr(base, lv)) for lv in levers}


def seed_costs(result: ExperimentResult, costs: CostModel = COSTS) -> pd.DataFrame:
    """Each seed's cost of an experiment's intervention, by lever and part (US$).

    Needs a result run with the probe :func:`sim.who_gains.summary`.

    Returns:
        One row per (seed, lever): seed, lever, move, reached, and one column per part of
        :data:`sim.costs.model.PARTS`, plus ``total``.

    Examples:
        >>> from sim.who_gains import summary
        >>> from sim.experiments import run_experiments
        >>> results = run_experiments(["g4"], "baseline", seeds=2, steps=12, workers=1, n_mse=200,
        ...                    probe=summary)   # the probe records who was reached
        >>> from sim.costs import seed_costs
        >>> costs = seed_costs(results["g4"])
        >>> list(costs.columns[:3]), len(costs)   # one row per seed and lever
        (['seed', 'lever', 'move'], 2)
    """
    if not result.probes:
        raise ValueError(
            "the experiment was run without a probe; run it with probe=sim.who_gains.summary"
        )
    rows = []
    for seed, before, after in zip(
        result.seeds, result.probes["baseline"], result.probes["intervention"], strict=True
    ):
        for lever, move in moves(result).items():
            cost = costs.lever(lever)
            parts = cost.parts(move, after["reach"], before["reach"])
            rows.append(
                {
                    "seed": seed,
                    "lever": lever,
                    "move": move,
                    "reached": cost.reached(move, after["reach"], before["reach"]),
                    **parts,
                    "total": sum(parts.values()),
                }
            )
    return pd.DataFrame(rows)


def _upgraders(probes: list[dict]) -> np.ndarray:
    return np.array([float(p["distribution"].iloc[0]["upgraded"]) for p in probes])


def _income(probes: list[dict]) -> np.ndarray:
    return np.array([p["horizon_income"] for p in probes])


def evaluate(result: ExperimentResult, costs: CostModel = COSTS) -> dict[str, object]:
    """One experiment's cost-effectiveness row (see :data:`COLUMNS`).

    Examples:
        >>> from sim.who_gains import summary
        >>> from sim.experiments import run_experiments
        >>> results = run_experiments(["g4"], "baseline", seeds=2, steps=12, workers=1, n_mse=200,
        ...                    probe=summary)   # the probe records who was reached
        >>> from sim.costs import evaluate
        >>> row = evaluate(results["g4"])
        >>> row["experiment"], row["cost_usd"] > 0
        ('g4', True)
    """
    per_seed = seed_costs(result, costs)
    cost = per_seed.groupby("seed", sort=False)["total"].sum().to_numpy()
    parts = {p: float(per_seed.groupby("seed")[p].sum().mean()) for p in PARTS}
    up = _upgraders(result.probes["intervention"]) - _upgraders(result.probes["baseline"])
    inc = costs.to_usd(_income(result.probes["intervention"]) - _income(result.probes["baseline"]))
    c_mean, c_low, c_high = _mean_ci(cost)
    u_mean, u_low, u_high = paired_effect(np.zeros_like(up), up)
    i_mean, i_low, i_high = paired_effect(np.zeros_like(inc), inc)
    per_up = fieller(cost, up) if u_low > 0 else (math.nan, math.nan, math.nan)
    per_usd = fieller(inc, cost)
    return {
        "experiment": result.id,
        "levers": ", ".join(moves(result)),
        "cost_usd": c_mean,
        "cost_ci_low": c_low,
        "cost_ci_high": c_high,
        "cost_fixed_usd": parts["fixed"],
        "cost_per_lever_unit_usd": parts["per_lever_unit"],
        "cost_per_mse_usd": parts["per_mse"],
        "mses_reached": float(per_seed.groupby("seed")["reached"].sum().mean()),
        "extra_upgraders": u_mean,
        "upgraders_ci_low": u_low,
        "upgraders_ci_high": u_high,
        "cost_per_upgrader_usd": per_up[0],
        "per_upgrader_ci_low": per_up[1],
        "per_upgrader_ci_high": per_up[2],
        "extra_income_usd": i_mean,
        "income_ci_low": i_low,
        "income_ci_high": i_high,
        "income_per_usd": per_usd[0],
        "income_per_usd_ci_low": per_usd[1],
        "income_per_usd_ci_high": per_usd[2],
        "n_seeds": len(result.seeds),
    }


def _mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    if np.all(x == x[0]):
        return float(x[0]), float(x[0]), float(x[0])
    return paired_effect(np.zeros_like(x), x)


def cost_effectiveness(
    results: Mapping[str, ExperimentResult], costs: CostModel = COSTS
) -> pd.DataFrame:
    """The cost-effectiveness table of several experiments, ranked.

    Args:
        results: Experiments run with the probe :func:`sim.who_gains.summary`, by id
            (guidelines, and e.g. guideline 6 lever by lever as ``g6:ict_access``).
        costs: The cost model.

    Returns:
        One row per experiment, columns :data:`COLUMNS`. ``rank`` orders the experiments
        with a clear gain in upgrading (interval above zero) by cost per additional
        upgrader, cheapest first; the others have no rank (their cost per upgrader is not
        defined). Costs and incomes are US dollars over the whole horizon.

    Examples:
        >>> from sim.who_gains import summary
        >>> from sim.experiments import run_experiments
        >>> results = run_experiments(["g4"], "baseline", seeds=2, steps=12, workers=1, n_mse=200,
        ...                    probe=summary)   # the probe records who was reached
        >>> from sim.costs import cost_effectiveness
        >>> table = cost_effectiveness(results)
        >>> list(table.columns[:3]), len(table)
        (['experiment', 'levers', 'cost_usd'], 1)
    """
    table = pd.DataFrame([evaluate(r, costs) for r in results.values()], columns=list(COLUMNS))
    ranked = table["cost_per_upgrader_usd"].notna()
    order = table.loc[ranked, "cost_per_upgrader_usd"].rank(method="min")
    table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
    table.loc[ranked, "rank"] = order.astype("int64")
    table.attrs.update(
        {
            "usd_per_unit": costs.usd_per_unit,
            "cost_file": str(costs.path) if costs.path else None,
            "confidence": CONFIDENCE,
        }
    )
    return table
