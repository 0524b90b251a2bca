"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has a Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "baseline 42" in capsys.readouterr().out


def test_readme_links_exist():
    root = README.parent
    folders = "docs|notebooks|experiments|scenarios|targets|scripts|\\.ci"
    for target in re.findall(rf"\]\(((?:{folders})[^)#]*)\)", README.read_text()):
        assert (root / target).exists(), target


def test_readme_module_tables_list_every_module():
    # Every module of sim is named in the README's tables, itself or by its subpackage's folder
    # (e.g. `sim/sweeps/`), so a reader can find where each job lives.
    text = README.read_text()
    root = README.parent
    missing = []
    for path in sorted((root / "sim").rglob("*.py")):
        rel = path.relative_to(root)
        # A subpackage with one job each module (sim/sweeps/, sim/ui/app/) may be named by its
        # folder; sim/ and sim/ui/ are layers, whose modules are named one by one.
        folders = [p for p in rel.parents if len(p.parts) > 1 and p.as_posix() != "sim/ui"]
        if path.name in ("__init__.py", "__main__.py") and rel.parent.as_posix() in ("sim",
                                                                                   "sim/ui"):
            continue
        if f"`{rel.as_posix()}`" not in text and not any(
                f"`{folder.as_posix()}/`" in text for folder in folders):
            missing.append(rel.as_posix())
    assert not missing, f"modules missing from the README's tables: {missing}"
