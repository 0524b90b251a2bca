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
COMMANDS = (run, experiment, sweep, validate, calibrate, optimize, discover, app, handout,
            constants)

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors become `UserInputError` (exit 2, no traceback)."""

    def error(self, message: str):  # noqa: D102
        raise UserInputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``mse-sim`` argument parser with every subcommand."""
    parser = _Parser(prog="mse-sim", description="MSE upgrading in value chains: an ABM.")
    parser.add_argument("--version", action="version", version=f"mse-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 internal error, 2 bad input)."""
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
