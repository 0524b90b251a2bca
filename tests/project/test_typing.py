"""The typed public API: ``py.typed`` ships, and type checkers see the names ``sim`` exports.

``import sim`` loads its names lazily (``sim.__getattr__``), which type checkers do not run;
``sim/__init__.py`` imports the same names under ``TYPE_CHECKING`` for them. The two lists must
agree. (``make test`` runs mypy itself, configured in pyproject.toml.)
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[2]


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse((ROOT / "sim" / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_type_checkers_see_every_lazy_export_as_the_same_object():
    seen = _type_checking_imports()
    assert set(seen) == set(sim._EXPORTS), "sim/__init__.py: TYPE_CHECKING imports != _EXPORTS"
    for name, module in seen.items():
        runtime = getattr(sim, name)
        assert getattr(importlib.import_module(module), name) is runtime, name


def test_the_package_ships_py_typed():
    assert (ROOT / "sim" / "py.typed").is_file()
    # setup.py declares the wheel's package data (pyproject.toml's would override its mapping)
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert re.search(r'"sim":\s*\[[^\]]*"py\.typed"', setup), "setup.py ships sim/py.typed"
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "Typing :: Typed" in data["project"]["classifiers"]
