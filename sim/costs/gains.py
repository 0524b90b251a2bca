"""Who gains from a guideline: paired changes by group of MSEs, and in the margin split.

Arms share seeds, and a group (excluded, remote, poorest fifth...) holds the same MSEs in
both arms (the population is drawn from the seed; levers only move thresholds and scales),
so each group's change is a paired difference over seeds with a paired-t interval.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from sim.experiments import ExperimentResult, Guideline, paired_effect

#: Guidelines whose levers the report also shows one by one: guideline 6 moves roads and ICT
#: at once, and its effect is otherwise read as "roads beat credit".
LEVER_BY_LEVER: tuple[str, ...] = ("g6",)
#: Columns of :func:`who_gains`.
COLUMNS: tuple[str, ...] = (
    "dimension",
    "group",
    "n_mse",
    "upgrading_change",
    "upgrading_ci_low",
    "upgrading_ci_high",
    "income_change",
    "income_ci_low",
    "income_ci_high",
    "margin_change",
    "margin_ci_low",
    "margin_ci_high",
)


def who_gains(result: ExperimentResult) -> pd.DataFrame:
    """Change by group of MSEs, and in each party's margin per unit sold, with 95% CIs.

    Args:
        result: An experiment run with the probe :func:`sim.who_gains.summary`.

    Returns:
        One row per row of :func:`sim.who_gains.distribution`: for MSE groups the change
        in the share that upgraded (``upgrading_change``, a fraction) and in mean monthly
        income over the last 12 months (``income_change``, currency units); for margin rows
        the change in the party's share of the end-market payment (``margin_change``).

    Examples:
        >>> from sim.who_gains import summary
        >>> from sim.experiments import run_experiments
        >>> results = run_experiments(["g4"], "baseline", seeds=2, steps=12, workers=1, n_mse=200,
        ...                    probe=summary)   # the probe records who was reached
        >>> from sim.costs import who_gains
        >>> table = who_gains(results["g4"])
        >>> list(table.columns[:4])
        ['dimension', 'group', 'n_mse', 'upgrading_change']
    """
    if not result.probes:
        raise ValueError(
            "the experiment was run without a probe; run it with probe=sim.who_gains.summary"
        )
    base = [p["distribution"] for p in result.probes["baseline"]]
    new = [p["distribution"] for p in result.probes["intervention"]]
    first = base[0]
    rows = []
    for k in range(len(first)):
        row = {
            "dimension": first.iloc[k]["dimension"],
            "group": first.iloc[k]["group"],
            "n_mse": first.iloc[k]["n_mse"],
        }
        for column, name in (
            ("share_upgraded", "upgrading"),
            ("mean_income", "income"),
            ("payment_share", "margin"),
        ):
            b = np.array([float(d.iloc[k][column]) for d in base])
            n = np.array([float(d.iloc[k][column]) for d in new])
            if np.isnan(b).any() or np.isnan(n).any():
                row.update(
                    {f"{name}_change": np.nan, f"{name}_ci_low": np.nan, f"{name}_ci_high": np.nan}
                )
                continue
            effect, low, high = paired_effect(b, n)
            row.update({f"{name}_change": effect, f"{name}_ci_low": low, f"{name}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def lever_by_lever(guideline: Guideline) -> list[Guideline]:
    """Split a guideline that moves several levers into one experiment per lever.

    The parts have ids such as ``g6:ict_access`` and the same comparison arm, so that their
    costs and effects can be set beside the whole guideline's (they need not add up: levers
    interact).

    Examples:
        >>> from sim.costs import lever_by_lever
        >>> from sim.experiments import get_guideline
        >>> [part.id for part in lever_by_lever(get_guideline("g6"))]
        ['g6:physical_distance', 'g6:ict_access']
    """
    if len(guideline.intervention) < 2:
        return []
    return [
        replace(
            guideline,
            id=f"{guideline.id}:{change.lever}",
            action=f"{guideline.action}: {change.lever.replace('_', ' ')} only",
            intervention=(change,),
        )
        for change in guideline.intervention
    ]
