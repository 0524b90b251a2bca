"""``mse-sim constants``: list the calibration constants (name, default, range, unit, meaning).

Every constant can be changed per run like a lever: ``--set name=value`` (a vector by element,
``--set base_cost.process=180``, or whole, ``--set base_cost=[200,150,250,120,350]``), a
``[constants]`` table in a scenario file, ``constants={...}`` in the Python API, or a sweep
spec's parameter.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from sim.checks import did_you_mean
from sim.constants import DERIVED, MECHANISMS, REGISTRY, Constant, names
from sim.errors import UserInputError
from sim.scenario import FIELDS  # noqa: F401  (importing the scenario declares every constant)


def _range(c: Constant) -> str:
    return f"{c.low:g} - {c.high:g}"


def listing(module: str | None = None, match: str | None = None, *, long: bool = False) -> str:
    """The constants as plain text, optionally of one module and/or matching a word."""
    chosen = [
        REGISTRY[n]
        for n in names(module)
        if not match or match.lower() in n or match.lower() in REGISTRY[n].meaning.lower()
    ]
    if not chosen:
        raise UserInputError(
            f"no constant matches {match!r}" + (f" in module {module}" if module else "")
        )
    lines = []
    current = None
    for c in chosen:
        if c.module != current:
            current = c.module
            lines.append(f"\n[{current}]  (sim/{current}.py)")
        if c.kind == "vector":
            lines.append(f"  {c.name:<28} {'(vector)':<16} range {_range(c):<14} {c.unit}")
            lines.append(
                "      default "
                + ", ".join(f"{lab}={x:g}" for lab, x in zip(c.labels, c.default, strict=True))
            )
        else:
            lines.append(f"  {c.name:<28} {c.default_text():<16} range {_range(c):<14} {c.unit}")
        lines.append(
            textwrap.fill(c.meaning, 96, initial_indent=" " * 6, subsequent_indent=" " * 6)
        )
        if long:
            lines.append(
                textwrap.fill(
                    f"source: {c.source}", 96, initial_indent=" " * 6, subsequent_indent=" " * 6
                )
            )
    if module in (None, "finance") and not match:
        for name, (_, meaning) in DERIVED.items():
            lines.append(f"  {name:<28} (derived, not set) {meaning}")
    head = (
        f"{len(chosen)} calibration constants; set any per run with --set NAME=VALUE "
        "(vectors: NAME.ELEMENT=VALUE), a [constants] table in a scenario file or a "
        "sweep spec."
    )
    return head + "\n" + "\n".join(lines).lstrip("\n")


def _cmd_constants(args: argparse.Namespace) -> int:
    if args.module and args.module not in MECHANISMS:
        did = did_you_mean(args.module, MECHANISMS)
        raise UserInputError(
            f"--module {args.module!r}: not a mechanism module{did} "
            f"(allowed: {', '.join(MECHANISMS)})"
        )
    print(listing(args.module, args.name, long=args.sources))
    return 0


def register(sub: Any) -> None:
    """Add the ``constants`` subcommand."""
    p = sub.add_parser("constants", help="list the calibration constants (settable with --set)")
    p.add_argument(
        "name", nargs="?", help="show only constants whose name or meaning contains this word"
    )
    p.add_argument("--module", help=f"only one mechanism module ({', '.join(MECHANISMS)})")
    p.add_argument("--sources", action="store_true", help="also say where each default comes from")
    p.set_defaults(func=_cmd_constants)
