"""Running a sweep: plan the runs, skip those on disk, send chunks to an engine, store results.

Engines (:mod:`sim.engines`):

* ``local`` (default): worker processes on this machine (``workers=1`` runs in-process).
* ``dask``: a Dask ``distributed`` cluster, either an existing one (``scheduler="tcp://..."``)
  or a :class:`~distributed.LocalCluster` started for the sweep.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.checks import is_whole_number
from sim.engines import Progress, choose_engine, make_engine
from sim.errors import UserInputError
from sim.sweeps.design import build_design, plan_runs
from sim.sweeps.spec import SweepSpec, read_spec
from sim.sweeps.store import SweepStore, open_store, visible_entries
from sim.sweeps.worker import auto_chunk_size, chunks, run_chunk


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

    Examples:
        >>> import sim
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> runs = sim.sweep(spec, out="store", workers=1, progress=False)   # resumable
        >>> list(runs.columns)
        ['run_id', 'point_id', 'replicate', 'seed', 'credit_access', 'share_upgraded@12']
        >>> len(runs)   # 2 design points x 2 replicates
        4
    """
    t_start = time.perf_counter()
    spec = spec if isinstance(spec, SweepSpec) else read_spec(spec)
    engine = choose_engine(engine, scheduler, workers)
    if workers is not None and (not is_whole_number(workers) or workers < 1):
        raise UserInputError(f"workers = {workers!r}: must be a whole number of at least 1")
    if chunk_size is not None and (not is_whole_number(chunk_size) or chunk_size < 1):
        raise UserInputError(f"chunk_size = {chunk_size!r}: must be a whole number of at least 1")
    design = build_design(spec)
    runs = plan_runs(spec, design)
    store = SweepStore(out)
    if not store.exists() and visible_entries(store.path):
        raise UserInputError(
            f"'{store.path}' is not empty and holds no sweep; give an empty or new --out folder"
        )

    with store.lock():
        open_store(store, spec, design, runs, resume)
        done = store.done_ids()
        todo = runs[~runs["run_id"].isin(done)]
        n_before = len(runs) - len(todo)
        model_seconds = 0.0
        slots = 1
        t_run = time.perf_counter()
        start_seconds = close_seconds = 0.0
        if len(todo):
            runner = make_engine(engine, workers=workers, scheduler=scheduler, n_tasks=len(todo))
            slots = runner.slots
            start_seconds = time.perf_counter() - t_run
            model_seconds += runner.start_model_seconds  # loading the compiled model
            size = chunk_size or spec.chunk_size
            if size:  # the user's size, kept for every chunk
                tasks = chunks(spec, todo, size)
            else:  # sized from the cost of a run, the last chunks smaller
                tasks = chunks(spec, todo, auto_chunk_size(spec, len(todo), slots), slots)
            with runner, Progress(len(runs), n_before, enabled=progress, desc="sweep") as bar:
                for columns, seconds in runner.imap_unordered(run_chunk, tasks):
                    store.write_part(columns)
                    model_seconds += seconds
                    bar.update(len(columns["run_id"]))
                t_close = time.perf_counter()
            close_seconds = time.perf_counter() - t_close
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
        "start_seconds": start_seconds,
        "close_seconds": close_seconds,
    }
    if not collect:
        return None
    result = store.read()
    result = result[result["run_id"].isin(set(runs["run_id"]))].reset_index(drop=True)
    result.attrs = {"manifest": store.manifest(), "stats": stats}
    return result
