"""Running the cases and comparing them with their documented targets.

Every case is run on seeds ``0 .. n-1`` together with the arms its targets compare with (the
same seeds, so a before/after ratio is paired). For each target, each seed gives one number:
the metric's mean over the target's window of months for the case (``value``), or that of the
case divided by (``ratio``) or minus (``difference``) that of the arm on the same seed. The
table gives the mean over seeds, its 95% t interval, and *pass* by the target's rule (default:
the mean lies within the target's bounds; ``interval``: the whole interval does; ``overlap``:
the interval meets them). Targets naming a planned metric are "not yet modelled" (neither pass nor
fail); assumption targets are checked but do not count as validation.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from sim.engines import Progress, check_workers, choose_engine, make_engine, run_columns
from sim.errors import UserInputError
from sim.experiments.stats import check_seeds
from sim.metrics import derive, source_columns
from sim.provenance import provenance
from sim.validation.targets import CaseTargets, Target, read_all_targets, read_targets

#: Confidence level of the intervals over seeds.
CONFIDENCE = 0.95
#: Seeds per case when none are given.
DEFAULT_SEEDS = 20

#: A target's status: the runs meet it.
PASS = "pass"
#: A target's status: the runs miss it.
FAIL = "fail"
#: A target's status: its metric is not in the model yet.
NOT_MODELLED = "not yet modelled"
#: A target's status: its case or arm was not run.
NOT_RUN = "not in this run"
#: The pass rule in words (each target's ``rule`` column says which applies to it).
PASS_RULE = ("by each target's rule: mean (default), the mean over seeds lies within the "
             "bounds; interval, the whole 95% interval does; overlap, the interval meets them")
#: Columns of a validation table, in order.
COLUMNS = ("case", "id", "claim", "metric", "statistic", "against", "window", "target", "low",
           "high", "mean", "ci_low", "ci_high", "n_seeds", "status", "kind", "counts",
           "description", "source", "quote", "url", "interval", "requires", "note", "rule")


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Return the mean of ``values`` and its two-sided t confidence interval."""
    # scipy is loaded on first use: it is slow to import and only needed here.
    from scipy import stats

    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, x.size - 1) * x.std(ddof=1)
                 / math.sqrt(x.size))
    return mean, mean - half, mean + half


def window_mean(series: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Return each seed's mean of ``series`` (seeds, months + 1) over months ``window``."""
    return series[:, window[0]:window[1] + 1].mean(axis=1)


def per_seed(target: Target, series: Mapping[str, Callable[[str], np.ndarray]]) -> np.ndarray:
    """Return one number per seed for ``target``.

    Args:
        target: The target.
        series: Arm name (``case`` and others) -> ``metric -> array (seeds, months + 1)``.
    """
    case = window_mean(series["case"](target.metric), target.window)
    if target.statistic == "value":
        return case
    other = window_mean(series[target.against](target.metric), target.window)
    if target.statistic == "difference":
        return case - other
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(other != 0, case / np.where(other != 0, other, 1.0), np.nan)


def _row(target: Target, values: np.ndarray | None, status: str | None = None) -> dict:
    if values is None:
        mean = low = high = math.nan
        n = 0
    else:
        mean, low, high = t_interval(values)
        n = int(np.isfinite(values).sum())
    if status is None:
        status = PASS if target.passes(mean, low, high) else FAIL
    return {
        "case": target.case, "id": target.id, "claim": target.claim, "metric": target.metric,
        "statistic": target.statistic, "against": target.against or "",
        "window": f"{target.window[0]}-{target.window[1]}", "target": target.bounds_text(),
        "low": target.low, "high": target.high, "mean": mean, "ci_low": low, "ci_high": high,
        "n_seeds": n, "status": status, "kind": target.kind, "counts": target.counts,
        "description": target.description, "source": target.source, "quote": target.quote,
        "url": target.url, "interval": target.interval, "requires": target.requires or "",
        "note": target.note, "rule": target.rule,
    }


def _plan(cases: list[CaseTargets], seeds: tuple[int, ...]) -> tuple[list, list]:
    """Return the tasks to run and, per case, (arm names, columns, first task index)."""
    tasks, layout = [], []
    for ct in cases:
        modelled = [t for t in ct.targets if t.modelled]
        arms = ct.needed_arms(tuple(modelled))
        columns = source_columns(t.metric for t in modelled)
        layout.append((arms, columns, len(tasks)))
        for arm in arms:
            record = {**ct.arm_scenario(arm).to_record(), "name": ct.scenario.name}
            tasks += [(record, seed, ct.steps, columns) for seed in seeds]
    return tasks, layout


def validate(
    cases: str | os.PathLike | Sequence[str | os.PathLike] = "all",
    *,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run each case (and the arms its targets compare with) and check every target.

    Args:
        cases: ``"all"`` (every case with a targets file), a case name, a path to a targets
            file, or a list of them.
        seeds: Number of seeds (``0 .. n-1``) or an explicit list; at least 2.
        workers: Worker processes (default: one per core). Results do not depend on it.
        engine: ``local``, ``dask`` or ``None`` (``dask`` if a scheduler is given, else
            ``local``).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.

    Returns:
        One row per target (columns :data:`COLUMNS`); ``attrs`` hold the provenance.

    Raises:
        UserInputError: A bad case, targets file, seed list, worker count or engine; raised
            before any model runs.

    Examples:
        >>> import sim
        >>> from sim.validation import FAIL, PASS, exit_code, read_targets
        >>> table = sim.validate("kenya-avocados", seeds=2, workers=1)   # 120 months, both arms
        >>> len(table) == len(read_targets("kenya-avocados").targets)    # one row per target
        True
        >>> list(table.columns[:4]), bool(table["status"].isin([PASS, FAIL]).all())
        (['case', 'id', 'claim', 'metric'], True)
        >>> exit_code(table) in (0, 1)
        True
    """
    chosen = read_all_targets(cases)
    seed_list = check_seeds(seeds)
    if choose_engine(engine, scheduler, workers) == "local":
        check_workers(workers)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    table = run_cases(chosen, seed_list, workers=workers, engine=engine, scheduler=scheduler,
                      progress=progress)
    table.attrs = {
        "study": "validation", "cases": [ct.case for ct in chosen],
        "scenarios": {ct.case: ct.scenario.to_record() for ct in chosen},
        "arms": {ct.case: {a.name: dict(a.changes) for a in ct.arms.values()} for ct in chosen},
        "seeds": list(seed_list), "steps": {ct.case: ct.steps for ct in chosen},
        "confidence": CONFIDENCE, "pass_rule": PASS_RULE,
        **provenance(), "created": created,
    }
    return table


def run_cases(
    cases: Sequence[CaseTargets],
    seeds: Sequence[int],
    *,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    desc: str = "validate",
) -> pd.DataFrame:
    """Run read and checked cases on ``seeds`` and return one row per target.

    All cases' runs go to one engine at once, so a batch of variants of a case (the power
    check's wrong models, :mod:`sim.validation.power`) keeps every worker busy.

    Args:
        cases: The cases' targets (possibly variants with changed scenarios and arms).
        seeds: The seeds, already checked.
        workers: Worker processes (default: one per core).
        engine: ``local``, ``dask`` or ``None`` (:func:`sim.engines.choose_engine`).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.
        desc: What the progress line calls the work.

    Returns:
        One row per target and case, in order (columns :data:`COLUMNS`), without ``attrs``.
    """
    seed_list = tuple(seeds)
    tasks, layout = _plan(list(cases), seed_list)
    results: list[np.ndarray] = []
    if tasks:
        with make_engine(engine, workers=workers, scheduler=scheduler,
                         n_tasks=len(tasks)) as eng, \
                Progress(len(tasks), enabled=progress, desc=desc) as bar:
            for result in eng.map(run_columns, tasks):
                results.append(result)
                bar.update()
    n = len(seed_list)
    rows = []
    for ct, (arms, columns, start) in zip(cases, layout, strict=True):
        raw = {arm: np.stack(results[start + i * n:start + (i + 1) * n])
               for i, arm in enumerate(arms)}
        series = {arm: _column_getter(data, columns) for arm, data in raw.items()}
        for target in ct.targets:
            if not target.modelled:
                rows.append(_row(target, None, NOT_MODELLED))
            else:
                rows.append(_row(target, per_seed(target, series)))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _column_getter(data: np.ndarray, columns: tuple[str, ...]) -> Callable[[str], np.ndarray]:
    def get(metric: str) -> np.ndarray:
        return derive(metric, lambda c: data[:, :, columns.index(c)])
    return get


def exit_code(table: pd.DataFrame) -> int:
    """Return 0 when every sourced, modelled target passes, else 1.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS
        >>> table = pd.DataFrame({"status": [PASS, PASS, FAIL], "counts": [True] * 3})
        >>> from sim.validation import exit_code
        >>> exit_code(table), exit_code(table.iloc[:2])   # a sourced target fails: 1
        (1, 0)
    """
    counted = table[table["counts"] & (table["status"] != NOT_MODELLED)]
    return 0 if (counted["status"] == PASS).all() else 1


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    """Count targets by outcome: sourced pass/fail, not yet modelled, assumptions.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS
        >>> table = pd.DataFrame({"status": [PASS, PASS, FAIL], "counts": [True] * 3})
        >>> from sim.validation import summary_counts
        >>> counts = summary_counts(table)
        >>> counts["sourced_pass"], counts["sourced_fail"]
        (2, 1)
    """
    sourced = table[table["counts"]]
    return {
        "targets": len(table),
        "sourced": len(sourced),
        "sourced_pass": int((sourced["status"] == PASS).sum()),
        "sourced_fail": int((sourced["status"] == FAIL).sum()),
        "not_yet_modelled": int((table["status"] == NOT_MODELLED).sum()),
        "assumptions": int((~table["counts"]).sum()),
    }


def targets_met(
    scenario: str | os.PathLike,
    series: Mapping[str, np.ndarray],
    *,
    arms: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Say which of a case's targets runs already made meet, without running anything.

    For the guideline report: the runs of the scenario the report was made on (its baseline
    arm) are checked against that scenario's targets. A target whose metric was not
    recorded, whose window lies beyond the runs, or whose comparison arm was not run is
    ``not in this run``.

    Args:
        scenario: Scenario name (or targets file) of the runs.
        series: Metric -> array (seeds, months + 1) of the scenario's runs.
        arms: Optional arm name -> the same for other arms of the same seeds.

    Returns:
        A table like :func:`validate`'s, empty if the scenario has no targets file.

    Examples:
        >>> import numpy as np
        >>> import sim
        >>> from sim.validation import targets_met
        >>> runs = [sim.run("kenya-avocados", steps=120, rng=seed, n_mse=200) for seed in (0, 1)]
        >>> series = {m: np.stack([df[m].to_numpy() for df in runs]) for m in sim.METRICS}
        >>> table = targets_met("kenya-avocados", series)   # the targets these runs can judge
        >>> set(table["case"])
        {'kenya-avocados'}
    """
    try:
        ct = read_targets(scenario)
    except UserInputError:
        return pd.DataFrame(columns=list(COLUMNS))
    runs = {"case": series, **(arms or {})}
    rows = []
    for target in ct.targets:
        if not target.modelled:
            rows.append(_row(target, None, NOT_MODELLED))
            continue
        needed = ["case"] + ([target.against] if target.against else [])
        try:
            getters = {a: _series_getter(runs[a], target.window) for a in needed}
            values = per_seed(target, getters)
        except (KeyError, IndexError):
            rows.append(_row(target, None, NOT_RUN))
            continue
        rows.append(_row(target, values))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _series_getter(arm: Mapping[str, np.ndarray], window: tuple[int, int]):
    def get(metric: str) -> np.ndarray:
        data = derive(metric, lambda c: np.asarray(arm[c], float))
        if data.ndim != 2 or data.shape[1] <= window[1]:
            raise IndexError(metric)
        return data
    return get
