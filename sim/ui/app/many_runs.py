"""The model made ready when the app starts, and the runs behind Guideline mode's number.

Two jobs the page must not do in the thread that serves a tab:

* **Preparing the model.** numba compiles the model's monthly passes the first time they run
  after an install (about 30 s of CPU here, read from its disk cache in well under a second
  afterwards). :func:`prepare_model` starts that in a background thread when the app starts;
  the page says "preparing the model" until :func:`model_ready` is true, and only then builds
  a run, so ▶ and ❚❚ never wait for a compiler.
* **Many runs.** Guideline mode's big number is the effect over many paired runs: the same
  experiment a handout prints (:func:`sim.ui.handout.handout_experiment`, one definition),
  computed in a worker process so the animated run keeps its core and its interpreter lock.
  :class:`ManyRuns` keeps one worker per server, shares a result between tabs that ask the
  same question, and drops a queued question no tab waits for any more.
* **Parameter uncertainty.** With the option on, the question is the guideline over
  :data:`APP_DRAWS` draws of the shipped posterior of the calibration constants ×
  :data:`APP_POSTERIOR_SEEDS` seeds (:func:`sim.experiments.uncertainty.run_posterior_experiment`),
  small enough for a workshop: its interval combines the constants' uncertainty with the seeds'.
"""

from __future__ import annotations

import atexit
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sim.engines import LocalEngine, warm_up
from sim.experiments import ExperimentResult
from sim.experiments.uncertainty import PosteriorEffects, run_posterior_experiment
from sim.ui.handout import HANDOUT_SEEDS, handout_experiment

#: Posterior draws of Guideline mode's number with parameter uncertainty (kept small: the
#: app's runs must answer within a workshop's minute).
APP_DRAWS = 6
#: Seeds per posterior draw of Guideline mode's number with parameter uncertainty.
APP_POSTERIOR_SEEDS = 3

_ready = threading.Event()
_started = threading.Lock()
_prepare_seconds: list[float] = []


def prepare_model() -> None:
    """Compile (or load from disk) the model's compiled passes in a background thread, once.

    Safe to call many times; the first call starts the thread. Loads the worker of
    :data:`MANY_RUNS` when done, so Guideline mode's first number does not wait for it.
    """
    if not _started.acquire(blocking=False):
        return

    def work():
        start = time.perf_counter()
        try:
            warm_up()
        finally:
            _prepare_seconds.append(time.perf_counter() - start)
            _ready.set()
        MANY_RUNS.start()

    threading.Thread(target=work, name="mse-sim-prepare", daemon=True).start()


def model_ready() -> bool:
    """True once the model's compiled passes are loaded in this process."""
    return _ready.is_set()


def wait_until_ready(timeout: float | None = None) -> bool:
    """Wait for :func:`prepare_model` to finish; return whether it did."""
    return _ready.wait(timeout)


@dataclass(frozen=True)
class Question:
    """What Guideline mode's number answers: a guideline on a scenario, over some months.

    Attributes:
        guideline: ``g1`` ... ``g7``.
        scenario: The scenario's fields (levers, ``n_mse``, name, constants...) as JSON with
            sorted keys: hashable, and equal for equal settings.
        steps: Months per run (the app's horizon).
        seeds: Runs of each arm (:data:`sim.ui.handout.HANDOUT_SEEDS`).
        posterior: Include parameter uncertainty: :data:`APP_DRAWS` posterior draws ×
            :data:`APP_POSTERIOR_SEEDS` seeds instead of ``seeds`` runs at the scenario's
            constants.
    """

    guideline: str
    scenario: str
    steps: int
    seeds: int = HANDOUT_SEEDS
    posterior: bool = False

    @classmethod
    def of(
        cls, guideline: str, scenario: Mapping[str, Any], steps: int, posterior: bool = False
    ) -> Question:
        """Return the question for a guideline on scenario fields ``scenario``."""
        text = json.dumps(dict(scenario), sort_keys=True, default=str)
        if posterior:
            return cls(guideline, text, int(steps), APP_POSTERIOR_SEEDS, True)
        return cls(guideline, text, int(steps))

    def answer(self) -> ExperimentResult | PosteriorEffects:
        """Run the experiment here (in the worker): the handout's, for these settings.

        With ``posterior``, the guideline over :data:`APP_DRAWS` posterior draws × ``seeds``
        (the draws' constants replace the scenario's).
        """
        if self.posterior:
            return run_posterior_experiment(
                self.guideline,
                json.loads(self.scenario),
                draws=APP_DRAWS,
                seeds=self.seeds,
                steps=self.steps,
                workers=1,
            )
        return handout_experiment(
            self.guideline, json.loads(self.scenario), seeds=self.seeds, steps=self.steps, workers=1
        )


def _answer(question: Question) -> ExperimentResult | PosteriorEffects:
    return question.answer()


def _warm() -> float:
    return warm_up()


class ManyRuns:
    """One worker process that answers :class:`Question` s, in the order asked.

    Answers are kept (the last :attr:`KEEP`), so a second tab, or a tab going back to a
    guideline, gets the number at once. Each tab says which question it waits for
    (:meth:`ask`); a question still queued when no tab waits for it is dropped.
    """

    #: Answers kept in memory (a few kilobytes each).
    KEEP = 64

    def __init__(self):
        self._lock = threading.Lock()
        self._engine = None
        self._futures: OrderedDict[Question, Future] = OrderedDict()
        self._waiting: dict[Question, set[int]] = {}

    def start(self) -> None:
        """Start the worker process (spawned: the server runs threads) and load the model."""
        with self._lock:
            self._executor().submit(_warm)

    def _executor(self):
        if self._engine is None:  # sim.engines: the project's one way of starting workers
            self._engine = LocalEngine(1)
        return self._engine.executor()

    def ask(self, question: Question, tab: int) -> Future:
        """Return the future answer of `question` for tab `tab` (an id), starting it if new.

        The tab's earlier question, if another one, is released (and dropped if queued and
        no other tab waits for it).
        """
        with self._lock:
            for other, tabs in list(self._waiting.items()):
                if other != question and tab in tabs:
                    tabs.discard(tab)
                    if not tabs:
                        del self._waiting[other]
                        future = self._futures.get(other)
                        if future is not None and future.cancel():
                            del self._futures[other]
            self._waiting.setdefault(question, set()).add(tab)
            future = self._futures.get(question)
            if future is None or (future.done() and future.exception() is not None):
                future = self._executor().submit(_answer, question)
                self._futures[question] = future
            self._futures.move_to_end(question)
            while len(self._futures) > self.KEEP:
                old, stale = next(iter(self._futures.items()))
                if not stale.done():
                    break
                del self._futures[old]
            return future

    def close(self) -> None:
        """Stop the worker process (queued questions are dropped)."""
        with self._lock:
            if self._engine is not None:
                self._engine.executor().shutdown(wait=False, cancel_futures=True)
                self._engine = None
            self._futures.clear()
            self._waiting.clear()

    def release(self, tab: int) -> None:
        """The tab waits for nothing any more (it closed or left Guideline mode)."""
        with self._lock:
            for question, tabs in list(self._waiting.items()):
                tabs.discard(tab)
                if not tabs:
                    del self._waiting[question]
                    future = self._futures.get(question)
                    if future is not None and future.cancel():
                        del self._futures[question]


#: The server's worker for Guideline mode's numbers (one per app server), stopped with it.
MANY_RUNS = ManyRuns()
atexit.register(MANY_RUNS.close)
