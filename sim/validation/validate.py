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

from sim.engines import Progress, check_workers, choose_engine, make_engine, run_columns
from sim.errors import UserInputError
from sim.experiments.stats import check_seeds
from sim.metrics import derive, source_columns
from sim.provenance import provenance
from sim.scenario import ValueChainScenario, list_scenarios, load_scenario
from sim.validation.targets import (
    DIRECTION,
    FACE,
    OBSERVATION,
    CaseTargets,
    Target,
    read_all_targets,
    read_targets,
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
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
    placebos: str | Sequence[str | os.PathLike] | None = "bundled",
    placebo_seeds: int = DEFAULT_PLACEBO_SEEDS,
) -> pd.DataFrame:
    """Run each case (and the arms its targets compare with) and check every target.

    Each target is also checked on its placebos (see the module's docstring), which says
    whether it discriminates.

    Args:
        cases: ``"all"`` (every case with a targets file), a case name, a path to a targets
            file, or a list of them.
        seeds: Number of seeds (``0 .. n-1``) or an explicit list; at least 2.
        workers: Worker processes (default: one per core). Results do not depend on it.
        engine: ``local``, ``dask`` or ``None`` (``dask`` if a scheduler is given, else
            ``local``).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.
        placebos: ``"bundled"`` (every other bundled scenario), a list of scenario names or
            files, or None (no placebo: ``discriminates`` is empty and nothing counts).
        placebo_seeds: How many of the seeds each placebo runs on (the first ones).

    Returns:
        One row per target (columns :data:`COLUMNS`); ``attrs`` hold the provenance, with the
        targets' versions and hashes.

    Raises:
        UserInputError: A bad case, targets file, seed list, worker count, placebo or engine;
            raised before any model runs.

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
    chosen = read_all_targets(cases)
    seed_list = check_seeds(seeds)
    p_seeds = _check_placebo_seeds(placebo_seeds, seed_list)
    if choose_engine(engine, scheduler, workers) == "local":
        check_workers(workers)
    placebo = [placebo_scenarios(ct, placebos) for ct in chosen]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    table = run_cases(
        chosen,
        seed_list,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
        placebos=placebo,
        placebo_seeds=p_seeds,
    )
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
        "created": created,
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
    cases = list(cases)
    seed_list, p_seeds = tuple(seeds), tuple(placebo_seeds)
    chosen_placebos = [()] * len(cases) if placebos is None else list(placebos)
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

    rows = []
    for ct, case_runs, placebo_runs in zip(cases, main, placebo, strict=True):
        case_series = series(case_runs)
        placebo_series = {name: series(idx) for name, idx in placebo_runs.items()}
        for target in ct.targets:
            if not target.modelled:
                rows.append(_row(target, None, NOT_MODELLED))
                continue
            on_placebos = {
                name: _seed_mean(per_seed(target, s)) for name, s in placebo_series.items()
            }
            rows.append(_row(target, per_seed(target, case_series), placebo=on_placebos))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table.attrs = {"runs": len(runs.tasks)}
    return table


def _seed_mean(values: np.ndarray) -> float:
    """The mean over seeds of a target's numbers (NaN when no seed gives one)."""
    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def _column_getter(data: np.ndarray, columns: tuple[str, ...]) -> Callable[[str], np.ndarray]:
    def get(metric: str) -> np.ndarray:
        return derive(metric, lambda c: data[:, :, columns.index(c)])

    return get


def exit_code(table: pd.DataFrame) -> int:
    """Return 0 when every observation in the headline passes, else 1.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS
        >>> table = pd.DataFrame({"status": [PASS, PASS, FAIL], "counts": [True] * 3})
        >>> from sim.validation import exit_code
        >>> exit_code(table), exit_code(table.iloc[:2])   # a counted observation fails: 1
        (1, 0)
    """
    counted = table[table["counts"].astype(bool)]
    return 0 if (counted["status"] == PASS).all() else 1


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    """Count targets by kind and outcome; the headline is ``observations_pass`` of ``N``.

    Keys: ``targets``; ``observations`` (all), ``observations_counted`` (N: modelled and
    discriminating), ``observations_pass`` (K), ``observations_fail``,
    ``observations_uninformative`` (modelled, but pass on most placebos),
    ``observations_unplaced`` (no placebo was run); ``directions``, ``directions_pass``,
    ``directions_discriminate``; the same for ``face``; ``not_yet_modelled``.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS, summary_counts
        >>> table = pd.DataFrame({"kind": ["observation"] * 3, "status": [PASS, PASS, FAIL],
        ...                       "discriminates": [True] * 3, "counts": [True] * 3})
        >>> counts = summary_counts(table)
        >>> counts["observations_pass"], counts["observations_counted"]
        (2, 3)
    """
    kind, status = table["kind"], table["status"]
    disc = table["discriminates"]
    modelled = status.isin([PASS, FAIL])
    counted = table["counts"].astype(bool)
    obs = kind == OBSERVATION
    out = {
        "targets": len(table),
        "observations": int(obs.sum()),
        "observations_counted": int(counted.sum()),
        "observations_pass": int((counted & (status == PASS)).sum()),
        "observations_fail": int((counted & (status == FAIL)).sum()),
        "observations_uninformative": int((obs & modelled & (disc == False)).sum()),  # noqa: E712
        "observations_unplaced": int((obs & modelled & disc.isna()).sum()),
        "not_yet_modelled": int((status == NOT_MODELLED).sum()),
    }
    for name, k in (("directions", DIRECTION), ("face", FACE)):
        rows = (kind == k) & modelled
        out[name] = int(rows.sum())
        out[f"{name}_pass"] = int((rows & (status == PASS)).sum())
        out[f"{name}_discriminate"] = int((rows & (disc == True)).sum())  # noqa: E712
    return out


def headline(table: pd.DataFrame) -> str:
    """Return the validation's headline: "K of N observations pass" and what N leaves out.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS, headline
        >>> table = pd.DataFrame({"kind": ["observation"] * 3, "status": [PASS, PASS, FAIL],
        ...                       "discriminates": [True] * 3, "counts": [True] * 3})
        >>> headline(table).startswith("2 of 3 observations pass")
        True
    """
    c = summary_counts(table)
    text = (
        f"{c['observations_pass']} of {c['observations_counted']} observations pass "
        f"(observations that discriminate: they fail on at least half of their placebos)"
    )
    extra = []
    if c["observations_uninformative"]:
        extra.append(
            f"{c['observations_uninformative']} uninformative observations (pass on "
            "most placebos) not counted"
        )
    if c["observations_unplaced"]:
        extra.append(f"{c['observations_unplaced']} observations without placebo runs not counted")
    if c["not_yet_modelled"]:
        extra.append(f"{c['not_yet_modelled']} targets not yet modelled")
    extra.append(f"directions: {c['directions_pass']} of {c['directions']} pass")
    extra.append(f"face checks: {c['face_pass']} of {c['face']} pass")
    return text + "; " + "; ".join(extra) + "."


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
