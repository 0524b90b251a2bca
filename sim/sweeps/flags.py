"""Warnings on a sensitivity analysis: indices that cannot be read as they stand.

A Sobol' or RBD-FAST index is a share of variance, so it lies in [0, 1]. An estimate outside
[0, 1] by more than its confidence half-width says the estimator has not converged at this
sample size; an interval wider than :data:`MAX_HALF_WIDTH` either side cannot tell a large
index from a small one. Both are flagged, with the sample size that would bring the interval
down to :data:`MAX_HALF_WIDTH` (the half-width shrinks as ``1/sqrt(N)``, so the needed N is
``N x (half-width / MAX_HALF_WIDTH)^2``, rounded up to a power of two for Sobol').

Morris's μ* has the output's unit; its interval is too wide to rank the factors when it is
wider than :data:`MORRIS_RELATIVE_WIDTH` of the largest μ*. A grid's main effects and effects
table need at least two replicates for an interval.

The flags go into the table (a ``flag`` column), its ``attrs["warnings"]``, the terminal
text and the figure (:mod:`sim.ui.plots`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

#: Largest readable half-width of a Sobol' or RBD-FAST index's interval.
MAX_HALF_WIDTH = 0.1
#: Largest readable half-width of a Morris μ*'s interval, as a share of the largest μ*.
MORRIS_RELATIVE_WIDTH = 0.25
#: Index columns with their interval column, by method.
INDEX_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "lhs": (("S1", "S1_conf"),),
}


def needed_samples(samples: int, half_width: float, target: float, power_of_two: bool) -> int:
    """Return the sample size that brings ``half_width`` down to ``target`` (1/sqrt(N) rule)."""
    if not math.isfinite(half_width) or half_width <= target:
        return samples
    n = math.ceil(samples * (half_width / target) ** 2)
    return 1 << (n - 1).bit_length() if power_of_two else n


def _index_flags(key: str, value: float, conf: float, samples: int, method: str) -> list[str]:
    flags = []
    if math.isfinite(value) and math.isfinite(conf):
        if value - conf > 1:
            flags.append(
                f"{key} = {value:.2f} ± {conf:.2f} lies above 1 beyond its interval: "
                "not a valid share of variance at this N"
            )
        elif value + conf < 0:
            flags.append(
                f"{key} = {value:.2f} ± {conf:.2f} lies below 0 beyond its interval: "
                "not a valid share of variance at this N"
            )
    if not math.isfinite(conf) or conf > MAX_HALF_WIDTH:
        needed = needed_samples(samples, conf, MAX_HALF_WIDTH, method == "sobol")
        flags.append(
            f"{key} ± {conf:.2f} is too wide to read (more than ± {MAX_HALF_WIDTH:g}): "
            f"N too small: use at least N = {needed} (samples = {samples} now)"
        )
    return flags


def flag_indices(
    table: pd.DataFrame, method: str, samples: int, second_order: Sequence[dict[str, Any]] = ()
) -> tuple[list[str], list[str]]:
    """Return one flag text per row of a SALib table (``""`` when fine) and the warnings.

    Args:
        table: One row per parameter (from :func:`sim.sweeps.sensitivity.salib_indices`).
        method: ``sobol``, ``lhs`` or ``morris``.
        samples: The design's base sample size N (Morris: trajectories).
        second_order: Sobol' second-order records (``S2``, ``S2_conf``); flagged in place
            (a ``flag`` key) and counted in the warnings.

    Returns:
        ``(flags, warnings)``: a flag per row, and summary sentences for the analysis.
    """
    flags: list[list[str]] = [[] for _ in range(len(table))]
    needed = samples
    if method in INDEX_COLUMNS:
        for pos, (_, row) in enumerate(table.iterrows()):
            for key, conf in INDEX_COLUMNS[method]:
                found = _index_flags(key, float(row[key]), float(row[conf]), samples, method)
                flags[pos] += found
                needed = max(
                    needed,
                    needed_samples(samples, float(row[conf]), MAX_HALF_WIDTH, method == "sobol"),
                )
        for record in second_order:
            found = _index_flags("S2", record["S2"], record["S2_conf"], samples, method)
            record["flag"] = "; ".join(found)
            needed = max(
                needed,
                needed_samples(samples, record["S2_conf"], MAX_HALF_WIDTH, method == "sobol"),
            )
    elif method == "morris":
        top = float(table["mu_star"].max()) if len(table) else 0.0
        limit = MORRIS_RELATIVE_WIDTH * top
        for pos, (_, row) in enumerate(table.iterrows()):
            conf = float(row["mu_star_conf"])
            if top > 0 and (not math.isfinite(conf) or conf > limit):
                n = needed_samples(samples, conf, limit, False)
                needed = max(needed, n)
                flags[pos].append(
                    f"mu* ± {conf:.3g} is too wide to rank (more than "
                    f"{MORRIS_RELATIVE_WIDTH:.0%} of the largest mu*): N too small: use at "
                    f"least {n} trajectories (samples = {samples} now)"
                )
    texts = ["; ".join(f) for f in flags]
    warnings = _summary(texts, second_order, needed, samples, method)
    return texts, warnings


def _summary(
    texts: list[str], second_order: Sequence[dict[str, Any]], needed: int, samples: int, method: str
) -> list[str]:
    warnings = []
    outside = sum("beyond its interval" in t for t in texts)
    outside += sum("beyond its interval" in r.get("flag", "") for r in second_order)
    wide = sum("too wide" in t for t in texts) + sum(
        "too wide" in r.get("flag", "") for r in second_order
    )
    if outside:
        warnings.append(
            f"{outside} index value(s) lie outside [0, 1] beyond their interval: "
            "the estimates are not valid at this sample size"
        )
    if wide:
        unit = "trajectories" if method == "morris" else "N"
        warnings.append(
            f"{wide} interval(s) too wide to read: N too small: use at least "
            f"{unit} = {needed} (samples = {samples} now)"
        )
    return warnings


def flag_grid(table: pd.DataFrame, replicates: int) -> tuple[list[str], list[str]]:
    """Return the flags and warnings of a grid's main effects (no interval: one replicate)."""
    missing = table["ci_low"].isna() if len(table) else pd.Series(dtype=bool)
    text = "no interval: one replicate per design point: N too small: use at least 2 replicates"
    flags = [text if m else "" for m in missing]
    warnings = [text] if bool(missing.any()) and replicates < 2 else []
    return flags, warnings
