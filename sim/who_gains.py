"""Who gains: one model's outcomes split by group of MSEs, and who keeps what of each sale.

:func:`distribution` reads the model's state (never a study's output) and returns one
DataFrame:

* MSE groups, each dimension a partition of the original cohort (the MSEs at the start, rows
  ``0 .. cohort_size - 1``; MSEs that enter later, `sim.entry`, are not in it, so that the
  groups are those an intervention at the start could reach), so that counts, upgraders and
  income add up to the whole: the excluded and the included group; near, middle and
  remote MSEs (terciles of remoteness); and quintiles of initial wealth (the cash each MSE
  started with, kept by the model as ``initial_cash``);
* the margin: what the end-market buyers paid last month for each unit sold, split among the
  MSEs (net of transport), intermediaries (traders), brokers, lead firms, and transport and
  marketing paid to third parties. An MSE broker is an MSE: what it kept of its neighbours'
  sales is the brokers' part, and the rest of its revenue is in the MSEs' part.

:func:`reach` counts the MSEs an intervention can be said to have reached (connected,
financed, linked, grouped, trained), the base of the per-MSE costs in :mod:`sim.costs`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.detmath import sum_in_order
from sim.population import INCOME_MEMORY

#: Reach kinds: name -> what is counted (every count is of MSEs, from the model's state).
REACH: dict[str, str] = {
    "all": "every MSE in the chain at the start",
    "connected": "MSEs with ICT access (phones, market information services)",
    "financed": "MSEs that took at least one long-term investment loan",
    "linked": "MSEs that supplied a lead firm at some time",
    "grouped": "MSEs that belonged to a producer group at some time",
    "excluded": "MSEs of the excluded group (the audience of targeted facilitation)",
    "none": "nobody (a lever with no per-MSE cost)",
}

#: The dimensions of MSE groups, in the order of the table.
DIMENSIONS: tuple[str, ...] = ("all", "social group", "distance", "initial wealth")
#: Groups of the distance dimension (terciles of remoteness, nearest first).
DISTANCE_GROUPS: tuple[str, ...] = ("near", "middle", "remote")
#: Groups of the initial-wealth dimension (quintiles of starting cash, poorest first).
WEALTH_GROUPS: tuple[str, ...] = ("Q1 poorest", "Q2", "Q3", "Q4", "Q5 richest")
#: Who shares the end-market payment, in the order of the margin rows.
PARTIES: tuple[str, ...] = ("MSEs", "traders", "brokers", "lead firms", "transport")
#: The table's columns (NaN where a column does not apply to a row).
COLUMNS: tuple[str, ...] = (
    "dimension",
    "group",
    "n_mse",
    "mse_share",
    "upgraded",
    "share_upgraded",
    "mean_income",
    "income_share",
    "per_unit",
    "payment_share",
)


def reach(model: Any) -> dict[str, int]:
    """Count the MSEs reached, by kind (see :data:`REACH`), from the model's state.

    Counted over the original cohort (the MSEs at the start); entrants are not in it.

    Args:
        model: A :class:`sim.model.ValueChainModel` (at any step).

    Returns:
        Kind -> number of MSEs.
    """
    pop, n = model.population, _cohort(model)
    return {
        "all": n,
        "connected": int(pop.ict[:n].sum()),
        "financed": int(model.ever_financed[:n].sum()),
        "linked": int(model.ever_linked[:n].sum()),
        "grouped": int(model.ever_grouped[:n].sum()),
        "excluded": int(pop.excluded[:n].sum()),
        "none": 0,
    }


def _cohort(model: Any) -> int:
    """Rows of the original cohort (the MSEs at the start)."""
    return int(getattr(model, "cohort_size", model.population.n))


def horizon_income(model: Any) -> float:
    """Total income of all MSEs over every month simulated so far (currency units).

    Entrants' incomes are in it from the month they enter (the ledger's totals).

    From the model's ledger: sales revenue less production cost plus outside earnings, which
    is the sum of every MSE's monthly income.
    """
    ledger = model.ledger
    return float(ledger["revenue"] - ledger["production_cost"] + ledger["outside_income"])


def recent_income(model: Any) -> np.ndarray:
    """Each MSE's mean monthly income over the last 12 months (0 after it exited)."""
    months = min(int(model.steps), INCOME_MEMORY)
    pop = model.population
    return pop.income_sum / months if months else np.zeros(pop.n)


def _equal_groups(values: np.ndarray, k: int) -> list[np.ndarray]:
    """Split MSE rows into ``k`` groups of (nearly) equal size by rank of ``values``."""
    order = np.argsort(values, kind="stable")
    return np.array_split(order, k)


def _group_rows(model: Any) -> list[dict[str, Any]]:
    pop = model.population
    n = _cohort(model)  # the original cohort: rows 0 .. n - 1
    upgraded = pop.upgrades[:n] != 0
    income = recent_income(model)[:n]
    total_income = sum_in_order(income)
    everyone = np.arange(n)
    parts: list[tuple[str, str, np.ndarray]] = [("all", "all", everyone)]
    parts += [
        ("social group", "included", np.flatnonzero(~pop.excluded[:n])),
        ("social group", "excluded", np.flatnonzero(pop.excluded[:n])),
    ]
    parts += [
        ("distance", name, rows)
        for name, rows in zip(DISTANCE_GROUPS, _equal_groups(pop.remoteness[:n], 3), strict=True)
    ]
    parts += [
        ("initial wealth", name, rows)
        for name, rows in zip(WEALTH_GROUPS, _equal_groups(model.initial_cash[:n], 5), strict=True)
    ]
    rows = []
    for dimension, group, members in parts:
        size = members.size
        group_income = sum_in_order(income[members])
        rows.append(
            {
                "dimension": dimension,
                "group": group,
                "n_mse": size,
                "mse_share": size / n if n else np.nan,
                "upgraded": int(upgraded[members].sum()),
                "share_upgraded": float(upgraded[members].mean()) if size else np.nan,
                "mean_income": group_income / size if size else np.nan,
                "income_share": group_income / total_income if total_income else np.nan,
            }
        )
    return rows


def margins(model: Any) -> dict[str, float]:
    """Last month's end-market payment and each party's part of it (currency units).

    Returns:
        ``units`` sold, ``payment`` by end-market buyers, and one entry per party in
        :data:`PARTIES`. Each part comes from its own rule in :mod:`sim.sales`, so that the
        parts adding up to the payment is a check, not true by construction.
    """
    sales = model.last_sales
    return {
        "units": sales.units_sold,
        "payment": sum_in_order(sales.buyer_payments),
        # A broker is an MSE whose revenue includes what it kept of its neighbours' sales:
        # counted once, as the brokers' part.
        "MSEs": sum_in_order(sales.revenue) - sales.broker_take,
        "traders": sum_in_order(sales.intermediary_take),
        "brokers": sales.broker_take,
        "lead firms": sum_in_order(sales.lead_firm_take),
        "transport": float(sales.transport),
    }


def distribution(model: Any) -> pd.DataFrame:
    """Who gains, in one model: outcomes by group of MSEs, and the margin per unit sold.

    Args:
        model: A :class:`sim.model.ValueChainModel` (at any step).

    Returns:
        One row per (dimension, group), columns :data:`COLUMNS`:

        * MSE groups (dimensions ``all``, ``social group``, ``distance``,
          ``initial wealth``): ``n_mse`` and ``mse_share`` (of the original cohort),
          ``upgraded`` and ``share_upgraded`` (MSEs that made any upgrade), ``mean_income`` (mean monthly
          income over the last 12 months, currency units, 0 for MSEs that exited) and
          ``income_share`` (of all MSEs' income). Within a dimension the groups partition
          the MSEs, so counts, upgraders and income add up to the ``all`` row.
        * ``margin`` rows, one per party in :data:`PARTIES`: ``per_unit`` (currency units
          per unit sold last month) and ``payment_share`` (share of what end-market buyers
          paid). MSE brokers' part is what they kept of their neighbours' sales.

    Examples:
        >>> import sim
        >>> model = sim.ValueChainModel("baseline", rng=1, n_mse=200)
        >>> for _ in range(12):
        ...     model.step()
        >>> table = sim.distribution(model)
        >>> list(table.columns[:5])
        ['dimension', 'group', 'n_mse', 'mse_share', 'upgraded']
        >>> table.loc[0, "dimension"], table.loc[0, "group"], int(table.loc[0, "n_mse"])
        ('all', 'all', 200)
    """
    rows = _group_rows(model)
    m = margins(model)
    for party in PARTIES:
        rows.append(
            {
                "dimension": "margin",
                "group": party,
                "per_unit": m[party] / m["units"] if m["units"] else np.nan,
                "payment_share": m[party] / m["payment"] if m["payment"] else np.nan,
            }
        )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = df.astype({"n_mse": "Int64", "upgraded": "Int64"})  # counts; missing on margin rows
    df.attrs.update(
        {"step": int(model.steps), "units_sold": m["units"], "end_market_payment": m["payment"]}
    )
    return df


def summary(model: Any) -> dict[str, Any]:
    """What a study keeps of one finished run: reach, horizon income and the distribution.

    A top-level function of the model alone, so studies can send it to worker processes as
    the "probe" of :func:`sim.engines.run_columns`.
    """
    return {
        "reach": reach(model),
        "horizon_income": horizon_income(model),
        "distribution": distribution(model),
    }


#: Who-gains columns a sweep records at its last step when its spec says ``who_gains = true``:
#: upgrading and mean income of each group, and each party's share of the end-market payment.
WHO_GAINS_GROUPS: dict[str, tuple[str, str]] = {
    "included": ("social group", "included"),
    "excluded": ("social group", "excluded"),
    "near": ("distance", "near"),
    "middle": ("distance", "middle"),
    "remote": ("distance", "remote"),
    "wealth_q1": ("initial wealth", "Q1 poorest"),
    "wealth_q2": ("initial wealth", "Q2"),
    "wealth_q3": ("initial wealth", "Q3"),
    "wealth_q4": ("initial wealth", "Q4"),
    "wealth_q5": ("initial wealth", "Q5 richest"),
}
WHO_GAINS_MARGINS: dict[str, str] = {
    "mses": "MSEs",
    "traders": "traders",
    "brokers": "brokers",
    "lead_firms": "lead firms",
    "transport": "transport",
}
WHO_GAINS_COLUMNS: tuple[str, ...] = (
    *(f"who_{g}_{v}" for g in WHO_GAINS_GROUPS for v in ("share_upgraded", "mean_income")),
    *(f"who_margin_{m}" for m in WHO_GAINS_MARGINS),
)


def who_gains_columns(model: Any) -> dict[str, float]:
    """Return :data:`WHO_GAINS_COLUMNS` of a finished run (a probe for sweeps' workers).

    The same numbers as :func:`distribution`, flattened into one value per column.
    """
    df = distribution(model).set_index(["dimension", "group"])
    out: dict[str, float] = {}
    for name, key in WHO_GAINS_GROUPS.items():
        out[f"who_{name}_share_upgraded"] = float(df.loc[key, "share_upgraded"])
        out[f"who_{name}_mean_income"] = float(df.loc[key, "mean_income"])
    for name, group in WHO_GAINS_MARGINS.items():
        out[f"who_margin_{name}"] = float(df.loc[("margin", group), "payment_share"])
    return out
