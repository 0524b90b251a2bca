"""Model reporters: one small function per metric, each taking the model.

These are the `DataCollector` model reporters and the columns of :func:`sim.run`'s
DataFrame; the names are a fixed contract. Upgrading shares are cumulative and
intention-to-treat: their denominator is the original cohort (the MSEs at the start, rows
``0 .. cohort_size - 1``), so they never fall when MSEs exit, and MSEs that enter later
(`sim.entry`) are in neither part of them (else entry, which a better chain attracts, would
dilute the effect of whatever made it better). Income, distress and link metrics describe the
MSEs active now, entrants included; the intention-to-treat form of income follows the original
cohort (``mean_income_cohort``, exits counted at their outside income), as do
``share_selling_via_agents`` and the who-gains tables (`sim.who_gains`). ``n_entrants`` counts
the month's entrants.

The masks several metrics share (active, in the chain, in a group, upgrade counts) are
computed once per step by :func:`status`; the sums of the metrics measured as the case
sources measured them (export share of output, farmgate share, practices, sales agents,
income per original MSE) once per step by :func:`outcomes`. :class:`MetricsCollector` takes
a month's row of the default metrics from :func:`row`: those two passes and a few sums, the
same values bit for bit as calling each reporter.

The modules, one job each (every public name is importable from ``sim.metrics``):

- `sim.metrics.census`: the counts and sums many metrics share (:func:`status`);
- `sim.metrics.outcomes`: the sums of the metrics measured as the sources measured them;
- `sim.metrics.reporters`: one function per metric, :data:`REPORTERS`, :data:`METRICS`;
- `sim.metrics.collector`: a month's row (:func:`row`) and :class:`MetricsCollector`;
- `sim.metrics.info`: what each metric means (:data:`METRIC_INFO`) and derived metrics.
"""

from __future__ import annotations

from sim.metrics.census import MIN_MEAN_INCOME_FOR_CV, Status, forget_status, status
from sim.metrics.collector import MetricsCollector, row
from sim.metrics.info import (
    DERIVED,
    METRIC_INFO,
    MetricInfo,
    derive,
    metric_info,
    source_columns,
)
from sim.metrics.outcomes import Outcomes, outcomes
from sim.metrics.reporters import (
    METRICS,
    REPORTERS,
    SUMMARY_METRICS,
    export_share_output,
    farmgate_share,
    farmgate_share_export,
    farmgate_share_groups,
    gini_income,
    income_volatility,
    lead_firm_profit,
    lead_firm_share_output,
    mean_group_size,
    mean_income,
    mean_income_cohort,
    mean_price_received,
    mean_quality,
    mean_trader_margin,
    mean_unit_cost,
    n_active,
    n_agents_active,
    n_entrants,
    n_groups,
    n_traders_active,
    premium_share_mse,
    price_domestic,
    price_export,
    price_specialty,
    share_channel,
    share_functional,
    share_in_distress,
    share_in_groups,
    share_in_second_chain,
    share_intersectoral,
    share_linked_dropped,
    share_linked_lead_firm,
    share_members_informed,
    share_output_product,
    share_practising_process,
    share_practising_product,
    share_process,
    share_product,
    share_sales_domestic,
    share_sales_export,
    share_sales_specialty,
    share_selling_via_agents,
    share_side_selling,
    share_sold_via_brokers,
    share_upgraded,
    share_upgraded_excluded,
    share_upgraded_included,
    step,
)

__all__ = [
    "DERIVED",
    "METRICS",
    "METRIC_INFO",
    "MIN_MEAN_INCOME_FOR_CV",
    "MetricInfo",
    "MetricsCollector",
    "Outcomes",
    "REPORTERS",
    "SUMMARY_METRICS",
    "Status",
    "derive",
    "export_share_output",
    "farmgate_share",
    "farmgate_share_export",
    "farmgate_share_groups",
    "forget_status",
    "gini_income",
    "income_volatility",
    "lead_firm_profit",
    "lead_firm_share_output",
    "mean_group_size",
    "mean_income",
    "mean_income_cohort",
    "mean_price_received",
    "mean_quality",
    "mean_trader_margin",
    "mean_unit_cost",
    "metric_info",
    "n_active",
    "n_agents_active",
    "n_entrants",
    "n_groups",
    "n_traders_active",
    "outcomes",
    "premium_share_mse",
    "price_domestic",
    "price_export",
    "price_specialty",
    "row",
    "share_channel",
    "share_functional",
    "share_in_distress",
    "share_in_groups",
    "share_in_second_chain",
    "share_intersectoral",
    "share_linked_dropped",
    "share_linked_lead_firm",
    "share_members_informed",
    "share_output_product",
    "share_practising_process",
    "share_practising_product",
    "share_process",
    "share_product",
    "share_sales_domestic",
    "share_sales_export",
    "share_sales_specialty",
    "share_selling_via_agents",
    "share_side_selling",
    "share_sold_via_brokers",
    "share_upgraded",
    "share_upgraded_excluded",
    "share_upgraded_included",
    "source_columns",
    "status",
    "step",
]
