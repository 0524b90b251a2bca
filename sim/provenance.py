"""What it takes to reproduce a result: the versions that decide its numbers.

A seed gives the same numbers on every CPU and operating system, with any number of workers
and with either engine, as long as the code and these versions are the same (README,
Reproducibility). Every result's provenance records them under ``versions`` (from
:func:`versions`); an entry added here (a git commit, say) reaches every result.
"""

from __future__ import annotations

import functools
import platform
from importlib.metadata import PackageNotFoundError, version

from sim import __version__

#: The libraries whose versions can move a run's numbers: numpy draws the random numbers
#: (its bit generator and its uniform and integer draws), numba and llvmlite compile the
#: passes, Mesa seeds the model's generator, pandas holds the results.
LIBRARIES: tuple[str, ...] = ("numpy", "numba", "llvmlite", "mesa", "pandas")


def library_versions() -> dict[str, str]:
    """Python's version and each of :data:`LIBRARIES`' ('not installed' if missing)."""
    return dict(_library_versions())


@functools.cache
def _library_versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for name in LIBRARIES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def versions() -> dict[str, str]:
    """The package's version, then Python's and the libraries': a result's ``versions``."""
    return {"mse-sim": __version__, **library_versions()}
