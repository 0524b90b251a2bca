"""What each metric means: labels, units and kinds, and the metrics derived from others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is read: the one description the report, the app and the plots share.

    Attributes:
        label: Plain words, lower case, that fit in a sentence ("process upgrading").
        unit: Unit of the value ("share of MSEs", "currency units a month", "groups").
        kind: ``share`` (a fraction, shown in percent, effects in percentage points) or
            ``level`` (effects in percent of the baseline value).
    """

    label: str
    unit: str
    kind: str

    @property
    def title(self) -> str:
        """The label with a capital first letter, for chart titles and legends."""
        return self.label[0].upper() + self.label[1:]


#: Every reported metric (and the derived ones in :data:`DERIVED`), in plain words. The
#: currency unit buys one unit of domestic product at the initial price (docs/ODD.md).
METRIC_INFO: dict[str, MetricInfo] = {
    "step": MetricInfo("month", "months", "level"),
    "share_process": MetricInfo("process upgrading", "share of the MSEs at the start", "share"),
    "share_product": MetricInfo("product upgrading", "share of the MSEs at the start", "share"),
    "share_functional": MetricInfo(
        "functional upgrading", "share of the MSEs at the start", "share"
    ),
    "share_channel": MetricInfo("channel upgrading", "share of the MSEs at the start", "share"),
    "share_intersectoral": MetricInfo(
        "intersectoral upgrading", "share of the MSEs at the start", "share"
    ),
    "share_upgraded": MetricInfo(
        "upgrading of any kind", "share of the MSEs at the start", "share"
    ),
    "share_upgraded_excluded": MetricInfo(
        "upgrading in the excluded group", "share of excluded MSEs", "share"
    ),
    "share_upgraded_included": MetricInfo(
        "upgrading in the included group", "share of included MSEs", "share"
    ),
    "upgrading_gap": MetricInfo(
        "the upgrading gap between included and excluded MSEs", "percentage points", "share"
    ),
    "mean_income": MetricInfo("mean income", "currency units a month", "level"),
    "income_volatility": MetricInfo("income volatility", "coefficient of variation", "level"),
    "share_in_distress": MetricInfo(
        "the share of MSEs in distress", "share of active MSEs", "share"
    ),
    "premium_share_mse": MetricInfo(
        "MSEs' share of the quality premium", "share of the premium", "share"
    ),
    "share_in_groups": MetricInfo(
        "membership of producer groups", "share of MSEs still in the chain", "share"
    ),
    "n_groups": MetricInfo("the number of groups", "groups", "level"),
    "mean_group_size": MetricInfo("mean group size", "members", "level"),
    "share_linked_lead_firm": MetricInfo(
        "links to lead firms", "share of MSEs still in the chain", "share"
    ),
    "mean_quality": MetricInfo("mean quality", "quality index (0-1)", "level"),
    "mean_unit_cost": MetricInfo("mean unit cost", "currency units a unit", "level"),
    "n_active": MetricInfo("the number of active MSEs", "MSEs", "level"),
    "n_entrants": MetricInfo("new MSEs entering this month", "MSEs a month", "level"),
    "gini_income": MetricInfo("income inequality (Gini)", "Gini coefficient (0-1)", "level"),
    "share_sales_domestic": MetricInfo(
        "sales in the domestic market", "share of units sold", "share"
    ),
    "share_sales_export": MetricInfo("sales in the export market", "share of units sold", "share"),
    "share_sales_specialty": MetricInfo(
        "sales in the specialty market", "share of units sold", "share"
    ),
    "share_in_second_chain": MetricInfo(
        "MSEs producing in the second value chain", "share of active MSEs", "share"
    ),
    "n_traders_active": MetricInfo("the number of traders operating", "traders", "level"),
    "mean_trader_margin": MetricInfo(
        "traders' net margin", "share of the value traders bought", "share"
    ),
    "share_sold_via_brokers": MetricInfo(
        "sales through MSE brokers", "share of units sold", "share"
    ),
    "export_share_output": MetricInfo("the export share of output", "share of output", "share"),
    "lead_firm_share_output": MetricInfo(
        "the share of output sold to lead firms", "share of output", "share"
    ),
    "share_output_product": MetricInfo(
        "the share of output of an upgraded product", "share of output", "share"
    ),
    "farmgate_share": MetricInfo(
        "the farmgate share of the end-market price", "share of the buyers' price", "share"
    ),
    "farmgate_share_export": MetricInfo(
        "the farmgate share of the export price", "share of the buyers' price", "share"
    ),
    "farmgate_share_groups": MetricInfo(
        "group members' farmgate share of the end-market price",
        "share of the buyers' price",
        "share",
    ),
    "mean_price_received": MetricInfo(
        "the price producers receive", "currency units a unit", "level"
    ),
    "share_practising_product": MetricInfo(
        "producers with an upgraded product now", "share of active MSEs", "share"
    ),
    "share_practising_process": MetricInfo(
        "producers with an upgraded process now", "share of active MSEs", "share"
    ),
    "n_agents_active": MetricInfo("the number of active sales agents", "sales agents", "level"),
    "share_selling_via_agents": MetricInfo(
        "producers selling through sales agents", "share of the original MSEs", "share"
    ),
    "mean_income_cohort": MetricInfo(
        "mean income per original MSE, exits counted", "currency units a month", "level"
    ),
    "share_linked_dropped": MetricInfo(
        "lead-firm suppliers who dropped out", "share of MSEs ever linked", "share"
    ),
    "share_members_informed": MetricInfo(
        "group members with direct price information", "share of group members", "share"
    ),
    "share_side_selling": MetricInfo(
        "contracted suppliers side-selling", "share of suppliers under contract", "share"
    ),
    "lead_firm_profit": MetricInfo("lead firms' profit", "currency units a month", "level"),
    "price_domestic": MetricInfo(
        "the domestic price", "currency units a unit of quality 0", "level"
    ),
    "price_export": MetricInfo("the export price", "currency units a unit of quality 0", "level"),
    "price_specialty": MetricInfo(
        "the specialty price", "currency units a unit of quality 0", "level"
    ),
}

#: Metrics computed from the model's columns after a run: name -> (source columns, function).
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    # Positive when included MSEs upgrade more than excluded ones; guideline 5 should shrink it.
    "upgrading_gap": (
        ("share_upgraded_included", "share_upgraded_excluded"),
        lambda included, excluded: included - excluded,
    ),
}


def metric_info(metric: str) -> MetricInfo:
    """Return a metric's description (a plain fallback for a name not in the table)."""
    return METRIC_INFO.get(metric, MetricInfo(metric.replace("_", " "), "", "level"))


def source_columns(metrics) -> tuple[str, ...]:
    """Return the model columns needed to compute ``metrics`` (derived ones included)."""
    cols: dict[str, None] = {}
    for metric in metrics:
        for col in DERIVED[metric][0] if metric in DERIVED else (metric,):
            cols[col] = None
    return tuple(cols)


def derive(metric: str, column) -> np.ndarray:
    """Return a metric's values from ``column(name)``, computing a derived metric.

    Args:
        metric: A model column or a name in :data:`DERIVED`.
        column: A function returning a source column's values (any array shape).
    """
    if metric in DERIVED:
        sources, fn = DERIVED[metric]
        return fn(*(column(c) for c in sources))
    return column(metric)
