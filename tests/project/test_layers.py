"""The package's layers, read from its imports: user interface -> studies -> model, never back.

* model: every ``sim`` module outside the two groups below (scenario, mechanisms, metrics,
  model, who_gains, and the shared utilities errors, checks, io, data, engines, memory);
* studies: ``sim.experiments``, ``sim.sweeps``, ``sim.ema``, ``sim.validation``, ``sim.costs``;
* user interface: ``sim.ui`` (and ``sim.__main__``, which starts its CLI).

A module may import its own layer or a layer below it. There are no import circles between
modules, and no ``sim`` import inside a function (imports inside functions are kept for
optional or heavy third-party libraries). ``import sim`` loads none of the heavy libraries.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sim"
STUDIES = ("sim.experiments", "sim.sweeps", "sim.ema", "sim.validation", "sim.costs")
LAYERS = {"model": 0, "study": 1, "ui": 2}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """Return the layer of a ``sim`` module."""
    if module in ("sim.ui", "sim.__main__") or module.startswith("sim.ui."):
        return "ui"
    if any(module == s or module.startswith(s + ".") for s in STUDIES):
        return "study"
    return "model"


def _targets(node: ast.AST, module: str, path: Path) -> list[str]:
    """Return the ``sim`` modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "sim"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        name = f"{base}.{node.module}" if node.module else base
    else:
        name = node.module or ""
    if name.split(".")[0] != "sim":
        return []
    # ``from sim.x import y`` loads sim.x, and sim.x.y too when y is a module.
    return [name, *(f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in MODULES)]


def _imports(path: Path, module: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Return (module-level sim imports, sim imports inside functions with their line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, nested = [], []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            is_function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import | ast.ImportFrom):
                targets = _targets(child, module, path)
                if in_function:
                    nested.extend((child.lineno, t) for t in targets)
                elif not _type_checking_only(child, tree):
                    top.extend(targets)
            visit(child, in_function or is_function)

    visit(tree, False)
    return top, nested


def _type_checking_only(node: ast.AST, tree: ast.Module) -> bool:
    for block in ast.walk(tree):
        if (
            isinstance(block, ast.If)
            and isinstance(block.test, ast.Name)
            and block.test.id == "TYPE_CHECKING"
            and node in block.body
        ):
            return True
    return False


GRAPH = {m: _imports(p, m) for m, p in MODULES.items()}


def test_modules_are_found():
    assert {"sim.model", "sim.experiments", "sim.sweeps", "sim.ui.cli"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module):
    top, nested = GRAPH[module]
    upward = [t for t in top + [t for _, t in nested] if LAYERS[layer(t)] > LAYERS[layer(module)]]
    assert not upward, f"{module} ({layer(module)}) imports a layer above it: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_sim_import_inside_a_function(module):
    _, nested = GRAPH[module]
    assert not nested, f"{module} imports sim modules inside functions: {nested}"


def test_no_import_circles():
    edges = {m: {t for t in GRAPH[m][0] if t in MODULES and t != m} for m in MODULES}
    # A package's __init__ may re-export its own submodules; that is not a circle.
    for m in edges:
        edges[m] = {t for t in edges[m] if not t.startswith(m + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :] + [nxt]
                pytest.fail(f"import circle: {' -> '.join(cycle)}")
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            walk(module)


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sim.ui.cli import main\n\ndef f():\n    import sim.model\n")
    top, nested = _imports(bad, "sim.model_bad")
    assert "sim.ui.cli" in top and nested == [(4, "sim.model")]
    assert layer("sim.ui.cli") == "ui" and layer("sim.sweeps.spec") == "study"


HEAVY = (
    "numba",
    "mesa",
    "pandas",
    "matplotlib",
    "pyarrow",
    "scipy",
    "SALib",
    "dask",
    "distributed",
    "solara",
    "ema_workbench",
)


def test_import_sim_loads_no_heavy_library():
    code = "import sys, sim; print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        .stdout.strip()
        .split(",")
    )
    loaded = sorted(set(HEAVY) & set(out))
    assert not loaded, f"'import sim' loads {loaded}; they should load when first used"


def test_the_cli_does_not_need_the_app_extra():
    # The CLI module tree is imported for every command; the app's libraries must not be.
    code = "import sys, sim.ui.cli; print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        .stdout.strip()
        .split(",")
    )
    assert not {"solara", "ipyvue", "ipyvuetify", "ema_workbench"} & set(out)
