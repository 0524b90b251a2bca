"""Sweep designs: the design points, and the runs (seeds, run ids) planned from them.

Every run has a stable ``run_id`` (a hash of its scenario, seed and steps), and its seed is
derived from the master seed with :class:`numpy.random.SeedSequence`, keyed by (design point,
replicate). So a run's result depends only on the spec, never on the number of workers, the
engine or the order runs finish in, and a resumed sweep skips exactly the runs already on disk.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.io import stable_hash
from sim.sweeps.spec import ID_COLUMNS, SweepSpec, parameter_spec


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """Return the SALib problem definition of a sampled spec (names and bounds).

    Examples:
        >>> from sim.sweeps import read_spec, salib_problem
        >>> spec = read_spec({"sweep": {"scenario": "baseline", "steps": 12, "method": "sobol",
        ...                             "samples": 8, "outputs": ["share_upgraded"]},
        ...                   "parameters": {"credit_access": {"low": 0, "high": 1},
        ...                                  "bargaining_power": {"low": 0, "high": 1}}})
        >>> salib_problem(spec)
        {'num_vars': 2, 'names': ['credit_access', 'bargaining_power'],
         'bounds': [[0.0, 1.0], [0.0, 1.0]]}
    """
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

    Examples:
        >>> from sim.sweeps import build_design, read_spec
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> build_design(read_spec(spec))
           point_id  credit_access
        0         0            0.2
        1         1            0.8
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

                x = sobol.sample(
                    problem, spec.samples, calc_second_order=spec.second_order, seed=spec.seed
                )
            else:
                from SALib.sample import morris

                x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
        lows = np.array([p.low for p in spec.parameters])
        highs = np.array([p.high for p in spec.parameters])
        # Scaling can round a hair past a bound; the scenario would then reject the value.
        design = pd.DataFrame(np.clip(x, lows, highs), columns=names)
    for p in spec.parameters:
        if parameter_spec(p.name).kind is int:
            design[p.name] = design[p.name].astype("int64")
        else:
            design[p.name] = design[p.name].astype("float64")
    design.insert(0, "point_id", np.arange(len(design), dtype=np.int64))
    return design


def run_seed(master: int, point_id: int, replicate: int) -> int:
    """Return the seed of one run, derived from the master seed by SeedSequence.

    Keyed by (design point, replicate) so it does not depend on how runs are scheduled.

    Examples:
        >>> from sim.sweeps import run_seed
        >>> run_seed(1, point_id=0, replicate=0) == run_seed(1, point_id=0, replicate=0)
        True
        >>> run_seed(1, 0, 0) != run_seed(1, 0, 1)
        True
    """
    state = np.random.SeedSequence(master, spawn_key=(point_id, replicate)).generate_state(
        1, np.uint64
    )
    return int(state[0] >> np.uint64(1))  # 63 bits: fits Parquet's int64


def run_id(
    scenario_record: Mapping[str, Any], seed: int, steps: int, point_id: int | None = None
) -> str:
    """Return the stable id of a run: a hash of its full scenario, seed and steps.

    With common random numbers two design points with equal values (a Morris design can
    repeat one) would share a seed, so their ``point_id`` is hashed too: every run has its id.

    Examples:
        >>> import sim
        >>> from sim.sweeps import run_id
        >>> record = sim.ValueChainScenario().to_record()
        >>> run_id(record, 1, 12) == run_id(dict(record), 1, 12)   # the same run, the same id
        True
        >>> run_id(record, 1, 12) == run_id(record, 2, 12)
        False
    """
    key = {"scenario": dict(scenario_record), "seed": seed, "steps": steps}
    if point_id is not None:
        key["point_id"] = int(point_id)
    return stable_hash(key)


def plan_runs(spec: SweepSpec, design: pd.DataFrame) -> pd.DataFrame:
    """Return every run of the sweep: run_id, point_id, replicate, seed and parameters.

    Runs are ordered by design point, then replicate. With common random numbers
    (``spec.crn``), replicate ``r`` has the same seed at every design point: the seed of
    design point 0.

    Examples:
        >>> from sim.sweeps import build_design, plan_runs, read_spec
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> spec = read_spec(spec)
        >>> runs = plan_runs(spec, build_design(spec))
        >>> list(runs.columns), len(runs)
        (['run_id', 'point_id', 'replicate', 'seed', 'credit_access'], 4)
    """
    base = spec.scenario.to_record()
    names = list(spec.names)
    values = design[names].to_numpy(dtype=object)
    rows = []
    for point_id, point in zip(design["point_id"].tolist(), values, strict=True):
        params = {n: plain(v) for n, v in zip(names, point, strict=True)}
        record = {**base, **params}
        for rep in range(spec.replicates):
            if spec.crn:
                seed = run_seed(spec.seed, 0, rep)
                rid = run_id(record, seed, spec.steps, point_id)
            else:
                seed = run_seed(spec.seed, point_id, rep)
                rid = run_id(record, seed, spec.steps)
            rows.append((rid, point_id, rep, seed, *params.values()))
    runs = pd.DataFrame(rows, columns=[*ID_COLUMNS, *names])
    runs = runs.astype({"point_id": "int64", "replicate": "int64", "seed": "int64"})
    for name in names:
        runs[name] = runs[name].astype(design[name].dtype)
    return runs


def plain(value: Any) -> Any:
    """Return a numpy scalar as the Python number it holds (for JSON and pickling)."""
    return value.item() if isinstance(value, np.generic) else value
