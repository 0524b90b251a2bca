"""What a validation under posterior uncertainty adds: its modes, checks, draws and columns.

``mse-sim validate --uncertainty posterior`` (:func:`sim.validation.validate` with
``uncertainty="posterior"``) runs each case at draws of the shipped posterior of the
calibration constants (``sim.posterior()``) × seeds; this module holds what that needs
besides the runs: the modes and their defaults, the check of the options (before any work),
the case at a draw's constants, and the columns the table gains.

Each case and its arms run at ``draws`` draws of the posterior (a weighted resample,
:func:`sim.experiments.uncertainty.pick_draws`), on the same seeds at every draw and in every
arm (common random numbers). Per target, with ``x[d, s]`` its number at draw ``d`` and seed
``s``, ``mean`` is the mean over all of them (the posterior-predictive mean), ``ci_low`` /
``ci_high`` the combined interval (parameters and seeds) and ``seed_low`` / ``seed_high`` the
seed-only one, both from :func:`sim.experiments.uncertainty.combine`; ``status`` applies the
target's own rule to that mean and combined interval (:data:`POSTERIOR_PASS_RULE`), and
``share_draws_pass`` is the share of draws under which it passes (each draw's mean and seed
interval, by the same rule). Placebos run as in the seeds mode, at the default constants, so
``discriminates`` and the headline's N are the seeds mode's; the headline still counts
observations only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.checks import check_whole_number
from sim.errors import UserInputError
from sim.validation.targets import CaseTargets

#: What a validation's intervals account for: ``seeds`` (the model at its default constants,
#: the seeds' noise only; the default) or ``posterior`` (the constants drawn from the shipped
#: posterior too).
UNCERTAINTY_MODES = ("seeds", "posterior")
#: Posterior draws when none are given (``uncertainty="posterior"``).
DEFAULT_DRAWS = 10
#: Seeds per draw when none are given (``uncertainty="posterior"``).
DEFAULT_POSTERIOR_SEEDS = 5
#: The pass rule under posterior uncertainty, in words.
POSTERIOR_PASS_RULE = (
    "under posterior uncertainty a target passes by its own rule (mean, interval, overlap) "
    "applied to the mean over every draw and seed (the posterior-predictive mean) and the "
    "combined 95% interval (parameters and seeds); share_draws_pass is the share of draws "
    "whose own mean and seed interval pass by the same rule"
)
#: Columns a validation under posterior uncertainty adds after :data:`COLUMNS`: ``ci_low`` and
#: ``ci_high`` are then the combined interval (parameters and seeds), ``seed_low`` and
#: ``seed_high`` the seed-only one, ``parameter_share`` the parameters' share of the variance,
#: ``share_draws_pass`` the share of draws under which the target passes, ``n_draws`` the
#: draws judged (a draw with a seed giving no number, a ratio over zero, is left out).
POSTERIOR_COLUMNS = (
    "seed_low",
    "seed_high",
    "parameter_share",
    "share_draws_pass",
    "n_draws",
)


def check_uncertainty(uncertainty: str, draws: int | None) -> None:
    """Raise unless ``uncertainty`` is a mode and ``draws`` fits it (before any work).

    Examples:
        >>> from sim.validation.validate import check_uncertainty
        >>> check_uncertainty("posterior", 4)
        >>> check_uncertainty("seeds", 4)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sim.errors.UserInputError: --draws: value 4 is only allowed with --uncertainty ...
    """
    if uncertainty not in UNCERTAINTY_MODES:
        raise UserInputError(
            f"--uncertainty: value {uncertainty!r} is not a mode "
            f"(allowed: {', '.join(UNCERTAINTY_MODES)})"
        )
    if uncertainty != "posterior" and draws is not None:
        raise UserInputError(
            f"--draws: value {draws!r} is only allowed with --uncertainty posterior "
            f"(here --uncertainty {uncertainty})"
        )
    if draws is not None:
        check_whole_number(draws, "--draws", 2)


def check_posterior_columns(post: pd.DataFrame, cases: Sequence[CaseTargets]) -> None:
    """Raise when a posterior has no draws or a column that is not a scenario field."""
    if len(post) == 0:
        raise UserInputError("posterior: value (no draws) is not allowed (at least 2 draws)")
    first = {c: float(v) for c, v in post.iloc[0].items()}
    for ct in cases:
        draw_case(ct, first)  # the scenario names an unknown field and what is allowed


def draw_case(ct: CaseTargets, constants: Mapping[str, float]) -> CaseTargets:
    """Return the case at a posterior draw's ``constants`` (its arms' own changes still win)."""
    return dataclasses.replace(
        ct, scenario=ct.scenario.replace(**{k: float(v) for k, v in constants.items()})
    )
