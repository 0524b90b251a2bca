"""The work of a sweep: chunks of runs, the only code that executes on workers.

A chunk carries plain data (a base scenario record and the runs' parameters and seeds), runs
each model, and returns the outputs as columns, so a worker needs nothing but ``sim``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engines import run_columns
from sim.io import stable_hash
from sim.scenario import ValueChainScenario
from sim.sweeps.design import plain
from sim.sweeps.effects import EffectSpec, arm_scenario, effect_column
from sim.sweeps.spec import ID_COLUMNS, SweepSpec, output_column
from sim.who_gains import WHO_GAINS_COLUMNS, who_gains_columns

#: Target cost of one task in MSE-steps (n_mse x steps): 20 baseline runs, so the
#: per-task overhead (pickling, scheduling, one Parquet file) stays well under 1%.
CHUNK_COST = 2_400_000

#: Automatic chunks shrink once fewer than ``TAPER x slots`` full chunks remain...
TAPER = 2

#: ... down to a quarter of a full chunk: a tail of runs at most a quarter chunk long per
#: worker, for about ``3 x slots`` more tasks (and Parquet parts) than fixed-size chunks.
TAPER_FLOOR = 4


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
        who_gains: Also record :data:`sim.who_gains.WHO_GAINS_COLUMNS` at the last step.
        effects: Effects to record (:mod:`sim.sweeps.effects`): each run's arms are run on
            its seed too.

    Examples:
        >>> from sim.sweeps import Chunk, run_chunk
        >>> chunk = Chunk(base={"n_mse": 100}, steps=6, outputs=("share_upgraded",), at_steps=(6,),
        ...               names=("credit_access",),
        ...               runs=(("run-a", 0, 0, 1, 0.2), ("run-b", 1, 0, 2, 0.8)))
        >>> columns, seconds = run_chunk(chunk)
        >>> sorted(columns)   # (run_id, point_id, replicate, seed, *parameters) per run
        ['credit_access', 'point_id', 'replicate', 'run_id', 'seed', 'share_upgraded@6']
    """

    base: dict[str, Any]
    steps: int
    outputs: tuple[str, ...]
    at_steps: tuple[int, ...]
    names: tuple[str, ...]
    runs: tuple[tuple[Any, ...], ...]
    who_gains: bool = False
    effects: tuple[EffectSpec, ...] = ()


def run_chunk(chunk: Chunk) -> tuple[dict[str, Any], float]:
    """Run every run of a chunk; return the result columns and the seconds spent in the model.

    Runs inside worker processes (or Dask workers), so it takes and returns plain data.

    Examples:
        >>> from sim.sweeps import Chunk, run_chunk
        >>> chunk = Chunk(base={"n_mse": 100}, steps=6, outputs=("mean_income",), at_steps=(6,),
        ...               names=("credit_access",), runs=(("run-a", 0, 0, 1, 0.2),))
        >>> columns, seconds = run_chunk(chunk)   # in a worker process, normally
        >>> columns["run_id"]
        ['run-a']
    """
    base = ValueChainScenario(**chunk.base)
    n_ids = len(ID_COLUMNS)
    columns: dict[str, Any] = {c: [] for c in ID_COLUMNS}
    for name in chunk.names:
        columns[name] = []
    # The runs collect only the recorded steps' metrics (`sim.engines.run_columns`): one row
    # each, in order, whatever the order or repeats of `at_steps`.
    collected, steps_idx = _collected_rows(chunk.at_steps)
    wanted = ("step", *chunk.outputs)
    series = {m: np.empty((len(chunk.runs), len(steps_idx))) for m in chunk.outputs}
    who = {c: np.empty(len(chunk.runs)) for c in (WHO_GAINS_COLUMNS if chunk.who_gains else ())}
    effect_series: dict[tuple[str, str], np.ndarray] = {}
    model_seconds = 0.0
    for i, run in enumerate(chunk.runs):
        for col, value in zip(ID_COLUMNS, run[:n_ids], strict=True):
            columns[col].append(value)
        params = dict(zip(chunk.names, run[n_ids:], strict=True))
        for name, value in params.items():
            columns[name].append(value)
        t0 = time.perf_counter()
        probe = who_gains_columns if chunk.who_gains else None
        task = (base.replace(**params), run[3], chunk.steps, wanted, probe, collected)
        if chunk.who_gains:
            values, gains = run_columns(task)
            for column, array in who.items():
                array[i] = gains[column]
        else:
            values = run_columns(task)
        model_seconds += time.perf_counter() - t0
        if i == 0:
            # One row per recorded step, in order; checked once per chunk.
            step_col = tuple(int(s) for s in values[:, 0])
            if step_col != collected:
                raise RuntimeError(f"model returned steps {step_col}, expected {collected}")
        for pos, metric in enumerate(chunk.outputs, start=1):
            series[metric][i] = values[steps_idx, pos]
        if chunk.effects:
            t0 = time.perf_counter()
            point = base.replace(**params)
            for (name, metric), row in _effect_rows(
                chunk, point, run[3], values, collected, steps_idx
            ).items():
                effect_series.setdefault(
                    (name, metric), np.empty((len(chunk.runs), len(steps_idx)))
                )[i] = row
            model_seconds += time.perf_counter() - t0
    for metric in chunk.outputs:
        for j, step in enumerate(chunk.at_steps):
            columns[output_column(metric, step)] = series[metric][:, j]
    columns.update(who)
    for effect in chunk.effects:
        for metric in effect.metrics:
            for j, step in enumerate(chunk.at_steps):
                columns[effect_column(effect.name, metric, step)] = effect_series[
                    (effect.name, metric)
                ][:, j]
    return columns, model_seconds


def _effect_rows(
    chunk: Chunk,
    point: ValueChainScenario,
    seed: int,
    point_values: np.ndarray,
    collected: tuple[int, ...],
    steps_idx: np.ndarray,
) -> dict[tuple[str, str], np.ndarray]:
    """Return each effect's values at the recorded steps for one run (its arms on its seed).

    Every distinct arm scenario is run once, on the run's seed (common random numbers); the
    arm without changes is the run itself (``point_values``). Each run collects the steps
    ``collected``; ``steps_idx`` are the recorded steps' rows among them.
    """
    wanted = ("step", *chunk.outputs)
    arms: dict[tuple, np.ndarray] = {}
    point_key = _key(point)
    arms[point_key] = point_values
    out = {}
    for effect in chunk.effects:
        total = None
        for coefficient, changes in effect.terms:
            scenario = arm_scenario(point, changes)
            key = _key(scenario)
            if key not in arms:
                arms[key] = run_columns((scenario, seed, chunk.steps, wanted, None, collected))
            part = coefficient * arms[key][steps_idx]
            total = part if total is None else total + part
        for metric in effect.metrics:
            out[(effect.name, metric)] = total[:, 1 + chunk.outputs.index(metric)]
    return out


def _collected_rows(at_steps: tuple[int, ...]) -> tuple[tuple[int, ...], np.ndarray]:
    """The steps a run collects for ``at_steps`` (sorted, once each), and each one's row."""
    collected = tuple(sorted(set(at_steps)))
    row = {step: i for i, step in enumerate(collected)}
    return collected, np.asarray([row[step] for step in at_steps], dtype=np.intp)


def _key(scenario: ValueChainScenario) -> str:
    return stable_hash(scenario.to_record())


def chunks(
    spec: SweepSpec, runs: pd.DataFrame, chunk_size: int, slots: int | None = None
) -> Iterator[Chunk]:
    """Yield the planned ``runs`` in chunks, in plan order.

    Args:
        spec: The sweep.
        runs: The runs to do, in plan order.
        chunk_size: Runs per chunk.
        slots: Tasks that run at once. Given, the last chunks shrink (:func:`chunk_sizes`),
            so the workers finish together; ``None`` keeps every chunk at ``chunk_size``.
    """
    base = spec.scenario.to_record()
    rows = list(runs.itertuples(index=False, name=None))
    start = 0
    for size in chunk_sizes(len(rows), chunk_size, slots):
        yield Chunk(
            base,
            spec.steps,
            spec.outputs,
            spec.at_steps,
            spec.names,
            tuple(tuple(plain(v) for v in r) for r in rows[start : start + size]),
            spec.who_gains,
            spec.effects,
        )
        start += size


def chunk_sizes(n_runs: int, chunk_size: int, slots: int | None = None) -> list[int]:
    """Return the runs of each successive chunk: ``chunk_size``, smaller towards the end.

    With ``slots``, a chunk holds at most the remaining runs over ``TAPER x slots`` (a form of
    guided self-scheduling: Polychronopoulos & Kuck 1987, IEEE Trans. Computers C-36(12),
    1425-1439, where the divisor is the number of processors), and never
    less than ``chunk_size / TAPER_FLOOR``: while the last chunks run, the other workers run
    small ones instead of waiting for one full chunk. Which runs share a chunk never changes
    a result.
    """
    sizes = []
    remaining = n_runs
    floor = max(1, math.ceil(chunk_size / TAPER_FLOOR))
    while remaining > 0:
        size = chunk_size
        if slots is not None:
            size = min(chunk_size, max(floor, math.ceil(remaining / (TAPER * slots))))
        size = min(size, remaining)
        sizes.append(size)
        remaining -= size
    return sizes


def auto_chunk_size(spec: SweepSpec, n_runs: int, slots: int) -> int:
    """Choose the runs per task: about ``CHUNK_COST`` MSE-steps, and enough tasks to balance.

    Big enough that per-task overhead is small, small enough that every worker gets at least
    eight tasks (so the last one does not leave the others idle for long) and a crash loses
    little.

    Examples:
        >>> from sim.sweeps import auto_chunk_size, read_spec
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> auto_chunk_size(read_spec(spec), n_runs=4, slots=2)   # small runs: one per task here
        1
    """
    n_mse = max(
        [
            spec.scenario.n_mse,
            *(max(p.values) for p in spec.parameters if p.name == "n_mse" and p.values),
        ]
    )
    # A run with effects runs its arms too (at most one model per term of each effect).
    models = 1 + sum(len(e.terms) for e in spec.effects)
    by_cost = max(1, CHUNK_COST // max(1, n_mse * spec.steps * models))
    by_balance = max(1, math.ceil(n_runs / (8 * max(1, slots))))
    return max(1, min(by_cost, by_balance))
