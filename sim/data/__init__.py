"""Data shipped with the package: the bundled scenarios and the guideline definitions.

Found through :mod:`importlib.resources`, so an installed wheel finds its data wherever it is
run from, and a source checkout finds the same files in ``sim/data/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """Return the path of a bundled data file or folder, e.g. ``data_path("scenarios")``."""
    # Wheels install as plain folders, so the resource is a real path on disk.
    return Path(str(files("sim.data").joinpath(*parts)))
