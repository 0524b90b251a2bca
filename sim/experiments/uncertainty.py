"""A guideline's effect under parameter uncertainty: runs over posterior draws × seeds.

:func:`run_posterior_experiment` runs a guideline's two arms at each of ``draws`` draws of the
shipped posterior of the calibration constants (``sim.posterior()``), on the same seeds at
every draw and in both arms (common random numbers). For each metric, with ``e[d, s]`` the
paired effect at draw ``d`` and seed ``s``:

* the **seed-only interval** is ``mean ± t · σ_w / √S``: the paired-t interval that ``S``
  seeds of one model give, with ``σ_w²`` the seed (within-draw) variance of the effects;
* the **combined interval** is ``mean ± t · √(σ_b² + σ_w² / S)``, with ``σ_b²`` the variance
  of the effect between draws (the variance of the draws' means less their seed noise
  ``σ_w² / S``, at least 0): the uncertainty of the effect of one plausible model;
* the **parameters' share** is ``σ_b² / (σ_b² + σ_w² / S)``; and ``share_negative`` /
  ``share_positive`` count the draws whose mean effect is below / above 0.

The same critical value ``t`` (``S - 1`` degrees of freedom) serves both, so the combined
interval is never narrower than the seed-only one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrated import posterior as shipped_posterior
from sim.checks import check_whole_number
from sim.engines import check_workers
from sim.experiments.arms import DEFAULT_STEPS, _Plan
from sim.experiments.definitions import Guideline, get_guideline
from sim.experiments.stats import check_seeds, outcome, t_crit
from sim.metrics import derive, source_columns
from sim.scenario import ValueChainScenario, coerce_scenario

#: Seed of the generator that picks the draws (by their weights) from the posterior.
DRAW_SEED = 2026


@dataclass
class PosteriorEffects:
    """What :func:`run_posterior_experiment` returns.

    Attributes:
        guideline: The guideline.
        scenario: The scenario (before any draw's constants).
        draws: The posterior rows run (indices into ``sim.posterior()``; a weighted resample,
            so a row may come more than once).
        seeds: The seeds, the same at every draw and in both arms.
        effects: Per metric and draw and seed, the paired effect: ``{metric: (D, S) array}``.
        table: One row per metric: ``effect``, ``seed_low``, ``seed_high`` (seed-only),
            ``low``, ``high`` (combined), ``parameter_share``, ``share_negative``,
            ``share_positive``, ``draws``, ``seeds``.
        provenance: What made it (JSON-able).
    """

    guideline: Guideline
    scenario: ValueChainScenario
    draws: tuple[int, ...]
    seeds: tuple[int, ...]
    effects: dict[str, np.ndarray]
    table: pd.DataFrame
    provenance: dict[str, Any]


def pick_draws(weights: Sequence[float], n: int, seed: int = DRAW_SEED) -> tuple[int, ...]:
    """Pick ``n`` posterior rows by weight (with repetition: a weighted resample), reproducibly.

    A row picked twice is run once (the runs are shared), and counts twice in the intervals.
    """
    w = np.asarray(weights, float)
    rng = np.random.default_rng(seed)
    return tuple(int(i) for i in rng.choice(len(w), size=n, replace=True, p=w / w.sum()))


def combine(effects: np.ndarray) -> dict[str, float]:
    """Return the seed-only and combined intervals of effects ``(draws, seeds)``."""
    e = np.asarray(effects, float)
    d, s = e.shape
    mean = float(e.mean())
    within = float(e.var(axis=1, ddof=1).mean()) if s > 1 else 0.0
    between = max(float(e.mean(axis=1).var(ddof=1)) - within / s, 0.0) if d > 1 else 0.0
    t = t_crit(s)
    seed_half = t * math.sqrt(within / s)
    half = t * math.sqrt(between + within / s)
    total = between + within / s
    means = e.mean(axis=1)
    return {
        "effect": mean,
        "seed_low": mean - seed_half,
        "seed_high": mean + seed_half,
        "low": mean - half,
        "high": mean + half,
        "parameter_share": between / total if total > 0 else 0.0,
        "share_negative": float(np.mean(means < 0)),
        "share_positive": float(np.mean(means > 0)),
        "draws": d,
        "seeds": s,
    }


def run_posterior_experiment(
    guideline: str | Guideline,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    draws: int = 50,
    seeds: int | Sequence[int] = 4,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    posterior: pd.DataFrame | None = None,
    **overrides: Any,
) -> PosteriorEffects:
    """Run a guideline's arms over posterior draws × seeds (common random numbers).

    Args:
        guideline: ``g1`` .. ``g7`` or a :class:`Guideline`.
        scenario: The scenario (bundled name, path, object or dict).
        draws: Posterior draws, a resample by weight (a row may come more than once).
        seeds: Seeds per draw and arm (at least 2).
        steps: Months per run.
        workers: Worker processes (default: one per CPU).
        progress: Show a progress bar.
        posterior: Draws to use (default: the shipped ``sim.posterior()``).
        **overrides: Scenario fields to change first.

    Raises:
        UserInputError: A bad guideline, scenario, number of draws or seeds.
    """
    g = get_guideline(guideline)
    post = shipped_posterior() if posterior is None else posterior
    n = check_whole_number(draws, "--draws", 2, len(post))
    seed_list = check_seeds(seeds)
    steps = check_whole_number(steps, "steps", 1)
    n_workers = check_workers(workers)
    base = coerce_scenario(scenario, overrides)
    rows = pick_draws(post.attrs.get("weights", [1.0] * len(post)), n)
    columns = source_columns(g.metrics)
    plan = _Plan(seed_list, steps, columns)
    layout = []
    for k in rows:
        at = base.replace(**{c: float(v) for c, v in post.iloc[k].items()})
        arms = g.arms(at)
        layout.append((plan.add(arms[0]), plan.add(arms[1])))
    raw = plan.execute(
        n_workers, progress, desc=f"{g.id} over {n} posterior draws x {len(seed_list)} seeds"
    )
    effects = {}
    for metric in g.metrics:
        per_draw = []
        for i, j in layout:
            arm = [derive(metric, lambda c, a=raw[x]: a[:, :, columns.index(c)]) for x in (i, j)]
            per_draw.append(outcome(arm[1], steps) - outcome(arm[0], steps))
        effects[metric] = np.stack(per_draw)
    table = pd.DataFrame([{"metric": m, **combine(e)} for m, e in effects.items()])
    record = {
        "experiment": g.id,
        "uncertainty": "posterior",
        "scenario": base.to_record(),
        "draws": list(rows),
        "seeds": list(seed_list),
        "steps": steps,
        "posterior": {
            k: post.attrs.get(k) for k in ("fingerprint", "targets_hash", "model_version")
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return PosteriorEffects(g, base, rows, seed_list, effects, table, record)
