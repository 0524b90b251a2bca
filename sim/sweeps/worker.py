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
from sim.scenario import ValueChainScenario
from sim.sweeps.design import plain
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
    """

    base: dict[str, Any]
    steps: int
    outputs: tuple[str, ...]
    at_steps: tuple[int, ...]
    names: tuple[str, ...]
    runs: tuple[tuple[Any, ...], ...]
    who_gains: bool = False


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
    wanted = ("step", *chunk.outputs)
    series = {m: np.empty((len(chunk.runs), len(steps_idx))) for m in chunk.outputs}
    who = {c: np.empty(len(chunk.runs)) for c in (WHO_GAINS_COLUMNS if chunk.who_gains else ())}
    model_seconds = 0.0
    for i, run in enumerate(chunk.runs):
        for col, value in zip(ID_COLUMNS, run[:n_ids], strict=True):
            columns[col].append(value)
        params = dict(zip(chunk.names, run[n_ids:], strict=True))
        for name, value in params.items():
            columns[name].append(value)
        t0 = time.perf_counter()
        task = (base.replace(**params), run[3], chunk.steps, wanted)
        if chunk.who_gains:
            values, gains = run_columns((*task, who_gains_columns))
            for column, array in who.items():
                array[i] = gains[column]
        else:
            values = run_columns(task)
        model_seconds += time.perf_counter() - t0
        if i == 0:
            # One row per step 0..steps, so row positions are steps; checked once per chunk.
            step_col = values[:, 0]
            if len(step_col) != chunk.steps + 1 or step_col[-1] != chunk.steps:
                raise RuntimeError(
                    f"model returned steps {step_col[0]}..{step_col[-1]}, expected "
                    f"0..{chunk.steps}"
                )
        for pos, metric in enumerate(chunk.outputs, start=1):
            series[metric][i] = values[steps_idx, pos]
    for metric in chunk.outputs:
        for j, step in enumerate(chunk.at_steps):
            columns[output_column(metric, step)] = series[metric][:, j]
    columns.update(who)
    return columns, model_seconds


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
        yield Chunk(base, spec.steps, spec.outputs, spec.at_steps, spec.names,
                    tuple(tuple(plain(v) for v in r) for r in rows[start:start + size]),
                    spec.who_gains)
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
    """
    n_mse = max([spec.scenario.n_mse, *(max(p.values) for p in spec.parameters
                                        if p.name == "n_mse" and p.values)])
    by_cost = max(1, CHUNK_COST // max(1, n_mse * spec.steps))
    by_balance = max(1, math.ceil(n_runs / (8 * max(1, slots))))
    return max(1, min(by_cost, by_balance))
