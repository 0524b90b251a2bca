"""The ``mse-sim`` command (also ``python -m sim``).

Subcommands: ``run`` and ``scenarios`` live here; the others are registered by the modules in
:data:`COMMAND_MODULES`, each exposing ``register_cli(subparsers)`` that adds its parser and
sets ``func`` (a callable taking the parsed arguments and returning an exit code).

Exit codes: 0 success, 2 bad input (a message, no traceback, no partial file), 1 internal error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from sim.errors import UserInputError

#: Modules that add subcommands (each has ``register_cli(subparsers)``).
COMMAND_MODULES: tuple[str, ...] = ("sim.sweeps", "sim.experiments", "sim.app")

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors become `UserInputError` (exit 2, no traceback)."""

    def error(self, message: str):  # noqa: D102
        raise UserInputError(f"{self.prog}: {message}")


def parse_assignments(items: Sequence[str] | None) -> dict[str, str]:
    """Parse ``--set key=value`` items into a dict (values validated later by the scenario).

    Raises:
        UserInputError: An item without ``=``.
    """
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"--set {item!r}: expected key=value, e.g. credit_access=0.5")
        out[key.strip()] = value.strip()
    return out


def positive_int(text: str) -> int:
    """Argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.io import check_table_path, write_table
    from sim.model import run
    from sim.plots import check_figure_path, plot_run
    from sim.scenario import coerce_scenario

    scenario = coerce_scenario(args.scenario, parse_assignments(args.set))
    if args.out:
        check_table_path(args.out)
    if args.plot:
        check_figure_path(args.plot)
    df = run(scenario, steps=args.steps, rng=args.seed)
    print(summary_table(df))
    if args.out:
        print(f"wrote {write_table(df, args.out)}")
    if args.plot:
        print(f"wrote {plot_run(df, args.plot)}")
    return EXIT_OK


def summary_table(df) -> str:
    """Format the start, middle and end of a run's metrics as a small text table."""
    from sim.metrics import SUMMARY_METRICS

    rows = sorted({0, len(df) // 2, len(df) - 1})
    head = f"{'metric':<26}" + "".join(
        f"{'step ' + str(int(df['step'].iloc[r])):>12}" for r in rows)
    lines = [f"scenario {df.attrs.get('scenario', {}).get('name', '?')}, seed "
             f"{df.attrs.get('seed')}, mse-sim {df.attrs.get('version')}", head]
    for metric in SUMMARY_METRICS:
        lines.append(f"{metric:<26}" + "".join(f"{df[metric].iloc[r]:>12.3f}" for r in rows))
    return "\n".join(lines)


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from sim.scenario import INFO_KEYS, list_scenarios, read_scenario_file

    if args.info:
        sf = read_scenario_file(args.info)
        print(f"{sf.scenario.name}: {sf.description}\n")
        for key in INFO_KEYS:
            if key in sf.info:
                print(key.replace("_", " ").upper())
                print(textwrap.fill(" ".join(sf.info[key].split()), 88))
                print()
        print("PARAMETERS (changed from the defaults)")
        from sim.scenario import FIELDS

        for name, value in sf.scenario.params().items():
            if value != FIELDS[name].default:
                print(f"  {name:<24} {value:<8} (default {FIELDS[name].default})")
        return EXIT_OK
    for name in list_scenarios():
        sf = read_scenario_file(name)
        print(f"{name:<26} {sf.description}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Build the ``mse-sim`` argument parser with every subcommand."""
    from sim import __version__

    parser = _Parser(prog="mse-sim", description="MSE upgrading in value chains: an ABM.")
    parser.add_argument("--version", action="version", version=f"mse-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="run one scenario and summarise it")
    p.add_argument("scenario", nargs="?", default="baseline",
                   help="bundled scenario name or path to a .toml file (default: baseline)")
    p.add_argument("--steps", type=positive_int, default=120, help="months to simulate")
    p.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a scenario field; repeatable")
    p.add_argument("--out", type=Path, help="write the time series (.csv or .parquet)")
    p.add_argument("--plot", type=Path, help="write upgrading curves (.png, .svg or .pdf)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("scenarios", help="list bundled scenarios or show one's info")
    p.add_argument("--info", metavar="NAME", help="print the scenario's Info text")
    p.set_defaults(func=_cmd_scenarios)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register_cli(sub)
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
