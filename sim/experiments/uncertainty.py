"""Guidelines' effects under parameter uncertainty: runs over posterior draws × seeds.

:func:`run_posterior_experiments` runs guidelines' two arms at each of ``draws`` draws of the
shipped posterior of the calibration constants (``sim.posterior()``), on the same seeds at
every draw and in both arms (common random numbers), in one pool of runs: an arm that several
guidelines share at a draw (the baseline arm of g1-g6) is run once.
:func:`run_posterior_experiment` is the same for one guideline. For each metric, with
``e[d, s]`` the paired effect at draw ``d`` and seed ``s``:

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from sim.calibrated import constants_of, fitted_to_another_model
from sim.calibrated import posterior as shipped_posterior
from sim.checks import check_whole_number
from sim.engines import check_workers
from sim.errors import UserInputError
from sim.experiments.arms import DEFAULT_STEPS, _Plan
from sim.experiments.definitions import GUIDELINES, Guideline, get_guideline
from sim.experiments.stats import check_seeds, outcome, outcome_steps, t_crit
from sim.metrics import derive, source_columns
from sim.scenario import ValueChainScenario, coerce_scenario

#: Seed of the generator that picks the draws (by their weights) from the posterior.
DRAW_SEED = 2026


class Design(NamedTuple):
    """How many posterior draws, and seeds per draw and arm, a posterior experiment runs."""

    draws: int
    seeds: int


#: The guideline report's posterior runs (``mse-sim experiment all``, ``make report``).
#: Why 12 x 4: the report must stay under 3 minutes on 2 cores, and its 20-seed runs at the
#: default constants (figures, who gains: 10 distinct arms, 200 runs) already take about 45 s;
#: 12 draws x 4 seeds x those 10 arms are at most 480 more runs (360 with the shipped
#: posterior fitted on 0.4.0, whose resample of 12 holds 11 distinct rows: 440 runs). Four
#: seeds give a seed-only interval (t with 3 degrees of freedom); twelve draws leave a Monte
#: Carlo error: a share of draws (e.g. the share with a negative effect) has a binomial
#: standard error sqrt(p(1 - p) / 12), up to 14 points, and the between-draw variance is known
#: to about 1 / sqrt(2 * 11), 21% (its square root, the parameters' part of the interval, to
#: about 11%). The report states this error (sim.ui.report.posterior_method).
#: For a decision, run one guideline with more: ``mse-sim experiment gK --uncertainty
#: posterior --draws 50``.
REPORT_DESIGN = Design(draws=12, seeds=4)
#: Posterior draws of a single guideline's ``--uncertainty posterior`` run by default.
DEFAULT_DRAWS = 50


@dataclass
class PosteriorEffects:
    """What :func:`run_posterior_experiment` returns (one per guideline).

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
        probes: With a ``probe``, its results per arm (``baseline``, ``intervention``), per
            draw and seed: ``{arm: [[probe of seed s] for draw d]}``; else empty.
    """

    guideline: Guideline
    scenario: ValueChainScenario
    draws: tuple[int, ...]
    seeds: tuple[int, ...]
    effects: dict[str, np.ndarray]
    table: pd.DataFrame
    provenance: dict[str, Any]
    probes: dict[str, list[list[Any]]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The guideline's id (e.g. ``g4``, or ``g6:ict_access`` for a part)."""
        return self.guideline.id

    def row(self, metric: str) -> dict[str, Any]:
        """The :attr:`table` row of one metric, as a dict."""
        return dict(self.table.set_index("metric").loc[metric].items()) | {"metric": metric}


def pick_draws(weights: Sequence[float], n: int, seed: int = DRAW_SEED) -> tuple[int, ...]:
    """Pick ``n`` posterior rows by weight (with repetition: a weighted resample), reproducibly.

    A row picked twice is run once (the runs are shared), and counts twice in the intervals.
    """
    w = np.asarray(weights, float)
    rng = np.random.default_rng(seed)
    return tuple(int(i) for i in rng.choice(len(w), size=n, replace=True, p=w / w.sum()))


def posterior_draws(
    post: pd.DataFrame, n: int, seed: int = DRAW_SEED
) -> list[tuple[int, dict[str, float]]]:
    """Pick ``n`` rows of a posterior table by its weights (`pick_draws`), with their constants.

    Returns:
        ``(row, constants)`` per pick, in the order picked; a row picked twice appears twice.
    """
    rows = pick_draws(post.attrs.get("weights", [1.0] * len(post)), n, seed)
    return [(k, constants_of(post, k)) for k in rows]


def components(a: np.ndarray, b: np.ndarray | None = None) -> tuple[float, float]:
    """Return ``(σ_b², σ_w²)`` of values ``(draws, seeds)``, or their covariances with ``b``.

    ``σ_w²`` is the mean over draws of the seed (co)variance; ``σ_b²`` the (co)variance of
    the draws' means less their seed noise ``σ_w² / S`` (not floored: :func:`combine` and
    :func:`combined_moments` floor a variance at 0).
    """
    x = np.asarray(a, float)
    y = x if b is None else np.asarray(b, float)
    d, s = x.shape
    if s > 1:
        dx, dy = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
        within = float(((dx * dy).sum(axis=1) / (s - 1)).mean())
    else:
        within = 0.0
    if d > 1:
        mx, my = x.mean(axis=1), y.mean(axis=1)
        between = float(((mx - mx.mean()) * (my - my.mean())).sum() / (d - 1)) - within / s
    else:
        between = 0.0
    return between, within


def combined_moments(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """The combined variances of ``a`` and ``b`` ``(draws, seeds)`` and their covariance.

    Each variance is ``σ_b² + σ_w² / S`` as in :func:`combine`; the covariance is the same
    sum of covariances, kept within what the variances allow. Fieller's ratio interval
    (:func:`sim.costs.effectiveness.fieller_interval`) takes them.
    """
    s = np.asarray(a).shape[1]
    (ba, wa), (bb, wb), (bab, wab) = components(a), components(b), components(a, b)
    va, vb = max(ba, 0.0) + wa / s, max(bb, 0.0) + wb / s
    bound = math.sqrt(va * vb)
    return va, vb, min(max(bab + wab / s, -bound), bound)


def combine(effects: np.ndarray) -> dict[str, float]:
    """Return the seed-only and combined intervals of effects ``(draws, seeds)``."""
    e = np.asarray(effects, float)
    d, s = e.shape
    mean = float(e.mean())
    between, within = components(e)
    between = max(between, 0.0)
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


def sign_error(share: float, draws: int) -> float:
    """The Monte Carlo (binomial) standard error of a share of ``draws`` draws."""
    return math.sqrt(share * (1 - share) / draws)


def posterior_record(post: pd.DataFrame) -> dict[str, Any]:
    """The provenance of a posterior: fitted model version, targets hash, draws, constants."""
    return {
        **{k: post.attrs.get(k) for k in ("fingerprint", "targets_hash", "model_version")},
        "n_rows": len(post),
        "constants": [str(c) for c in post.columns],
    }


def run_posterior_experiments(
    guidelines: Iterable[str | Guideline] | None = None,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    draws: int = DEFAULT_DRAWS,
    seeds: int | Sequence[int] = 4,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    posterior: pd.DataFrame | None = None,
    probe: Callable | None = None,
    **overrides: Any,
) -> dict[str, PosteriorEffects]:
    """Run several guidelines' arms over posterior draws × seeds, in one pool of runs.

    Every guideline runs at the same draws and on the same seeds, in both arms (common random
    numbers); an arm that several guidelines share at a draw is run once.

    Args:
        guidelines: Ids or guidelines (default: all seven).
        scenario: The scenario (bundled name, path, object or dict).
        draws: Posterior draws, a resample by weight (a row may come more than once).
        seeds: Seeds per draw and arm (at least 2).
        steps: Months per run.
        workers: Worker processes (default: one per CPU).
        progress: Show a progress bar.
        posterior: Draws to use (default: the shipped ``sim.posterior()``); any columns of
            calibration constants.
        probe: A top-level function of each finished model (e.g.
            :func:`sim.who_gains.summary`), kept in each result's ``probes``.
        **overrides: Scenario fields to change first.

    Returns:
        Results by guideline id.

    Raises:
        UserInputError: A bad guideline, scenario, number of draws or seeds.
    """
    chosen = [get_guideline(g) for g in (guidelines if guidelines is not None else GUIDELINES)]
    if not chosen:
        raise UserInputError(f"guidelines: none given (allowed: {', '.join(GUIDELINES)})")
    post = shipped_posterior() if posterior is None else posterior
    n = check_whole_number(draws, "--draws", 2, len(post))
    seed_list = check_seeds(seeds)
    steps = check_whole_number(steps, "steps", 1)
    n_workers = check_workers(workers)
    base = coerce_scenario(scenario, overrides)
    picked = posterior_draws(post, n)
    rows = tuple(k for k, _ in picked)
    columns = source_columns(m for g in chosen for m in g.metrics)
    # Only the outcome window's metrics are read: the runs collect no other month's.
    plan = _Plan(seed_list, steps, columns, probe=probe, collect=outcome_steps(steps))
    layout: dict[str, list[tuple[int, int]]] = {g.id: [] for g in chosen}
    for _, constants in picked:
        at = base.replace(**constants)
        for g in chosen:
            arms = g.arms(at)
            layout[g.id].append((plan.add(arms[0]), plan.add(arms[1])))
    names = chosen[0].id if len(chosen) == 1 else f"{len(chosen)} experiments"
    raw = plan.execute(
        n_workers, progress, desc=f"{names} over {n} posterior draws x {len(seed_list)} seeds"
    )
    created = datetime.now(UTC).isoformat(timespec="seconds")
    about = posterior_record(post)
    if posterior is None and (note := fitted_to_another_model()):
        about["note"] = note  # the shipped posterior was fitted to another model version
    results = {}
    for g in chosen:
        effects = {}
        for metric in g.metrics:
            per_draw = []
            for i, j in layout[g.id]:
                arm = [
                    derive(metric, lambda c, a=raw[x]: a[:, :, columns.index(c)]) for x in (i, j)
                ]
                per_draw.append(outcome(arm[1], steps) - outcome(arm[0], steps))
            effects[metric] = np.stack(per_draw)
        table = pd.DataFrame([{"metric": m, **combine(e)} for m, e in effects.items()])
        record = {
            "experiment": g.id,
            "uncertainty": "posterior",
            "scenario": base.to_record(),
            "draws": list(rows),
            "seeds": list(seed_list),
            "common_random_numbers": "the same seeds at every draw and in both arms",
            "steps": steps,
            "posterior": about,
            "created": created,
        }
        probes = (
            {
                "baseline": [plan.probes[i] for i, _j in layout[g.id]],
                "intervention": [plan.probes[j] for _i, j in layout[g.id]],
            }
            if probe is not None
            else {}
        )
        results[g.id] = PosteriorEffects(g, base, rows, seed_list, effects, table, record, probes)
    return results


def run_posterior_experiment(
    guideline: str | Guideline,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    draws: int = DEFAULT_DRAWS,
    seeds: int | Sequence[int] = 4,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    posterior: pd.DataFrame | None = None,
    **overrides: Any,
) -> PosteriorEffects:
    """Run a guideline's arms over posterior draws × seeds (common random numbers).

    The one-guideline case of :func:`run_posterior_experiments` (same arguments).

    Raises:
        UserInputError: A bad guideline, scenario, number of draws or seeds.
    """
    g = get_guideline(guideline)
    return run_posterior_experiments(
        [g],
        scenario,
        draws=draws,
        seeds=seeds,
        steps=steps,
        workers=workers,
        progress=progress,
        posterior=posterior,
        **overrides,
    )[g.id]
