"""The documentation site's API reference covers every public name, each with an example.

``make docs`` builds the site (strict: Sphinx fails on any warning or dangling reference);
these tests check what the build cannot know: that nothing public is left out of the
reference, that every public function and class shows an example, and that every command's
``--help`` ends with examples that its parser accepts. The examples themselves run in
``tests/project/test_examples.py``.
"""

from __future__ import annotations

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
    return [(package, name) for package in PUBLIC
            for name in importlib.import_module(package).__all__ if name != "__version__"]


def public_callables() -> list[tuple[str, str]]:
    """(package, name) of every public function and class."""
    return [(p, n) for p, n in public_names() if callable(getattr(importlib.import_module(p), n))
            and not isinstance(getattr(importlib.import_module(p), n), dict)]


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
    for name in ("sim.run", "sim.ValueChainModel", "sim.ValueChainScenario", "sim.validate",
                 "sim.distribution"):
        assert name in documented


def test_the_reference_documents_nothing_that_is_not_public():
    public = {f"{p}.{n}" for p, n in public_names()}
    extra = sorted(_documented() - public)
    assert not extra, f"docs/reference/ documents names that are not public: {extra}"


@pytest.mark.parametrize(("package", "name"), public_callables(),
                         ids=lambda v: v if "." not in v else v)
def test_every_public_function_and_class_has_an_example(package, name):
    doc = inspect.getdoc(getattr(importlib.import_module(package), name)) or ""
    assert re.search(r"^Examples?:\n(?:\s.*\n)*?\s+>>> ", doc + "\n", re.M), (
        f"{package}.{name}: its docstring needs an 'Examples:' section with >>> lines")


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
