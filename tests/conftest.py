"""Fixtures shared by the whole suite (``pytest`` finds them by name).

Where a test goes: tests mirror ``sim/``.

* a test of a model module ``sim/<module>.py`` goes in ``tests/model/test_<module>.py``;
* of ``sim/<package>/<module>.py`` in ``tests/<package>/test_<module>.py``; of
  ``sim/ui/<...>/<module>.py`` in ``tests/ui/<...>/test_<module>.py``;
* a statistical test of the whole model over seeds (a direction a source states, with its
  paired confidence interval) in ``tests/emergent/``;
* the bit-for-bit reference runs in ``tests/reference/``;
* repository-wide checks (docs, README, layers, layout) in ``tests/project/``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from sim import constants, experiments
from sim.costs import lever_by_lever
from sim.experiments import GUIDELINES
from sim.model import ValueChainModel
from sim.ui.cli import main as cli_main
from sim.who_gains import summary

# == the model ===============================================================================


@pytest.fixture(scope="session")
def consts():
    """The default calibration constants (a `sim.constants` record), for compiled helpers."""
    return constants.defaults()


def _small(n=200, **levers):
    return ValueChainModel(rng=7, n_mse=n, n_villages=10, **levers)


@pytest.fixture(scope="session")
def small():
    """Build a small model: ``small(n=200, **levers)`` (seed 7, ten villages)."""
    return _small


# == studies and UI ==========================================================================


@pytest.fixture(scope="session")
def costed():
    """Guidelines 4 and 6 (and 6's levers alone) on a small scenario, with the probe.

    Shared by the cost model, cost-effectiveness and who-gains tests (``tests/costs``).
    """
    gs = [GUIDELINES["g4"], GUIDELINES["g6"], *lever_by_lever(GUIDELINES["g6"])]
    return experiments.run_experiments(
        gs, "baseline", seeds=4, steps=36, workers=1, probe=summary, n_mse=250
    )


# == the repository's scripts ================================================================

ROOT = Path(__file__).resolve().parents[1]


def _script(relative: str):
    """Import a script of the repository (``docs/gen_odd_tables.py``...) by its path."""
    spec = importlib.util.spec_from_file_location(Path(relative).stem, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def script():
    """``script("docs/gen_odd_tables.py")``: a script of the repository as a module."""
    return _script


@pytest.fixture(scope="session")
def reference_runs():
    """``benchmarks/reference_runs.py`` as a module (fingerprints, ``MARKETS_OFF``...)."""
    return _script("benchmarks/reference_runs.py")


# == the command line ========================================================================


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli("run", "--steps", "0", cwd=path)``: ``mse-sim`` with these arguments, in this process.

    It calls ``sim.ui.cli.main``, which is what the installed command runs, and returns what
    the command would: a `subprocess.CompletedProcess` with the exit code and the captured
    output. A new interpreter costs about 10 s here (numba, pandas and Mesa load again), so
    the many bad-input cases run in process; an exception other than the CLI's own errors
    propagates and fails the test, as a traceback would. The commands' end-to-end runs, and
    one bad input, go through the real entry point (`cli_process`).
    """

    def run(*args, cwd=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()  # drop anything printed before the command
        code = cli_main([str(a) for a in args])
        out = capsys.readouterr()
        return subprocess.CompletedProcess(["mse-sim", *args], code, out.out, out.err)

    return run


@pytest.fixture(scope="session")
def cli_process():
    """``cli_process("run", ..., cwd=path)``: ``python -m sim`` in a new process."""

    def run(*args, cwd=None, timeout=600):
        return subprocess.run(
            [sys.executable, "-m", "sim", *[str(a) for a in args]],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=timeout,
        )

    return run
