"""The best lever portfolios for a budget: a multi-objective search that can be resumed.

The search is pymoo's NSGA-II (Deb et al. 2002), a well-kept, widely used multi-objective
genetic algorithm, with the budget as a constraint: a portfolio's cost (its largest over the
seeds) less the budget must not exceed zero. NSGA-II ranks every feasible portfolio ahead of
every infeasible one, and the front returned is the non-dominated set of all *feasible*
portfolios evaluated, so no portfolio over budget is ever returned. A portfolio whose
reach-independent cost (fixed and per-lever-unit parts) already exceeds the budget is not
simulated at all.

The search is reproducible from its seed (pymoo >= 0.6.2 keeps its own random generator in
the algorithm), and resumable: after every generation the algorithm, with its generator, and
every evaluation so far are written atomically to
``checkpoint.pkl``; a search started again with the same problem continues from there and
ends exactly where an uninterrupted one would.

:func:`search` is the engine, for any evaluation function (the tests use toy objectives with
known optima); :func:`optimize` runs it on model portfolios (:mod:`sim.costs.portfolio`).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.checks import check_whole_number, is_real_number
from sim.costs.portfolio import Portfolios
from sim.errors import UserInputError, import_extra
from sim.io import atomic_write, stable_hash

#: Candidate portfolios per generation and generations, when not given: 24 x 8 portfolios
#: proposed (162 simulated once duplicates and those over budget by their fixed part alone
#: are dropped); measured 17 minutes for 6 levers, 10 seeds of 120 months and 1,000 MSEs on
#: 2 cores shared with other jobs (docs/costs.md).
DEFAULT_POP_SIZE = 24
DEFAULT_GENERATIONS = 8
CHECKPOINT = "checkpoint.pkl"


def require_pymoo() -> None:
    """Check pymoo is installed, or raise a :class:`~sim.errors.MissingExtraError`."""
    import_extra("pymoo", "optimize", "optimize")


@dataclass
class SearchResult:
    """What a search found.

    Attributes:
        X: Every portfolio evaluated (rows), in the order evaluated.
        F: Their objectives (maximised), one column per objective.
        cost: Their costs.
        front: Rows of ``X`` on the feasible Pareto front.
        generations: Generations completed.
        budget: The budget.
    """

    X: np.ndarray
    F: np.ndarray
    cost: np.ndarray
    front: np.ndarray
    generations: int
    budget: float
    evaluated_fresh: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def feasible_front(F: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """Rows on the Pareto front (objectives maximised) among those within the budget."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    ok = np.flatnonzero(cost <= budget)
    if ok.size == 0:
        return ok
    front = NonDominatedSorting().do(-F[ok], only_non_dominated_front=True)
    return np.sort(ok[front])


def search(
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    n_obj: int,
    budget: float,
    fixed_cost: Callable[[np.ndarray], float] | None = None,
    pop_size: int = DEFAULT_POP_SIZE,
    generations: int = DEFAULT_GENERATIONS,
    seed: int = 0,
    checkpoint: str | os.PathLike | None = None,
    key: Any = None,
    on_generation: Callable[[int], None] | None = None,
    initial: np.ndarray | None = None,
) -> SearchResult:
    """Search for the Pareto front of ``evaluate`` within a budget (NSGA-II).

    Args:
        evaluate: Portfolios (rows) -> (objectives to maximise (rows, n_obj), costs (rows,)).
        lower: Lower bound of each variable.
        upper: Upper bound of each variable.
        n_obj: Number of objectives.
        budget: Largest cost allowed.
        fixed_cost: A lower bound of a portfolio's cost known without evaluating it;
            portfolios whose bound exceeds the budget are marked infeasible unevaluated.
        pop_size: Portfolios per generation.
        generations: Generations in all (a resumed search counts those done).
        seed: Seed of the search.
        checkpoint: File to save the state to after each generation and resume from.
        key: What determines the problem; a checkpoint of another problem is refused.
        on_generation: Called with the number of each generation completed.
        initial: The first generation (rows), if not random.

    Raises:
        UserInputError: The checkpoint belongs to another problem or cannot be read.
    """
    require_pymoo()
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem

    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    fingerprint = stable_hash(
        {
            "key": key,
            "n_obj": n_obj,
            "budget": budget,
            "pop_size": pop_size,
            "seed": seed,
            "lower": lower.tolist(),
            "upper": upper.tolist(),
        },
        64,
    )
    path = Path(checkpoint) if checkpoint is not None else None
    state = _load(path, fingerprint)
    if state is None:
        kwargs = {} if initial is None else {"sampling": np.asarray(initial, float)}
        algorithm = NSGA2(pop_size=pop_size, eliminate_duplicates=True, **kwargs)
        problem = Problem(n_var=lower.size, n_obj=n_obj, n_ieq_constr=1, xl=lower, xu=upper)
        algorithm.setup(problem, termination=("n_gen", 10**9), seed=seed, verbose=False)
        state = {
            "fingerprint": fingerprint,
            "algorithm": algorithm,
            "done": 0,
            "X": np.empty((0, lower.size)),
            "F": np.empty((0, n_obj)),
            "cost": np.empty(0),
        }
    algorithm = state["algorithm"]
    fresh = 0
    while state["done"] < generations:
        pop = algorithm.ask()
        X = pop.get("X")
        F = np.zeros((len(X), n_obj))
        cost = np.zeros(len(X))
        bound = np.array([fixed_cost(x) if fixed_cost else 0.0 for x in X])
        todo = np.flatnonzero(bound <= budget)
        if todo.size:
            F[todo], cost[todo] = evaluate(X[todo])
            fresh += todo.size
        skipped = np.flatnonzero(bound > budget)
        cost[skipped] = bound[skipped]
        F[skipped] = np.nan
        objectives = np.where(np.isnan(F), 0.0, -F)  # pymoo minimises
        static = StaticProblem(algorithm.problem, F=objectives, G=(cost - budget)[:, None])
        Evaluator().eval(static, pop)
        algorithm.tell(infills=pop)
        keep = np.flatnonzero(~np.isnan(F).any(axis=1))
        state["X"] = np.vstack([state["X"], X[keep]])
        state["F"] = np.vstack([state["F"], F[keep]])
        state["cost"] = np.concatenate([state["cost"], cost[keep]])
        state["done"] += 1
        if path is not None:
            with atomic_write(path) as fh:
                pickle.dump(state, fh)
        if on_generation:
            on_generation(state["done"])
    front = feasible_front(state["F"], state["cost"], budget)
    return SearchResult(state["X"], state["F"], state["cost"], front, state["done"], budget, fresh)


def _load(path: Path | None, fingerprint: str) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as fh:
            state = pickle.load(fh)  # our own file, written by search()
    except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint is the same problem
        raise UserInputError(
            f"checkpoint {path} cannot be read ({exc}); delete it to start over"
        ) from None
    if state.get("fingerprint") != fingerprint:
        raise UserInputError(
            f"'{path.parent}' holds a search of another problem (scenario, levers, "
            "objectives, seeds, budget, population or seed differ); use another --out "
            "folder, or delete it to start over"
        )
    return state


def optimize(
    problem: Portfolios,
    budget: float,
    *,
    pop_size: int = DEFAULT_POP_SIZE,
    generations: int = DEFAULT_GENERATIONS,
    seed: int = 0,
    out: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Search the best portfolios of ``problem`` within ``budget`` (US$).

    Args:
        problem: The portfolios (:func:`sim.costs.portfolio.portfolios`).
        budget: US$ over the horizon; above 0.
        pop_size: Portfolios per generation (at least 4).
        generations: Generations (at least 1).
        seed: Seed of the search (the model's seeds are ``problem.seeds``).
        out: Folder for the checkpoint (resumes from it); None keeps nothing.
        workers: Worker processes for the model runs (default: every core).
        progress: Print a line per generation on stderr.

    Returns:
        The front, one row per portfolio, best first by the first objective: one
        ``move_<lever>`` column per lever (signed change of the lever), ``cost_usd``, and
        ``obj_<objective>`` per objective (see :data:`sim.costs.portfolio.OBJECTIVES`);
        ``attrs`` hold the search's settings and counts.

    Raises:
        UserInputError: A bad budget, population or generations, or a checkpoint of
            another problem.
    """
    import sys

    if not is_real_number(budget, finite=True) or budget <= 0:
        raise UserInputError(f"budget: value {budget!r} is not allowed (US dollars, above 0)")
    check_whole_number(pop_size, "pop_size", 4)
    check_whole_number(generations, "generations", 1)
    baseline = problem.run([problem.scenario], workers)[0]

    def evaluate(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        runs = problem.run([problem.arm(x) for x in X], workers)
        judged = [problem.judge(x, r, baseline) for x, r in zip(X, runs, strict=True)]
        return np.array([j[0] for j in judged]), np.array([j[1] for j in judged])

    def report(done: int) -> None:
        if progress:
            print(f"optimize: generation {done}/{generations} done", file=sys.stderr, flush=True)

    result = search(
        evaluate,
        problem.lower,
        problem.upper,
        n_obj=len(problem.objectives),
        budget=float(budget),
        fixed_cost=lambda x: problem.costs.fixed_cost(problem.moves(x)),
        pop_size=pop_size,
        generations=generations,
        seed=seed,
        checkpoint=None if out is None else Path(out) / CHECKPOINT,
        key=problem.key(),
        on_generation=report,
        initial=problem.initial(pop_size, seed),
    )
    return front_table(problem, result, seed)


def front_table(problem: Portfolios, result: SearchResult, seed: int) -> pd.DataFrame:
    """The feasible front of a search as a table (see :func:`optimize`)."""
    rows = []
    for i in result.front:
        moves = problem.moves(result.X[i])
        row = {f"move_{lv}": m for lv, m in moves.items()}
        row["cost_usd"] = float(result.cost[i])
        row.update(
            {f"obj_{o}": float(v) for o, v in zip(problem.objectives, result.F[i], strict=True)}
        )
        rows.append(row)
    columns = [
        *(f"move_{lv}" for lv in problem.levers),
        "cost_usd",
        *(f"obj_{o}" for o in problem.objectives),
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(f"obj_{problem.objectives[0]}", ascending=False, ignore_index=True)
    table.attrs.update(
        {
            "scenario": problem.scenario.name,
            "budget_usd": result.budget,
            "levers": list(problem.levers),
            "objectives": list(problem.objectives),
            "seeds": list(problem.seeds),
            "steps": problem.steps,
            "search_seed": seed,
            "generations": result.generations,
            "portfolios_evaluated": int(len(result.X)),
            "baseline": {lv: float(getattr(problem.scenario, lv)) for lv in problem.levers},
        }
    )
    return table
