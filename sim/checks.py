"""Checks on user input shared by every layer: types of values, and "did you mean" hints.

Every reader of a user's file or option (scenarios, constants, sweep specs, targets, costs,
calibration specs, the CLI) checks values with these, so a whole number means the same thing
everywhere (``True`` is not one, ``3.0`` is not one, a numpy integer is) and an unknown name
gets the same hint.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from sim.errors import UserInputError


def is_whole_number(value: Any) -> bool:
    """Whether ``value`` is an integer (Python or numpy), and not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_real_number(value: Any, *, finite: bool = False) -> bool:
    """Whether ``value`` is a real number (int or float, Python or numpy), and not a bool.

    Args:
        value: Anything.
        finite: Also require it to be finite (no NaN, no infinity).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return False
    return not finite or math.isfinite(value)


def did_you_mean(name: str, known: Iterable[str], prefix: str = "") -> str:
    """Return ``"; did you mean 'x'?"`` for the known name closest to ``name``, or ``""``.

    The text is meant to follow the part of a message that names the unknown value, e.g.
    ``f"unknown field '{name}'{did_you_mean(name, FIELDS)} (known: ...)"``.

    Args:
        name: The unknown name.
        known: The names allowed there.
        prefix: Written before the suggestion (e.g. ``"base_cost."`` for an element).
    """
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{prefix}{hint[0]}'?" if hint else ""


def check_whole_number(
    value: Any,
    what: str,
    low: int = 0,
    high: int | None = None,
    error: type[UserInputError] = UserInputError,
) -> int:
    """Return ``value`` as an int if it is a whole number from ``low`` (to ``high``).

    Args:
        value: The value given.
        what: Its name in the message (an argument, an option or a field).
        low: The smallest allowed.
        high: The largest allowed (``None``: no limit).
        error: The error type to raise (a :class:`UserInputError`).

    Raises:
        UserInputError: (or ``error``) Not a whole number in the range; the message names
            ``what``, the value and the range.
    """
    if not is_whole_number(value) or value < low or (high is not None and value > high):
        allowed = f"{low} or more" if high is None else f"from {low} to {high}"
        raise error(f"{what}: value {value!r} is not allowed (a whole number, {allowed})")
    return int(value)
