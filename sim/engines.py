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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from sim.checks import check_whole_number
from sim.errors import UserInputError
from sim.model import ValueChainModel, run
from sim.scenario import ValueChainScenario
from sim.threads import worker_threads

ENGINES: tuple[str, ...] = ("local", "dask")

#: Size of the run :func:`warm_up` makes in each Dask worker (MSEs, months): small, so it
#: costs milliseconds once numba's passes are loaded, and long enough to call each pass.
WARM_UP_MSES, WARM_UP_STEPS = 50, 3

#: distributed settings for a LocalCluster started here. Its housekeeping runs on event
#: loops in every worker, which take the interpreter lock from the running model, and in this
#: process, which shares the cores with the workers. Measured on 2 busy cores with a task
#: spinning in each of 2 workers: this process used 0.4 CPU-s per 10 s with distributed's
#: defaults and 0.1 with these, and each worker's housekeeping 0.2 and 0.07.
#:
#: * the statistical profiler (a thread sampling the running task every 10 ms) is off: its
#:   reports are only seen on a dashboard, which is off too;
#: * the event-loop health check every 1 s instead of 20 ms (it only warns of a blocked loop);
#: * the system monitor (CPU, memory, network for the dashboard) every 5 s instead of 0.5 s;
#: * memory checks every 1 s instead of 0.1 s: a chunk of runs grows memory by megabytes;
#: * no work stealing: tasks queue on the scheduler and go to whichever worker is free.
QUIET_DASK: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}

#: Python 3.12+ warns on any fork of a process that has OS threads. The only threads here
#: are idle native pools (OpenBLAS, Arrow) with at-fork handlers, so the warning is silenced
#: around the fork, and only there.
_FORK_WARNING = "This process .* is multi-threaded"


def run_columns(task: tuple) -> np.ndarray | tuple[np.ndarray, Any]:
    """Run one model and return chosen columns as a ``(rows, columns)`` array.

    The one "run the model once" function of every study; a top-level function, so worker
    processes can receive it.

    Args:
        task: ``(scenario or scenario record, seed, steps, columns)``, optionally followed by
            a *probe*: a top-level function of the finished model (e.g.
            :func:`sim.who_gains.summary`) whose result is returned too, or None; and then
            optionally the steps to collect (`sim.metrics.MetricsCollector`: a study that
            reads a few months skips the metrics of the others; the numbers of those it
            reads are the same).

    Returns:
        The array, one row per step from 0 to ``steps`` (or per step collected, in order);
        with a probe, ``(array, probe(model))``.

    Raises:
        RuntimeError: The model does not report a requested column.
    """
    scenario, seed, steps, columns, probe, collect = (*task, None, None)[:6]
    if not isinstance(scenario, ValueChainScenario):
        scenario = ValueChainScenario(**scenario)
    check_whole_number(steps, "steps", 0)
    # One thread per model: a study's workers already share the cores ($MSE_SIM_THREADS
    # overrides it).
    model = ValueChainModel(scenario, rng=seed, threads=worker_threads(), collect=collect)
    for _ in range(int(steps)):
        model.step()
    # The numbers of `model.results()`'s columns, without building its data frame.
    try:
        array = model.datacollector.columns(columns)
    except KeyError as error:
        raise RuntimeError(f"the model does not report metric(s) {error.args[0]}") from None
    return (array, probe(model)) if probe is not None else array


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
    return check_whole_number(workers, what, 1)


class Engine:
    """Runs tasks and yields their results as they finish, a bounded number in flight.

    Attributes:
        slots: Tasks that run at once.
        start_model_seconds: Seconds spent inside the model while the workers started
            (:func:`warm_up`), summed over workers; part of a study's model time.
    """

    slots = 1
    start_model_seconds = 0.0
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
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not _is_tqdm_monitor(t)
    ]
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

    Where the time of a Dask sweep went before, and what this class does about it (2 cores
    shared with other work; ``benchmarks/bench_sweep.py``, ``docs/sweeps.md``):

    * **Worker start and stop.** distributed spawns its worker processes by default: each
      re-imports Python, distributed and ``sim`` (NumPy, pandas, Mesa, numba) before its
      first task, 1.5-5 s, and closing spawned workers took 1-4 s more. A LocalCluster here
      forks its workers where that is safe, else starts them from a fork server
      (:func:`dask_start_method`), so they start with the model imported: a cluster of 2
      in 0.2-0.5 s (2-3 s on 2 cores loaded 10 deep), closing in 0.04-0.2 s.
    * **Housekeeping.** distributed's profiler, health checks and monitors run on the same
      cores as the model and take its interpreter lock; a LocalCluster here runs them less
      often (:data:`QUIET_DASK`).
    * **Compiling once.** Every worker loads the model's compiled passes once, when the
      engine starts (:func:`warm_up`, sent to each worker with ``Client.run``), not in the
      middle of its first task; the seconds it takes are :attr:`start_model_seconds`.
    * **Results.** Finished tasks' results are gathered in the background
      (``as_completed(..., with_results=True)``) instead of one request per task after it
      finished, while a window of tasks in flight keeps every worker busy.
    * **Task size** is chosen by the study (sweeps: :func:`sim.sweeps.worker.chunks`).

    Args:
        scheduler: ``None`` (start a LocalCluster of ``workers`` processes), a scheduler
            address (``tcp://host:8786``) or a ``distributed.Client``.
        workers: Worker processes of the LocalCluster (default: every core).
        warm: Import and load the compiled model in every worker at start.
    """

    def __init__(self, scheduler: Any = None, workers: int | None = None, *, warm: bool = True):
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise UserInputError(
                "the dask engine needs dask[distributed]: pip install 'dask[distributed]'"
            ) from exc
        self._cluster = None
        if scheduler is None:
            self._cluster, self._client = _local_cluster(workers or cpu_count())
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
        if warm:
            # Workers that join later import and compile on their first task instead.
            self.start_model_seconds = sum(self._client.run(warm_up).values())

    def executor(self):  # noqa: D102
        return self._client

    def imap_unordered(self, fn, tasks):  # noqa: D102
        from distributed import as_completed

        # A window of tasks in flight keeps every worker busy (a task queued on each while
        # its result travels back) while the client holds a bounded number of results.
        window = 2 * self.slots + 2
        it = iter(tasks)
        submit = self._client.submit
        queue = as_completed(
            [submit(fn, t, pure=False) for t in itertools.islice(it, window)],
            loop=self._client.loop,
            with_results=True,
        )
        for fut, result in queue:
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                queue.add(submit(fn, nxt, pure=False))
            yield result

    def close(self):  # noqa: D102
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _local_cluster(workers: int) -> tuple[Any, Any]:
    """Start a LocalCluster of single-threaded worker processes and its client.

    distributed's own default is to spawn workers; here they start by
    :func:`dask_start_method`. The forks are made by distributed itself (its
    ``multiprocessing-method`` setting), from one of its threads while its event loop runs
    in another; the check that no other thread runs is made before the cluster starts.

    distributed's housekeeping runs less often (:data:`QUIET_DASK`).
    """
    import dask
    from distributed import Client, LocalCluster

    method = dask_start_method()
    config = {
        "distributed.worker.multiprocessing-method": method,
        **QUIET_DASK,
    }
    with dask.config.set(config), warnings.catch_warnings():
        warnings.filterwarnings("ignore", _FORK_WARNING, DeprecationWarning)
        if method == "forkserver":
            from distributed.utils import get_mp_context

            # distributed sets its own fork-server preload list on first use; the model
            # belongs there too, so each forked worker starts with it imported.
            get_mp_context().set_forkserver_preload(["distributed", "sim.engines"])
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # No dashboard; the scheduler's HTTP routes (health, metrics) on a free port, not
            # on 8787, which another cluster or app may hold.
            scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
        )
        return cluster, Client(cluster)


def dask_start_method() -> str:
    """Return how a Dask LocalCluster here starts its workers.

    As :func:`start_method` says, but a fork server where that says spawn. Forking skips
    the workers' imports and numba cache loads (1.5-5 s a worker on 2 busy cores). Where
    forking is not safe, in particular once an earlier cluster has left distributed's
    offload thread running (a forked worker would inherit a copy of its pool whose thread
    does not exist, and wait for it for ever), a fork server, started once per process with
    the model imported, forks the workers from its single thread, so only the first cluster
    of a process pays the imports. ``$MSE_SIM_START_METHOD`` chooses for both engines.
    """
    import multiprocessing as mp

    method = start_method()
    if (
        method == "spawn"
        and not os.environ.get("MSE_SIM_START_METHOD")
        and "forkserver" in mp.get_all_start_methods()
    ):
        return "forkserver"
    return method


def warm_up() -> float:
    """Import the model and load its compiled passes in this process (a Dask worker).

    One short run calls every compiled pass once, so numba loads each from its cache (or
    compiles it) here, once per process, not in the first task of a study.

    Returns:
        Seconds spent in the model.
    """
    t0 = time.perf_counter()
    run(ValueChainScenario(n_mse=WARM_UP_MSES), steps=WARM_UP_STEPS, rng=0)
    return time.perf_counter() - t0


def choose_engine(
    engine: str | None = None, scheduler: Any = None, workers: int | None = None
) -> str:
    """Return the engine a study uses: the one named, else ``dask`` if a scheduler is given.

    Every study and command decides this here, before anything runs.

    Args:
        engine: ``local``, ``dask`` or ``None`` (``dask`` with a scheduler, else ``local``).
        scheduler: A Dask scheduler address or ``distributed.Client``, or ``None``.
        workers: Worker processes asked for, or ``None``.

    Raises:
        UserInputError: Unknown engine, a scheduler with engine ``local``, or both a
            scheduler and a number of workers.
    """
    if engine is None:
        engine = "dask" if scheduler is not None else "local"
    if engine not in ENGINES:
        raise UserInputError(
            f"engine: value {engine!r} is not known (allowed: {', '.join(ENGINES)})"
        )
    if scheduler is not None and engine != "dask":
        raise UserInputError("a scheduler address needs engine 'dask' (or no engine named)")
    if scheduler is not None and workers is not None:
        raise UserInputError("give either workers (a local cluster) or a scheduler, not both")
    return engine


def make_engine(
    engine: str | None = None,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    n_tasks: int | None = None,
) -> Engine:
    """Return the engine for a study.

    Args:
        engine: ``local`` (processes on this machine), ``dask``, or ``None``
            (:func:`choose_engine`: ``dask`` if a scheduler is given, else ``local``).
        workers: Worker processes (default: every core). One worker, or a single task, runs
            in this process.
        scheduler: A Dask scheduler address or ``distributed.Client`` (engine ``dask``).
        n_tasks: How many tasks there will be, if known (no more workers than tasks).

    Raises:
        UserInputError: Unknown engine, or a bad combination of options.
    """
    engine = choose_engine(engine, scheduler, workers)
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

    def __init__(
        self,
        total: int,
        done: int = 0,
        *,
        enabled: bool = True,
        unit: str = "run",
        desc: str = "",
        interval: float = 10.0,
    ):
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

            self._bar = _Bar(
                total=total,
                initial=done,
                unit=unit,
                desc=desc or None,
                file=sys.stderr,
                dynamic_ncols=True,
                smoothing=0.05,
            )
        elif enabled and done:
            print(f"{self.desc}: {done}/{total} {unit}s already done", file=sys.stderr, flush=True)

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
            print(
                f"{self.desc}: {self.done}/{self.total} {self.unit}s "
                f"({100 * self.done / max(self.total, 1):.0f}%), {rate:.1f} {self.unit}s/s, "
                f"ETA {eta_text}",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
