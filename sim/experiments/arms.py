"""Running experiments: paired arms on common seeds, each distinct run once.

Example:
    >>> from sim import experiments
    >>> result = experiments.run_experiment("g4", scenario="baseline", seeds=20)  # doctest: +SKIP
    >>> result.effects                                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sim.checks import check_whole_number
from sim.engines import Progress, check_workers, make_engine, run_columns
from sim.errors import UserInputError
from sim.experiments.definitions import GUIDELINES, Guideline, get_guideline
from sim.experiments.results import ExperimentResult, build_result
from sim.experiments.stats import check_seeds, outcome, outcome_steps, paired_effect
from sim.metrics import derive, source_columns
from sim.scenario import ValueChainScenario, coerce_scenario

#: Seeds per arm when none are given: enough for a stable paired-t interval.
DEFAULT_SEEDS = 20
#: Months simulated per run (ten years).
DEFAULT_STEPS = 120


def _scenario_key(scenario: ValueChainScenario) -> tuple:
    return (*sorted(scenario.params().items()), *scenario.constants.items)


@dataclass
class _Plan:
    """Unique model runs shared by several experiments (e.g. one baseline arm for g1-g6)."""

    seeds: tuple[int, ...]
    steps: int
    columns: tuple[str, ...]
    keys: dict[tuple, int] = field(default_factory=dict)
    scenarios: list[ValueChainScenario] = field(default_factory=list)
    probe: Callable | None = None  # a function of each finished model (see run_columns)
    probes: list[list[Any]] = field(default_factory=list)  # per scenario, per seed
    # The steps the runs collect (see run_columns), or None for every step: the arrays then
    # have one row per step collected.
    collect: tuple[int, ...] | None = None

    def add(self, scenario: ValueChainScenario) -> int:
        key = _scenario_key(scenario)
        if key not in self.keys:
            self.keys[key] = len(self.scenarios)
            self.scenarios.append(scenario)
        return self.keys[key]

    def execute(self, workers: int, progress: bool, desc: str) -> list[np.ndarray]:
        """Return, per unique scenario, an array (seeds, steps + 1 or collected, columns)."""
        probe = self.probe is not None
        tasks = [
            (s.to_record(), seed, self.steps, self.columns, self.probe, self.collect)
            for s in self.scenarios
            for seed in self.seeds
        ]
        flat, probed = [], []
        # One run per task: a run costs far more than sending it, and progress moves each run.
        with (
            make_engine(workers=workers, n_tasks=len(tasks)) as engine,
            Progress(len(tasks), enabled=progress, desc=desc) as bar,
        ):
            for result in engine.map(run_columns, tasks):
                if probe:
                    result, extra = result
                    probed.append(extra)
                flat.append(result)
                bar.update()
        n = len(self.seeds)
        if probe:
            self.probes = [probed[i * n : (i + 1) * n] for i in range(len(self.scenarios))]
        return [np.stack(flat[i * n : (i + 1) * n]) for i in range(len(self.scenarios))]


def run_experiments(
    guidelines: Iterable[str | Guideline] | None = None,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    probe: Callable | None = None,
    **overrides: Any,
) -> dict[str, ExperimentResult]:
    """Run several guideline experiments on one scenario, sharing identical runs.

    The baseline arm of g1-g6 is the same scenario with the same seeds, so it is run once.

    Args:
        guidelines: Ids or guidelines (default: all seven).
        scenario: Bundled name, path, scenario object or dict of fields.
        seeds: Number of seeds (0 .. n-1) or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default: one per CPU). Results do not depend on it.
        progress: Show a progress bar on stderr.
        probe: A top-level function of each finished model (e.g.
            :func:`sim.who_gains.summary`); its results are kept in each result's
            ``probes``, per arm and seed. Runs are the same with or without it.
        **overrides: Scenario fields to change first (e.g. ``n_mse=400``).

    Returns:
        Results by guideline id.

    Raises:
        UserInputError: Unknown guideline or scenario, fewer than 2 seeds, bad steps or workers.

    Examples:
        >>> from sim.experiments import run_experiments
        >>> results = run_experiments(["g1", "g4"], "baseline", seeds=2, steps=12, workers=1,
        ...                           n_mse=200)
        >>> sorted(results), results["g4"].guideline.title
        (['g1', 'g4'], 'Develop financial markets for MSE investment capital')
    """
    chosen = [get_guideline(g) for g in (guidelines if guidelines is not None else GUIDELINES)]
    if not chosen:
        raise UserInputError(f"guidelines: none given (allowed: {', '.join(GUIDELINES)})")
    seed_list = check_seeds(seeds)
    steps = check_whole_number(steps, "steps", 1)
    n_workers = check_workers(workers)
    base = coerce_scenario(scenario, overrides)
    columns = source_columns(m for g in chosen for m in g.metrics)
    plan = _Plan(seed_list, steps, columns, probe=probe)
    layout = []
    for g in chosen:
        arms = g.arms(base)
        layout.append((g, arms, plan.add(arms[0]), plan.add(arms[1])))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    raw = plan.execute(n_workers, progress, desc=f"{len(chosen)} experiment(s) on {base.name}")
    results = {
        g.id: build_result(
            g, base, arms, (raw[i], raw[j]), seed_list, steps, g.metrics, columns, created
        )
        for g, arms, i, j in layout
    }
    if probe is not None:
        for g, _, i, j in layout:
            results[g.id].probes = {"baseline": plan.probes[i], "intervention": plan.probes[j]}
    return results


def run_experiment(
    guideline: str | Guideline,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    **overrides: Any,
) -> ExperimentResult:
    """Run one guideline experiment: baseline arm vs intervention arm on the same seeds.

    Args:
        guideline: ``g1`` .. ``g7`` or a :class:`Guideline`.
        scenario: Bundled name, path, scenario object or dict of fields (default baseline).
        seeds: Number of seeds (0 .. n-1) or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default: one per CPU). Results do not depend on it.
        progress: Show a progress bar on stderr.
        **overrides: Scenario fields to change first (e.g. ``n_mse=400``).

    Returns:
        The :class:`ExperimentResult`; ``result.effects`` is the effect table.

    Raises:
        UserInputError: Unknown guideline or scenario, fewer than 2 seeds, bad steps or workers.

    Example:
        >>> r = run_experiment("g4", scenario="kenya-avocados", seeds=20)  # doctest: +SKIP
        >>> r.effect("share_process")["effect"]                           # doctest: +SKIP
    """
    g = get_guideline(guideline)
    return run_experiments(
        [g], scenario, seeds=seeds, steps=steps, workers=workers, progress=progress, **overrides
    )[g.id]


def compare(
    scenario: ValueChainScenario | str | Mapping[str, Any] | None,
    intervention: Mapping[str, Any],
    *,
    comparison: Mapping[str, Any] | None = None,
    metrics: Sequence[str],
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = 1,
    progress: bool = False,
) -> ExperimentResult:
    """Compare a scenario with a changed copy of itself on common seeds (an ad-hoc experiment).

    Used by the structural-effect tests, and for any "what if" beyond the seven guidelines.

    Args:
        scenario: Bundled name, path, scenario object or dict of fields.
        intervention: Field values of the intervention arm (on top of ``comparison``).
        comparison: Field values applied to both arms first.
        metrics: Metrics to report (names in :data:`sim.metrics.METRIC_INFO` or model columns).
        seeds: Number of seeds or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default 1: comparisons are usually small).
        progress: Show a progress bar on stderr.

    Returns:
        The :class:`ExperimentResult` (``guideline`` is None).

    Examples:
        >>> from sim.experiments import compare
        >>> result = compare("baseline", {"credit_access": 0.9}, metrics=["share_upgraded"],
        ...                  seeds=2, steps=12)
        >>> list(result.effects.columns[:4])
        ['metric', 'baseline_mean', 'intervention_mean', 'effect']
    """
    seed_list = check_seeds(seeds)
    steps = check_whole_number(steps, "steps", 1)
    n_workers = check_workers(workers)
    base = coerce_scenario(scenario, comparison)
    new = base.replace(**intervention)
    metrics = tuple(dict.fromkeys(metrics))
    columns = source_columns(metrics)
    plan = _Plan(seed_list, steps, columns)
    i, j = plan.add(base), plan.add(new)
    raw = plan.execute(n_workers, progress, desc="compare")
    return build_result(
        None,
        base,
        (base, new),
        (raw[i], raw[j]),
        seed_list,
        steps,
        metrics,
        columns,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )


@dataclass
class ArmOutcomes:
    """Outcomes of several arms of one scenario on common seeds (see :func:`run_arms`).

    Attributes:
        scenarios: The scenario of each arm, by arm name.
        seeds: Seeds shared by all arms.
        steps: Months per run.
        outcomes: Arm -> metric -> one outcome per seed (mean of the last months).

    Examples:
        >>> from sim.experiments import run_arms
        >>> arms = run_arms("baseline", {"without": {}, "with": {"group_support": 0.9}},
        ...                 metrics=["share_in_groups"], seeds=2, steps=12, workers=1)
        >>> arms.outcomes["with"]["share_in_groups"].shape   # one outcome per seed
        (2,)
        >>> arms.mean("with", "share_in_groups") >= 0
        True
    """

    scenarios: dict[str, ValueChainScenario]
    seeds: tuple[int, ...]
    steps: int
    outcomes: dict[str, dict[str, np.ndarray]]

    def mean(self, arm: str, metric: str) -> float:
        """Return the mean outcome of one arm."""
        return float(self.outcomes[arm][metric].mean())

    def effect(self, arm: str, reference: str, metric: str) -> tuple[float, float, float]:
        """Return the paired effect of ``arm`` against ``reference``: (effect, low, high)."""
        return paired_effect(self.outcomes[reference][metric], self.outcomes[arm][metric])


def run_arms(
    scenario: ValueChainScenario | str | Mapping[str, Any] | None,
    arms: Mapping[str, Mapping[str, Any]],
    *,
    metrics: Sequence[str],
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
) -> ArmOutcomes:
    """Run any number of variants of one scenario on common seeds, each distinct one once.

    Args:
        scenario: Bundled name, path, scenario object or dict of fields.
        arms: Arm name -> field values changed from ``scenario`` (``{}`` for the scenario).
        metrics: Metrics to keep (names in :data:`sim.metrics.METRIC_INFO` or model columns).
        seeds: Number of seeds or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default: one per CPU). Results do not depend on it.
        progress: Show a progress bar on stderr.

    Returns:
        The :class:`ArmOutcomes`; ``effect(arm, reference, metric)`` pairs two arms.

    Examples:
        >>> from sim.experiments import run_arms
        >>> arms = run_arms("baseline",
        ...                 {"low": {"credit_access": 0.1}, "high": {"credit_access": 0.9}},
        ...                 metrics=["share_upgraded"], seeds=2, steps=12, workers=1)
        >>> list(arms.scenarios), arms.seeds
        (['low', 'high'], (0, 1))
        >>> effect, ci_low, ci_high = arms.effect("high", "low", "share_upgraded")
    """
    seed_list = check_seeds(seeds)
    steps = check_whole_number(steps, "steps", 1)
    n_workers = check_workers(workers)
    base = coerce_scenario(scenario)
    scenarios = {
        name: base.replace(**changes) if changes else base for name, changes in arms.items()
    }
    metrics = tuple(dict.fromkeys(metrics))
    columns = source_columns(metrics)
    # Only the outcome window's metrics are read: the runs collect no other month's.
    plan = _Plan(seed_list, steps, columns, collect=outcome_steps(steps))
    index = {name: plan.add(s) for name, s in scenarios.items()}
    raw = plan.execute(n_workers, progress, desc=f"{len(plan.scenarios)} arms of {base.name}")
    outcomes = {
        name: {
            m: outcome(derive(m, lambda c, i=i: raw[i][:, :, columns.index(c)]), steps)
            for m in metrics
        }
        for name, i in index.items()
    }
    return ArmOutcomes(scenarios, seed_list, steps, outcomes)
