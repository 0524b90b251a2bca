"""The seven guidelines for practitioners as paired experiments: baseline vs intervention arm.

Dunn et al. (2006) close with seven guidelines for practitioners. Each one is an *experiment*
here: a scenario is run twice per seed, once as it is (the baseline arm) and once with the
guideline applied (the intervention arm). Both arms use the same seeds (common random numbers),
so the per-seed difference removes most of the between-seed noise, and the effect of the
guideline is the mean of those differences with a paired-t 95% confidence interval.

The guidelines themselves -- title, verbatim text from the paper, the levers each one moves,
the metrics it is about and the direction the paper implies -- are data, in
``experiments/guidelines.toml``, read once into :data:`GUIDELINES`. The app, the report and the
tests all use that one definition.

An *outcome* is the mean of a metric over the last :data:`OUTCOME_WINDOW` months of a run: the
state the chain settles into, averaged over a year so that monthly price shocks do not decide
the answer.

Example:
    >>> from sim import experiments
    >>> result = experiments.run("g4", scenario="baseline", seeds=20)   # doctest: +SKIP
    >>> result.effects                                                    # doctest: +SKIP
    >>> for sentence in result.sentences():                               # doctest: +SKIP
    ...     print(sentence)
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import sys
import threading
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserInputError
from sim.scenario import LEVERS, ValueChainScenario, coerce_scenario

#: Seeds per arm when none are given: enough for a stable paired-t interval.
DEFAULT_SEEDS = 20
#: Months simulated per run (ten years).
DEFAULT_STEPS = 120
#: An outcome is the mean over the last this-many months of a run.
OUTCOME_WINDOW = 12
#: Confidence level of every interval.
CONFIDENCE = 0.95

#: Plain-words label and kind of each metric the experiments report. ``share`` metrics are
#: fractions reported in percentage points; ``level`` metrics are reported as a change in
#: percent of the baseline value.
METRIC_WORDS: dict[str, tuple[str, str]] = {
    "share_process": ("process upgrading", "share"),
    "share_product": ("product upgrading", "share"),
    "share_functional": ("functional upgrading", "share"),
    "share_channel": ("channel upgrading", "share"),
    "share_intersectoral": ("intersectoral upgrading", "share"),
    "share_upgraded": ("upgrading of any kind", "share"),
    "share_upgraded_excluded": ("upgrading in the excluded group", "share"),
    "share_upgraded_included": ("upgrading in the included group", "share"),
    "upgrading_gap": ("the upgrading gap between included and excluded MSEs", "share"),
    "premium_share_mse": ("MSEs' share of the quality premium", "share"),
    "share_in_groups": ("membership of producer groups", "share"),
    "share_linked_lead_firm": ("links to lead firms", "share"),
    "share_in_distress": ("the share of MSEs in distress", "share"),
    "mean_income": ("mean income", "level"),
    "income_volatility": ("income volatility", "level"),
    "mean_group_size": ("mean group size", "level"),
    "n_groups": ("the number of groups", "level"),
    "mean_quality": ("mean quality", "level"),
    "mean_unit_cost": ("mean unit cost", "level"),
    "gini_income": ("income inequality (Gini)", "level"),
}

#: Metrics computed from the model's columns after a run: name -> (source columns, function).
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    # Positive when included MSEs upgrade more than excluded ones; guideline 5 should shrink it.
    "upgrading_gap": (("share_upgraded_included", "share_upgraded_excluded"),
                      lambda included, excluded: included - excluded),
}


def guidelines_path() -> Path:
    """Return the guideline definitions file (``$MSE_SIM_GUIDELINES`` overrides it)."""
    env = os.environ.get("MSE_SIM_GUIDELINES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "experiments" / "guidelines.toml"


# --------------------------------------------------------------------------------------------
# Guideline definitions
# --------------------------------------------------------------------------------------------

_OPS = ("add", "set", "at_least", "at_most")


@dataclass(frozen=True)
class Change:
    """One lever change of an experiment arm, relative to the scenario it is applied to.

    Attributes:
        lever: Scenario lever (a float field in [0, 1]).
        op: ``add`` (clipped to [0, 1]), ``set``, ``at_least`` or ``at_most``.
        value: The operand.
    """

    lever: str
    op: str
    value: float

    def apply(self, current: float) -> float:
        """Return the lever's new value given its current value."""
        if self.op == "add":
            new = current + self.value
        elif self.op == "set":
            new = self.value
        elif self.op == "at_least":
            new = max(current, self.value)
        else:
            new = min(current, self.value)
        # Rounding keeps 0.2 + 0.4 from printing as 0.6000000000000001 in reports.
        return round(min(1.0, max(0.0, new)), 10)

    def describe(self) -> str:
        """Describe the change in words, e.g. ``credit access +0.4``."""
        label = self.lever.replace("_", " ")
        if self.op == "add":
            return f"{label} {self.value:+.2g}"
        if self.op == "set":
            return f"{label} set to {self.value:g}"
        return f"{label} {self.op.replace('_', ' ')} {self.value:g}"


@dataclass(frozen=True)
class Guideline:
    """A guideline for practitioners from the paper, as an experiment.

    Attributes:
        id: ``g1`` .. ``g7``.
        number: The guideline's number in the paper.
        title: The guideline's title, verbatim.
        action: Plain-words subject for effect sentences ("More investment credit").
        why: How the intervention works in the model, one sentence.
        seed_text: The guideline's paragraph from the paper, verbatim.
        comparison: Changes applied to both arms (usually none).
        intervention: Changes applied to the intervention arm only.
        key_metrics: The metrics the guideline is about (plotted and tested).
        also_report: Further metrics in the effect table.
        expect: Direction the paper implies for key metrics: metric -> ``up`` or ``down``.
    """

    id: str
    number: int
    title: str
    action: str
    why: str
    seed_text: str
    comparison: tuple[Change, ...]
    intervention: tuple[Change, ...]
    key_metrics: tuple[str, ...]
    also_report: tuple[str, ...] = ()
    expect: Mapping[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> tuple[str, ...]:
        """Key metrics first, then the others, without repeats."""
        return tuple(dict.fromkeys(self.key_metrics + self.also_report))

    @property
    def levers(self) -> tuple[str, ...]:
        """The levers the intervention arm moves."""
        return tuple(c.lever for c in self.intervention)

    def arms(self, scenario: ValueChainScenario) -> tuple[ValueChainScenario, ValueChainScenario]:
        """Return the (baseline, intervention) scenarios of this experiment on ``scenario``."""
        base = _apply(scenario, self.comparison)
        return base, _apply(base, self.intervention)

    def intervention_values(self, scenario: ValueChainScenario) -> dict[str, float]:
        """Return the levers the intervention sets, with their values on ``scenario``."""
        base = _apply(scenario, self.comparison)
        return {c.lever: c.apply(getattr(base, c.lever)) for c in self.intervention}

    def describe_changes(self, scenario: ValueChainScenario) -> str:
        """Describe both arms on ``scenario``, e.g. ``credit access 0.20 -> 0.60``."""
        base, new = self.arms(scenario)
        parts = [
            f"{c.lever.replace('_', ' ')} {getattr(base, c.lever):.2f} → "
            f"{getattr(new, c.lever):.2f}"
            for c in self.intervention
        ]
        text = ", ".join(parts)
        if self.comparison:
            both = ", ".join(
                f"{c.lever.replace('_', ' ')} {getattr(base, c.lever):.2f}" for c in self.comparison
            )
            text += f" (both arms start from {both})"
        return text


def _apply(scenario: ValueChainScenario, changes: Iterable[Change]) -> ValueChainScenario:
    updates = {c.lever: c.apply(getattr(scenario, c.lever)) for c in changes}
    return scenario.replace(**updates) if updates else scenario


def _parse_changes(table: Any, where: str) -> tuple[Change, ...]:
    if not isinstance(table, Mapping):
        raise UserInputError(f"{where} must be a table of lever = {{ op = value }}")
    out = []
    for lever, spec in table.items():
        if lever not in LEVERS:
            raise UserInputError(
                f"{where}: lever {lever!r} is not known (allowed: {', '.join(LEVERS)})"
            )
        if not isinstance(spec, Mapping) or len(spec) != 1:
            raise UserInputError(
                f"{where}.{lever}: value {spec!r} must hold exactly one of {', '.join(_OPS)}"
            )
        ((op, value),) = spec.items()
        if op not in _OPS:
            raise UserInputError(
                f"{where}.{lever}: operation {op!r} is not known (allowed: {', '.join(_OPS)})"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            -1.0 <= value <= 1.0
        ):
            raise UserInputError(
                f"{where}.{lever}.{op}: value {value!r} is not a number from -1 to 1"
            )
        out.append(Change(lever, op, float(value)))
    return tuple(out)


def load_guidelines(path: str | os.PathLike | None = None) -> dict[str, Guideline]:
    """Read and check guideline definitions.

    Args:
        path: A TOML file in the format of ``experiments/guidelines.toml`` (default: that file).

    Returns:
        Guidelines by id, in file order.

    Raises:
        UserInputError: Unreadable file, unknown lever, operation, metric or direction.
    """
    path = Path(path) if path is not None else guidelines_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserInputError(f"cannot read guideline definitions {path}: {exc}") from None
    known_keys = {"number", "title", "action", "why", "seed_text", "comparison", "intervention",
                  "key_metrics", "also_report", "expect"}
    out: dict[str, Guideline] = {}
    for gid, spec in data.items():
        where = f"{path}: [{gid}]"
        if not isinstance(spec, Mapping):
            raise UserInputError(f"{where} must be a table")
        unknown = set(spec) - known_keys
        if unknown:
            raise UserInputError(
                f"{where}: key {sorted(unknown)[0]!r} is not known "
                f"(allowed: {', '.join(sorted(known_keys))})"
            )
        metrics = [*spec.get("key_metrics", []), *spec.get("also_report", [])]
        for metric in metrics:
            if metric not in METRIC_WORDS:
                raise UserInputError(
                    f"{where}: metric {metric!r} is not known "
                    f"(allowed: {', '.join(METRIC_WORDS)})"
                )
        expect = dict(spec.get("expect", {}))
        for metric, direction in expect.items():
            if metric not in metrics or direction not in ("up", "down"):
                raise UserInputError(
                    f"{where}.expect: {metric} = {direction!r} must name a reported metric "
                    "and be 'up' or 'down'"
                )
        if not spec.get("key_metrics"):
            raise UserInputError(f"{where}: key_metrics must name at least one metric")
        out[gid] = Guideline(
            id=gid,
            number=int(spec.get("number", len(out) + 1)),
            title=str(spec.get("title", gid)),
            action=str(spec.get("action", gid)),
            why=" ".join(str(spec.get("why", "")).split()),
            seed_text=" ".join(str(spec.get("seed_text", "")).split()),
            comparison=_parse_changes(spec.get("comparison", {}), f"{where}.comparison"),
            intervention=_parse_changes(spec.get("intervention", {}), f"{where}.intervention"),
            key_metrics=tuple(spec["key_metrics"]),
            also_report=tuple(spec.get("also_report", ())),
            expect=expect,
        )
    return out


#: The seven guidelines, by id (``g1`` .. ``g7``): the one definition the CLI, report, app and
#: tests share.
GUIDELINES: dict[str, Guideline] = load_guidelines()


def get_guideline(guideline: str | Guideline) -> Guideline:
    """Return a guideline by id (``g1`` .. ``g7``), or the guideline itself.

    Raises:
        UserInputError: Unknown id.
    """
    if isinstance(guideline, Guideline):
        return guideline
    key = str(guideline).strip().lower()
    if key not in GUIDELINES:
        raise UserInputError(
            f"guideline: value {guideline!r} is not known (allowed: {', '.join(GUIDELINES)})"
        )
    return GUIDELINES[key]


# --------------------------------------------------------------------------------------------
# Running the arms
# --------------------------------------------------------------------------------------------


def _check_seeds(seeds: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(seeds, bool):
        raise UserInputError(f"seeds: value {seeds!r} is not a whole number of 2 or more")
    if isinstance(seeds, int | np.integer):
        if seeds < 2:
            raise UserInputError(
                f"seeds: value {seeds} is not allowed (a confidence interval needs a whole "
                "number of 2 or more)"
            )
        return tuple(range(int(seeds)))
    try:
        out = tuple(int(s) for s in seeds)
    except (TypeError, ValueError):
        raise UserInputError(
            f"seeds: value {seeds!r} is not a count or a list of whole numbers"
        ) from None
    if len(set(out)) < 2 or len(set(out)) != len(out) or min(out) < 0:
        raise UserInputError(
            f"seeds: value {list(out)!r} is not allowed (2 or more distinct seeds, each 0 or more)"
        )
    return out


def _check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise UserInputError(f"steps: value {steps!r} is not allowed (a whole number, 1 or more)")
    return int(steps)


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise UserInputError(
            f"workers: value {workers!r} is not allowed (a whole number, 1 or more)"
        )
    return int(workers)


def _source_columns(metrics: Iterable[str]) -> tuple[str, ...]:
    cols: dict[str, None] = {}
    for metric in metrics:
        for col in DERIVED[metric][0] if metric in DERIVED else (metric,):
            cols[col] = None
    return tuple(cols)


def _simulate(task: tuple[dict[str, Any], int, int, tuple[str, ...]]) -> np.ndarray:
    """Run one model and return the requested columns as a (steps + 1, columns) array.

    A top-level function so worker processes can receive it; the result depends only on the
    task (scenario, seed, steps), never on which worker ran it.
    """
    from sim.model import run as model_run

    record, seed, steps, columns = task
    df = model_run(ValueChainScenario(**record), steps=steps, rng=seed)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RuntimeError(f"the model does not report metric(s) {missing}")
    return df.loc[:, list(columns)].to_numpy(dtype=float)


def _run_tasks(
    tasks: list[tuple[dict[str, Any], int, int, tuple[str, ...]]],
    workers: int,
    progress: bool,
    desc: str,
) -> list[np.ndarray]:
    """Run tasks in order, on ``workers`` processes, with an optional progress bar."""
    from tqdm.auto import tqdm

    results: list[np.ndarray] = []
    if workers <= 1 or len(tasks) < 4:
        with tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress,
                  file=sys.stderr, dynamic_ncols=True) as bar:
            for task in tasks:
                results.append(_simulate(task))
                bar.update()
        return results
    # Fork is fast and works from scripts without a __main__ guard, but forking a process that
    # runs other threads (a notebook, the app) can deadlock, so those get a clean "spawn".
    # The pool starts before the progress bar, whose monitor thread would count as one.
    from tqdm._monitor import TMonitor

    # tqdm's monitor thread outlives its bar; it holds no lock a worker needs, so it is allowed.
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not isinstance(t, TMonitor)]
    method = "fork" if not others and os.name == "posix" else "spawn"
    ctx = multiprocessing.get_context(method)
    # One run per task: a run costs far more than sending it, and the bar moves every run.
    chunk = 1
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as pool:
        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork of a process with OS threads; the only ones here
            # are idle native pools (OpenBLAS) with at-fork handlers. Workers start in map().
            warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                    DeprecationWarning)
            outputs = pool.map(_simulate, tasks, chunksize=chunk)
        with tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress,
                  file=sys.stderr, dynamic_ncols=True) as bar:
            for out in outputs:
                results.append(out)
                bar.update()
    return results


def _scenario_key(scenario: ValueChainScenario) -> tuple:
    return tuple(sorted(scenario.params().items()))


@dataclass
class _Plan:
    """Unique model runs shared by several experiments (e.g. one baseline arm for g1-g6)."""

    seeds: tuple[int, ...]
    steps: int
    columns: tuple[str, ...]
    keys: dict[tuple, int] = field(default_factory=dict)
    scenarios: list[ValueChainScenario] = field(default_factory=list)

    def add(self, scenario: ValueChainScenario) -> int:
        key = _scenario_key(scenario)
        if key not in self.keys:
            self.keys[key] = len(self.scenarios)
            self.scenarios.append(scenario)
        return self.keys[key]

    def execute(self, workers: int, progress: bool, desc: str) -> list[np.ndarray]:
        """Return, per unique scenario, an array (seeds, steps + 1, columns)."""
        tasks = [
            ({"name": s.name, **s.params()}, seed, self.steps, self.columns)
            for s in self.scenarios
            for seed in self.seeds
        ]
        flat = _run_tasks(tasks, workers, progress, desc)
        n = len(self.seeds)
        return [np.stack(flat[i * n:(i + 1) * n]) for i in range(len(self.scenarios))]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _t_crit(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


def paired_effect(baseline: np.ndarray, intervention: np.ndarray) -> tuple[float, float, float]:
    """Return the mean paired difference and its two-sided paired-t confidence interval.

    Args:
        baseline: One outcome per seed, baseline arm.
        intervention: One outcome per seed (same seeds, same order), intervention arm.

    Returns:
        ``(effect, ci_low, ci_high)``. If every difference is equal the interval has width 0.
    """
    d = np.asarray(intervention, float) - np.asarray(baseline, float)
    n = d.size
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = _t_crit(n) * se
    return mean, mean - half, mean + half


def _metric_series(raw: np.ndarray, columns: tuple[str, ...], metric: str) -> np.ndarray:
    """Return (seeds, steps + 1) values of one metric from a raw run array."""
    if metric in DERIVED:
        sources, fn = DERIVED[metric]
        return fn(*(raw[:, :, columns.index(c)] for c in sources))
    return raw[:, :, columns.index(metric)]


@dataclass
class ExperimentResult:
    """The outcome of one paired experiment.

    Attributes:
        guideline: The guideline applied (None for an ad-hoc :func:`compare`).
        scenario: The scenario the experiment was run on.
        baseline_scenario: The baseline arm's scenario.
        intervention_scenario: The intervention arm's scenario.
        seeds: Seeds used by both arms.
        steps: Months simulated per run.
        metrics: Metrics reported, key metrics first.
        series: Per arm (``baseline``, ``intervention``), metric -> array (seeds, steps + 1).
        effects: Effect table: metric, baseline_mean, intervention_mean, effect, ci_low,
            ci_high, n_seeds (outcomes are means over the last :data:`OUTCOME_WINDOW` months).
        version: mse-sim version.
        created: UTC time the result was computed (ISO 8601).
    """

    guideline: Guideline | None
    scenario: ValueChainScenario
    baseline_scenario: ValueChainScenario
    intervention_scenario: ValueChainScenario
    seeds: tuple[int, ...]
    steps: int
    metrics: tuple[str, ...]
    series: dict[str, dict[str, np.ndarray]]
    effects: pd.DataFrame
    version: str
    created: str
    _png: bytes | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The guideline id, or ``custom``."""
        return self.guideline.id if self.guideline else "custom"

    def effect(self, metric: str) -> pd.Series:
        """Return the effect-table row of one metric."""
        return self.effects.set_index("metric").loc[metric]

    def provenance(self) -> dict[str, Any]:
        """Return what is needed to reproduce the result."""
        return {
            "experiment": self.id,
            "scenario": self.scenario.to_record(),
            "baseline_arm": self.baseline_scenario.to_record(),
            "intervention_arm": self.intervention_scenario.to_record(),
            "seeds": list(self.seeds),
            "steps": self.steps,
            "outcome": f"mean over the last {min(OUTCOME_WINDOW, self.steps + 1)} months",
            "confidence": CONFIDENCE,
            "version": self.version,
            "created": self.created,
        }

    def sentences(self, metrics: Iterable[str] | None = None) -> list[str]:
        """Describe the effects in plain words, one sentence per metric.

        Example: "More investment credit raised product upgrading by 14.0 points (95% CI 9.1
        to 18.9)."
        """
        subject = self.guideline.action if self.guideline else "The intervention"
        out = []
        for i, metric in enumerate(metrics or self.metrics):
            row = self.effect(metric)
            out.append(effect_sentence(subject if i == 0 else "It", metric, row))
        return out

    def figure(self):
        """Return a matplotlib Figure: each key metric over time, both arms, 95% bands."""
        from matplotlib.figure import Figure

        keys = self.guideline.key_metrics if self.guideline else self.metrics[:3]
        fig = Figure(figsize=(4.4 * len(keys), 3.6), layout="constrained")
        axes = fig.subplots(1, len(keys), squeeze=False)[0]
        t = _t_crit(len(self.seeds))
        steps = np.arange(self.steps + 1)
        styles = {"baseline": ("#6b6b6b", "baseline"),
                  "intervention": ("#0b6fb8", "with the guideline" if self.guideline
                                   else "intervention")}
        for ax, metric in zip(axes, keys, strict=True):
            label, kind = METRIC_WORDS.get(metric, (metric, "level"))
            scale = 100.0 if kind == "share" else 1.0
            for arm, (color, name) in styles.items():
                values = self.series[arm][metric] * scale
                mean = values.mean(axis=0)
                half = t * values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
                ax.fill_between(steps, mean - half, mean + half, color=color, alpha=0.22,
                                linewidth=0)
                ax.plot(steps, mean, color=color, linewidth=1.8, label=name)
            ax.set_title(label[0].upper() + label[1:], fontsize=10)
            ax.set_xlabel("month")
            ax.set_ylabel("% of MSEs" if kind == "share" else metric.replace("_", " "))
            ax.grid(alpha=0.3)
        axes[0].legend(loc="best", fontsize=8, frameon=False)
        title = (f"G{self.guideline.number}. {self.guideline.title}" if self.guideline
                 else "Intervention vs baseline")
        fig.suptitle(f"{title}\nscenario {self.scenario.name}, {len(self.seeds)} seeds, "
                     f"mean and {CONFIDENCE:.0%} band", fontsize=10)
        return fig

    def png(self) -> bytes:
        """Return the figure as PNG bytes (rendered once)."""
        if self._png is None:
            import io

            buf = io.BytesIO()
            self.figure().savefig(buf, format="png", dpi=110)
            self._png = buf.getvalue()
        return self._png

    def write(self, out_dir: str | os.PathLike) -> list[Path]:
        """Write ``<id>.csv`` (effects, with a provenance sidecar) and ``<id>.png``."""
        from sim.io import atomic_write, write_table

        out_dir = Path(out_dir)
        table = self.effects.copy()
        table.attrs = self.provenance()
        csv = write_table(table, out_dir / f"{self.id}.csv")
        png = out_dir / f"{self.id}.png"
        data = self.png()
        with atomic_write(png) as fh:
            fh.write(data)
        return [csv, png]


def _format_number(value: float, decimals: int = 1) -> str:
    # A true minus sign reads better in reports than a hyphen; "−0.0" reads as a typo.
    text = f"{value:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def effect_sentence(subject: str, metric: str, row: Mapping[str, float]) -> str:
    """Write one effect in plain words.

    Args:
        subject: What changed ("More investment credit").
        metric: Metric name.
        row: ``baseline_mean``, ``effect``, ``ci_low``, ``ci_high``.

    Returns:
        E.g. "More investment credit raised product upgrading by 14.0 points (95% CI 9.1 to
        18.9)." A share metric's effect is in percentage points; a level metric's in percent
        of its baseline value.
    """
    label, kind = METRIC_WORDS.get(metric, (metric.replace("_", " "), "level"))
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    base = row["baseline_mean"]
    if kind == "share":
        scale, unit = 100.0, " points"
    elif abs(base) > 1e-12:
        scale, unit = 100.0 / abs(base), "%"
    else:
        scale, unit = 1.0, ""
    e, lo, hi = effect * scale, low * scale, high * scale
    # Small effects get a second decimal, so that an interval never reads "0.0 to 0.0".
    digits = 2 if max(abs(e), abs(lo), abs(hi)) < 1 else 1

    def fmt(value: float) -> str:
        return _format_number(value, digits)

    ci = f"{CONFIDENCE:.0%} CI {fmt(lo)} to {fmt(hi)}"
    if effect == 0 and low == 0 and high == 0:
        return f"{subject} left {label} unchanged in every seed."
    if lo > 0 or hi < 0:
        if e > 0:
            return f"{subject} raised {label} by {fmt(e)}{unit} ({ci})."
        # "lowered by 5 (CI 3 to 7)" reads better than a CI of negative numbers.
        ci = f"{CONFIDENCE:.0%} CI {fmt(-hi)} to {fmt(-lo)}"
        return f"{subject} lowered {label} by {fmt(-e)}{unit} ({ci})."
    return (f"{subject} had no clear effect on {label} ({fmt(e)}{unit}, {ci}: the "
            "interval includes zero).")


def _result(
    guideline: Guideline | None,
    scenario: ValueChainScenario,
    arms: tuple[ValueChainScenario, ValueChainScenario],
    raw: tuple[np.ndarray, np.ndarray],
    seeds: tuple[int, ...],
    steps: int,
    metrics: tuple[str, ...],
    columns: tuple[str, ...],
    created: str,
) -> ExperimentResult:
    from sim import __version__

    window = min(OUTCOME_WINDOW, steps + 1)
    series: dict[str, dict[str, np.ndarray]] = {"baseline": {}, "intervention": {}}
    rows = []
    for metric in metrics:
        for arm, data in zip(series, raw, strict=True):
            series[arm][metric] = _metric_series(data, columns, metric)
        base = series["baseline"][metric][:, -window:].mean(axis=1)
        new = series["intervention"][metric][:, -window:].mean(axis=1)
        effect, low, high = paired_effect(base, new)
        rows.append({"metric": metric, "baseline_mean": float(base.mean()),
                     "intervention_mean": float(new.mean()), "effect": effect,
                     "ci_low": low, "ci_high": high, "n_seeds": len(seeds)})
    return ExperimentResult(
        guideline=guideline, scenario=scenario, baseline_scenario=arms[0],
        intervention_scenario=arms[1], seeds=seeds, steps=steps, metrics=metrics,
        series=series, effects=pd.DataFrame(rows), version=__version__, created=created,
    )


def run_many(
    guidelines: Iterable[str | Guideline] | None = None,
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = "baseline",
    *,
    seeds: int | Sequence[int] = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
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
        **overrides: Scenario fields to change first (e.g. ``n_mse=400``).

    Returns:
        Results by guideline id.

    Raises:
        UserInputError: Unknown guideline or scenario, fewer than 2 seeds, bad steps or workers.
    """
    chosen = [get_guideline(g) for g in (guidelines if guidelines is not None else GUIDELINES)]
    if not chosen:
        raise UserInputError(f"guidelines: none given (allowed: {', '.join(GUIDELINES)})")
    seed_list = _check_seeds(seeds)
    steps = _check_steps(steps)
    n_workers = _check_workers(workers)
    base = coerce_scenario(scenario, overrides)
    columns = _source_columns(m for g in chosen for m in g.metrics)
    plan = _Plan(seed_list, steps, columns)
    layout = []
    for g in chosen:
        arms = g.arms(base)
        layout.append((g, arms, plan.add(arms[0]), plan.add(arms[1])))
    created = datetime.now(UTC).isoformat(timespec="seconds")
    raw = plan.execute(n_workers, progress, desc=f"{len(chosen)} experiment(s) on {base.name}")
    return {
        g.id: _result(g, base, arms, (raw[i], raw[j]), seed_list, steps, g.metrics, columns,
                      created)
        for g, arms, i, j in layout
    }


def run(
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
        >>> r = run("g4", scenario="kenya-avocados", seeds=20)   # doctest: +SKIP
        >>> r.effect("share_process")["effect"]                    # doctest: +SKIP
    """
    g = get_guideline(guideline)
    return run_many([g], scenario, seeds=seeds, steps=steps, workers=workers,
                    progress=progress, **overrides)[g.id]


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
        metrics: Metrics to report (names in :data:`METRIC_WORDS` or model columns).
        seeds: Number of seeds or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default 1: comparisons are usually small).
        progress: Show a progress bar on stderr.

    Returns:
        The :class:`ExperimentResult` (``guideline`` is None).
    """
    seed_list = _check_seeds(seeds)
    steps = _check_steps(steps)
    n_workers = _check_workers(workers)
    base = coerce_scenario(scenario, comparison)
    new = base.replace(**intervention)
    metrics = tuple(dict.fromkeys(metrics))
    columns = _source_columns(metrics)
    plan = _Plan(seed_list, steps, columns)
    i, j = plan.add(base), plan.add(new)
    raw = plan.execute(n_workers, progress, desc="compare")
    return _result(None, base, (base, new), (raw[i], raw[j]), seed_list, steps, metrics,
                   columns, datetime.now(UTC).isoformat(timespec="seconds"))


@dataclass
class ArmOutcomes:
    """Outcomes of several arms of one scenario on common seeds (see :func:`run_arms`).

    Attributes:
        scenarios: The scenario of each arm, by arm name.
        seeds: Seeds shared by all arms.
        steps: Months per run.
        outcomes: Arm -> metric -> one outcome per seed (mean of the last months).
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
        metrics: Metrics to keep (names in :data:`METRIC_WORDS` or model columns).
        seeds: Number of seeds or an explicit list; at least 2.
        steps: Months per run.
        workers: Worker processes (default: one per CPU). Results do not depend on it.
        progress: Show a progress bar on stderr.

    Returns:
        The :class:`ArmOutcomes`; ``effect(arm, reference, metric)`` pairs two arms.
    """
    seed_list = _check_seeds(seeds)
    steps = _check_steps(steps)
    n_workers = _check_workers(workers)
    base = coerce_scenario(scenario)
    scenarios = {name: base.replace(**changes) if changes else base
                 for name, changes in arms.items()}
    metrics = tuple(dict.fromkeys(metrics))
    columns = _source_columns(metrics)
    plan = _Plan(seed_list, steps, columns)
    index = {name: plan.add(s) for name, s in scenarios.items()}
    raw = plan.execute(n_workers, progress, desc=f"{len(plan.scenarios)} arms of {base.name}")
    window = min(OUTCOME_WINDOW, steps + 1)
    outcomes = {
        name: {m: _metric_series(raw[i], columns, m)[:, -window:].mean(axis=1) for m in metrics}
        for name, i in index.items()
    }
    return ArmOutcomes(scenarios, seed_list, steps, outcomes)


def write_outputs(
    results: Mapping[str, ExperimentResult], out_dir: str | os.PathLike, *, report: bool
) -> list[Path]:
    """Write each result's table and figure, and optionally ``report.html``, into ``out_dir``."""
    written: list[Path] = []
    for result in results.values():
        written += result.write(out_dir)
    if report:
        from sim.report import write_report

        written.append(write_report(results, Path(out_dir) / "report.html"))
    return written


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _cmd_experiment(args: argparse.Namespace) -> int:
    from sim.cli import parse_assignments

    choice = args.guideline.strip().lower()
    if choice != "all" and choice not in GUIDELINES:  # fail on a bad id before any work
        raise UserInputError(
            f"guideline: value {args.guideline!r} is not known "
            f"(allowed: {', '.join(GUIDELINES)}, all)"
        )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out: value '{out}' is a file, not a folder")
    ids = list(GUIDELINES) if choice == "all" else [choice]
    results = run_many(ids, args.scenario, seeds=args.seeds, steps=args.steps,
                       workers=args.workers, progress=not args.quiet,
                       **parse_assignments(args.set))
    # Everything is computed before the first file is written, and each file is written
    # atomically: a failure leaves no half-written report.
    for result in results.values():
        print(f"\n{result.id.upper()}. {result.guideline.title}  "
              f"[{result.guideline.describe_changes(result.scenario)}]")
        for sentence in result.sentences():
            print(f"  - {sentence}")
    print()
    for path in write_outputs(results, out, report=choice == "all"):
        print(f"wrote {path}")
    return 0


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def register_cli(subparsers: Any) -> None:
    """Add the ``experiment`` subcommand to the ``mse-sim`` parser."""
    ids = ", ".join(GUIDELINES)
    p = subparsers.add_parser(
        "experiment",
        help="run a guideline experiment (g1..g7) or all seven with an HTML report",
        description=(
            "Run the scenario with and without a guideline for practitioners, on the same "
            "seeds, and report the effect with 95% confidence intervals. Writes OUT/<id>.csv "
            "and OUT/<id>.png; 'all' also writes OUT/report.html."
        ),
    )
    p.add_argument("guideline", help=f"one of {ids}, or all")
    p.add_argument("--scenario", default="baseline",
                   help="bundled scenario name or path to a .toml file (default: baseline)")
    p.add_argument("--seeds", type=_count, default=DEFAULT_SEEDS,
                   help=f"seeds per arm, at least 2 (default {DEFAULT_SEEDS})")
    p.add_argument("--steps", type=_count, default=DEFAULT_STEPS,
                   help=f"months per run (default {DEFAULT_STEPS})")
    p.add_argument("--workers", type=_count, default=None,
                   help="worker processes (default: one per CPU); results do not depend on it")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario field in both arms; repeatable")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_experiment)


__all__ = [
    "CONFIDENCE",
    "DEFAULT_SEEDS",
    "DEFAULT_STEPS",
    "GUIDELINES",
    "METRIC_WORDS",
    "OUTCOME_WINDOW",
    "Change",
    "ArmOutcomes",
    "ExperimentResult",
    "Guideline",
    "compare",
    "effect_sentence",
    "get_guideline",
    "load_guidelines",
    "paired_effect",
    "run",
    "run_arms",
    "run_many",
    "write_outputs",
]
