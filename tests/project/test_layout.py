"""The repository's layout: the top-level folders are the one copy of the scenarios, targets and
experiment definitions, and no module of the package is longer than a newcomer can read.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sim.data import SHIPPED_FOLDERS, data_path
from sim.scenario import scenario_dir

ROOT = Path(__file__).resolve().parents[2]


def _setup_py_folders() -> dict[str, str]:
    """The package -> folder mapping of setup.py, read without running setup()."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "SHIPPED_FOLDERS":
            mapping = ast.literal_eval(node.value)
            return {package: folder for package, (folder, _) in mapping.items()}
    raise AssertionError("setup.py has no SHIPPED_FOLDERS")


def test_the_wheel_ships_the_folders_data_path_reads():
    assert _setup_py_folders() == {f"sim.data.{folder}": folder for folder in SHIPPED_FOLDERS}


def test_a_checkout_reads_the_top_level_folders_and_keeps_no_second_copy():
    for folder in SHIPPED_FOLDERS:
        assert data_path(folder) == ROOT / folder
        assert not (ROOT / "sim" / "data" / folder).exists(), f"a second copy of {folder}/"
    assert scenario_dir() == ROOT / "scenarios"
    assert data_path("experiments", "guidelines.toml").is_file()
    assert data_path("experiments", "costs.toml").is_file()
    assert data_path("locale") == ROOT / "sim" / "data" / "locale"


#: The longest a module of sim/ may be, in lines.
MAX_MODULE_LINES = 700


def test_no_module_is_longer_than_700_lines():
    lengths = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted((ROOT / "sim").rglob("*.py"))
    }
    too_long = {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"modules longer than {MAX_MODULE_LINES} lines (split them): {too_long}"
