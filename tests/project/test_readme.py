"""The README's Python example runs as written and its links exist.

(The list of every module is on docs/guide/layout.md: tests/project/test_site.py.)
"""

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
