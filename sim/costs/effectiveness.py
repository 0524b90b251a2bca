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
from sim.experiments.uncertainty import PosteriorEffects, combine, combined_moments

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
    return fieller_interval(
        float(a.mean()),
        float(b.mean()),
        float(a.var(ddof=1)) / n,
        float(b.var(ddof=1)) / n,
        float(np.cov(a, b, ddof=1)[0, 1]) / n,
        t_crit(n),
    )


def fieller_interval(
    ma: float, mb: float, v11: float, v22: float, v12: float, t: float
) -> tuple[float, float, float]:
    """Fieller's interval of ``ma / mb`` from the means' variances and covariance.

    :func:`fieller` gives it the variances of means over seeds; the posterior cost table
    (:func:`posterior_cost_effectiveness`) the combined ones over draws and seeds.

    Returns:
        ``(ratio, low, high)`` as :func:`fieller`.

    Examples:
        >>> from sim.costs import fieller_interval
        >>> ratio, low, high = fieller_interval(2.0, 1.0, 0.01, 0.0, 0.0, 2.0)
        >>> ratio, round(low, 2), round(high, 2)   # a fixed denominator: mean ± t·sd
        (2.0, 1.8, 2.2)
    """
    if mb == 0:
        return math.nan, math.nan, math.nan
    ratio = ma / mb
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


def moves(result: ExperimentResult | PosteriorEffects) -> dict[str, float]:
    """The lever moves of an experiment's intervention arm against its baseline arm."""
    if isinstance(result, PosteriorEffects):
        base, new = result.guideline.arms(result.scenario)
    else:
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
    return _seed_costs(
        moves(result),
        result.seeds,
        result.probes["baseline"],
        result.probes["intervention"],
        costs,
    )


def _seed_costs(
    lever_moves: Mapping[str, float],
    seeds: tuple[int, ...],
    before: list[dict],
    after: list[dict],
    costs: CostModel,
) -> pd.DataFrame:
    rows = []
    for seed, b, a in zip(seeds, before, after, strict=True):
        for lever, move in lever_moves.items():
            cost = costs.lever(lever)
            parts = cost.parts(move, a["reach"], b["reach"])
            rows.append(
                {
                    "seed": seed,
                    "lever": lever,
                    "move": move,
                    "reached": cost.reached(move, a["reach"], b["reach"]),
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
    return _ranked(table, costs)


def _ranked(table: pd.DataFrame, costs: CostModel) -> pd.DataFrame:
    """Rank the rows with a cost per upgrader, cheapest first; record the cost model."""
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


def evaluate_posterior(effects: PosteriorEffects, costs: CostModel = COSTS) -> dict[str, object]:
    """One experiment's cost-effectiveness row over posterior draws × seeds.

    As :func:`evaluate`, but every interval combines parameter and seed uncertainty: totals
    take :func:`sim.experiments.uncertainty.combine`'s combined interval, ratios Fieller's
    interval with the combined variances (:func:`~sim.experiments.uncertainty.combined_moments`).
    Needs posterior runs with the probe :func:`sim.who_gains.summary`.

    Examples:
        >>> import pandas as pd
        >>> from sim.who_gains import summary
        >>> from sim.experiments.uncertainty import run_posterior_experiments
        >>> draws = pd.DataFrame({"mean_unit_cost": [0.3, 0.5]})   # a small stand-in posterior
        >>> runs = run_posterior_experiments(["g4"], draws=2, seeds=2, steps=12, workers=1,
        ...                                  posterior=draws, probe=summary, n_mse=100)
        >>> from sim.costs import evaluate_posterior
        >>> row = evaluate_posterior(runs["g4"])
        >>> row["draws"], row["n_seeds"], row["cost_usd"] > 0
        (2, 2, True)
    """
    if not effects.probes:
        raise ValueError(
            "the posterior runs were made without a probe; run them with "
            "probe=sim.who_gains.summary"
        )
    lever_moves = moves(effects)
    before, after = effects.probes["baseline"], effects.probes["intervention"]
    per_draw = [
        _seed_costs(lever_moves, effects.seeds, b, a, costs)
        for b, a in zip(before, after, strict=True)
    ]
    cost = np.stack([d.groupby("seed", sort=False)["total"].sum().to_numpy() for d in per_draw])
    up = np.stack([_upgraders(a) - _upgraders(b) for b, a in zip(before, after, strict=True)])
    inc = np.stack(
        [costs.to_usd(_income(a) - _income(b)) for b, a in zip(before, after, strict=True)]
    )
    every = pd.concat(per_draw, keys=range(len(per_draw)), names=["draw"]).reset_index("draw")
    by_run = every.groupby(["draw", "seed"])
    c, u, i = combine(cost), combine(up), combine(inc)
    t = t_crit(len(effects.seeds))
    per_up = (
        fieller_interval(c["effect"], u["effect"], *combined_moments(cost, up), t)
        if u["low"] > 0
        else (math.nan, math.nan, math.nan)
    )
    per_usd = fieller_interval(i["effect"], c["effect"], *combined_moments(inc, cost), t)
    return {
        "experiment": effects.id,
        "levers": ", ".join(lever_moves),
        "cost_usd": c["effect"],
        "cost_ci_low": c["low"],
        "cost_ci_high": c["high"],
        "cost_fixed_usd": float(by_run["fixed"].sum().mean()),
        "cost_per_lever_unit_usd": float(by_run["per_lever_unit"].sum().mean()),
        "cost_per_mse_usd": float(by_run["per_mse"].sum().mean()),
        "mses_reached": float(by_run["reached"].sum().mean()),
        "extra_upgraders": u["effect"],
        "upgraders_ci_low": u["low"],
        "upgraders_ci_high": u["high"],
        "cost_per_upgrader_usd": per_up[0],
        "per_upgrader_ci_low": per_up[1],
        "per_upgrader_ci_high": per_up[2],
        "extra_income_usd": i["effect"],
        "income_ci_low": i["low"],
        "income_ci_high": i["high"],
        "income_per_usd": per_usd[0],
        "income_per_usd_ci_low": per_usd[1],
        "income_per_usd_ci_high": per_usd[2],
        "n_seeds": len(effects.seeds),
        "draws": len(effects.draws),
    }


def posterior_cost_effectiveness(
    effects: Mapping[str, PosteriorEffects], costs: CostModel = COSTS
) -> pd.DataFrame:
    """The cost-effectiveness table over posterior draws × seeds, ranked.

    As :func:`cost_effectiveness` (same :data:`COLUMNS`, then ``draws``), from
    :func:`sim.experiments.uncertainty.run_posterior_experiments` run with the probe
    :func:`sim.who_gains.summary`: its intervals combine parameter and seed uncertainty, and
    ``rank`` orders the experiments whose combined interval of the gain in upgrading is above
    zero.

    Examples:
        >>> import pandas as pd
        >>> from sim.who_gains import summary
        >>> from sim.experiments.uncertainty import run_posterior_experiments
        >>> draws = pd.DataFrame({"mean_unit_cost": [0.3, 0.5]})   # a small stand-in posterior
        >>> runs = run_posterior_experiments(["g4"], draws=2, seeds=2, steps=12, workers=1,
        ...                                  posterior=draws, probe=summary, n_mse=100)
        >>> from sim.costs import posterior_cost_effectiveness
        >>> table = posterior_cost_effectiveness(runs)
        >>> list(table.columns[-2:]), len(table)
        (['rank', 'draws'], 1)
    """
    table = pd.DataFrame(
        [evaluate_posterior(e, costs) for e in effects.values()], columns=[*COLUMNS, "draws"]
    )
    table = _ranked(table, costs)
    table.attrs["uncertainty"] = "posterior: parameters (draws) and seeds combined"
    return table
