"""Argument types and options shared by every ``mse-sim`` subcommand (one definition each).

The options that say where runs go (``--workers``, ``--scheduler``, ``--engine``) and
``--quiet`` are added by :func:`add_engine_options` and :func:`add_quiet_option`, so every
command spells and explains them alike.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from sim.engines import ENGINES
from sim.errors import UserInputError


def whole_number(text: str) -> int:
    """Argparse type: any whole number (ranges are checked where the value is used)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text: str) -> int:
    """Argparse type: a whole number of at least 1."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def seed(text: str) -> int:
    """Argparse type: a random seed, a whole number of 0 or more."""
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def port(text: str) -> int:
    """Argparse type: a port number (its range is checked when binding)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None


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


WORKERS_HELP = "worker processes (default: one per CPU); results do not depend on it"


def add_engine_options(
    parser: Any,
    *,
    cluster: bool = True,
    workers_default: int | None = None,
    workers_help: str = WORKERS_HELP,
) -> None:
    """Add the options that say where a command's runs go.

    ``--workers N``; with ``cluster``, also ``--scheduler ADDRESS`` (an existing Dask cluster;
    it excludes ``--workers``) and ``--engine local|dask``. With no ``--engine``, a scheduler
    means dask (:func:`sim.engines.choose_engine`). Read them back with
    :func:`engine_options`.

    Args:
        parser: The subcommand's parser.
        cluster: Offer ``--scheduler`` and ``--engine`` (the study runs on any engine).
        workers_default: The default of ``--workers`` (``None``: one per CPU).
        workers_help: Its help text.
    """
    where = parser.add_mutually_exclusive_group() if cluster else parser
    # any whole number: the study checks the range and names the option in its message
    where.add_argument(
        "--workers", type=whole_number, default=workers_default, metavar="N", help=workers_help
    )
    if cluster:
        where.add_argument(
            "--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster"
        )
        parser.add_argument(
            "--engine",
            choices=ENGINES,
            help="local processes (default) or dask (a LocalCluster of --workers)",
        )


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the study's keyword arguments from :func:`add_engine_options`'s options.

    ``workers``, and with the cluster options ``scheduler`` and ``engine`` (a scheduler
    replaces the default number of workers).
    """
    scheduler = getattr(args, "scheduler", None)
    if not hasattr(args, "engine"):
        return {"workers": args.workers}
    return {
        "workers": None if scheduler else args.workers,
        "scheduler": scheduler,
        "engine": args.engine,
    }


def add_quiet_option(parser: Any) -> None:
    """Add ``--quiet``: no progress output (``--no-progress``, its old name, still works)."""
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--no-progress", dest="quiet", action="store_true", help=argparse.SUPPRESS)


def add_arm_options(parser: Any, *, seeds: int, steps: int) -> None:
    """Add the options of commands that run a guideline's two arms on common seeds.

    ``--scenario``, ``--seeds``, ``--steps``, ``--workers``, ``--set`` and ``--quiet``.
    """
    parser.add_argument(
        "--scenario",
        default="baseline",
        help="bundled scenario name or path to a .toml file (default: baseline)",
    )
    parser.add_argument(
        "--seeds",
        type=whole_number,
        default=seeds,
        help=f"seeds per arm, at least 2 (default {seeds})",
    )
    parser.add_argument(
        "--steps", type=whole_number, default=steps, help=f"months per run (default {steps})"
    )
    add_engine_options(parser, cluster=False)
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a scenario field or a calibration constant (`mse-sim "
        "constants`) in both arms; repeatable",
    )
    add_quiet_option(parser)
