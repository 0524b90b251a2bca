"""Regenerate the parameter tables of docs/ODD.md from the code.

The ODD's prose is written by hand; its two parameter tables are generated, so that they cannot
drift from the code:

- ``scenario-fields``: every field of :data:`sim.scenario.FIELDS` with meaning, unit, range and
  default, and its source (the comment on the field's line in ``scenarios/baseline.toml``);
- ``constants``: every calibration constant of the registry (:mod:`sim.constants`, declared in
  its mechanism module) with default, allowed range, unit, meaning, source and the functions
  that use it.

Each table sits between ``<!-- BEGIN GENERATED name ... -->`` and ``<!-- END GENERATED name -->``
markers in ODD.md. Usage::

    python docs/gen_odd_tables.py          # rewrite the blocks in docs/ODD.md
    python docs/gen_odd_tables.py --check  # exit 1 if out of date (tests/project/test_docs.py)
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import numpy as np

from sim.constants import MECHANISMS

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: The mechanism modules, which declare the calibration constants (`sim.constants.MECHANISMS`).
MODULES = MECHANISMS
#: Modules searched for the functions that use a constant (their UPPERCASE locals).
USER_MODULES = MODULES + ("channels", "model", "metrics", "agents")
#: Index and size names that are labels, not calibration.
NOT_CALIBRATION = {"N_CHANNELS", "N_OPTIONS", "CHANNELS", "UPGRADE_TYPES", "ALL_OPTIONS"}

BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED (?P<name>[\w-]+)[^>]*-->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED (?P=name) -->)",
    re.S,
)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _fmt(value) -> str:
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(f"{x:.6g}" for x in value.tolist()) + "]"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def baseline_comments() -> dict[str, str]:
    """The comment on each parameter line of scenarios/baseline.toml."""
    comments = {}
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(\w+)\s*=\s*[^#]+#\s*(.*)$", line)
        if m:
            comments[m.group(1)] = m.group(2).strip()
    return comments


def scenario_fields_table() -> str:
    """Table 1: every scenario field with meaning, unit, range, default and source."""
    from sim.scenario import FIELDS

    comments = baseline_comments()
    rows = [
        "| field | meaning | unit | range | default | source (scenarios/baseline.toml) |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in FIELDS.items():
        low, high = (
            (f"{f.low:g}", f"{f.high:g}") if f.kind is float else (f"{f.low:,}", f"{f.high:,}")
        )
        default = f"{f.default:g}" if f.kind is float else f"{f.default:,}"
        source = comments.get(name, "calibration choice")
        rows.append(
            f"| `{name}` | {_cell(f.label)}: {_cell(f.doc)} | {_cell(f.unit)} | "
            f"{low} – {high} | {default} | {_cell(source)} |"
        )
    return "\n".join(rows) + "\n"


def _module_files(modules) -> list[tuple[str, Path]]:
    """(dotted name under ``sim``, file) of each module; a package gives each of its modules."""
    found = []
    for mod in modules:
        package = ROOT / "sim" / mod
        if package.is_dir():
            found += [
                (mod if p.stem == "__init__" else f"{mod}.{p.stem}", p)
                for p in sorted(package.glob("*.py"))
            ]
        else:
            found.append((mod, ROOT / "sim" / f"{mod}.py"))
    return found


def _users() -> dict[str, list[str]]:
    """Constant name -> functions (``sim.module.function``) whose code names it."""
    users: dict[str, list[str]] = {}
    for mod, path in _module_files(USER_MODULES):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                scopes.append((f"sim.{mod}.{node.name}", node))
            elif isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef):
                        scopes.append((f"sim.{mod}.{node.name}.{sub.name}", sub))
        for qualified, node in scopes:
            for sub in ast.walk(node):
                name = (
                    sub.id
                    if isinstance(sub, ast.Name)
                    else sub.attr
                    if isinstance(sub, ast.Attribute)
                    else None
                )
                if not (name and re.fullmatch(r"[A-Z][A-Z0-9_]*", name)):
                    name = _record_read(sub)
                if name:
                    found = users.setdefault(name.upper(), [])
                    if qualified not in found:
                        found.append(qualified)
    return users


def _is_record(node: ast.AST) -> bool:
    """Whether ``node`` is ``consts[0]``, ``values_of(...)`` or ``k`` (a run's constants)."""
    return (
        (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "consts"
        )
        or (isinstance(node, ast.Name) and node.id == "k")
        or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "values_of"
        )
    )


def _record_read(node: ast.AST) -> str | None:
    """The constant read by ``consts[0].name``, ``values_of(consts)["name"]`` or ``k.name``."""
    if isinstance(node, ast.Attribute) and _is_record(node.value):
        return node.attr
    if (
        isinstance(node, ast.Subscript)
        and _is_record(node.value)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def constants_table() -> str:
    """Table 2: every calibration constant from the registry (sim.constants), with its users."""
    from sim.constants import DERIVED, REGISTRY, names
    from sim.scenario import FIELDS  # noqa: F401  (importing it declares every constant)

    users = _users()
    rows = [
        "| constant | module | default | range | unit | meaning | source | used in |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names():
        c = REGISTRY[name]
        default = c.default_text()
        if c.kind == "vector":
            default += " (" + ", ".join(c.labels) + ")"
        used = ", ".join(f"`{u}`" for u in users.get(name.upper(), [])) or "—"
        rows.append(
            f"| `{name}` | {c.module} | {default} | {c.low:g} – {c.high:g} | "
            f"{_cell(c.unit)} | {_cell(c.meaning)} | {_cell(c.source)} | {used} |"
        )
    for name, (_, meaning) in DERIVED.items():
        used = ", ".join(f"`{u}`" for u in users.get(name.upper(), [])) or "—"
        rows.append(
            f"| `{name}` | finance | derived | — | per unit borrowed | "
            f"{_cell(meaning)} | computed, not set | {used} |"
        )
    return "\n".join(rows) + "\n"


GENERATORS = {"scenario-fields": scenario_fields_table, "constants": constants_table}


def regenerate(text: str) -> str:
    """Return ``text`` with every generated block rewritten from the code."""
    seen = set()

    def replace(m: re.Match) -> str:
        name = m.group("name")
        if name not in GENERATORS:
            raise KeyError(f"unknown generated block {name!r} in ODD.md")
        seen.add(name)
        return m.group(1) + GENERATORS[name]() + m.group(4)

    new = BLOCK.sub(replace, text)
    missing = set(GENERATORS) - seen
    if missing:
        raise KeyError(f"ODD.md lacks generated block(s): {', '.join(sorted(missing))}")
    return new


def main(argv: list[str] | None = None) -> int:
    """Regenerate the tables in docs/ODD.md, or with --check report whether they are stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if docs/ODD.md's generated tables are out of date",
    )
    args = parser.parse_args(argv)
    text = ODD.read_text(encoding="utf-8")
    new = regenerate(text)
    if args.check:
        if new != text:
            print(
                "docs/ODD.md: generated tables are out of date; run python docs/gen_odd_tables.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print("docs/ODD.md: tables regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
