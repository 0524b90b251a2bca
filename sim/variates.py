"""Normal, lognormal and beta draws from the model's uniforms, the same bits on every CPU.

numpy's ``Generator.normal``, ``lognormal`` and ``beta`` call the platform's libm (``exp``,
``log``, ``log1p``, ``pow``) for some or all of their draws, and libm's results depend on the
CPU (see :mod:`sim.detmath`): the ziggurat's tail draws, every lognormal draw. Its
``Generator.random`` and ``Generator.integers`` are integer arithmetic on the bit generator's
output and do not. So the model draws uniforms from its ``rng`` and turns them into variates
here, one uniform per normal or lognormal draw (by the inverse distribution function, which
also keeps the draws in a fixed layout whatever the values), ``a + b - 1`` per beta draw.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim import detmath


def standard_normal(rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Standard normal draws: the normal quantile of each of ``size`` uniform draws."""
    return detmath.normals_of_uniforms(rng.random(size))


def normal(
    rng: np.random.Generator, loc: float, scale: float, size: int | tuple[int, ...]
) -> np.ndarray:
    """Normal draws with mean ``loc`` and standard deviation ``scale``."""
    return loc + scale * standard_normal(rng, size)


def lognormal(
    rng: np.random.Generator, mean: float, sigma: float, size: int | tuple[int, ...]
) -> np.ndarray:
    """Lognormal draws: ``exp`` of normal draws with mean ``mean`` and sd ``sigma``."""
    return detmath.exp_each(mean + sigma * standard_normal(rng, size))


def beta(rng: np.random.Generator, a: int, b: int, size: int) -> np.ndarray:
    """Beta(a, b) draws for whole numbers a, b >= 1: the a-th smallest of a + b - 1 uniforms.

    The order statistic has exactly the beta distribution and needs no arithmetic at all, so
    it is the same on every machine. Draws ``size * (a + b - 1)`` uniforms.
    """
    if int(a) != a or int(b) != b or a < 1 or b < 1:
        raise ValueError(f"beta: shapes a={a!r}, b={b!r} must be whole numbers of 1 or more")
    return _order_statistic(rng.random((int(size), int(a) + int(b) - 1)), int(a))


@njit(cache=True)
def _order_statistic(uniforms, rank):
    """The ``rank``-th smallest (1 = smallest) of each row of ``uniforms``."""
    n, m = uniforms.shape
    out = np.empty(n)
    row = np.empty(m)
    for i in range(n):
        for j in range(m):  # insertion sort: a handful of values
            v = uniforms[i, j]
            k = j
            while k > 0 and row[k - 1] > v:
                row[k] = row[k - 1]
                k -= 1
            row[k] = v
        out[i] = row[rank - 1]
    return out


#: Means from which :func:`poisson` uses the normal approximation (exp(-mean) would be tiny).
POISSON_NORMAL_FROM = 200.0


def poisson(rng: np.random.Generator, mean: float) -> int:
    """One Poisson draw with ``mean`` from one uniform draw, the same on every CPU.

    By inversion of the distribution function (its terms ``p_k = p_(k-1) mean / k`` from
    ``p_0 = exp(-mean)``, :func:`sim.detmath.exp`), and from :data:`POISSON_NORMAL_FROM` on by
    the normal approximation with continuity correction (``sqrt`` is exact in IEEE
    arithmetic). Draws one uniform, whatever the mean (none for a mean of 0 or less).
    """
    if mean <= 0.0:
        return 0
    return int(_poisson_of_uniform(rng.random(), float(mean), POISSON_NORMAL_FROM))


@njit(cache=True)
def _poisson_of_uniform(u, mean, normal_from):
    if mean >= normal_from:
        k = math.floor(mean + math.sqrt(mean) * detmath.normal_of_uniform(u) + 0.5)
        return max(k, 0)
    p = detmath.exp(-mean)
    cumulative = p
    k = 0
    while u >= cumulative and p > 0.0:
        k += 1
        p = p * mean / k
        cumulative += p
    return k
