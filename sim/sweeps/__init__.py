"""Parameter sweeps at scale: a validated TOML spec, local or Dask engines, a resumable store.

A sweep runs the model over a *design* (a grid, or an LHS / Sobol / Morris sample of lever
bounds drawn with SALib) with several seeds per design point, and streams the results into a
folder on disk. A run's result depends only on the spec, never on the number of workers, the
engine or the order runs finish in, and a resumed sweep skips exactly the runs already on disk.

Modules, one job each (after SALib's ``sample/`` and ``analyze/`` split):

* :mod:`~sim.sweeps.spec`: reading and checking a spec;
* :mod:`~sim.sweeps.design`: design points, run seeds and run ids;
* :mod:`~sim.sweeps.worker`: chunks of runs, the code that runs on workers;
* :mod:`~sim.sweeps.store`: the folder of results;
* :mod:`~sim.sweeps.driver`: :func:`sweep`, which ties them together on an engine;
* :mod:`~sim.sweeps.sensitivity`: Sobol, Morris, RBD-FAST indices and grid main effects.

See ``docs/sweeps.md`` for the spec reference and how to run on several machines.
"""

from sim.sweeps.design import build_design, plan_runs, run_id, run_seed, salib_problem
from sim.sweeps.driver import sweep
from sim.sweeps.sensitivity import analyze
from sim.sweeps.spec import (
    ID_COLUMNS,
    METHODS,
    ParameterRange,
    SweepSpec,
    SweepSpecError,
    output_column,
    read_spec,
)
from sim.sweeps.store import SweepStore
from sim.sweeps.worker import Chunk, auto_chunk_size, run_chunk

__all__ = [
    "ID_COLUMNS",
    "METHODS",
    "Chunk",
    "ParameterRange",
    "SweepSpec",
    "SweepSpecError",
    "SweepStore",
    "analyze",
    "auto_chunk_size",
    "build_design",
    "output_column",
    "plan_runs",
    "read_spec",
    "run_chunk",
    "run_id",
    "run_seed",
    "salib_problem",
    "sweep",
]
