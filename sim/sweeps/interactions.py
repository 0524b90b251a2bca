"""Interactions in a sweep: a grid's effects table and Sobol' second-order indices, as tables.

**Grid effects.** Main effects alone (the output averaged over the other factors) hide how one
lever's effect depends on another. The effects table fits, within each replicate, a linear
regression of the output on every swept parameter and every pair's product, each parameter
scaled to its grid range and centred::

    z_i = (x_i - min_i) / (max_i - min_i) - 1/2        (so z_i runs from -1/2 to +1/2)
    y = b0 + sum_i b_i z_i + sum_{i<j} b_ij z_i z_j

so ``b_i`` is the change in the output when parameter *i* moves from its lowest to its highest
grid value, averaged over the others, and ``b_ij`` is how much *i*'s effect grows (or shrinks)
when *j* moves from its lowest to its highest value (on a 2 x 2 grid, exactly the interaction
contrast). The estimate is the mean over replicates of the per-replicate coefficients, and its
interval is a t interval over replicates: replicates are independent whether or not the sweep
uses common random numbers, so the interval is valid in both cases (and narrower with them,
because the design points of a replicate then share their seed).

**Second-order Sobol' indices** (``second_order = true``): SALib returns an upper-triangular
matrix; :func:`second_order_rows` turns it into one row per pair.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

INTERACTION_SIGN = " × "


def grid_effects(
    design: pd.DataFrame, runs: pd.DataFrame, names: list[str], column: str, conf_level: float
) -> list[dict[str, Any]]:
    """Return the effects table of a grid: main and pairwise interaction terms with intervals.

    Args:
        design: The grid (``point_id`` and one column per parameter).
        runs: The runs (``point_id``, ``replicate`` and ``column``).
        names: Swept parameters, in spec order.
        column: The output column.
        conf_level: Confidence level of the intervals.

    Returns:
        One record per term (``term``, ``kind``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n_replicates``, ``meaning``); parameters with a single grid value are left out. The
        interval is NaN with one replicate.
    """
    from scipy import stats

    varied = [n for n in names if design[n].nunique() > 1]
    if not varied:
        return []
    lows = {n: float(design[n].min()) for n in varied}
    highs = {n: float(design[n].max()) for n in varied}
    z = pd.DataFrame(
        {n: (design[n].astype(float) - lows[n]) / (highs[n] - lows[n]) - 0.5 for n in varied}
    )
    z.index = design["point_id"].to_numpy()
    pairs = list(itertools.combinations(varied, 2))
    terms = [*varied, *(f"{a}{INTERACTION_SIGN}{b}" for a, b in pairs)]
    x = np.column_stack(
        [np.ones(len(z)), *(z[n] for n in varied), *(z[a] * z[b] for a, b in pairs)]
    )
    if np.linalg.matrix_rank(x) < x.shape[1]:
        # Too few points for every pair (a grid always has enough; kept for safety).
        x, terms, pairs = x[:, : 1 + len(varied)], list(varied), []
    wide = runs.pivot(index="point_id", columns="replicate", values=column)
    wide = wide.reindex(z.index)
    coefficients = []
    for replicate in wide.columns:
        y = wide[replicate].to_numpy(float)
        ok = np.isfinite(y)
        beta, *_ = np.linalg.lstsq(x[ok], y[ok], rcond=None)
        coefficients.append(beta[1:])
    b = np.asarray(coefficients)
    n = len(b)
    estimate = b.mean(axis=0)
    if n > 1:
        t = float(stats.t.ppf(0.5 + conf_level / 2, n - 1))
        half = t * b.std(axis=0, ddof=1) / math.sqrt(n)
    else:
        half = np.full(len(terms), math.nan)
    rows = []
    for k, term in enumerate(terms):
        if k < len(varied):
            meaning = f"{term} from {lows[term]:g} to {highs[term]:g}, averaged over the others"
            kind = "main"
        else:
            a, b_name = pairs[k - len(varied)]
            meaning = (
                f"change in the effect of {a} ({lows[a]:g} to {highs[a]:g}) when "
                f"{b_name} goes from {lows[b_name]:g} to {highs[b_name]:g}"
            )
            kind = "interaction"
        rows.append(
            {
                "term": term,
                "kind": kind,
                "estimate": float(estimate[k]),
                "ci_low": float(estimate[k] - half[k]),
                "ci_high": float(estimate[k] + half[k]),
                "n_replicates": n,
                "meaning": meaning,
            }
        )
    return rows


def second_order_rows(
    names: list[str], s2: np.ndarray, s2_conf: np.ndarray
) -> list[dict[str, Any]]:
    """Return SALib's second-order matrices as one record per pair of parameters."""
    rows = []
    for i, j in itertools.combinations(range(len(names)), 2):
        rows.append(
            {
                "term": f"{names[i]}{INTERACTION_SIGN}{names[j]}",
                "S2": float(s2[i, j]),
                "S2_conf": float(s2_conf[i, j]),
            }
        )
    return rows


def effects_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return the effects table (grid) or second-order indices (Sobol') of an analysis.

    Both live in the analysis's ``attrs`` (``effects`` and ``second_order``), beside the main
    table; this returns whichever the analysis has as a DataFrame (empty if neither).
    """
    records = table.attrs.get("effects") or table.attrs.get("second_order") or []
    return pd.DataFrame(records)
