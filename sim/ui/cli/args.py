"""Argument types shared by every ``mse-sim`` subcommand (one definition each)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

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


def add_arm_options(parser: Any, *, seeds: int, steps: int) -> None:
    """Add the options of commands that run a guideline's two arms on common seeds.

    ``--scenario``, ``--seeds``, ``--steps``, ``--workers``, ``--set`` and ``--quiet``.
    """
    parser.add_argument("--scenario", default="baseline",
                        help="bundled scenario name or path to a .toml file (default: baseline)")
    parser.add_argument("--seeds", type=whole_number, default=seeds,
                        help=f"seeds per arm, at least 2 (default {seeds})")
    parser.add_argument("--steps", type=whole_number, default=steps,
                        help=f"months per run (default {steps})")
    parser.add_argument("--workers", type=whole_number, default=None,
                        help="worker processes (default: one per CPU); results do not depend "
                             "on it")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a scenario field or a calibration constant (`mse-sim "
                             "constants`) in both arms; repeatable")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
