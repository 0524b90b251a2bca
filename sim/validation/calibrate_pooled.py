"""One calibration across the cases: the shared constants fitted to every case's observations.

The mechanisms and their constants are the same in every chain; the cases differ by their
levers. :func:`calibrate_pooled` fits the calibration constants of :data:`POOLED_PRIORS` (the
11 that the screening, docs/screening.md, finds move the level of upgrading, the two that
were once tuned by hand, ``process_output_gain`` and ``max_working_loan``, and the four that
set 0.4.0's markets: ``demand_response``, ``entry_rate``, ``offer_step`` and
``switching_cost``) jointly to the
*observation* targets of every case that has them (directions and face checks are not fitted).

* **Priors**: uniform over each constant's default ± 50% inside its declared (allowed) range,
  the screening's ranges, except ``process_output_gain`` (0.025 to 0.15) and
  ``max_working_loan`` (30 to 180), which span the values they were tuned between. (The
  declared ranges themselves are the limits of what the code accepts, e.g. 0 to 100,000 for a
  loan, not plausible values.)
* **Distance**: the root of the summed squared violations of every target of every case, each
  violation in units of the target's band (:func:`sim.validation.calibrate.violation`).
* **Evaluation**: every calibration case (and each arm its targets compare with) run once on
  one fresh seed, at ``n_mse`` MSEs.
* **Method**: ABC-SMC (pyABC) on :mod:`sim.engines`' local workers; ``OUT/abc.db`` and
  ``OUT/manifest.json`` hold the state, so the same command resumes.

Every evaluation is also logged (``OUT/evaluations/*.jsonl``: time, seed, constants, each
case's target numbers), so **leave-one-case-out** (:func:`loco`) is done by ABC rejection on
the same evaluations: of the draws from the prior (the calibration sample and generation 0,
before any proposal has learned from the held-out case), accept those with the smallest
distance over the *other* cases, and judge the held-out case's targets by those runs'
posterior-predictive 90% interval. The in-sample figure uses the same draws accepted by the
distance over *all* cases, so the two pass rates differ only by whether the case was seen.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.checks import check_whole_number
from sim.engines import check_workers, make_engine
from sim.io import atomic_write, stable_hash, write_table
from sim.provenance import provenance
from sim.validation.calibrate import (
    CaseSimulator,
    _require_pyabc,
    abc_smc,
    finished,
    open_history,
    posterior_movement,
    resumes,
    violation,
)
from sim.validation.parameters import CalibrationError, CalibrationSpec, read_parameters
from sim.validation.targets import CaseTargets, Target, read_all_targets, targets_provenance

#: Fitted constants and their uniform priors (low, high). See the module's docstring.
POOLED_PRIORS: dict[str, tuple[float, float]] = {
    "mean_unit_cost": (0.275, 0.825),
    "base_cost.process": (100.0, 300.0),
    "consumption_rate": (0.4, 1.0),
    "price_persistence": (0.425, 0.999),
    "success_base": (0.175, 0.525),
    "max_intermediary_markup": (0.125, 0.375),
    "join_hazard": (0.03, 0.09),
    "base_cost.product": (75.0, 225.0),
    "subsistence": (7.5, 22.5),
    "product_quality_gain": (0.15, 0.45),
    "max_loan": (200.0, 600.0),
    "process_output_gain": (0.025, 0.15),
    "max_working_loan": (30.0, 180.0),
    # The markets of 0.4.0 (sim/demand.py, sim/entry.py, sim/supplier_choice.py): none was in
    # the screenings, which predate them, so each is fitted over its default ± 50%.
    "demand_response": (0.5, 1.5),
    "entry_rate": (0.0075, 0.0225),
    "offer_step": (0.01, 0.03),
    "switching_cost": (0.025, 0.075),
}
#: Defaults of the fit's settings (``mse-sim calibrate --pooled``).
POOLED_DEFAULTS: dict[str, int] = {
    "population": 200,
    "generations": 3,
    "n_mse": 500,
    "abc_seed": 1,
}
#: Share of the prior draws accepted by the leave-one-case-out rejection (at least
#: :data:`LOCO_MIN_ACCEPTED`).
LOCO_ACCEPT_SHARE = 0.1
LOCO_MIN_ACCEPTED = 20
#: The shipped posterior is the latest generation whose importance weights keep an effective
#: sample size (1 / Σ weight², weights summing to 1) of at least this share of the population:
#: a later generation whose weights sit on a handful of particles describes the posterior, and
#: every interval drawn from it, by those few draws. Chosen before any fit was looked at (a
#: common rule of thumb for degenerate importance weights), never by the targets.
MIN_ESS_SHARE = 0.1
#: Central posterior-predictive interval judged for coverage.
LOCO_LEVEL = 0.9
STATE_FORMAT = "mse-sim-pooled-calibration/1"
#: Key of one target's number in an evaluation: ``case/target-id``.
SEP = "/"


def observation_targets(ct: CaseTargets) -> tuple[Target, ...]:
    """Return a case's observation targets that the model reports (what the pooled fit uses)."""
    return tuple(t for t in ct.targets if t.observed and t.modelled)


def pooled_spec(
    *,
    population: int = POOLED_DEFAULTS["population"],
    generations: int = POOLED_DEFAULTS["generations"],
    n_mse: int = POOLED_DEFAULTS["n_mse"],
    abc_seed: int = POOLED_DEFAULTS["abc_seed"],
    priors: Mapping[str, tuple[float, float]] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> CalibrationSpec:
    """Return the pooled fit's spec, checked as any calibration spec is.

    Raises:
        CalibrationError: A bad setting, naming the field, the value and what is allowed.
    """
    for name, value, low in (
        ("--population", population, 2),
        ("--generations", generations, 1),
        ("--n-mse", n_mse, 10),
        ("--abc-seed", abc_seed, 0),
    ):
        check_whole_number(value, name, low, error=CalibrationError)
    chosen = POOLED_PRIORS if priors is None else priors
    return read_parameters(
        {
            "parameters": {
                n: {"low": lo, "high": hi, "kind": "constant"} for n, (lo, hi) in chosen.items()
            },
            "fixed": {"n_mse": int(n_mse), **dict(fixed or {})},
            "abc": {"population": population, "generations": generations, "seed": abc_seed},
        }
    )


class PooledSimulator:
    """Run every calibration case at given constants on one seed; return each target's number.

    A picklable callable (pyABC sends it to worker processes). Keys are ``case/target-id``.
    With ``log_dir``, every evaluation is appended to ``log_dir/<pid>.jsonl``.
    """

    def __init__(
        self,
        cases: Sequence[CaseTargets],
        fixed: Mapping[str, Any],
        log_dir: str | os.PathLike | None = None,
    ):
        self.sims = [CaseSimulator(ct, observation_targets(ct), fixed) for ct in cases]
        self.log_dir = None if log_dir is None else str(log_dir)

    def runs_per_evaluation(self) -> int:
        """Model runs one evaluation makes."""
        return sum(s.runs_per_evaluation() for s in self.sims)

    def statistics(self, params: Mapping[str, float], seed: int) -> dict[str, float]:
        """Return ``case/target-id`` -> number, every case on ``seed``."""
        out = {}
        for s in self.sims:
            for tid, value in s.statistics(params, seed).items():
                out[f"{s.ct.case}{SEP}{tid}"] = value
        return out

    def __call__(self, params: Mapping[str, float]) -> dict[str, float]:
        """One evaluation on a seed drawn from numpy's global generator (pyABC's)."""
        started = time.time()
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
        values = {k: float(params[k]) for k in params}
        stats = self.statistics(values, seed)
        if self.log_dir is not None:
            line = json.dumps({"time": started, "seed": seed, "params": values, "stats": stats})
            with open(Path(self.log_dir) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return stats


def squared_violations(
    cases: Sequence[CaseTargets], stats: Mapping[str, float]
) -> dict[str, float]:
    """Return each case's summed squared violation of its observation targets."""
    return {
        ct.case: sum(
            violation(t, float(stats.get(f"{ct.case}{SEP}{t.id}", math.nan))) ** 2
            for t in observation_targets(ct)
        )
        for ct in cases
    }


class PooledDistance:
    """The pooled distance for pyABC: root of the summed squared violations over all cases."""

    def __init__(self, cases: Sequence[CaseTargets]):
        self.cases = tuple(cases)

    def __call__(self, x, x0):
        """Return the distance of the summary statistics ``x`` (``x0`` is not used)."""
        return float(math.sqrt(sum(squared_violations(self.cases, x).values())))


def calibration_cases(cases: str | Sequence[str] = "all") -> list[CaseTargets]:
    """Return the cases with at least one observation target the model reports."""
    chosen = read_all_targets(cases if isinstance(cases, str) else list(cases))
    return [ct for ct in chosen if observation_targets(ct)]


def synthetic_cases(
    cases: Sequence[CaseTargets],
    truth: Mapping[str, float],
    *,
    n_mse: int,
    seeds: Sequence[int] = (101, 102),
    half_width: float = 0.05,
) -> list[CaseTargets]:
    """Return ``cases`` with targets replaced by the model's own numbers at ``truth``.

    Each target becomes an interval of ± ``half_width`` (at least ± 0.01) around the mean
    over ``seeds`` of its number at the constants ``truth``: data generated by the model at
    known constants, for testing that a fit recovers them.
    """
    out = []
    for ct in cases:
        targets = observation_targets(ct)
        sim = CaseSimulator(ct, targets, {"n_mse": n_mse})
        runs = [sim.statistics(truth, s) for s in seeds]
        new = []
        for t in targets:
            v = float(np.nanmean([r[t.id] for r in runs]))
            w = max(abs(v) * half_width, 0.01)
            new.append(replace(t, low=v - w, high=v + w))
        out.append(replace(ct, targets=tuple(new)))
    return out


def _manifest(cases: Sequence[CaseTargets], spec: CalibrationSpec) -> dict[str, Any]:
    body = {
        "cases": {
            ct.case: {
                "scenario": ct.scenario.to_record(),
                "steps": ct.steps,
                "arms": {a.name: dict(a.changes) for a in ct.arms.values()},
                "targets": {
                    t.id: [
                        t.metric,
                        t.statistic,
                        t.against,
                        list(t.window),
                        str(t.low),
                        str(t.high),
                    ]
                    for t in observation_targets(ct)
                },
            }
            for ct in cases
        },
        # generations is left out: rerunning with more generations continues the fit
        "spec": {k: v for k, v in spec.to_json().items() if k != "generations"},
        **targets_provenance(list(cases)),
    }
    return {"format": STATE_FORMAT, "fingerprint": stable_hash(body, 32), **body}


@dataclass
class PooledResult:
    """What :func:`calibrate_pooled` returns.

    Attributes:
        cases: The calibration cases (with their targets).
        spec: The spec (priors, fixed n_mse, ABC settings).
        posterior: The last generation's particles: one column per constant and ``weight``.
        evaluations: Every logged evaluation: ``time``, ``seed``, the constants, each
            ``case/target`` number, and ``prior_draw`` (drawn from the prior).
        loco: The leave-one-case-out table (:func:`loco`), one row per case and ``all``.
        loco_targets: Its per-target rows.
        provenance: Provenance and settings (JSON-able); ``sim.posterior()``'s ``.attrs``.
    """

    cases: list[CaseTargets]
    spec: CalibrationSpec
    posterior: pd.DataFrame
    evaluations: pd.DataFrame
    loco: pd.DataFrame
    loco_targets: pd.DataFrame
    provenance: dict[str, Any]


def calibrate_pooled(
    cases: str | Sequence[str] | Sequence[CaseTargets] = "all",
    *,
    out: str | os.PathLike,
    population: int = POOLED_DEFAULTS["population"],
    generations: int = POOLED_DEFAULTS["generations"],
    n_mse: int = POOLED_DEFAULTS["n_mse"],
    abc_seed: int = POOLED_DEFAULTS["abc_seed"],
    workers: int | None = 1,
    priors: Mapping[str, tuple[float, float]] | None = None,
    fixed: Mapping[str, Any] | None = None,
    resume: bool = True,
    progress: bool = False,
    fit: bool = True,
) -> PooledResult:
    """Fit the shared constants to every case's observation targets (ABC-SMC), then LOCO.

    Args:
        cases: ``"all"`` (every case with observation targets), case names, or
            :class:`CaseTargets` (e.g. :func:`synthetic_cases`).
        out: Folder of the state (``abc.db``, ``manifest.json``, ``evaluations/``).
        population: Particles per generation.
        generations: Generations in all (a resumed fit runs only the missing ones).
        n_mse: MSEs per run.
        abc_seed: Seed of pyABC's generator (reproducible with one worker).
        workers: Local worker processes.
        priors: Constant -> (low, high); default :data:`POOLED_PRIORS`.
        fixed: Other constants or fields held fixed.
        resume: Continue a fit already in ``out`` (same cases, targets, priors, settings).
        progress: Log pyABC's progress.
        fit: Run the missing generations; ``False`` only collects a fit stopped in ``out``
            (with no finished generation, the posterior is ABC rejection on its prior draws).

    Raises:
        CalibrationError: Bad settings or folder (naming the field, value and what is allowed).
    """
    pyabc = _require_pyabc()
    spec = pooled_spec(
        population=population,
        generations=generations,
        n_mse=n_mse,
        abc_seed=abc_seed,
        priors=priors,
        fixed=fixed,
    )
    workers = check_workers(workers, "--workers")
    if isinstance(cases, str) or (cases and not isinstance(cases[0], CaseTargets)):
        chosen = calibration_cases(cases)  # type: ignore[arg-type]
    else:
        chosen = [ct for ct in cases if observation_targets(ct)]  # type: ignore[union-attr]
    if not chosen:
        raise CalibrationError("cases: none has an observation target the model reports")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CalibrationError(f"--out: value '{out}' is a file, not a folder")
    manifest = _manifest(chosen, spec)
    log_dir = out / "evaluations"
    resuming = resumes(
        out, manifest, resume, "other cases, targets, priors, n_mse, population or seed"
    )
    if not resuming:  # a new calibration's log starts empty
        for f in log_dir.glob("*.jsonl"):
            f.unlink()
    out.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(exist_ok=True)
    sim = PooledSimulator(chosen, spec.fixed, log_dir)
    started = time.perf_counter()
    eng = make_engine("local", workers=workers) if workers > 1 else None
    try:
        abc = abc_smc(pyabc, sim, PooledDistance(chosen), spec, eng, workers, progress)
        open_history(abc, out, manifest, resuming, {})
        if not (fit or resuming):
            raise CalibrationError(f"--out: '{out}' holds no calibration to collect")
        if fit and not (resuming and finished(abc.history, spec)):
            done = abc.history.max_t + 1 if resuming else 0
            abc.run(minimum_epsilon=0.0, max_nr_populations=spec.generations - done)
        history = abc.history
        wall = time.perf_counter() - started
    finally:
        if eng is not None:
            eng.close()
    return _collect(pyabc, history, chosen, spec, sim, manifest, wall, resuming, out)


def read_evaluations(log_dir: str | os.PathLike) -> pd.DataFrame:
    """Read every logged evaluation (one row each, in time order)."""
    rows = []
    for path in sorted(Path(log_dir).glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                try:
                    e = json.loads(line)
                except json.JSONDecodeError:  # a line cut by an interruption
                    continue
                rows.append({"time": e["time"], "seed": e["seed"], **e["params"], **e["stats"]})
    return pd.DataFrame(rows).sort_values("time", kind="stable").reset_index(drop=True)


def effective_size(weights: Sequence[float] | np.ndarray) -> float:
    """Return the effective sample size of importance weights, 1 / Σ w² (w normalised).

    Examples:
        >>> effective_size([1, 1, 1, 1]), effective_size([1, 0, 0, 0])
        (4.0, 1.0)
    """
    w = np.asarray(weights, float)
    w = w / w.sum()
    return float(1.0 / np.sum(w**2))


def shipped_generation(sizes: Sequence[float], population: int) -> int:
    """Return the generation to ship, from each generation's effective sample size.

    The latest whose effective sample size is at least :data:`MIN_ESS_SHARE` of
    ``population``; the last one when none is.

    Examples:
        >>> shipped_generation([200.0, 4.2], 200), shipped_generation([200.0, 61.0], 200)
        (0, 1)
    """
    for t in reversed(range(len(sizes))):
        if sizes[t] >= MIN_ESS_SHARE * population:
            return t
    return len(sizes) - 1


def _collect(pyabc, history, cases, spec, sim, manifest, wall, resumed, out) -> PooledResult:
    names = list(spec.names)
    pops = history.get_all_populations()
    evaluations = read_evaluations(out / "evaluations")
    sizes = [
        effective_size(history.get_distribution(m=0, t=t)[1]) for t in range(history.max_t + 1)
    ]
    shipped: int | None = None
    if history.max_t >= 0:
        shipped = shipped_generation(sizes, spec.population)
        df, w = history.get_distribution(m=0, t=shipped)
        posterior = df[names].reset_index(drop=True)
        posterior["weight"] = np.asarray(w, float) / np.sum(w)
        # Draws from the prior: the calibration sample (t = -1) and generation 0, i.e. every
        # evaluation that started before generation 0 ended (pyABC stores naive local times).
        end = pd.Timestamp(pops.set_index("t")["population_end_time"].loc[0])
        if end.tzinfo is None:
            end = end.tz_localize(datetime.now().astimezone().tzinfo)
        cut = end.timestamp()
        method = (
            f"ABC-SMC (pyABC {pyabc.__version__}), {history.max_t + 1} generation(s) of "
            f"{spec.population}, generation {shipped} shipped (the latest whose effective "
            f"sample size is at least {MIN_ESS_SHARE:.0%} of the population)"
        )
    else:
        # No generation finished (the fit was stopped): every logged evaluation was drawn
        # from the prior, and the posterior is ABC rejection on them.
        cut = math.inf
        distance = PooledDistance(cases)
        d = pd.Series([distance(r, None) for r in evaluations.to_dict("records")])
        best = d.nsmallest(min(spec.population, len(d))).index
        posterior = evaluations.loc[best, names].reset_index(drop=True)
        posterior["weight"] = 1.0 / len(posterior)
        method = (
            f"ABC rejection (no ABC-SMC generation finished): the {len(posterior)} of "
            f"{len(d)} prior draws with the smallest distance (at most {float(d[best].max()):.3g})"
        )
    evaluations["prior_draw"] = evaluations["time"] <= cut
    table, per_target = loco(evaluations[evaluations["prior_draw"]], cases)
    means = {n: float(np.average(posterior[n], weights=posterior["weight"])) for n in names}
    sds = {
        n: float(math.sqrt(np.average((posterior[n] - means[n]) ** 2, weights=posterior["weight"])))
        for n in names
    }
    movement = posterior_movement(spec, sds, pops)
    # A stricter look from the same prior draws: the accepted set of the in-sample LOCO
    # (the best LOCO_ACCEPT_SHARE by distance over all cases).
    prior_rows = evaluations[evaluations["prior_draw"]]
    total = pd.Series(
        [PooledDistance(cases)(r, None) for r in prior_rows.to_dict("records")],
        index=prior_rows.index,
    )
    best = prior_rows.loc[total.nsmallest(int(table.attrs["accepted"])).index]
    strict = {
        n: {
            "mean": float(best[n].mean()),
            "sd_ratio": float(best[n].std(ddof=0)) / movement["prior_sd"][n],
        }
        for n in names
    }
    record = {
        "study": "pooled calibration",
        **provenance(extra=("pyabc",)),
        "model_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": (
            f"{method}, uniform priors, distance = root of summed squared band-scaled "
            "violations of every case's observation targets"
        ),
        "fingerprint": manifest["fingerprint"],
        "cases": [ct.case for ct in cases],
        "targets_hash": manifest["targets_hash"],
        "targets_versions": manifest["targets"],
        "settings": {
            "population": spec.population,
            "generations": spec.generations,
            "n_mse": int(spec.fixed["n_mse"]),
            "abc_seed": spec.seed,
            "priors": {p.name: [p.low, p.high] for p in spec.parameters},
            "runs_per_evaluation": sim.runs_per_evaluation(),
        },
        "evaluations": int(history.total_nr_simulations),
        "evaluations_logged": len(evaluations),
        "model_runs": int(len(evaluations)) * sim.runs_per_evaluation(),
        "generations_done": int(history.max_t) + 1,
        "effective_sample_sizes": [round(x, 1) for x in sizes],
        "shipped_generation": shipped,
        "min_ess_share": MIN_ESS_SHARE,
        "epsilons": [float(e) for e in pops["epsilon"].tolist() if math.isfinite(e)],
        "evaluations_per_generation": [int(n) for n in pops["samples"].tolist()],
        "wall_seconds_this_session": round(wall, 1),
        "resumed": resumed,
        "draws": len(posterior),
        "posterior": {
            n: {
                "mean": means[n],
                "sd": sds[n],
                "prior_sd": movement["prior_sd"][n],
                "sd_ratio": movement["sd_ratio"][n],
                "moved": movement["moved"][n],
            }
            for n in names
        },
        "unconstrained": [n for n in names if not movement["moved"][n]],
        "best_prior_draws": {
            "accepted": int(table.attrs["accepted"]),
            "largest_distance": float(total.nsmallest(int(table.attrs["accepted"])).max()),
            "constants": strict,
        },
        "loco": {
            "prior_draws": int(evaluations["prior_draw"].sum()),
            "accept_share": LOCO_ACCEPT_SHARE,
            "level": LOCO_LEVEL,
        },
    }
    return PooledResult(cases, spec, posterior, evaluations, table, per_target, record)


def _covered(t: Target, lo: float, hi: float) -> bool:
    """Whether the observation lies in [lo, hi].

    A two-sided target's observation is its midpoint; a one-sided target is covered when the
    interval reaches into its bound.
    """
    if math.isfinite(t.low) and math.isfinite(t.high):
        return bool(lo <= (t.low + t.high) / 2 <= hi)
    return bool(hi >= t.low) if math.isfinite(t.low) else bool(lo <= t.high)


def loco(
    evaluations: pd.DataFrame,
    cases: Sequence[CaseTargets],
    accept_share: float = LOCO_ACCEPT_SHARE,
    level: float = LOCO_LEVEL,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave-one-case-out by ABC rejection on evaluations drawn from the prior.

    For each case: accept the ``accept_share`` of draws (at least :data:`LOCO_MIN_ACCEPTED`)
    with the smallest distance over the *other* cases (held out), or over all cases
    (in-sample); each of the case's targets then gets the accepted runs' central ``level``
    interval and mean. A target *passes* when that mean lies within its bounds, and is
    *covered* when the observation lies in the interval (a two-sided target's midpoint; a
    one-sided target's bound reached by the interval).

    Returns:
        The per-case table (and a row ``all``) and the per-target rows.
    """
    sq = pd.DataFrame(
        [squared_violations(cases, row) for row in evaluations.to_dict("records")],
        index=evaluations.index,
    )
    total = sq.sum(axis=1)
    n_accept = min(len(evaluations), max(LOCO_MIN_ACCEPTED, int(accept_share * len(evaluations))))
    q = (1 - level) / 2
    rows = []
    for ct in cases:
        held = np.sqrt(total - sq[ct.case])
        chosen = {
            "held_out": held.nsmallest(n_accept).index,
            "in_sample": np.sqrt(total).nsmallest(n_accept).index,
        }
        for t in observation_targets(ct):
            col = f"{ct.case}{SEP}{t.id}"
            row: dict[str, Any] = {"case": ct.case, "target": t.id, "bounds": t.bounds_text()}
            for how, idx in chosen.items():
                v = evaluations.loc[idx, col].to_numpy(float)
                v = v[np.isfinite(v)]
                lo, hi = np.quantile(v, [q, 1 - q]) if len(v) else (math.nan, math.nan)
                mean = float(v.mean()) if len(v) else math.nan
                row[f"{how}_mean"] = mean
                row[f"{how}_q05"] = float(lo)
                row[f"{how}_q95"] = float(hi)
                row[f"{how}_pass"] = bool(len(v) and t.contains(mean))
                row[f"{how}_covered"] = bool(len(v) and _covered(t, lo, hi))
            rows.append(row)
    per_target = pd.DataFrame(rows)
    agg = []
    for case, g in [*per_target.groupby("case", sort=False), ("all", per_target)]:
        agg.append(
            {
                "case": case,
                "targets": len(g),
                "held_out_covered": int(g["held_out_covered"].sum()),
                "held_out_pass": int(g["held_out_pass"].sum()),
                "in_sample_covered": int(g["in_sample_covered"].sum()),
                "in_sample_pass": int(g["in_sample_pass"].sum()),
            }
        )
    table = pd.DataFrame(agg)
    table.attrs = {"accepted": n_accept, "prior_draws": len(evaluations), "level": level}
    return table, per_target


def write_pooled(result: PooledResult, out: str | os.PathLike) -> list[Path]:
    """Write ``pooled.csv`` (draws and weights), ``pooled.json`` (provenance), the LOCO tables."""
    out = Path(out)
    written = [write_table(result.posterior, out / "pooled.csv")]
    path = out / "pooled.json"
    record = {
        **result.provenance,
        "loco_table": result.loco.to_dict("records"),
        "loco_accepted": result.loco.attrs.get("accepted"),
    }
    with atomic_write(path, "w") as fh:
        json.dump(record, fh, indent=1, default=float)
    written.append(path)
    written.append(write_table(result.loco, out / "loco.csv"))
    written.append(write_table(result.loco_targets, out / "loco-targets.csv"))
    return written
