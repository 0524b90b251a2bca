"""The documentation site's API reference covers every public name, each with an example.

``make docs`` builds the site (strict: Sphinx fails on any warning or dangling reference);
these tests check what the build cannot know: that nothing public is left out of the
reference, that every public function and class shows an example, and that every command's
``--help`` ends with examples that its parser accepts; and that the examples run and print
what they say they print. Examples use small populations and few months to stay quick, and
show shapes, names and identities more than numbers, so a change that moves the model's
numbers does not rewrite them.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
import shlex
from pathlib import Path

import pytest

from sim.ui.cli import EXAMPLES, build_parser

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"

#: The public packages: each name in their ``__all__`` is public.
PUBLIC = ("sim", "sim.experiments", "sim.sweeps", "sim.validation", "sim.costs", "sim.ema")


def public_names() -> list[tuple[str, str]]:
    """(package, name) of every public name but ``__version__``."""
    return [
        (package, name)
        for package in PUBLIC
        for name in importlib.import_module(package).__all__
        if name != "__version__"
    ]


def public_object(package: str, name: str) -> object:
    """The object ``package.name``."""
    return getattr(importlib.import_module(package), name)


def public_callables() -> list[tuple[str, str]]:
    """(package, name) of every public function and class."""
    return [
        (p, n)
        for p, n in public_names()
        if callable(public_object(p, n)) and not isinstance(public_object(p, n), dict)
    ]


def _documented() -> set[str]:
    """Dotted names the reference pages document (autosummary entries and auto* directives)."""
    names = set()
    for page in REFERENCE.glob("*.md"):
        module = None
        in_summary = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"\.\. currentmodule:: ([\w.]+)", line):
                module = m.group(1)
            elif m := re.match(r"\.\. auto(?:function|class|data):: ([\w.]+)", line):
                names.add(m.group(1))
            elif line.startswith(".. autosummary::"):
                in_summary = True
            elif in_summary and (m := re.fullmatch(r"   (\w+)", line)):
                names.add(f"{module}.{m.group(1)}")
            elif line.startswith("```"):
                in_summary = False
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = _documented()
    missing = [f"{p}.{n}" for p, n in public_names() if f"{p}.{n}" not in documented]
    assert not missing, f"public names missing from docs/reference/: {missing}"
    for name in (
        "sim.run",
        "sim.ValueChainModel",
        "sim.ValueChainScenario",
        "sim.validate",
        "sim.distribution",
    ):
        assert name in documented


def test_the_reference_documents_nothing_that_is_not_public():
    public = {f"{p}.{n}" for p, n in public_names()}
    extra = sorted(_documented() - public)
    assert not extra, f"docs/reference/ documents names that are not public: {extra}"


@pytest.mark.parametrize(
    ("package", "name"), public_callables(), ids=lambda v: v if "." not in v else v
)
def test_every_public_function_and_class_has_an_example(package, name):
    doc = inspect.getdoc(public_object(package, name)) or ""
    assert re.search(r"^Examples?:\n(?:\s.*\n)*?\s+>>> ", doc + "\n", re.M), (
        f"{package}.{name}: its docstring needs an 'Examples:' section with >>> lines"
    )


def test_every_command_ends_its_help_with_examples_that_parse():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the registered subcommands
    assert set(EXAMPLES) == {"mse-sim", *commands}, "every command has examples, and only they"
    for command, lines in EXAMPLES.items():
        helptext = (parser if command == "mse-sim" else commands[command]).format_help()
        assert helptext.rstrip().endswith(lines[-1]), f"{command} --help ends with its examples"
        for line in lines:
            argv = shlex.split(line)
            assert argv[0] == "mse-sim"
            parsed = parser.parse_args(argv[1:])
            assert command in ("mse-sim", parsed.command), line
            for arg in argv:  # the files the examples name in the repository exist
                if arg.startswith(("experiments/", "scenarios/", "targets/")):
                    assert (ROOT / arg).exists(), f"{line}: {arg} does not exist"


FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _unique() -> list[tuple[str, str]]:
    """Each public object once (``sim.sweep`` is ``sim.sweeps.sweep``)."""
    seen, out = set(), []
    for package, name in public_callables():
        obj = public_object(package, name)
        if id(obj) not in seen:
            seen.add(id(obj))
            out.append((package, name))
    return out


@pytest.mark.parametrize(("package", "name"), _unique())
def test_docstring_examples_run(package, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    obj = public_object(package, name)
    tests = doctest.DocTestFinder(recurse=False).find(obj, f"{package}.{name}", globs={})
    examples = [t for t in tests if t.examples]
    assert examples, f"{package}.{name} has no example to run"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in examples:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{package}.{name}: {result.failed} example(s) failed (above)"


LAYOUT = ROOT / "docs" / "guide" / "layout.md"


def test_the_layout_page_names_every_module():
    # Every module of sim is named on docs/guide/layout.md, itself or by its subpackage's folder
    # (e.g. `sim/sweeps/`), so a reader can find where each job lives. sim/ and sim/ui/ are
    # layers, whose modules are named one by one.
    text = LAYOUT.read_text(encoding="utf-8")
    missing = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        rel = path.relative_to(ROOT)
        folders = [p for p in rel.parents if len(p.parts) > 1 and p.as_posix() != "sim/ui"]
        if path.name in ("__init__.py", "__main__.py") and rel.parent.as_posix() in (
            "sim",
            "sim/ui",
        ):
            continue
        if f"`{rel.as_posix()}`" not in text and not any(
            f"`{folder.as_posix()}/`" in text for folder in folders
        ):
            missing.append(rel.as_posix())
    assert not missing, f"modules missing from docs/guide/layout.md: {missing}"


#: Pages whose Python blocks a reader copies first; they run here as written.
RUNNABLE_PAGES = ("getting-started/analyst.md", "getting-started/researcher.md", "guide/usage.md")


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_python_examples_on_the_getting_started_pages_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(
        r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(encoding="utf-8"), re.S
    )
    assert blocks, f"{page} has no Python example"
    namespace: dict = {}
    for block in blocks:  # one reader's session: later blocks use earlier names
        exec(compile(block, page, "exec"), namespace)
