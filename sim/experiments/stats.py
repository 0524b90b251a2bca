"""Paired statistics of experiments: the seeds, outcomes, paired effects and their intervals.

Both arms of an experiment use the same seeds (common random numbers), so the per-seed
difference removes most of the between-seed noise, and an effect is the mean of those
differences with a paired-t interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.checks import is_whole_number
from sim.errors import UserInputError

#: Confidence level of every interval.
CONFIDENCE = 0.95
#: An outcome is the mean over the last this-many months of a run: the state the chain
#: settles into, averaged over a year so that monthly price shocks do not decide the answer.
OUTCOME_WINDOW = 12


def t_crit(n: int) -> float:
    """Return the two-sided Student-t critical value for ``n`` paired observations."""
    # scipy is loaded on first use: importing it costs more than most experiments' setup.
    from scipy import stats

    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1))


def outcome(series: np.ndarray, steps: int) -> np.ndarray:
    """Return each seed's outcome: the mean of ``series`` (seeds, steps + 1) over the window."""
    window = min(OUTCOME_WINDOW, steps + 1)
    return series[:, -window:].mean(axis=1)


def paired_effect(baseline: np.ndarray, intervention: np.ndarray) -> tuple[float, float, float]:
    """Return the mean paired difference and its two-sided paired-t confidence interval.

    Args:
        baseline: One outcome per seed, baseline arm.
        intervention: One outcome per seed (same seeds, same order), intervention arm.

    Returns:
        ``(effect, ci_low, ci_high)``. If every difference is equal the interval has width 0.
    """
    d = np.asarray(intervention, float) - np.asarray(baseline, float)
    n = d.size
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    half = t_crit(n) * se
    return mean, mean - half, mean + half


def check_seeds(seeds: int | Sequence[int]) -> tuple[int, ...]:
    """Return the seeds of a paired comparison: ``n`` means seeds 0 .. n-1.

    Raises:
        UserInputError: Fewer than 2 seeds, repeated or negative seeds, or not whole numbers.
    """
    if isinstance(seeds, bool):
        raise UserInputError(f"seeds: value {seeds!r} is not a whole number of 2 or more")
    if is_whole_number(seeds):
        if seeds < 2:
            raise UserInputError(
                f"seeds: value {seeds} is not allowed (a confidence interval needs a whole "
                "number of 2 or more)"
            )
        return tuple(range(int(seeds)))
    try:
        out = tuple(int(s) for s in seeds)
    except (TypeError, ValueError):
        raise UserInputError(
            f"seeds: value {seeds!r} is not a count or a list of whole numbers"
        ) from None
    if len(set(out)) < 2 or len(set(out)) != len(out) or min(out) < 0:
        raise UserInputError(
            f"seeds: value {list(out)!r} is not allowed (2 or more distinct seeds, each 0 or more)"
        )
    return out
