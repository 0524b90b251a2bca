"""The ``mse-sim`` command (also ``python -m sim``).

Each subcommand lives in one module of this package with a ``register(subparsers)`` function
that adds its parser and sets ``func`` (a callable taking the parsed arguments and returning
an exit code). Commands whose optional extra is missing still register, and say which extra
to install when run.

Exit codes: 0 success, 2 bad input (a message, no traceback, no partial file), 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim import __version__
from sim.errors import UserInputError
from sim.ui.cli import (
    app,
    calibrate,
    constants,
    discover,
    experiment,
    handout,
    optimize,
    run,
    sweep,
    validate,
)

#: Modules that add subcommands, in the order ``--help`` lists them.
COMMANDS = (
    run,
    experiment,
    sweep,
    validate,
    calibrate,
    optimize,
    discover,
    app,
    handout,
    constants,
)

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2

#: Examples shown at the end of each command's ``--help`` (and in the documentation site's
#: command reference); ``tests/project/test_site.py`` parses every line with the parser.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "mse-sim": (
        "mse-sim scenarios",
        "mse-sim run baseline --steps 120 --seed 1 --out run.csv",
        "mse-sim experiment all --scenario baseline --out out/report",
    ),
    "run": (
        "mse-sim run baseline --steps 120 --seed 1",
        "mse-sim run kenya-avocados --set credit_access=0.8 --out run.csv --plot run.png",
        "mse-sim run my-case.toml --set base_cost.process=180 --out run.parquet",
    ),
    "scenarios": (
        "mse-sim scenarios",
        "mse-sim scenarios --info kenya-avocados",
    ),
    "experiment": (
        "mse-sim experiment g4 --scenario kenya-avocados --out out/g4",
        "mse-sim experiment all --scenario baseline --out out/report",
        "mse-sim experiment g5 --seeds 40 --set max_group_size=30 --out out/g5",
    ),
    "sweep": (
        "mse-sim sweep experiments/sweeps/sobol-two-levers.toml --out out/sobol-two-levers",
        "mse-sim sweep experiments/sweeps/morris-screening.toml --out out/morris --workers 2",
    ),
    "analyze": (
        "mse-sim analyze out/sobol-two-levers --metric share_upgraded --plot sobol.png",
        "mse-sim analyze out/morris --metric share_upgraded@60 --plot morris.png",
    ),
    "validate": (
        "mse-sim validate kenya-avocados",
        "mse-sim validate all --seeds 20 --out out/validation",
    ),
    "calibrate": (
        "mse-sim calibrate kenya-avocados --parameters intermediary_rent=0:1 --budget 2000 "
        "--out out/cal",
    ),
    "optimize": ("mse-sim optimize --scenario kenya-avocados --budget 200000 --out out/opt",),
    "discover": (
        "mse-sim discover out/g4-with --baseline out/g4-without --metric share_upgraded "
        "--below 0.01 --out out/discover",
    ),
    "app": (
        "mse-sim app",
        "mse-sim app --lang es --port 8800",
    ),
    "handout": ("mse-sim handout g1 --scenario kenya-avocados --lang es --out g1.pdf",),
    "constants": (
        "mse-sim constants --module groups",
        "mse-sim constants hazard --sources",
    ),
}


class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions as usual, but prints the examples (the epilog) line by line."""

    def add_text(self, text: str | None) -> None:  # noqa: D102
        if text and text.startswith("examples:"):
            self._add_item(lambda: text + "\n", [])
        else:
            super().add_text(text)


def _examples(command: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors become `UserInputError` (exit 2, no traceback)."""

    def error(self, message: str):  # noqa: D102
        raise UserInputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``mse-sim`` argument parser with every subcommand.

    Each command's ``--help`` ends with examples (:data:`EXAMPLES`).

    Examples:
        >>> from sim.ui.cli import build_parser
        >>> args = build_parser().parse_args(["run", "baseline", "--steps", "12"])
        >>> args.command, args.scenario, args.steps
        ('run', 'baseline', 12)
    """
    parser = _Parser(
        prog="mse-sim",
        description="MSE upgrading in value chains: an ABM.",
        epilog=_examples("mse-sim"),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"mse-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    for name, command_parser in sub.choices.items():
        if name in EXAMPLES:
            command_parser.epilog = _examples(name)
            command_parser.formatter_class = _Formatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 internal error, 2 bad input).

    Examples:
        >>> from sim.ui.cli import main
        >>> main(["--version"])  # doctest: +ELLIPSIS
        mse-sim ...
        0
    """
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or EXIT_OK)
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)


if __name__ == "__main__":
    sys.exit(main())
