"""Running the cases and comparing them with their documented targets.

Every case is run on seeds ``0 .. n-1`` together with the arms its targets compare with (the
same seeds, so a before/after ratio is paired). For each target, each seed gives one number:
the metric's mean over the target's window of months for the case (``value``), or that of the
case divided by (``ratio``) or minus (``difference``) that of the arm on the same seed. The
table gives the mean over seeds, its 95% t interval, and *pass* by the target's rule (default:
the mean lies within the target's bounds; ``interval``: the whole interval does; ``overlap``:
the interval meets them). Targets naming a planned metric are "not yet modelled" (neither pass nor
fail).

**Discrimination.** Each target is also checked on *placebos*: every other bundled scenario,
run the same way (with the target's arm changes applied to it, for a ratio or difference) on
the first :data:`DEFAULT_PLACEBO_SEEDS` of the same seeds. A target *discriminates* when it
fails on at least half of its placebos (:data:`DISCRIMINATION_RULE`): a model of another
chain would fail it. One that passes on most of them is uninformative, whatever it gives on
its own case. The headline counts only observations that discriminate ("K of N observations
pass"); directions and face checks are reported apart (:func:`summary_counts`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrated import fitted_to_another_model
from sim.calibrated import posterior as shipped_posterior
from sim.checks import check_whole_number
from sim.engines import Progress, check_workers, choose_engine, make_engine, run_columns
from sim.errors import UserInputError
from sim.experiments.stats import check_seeds
from sim.experiments.uncertainty import DRAW_SEED, combine, posterior_draws, posterior_record
from sim.metrics import derive, source_columns
from sim.provenance import provenance
from sim.scenario import ValueChainScenario, list_scenarios, load_scenario
from sim.validation.posterior import (
    DEFAULT_DRAWS,
    DEFAULT_POSTERIOR_SEEDS,
    POSTERIOR_COLUMNS,
    POSTERIOR_PASS_RULE,
    check_posterior_columns,
    check_uncertainty,
    draw_case,
)
from sim.validation.targets import (
    CaseTargets,
    Target,
    read_all_targets,
    targets_provenance,
)

#: Confidence level of the intervals over seeds.
CONFIDENCE = 0.95
#: Seeds per case when none are given.
DEFAULT_SEEDS = 20

#: Seeds of each placebo run (the first ones of the case's seeds, so placebos are paired too).
DEFAULT_PLACEBO_SEEDS = 5
#: When a target discriminates, stated before any placebo was run. On a placebo the mean over
#: its seeds is judged against the bounds (a few seeds give no useful interval).
DISCRIMINATION_RULE = "fails on at least half of its placebos (the other bundled scenarios)"

#: A target's status: the runs meet it.
PASS = "pass"
#: A target's status: the runs miss it.
FAIL = "fail"
#: A target's status: its metric is not in the model yet.
NOT_MODELLED = "not yet modelled"
#: A target's status: its case or arm was not run.
NOT_RUN = "not in this run"
#: The pass rule in words (each target's ``rule`` column says which applies to it).
PASS_RULE = (
    "by each target's rule: mean (default), the mean over seeds lies within the "
    "bounds; interval, the whole 95% interval does; overlap, the interval meets them"
)
#: Columns of a validation table, in order. ``counts``: the target is in the headline (an
#: observation the model reports that discriminates).
COLUMNS = (
    "case",
    "id",
    "kind",
    "claim",
    "metric",
    "statistic",
    "against",
    "window",
    "target",
    "low",
    "high",
    "mean",
    "ci_low",
    "ci_high",
    "n_seeds",
    "status",
    "discriminates",
    "placebo_pass",
    "placebo_n",
    "placebo_values",
    "counts",
    "description",
    "source",
    "quote",
    "url",
    "interval",
    "requires",
    "note",
    "rule",
)


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
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def window_mean(series: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """Return each seed's mean of ``series`` (seeds, months + 1) over months ``window``."""
    return series[:, window[0] : window[1] + 1].mean(axis=1)


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


def _row(
    target: Target,
    values: np.ndarray | None,
    status: str | None = None,
    placebo: Mapping[str, float] | None = None,
) -> dict:
    if values is None:
        mean = low = high = math.nan
        n = 0
    else:
        mean, low, high = t_interval(values)
        n = int(np.isfinite(values).sum())
    if status is None:
        status = PASS if target.passes(mean, low, high) else FAIL
    passed, n_placebos, discriminates = placebo_verdict(target, placebo)
    return {
        "case": target.case,
        "id": target.id,
        "kind": target.kind,
        "claim": target.claim,
        "metric": target.metric,
        "statistic": target.statistic,
        "against": target.against or "",
        "window": f"{target.window[0]}-{target.window[1]}",
        "target": target.bounds_text(),
        "low": target.low,
        "high": target.high,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "n_seeds": n,
        "status": status,
        "discriminates": discriminates,
        "placebo_pass": passed,
        "placebo_n": n_placebos,
        "placebo_values": json.dumps(
            {k: round(v, 6) if math.isfinite(v) else None for k, v in (placebo or {}).items()}
        ),
        "counts": bool(target.observed and discriminates is True and status in (PASS, FAIL)),
        "description": target.description,
        "source": target.source,
        "quote": target.quote,
        "url": target.url,
        "interval": target.interval,
        "requires": target.requires or "",
        "note": target.note,
        "rule": target.rule,
    }


def placebo_verdict(
    target: Target, placebo: Mapping[str, float] | None
) -> tuple[int, int, bool | None]:
    """Return how many placebos the target passes, of how many, and whether it discriminates.

    Args:
        target: The target.
        placebo: Placebo scenario -> the target's number there (mean over the placebo seeds);
            None or empty when no placebo was run.

    Returns:
        ``(passed, n, discriminates)``; ``discriminates`` is None without placebos, else True
        when the target fails on at least half of them (:data:`DISCRIMINATION_RULE`). A
        placebo with no number (a ratio over zero) counts as failed.

    Examples:
        >>> from sim.validation import placebo_verdict, read_targets
        >>> target = read_targets("kenya-avocados").targets[0]
        >>> placebo_verdict(target, None)   # no placebo run: nothing to say
        (0, 0, None)
        >>> placebo_verdict(target, {"a": float("nan"), "b": float("nan")})   # fails on both
        (0, 2, True)
    """
    if not placebo:
        return 0, 0, None
    passed = sum(1 for v in placebo.values() if math.isfinite(v) and target.contains(v))
    failed = len(placebo) - passed
    return passed, len(placebo), bool(2 * failed >= len(placebo))


class _Runs:
    """The model runs a validation needs, each once (a placebo run may be another case's run).

    A run is a scenario record, a seed and a number of months; every run returns the same
    columns, so a run shared by a case and a placebo is made once.
    """

    def __init__(self, columns: tuple[str, ...]):
        self.columns = columns
        self.tasks: list[tuple] = []
        self._index: dict[str, int] = {}

    def add(
        self, scenario: ValueChainScenario, name: str, seeds: Sequence[int], steps: int
    ) -> list[int]:
        """Add the runs of ``scenario`` on ``seeds``; return their indices."""
        record = {**scenario.to_record(), "name": name}
        key = json.dumps({k: v for k, v in record.items() if k != "name"}, sort_keys=True)
        out = []
        for seed in seeds:
            k = f"{key}|{seed}|{steps}"
            if k not in self._index:
                self._index[k] = len(self.tasks)
                self.tasks.append((record, seed, steps, self.columns))
            out.append(self._index[k])
        return out


def placebo_scenarios(
    ct: CaseTargets, placebos: str | Sequence[str | os.PathLike] | None = "bundled"
) -> list[ValueChainScenario]:
    """Return the placebo scenarios of a case: by default every other bundled scenario.

    Args:
        ct: The case.
        placebos: ``"bundled"`` (every bundled scenario but the case's own), a list of
            scenario names or files, or None (no placebo).
    """
    if placebos is None:
        return []
    if isinstance(placebos, str) and placebos == "bundled":
        return [load_scenario(name) for name in list_scenarios() if name != ct.scenario.name]
    if isinstance(placebos, str | os.PathLike):
        placebos = [placebos]
    chosen = [load_scenario(p) for p in placebos]
    return [sc for sc in chosen if sc.name != ct.scenario.name]


def _arm_of(ct: CaseTargets, scenario: ValueChainScenario, arm: str) -> ValueChainScenario:
    """Return ``scenario`` with the changes of the case's ``arm`` (``case``: none)."""
    if arm == "case":
        return scenario
    return scenario.replace(**dict(ct.arms[arm].changes))


def _check_placebo_seeds(placebo_seeds: int, seeds: tuple[int, ...]) -> tuple[int, ...]:
    if (
        isinstance(placebo_seeds, bool)
        or not isinstance(placebo_seeds, int | np.integer)
        or placebo_seeds < 1
    ):
        raise UserInputError(
            f"placebo_seeds: value {placebo_seeds!r} is not a whole number of 1 or more"
        )
    return seeds[: int(placebo_seeds)]


def validate(
    cases: str | os.PathLike | Sequence[str | os.PathLike] = "all",
    *,
    seeds: int | Sequence[int] | None = None,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    placebos: str | Sequence[str | os.PathLike] | None = "bundled",
    placebo_seeds: int = DEFAULT_PLACEBO_SEEDS,
    uncertainty: str = "seeds",
    draws: int | None = None,
    posterior: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run each case (and the arms its targets compare with) and check every target.

    Each target is also checked on its placebos (see the module's docstring), which says
    whether it discriminates.

    **Posterior uncertainty** (``uncertainty="posterior"``): each case and its arms run at
    ``draws`` draws of the shipped posterior × the same seeds (:mod:`sim.validation.posterior`
    says how each target is judged); placebos run at the default constants.

    Args:
        cases: ``"all"`` (every case with a targets file), a case name, a path to a targets
            file, or a list of them.
        seeds: Number of seeds (``0 .. n-1``) or an explicit list; at least 2 (default
            :data:`DEFAULT_SEEDS`; :data:`DEFAULT_POSTERIOR_SEEDS` per draw under posterior
            uncertainty).
        workers: Worker processes (default: one per core). Results do not depend on it.
        engine: ``local``, ``dask`` or ``None`` (``dask`` if a scheduler is given, else
            ``local``).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.
        placebos: ``"bundled"`` (every other bundled scenario), a list of scenario names or
            files, or None (no placebo: ``discriminates`` is empty and nothing counts).
        placebo_seeds: How many of the seeds each placebo runs on (the first ones).
        uncertainty: ``seeds`` (default) or ``posterior`` (:data:`UNCERTAINTY_MODES`).
        draws: Posterior draws (``uncertainty="posterior"`` only; default
            :data:`DEFAULT_DRAWS`), at least 2.
        posterior: Draws to use instead of the shipped ``sim.posterior()`` (one column per
            scenario field; weights in ``attrs["weights"]``).

    Returns:
        One row per target (columns :data:`COLUMNS`, and :data:`POSTERIOR_COLUMNS` under
        posterior uncertainty); ``attrs`` hold the provenance, with the targets' versions
        and hashes (and the posterior's provenance, draws and any note that it was fitted to
        another model version).

    Raises:
        UserInputError: A bad case, targets file, seed list, worker count, placebo, engine,
            uncertainty mode or number of draws; raised before any model runs.

    Examples:
        >>> import sim
        >>> from sim.validation import FAIL, PASS, exit_code, read_targets
        >>> table = sim.validate("kenya-avocados", seeds=2, workers=1, placebos=None)
        >>> len(table) == len(read_targets("kenya-avocados").targets)    # one row per target
        True
        >>> list(table.columns[:4]), bool(table["status"].isin([PASS, FAIL]).all())
        (['case', 'id', 'kind', 'claim'], True)
        >>> exit_code(table) in (0, 1)
        True
    """
    check_uncertainty(uncertainty, draws)
    chosen = read_all_targets(cases)
    if seeds is None:
        seeds = DEFAULT_POSTERIOR_SEEDS if uncertainty == "posterior" else DEFAULT_SEEDS
    seed_list = check_seeds(seeds)
    post = None
    if uncertainty == "posterior":
        post = shipped_posterior() if posterior is None else posterior
        draws = check_whole_number(
            DEFAULT_DRAWS if draws is None else draws, "--draws", 2, max(2, len(post))
        )
        check_posterior_columns(post, chosen)
    p_seeds = _check_placebo_seeds(placebo_seeds, seed_list)
    if choose_engine(engine, scheduler, workers) == "local":
        check_workers(workers)
    placebo = [placebo_scenarios(ct, placebos) for ct in chosen]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    options = {
        "workers": workers,
        "engine": engine,
        "scheduler": scheduler,
        "progress": progress,
        "placebo_seeds": p_seeds,
    }
    extra: dict[str, Any] = {}
    if post is None:
        table = run_cases(chosen, seed_list, placebos=placebo, **options)
    else:
        table, extra = run_posterior(chosen, seed_list, post, int(draws), placebo, **options)
        if posterior is None:
            extra["fitted_to_another_model"] = fitted_to_another_model()
    runs = table.attrs.get("runs", 0)
    table.attrs = {
        "study": "validation",
        "cases": [ct.case for ct in chosen],
        "scenarios": {ct.case: ct.scenario.to_record() for ct in chosen},
        "arms": {ct.case: {a.name: dict(a.changes) for a in ct.arms.values()} for ct in chosen},
        "seeds": list(seed_list),
        "steps": {ct.case: ct.steps for ct in chosen},
        "confidence": CONFIDENCE,
        "pass_rule": PASS_RULE,
        "placebo": {
            "scenarios": {
                ct.case: [sc.name for sc in scs] for ct, scs in zip(chosen, placebo, strict=True)
            },
            "seeds": list(p_seeds),
            "discrimination_rule": DISCRIMINATION_RULE,
        },
        "runs": runs,
        **targets_provenance(chosen),
        **provenance(),
        **extra,
        "created": created,
    }
    return table


def run_posterior(
    cases: Sequence[CaseTargets],
    seeds: Sequence[int],
    post: pd.DataFrame,
    draws: int,
    placebos: Sequence[Sequence[ValueChainScenario]] | None = None,
    *,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    placebo_seeds: Sequence[int] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run checked cases at ``draws`` posterior draws × ``seeds``; one row per target.

    See :func:`validate` (posterior uncertainty). The placebos run once, at the default
    constants, beside the case itself there (which only they need).

    Returns:
        The table (columns :data:`COLUMNS` + :data:`POSTERIOR_COLUMNS`, ``attrs["runs"]``)
        and the posterior's provenance (JSON-able).
    """
    cases = list(cases)
    picked = posterior_draws(post, draws)
    rows_picked = [k for k, _ in picked]
    constants = [c for _, c in picked]
    batch: list[CaseTargets] = []
    batch_placebos: list[Sequence[ValueChainScenario] | None] = []
    for i, ct in enumerate(cases):
        batch.append(ct)
        batch_placebos.append(None if placebos is None else placebos[i])
        for c in constants:
            batch.append(draw_case(ct, c))
            batch_placebos.append(None)
    values, n_runs = case_values(
        batch,
        seeds,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
        desc=f"validate over {draws} posterior draws x {len(seeds)} seeds",
        placebos=batch_placebos,
        placebo_seeds=placebo_seeds,
    )
    out = []
    step = draws + 1
    for i in range(len(cases)):
        at_default = values[i * step]
        at_draws = values[i * step + 1 : (i + 1) * step]
        for j, (target, _, on_placebos) in enumerate(at_default):
            per_draw = [d[j][1] for d in at_draws]
            out.append(posterior_row(target, per_draw, on_placebos))
    table = pd.DataFrame(out, columns=list(COLUMNS + POSTERIOR_COLUMNS))
    table.attrs = {"runs": n_runs}
    record = {
        "uncertainty": "posterior",
        "draws": list(rows_picked),
        "draw_seed": DRAW_SEED,
        "posterior": posterior_record(post),
        "posterior_pass_rule": POSTERIOR_PASS_RULE,
    }
    return table, record


def posterior_row(
    target: Target,
    per_draw: Sequence[np.ndarray | None],
    placebo: Mapping[str, float] | None = None,
) -> dict:
    """Return a target's row under posterior uncertainty from its numbers per draw and seed.

    Args:
        target: The target.
        per_draw: Per draw, one number per seed (the same seeds at every draw); None when the
            target is not yet modelled.
        placebo: The target's placebos' numbers (as in the seeds mode).

    Examples:
        >>> import numpy as np
        >>> from sim.validation import read_targets
        >>> from sim.validation.validate import posterior_row
        >>> target = read_targets("kenya-avocados").targets[0]
        >>> inside = (target.low + target.high) / 2 if np.isfinite(target.high) else target.low + 1
        >>> row = posterior_row(target, [np.full(3, inside) + [0, 1e-3, 2e-3]] * 2)
        >>> row["share_draws_pass"], row["ci_low"] <= row["seed_low"]
        (1.0, True)
    """
    extra = dict.fromkeys(POSTERIOR_COLUMNS, math.nan)
    extra["n_draws"] = 0
    if not target.modelled or any(v is None for v in per_draw):
        return {**_row(target, None, NOT_MODELLED), **extra}
    x = np.stack([np.asarray(v, float) for v in per_draw])
    x = x[np.isfinite(x).all(axis=1)]
    row = _row(target, None, FAIL, placebo=placebo)
    if len(x) == 0:
        return {**row, **extra}
    c = combine(x)
    passing = [target.passes(*t_interval(v)) for v in x]
    status = PASS if target.passes(c["effect"], c["low"], c["high"]) else FAIL
    row.update(
        mean=c["effect"],
        ci_low=c["low"],
        ci_high=c["high"],
        n_seeds=x.shape[1],
        status=status,
        counts=bool(target.observed and row["discriminates"] is True),
    )
    extra.update(
        seed_low=c["seed_low"],
        seed_high=c["seed_high"],
        parameter_share=c["parameter_share"],
        share_draws_pass=float(np.mean(passing)),
        n_draws=len(x),
    )
    return {**row, **extra}


def run_cases(
    cases: Sequence[CaseTargets],
    seeds: Sequence[int],
    *,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    desc: str = "validate",
    placebos: Sequence[Sequence[ValueChainScenario]] | None = None,
    placebo_seeds: Sequence[int] = (),
) -> pd.DataFrame:
    """Run read and checked cases on ``seeds`` and return one row per target.

    All cases' runs go to one engine at once, so a batch of variants of a case (the power
    check's wrong models, :mod:`sim.validation.power`) keeps every worker busy. A run that
    several cases or placebos need (same scenario, seed and months) is made once.

    Args:
        cases: The cases' targets (possibly variants with changed scenarios and arms).
        seeds: The seeds, already checked.
        workers: Worker processes (default: one per core).
        engine: ``local``, ``dask`` or ``None`` (:func:`sim.engines.choose_engine`).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.
        desc: What the progress line calls the work.
        placebos: Per case (in order), its placebo scenarios (:func:`placebo_scenarios`);
            None: no placebo (``discriminates`` is empty and nothing counts).
        placebo_seeds: The seeds each placebo runs on, already checked.

    Returns:
        One row per target and case, in order (columns :data:`COLUMNS`); ``attrs`` holds
        only ``runs``, the number of model runs made.
    """
    values, n_runs = case_values(
        cases,
        seeds,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
        desc=desc,
        placebos=placebos,
        placebo_seeds=placebo_seeds,
    )
    rows = []
    for per_case in values:
        for target, numbers, on_placebos in per_case:
            if numbers is None:
                rows.append(_row(target, None, NOT_MODELLED))
            else:
                rows.append(_row(target, numbers, placebo=on_placebos))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs = {"runs": n_runs}
    return table


#: One target's numbers from :func:`case_values`: the target, one number per seed (None when
#: it is not yet modelled), and its placebos' numbers (scenario -> mean over the placebo seeds).
TargetValues = tuple[Target, np.ndarray | None, dict[str, float]]


def case_values(
    cases: Sequence[CaseTargets],
    seeds: Sequence[int],
    *,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    desc: str = "validate",
    placebos: Sequence[Sequence[ValueChainScenario] | None] | None = None,
    placebo_seeds: Sequence[int] = (),
) -> tuple[list[list[TargetValues]], int]:
    """Run cases on ``seeds`` and return each target's number per seed (see :func:`run_cases`).

    Returns:
        Per case (in order), per target (in order), :data:`TargetValues`; and the number of
        model runs made.
    """
    cases = list(cases)
    seed_list, p_seeds = tuple(seeds), tuple(placebo_seeds)
    chosen_placebos = [()] * len(cases) if placebos is None else [p or () for p in placebos]
    if len(chosen_placebos) != len(cases):
        raise ValueError("run_cases: one list of placebos per case is needed")
    modelled = [tuple(t for t in ct.targets if t.modelled) for ct in cases]
    runs = _Runs(source_columns(t.metric for ts in modelled for t in ts))
    main: list[dict[str, list[int]]] = []
    placebo: list[dict[str, dict[str, list[int]]]] = []
    for ct, mine, scs in zip(cases, modelled, chosen_placebos, strict=True):
        arms = ct.needed_arms(mine)
        main.append(
            {
                arm: runs.add(ct.arm_scenario(arm), ct.scenario.name, seed_list, ct.steps)
                for arm in arms
            }
        )
        placebo.append(
            {
                sc.name: {
                    arm: runs.add(_arm_of(ct, sc, arm), sc.name, p_seeds, ct.steps) for arm in arms
                }
                for sc in scs
            }
            if p_seeds
            else {}
        )
    results: list[np.ndarray] = []
    if runs.tasks:
        with (
            make_engine(
                engine, workers=workers, scheduler=scheduler, n_tasks=len(runs.tasks)
            ) as eng,
            Progress(len(runs.tasks), enabled=progress, desc=desc) as bar,
        ):
            for result in eng.map(run_columns, runs.tasks):
                results.append(result)
                bar.update()

    def series(indices: Mapping[str, list[int]]) -> dict[str, Callable[[str], np.ndarray]]:
        return {
            arm: _column_getter(np.stack([results[i] for i in idx]), runs.columns)
            for arm, idx in indices.items()
        }

    out: list[list[TargetValues]] = []
    for ct, case_runs, placebo_runs in zip(cases, main, placebo, strict=True):
        case_series = series(case_runs)
        placebo_series = {name: series(idx) for name, idx in placebo_runs.items()}
        per_case: list[TargetValues] = []
        for target in ct.targets:
            if not target.modelled:
                per_case.append((target, None, {}))
                continue
            on_placebos = {
                name: _seed_mean(per_seed(target, s)) for name, s in placebo_series.items()
            }
            per_case.append((target, per_seed(target, case_series), on_placebos))
        out.append(per_case)
    return out, len(runs.tasks)


def _seed_mean(values: np.ndarray) -> float:
    """The mean over seeds of a target's numbers (NaN when no seed gives one)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def _column_getter(data: np.ndarray, columns: tuple[str, ...]) -> Callable[[str], np.ndarray]:
    def get(metric: str) -> np.ndarray:
        return derive(metric, lambda c: data[:, :, columns.index(c)])

    return get
