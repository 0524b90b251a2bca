"""Running many models: in this process, on local worker processes, or on a Dask cluster.

Every study that runs more than one model (guideline experiments, sweeps, calibration,
optimisation) hands its tasks to one of these engines, so there is one process pool, one way
of starting workers, and one place that knows why forking is safe here. A task's result
depends only on the task (scenario, seed, steps), never on the engine, the number of workers
or the order tasks finish in.

:func:`run_columns` is the one "run the model once" function the studies send to workers.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from sim.errors import UserInputError
from sim.model import ValueChainModel, run
from sim.scenario import ValueChainScenario

ENGINES: tuple[str, ...] = ("local", "dask")

#: Python 3.12+ warns on any fork of a process that has OS threads. The only threads here
#: are idle native pools (OpenBLAS, Arrow) with at-fork handlers, so the warning is silenced
#: around the fork, and only there.
_FORK_WARNING = "This process .* is multi-threaded"


def run_columns(
    task: tuple[ValueChainScenario | Mapping[str, Any], int, int, Sequence[str]]
    | tuple[ValueChainScenario | Mapping[str, Any], int, int, Sequence[str], Callable],
) -> np.ndarray | tuple[np.ndarray, Any]:
    """Run one model and return chosen columns as a ``(steps + 1, columns)`` array.

    The one "run the model once" function of every study; a top-level function, so worker
    processes can receive it.

    Args:
        task: ``(scenario or scenario record, seed, steps, columns)``, optionally followed by
            a *probe*: a top-level function of the finished model (e.g.
            :func:`sim.distribution.summary`) whose result is returned too.

    Returns:
        The array; with a probe, ``(array, probe(model))``.

    Raises:
        RuntimeError: The model does not report a requested column.
    """
    scenario, seed, steps, columns, *probe = task
    if not isinstance(scenario, ValueChainScenario):
        scenario = ValueChainScenario(**scenario)
    if probe:
        model = ValueChainModel(scenario, rng=seed)
        for _ in range(int(steps)):
            model.step()
        array = _columns(model.results(), columns)
        return array, probe[0](model)
    return _columns(run(scenario, steps=steps, rng=seed), columns)


def _columns(df, columns: Sequence[str]) -> np.ndarray:
    # pandas deep-copies attrs into every derived frame; here only the numbers are wanted.
    df.attrs = {}
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RuntimeError(f"the model does not report metric(s) {missing}")
    return df.loc[:, list(columns)].to_numpy(dtype=float)


def cpu_count() -> int:
    """Return the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def check_workers(workers: Any, what: str = "workers") -> int:
    """Return ``workers`` as a whole number of at least 1 (``None``: every core).

    Raises:
        UserInputError: Not a whole number of at least 1.
    """
    if workers is None:
        return cpu_count()
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise UserInputError(f"{what}: value {workers!r} is not allowed (a whole number, "
                             "1 or more)")
    return int(workers)


class Engine:
    """Runs tasks and yields their results as they finish, a bounded number in flight.

    Attributes:
        slots: Tasks that run at once.
    """

    slots = 1
    #: ``inprocess``, ``local`` or ``dask``.
    kind = "inprocess"

    def executor(self) -> Any:
        """Return the engine's ``concurrent.futures``-style executor (None: this process).

        For libraries that schedule their own tasks on the same workers (pyABC's samplers,
        in :mod:`sim.validation.calibrate`).
        """
        return None

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in the order they finish."""
        raise NotImplementedError

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        """Yield ``fn(task)`` for every task, in the order of ``tasks``."""
        finished: dict[int, Any] = {}
        nxt = 0
        for i, result in self.imap_unordered(_Indexed(fn), enumerate(tasks)):
            finished[i] = result
            while nxt in finished:
                yield finished.pop(nxt)
                nxt += 1

    def close(self) -> None:
        """Release the workers."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Indexed:
    """``fn`` applied to ``(index, task)``, returning ``(index, result)`` (picklable)."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn

    def __call__(self, item: tuple[int, Any]) -> tuple[int, Any]:
        return item[0], self.fn(item[1])


class InProcessEngine(Engine):
    """Runs every task in this process, one after another."""

    def imap_unordered(self, fn, tasks):  # noqa: D102
        for task in tasks:
            yield fn(task)


def start_method() -> str:
    """Return how worker processes start: ``$MSE_SIM_START_METHOD``, else fork or spawn.

    Forking is the fastest start (the model is already imported and compiled; spawn
    re-imports it, about 2-3 s a worker). It is safe when the only other threads are idle
    native pools with at-fork handlers. A process running other Python threads (a notebook
    kernel, the app's server) can deadlock in a forked child, so it spawns.

    Raises:
        UserInputError: ``$MSE_SIM_START_METHOD`` names a method this platform lacks.
    """
    import multiprocessing as mp

    method = os.environ.get("MSE_SIM_START_METHOD")
    if method:
        if method not in mp.get_all_start_methods():
            raise UserInputError(
                f"MSE_SIM_START_METHOD={method!r} is not available here (allowed: "
                f"{', '.join(mp.get_all_start_methods())})"
            )
        return method
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not _is_tqdm_monitor(t)]
    return "fork" if not others and sys.platform.startswith("linux") else "spawn"


def _is_tqdm_monitor(thread: threading.Thread) -> bool:
    # tqdm's monitor thread outlives its bar; it holds no lock a worker needs.
    return type(thread).__name__ == "TMonitor"


class LocalEngine(Engine):
    """Worker processes on this machine.

    Args:
        workers: Number of processes.
    """

    def __init__(self, workers: int):
        import concurrent.futures as cf
        import multiprocessing as mp

        method = start_method()
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.engines"])
        self.slots = workers
        self.kind = "local"
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)

    def executor(self):  # noqa: D102
        return self._pool

    def imap_unordered(self, fn, tasks):  # noqa: D102
        tasks = iter(tasks)
        with warnings.catch_warnings():
            # Workers start on the first submit, so that is where the fork happens.
            warnings.filterwarnings("ignore", _FORK_WARNING, DeprecationWarning)
            first = next(tasks, None)
            if first is None:
                return
            pending = {self._pool.submit(fn, first)}
        yield from self._drain(fn, tasks, pending)

    def _drain(self, fn, tasks, pending):
        import concurrent.futures as cf

        window = 2 * self.slots  # bounded, so memory stays flat however many tasks there are
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

    def close(self):  # noqa: D102
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine(Engine):
    """A Dask ``distributed`` cluster: an existing one, or a LocalCluster started here.

    Args:
        scheduler: ``None`` (start a LocalCluster of ``workers`` processes), a scheduler
            address (``tcp://host:8786``) or a ``distributed.Client``.
        workers: Worker processes of the LocalCluster (default: every core).
    """

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
                n_workers=workers or cpu_count(), threads_per_worker=1, processes=True,
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
        self.kind = "dask"
        info = self._client.scheduler_info()
        self.slots = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def executor(self):  # noqa: D102
        return self._client

    def imap_unordered(self, fn, tasks):  # noqa: D102
        from distributed import as_completed

        # A window of tasks in flight keeps every worker busy while the client holds only a
        # bounded number of results.
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

    def close(self):  # noqa: D102
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_engine(engine: str = "local", *, workers: int | None = None, scheduler: Any = None,
                n_tasks: int | None = None) -> Engine:
    """Return the engine for a study.

    Args:
        engine: ``local`` (processes on this machine) or ``dask``.
        workers: Worker processes (default: every core). One worker, or a single task, runs
            in this process.
        scheduler: A Dask scheduler address or ``distributed.Client`` (engine ``dask``).
        n_tasks: How many tasks there will be, if known (no more workers than tasks).

    Raises:
        UserInputError: Unknown engine, or a bad combination of options.
    """
    if engine not in ENGINES:
        raise UserInputError(f"engine: value {engine!r} is not known (allowed: "
                             f"{', '.join(ENGINES)})")
    if scheduler is not None and engine != "dask":
        raise UserInputError("a scheduler address needs engine 'dask'")
    if scheduler is not None and workers is not None:
        raise UserInputError("give either workers (a local cluster) or a scheduler, not both")
    if engine == "dask":
        return DaskEngine(scheduler, None if workers is None else check_workers(workers))
    n = check_workers(workers)
    if n_tasks is not None:
        n = min(n, n_tasks)
    return InProcessEngine() if n <= 1 else LocalEngine(n)


class Progress:
    """Tasks done, tasks a second and time left: a bar on a terminal, plain lines otherwise.

    Args:
        total: Tasks in all.
        done: Tasks already done (a resumed study).
        enabled: Show anything at all.
        unit: What a task is called ("run").
        desc: Words in front of the count.
        interval: Seconds between plain lines.
    """

    def __init__(self, total: int, done: int = 0, *, enabled: bool = True, unit: str = "run",
                 desc: str = "", interval: float = 10.0):
        self.total, self.done, self.enabled, self.interval = total, done, enabled, interval
        self.unit, self.desc = unit, desc or "progress"
        self._start_done = done
        self._t0 = self._last = time.perf_counter()
        self._bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            class _Bar(tqdm):
                # tqdm's monitor thread would make the next fork of worker processes unsafe.
                monitor_interval = 0

            self._bar = _Bar(total=total, initial=done, unit=unit, desc=desc or None,
                             file=sys.stderr, dynamic_ncols=True, smoothing=0.05)
        elif enabled and done:
            print(f"{self.desc}: {done}/{total} {unit}s already done", file=sys.stderr,
                  flush=True)

    def update(self, n: int = 1) -> None:
        """Count ``n`` more tasks done."""
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
            print(f"{self.desc}: {self.done}/{self.total} {self.unit}s "
                  f"({100 * self.done / max(self.total, 1):.0f}%), {rate:.1f} {self.unit}s/s, "
                  f"ETA {eta_text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
