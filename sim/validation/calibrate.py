"""Calibration: fitting free parameters of a case to its documented targets with ABC-SMC.

The model is a stochastic simulator with no likelihood, so the fit is approximate Bayesian
computation by sequential Monte Carlo (pyABC's ``ABCSMC``, the optional ``calibrate`` extra).
Each evaluation draws free parameters from the current proposal, runs the case (and any arm a
target compares with) on one fresh seed, and computes every sourced, modelled target's number
as :func:`~sim.validation.validate.validate` does. The distance of an evaluation is the root
of the summed squares of each target's *violation* (how far the number lies outside the
target's bounds, in units of the interval's width, or of the bound's size for a one-sided
target), so every evaluation inside all the intervals has distance 0: the targets are
intervals, and the posterior is the distribution of parameters whose runs land inside them.

Parameters are given by a spec (a TOML file or ``name=low:high,...``). A free parameter is a
scenario *lever* (``kind = "lever"``, the default) or a calibration *constant*
(``kind = "constant"``, :mod:`sim.constants`; one element of a vector as
``base_cost.process``); a constant's bounds default to its allowed range. Whole-number
constants are not fitted (ABC-SMC samples real numbers): set them in ``[fixed]``.

**Honest output.** A posterior that has barely moved from the prior says the targets do not
constrain a parameter: its posterior sd is above :data:`UNMOVED_SD_RATIO` of the prior's, or
the last generation accepted more than :data:`UNMOVED_ACCEPTANCE` of its draws at epsilon 0
(nearly every draw meets every target). The summary and the command then warn "the targets do
not constrain these parameters", and the calibrated scenario keeps the case's own (sourced)
value of such a parameter instead of writing the posterior mean (about the prior's mean) as
"calibrated".

A calibration keeps its state in ``OUT/abc.db`` (pyABC's SQLite history) and
``OUT/manifest.json``; running the same command again resumes from the last finished
generation. Results (posterior sample, calibrated scenario, summary) are written once the run
has finished, each file atomically.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.checks import check_whole_number
from sim.engines import check_workers, choose_engine, make_engine, run_columns
from sim.errors import import_extra
from sim.io import atomic_write, stable_hash, write_table
from sim.metrics import derive, source_columns
from sim.provenance import provenance
from sim.scenario import FIELDS, ValueChainScenario
from sim.validation.parameters import (
    CalibrationError,
    CalibrationSpec,
    read_parameters,
)
from sim.validation.targets import CaseTargets, Target, read_targets, targets_provenance
from sim.validation.validate import per_seed

#: Smallest scale of a one-sided target's violation (shares, differences near 0).
MIN_SCALE = 0.05
#: A parameter's posterior has not moved when its sd is above this share of the prior's sd.
UNMOVED_SD_RATIO = 0.9
#: ... and no parameter's has when the last generation, at epsilon 0, accepted more than this
#: share of its draws.
UNMOVED_ACCEPTANCE = 0.5
#: The warning for parameters whose posterior did not move.
UNCONSTRAINED = "the targets do not constrain these parameters"
STATE_FORMAT = "mse-sim-calibration/1"


def _require_pyabc():
    return import_extra("pyabc", "calibrate", "calibration")


def fit_targets(ct: CaseTargets) -> tuple[Target, ...]:
    """Return the targets a calibration fits: observations and directions the model reports.

    Face checks (the briefing paper's own lessons) are not fitted: a model made to restate
    the paper would not be checked against anything else.
    """
    return tuple(t for t in ct.targets if t.beyond_paper and t.modelled)


def violation(target: Target, value: float) -> float:
    """Return how far ``value`` lies outside the target, in units of the target's scale."""
    if not math.isfinite(value):
        return 10.0  # a run with no number (a ratio over zero) is far from every target
    if target.contains(value):
        return 0.0
    if math.isfinite(target.low) and math.isfinite(target.high) and target.high > target.low:
        scale = target.high - target.low
    else:
        bound = target.low if math.isfinite(target.low) else target.high
        scale = max(abs(bound), MIN_SCALE)
    gap = target.low - value if value < target.low else value - target.high
    return float(gap / scale)


def interval_distance(
    x: Mapping[str, float], x0: Mapping[str, float] | None = None, targets: Sequence[Target] = ()
) -> float:
    """Return the root summed square of the targets' violations (0: inside every interval)."""
    return float(math.sqrt(sum(violation(t, float(x[t.id])) ** 2 for t in targets)))


class _Distance:
    """The interval distance for pyABC (a picklable callable)."""

    def __init__(self, targets: Sequence[Target]):
        self.targets = tuple(targets)

    def __call__(self, x, x0):
        return interval_distance(x, x0, self.targets)


class CaseSimulator:
    """Run a case at given free-parameter values and return each target's number.

    A picklable callable: pyABC sends it to worker processes. Each call runs every arm the
    targets need on one seed, the same for all arms (a paired before/after).

    Args:
        ct: The case's targets.
        targets: The targets to compute.
        fixed: Scenario fields set first.
    """

    def __init__(
        self, ct: CaseTargets, targets: Sequence[Target], fixed: Mapping[str, Any] | None = None
    ):
        self.ct = ct
        self.targets = tuple(targets)
        self.fixed = dict(fixed or {})
        self.arms = ct.needed_arms(self.targets)
        self.columns = source_columns(t.metric for t in self.targets)

    def runs_per_evaluation(self) -> int:
        """Model runs one evaluation makes (one per arm)."""
        return len(self.arms)

    def scenario(self, params: Mapping[str, float], arm: str = "case") -> ValueChainScenario:
        """Return the scenario of ``arm`` at ``params`` (arms' own changes win)."""
        base = self.ct.scenario.replace(**self.fixed, **{k: float(v) for k, v in params.items()})
        if arm == "case":
            return base
        return base.replace(**dict(self.ct.arms[arm].changes))

    def statistics(self, params: Mapping[str, float], seed: int) -> dict[str, float]:
        """Return target id -> number for one seed."""
        raw = {}
        for arm in self.arms:
            s = self.scenario(params, arm)
            data = run_columns((s.to_record(), int(seed), self.ct.steps, self.columns))[None]
            raw[arm] = (lambda d: lambda m: derive(m, lambda c: d[:, :, self.columns.index(c)]))(
                data
            )
        return {t.id: float(per_seed(t, raw)[0]) for t in self.targets}

    def __call__(self, params: Mapping[str, float]) -> dict[str, float]:
        """Return target id -> number for ``params`` on a seed drawn for this evaluation."""
        # pyABC draws its particles from numpy's global generator (seeded by the spec, or per
        # worker process by its samplers), so the model's seed is drawn from the same one.
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
        return self.statistics({k: params[k] for k in params}, seed)


@dataclass
class CalibrationResult:
    """What a calibration returns.

    Attributes:
        case: Case name.
        spec: The parameter spec.
        targets: The fitted targets.
        posterior: The last generation's particles: one column per parameter and ``weight``.
        scenario: The calibrated scenario (posterior weighted means of the free parameters).
        predictive: Target id -> numbers of posterior-predictive runs.
        predictive_params: The parameter draws of those runs.
        summary: Provenance and statistics (JSON-able).
    """

    case: str
    spec: CalibrationSpec
    targets: tuple[Target, ...]
    posterior: pd.DataFrame
    scenario: ValueChainScenario
    predictive: dict[str, np.ndarray]
    predictive_params: pd.DataFrame
    summary: dict[str, Any]


def _targets_record(ct: CaseTargets) -> dict[str, Any]:
    """The targets' version and hash, under keys that leave the fitted ``targets`` list be."""
    record = targets_provenance([ct])
    return {"targets_hash": record["targets_hash"], "targets_versions": record["targets"]}


def _manifest(
    ct: CaseTargets, spec: CalibrationSpec, targets: Sequence[Target], budget: int
) -> dict[str, Any]:
    body = {
        "case": ct.case,
        "scenario": ct.scenario.to_record(),
        "steps": ct.steps,
        "spec": spec.to_json(),
        "budget": budget,
        "targets": [
            {
                "id": t.id,
                "metric": t.metric,
                "statistic": t.statistic,
                "against": t.against,
                "window": list(t.window),
                "low": t.low if math.isfinite(t.low) else None,
                "high": t.high if math.isfinite(t.high) else None,
            }
            for t in targets
        ],
        "arms": {a.name: dict(a.changes) for a in ct.arms.values()},
        **_targets_record(ct),
    }
    return {"format": STATE_FORMAT, "fingerprint": stable_hash(body, 32), **body}


def resumes(out: Path, manifest: Mapping[str, Any], resume: bool, differs: str) -> bool:
    """Whether a calibration in ``out`` goes on from its stored generations.

    It does when ``resume`` is set and ``out`` holds a pyABC history of the same calibration
    (the same manifest fingerprint). A different calibration there is refused when resuming;
    without ``resume`` its history is deleted and the calibration starts over.

    Args:
        out: The calibration's folder (``abc.db`` and ``manifest.json``).
        manifest: This calibration's manifest, with its ``fingerprint``.
        resume: Whether to go on from a stored calibration.
        differs: What makes calibrations differ, named in the error.

    Raises:
        CalibrationError: ``out`` holds a different calibration and ``resume`` is set.
    """
    db_path, manifest_path = out / "abc.db", out / "manifest.json"
    if not (manifest_path.is_file() or db_path.exists()):
        return False
    old = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
    if resume and old.get("fingerprint") == manifest["fingerprint"] and db_path.is_file():
        return True
    if resume:
        raise CalibrationError(
            f"--out: '{out}' holds a different calibration ({differs}); give another folder, "
            "or --no-resume to start over"
        )
    db_path.unlink(missing_ok=True)
    return False


def abc_smc(pyabc, simulator, distance, spec: CalibrationSpec, engine, workers: int, progress):
    """PyABC's ABC-SMC over uniform priors on the spec's free parameters, seeded by the spec.

    It runs on the engine's workers (one process when ``engine`` is None) and reports its
    generations when ``progress`` is set (pyABC's other loggers stay at warnings).
    """
    prior = pyabc.Distribution(
        **{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in spec.parameters}
    )
    np.random.seed(spec.seed)  # noqa: NPY002 - pyABC samples from the global generator
    abc = pyabc.ABCSMC(
        simulator,
        prior,
        distance,
        population_size=spec.population,
        sampler=_sampler(pyabc, engine, workers),
    )
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    for name in ("Sampler", "Epsilon", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return abc


def _sampler(pyabc, engine, workers: int):
    from pyabc.sampler import (
        ConcurrentFutureSampler,
        DaskDistributedSampler,
        SingleCoreSampler,
    )

    executor = engine.executor() if engine is not None else None
    if executor is None:
        return SingleCoreSampler()
    if engine.kind == "dask":
        return DaskDistributedSampler(dask_client=executor, client_max_jobs=2 * engine.slots)
    return ConcurrentFutureSampler(cfuture_executor=executor, client_max_jobs=2 * workers)


def calibrate(
    case: str | os.PathLike,
    parameters: str | os.PathLike | Mapping[str, Any],
    *,
    budget: int,
    out: str | os.PathLike,
    workers: int | None = 1,
    engine: str | None = None,
    scheduler: Any = None,
    resume: bool = True,
    progress: bool = False,
) -> CalibrationResult:
    """Fit a case's free parameters to its sourced targets with ABC-SMC (pyABC).

    Args:
        case: A case with a targets file, or a path to a targets file.
        parameters: The parameter spec (see :func:`read_parameters`).
        budget: Most model runs (an evaluation runs one model per arm it needs); pyABC checks
            it after each generation, so the last generation may pass it.
        out: Folder of the calibration's state (``abc.db``, ``manifest.json``).
        workers: Worker processes (1: in this process, reproducible with the spec's seed).
        engine: ``local``, ``dask`` or ``None`` (``dask`` if a scheduler is given, else
            ``local``).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        resume: Continue a calibration already in ``out`` (same case, spec, targets, budget).
        progress: Print one line per generation on stderr.

    Returns:
        The :class:`CalibrationResult`.

    Raises:
        UserInputError: Bad case, targets, spec, budget or folder; pyABC missing.
    """
    pyabc = _require_pyabc()
    ct = read_targets(case)
    spec = read_parameters(parameters)
    check_whole_number(budget, "budget", 1, error=CalibrationError)
    targets = fit_targets(ct)
    if not targets:
        raise CalibrationError(f"{ct.case}: no sourced target the model reports, nothing to fit")
    engine = choose_engine(engine, scheduler, workers)
    if engine == "local":
        workers = check_workers(workers)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CalibrationError(f"--out: value '{out}' is a file, not a folder")
    sim = CaseSimulator(ct, targets, spec.fixed)
    sim.scenario({p.name: p.low for p in spec.parameters})  # fail on bad values before runs
    manifest = _manifest(ct, spec, targets, int(budget))
    resuming = resumes(out, manifest, resume, "another case, spec, targets or budget")
    max_evaluations = max(1, int(budget) // sim.runs_per_evaluation())
    started = time.perf_counter()
    eng = None
    if engine == "dask" or (workers or 1) > 1:
        eng = make_engine(engine, workers=workers, scheduler=scheduler)
    try:
        abc = abc_smc(pyabc, sim, _Distance(targets), spec, eng, workers or 1, progress)
        out.mkdir(parents=True, exist_ok=True)
        open_history(abc, out, manifest, resuming, {t.id: _midpoint(t) for t in targets})
        if resuming and finished(abc.history, spec, max_evaluations):
            history = abc.history  # an earlier session already met a stopping rule
        else:
            # pyABC counts max_nr_populations from the last stored generation on: a resumed
            # run asks only for the generations still missing.
            done = abc.history.max_t + 1 if resuming else 0
            history = abc.run(
                minimum_epsilon=0.0,
                max_nr_populations=spec.generations - done,
                min_acceptance_rate=spec.min_acceptance_rate,
                max_total_nr_simulations=max_evaluations,
            )
        wall = time.perf_counter() - started
        result = _collect(pyabc, history, ct, spec, targets, sim, eng, manifest, wall, resuming)
    finally:
        if eng is not None:
            eng.close()
    return result


def open_history(abc, out: Path, manifest: Mapping[str, Any], resuming: bool, observed) -> None:
    """Open ``out/abc.db`` for ``abc``: its stored run when resuming, else a new one.

    A new run writes its manifest first (``out/manifest.json``), so that a later session can
    tell whether the history is this calibration's (:func:`resumes`).
    """
    db = f"sqlite:///{(out / 'abc.db').resolve()}"
    if resuming:
        abc.load(db, 1)
    else:
        with atomic_write(out / "manifest.json", "w") as fh:
            json.dump(manifest, fh, indent=1, sort_keys=True)
        abc.new(db, observed)


def finished(history, spec: CalibrationSpec, max_evaluations: float = math.inf) -> bool:
    """Whether a stored calibration already met one of its stopping rules."""
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    last_eps = float(pops["epsilon"].iloc[-1]) if len(pops) else math.inf
    return (
        history.max_t + 1 >= spec.generations
        or history.total_nr_simulations >= max_evaluations
        or last_eps <= 0.0
    )


def _midpoint(t: Target) -> float:
    if math.isfinite(t.low) and math.isfinite(t.high):
        return (t.low + t.high) / 2
    return t.low if math.isfinite(t.low) else t.high


def _collect(pyabc, history, ct, spec, targets, sim, eng, manifest, wall, resumed):
    df, w = history.get_distribution(m=0, t=history.max_t)
    posterior = df[list(spec.names)].reset_index(drop=True)
    posterior["weight"] = np.asarray(w, float) / np.sum(w)
    means = {n: float(np.average(posterior[n], weights=posterior["weight"])) for n in spec.names}
    sds = {
        n: float(math.sqrt(np.average((posterior[n] - means[n]) ** 2, weights=posterior["weight"])))
        for n in spec.names
    }
    pops = history.get_all_populations()
    movement = posterior_movement(spec, sds, pops)
    moved = {n: means[n] for n in spec.names if movement["moved"][n]}
    # A parameter the targets do not constrain keeps the case's (sourced) value.
    calibrated = sim.scenario(moved).replace(name=f"{ct.scenario.name}-calibrated")
    # Posterior predictive: parameter draws by weight and fresh seeds, both from one generator
    # seeded by the spec, so the check is reproducible.
    rng = np.random.default_rng([spec.seed, 7])
    idx = rng.choice(len(posterior), size=spec.predictive_draws, p=posterior["weight"])
    draws = posterior.iloc[idx][list(spec.names)].reset_index(drop=True)
    seeds = rng.integers(0, 2**31 - 1, size=len(draws))
    tasks = [(dict(draws.iloc[i]), int(seeds[i])) for i in range(len(draws))]
    if eng is not None:
        stats = list(eng.map(_PredictiveRun(sim), tasks))
    else:
        stats = [_PredictiveRun(sim)(task) for task in tasks]
    predictive = {t.id: np.array([s[t.id] for s in stats]) for t in targets}
    summary = {
        "study": "calibration",
        "case": ct.case,
        **provenance(extra=("pyabc",)),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": f"ABC-SMC (pyABC {pyabc.__version__}), uniform priors, interval distance",
        "fingerprint": manifest["fingerprint"],
        "spec": spec.to_json(),
        "budget_runs": manifest["budget"],
        "runs_per_evaluation": sim.runs_per_evaluation(),
        "evaluations": int(history.total_nr_simulations),
        "model_runs": int(history.total_nr_simulations) * sim.runs_per_evaluation()
        + spec.predictive_draws * sim.runs_per_evaluation(),
        "generations": int(history.max_t) + 1,
        # pyABC checks the budget after each generation: all but the last stay within it.
        "evaluations_per_generation": [int(n) for n in pops["samples"].tolist()],
        "epsilons": [float(e) for e in pops["epsilon"].tolist() if math.isfinite(e)],
        "wall_seconds_this_session": round(wall, 1),
        "resumed": resumed,
        "posterior": {
            n: {
                "mean": means[n],
                "sd": sds[n],
                "q05": _wq(posterior[n], posterior["weight"], 0.05),
                "q95": _wq(posterior[n], posterior["weight"], 0.95),
                "prior_mean": movement["prior_mean"][n],
                "prior_sd": movement["prior_sd"][n],
                "sd_ratio": movement["sd_ratio"][n],
                "moved": movement["moved"][n],
            }
            for n in spec.names
        },
        "acceptance_last_generation": movement["acceptance"],
        "epsilon_last_generation": movement["epsilon"],
        "unconstrained": [n for n in spec.names if not movement["moved"][n]],
        "warnings": movement["warnings"],
        "targets": [
            {
                "id": t.id,
                "claim": t.claim,
                "metric": t.metric,
                "statistic": t.statistic,
                "against": t.against,
                "bounds": t.bounds_text(),
                "source": t.source,
                "predictive_share_inside": float(
                    np.mean([t.contains(v) for v in predictive[t.id]])
                ),
            }
            for t in targets
        ],
        "scenario_before": ct.scenario.to_record(),
        "scenario_calibrated": calibrated.to_record(),
        **_targets_record(ct),
    }
    return CalibrationResult(
        ct.case, spec, tuple(targets), posterior, calibrated, predictive, draws, summary
    )


def posterior_movement(
    spec: CalibrationSpec, sds: Mapping[str, float], pops: pd.DataFrame
) -> dict[str, Any]:
    """Say which parameters' posteriors moved from their uniform priors.

    A parameter has *not* moved when its posterior sd is above :data:`UNMOVED_SD_RATIO` of
    its prior's sd, and none has when the last generation, at epsilon 0, accepted more than
    :data:`UNMOVED_ACCEPTANCE` of its draws (nearly every draw met every target).

    Args:
        spec: The calibration's spec (the priors).
        sds: Posterior (weighted) sd per parameter.
        pops: pyABC's ``history.get_all_populations()``.

    Returns:
        ``prior_mean``, ``prior_sd``, ``sd_ratio`` and ``moved`` per parameter, the last
        generation's ``acceptance`` and ``epsilon``, and ``warnings`` (sentences).
    """
    last = pops[pops["t"] >= 0].iloc[-1] if (pops["t"] >= 0).any() else None
    acceptance = (
        float(last["particles"]) / float(last["samples"])
        if last is not None and last["samples"]
        else math.nan
    )
    epsilon = float(last["epsilon"]) if last is not None else math.nan
    everything_passes = epsilon <= 0 and acceptance > UNMOVED_ACCEPTANCE
    prior_mean = {p.name: (p.low + p.high) / 2 for p in spec.parameters}
    prior_sd = {p.name: (p.high - p.low) / math.sqrt(12) for p in spec.parameters}
    ratio = {n: sds[n] / prior_sd[n] for n in spec.names}
    moved = {n: not (everything_passes or ratio[n] > UNMOVED_SD_RATIO) for n in spec.names}
    warnings = []
    unmoved = [n for n in spec.names if not moved[n]]
    if unmoved:
        why = (
            f"the last generation accepted {acceptance:.0%} of its draws at epsilon 0"
            if everything_passes
            else f"posterior sd above {UNMOVED_SD_RATIO:g} of the prior's"
        )
        details = ", ".join(
            f"{n} (sd {sds[n]:.3g} against the prior's {prior_sd[n]:.3g})" for n in unmoved
        )
        warnings.append(
            f"{UNCONSTRAINED}: {details}; {why}. Their values in the calibrated "
            "scenario are the case's own, not the posterior means."
        )
    return {
        "prior_mean": prior_mean,
        "prior_sd": prior_sd,
        "sd_ratio": ratio,
        "moved": moved,
        "acceptance": acceptance,
        "epsilon": epsilon,
        "warnings": warnings,
    }


class _PredictiveRun:
    """One posterior-predictive evaluation: (params, seed) -> target numbers (picklable)."""

    def __init__(self, sim: CaseSimulator):
        self.sim = sim

    def __call__(self, task):
        params, seed = task
        return self.sim.statistics(params, seed)


def _wq(values, weights, q: float) -> float:
    order = np.argsort(np.asarray(values))
    v = np.asarray(values)[order]
    c = np.cumsum(np.asarray(weights)[order])
    return float(v[min(np.searchsorted(c, q * c[-1]), len(v) - 1)])


def scenario_toml(result: CalibrationResult) -> str:
    """Return the calibrated scenario as a scenario file, with provenance in comments."""
    s = result.scenario
    post = result.summary["posterior"]
    unmoved = result.summary.get("unconstrained", [])
    lines = [
        f"# Calibrated {result.case}: mse-sim {result.summary['version']}, "
        f"{result.summary['created']}.",
        f"# ABC-SMC fit of {', '.join(result.spec.names)} to {len(result.targets)} sourced "
        f"targets (targets/{result.case}.toml);",
        "# free parameters whose posterior moved are posterior weighted means; others are "
        "the case's values.",
        *(
            [f"# WARNING: {UNCONSTRAINED} ({', '.join(unmoved)}): kept at the case's values."]
            if unmoved
            else []
        ),
        "",
        f'name = "{s.name}"',
        f'description = "{result.case} calibrated to its targets (posterior means of the '
        f'parameters they constrain; the others as in the case)."',
        "",
        "[parameters]",
    ]

    def origin(name: str, fitted: str | None) -> str:
        """Say where a value in the file comes from: the fit, the spec's [fixed], or the case."""
        if fitted is not None and not post[fitted].get("moved", True):
            p = post[fitted]
            return (
                f"as in {result.case}: not constrained by the targets (posterior mean "
                f"{p['mean']:.4g}, sd {p['sd']:.3g} against the prior's "
                f"{p['prior_sd']:.3g})"
            )
        if fitted is not None:
            p = post[fitted]
            which = "" if fitted == name else f" ({fitted})"
            return (
                f"calibrated{which}: posterior mean (sd {p['sd']:.3g}, 90% "
                f"{p['q05']:.4g} to {p['q95']:.4g})"
            )
        return "fixed for the calibration" if name in result.spec.fixed else f"as in {result.case}"

    constant_lines = []
    for name, value in s.constants.changed().items():
        # A vector constant is fitted one element at a time (``base_cost.process``).
        fitted = next((p for p in post if p == name or p.partition(".")[0] == name), None)
        text = (
            f"[{', '.join(f'{x:.6g}' for x in value)}]"
            if isinstance(value, list)
            else f"{value:.6g}"
            if isinstance(value, float)
            else str(value)
        )
        constant_lines.append(f"{f'{name} = {text}':<28} # {origin(name, fitted)}")
    for name, value in s.params().items():
        text = f"{value:.4f}" if isinstance(value, float) else str(value)
        fitted = name if name in post else None
        lines.append(f"{f'{name} = {text}':<28} # {origin(name, fitted)}")
    shown = {line.split(" ")[0] for line in constant_lines}
    for name in unmoved:  # an unconstrained constant at its default is not in the table
        if name not in post or name in FIELDS or name.partition(".")[0] in shown:
            continue
        constant_lines.append(f"# {name}: {origin(name, name)}")
    if constant_lines:
        lines += ["", "[constants]", *constant_lines]
    return "\n".join(lines) + "\n"


def write_calibration(result: CalibrationResult, out: str | os.PathLike) -> list[Path]:
    """Write the posterior sample, calibrated scenario, predictive sample and summary."""
    out = Path(out)
    written = []
    post = result.posterior.copy()
    post.attrs = {
        "case": result.case,
        "fingerprint": result.summary["fingerprint"],
        **{k: result.summary[k] for k in ("version", "code", "versions") if k in result.summary},
        "unconstrained": result.summary.get("unconstrained", []),
    }
    written.append(write_table(post, out / "posterior.csv"))
    pred = result.predictive_params.copy()
    for tid, values in result.predictive.items():
        pred[f"target:{tid}"] = values
    pred.attrs = dict(post.attrs)
    written.append(write_table(pred, out / "predictive.csv"))
    path = out / f"{result.case}-calibrated.toml"
    with atomic_write(path, "w") as fh:
        fh.write(scenario_toml(result))
    written.append(path)
    path = out / "summary.json"
    with atomic_write(path, "w") as fh:
        json.dump(result.summary, fh, indent=1, default=float)
    written.append(path)
    return written
