"""The census: counts and sums over the MSEs that many metrics share, one pass a month.

:func:`status` counts the MSEs (active, in the chain, in a group, each upgrade) and sums
their incomes, quality and unit cost once per step; the reporters read its :class:`Status`.
Also the incomes behind the Gini coefficient and the ratio every share is. From
`sim.threads.PARALLEL_MIN_MSES` MSEs the pass is split (:func:`census`): counts and per-MSE
terms over threads, the sums in row order on one thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.population import (
    FUNCTIONAL,
    INCOME_MEMORY,
    INTERSECTORAL,
    N_OPTIONS,
    Population,
)
from sim.threads import CHUNK, parallel

#: The coefficient of variation of income uses at least this mean, so that an MSE whose
#: income averages near zero does not make the metric explode.
MIN_MEAN_INCOME_FOR_CV = 5.0


@dataclass(frozen=True)
class Status:
    """Counts and sums shared by the metrics, for one step (one pass over the MSEs)."""

    step: int
    n: int
    n_cohort: int  # MSEs at the start: the upgrading counts are over them (rows 0 .. n_cohort - 1)
    n_active: int
    n_in_chain: int
    adopters: np.ndarray  # original MSEs that made each upgrade, (5,)
    n_upgraded: int
    n_excluded: int
    n_upgraded_excluded: int
    n_members: int
    n_groups: int
    n_distressed: int
    n_linked: int
    n_members_informed: int
    income: float  # summed over active MSEs
    income_cv: float  # summed over active MSEs
    quality: float  # summed over in-chain MSEs
    unit_cost: float  # summed over in-chain MSEs


def status(model) -> Status:
    """The shared counts and sums for the model's current step (computed once per step)."""
    cached = getattr(model, "_metrics_status", None)
    if cached is not None and cached.step == model.steps and cached.n == model.population.n:
        return cached
    pop = model.population
    counts, sums, _ = census(pop, _income_months(model), _NO_INCOMES, _cohort(model))
    return _cache_status(model, counts, sums)


def census(
    pop: Population, months: int, incomes: np.ndarray, cohort: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts and sums over all MSEs, and their incomes (see `_census`).

    From `sim.threads.PARALLEL_MIN_MSES` MSEs the counts, each MSE's income volatility and
    the incomes are worked out over threads in fixed chunks; below it, in one chunk. The
    sums are added in row order on one thread either way, so they are the same to the bit.
    """
    if parallel(pop.n):
        return _census_chunks(pop.state, months, incomes, cohort, CHUNK)
    return _census(pop.state, months, incomes, cohort)


def _cohort(model) -> int:
    """The MSEs at the start (rows ``0 .. cohort - 1``): the upgrading shares' population."""
    return int(getattr(model, "cohort_size", model.population.n))


def _income_months(model) -> int:
    """The months of income the census's volatility reads (at most `INCOME_MEMORY`)."""
    return min(int(model.steps), INCOME_MEMORY)


#: The incomes buffer of a census that does not collect them (see :func:`_census`).
_NO_INCOMES = np.empty(0)


def _cache_status(model, counts: np.ndarray, sums: np.ndarray) -> Status:
    """The :class:`Status` of a census's counts and sums, cached for the model's step."""
    pop = model.population
    # One conversion to Python numbers for all (indexing numpy makes a scalar each time).
    c, sums = counts.tolist(), sums.tolist()
    n_active, n_in_chain, n_upgraded, n_excluded = c[:4]
    upgraded_excluded, members, groups, distressed, linked, informed = c[4 + N_OPTIONS :]
    result = Status(
        step=model.steps,
        n=pop.n,
        n_cohort=_cohort(model),
        n_active=n_active,
        n_in_chain=n_in_chain,
        adopters=counts[4 : 4 + N_OPTIONS],
        n_upgraded=n_upgraded,
        n_excluded=n_excluded,
        n_upgraded_excluded=upgraded_excluded,
        n_members=members,
        n_groups=groups,
        n_distressed=distressed,
        n_linked=linked,
        n_members_informed=informed,
        income=sums[0],
        income_cv=sums[1],
        quality=sums[2],
        unit_cost=sums[3],
    )
    model._metrics_status = result
    return result


def forget_status(model) -> None:
    """Drop the step's cached counts, so the next metric recounts a state changed in between."""
    model._metrics_status = None
    model._metrics_outcomes = None


@njit(cache=True)
def _census(mse, months, incomes, cohort):
    """Counts and sums over all MSEs (``mse`` is an `MseState`), incomes over ``months``.

    The upgrading counts (upgraders, adopters of each option, the excluded group) are over
    the original cohort, rows ``0 .. cohort - 1`` (MSEs that entered later are not in them).
    The sums (income, income volatility, quality and unit cost) are added in row order.

    With an ``incomes`` buffer of one slot per MSE, the pass also writes the active MSEs'
    incomes into it as :func:`_active_incomes` does, and returns the filled part as well.

    The chunked census (`_census_chunks`) with one chunk, on one thread: the counting and
    the ordered sums are written once, for both.
    """
    n = mse.active.size
    collect = incomes.size == n
    terms = incomes if collect else np.empty(n)
    counts = np.zeros((1, N_COUNTS), np.int64)
    _count_chunk(mse, months, cohort, terms, counts[0], 0, n)
    total, sums, first = _add_up(mse, months, terms, counts)
    if not collect:
        return total, sums, incomes[:0]
    _copy_incomes(mse.income, mse.active, incomes, 0, 0, n)
    return total, sums, incomes[: first[1]]


@njit(cache=True, inline="always")
def _income_cv(income_sum, income_sumsq, months):
    """One MSE's coefficient of variation of income over ``months`` (at least 2)."""
    mean = income_sum / months
    var = max(income_sumsq / months - mean * mean, 0.0)
    return math.sqrt(var) / max(abs(mean), MIN_MEAN_INCOME_FOR_CV)


#: Slots of a census's counts, in the order `_census` returns them.
N_COUNTS = 10 + N_OPTIONS
#: Where the count of groups goes (counted in the chunked census's ordered pass).
GROUPS_SLOT = 6 + N_OPTIONS


@njit(cache=True, parallel=True)
def _census_chunks(mse, months, incomes, cohort, chunk):
    """`_census` with its counts, volatilities and incomes worked out over threads.

    Three passes: the counts and each active MSE's income volatility, chunk by chunk over
    threads (counts are whole numbers, exact in any order; the volatilities wait in the
    incomes buffer, or a scratch array without one); then the sums, added in row order on
    one thread (`_add_up`), with the count of distinct groups; then, with a buffer, each
    chunk's active incomes copied to their place, over threads again. `_census` runs the same
    three passes as one chunk.
    """
    # Only the two chunk loops here: numba would run any array expression of a parallel
    # function over threads too, each a round of waking them (the rest is in helpers).
    active = mse.active
    n = active.size
    n_chunks = (n + chunk - 1) // chunk
    collect = incomes.size == n
    terms = incomes if collect else _scratch(n)
    counts = _scratch_counts(n_chunks)
    for c in prange(n_chunks):
        start = c * chunk
        _count_chunk(mse, months, cohort, terms, counts[c], start, min(start + chunk, n))
    total, sums, first = _add_up(mse, months, terms, counts)
    if not collect:
        return total, sums, incomes[:0]
    for c in prange(n_chunks):
        start = c * chunk
        _copy_incomes(mse.income, active, incomes, first[c], start, min(start + chunk, n))
    return total, sums, incomes[: first[n_chunks]]


@njit(cache=True)
def _scratch(n):
    """An uninitialised array of ``n`` floats (made outside a parallel function)."""
    return np.empty(n)


@njit(cache=True)
def _scratch_counts(n_chunks):
    """Zeroed counts, one row of `N_COUNTS` a chunk (made outside a parallel function)."""
    return np.zeros((n_chunks, N_COUNTS), np.int64)


@njit(cache=True)
def _add_up(mse, months, terms, counts):
    """The chunked census's totals: counts, the ordered sums, where each chunk's incomes go.

    Returns:
        ``(total, sums, first)``: the counts of `_census` (the chunks' added up, with the
        distinct groups), its sums (`_ordered_sums`), and the first slot of each chunk's
        active incomes in the buffer (one more: their number).
    """
    group = mse.group
    n_seen = 2
    for i in range(group.size):
        n_seen = max(n_seen, group[i] + 2)
    sums, n_groups = _ordered_sums(mse, months, terms, n_seen)
    n_chunks = counts.shape[0]
    total = np.zeros(N_COUNTS, np.int64)
    first = np.zeros(n_chunks + 1, np.int64)
    for c in range(n_chunks):
        for k in range(N_COUNTS):
            total[k] += counts[c, k]
        first[c + 1] = first[c] + counts[c, 0]
    total[GROUPS_SLOT] = n_groups
    return total, sums, first


@njit(cache=True)
def _count_chunk(mse, months, cohort, terms, counts, start, stop):
    """The census's counts over MSEs ``start`` to ``stop``, and their volatility terms.

    Writes ``counts`` (the slots of `N_COUNTS`, the groups' left at 0) and ``terms[i]``, the
    amount MSE ``i`` adds to the volatility total (its income's coefficient of variation
    if active, else 0; unwritten before two months of incomes).
    """
    active, upgrades, excluded, group = mse.active, mse.upgrades, mse.excluded, mse.group
    cash, lead_firm, ict = mse.cash, mse.lead_firm, mse.ict
    income_sum, income_sumsq = mse.income_sum, mse.income_sumsq
    adopters = np.zeros(N_OPTIONS, np.int64)
    # Running counts in locals rather than array slots, so they stay in registers.
    n_active = n_in_chain = n_upgraded = n_excluded = upgraded_excluded = 0
    members = distressed = linked = informed = 0
    for i in range(start, stop):
        if i < cohort:
            upgraded = upgrades[i] != 0
            n_excluded += excluded[i]
            n_upgraded += upgraded
            upgraded_excluded += upgraded and excluded[i]
            for k in range(N_OPTIONS):
                adopters[k] += (upgrades[i] >> k) & 1
        here = active[i]
        n_active += here
        distressed += here and cash[i] < 0.0
        if months >= 2:
            terms[i] = _income_cv(income_sum[i], income_sumsq[i], months) * here
        in_chain = here and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        n_in_chain += in_chain
        linked += in_chain and lead_firm[i] >= 0
        if in_chain and group[i] >= 0:
            members += 1
            informed += ict[i] or lead_firm[i] >= 0 or (upgrades[i] >> FUNCTIONAL) & 1 == 1
    counts[0], counts[1], counts[2], counts[3] = n_active, n_in_chain, n_upgraded, n_excluded
    for k in range(N_OPTIONS):
        counts[4 + k] = adopters[k]
    counts[4 + N_OPTIONS], counts[5 + N_OPTIONS] = upgraded_excluded, members
    counts[7 + N_OPTIONS], counts[8 + N_OPTIONS] = distressed, linked
    counts[9 + N_OPTIONS] = informed


@njit(cache=True)
def _ordered_sums(mse, months, terms, n_seen):
    """The census's sums, added in row order, and the number of distinct groups.

    Returns:
        ``(sums, groups)``: the active MSEs' income total, the volatility terms' total, and
        the in-chain MSEs' quality and unit cost totals, (4,); and the groups with an
        in-chain member.
    """
    active, upgrades, group = mse.active, mse.upgrades, mse.group
    income, quality, unit_cost = mse.income, mse.quality, mse.unit_cost
    seen = np.zeros(n_seen, np.bool_)
    groups = 0
    income_total = cv_total = quality_total = unit_cost_total = 0.0
    for i in range(active.size):
        here = active[i]
        income_total += income[i] * here
        if months >= 2:
            cv_total += terms[i]
        in_chain = here and (upgrades[i] >> INTERSECTORAL) & 1 == 0
        quality_total += quality[i] * in_chain
        unit_cost_total += unit_cost[i] * in_chain
        if in_chain and group[i] >= 0 and not seen[group[i]]:
            seen[group[i]] = True
            groups += 1
    return np.array([income_total, cv_total, quality_total, unit_cost_total]), groups


@njit(cache=True)
def _copy_incomes(income, active, incomes, first, start, stop):
    """Copy the incomes of active MSEs ``start`` to ``stop`` to ``incomes[first:]``, as `_census`."""
    k = first
    for i in range(start, stop):
        if active[i]:
            incomes[k] = income[i] if income[i] > 0.0 else 0.0
            k += 1


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole else 0.0


@njit(cache=True)
def _active_incomes(income, active):
    """The active MSEs' incomes, losses as +0.0 (never -0.0, which would sort either way)."""
    x = np.empty(active.size)
    n = 0
    for i in range(active.size):
        if active[i]:
            x[n] = income[i] if income[i] > 0.0 else 0.0
            n += 1
    return x[:n].copy()


@njit(cache=True)
def _gini_of_sorted(x):
    """The Gini coefficient of ascending values, summed in a fixed order.

    Not a BLAS dot product: BLAS adds in an order that depends on the CPU's kernels.
    """
    n = x.size
    total = weighted = 0.0
    for i in range(n):
        total += x[i]
        weighted += (2.0 * (i + 1) - n - 1) * x[i]
    return weighted / (n * total) if total > 0.0 else 0.0
