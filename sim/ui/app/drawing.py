"""The value-chain picture: MSEs by upgrade, their links to traders, lead firms and markets."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from sim.markets import CHANNELS
from sim.population import UPGRADE_TYPES
from sim.trade import DIRECT, VIA_LEAD_FIRM, link_type
from sim.ui.style import UPGRADE_COLOURS

#: Most MSEs drawn in the value-chain picture; above this a fixed, evenly spread sample is
#: drawn (a stable one, so the picture does not jitter from step to step).
MAX_DRAWN_MSES = 240


def _population(model):
    """Return the model's MSE state arrays (a :class:`sim.population.Population`)."""
    return model.population


def most_advanced_upgrade(upgrades: np.ndarray) -> np.ndarray:
    """Return 0 for no upgrade, else 1 + the index of the highest upgrade bit set."""
    upgrades = np.asarray(upgrades, dtype=np.int64)
    out = np.zeros(upgrades.shape, dtype=np.int64)
    for k in range(len(UPGRADE_TYPES)):
        out[(upgrades >> k) & 1 == 1] = k + 1
    return out


def sample_indices(n: int, k: int = MAX_DRAWN_MSES) -> np.ndarray:
    """Return up to `k` evenly spread MSE indices: stable from step to step."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, k).round().astype(np.int64))


def draw_value_chain(ax, model, *, title: str | None = None) -> None:
    """Draw the value chain: end markets, lead firms, intermediaries and MSEs, with links.

    Tiers run from buyers in the end markets (top) through the firms that buy from MSEs
    (intermediaries and lead firms, middle) down to the MSEs (bottom). Each drawn MSE is a dot
    coloured by its most advanced upgrade, placed next to the other members of its producer
    group (a shaded band per group); a line joins it to whom it sells to: its village's
    intermediary, the lead firm it supplies, or, after functional upgrading, the end market
    itself. Firms' links to end markets are as thick as the volume they carry there.

    Args:
        ax: Matplotlib axes to draw on.
        model: A :class:`~sim.model.ValueChainModel`.
        title: Title above the picture.
    """
    pop = _population(model)
    scenario = model.scenario
    active = np.asarray(pop.active, dtype=bool)
    links_all = np.asarray(link_type(pop))
    channel_weight = np.asarray(pop.channel_weight)  # shape (channels, MSEs)

    idx = sample_indices(pop.n)
    idx = idx[active[idx]]
    group = np.asarray(pop.group)[idx].astype(np.int64)
    village = np.asarray(pop.village)[idx]
    # members of a group side by side, then the MSEs on their own, by village
    order = np.lexsort((village, np.where(group >= 0, group, np.iinfo(np.int64).max)))
    idx, group = idx[order], group[order]
    level = most_advanced_upgrade(np.asarray(pop.upgrades)[idx])
    trader = np.asarray(pop.trader)[idx]
    lead = np.asarray(pop.lead_firm)[idx]
    link = links_all[idx]
    main_channel = channel_weight[:, idx].argmax(axis=0)

    n_drawn = len(idx)
    rows = 4 if n_drawn > 120 else (2 if n_drawn > 30 else 1)
    per_row = max(1, math.ceil(n_drawn / rows))
    xs = (np.arange(n_drawn) % per_row + 0.5) / per_row
    row_of = np.arange(n_drawn) // per_row
    y_mse_top, row_gap = 0.26, 0.055
    ys = y_mse_top - row_gap * row_of

    n_traders = max(int(getattr(scenario, "n_intermediaries", 1)), 1)
    n_leads = int(getattr(scenario, "n_lead_firms", 0))
    shown_traders = min(n_traders, 24)
    # intermediaries on the left of the middle tier, lead firms on the right: both buy from
    # MSEs, so their links never cross another tier
    split = 0.68 if n_leads else 1.0
    trader_x = split * (np.arange(shown_traders) + 0.5) / shown_traders
    lead_x = split + (1 - split) * (np.arange(max(n_leads, 1)) + 0.5) / max(n_leads, 1)
    market_x = (np.arange(len(CHANNELS)) + 0.5) / len(CHANNELS)
    y_firm, y_market = 0.55, 0.88

    # shaded bands behind the members of each producer group (one per row segment)
    for row in range(rows):
        lo, hi = row * per_row, min((row + 1) * per_row, n_drawn)
        start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or group[i] != group[start]:
                if group[start] >= 0:
                    ax.add_patch(Rectangle(
                        (xs[start] - 0.42 / per_row, ys[start] - 0.021),
                        (i - start - 0.16) / per_row, 0.042,
                        fc="#f3dc9b", ec="#c9a227", lw=0.8, zorder=1))
                start = i

    # MSE -> buyer links, drawn as one collection per kind (fast enough to redraw each step)
    via_lead = (link == VIA_LEAD_FIRM) & (lead >= 0) & (n_leads > 0)
    direct = link == DIRECT
    via_trader = ~via_lead & ~direct

    def segments(mask, x_to, y_to):
        return np.stack([np.column_stack([xs[mask], ys[mask]]),
                         np.column_stack([x_to, np.full(int(mask.sum()), y_to)])], axis=1)

    ax.add_collection(LineCollection(
        segments(via_trader, trader_x[trader[via_trader] % shown_traders], y_firm),
        colors="#8a8a8a", linewidths=0.5, alpha=0.35, zorder=2))
    if via_lead.any():
        ax.add_collection(LineCollection(
            segments(via_lead, lead_x[lead[via_lead] % n_leads], y_firm),
            colors="#0072B2", linewidths=0.9, alpha=0.5, zorder=2))
    if direct.any():
        ax.add_collection(LineCollection(
            segments(direct, market_x[main_channel[direct]], y_market),
            colors="#009E73", linewidths=1.0, alpha=0.7, zorder=2))

    # firm -> end-market links, as thick as the volume each firm carries there (all MSEs)
    volume = (np.asarray(pop.capacity)[None, :] * channel_weight)[:, active]
    kind = links_all[active]
    all_trader = np.asarray(pop.trader)[active] % shown_traders
    all_lead = np.asarray(pop.lead_firm)[active]
    total = max(float(volume.sum()), 1e-9)
    segs, widths, colors = [], [], []
    for c, mx in enumerate(market_x):
        by_trader = kind == 0
        flows = [(trader_x, np.bincount(all_trader[by_trader], weights=volume[c, by_trader],
                                        minlength=shown_traders), "#7a7a7a")]
        if n_leads:
            by_lead = (kind == VIA_LEAD_FIRM) & (all_lead >= 0)
            flows.append((lead_x, np.bincount(all_lead[by_lead] % n_leads,
                                              weights=volume[c, by_lead], minlength=n_leads),
                          "#0072B2"))
        for x_from, flow, color in flows:
            for x0, v in zip(x_from, flow, strict=False):
                if v > 0:
                    segs.append([(x0, y_firm), (mx, y_market)])
                    widths.append(0.4 + 30 * v / total)
                    colors.append(color)
    if segs:
        ax.add_collection(LineCollection(segs, linewidths=widths, colors=colors, alpha=0.55,
                                         zorder=2))

    # nodes
    ax.scatter(xs, ys, s=max(14, min(90, 5000 / per_row)),
               c=[UPGRADE_COLOURS[(("none",) + UPGRADE_TYPES)[v]] for v in level],
               edgecolors="white", linewidths=0.4, zorder=4)
    ax.scatter(trader_x, np.full(shown_traders, y_firm), marker="s", s=90, color="#555555",
               zorder=4)
    if n_leads:
        ax.scatter(lead_x[:n_leads], np.full(n_leads, y_firm), marker="D", s=230,
                   color="#0072B2", zorder=4)
    for c, mx in enumerate(market_x):
        ax.text(mx, y_market, CHANNELS[c].capitalize(), ha="center", va="center", fontsize=14,
                fontweight="bold", color="white", zorder=5,
                bbox={"boxstyle": "round,pad=0.5", "fc": "#333333", "ec": "none"})

    label = {"fontsize": 13, "va": "bottom", "color": "#111111", "zorder": 6,
             "bbox": {"fc": "white", "ec": "none", "alpha": 0.8, "pad": 1}}
    ax.text(0.0, y_market + 0.065, "Buyers in end markets", ha="left", **label)
    more = f", {shown_traders} drawn" if shown_traders < n_traders else ""
    ax.text(0.0, y_firm + 0.04, f"Intermediaries ({n_traders}{more})", ha="left", **label)
    if n_leads:
        ax.text(1.0, y_firm + 0.04, f"Lead firms ({n_leads})", ha="right", **label)
    n_active = int(active.sum())
    shown = f"{n_drawn} of {n_active}" if n_drawn < n_active else f"{n_active}"
    in_groups = float((np.asarray(pop.group)[active] >= 0).mean()) if n_active else 0.0
    ax.text(0.0, y_mse_top + 0.03,
            f"MSEs ({shown} drawn; {in_groups:.0%} in producer groups, shaded)", ha="left",
            **label)

    handles = [matplotlib.lines.Line2D([], [], marker="o", ls="", color=UPGRADE_COLOURS[k],
                                       markersize=10, label=k)
               for k in ("none", *UPGRADE_TYPES)]
    ax.legend(handles=handles, title="Most advanced upgrade", loc="upper center",
              bbox_to_anchor=(0.5, 0.03), ncol=6, fontsize=11, title_fontsize=11,
              frameon=False, handletextpad=0.2, columnspacing=0.8)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(0.05, 0.97)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=16, fontweight="bold")
