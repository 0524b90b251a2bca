"""Words for the cost studies: a portfolio front and a PRIM box, for a practitioner."""

from __future__ import annotations

import pandas as pd

from sim.costs.portfolio import OBJECTIVES
from sim.ui.numbers import format_number, format_usd


def _move_words(row: pd.Series, baseline: dict[str, float]) -> str:
    parts = []
    for column, move in row.items():
        if not str(column).startswith("move_") or abs(move) < 0.005:
            continue
        lever = str(column)[5:]
        start = baseline.get(lever, 0.0)
        parts.append(f"{lever.replace('_', ' ')} {start:.2f} → {start + move:.2f}")
    return ", ".join(parts) or "no lever moved"


def _objective_words(row: pd.Series, objectives: list[str]) -> str:
    words = []
    for o in objectives:
        value = row[f"obj_{o}"]
        if o == "income":
            words.append(f"{format_usd(value)} more MSE income over the horizon")
        elif o == "upgrading":
            words.append(f"{format_number(value, 1)} points more MSEs upgrading")
        else:
            words.append(
                f"the upgrading gap {'narrowed' if value >= 0 else 'widened'} by "
                f"{format_number(abs(value), 1)} points"
            )
    return "; ".join(words)


def front_text(front: pd.DataFrame) -> str:
    """A section a practitioner can read: the best mix found for each objective, in words.

    Args:
        front: :func:`sim.costs.optimize.optimize`'s table (its ``attrs`` say the search).
    """
    a = front.attrs
    objectives = list(a["objectives"])
    budget = format_usd(a["budget_usd"])
    lines = [f"# Best lever portfolios for {budget} in {a['scenario']}", ""]
    if front.empty:
        lines.append(
            f"No portfolio evaluated stayed within {budget} on every seed. Raise the "
            "budget, or search fewer or cheaper levers (see experiments/costs.toml)."
        )
        return "\n".join(lines) + "\n"
    lines.append(
        f"Searched {len(a['levers'])} levers ({', '.join(a['levers'])}) with NSGA-II: "
        f"{a['portfolios_evaluated']} portfolios over {a['generations']} generations, each run "
        f"on the same {len(a['seeds'])} seeds of {a['steps']} months and compared with no "
        f"intervention on those seeds. {len(front)} portfolios are on the front: none does "
        "better on every objective at once, and every one stays within the budget on every "
        "seed."
    )
    lines.append("")
    for o in objectives:
        best = front.loc[front[f"obj_{o}"].idxmax()]
        lines.append(
            f"- **Best for {o}** ({OBJECTIVES[o]}): with {budget} in {a['scenario']}, the best "
            f"mix found was {_move_words(best, a['baseline'])}, costing "
            f"{format_usd(best['cost_usd'])}: {_objective_words(best, objectives)}."
        )
    lines += [
        "",
        "What this does and does not mean: these are the model's consequences of "
        "the costs in experiments/costs.toml (mostly assumptions) and of its mechanisms; "
        "the search is a heuristic, so a better mix may exist; the objectives are means "
        "over the seeds, and a mix on the front trades one objective against another. "
        "Use it to see which levers keep appearing, not as a budget line.",
    ]
    return "\n".join(lines) + "\n"


def prim_text(box: pd.DataFrame, info: dict) -> str:
    """The PRIM box in words: the conditions, coverage and density.

    Args:
        box: One row per restricted parameter: ``parameter``, ``low``, ``high``,
            ``range_low``, ``range_high``.
        info: ``coverage``, ``density``, ``n_cases``, ``n_of_interest``, ``what`` (the
            outcome in words).
    """
    lines = [
        f"Scenario discovery (PRIM): {info['what']} in {info['n_of_interest']} of "
        f"{info['n_cases']} design points."
    ]
    if box.empty:
        lines.append("PRIM found no box that restricts any parameter usefully.")
        return "\n".join(lines) + "\n"
    lines.append(
        f"Box found: coverage {info['coverage']:.0%} (share of those cases inside "
        f"the box), density {info['density']:.0%} (share of the box's cases that "
        "are of interest). Conditions:"
    )
    for _, r in box.iterrows():
        lines.append(
            f"  {r['parameter']:<24} from {r['low']:.3g} to {r['high']:.3g}   "
            f"(swept {r['range_low']:.3g} to {r['range_high']:.3g})"
        )
    return "\n".join(lines) + "\n"
