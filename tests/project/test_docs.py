"""The documentation stays honest: ODD.md and seed-to-model.md against the code and the tests.

- every scenario field is in the ODD parameter table;
- every ``sim.module.name`` mentioned in ODD.md or seed-to-model.md exists;
- every test named in seed-to-model.md exists (in the file named, where one is named);
- the generated tables of ODD.md are up to date (``python docs/gen_odd_tables.py``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from sim.constants import REGISTRY
from sim.scenario import FIELDS

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ODD = DOCS / "ODD.md"
SEED_TO_MODEL = DOCS / "seed-to-model.md"
NOTEBOOKS = ROOT / "notebooks"

DOTTED = re.compile(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+")
TEST_REF = re.compile(r"(?:(tests/[\w/]+\.py)::)?(?<![/\w])(test_\w+)(?![\w.])")


def _resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and getattr the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def _parameter_table(text: str) -> str:
    m = re.search(
        r"<!-- BEGIN GENERATED scenario-fields[^>]*-->\n(.*?)<!-- END GENERATED", text, re.S
    )
    assert m, "ODD.md has no generated scenario-fields table"
    return m.group(1)


def test_every_calibration_constant_is_in_the_odd_constants_table():
    text = ODD.read_text(encoding="utf-8")
    m = re.search(r"<!-- BEGIN GENERATED constants[^>]*-->\n(.*?)<!-- END GENERATED", text, re.S)
    assert m, "ODD.md has no generated constants table"
    rows = {r.group(1) for r in re.finditer(r"^\| `(\w+)` \|", m.group(1), re.M)}
    assert set(REGISTRY) <= rows
    assert len(REGISTRY) >= 130  # every module-level calibration constant of the mechanisms


def test_every_scenario_field_is_in_the_odd_parameter_table():
    table = _parameter_table(ODD.read_text(encoding="utf-8"))
    rows = {m.group(1) for m in re.finditer(r"^\| `(\w+)` \|", table, re.M)}
    missing = [name for name in FIELDS if name not in rows]
    assert not missing, f"scenario fields missing from the ODD parameter table: {missing}"
    assert not rows - set(FIELDS), f"unknown fields in the table: {sorted(rows - set(FIELDS))}"


@pytest.mark.parametrize("doc", [ODD, SEED_TO_MODEL], ids=lambda p: p.name)
def test_every_function_named_in_the_docs_exists(doc):
    names = sorted(set(DOTTED.findall(doc.read_text(encoding="utf-8"))))
    assert len(names) > 10, f"{doc.name} names almost nothing in sim/"
    broken = []
    for name in names:
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            broken.append(name)
    assert not broken, f"{doc.name} names things that do not exist in sim/: {broken}"


def _defined_tests() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        for m in re.finditer(
            r"^\s*(?:async\s+)?def (test_\w+)\s*\(", path.read_text(encoding="utf-8"), re.M
        ):
            found.setdefault(m.group(1), set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_every_test_named_in_seed_to_model_exists():
    defined = _defined_tests()
    refs = TEST_REF.findall(SEED_TO_MODEL.read_text(encoding="utf-8"))
    assert len(refs) > 20, "seed-to-model.md names almost no tests"
    missing = []
    for file, name in refs:
        if name not in defined or (file and file not in defined[name]):
            missing.append(f"{file}::{name}" if file else name)
    assert not missing, f"seed-to-model.md names tests that do not exist: {sorted(set(missing))}"


def test_generated_odd_tables_are_up_to_date(script):
    gen = script("docs/gen_odd_tables.py")
    text = ODD.read_text(encoding="utf-8")
    assert gen.regenerate(text) == text, (
        "docs/ODD.md's parameter tables differ from the code: run python docs/gen_odd_tables.py"
    )


#: Module-level CAPITAL names of the mechanism modules that are not calibration constants (ODD
#: Table 2 says why): labels and sizes, bit masks, id codes, a device, a memory setting, and
#: the derived interest burden.
NOT_INPUTS = {
    "CHANNELS",
    "N_CHANNELS",
    "UPGRADE_TYPES",
    "N_OPTIONS",
    "ALL_OPTIONS",
    "NO_GROUP",
    "SEEKING",
    "INCOME_MEMORY",
    "INTEREST_BURDEN",
    "DOMESTIC",
    "EXPORT",
    "SPECIALTY",
    "PROCESS",
    "PRODUCT",
    "FUNCTIONAL",
    "CHANNEL",
    "INTERSECTORAL",
    "VIA_TRADER",
    "VIA_LEAD_FIRM",
    "DIRECT",
    "VIA_BROKER",
    "CONSTANTS",
    "LEDGER_FLOWS",
}


def test_every_calibration_constant_is_a_declared_input_in_the_odd(script):
    """A constant added to a mechanism module must be declared (sim.constants) and in ODD.md."""
    gen = script("docs/gen_odd_tables.py")
    text = ODD.read_text(encoding="utf-8")
    for mod in gen.MODULES:
        tree = ast.parse((ROOT / "sim" / f"{mod}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for t in targets:
                for name in (
                    [t.id]
                    if isinstance(t, ast.Name)
                    else [e.id for e in getattr(t, "elts", []) if isinstance(e, ast.Name)]
                ):
                    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or name in NOT_INPUTS:
                        continue
                    assert name.lower() in REGISTRY, f"sim.{mod}.{name} is not declared"
                    assert REGISTRY[name.lower()].module == mod
                    assert f"| `{name.lower()}` | {mod} |" in text, f"{name} is not in ODD.md"


def test_notebooks_are_stored_without_outputs():
    import nbformat

    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "markdown", f"{path.name} must open with a text cell"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.name} is stored with outputs; clear them before committing"
                )
