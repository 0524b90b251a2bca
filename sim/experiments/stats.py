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


def outcome_steps(steps: int) -> tuple[int, ...]:
    """The steps :func:`outcome` averages over: the last ``OUTCOME_WINDOW`` of 0 .. ``steps``.

    Examples:
        >>> from sim.experiments.stats import outcome_steps
        >>> outcome_steps(120)[0], outcome_steps(120)[-1], outcome_steps(5)
        (109, 120, (0, 1, 2, 3, 4, 5))
    """
    return tuple(range(max(steps + 1 - OUTCOME_WINDOW, 0), steps + 1))


def outcome(series: np.ndarray, steps: int) -> np.ndarray:
    """Return each seed's outcome: the mean of ``series`` (seeds, steps + 1) over the window.

    Examples:
        >>> import numpy as np
        >>> from sim.experiments import outcome
        >>> series = np.arange(26, dtype=float).reshape(2, 13)   # 2 seeds, months 0..12
        >>> outcome(series, steps=12)   # each seed's mean over the outcome window
        array([ 6.5, 19.5])
    """
    window = min(OUTCOME_WINDOW, steps + 1)
    return series[:, -window:].mean(axis=1)


def paired_effect(baseline: np.ndarray, intervention: np.ndarray) -> tuple[float, float, float]:
    """Return the mean paired difference and its two-sided paired-t confidence interval.

    Args:
        baseline: One outcome per seed, baseline arm.
        intervention: One outcome per seed (same seeds, same order), intervention arm.

    Returns:
        ``(effect, ci_low, ci_high)``. If every difference is equal the interval has width 0.

    Examples:
        >>> import numpy as np
        >>> from sim.experiments import paired_effect
        >>> effect, low, high = paired_effect(np.array([1., 2, 3, 4]), np.array([2., 3, 5, 5]))
        >>> round(effect, 2), round(low, 2), round(high, 2)
        (1.25, 0.45, 2.05)
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
