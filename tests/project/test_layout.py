"""The top-level folders are the one copy of the scenarios, targets and experiment definitions."""

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
