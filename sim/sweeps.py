"""Parameter sweeps at scale: a validated TOML spec, local or Dask engines, a resumable store.

A sweep runs the model over a *design* (a grid, or an LHS / Sobol / Morris sample of lever
bounds drawn with SALib) with several seeds per design point, and streams the results into a
folder on disk::

    DIR/manifest.json          the normalized spec, its fingerprint, package version, time
    DIR/design.parquet         one row per design point: point_id and the swept parameters
    DIR/runs/part-*.parquet    one file per finished chunk of runs, written atomically

Every run has a stable ``run_id`` (a hash of its scenario, seed and steps), and its seed is
derived from the master seed with :class:`numpy.random.SeedSequence`, keyed by (design point,
replicate). So a run's result depends only on the spec, never on the number of workers, the
engine or the order runs finish in, and a resumed sweep skips exactly the runs already on disk.

Engines:

* ``local`` (default): worker processes on this machine (``workers=1`` runs in-process).
* ``dask``: a Dask ``distributed`` cluster, either an existing one (``scheduler="tcp://..."``)
  or a :class:`~distributed.LocalCluster` started for the sweep.

See ``docs/sweeps.md`` for the spec reference and how to run on several machines.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import itertools
import json
import math
import os
import sys
import time
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.cli import positive_int
from sim.errors import UserInputError
from sim.scenario import FIELDS, LEVERS, ValueChainScenario, coerce_scenario, validate_value

METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
SAMPLED_METHODS: tuple[str, ...] = ("lhs", "sobol", "morris")
ENGINES: tuple[str, ...] = ("local", "dask")

#: Keys of the ``[sweep]`` table and their defaults (``None``: required or derived).
SWEEP_KEYS: dict[str, Any] = {
    "scenario": "baseline",
    "steps": 120,
    "replicates": 10,
    "seed": 12345,
    "method": "grid",
    "samples": 256,
    "outputs": ["share_upgraded", "share_product", "mean_income"],
    "at_steps": None,  # default: [steps]
    "second_order": False,  # sobol: also sample for second-order indices (S2)
    "levels": 4,  # morris: number of grid levels of each trajectory
    "chunk_size": None,  # runs per task; default sized from the cost of a run
}
TOP_KEYS: tuple[str, ...] = ("sweep", "parameters", "fixed")

#: Largest number of steps a sweep accepts (ten centuries of months is plenty).
MAX_STEPS = 12_000
#: Target cost of one task in MSE-steps (n_mse x steps): 20 baseline runs, so the
#: per-task overhead (pickling, scheduling, one Parquet file) stays well under 1%.
CHUNK_COST = 2_400_000
STORE_FORMAT = "mse-sim-sweep/1"
PART_GLOB = "part-*.parquet"

#: Column names of the per-run identification, in front of parameters and outputs.
ID_COLUMNS: tuple[str, ...] = ("run_id", "point_id", "replicate", "seed")


class SweepSpecError(UserInputError):
    """A sweep spec that cannot be run: unknown key, bad value, or a bad parameter range."""


# --------------------------------------------------------------------------------------------
# The spec
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRange:
    """One swept scenario field: grid values, or bounds for a sampled design.

    Attributes:
        name: Scenario field name.
        values: Grid values (``None`` for sampled designs).
        low: Lower bound (sampled designs).
        high: Upper bound (sampled designs).
    """

    name: str
    values: tuple[float | int, ...] | None = None
    low: float | None = None
    high: float | None = None

    def to_json(self) -> Any:
        """Return the range as plain JSON: a list of values or ``{low, high}``."""
        if self.values is not None:
            return list(self.values)
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec (see ``docs/sweeps.md`` for every key).

    Attributes:
        scenario: The base scenario, with ``[fixed]`` values applied.
        steps: Months simulated per run.
        replicates: Seeds per design point.
        seed: Master seed.
        method: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        samples: Base sample size for sampled designs.
        outputs: Metric names recorded.
        at_steps: Steps at which the outputs are recorded.
        parameters: Swept fields, in spec order.
        second_order: Sobol only: sample for second-order indices too.
        levels: Morris only: number of levels.
        chunk_size: Runs per task, or ``None`` for automatic.
        source: Where the spec came from (for messages and the manifest).
        raw: The spec as given (JSON-able), kept in the manifest.
    """

    scenario: ValueChainScenario
    steps: int
    replicates: int
    seed: int
    method: str
    samples: int
    outputs: tuple[str, ...]
    at_steps: tuple[int, ...]
    parameters: tuple[ParameterRange, ...]
    second_order: bool = False
    levels: int = 4
    chunk_size: int | None = None
    source: str = "<dict>"
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the swept parameters."""
        return tuple(p.name for p in self.parameters)

    @property
    def output_columns(self) -> tuple[str, ...]:
        """Result columns: ``metric@step`` for every output and recorded step."""
        return tuple(output_column(m, s) for m in self.outputs for s in self.at_steps)

    def normalized(self) -> dict[str, Any]:
        """Return everything that determines the results, as plain JSON.

        Two specs with equal normalized forms produce identical stores; ``chunk_size`` and the
        spec's location are left out because they do not change any result.
        """
        return {
            "scenario": self.scenario.to_record(),
            "steps": self.steps,
            "replicates": self.replicates,
            "seed": self.seed,
            "method": self.method,
            "samples": self.samples if self.method in SAMPLED_METHODS else None,
            "second_order": self.second_order if self.method == "sobol" else None,
            "levels": self.levels if self.method == "morris" else None,
            "outputs": list(self.outputs),
            "at_steps": list(self.at_steps),
            "parameters": {p.name: p.to_json() for p in self.parameters},
        }

    def fingerprint(self) -> str:
        """Return a hash of :meth:`normalized`: equal fingerprints mean the same sweep."""
        return _hash(self.normalized(), 32)


def output_column(metric: str, step: int) -> str:
    """Name of the result column holding ``metric`` at ``step`` (e.g. ``share_upgraded@120``)."""
    return f"{metric}@{step}"


def known_metrics() -> tuple[str, ...]:
    """Return the metric names a sweep can record (the model's ``METRICS``)."""
    from sim.metrics import METRICS

    return tuple(m for m in METRICS if m != "step")


def _hash(obj: Any, length: int = 16) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _suggest(key: str, known: Iterable[str]) -> str:
    hint = difflib.get_close_matches(key, list(known), n=1)
    return f"; did you mean '{hint[0]}'?" if hint else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_key(sweep: Mapping[str, Any], key: str, low: int, high: int, where: str) -> int:
    value = sweep.get(key, SWEEP_KEYS[key])
    if not _is_int(value) or not low <= value <= high:
        raise SweepSpecError(
            f"[sweep] {key} = {value!r}{where}: must be a whole number from {low} to {high}"
        )
    return value


def read_spec(spec: str | os.PathLike | Mapping[str, Any]) -> SweepSpec:
    """Read and validate a sweep spec before anything runs.

    Args:
        spec: Path to a TOML file, or a dict with the same tables (``sweep``, ``parameters``,
            optionally ``fixed``).

    Returns:
        The validated :class:`SweepSpec`.

    Raises:
        SweepSpecError: An unknown key or parameter, a value of the wrong type or out of range,
            an unknown method or output, a grid with bounds, or bounds outside a field's range.
            The message names the key, the value and what is allowed.
        ScenarioError: The base scenario cannot be loaded.
    """
    base_dir: Path | None = None
    if isinstance(spec, Mapping):
        data = json.loads(json.dumps(spec, default=str))
        source = "<dict>"
    else:
        path = Path(spec)
        source = str(path)
        if not path.is_file():
            raise SweepSpecError(f"sweep spec '{path}' does not exist")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SweepSpecError(f"{path} is not valid TOML: {exc}") from None
        base_dir = path.resolve().parent
    where = "" if source == "<dict>" else f" in {source}"
    for key in data:
        if key not in TOP_KEYS:
            raise SweepSpecError(
                f"unknown table '{key}'{where}{_suggest(key, TOP_KEYS)} "
                f"(allowed: {', '.join(TOP_KEYS)})"
            )
    sweep = data.get("sweep", {})
    params = data.get("parameters", {})
    fixed = data.get("fixed", {})
    for name, table in (("sweep", sweep), ("parameters", params), ("fixed", fixed)):
        if not isinstance(table, Mapping):
            raise SweepSpecError(f"'{name}'{where} must be a table, got {table!r}")
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise SweepSpecError(
                f"unknown key '{key}' in [sweep]{where}{_suggest(key, SWEEP_KEYS)} "
                f"(allowed: {', '.join(SWEEP_KEYS)})"
            )

    method = sweep.get("method", SWEEP_KEYS["method"])
    if method not in METHODS:
        raise SweepSpecError(
            f"[sweep] method = {method!r}{where}: unknown method (allowed: {', '.join(METHODS)})"
        )
    steps = _int_key(sweep, "steps", 1, MAX_STEPS, where)
    replicates = _int_key(sweep, "replicates", 1, 1_000_000, where)
    seed = _int_key(sweep, "seed", 0, 2**63 - 1, where)
    samples = _int_key(sweep, "samples", 1, 10_000_000, where)
    levels = _int_key(sweep, "levels", 2, 1000, where)
    chunk_size = sweep.get("chunk_size")
    if chunk_size is not None:
        chunk_size = _int_key(sweep, "chunk_size", 1, 10_000_000, where)
    second_order = sweep.get("second_order", False)
    if not isinstance(second_order, bool):
        raise SweepSpecError(
            f"[sweep] second_order = {second_order!r}{where}: must be true or false"
        )
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise SweepSpecError(
            f"[sweep] samples = {samples}{where}: Sobol' samples must be a power of two "
            f"(e.g. {lower} or {lower * 2}) to keep the sequence balanced"
        )
    if method == "morris" and levels % 2:
        raise SweepSpecError(
            f"[sweep] levels = {levels}{where}: Morris needs an even number of levels"
        )

    outputs = sweep.get("outputs", SWEEP_KEYS["outputs"])
    metrics = known_metrics()
    if outputs == "all":
        outputs = list(metrics)
    if not isinstance(outputs, list) or not outputs:
        raise SweepSpecError(
            f"[sweep] outputs = {outputs!r}{where}: must be a non-empty list of metric names "
            f"or \"all\" (metrics: {', '.join(metrics)})"
        )
    for name in outputs:
        if name not in metrics:
            raise SweepSpecError(
                f"[sweep] outputs{where}: unknown metric {name!r}{_suggest(str(name), metrics)} "
                f"(metrics: {', '.join(metrics)})"
            )
    if len(set(outputs)) != len(outputs):
        raise SweepSpecError(f"[sweep] outputs = {outputs!r}{where}: a metric is listed twice")

    at_steps = sweep.get("at_steps")
    if at_steps is None:
        at_steps = [steps]
    elif at_steps == "all":
        at_steps = list(range(steps + 1))
    if not isinstance(at_steps, list) or not at_steps:
        raise SweepSpecError(
            f"[sweep] at_steps = {at_steps!r}{where}: must be a list of steps from 0 to "
            f"{steps} or \"all\""
        )
    for step in at_steps:
        if not _is_int(step) or not 0 <= step <= steps:
            raise SweepSpecError(
                f"[sweep] at_steps{where}: step {step!r} is not a whole number from 0 to "
                f"steps = {steps}"
            )
    at_steps = sorted(set(at_steps))

    scenario_ref = sweep.get("scenario", SWEEP_KEYS["scenario"])
    if not isinstance(scenario_ref, str):
        raise SweepSpecError(
            f"[sweep] scenario = {scenario_ref!r}{where}: must be a bundled scenario name "
            "or a path to a .toml file"
        )
    if base_dir is not None and ("/" in scenario_ref or scenario_ref.endswith(".toml")):
        # A relative path in a spec file means relative to the spec, not to the cwd.
        candidate = base_dir / scenario_ref
        if candidate.is_file():
            scenario_ref = str(candidate)
    fixed_values = {}
    for name, value in fixed.items():
        if name == "name":
            raise SweepSpecError(f"[fixed] name{where}: the scenario name cannot be changed")
        fixed_values[name] = validate_value(name, value, f"[fixed]{where}")
    scenario = coerce_scenario(scenario_ref, fixed_values)

    if not params:
        raise SweepSpecError(
            f"[parameters]{where} is empty: give at least one scenario field to vary "
            f"(levers: {', '.join(LEVERS)})"
        )
    ranges = []
    for name, value in params.items():
        if name not in FIELDS:
            raise SweepSpecError(
                f"[parameters]{where}: unknown parameter '{name}'{_suggest(name, FIELDS)} "
                f"(scenario fields: {', '.join(FIELDS)})"
            )
        if name in fixed_values:
            raise SweepSpecError(
                f"[parameters] {name}{where}: also set in [fixed]; a field is swept or fixed"
            )
        ranges.append(_parameter_range(name, value, method, where))
    return SweepSpec(
        scenario=scenario,
        steps=steps,
        replicates=replicates,
        seed=seed,
        method=method,
        samples=samples,
        outputs=tuple(outputs),
        at_steps=tuple(at_steps),
        parameters=tuple(ranges),
        second_order=second_order,
        levels=levels,
        chunk_size=chunk_size,
        source=source,
        raw=data,
    )


def _parameter_range(name: str, value: Any, method: str, where: str) -> ParameterRange:
    spec = FIELDS[name]
    key = f"[parameters] {name}"
    if method == "grid":
        if isinstance(value, Mapping):
            raise SweepSpecError(
                f"{key} = {dict(value)!r}{where}: method 'grid' needs a list of values, e.g. "
                f"{name} = [{spec.low}, {spec.high}] (bounds {{ low, high }} are for "
                f"{', '.join(SAMPLED_METHODS)})"
            )
        if not isinstance(value, list) or not value:
            raise SweepSpecError(
                f"{key} = {value!r}{where}: method 'grid' needs a non-empty list of values, "
                f"each {spec.allowed}"
            )
        values = tuple(validate_value(name, v, f"{key}{where}") for v in value)
        if len(set(values)) != len(values):
            raise SweepSpecError(f"{key} = {value!r}{where}: a value is listed twice")
        return ParameterRange(name, values=values)
    if spec.kind is not float:
        raise SweepSpecError(
            f"{key}{where}: '{name}' is a whole-number structure field; method '{method}' "
            f"samples levers only (vary {name} with method 'grid', or put it in [fixed])"
        )
    if not isinstance(value, Mapping) or set(value) != {"low", "high"}:
        raise SweepSpecError(
            f"{key} = {value!r}{where}: method '{method}' needs bounds "
            f"{{ low = ..., high = ... }} within {spec.low} to {spec.high}"
        )
    low, high = value["low"], value["high"]
    for bound, number in (("low", low), ("high", high)):
        if isinstance(number, bool) or not isinstance(number, int | float) or math.isnan(number):
            raise SweepSpecError(f"{key}.{bound} = {number!r}{where}: must be a number")
        if not spec.low <= number <= spec.high:
            raise SweepSpecError(
                f"{key}.{bound} = {number!r}{where}: outside the range of '{name}' "
                f"({spec.allowed})"
            )
    if not low < high:
        raise SweepSpecError(f"{key} = {dict(value)!r}{where}: low must be below high")
    return ParameterRange(name, low=float(low), high=float(high))


# --------------------------------------------------------------------------------------------
# The plan: design points and runs
# --------------------------------------------------------------------------------------------


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """Return the SALib problem definition of a sampled spec (names and bounds)."""
    return {
        "num_vars": len(spec.parameters),
        "names": list(spec.names),
        "bounds": [[p.low, p.high] for p in spec.parameters],
    }


def build_design(spec: SweepSpec) -> pd.DataFrame:
    """Return the design points: ``point_id`` and one column per swept parameter.

    Grids are the full factorial in spec order (the last parameter varies fastest). Sampled
    designs come from SALib, seeded with the master seed, so the design is a pure function of
    the spec. The row order is the sampler's, which the SALib analysers rely on.
    """
    names = list(spec.names)
    if spec.method == "grid":
        rows = list(itertools.product(*(p.values for p in spec.parameters)))
        design = pd.DataFrame(rows, columns=names)
    else:
        problem = salib_problem(spec)
        with warnings.catch_warnings():
            # SALib's Sobol sampler repeats scipy's power-of-two advice; the spec enforces it.
            warnings.simplefilter("ignore", UserWarning)
            if spec.method == "lhs":
                from SALib.sample import latin

                x = latin.sample(problem, spec.samples, seed=spec.seed)
            elif spec.method == "sobol":
                from SALib.sample import sobol

                x = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order,
                                 seed=spec.seed)
            else:
                from SALib.sample import morris

                x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
        lows = np.array([p.low for p in spec.parameters])
        highs = np.array([p.high for p in spec.parameters])
        # Scaling can round a hair past a bound; the scenario would then reject the value.
        design = pd.DataFrame(np.clip(x, lows, highs), columns=names)
    for p in spec.parameters:
        if FIELDS[p.name].kind is int:
            design[p.name] = design[p.name].astype("int64")
        else:
            design[p.name] = design[p.name].astype("float64")
    design.insert(0, "point_id", np.arange(len(design), dtype=np.int64))
    return design


def run_seed(master: int, point_id: int, replicate: int) -> int:
    """Return the seed of one run, derived from the master seed by SeedSequence.

    Keyed by (design point, replicate) so it does not depend on how runs are scheduled.
    """
    state = np.random.SeedSequence(master, spawn_key=(point_id, replicate)).generate_state(
        1, np.uint64
    )
    return int(state[0] >> np.uint64(1))  # 63 bits: fits Parquet's int64


def run_id(scenario_record: Mapping[str, Any], seed: int, steps: int) -> str:
    """Return the stable id of a run: a hash of its full scenario, seed and steps."""
    return _hash({"scenario": dict(scenario_record), "seed": seed, "steps": steps})


def plan_runs(spec: SweepSpec, design: pd.DataFrame) -> pd.DataFrame:
    """Return every run of the sweep: run_id, point_id, replicate, seed and parameters.

    Runs are ordered by design point, then replicate.
    """
    base = spec.scenario.to_record()
    names = list(spec.names)
    values = design[names].to_numpy(dtype=object)
    rows = []
    for point_id, point in zip(design["point_id"].tolist(), values, strict=True):
        params = {n: _plain(v) for n, v in zip(names, point, strict=True)}
        record = {**base, **params}
        for rep in range(spec.replicates):
            seed = run_seed(spec.seed, point_id, rep)
            rows.append((run_id(record, seed, spec.steps), point_id, rep, seed, *params.values()))
    runs = pd.DataFrame(rows, columns=[*ID_COLUMNS, *names])
    runs = runs.astype({"point_id": "int64", "replicate": "int64", "seed": "int64"})
    for name in names:
        runs[name] = runs[name].astype(design[name].dtype)
    return runs


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------------------------
# Running chunks of runs (the only code that executes on workers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """A task: several runs sharing a base scenario, steps and outputs.

    Attributes:
        base: Base scenario record.
        steps: Months per run.
        outputs: Metric names.
        at_steps: Steps recorded.
        names: Swept parameter names.
        runs: Tuples ``(run_id, point_id, replicate, seed, *parameter values)``.
    """

    base: dict[str, Any]
    steps: int
    outputs: tuple[str, ...]
    at_steps: tuple[int, ...]
    names: tuple[str, ...]
    runs: tuple[tuple[Any, ...], ...]


def simulate(scenario: ValueChainScenario, steps: int, seed: int) -> pd.DataFrame:
    """Run the model once: the one place a sweep calls the model."""
    from sim.model import run

    return run(scenario, steps=steps, rng=seed)


def run_chunk(chunk: Chunk) -> tuple[dict[str, Any], float]:
    """Run every run of a chunk; return the result columns and the seconds spent in the model.

    Runs inside worker processes (or Dask workers), so it takes and returns plain data.
    """
    base = ValueChainScenario(**chunk.base)
    n_ids = len(ID_COLUMNS)
    columns: dict[str, Any] = {c: [] for c in ID_COLUMNS}
    for name in chunk.names:
        columns[name] = []
    steps_idx = np.asarray(chunk.at_steps)
    series = {m: np.empty((len(chunk.runs), len(steps_idx))) for m in chunk.outputs}
    model_seconds = 0.0
    positions = None
    for i, run in enumerate(chunk.runs):
        for col, value in zip(ID_COLUMNS, run[:n_ids], strict=True):
            columns[col].append(value)
        params = dict(zip(chunk.names, run[n_ids:], strict=True))
        for name, value in params.items():
            columns[name].append(value)
        scenario = base.replace(**params)
        t0 = time.perf_counter()
        df = simulate(scenario, chunk.steps, run[3])
        model_seconds += time.perf_counter() - t0
        # pandas deep-copies attrs into every derived object; a sweep needs only the numbers.
        df.attrs = {}
        values = df.to_numpy(dtype=float)
        if positions is None:
            positions = [df.columns.get_loc(m) for m in ("step", *chunk.outputs)]
            step_col = values[:, positions[0]]
            # One row per step 0..steps, so row positions are steps; checked once per chunk.
            if len(step_col) != chunk.steps + 1 or step_col[-1] != chunk.steps:
                raise RuntimeError(
                    f"model returned steps {step_col[0]}..{step_col[-1]}, expected "
                    f"0..{chunk.steps}"
                )
        for metric, pos in zip(chunk.outputs, positions[1:], strict=True):
            series[metric][i] = values[steps_idx, pos]
    for metric in chunk.outputs:
        for j, step in enumerate(chunk.at_steps):
            columns[output_column(metric, step)] = series[metric][:, j]
    return columns, model_seconds


def _chunks(
    spec: SweepSpec, runs: pd.DataFrame, chunk_size: int
) -> Iterator[Chunk]:
    base = spec.scenario.to_record()
    rows = list(runs.itertuples(index=False, name=None))
    for start in range(0, len(rows), chunk_size):
        yield Chunk(base, spec.steps, spec.outputs, spec.at_steps, spec.names,
                    tuple(tuple(_plain(v) for v in r) for r in rows[start:start + chunk_size]))


def auto_chunk_size(spec: SweepSpec, n_runs: int, slots: int) -> int:
    """Choose the runs per task: about ``CHUNK_COST`` MSE-steps, and enough tasks to balance.

    Big enough that per-task overhead is small, small enough that every worker gets at least
    eight tasks (so the last one does not leave the others idle for long) and a crash loses
    little.
    """
    n_mse = max([spec.scenario.n_mse, *(max(p.values) for p in spec.parameters
                                        if p.name == "n_mse" and p.values)])
    by_cost = max(1, CHUNK_COST // max(1, n_mse * spec.steps))
    by_balance = max(1, math.ceil(n_runs / (8 * max(1, slots))))
    return max(1, min(by_cost, by_balance))


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


class SweepStore:
    """A sweep's folder: manifest, design and the Parquet part files of finished runs.

    Args:
        path: The folder.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.manifest_path = self.path / "manifest.json"
        self.design_path = self.path / "design.parquet"
        self.runs_dir = self.path / "runs"

    # reading ------------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the folder holds a sweep manifest."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """Return the manifest.

        Raises:
            UserInputError: The folder is not a sweep store.
        """
        if not self.exists():
            raise UserInputError(
                f"'{self.path}' is not a sweep folder (no manifest.json); give the --out "
                "folder of a sweep"
            )
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def design(self) -> pd.DataFrame:
        """Return the design points (point_id and parameters)."""
        return pd.read_parquet(self.design_path)

    def parts(self) -> list[Path]:
        """Return the finished part files (temporary files of unfinished writes are skipped)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(self.runs_dir.glob(PART_GLOB))

    def done_ids(self) -> set[str]:
        """Return the run_ids on disk, reading only that column of each part."""
        import pyarrow.parquet as pq

        done: set[str] = set()
        for part in self.parts():
            done.update(pq.read_table(part, columns=["run_id"]).column(0).to_pylist())
        return done

    def read(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Read the finished runs, one row per run, sorted by design point and replicate.

        Args:
            columns: Columns to read (ids are always read); ``None`` reads every column.
                Reading a few columns keeps a large store cheap to analyse.

        Returns:
            The runs; a run stored twice (which resume prevents) appears once.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        wanted = None
        if columns is not None:
            wanted = list(dict.fromkeys([*ID_COLUMNS, *columns]))
        tables = [pq.read_table(part, columns=wanted) for part in self.parts()]
        if not tables:
            manifest = self.manifest()
            cols = wanted or manifest["columns"]
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        df = pa.concat_tables(tables, promote_options="default").to_pandas()
        df = df.drop_duplicates("run_id", keep="first")
        return df.sort_values(["point_id", "replicate"], kind="stable").reset_index(drop=True)

    # writing ------------------------------------------------------------------------------
    def write_part(self, columns: Mapping[str, Any]) -> Path:
        """Write one chunk's results as a Parquet part file, atomically.

        The file is named by a hash of its run_ids, so the same chunk written twice replaces
        itself instead of duplicating runs.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from sim.io import atomic_write

        table = pa.table(dict(columns))
        ids = table.column("run_id").to_pylist()
        path = self.runs_dir / f"part-{_hash(ids, 20)}.parquet"
        with atomic_write(path) as fh:
            pq.write_table(table, fh)
        return path

    def clean_temporary(self) -> None:
        """Remove temporary files left by a killed sweep (they never hold counted data)."""
        for folder in (self.path, self.runs_dir):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    with contextlib.suppress(OSError):
                        tmp.unlink()

    def reset(self) -> None:
        """Delete this sweep's results (manifest, design and parts) and nothing else."""
        for part in self.parts():
            part.unlink()
        for path in (self.manifest_path, self.design_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder, so two sweeps never write into it at once.

        The operating system releases the lock when the process dies, even by ``kill -9``.

        Raises:
            UserInputError: Another process holds the lock.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            yield
            return
        with open(self.path / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserInputError(
                    f"another sweep is writing into '{self.path}'; wait for it to finish or "
                    "use another --out folder"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _manifest(spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame) -> dict[str, Any]:
    from sim import __version__

    return {
        "format": STORE_FORMAT,
        "fingerprint": spec.fingerprint(),
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": spec.source,
        "spec": spec.normalized(),
        "spec_as_given": spec.raw,
        "n_points": len(design),
        "n_runs": len(runs),
        "columns": [*runs.columns, *spec.output_columns],
    }


def _visible_entries(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return [p for p in path.iterdir() if not p.name.startswith(".")]


def _open_store(store: SweepStore, spec: SweepSpec, design: pd.DataFrame, runs: pd.DataFrame,
                resume: bool) -> int:
    """Create the store or check it holds this sweep; return how many runs were on disk."""
    from sim.io import atomic_write

    store.clean_temporary()
    if store.exists():
        manifest = store.manifest()
        if manifest.get("fingerprint") != spec.fingerprint():
            old = manifest.get("spec", {})
            new = spec.normalized()
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise UserInputError(
                f"'{store.path}' holds a different sweep (differs in: "
                f"{', '.join(diff) or 'format'}); use a new --out folder, or delete "
                f"'{store.path}' to start over"
            )
        if not resume:
            store.reset()
    elif _visible_entries(store.path):
        raise UserInputError(
            f"'{store.path}' is not empty and holds no sweep; give an empty or new --out folder"
        )
    if not store.exists():
        with atomic_write(store.design_path) as fh:
            design.to_parquet(fh, index=False)
        with atomic_write(store.manifest_path, "w") as fh:
            json.dump(_manifest(spec, design, runs), fh, indent=2, default=str)
        return 0
    return len(store.done_ids() & set(runs["run_id"]))


# --------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------


class _Engine:
    """Runs chunks and yields their results as they finish, with a bounded number in flight."""

    slots = 1

    def imap_unordered(self, fn: Callable, tasks: Iterator[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers."""


class _InProcessEngine(_Engine):
    def imap_unordered(self, fn, tasks):
        for task in tasks:
            yield fn(task)


class _LocalEngine(_Engine):
    def __init__(self, workers: int):
        import concurrent.futures as cf
        import multiprocessing as mp

        method = os.environ.get("MSE_SIM_START_METHOD") or (
            # Forking is the fastest start (the model is already imported; forkserver or spawn
            # re-import it, ~2-3 s). It is safe here: the threads a fork copies are idle pools
            # (OpenBLAS, Arrow) with at-fork handlers, and tqdm's monitor thread is disabled.
            "fork" if sys.platform.startswith("linux") else "spawn"
        )
        if method not in mp.get_all_start_methods():
            raise UserInputError(
                f"MSE_SIM_START_METHOD={method!r} is not available here (allowed: "
                f"{', '.join(mp.get_all_start_methods())})"
            )
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.sweeps", "sim.model"])
        self.slots = workers
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def imap_unordered(self, fn, tasks):

        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork of a process with threads; see __init__ for why
            # these threads are harmless. Workers start on the first submit.
            warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                    DeprecationWarning)
            first = next(tasks, None)
            if first is None:
                return
            pending = {self._pool.submit(fn, first)}
        yield from self._drain(fn, tasks, pending)

    def _drain(self, fn, tasks, pending):
        import concurrent.futures as cf

        window = 2 * self.slots  # bounded, so memory stays flat however many runs there are
        for task in tasks:
            pending.add(self._pool.submit(fn, task))
            while len(pending) >= window:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskEngine(_Engine):
    def __init__(self, scheduler: Any = None, workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise UserInputError(
                "the dask engine needs dask[distributed]: pip install 'dask[distributed]'"
            ) from exc
        self._cluster = None
        if scheduler is None:
            self._cluster = LocalCluster(
                n_workers=workers or _cpu_count(), threads_per_worker=1, processes=True,
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
            self._own_client = True
        elif isinstance(scheduler, str):
            try:
                self._client = Client(scheduler, timeout="20s")
            except OSError as exc:
                raise UserInputError(
                    f"--scheduler {scheduler}: cannot connect ({exc}); start one with "
                    "`dask scheduler` and workers with `dask worker ADDRESS`"
                ) from None
            self._own_client = True
        else:  # an existing distributed.Client
            self._client = scheduler
            self._own_client = False
        info = self._client.scheduler_info()
        self.slots = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def imap_unordered(self, fn, tasks):
        from distributed import as_completed

        # Each chunk is a few seconds of model time; a window of tasks in flight keeps every
        # worker busy while the client holds only a bounded number of results.
        window = 2 * self.slots + 2
        it = iter(tasks)
        futures = [self._client.submit(fn, t, pure=False) for t in itertools.islice(it, window)]
        queue = as_completed(futures)
        for fut in queue:
            result = fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                queue.add(self._client.submit(fn, nxt, pure=False))
            yield result

    def close(self):
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


class _Progress:
    """Runs done, runs/s and ETA: a tqdm bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int, done: int, enabled: bool, interval: float = 10.0):
        self.total, self.done, self.enabled, self.interval = total, done, enabled, interval
        self._start_done = done
        self._t0 = self._last = time.perf_counter()
        self._bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            class _Bar(tqdm):
                # tqdm's monitor thread would make the next fork of worker processes unsafe.
                monitor_interval = 0

            self._bar = _Bar(total=total, initial=done, unit="run", file=sys.stderr,
                             dynamic_ncols=True, smoothing=0.05)
        elif enabled:
            print(f"sweep: {done}/{total} runs already done", file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.perf_counter()
        if self.enabled and (now - self._last >= self.interval or self.done >= self.total):
            self._last = now
            rate = (self.done - self._start_done) / max(now - self._t0, 1e-9)
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            eta_text = time.strftime("%H:%M:%S", time.gmtime(eta)) if math.isfinite(eta) else "?"
            print(f"sweep: {self.done}/{self.total} runs ({100 * self.done / self.total:.0f}%), "
                  f"{rate:.1f} runs/s, ETA {eta_text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# --------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------


def sweep(
    spec: str | os.PathLike | Mapping[str, Any],
    *,
    out: str | os.PathLike,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = True,
    progress: bool = True,
    engine: str | None = None,
    chunk_size: int | None = None,
    collect: bool = True,
) -> pd.DataFrame | None:
    """Run a parameter sweep into a resumable Parquet store.

    Args:
        spec: Path to a TOML sweep spec, or the same content as a dict.
        out: Store folder. A new or empty folder starts the sweep; a folder holding the same
            sweep is resumed; a folder holding a different sweep is refused.
        workers: Worker processes (default: every core). ``1`` runs in this process.
        scheduler: Dask scheduler address (``"tcp://host:8786"``) or a
            ``distributed.Client``; implies ``engine="dask"``.
        resume: Keep runs already in ``out`` and run only the missing ones. ``False`` deletes
            this sweep's earlier results and starts over.
        progress: Show progress (a bar on a terminal, plain lines otherwise).
        engine: ``"local"`` (default) or ``"dask"`` (a LocalCluster of ``workers`` processes
            unless ``scheduler`` is given).
        chunk_size: Runs per task (default: the spec's ``chunk_size``, or sized from the cost
            of a run). Does not change any result.
        collect: Return the results. ``False`` returns ``None``, for sweeps too big for memory.

    Returns:
        One row per run, sorted by design point and replicate: ``run_id``, ``point_id``,
        ``replicate``, ``seed``, the swept parameters and ``metric@step`` outputs. ``attrs``
        holds the manifest and timing (``stats``).

    Raises:
        UserInputError: A bad spec, option or store folder; nothing is run or written.
    """
    t_start = time.perf_counter()
    spec = spec if isinstance(spec, SweepSpec) else read_spec(spec)
    if engine is None:
        engine = "dask" if scheduler is not None else "local"
    if engine not in ENGINES:
        raise UserInputError(f"engine {engine!r} is unknown (allowed: {', '.join(ENGINES)})")
    if scheduler is not None and engine != "dask":
        raise UserInputError("a scheduler address needs engine 'dask'")
    if scheduler is not None and workers is not None:
        raise UserInputError("give either workers (a local cluster) or a scheduler, not both")
    if workers is not None and (not _is_int(workers) or workers < 1):
        raise UserInputError(f"workers = {workers!r}: must be a whole number of at least 1")
    if chunk_size is not None and (not _is_int(chunk_size) or chunk_size < 1):
        raise UserInputError(f"chunk_size = {chunk_size!r}: must be a whole number of at least 1")
    design = build_design(spec)
    runs = plan_runs(spec, design)
    store = SweepStore(out)
    if not store.exists() and _visible_entries(store.path):
        raise UserInputError(
            f"'{store.path}' is not empty and holds no sweep; give an empty or new --out folder"
        )

    with store.lock():
        _open_store(store, spec, design, runs, resume)
        done = store.done_ids()
        todo = runs[~runs["run_id"].isin(done)]
        n_before = len(runs) - len(todo)
        model_seconds = 0.0
        slots = 1
        t_run = time.perf_counter()
        if len(todo):
            if engine == "dask":
                runner: _Engine = _DaskEngine(scheduler, workers)
            elif (workers or _cpu_count()) == 1 or len(todo) == 1:
                runner = _InProcessEngine()
            else:
                runner = _LocalEngine(min(workers or _cpu_count(), len(todo)))
            slots = runner.slots
            size = chunk_size or spec.chunk_size or auto_chunk_size(spec, len(todo), slots)
            bar = _Progress(len(runs), n_before, progress)
            try:
                for columns, seconds in runner.imap_unordered(run_chunk,
                                                              _chunks(spec, todo, size)):
                    store.write_part(columns)
                    model_seconds += seconds
                    bar.update(len(columns["run_id"]))
            finally:
                bar.close()
                runner.close()
        t_end = time.perf_counter()

    stats = {
        "runs": len(runs),
        "runs_before": n_before,
        "runs_new": len(todo),
        "engine": engine,
        "slots": slots,
        "wall_seconds": t_end - t_start,
        "run_seconds": t_end - t_run,
        "model_seconds": model_seconds,
    }
    if not collect:
        return None
    result = store.read()
    result = result[result["run_id"].isin(set(runs["run_id"]))].reset_index(drop=True)
    result.attrs = {"manifest": store.manifest(), "stats": stats}
    return result


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _cmd_sweep(args: argparse.Namespace) -> int:
    if args.scheduler and args.engine == "local":
        raise UserInputError("--scheduler needs --engine dask (or no --engine)")
    t0 = time.perf_counter()
    sweep(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
          resume=args.resume, progress=not args.no_progress,
          engine=args.engine or ("dask" if args.scheduler else "local"),
          chunk_size=args.chunk_size, collect=False)
    store = SweepStore(args.out)
    manifest = store.manifest()
    n_done = len(store.done_ids())
    print(f"sweep: {n_done}/{manifest['n_runs']} runs in {args.out} "
          f"({manifest['n_points']} design points x {manifest['spec']['replicates']} "
          f"replicates), {time.perf_counter() - t0:.1f} s")
    print(f"next: mse-sim analyze {args.out} --metric {manifest['spec']['outputs'][0]}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from sim.sensitivity import analyze, format_analysis

    table = analyze(args.out, metric=args.metric, step=args.step, plot=args.plot,
                    conf_level=args.conf_level)
    print(format_analysis(table))
    if args.plot:
        print(f"wrote {args.plot}")
    return 0


def register_cli(subparsers: Any) -> None:
    """Add the ``sweep`` and ``analyze`` subcommands to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "sweep", help="run a parameter sweep into a resumable Parquet store",
        description="Run the sweep described by SPEC.toml into DIR. Rerunning the same "
                    "command resumes: only runs missing from DIR are run.")
    p.add_argument("spec", type=Path, help="sweep spec (.toml); see docs/sweeps.md")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="store folder")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive_int, metavar="N",
                       help="worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster")
    p.add_argument("--engine", choices=ENGINES,
                   help="local processes (default) or dask (a LocalCluster of --workers)")
    p.add_argument("--chunk-size", type=positive_int, metavar="RUNS",
                   help="runs per task (default: about 20 baseline runs, and at least 8 "
                        "tasks per worker)")
    p.add_argument("--no-resume", dest="resume", action="store_false",
                   help="delete this sweep's earlier results in DIR and start over")
    p.add_argument("--no-progress", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_sweep)

    p = subparsers.add_parser(
        "analyze", help="sensitivity indices or main effects of a sweep",
        description="Sobol: S1 and ST; Morris: mu*, sigma; LHS: RBD-FAST S1; grid: main "
                    "effects; all with confidence intervals.")
    p.add_argument("out", type=Path, metavar="DIR", help="the sweep's store folder")
    p.add_argument("--metric", required=True,
                   help="output to analyse, e.g. share_upgraded or share_upgraded@60")
    p.add_argument("--step", type=int, help="recorded step (default: the last one)")
    p.add_argument("--conf-level", type=float, default=0.95,
                   help="confidence level of the intervals (default 0.95)")
    p.add_argument("--plot", type=Path, metavar="FILE", help="save a chart (.png, .svg, .pdf)")
    p.set_defaults(func=_cmd_analyze)
