"""Errors that mean "the user gave bad input" (or lacks an optional extra), as distinct from bugs.

The CLI turns every :class:`UserInputError` into a one-paragraph message and exit code 2;
anything else is an internal error (exit code 1). :func:`import_extra` is the one way a module
imports a library of an optional extra (``app``, ``ema``, ``calibrate``, ``optimize``): when it
is missing, the :class:`MissingExtraError` names the extra and how to install it.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from types import ModuleType

#: The distribution's name on PyPI, as a user installs it.
DISTRIBUTION = "mse-upgrading"


class UserInputError(ValueError):
    """Bad input from a user: a file, a field, a value or an option.

    Examples:
        >>> import sim
        >>> try:
        ...     sim.run("nowhere")
        ... except sim.UserInputError as error:   # the CLI prints it and exits with code 2
        ...     print(str(error).split(" (")[0])
        unknown scenario 'nowhere'
    """


class MissingExtraError(UserInputError, ImportError):
    """A library of an optional extra is not installed; the message names the extra.

    Attributes:
        extra: The extra that installs it (``app``, ``ema``, ``calibrate``, ``optimize``).
    """

    def __init__(self, extra: str, needed_by: str, missing: str):
        self.extra = extra
        super().__init__(
            f"{needed_by} needs {missing} (not installed); install the "
            f"'{extra}' extra: pip install '{DISTRIBUTION}[{extra}]'"
        )


def import_extra(
    module: str, extra: str, needed_by: str, *, quiet: str | None = None
) -> ModuleType:
    """Import a library of an optional extra, or raise an error naming the extra.

    Args:
        module: The module to import, e.g. ``"pyabc"`` or ``"ema_workbench.analysis.prim"``.
        extra: The extra that installs it.
        needed_by: What needs it, for the message (e.g. ``"calibration"``).
        quiet: A regular expression of warnings to silence while importing (some libraries
            warn at import about optional packages of their own).

    Raises:
        MissingExtraError: The module cannot be imported.
    """
    try:
        with warnings.catch_warnings():
            if quiet is not None:
                warnings.filterwarnings("ignore", message=quiet)
            return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(extra, needed_by, module.split(".")[0]) from exc


def check_extra(modules: tuple[str, ...], extra: str, needed_by: str) -> None:
    """Check that an extra's modules are installed, without importing them.

    Raises:
        MissingExtraError: One or more are missing (all of them are named).
    """
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(extra, needed_by, ", ".join(missing))
