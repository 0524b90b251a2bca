"""Where the package finds its data: scenarios, case targets, experiment definitions, locales.

The scenarios (``scenarios/``), the cases' targets (``targets/``) and the experiment definitions
(``experiments/guidelines.toml``, ``experiments/costs.toml``) live at the top of the repository,
where a user finds and copies them. The wheel carries the same files as package data in
``sim/data/<folder>/`` (mapped from the top-level folders by ``setup.py``), so an installed
package finds its data wherever it is run from. A source checkout (an editable install, what
``make setup`` does) has no such copy and reads the top-level folders directly. The translation
catalogs belong to the code and stay in ``sim/data/locale/`` in both.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: Top-level folders of the repository that the wheel carries as ``sim/data/<folder>``.
SHIPPED_FOLDERS: tuple[str, ...] = ("scenarios", "targets", "experiments")


def data_path(*parts: str) -> Path:
    """Return the path of a data file or folder, e.g. ``data_path("experiments", "costs.toml")``.

    Args:
        *parts: The path below the data root: a shipped folder (``scenarios``, ``targets``,
            ``experiments``) and what is inside it, or ``locale``.

    Returns:
        The path in the installed package, or in the source checkout's top-level folder.
    """
    # Wheels install as plain folders, so the resource is a real path on disk.
    package = Path(str(files("sim.data")))
    if parts and parts[0] in SHIPPED_FOLDERS and not (package / parts[0]).is_dir():
        # A source checkout: sim/data/ is two levels below the repository's top.
        return package.parents[1].joinpath(*parts)
    return package.joinpath(*parts)
