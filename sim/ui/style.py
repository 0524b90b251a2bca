"""The one palette and the projector type sizes, shared by every figure, the report and the app.

Okabe-Ito colours: safe for colour-blind viewers and still distinct on a washed-out
projector.
"""

from __future__ import annotations

#: One colour per upgrading type (in the order of :data:`sim.population.UPGRADE_TYPES`), and
#: a light grey for MSEs that have not upgraded.
UPGRADE_COLOURS: dict[str, str] = {
    "none": "#b8b8b8",
    "process": "#0072B2",
    "product": "#E69F00",
    "functional": "#009E73",
    "channel": "#CC79A7",
    "intersectoral": "#D55E00",
}

#: One colour per link on the value-chain picture: an MSE selling through a village
#: intermediary, supplying a lead firm, selling directly (after functional upgrading; the
#: functional colour), or selling through an MSE broker (a neighbour who took on the
#: trader's job: sky blue, drawn dashed to stand apart from the lead firms' blue).
LINK_COLOURS: dict[str, str] = {
    "trader": "#8a8a8a",
    "lead_firm": "#0072B2",
    "direct": "#009E73",
    "broker": "#56B4E9",
}

#: The two arms of an experiment.
BASELINE_COLOUR = "#6b6b6b"
INTERVENTION_COLOUR = "#0072B2"
#: The report's accent (headings, rules).
ACCENT_COLOUR = "#0b6fb8"

#: Colours of the run figure's other series.
SERIES_COLOURS: dict[str, str] = {
    "mean_income": "#0072B2",
    "income_volatility": "#D55E00",
    "premium_share_mse": "#E69F00",
    "share_in_groups": "#009E73",
    "share_linked_lead_firm": "#CC79A7",
}

#: matplotlib settings for a projector at the back of a room.
PROJECTOR_RC: dict[str, object] = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "lines.linewidth": 2.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
