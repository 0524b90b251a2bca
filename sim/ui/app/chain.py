"""The value-chain picture as SVG: MSEs by upgrade, their links to traders, lead firms and markets.

Tiers run from buyers in the end markets (top) through the firms that buy from MSEs
(intermediaries on the left, lead firms on the right, middle) down to the MSEs (bottom). Each
drawn MSE is a dot coloured by its most advanced upgrade, placed next to the other members of
its producer group (a shaded band per group); a line joins it to whom it sells: its village's
intermediary (grey), the lead firm it supplies (blue), an MSE broker (a neighbour who sells
for others after functional upgrading: sky blue, dashed, to the brokers' tier between the MSEs
and the firms; the brokers' own dots are ringed in that colour) or, after functional
upgrading, the end market itself (green). A firm's or the brokers' line to an end market is
as thick as the volume it carries there.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.links import DIRECT, VIA_BROKER, VIA_LEAD_FIRM, VIA_TRADER
from sim.markets import CHANNELS
from sim.population import UPGRADE_TYPES
from sim.ui.i18n import N_
from sim.ui.style import LINK_COLOURS, UPGRADE_COLOURS

#: Most MSEs drawn; above this a fixed, evenly spread sample is drawn (a stable one, so the
#: picture does not jitter from month to month).
MAX_DRAWN_MSES = 240
#: Picture size in CSS pixels, and its text size (at least 14 px for a projector).
WIDTH, HEIGHT = 400, 300
FONT_PX = 14
#: Most intermediaries, and most MSE brokers, drawn as markers on their tier.
MAX_DRAWN_FIRMS = 24


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


def value_chain_svg(
    pop: Mapping[str, np.ndarray],
    *,
    n_intermediaries: int,
    n_lead_firms: int,
    _: Callable[[str], str] = str,
) -> str:
    """Return the value-chain picture as an SVG string.

    Args:
        pop: MSE arrays (:meth:`sim.ui.app.session.Run.population`).
        n_intermediaries: Intermediaries in the scenario.
        n_lead_firms: Lead firms in the scenario.
        _: Translates the picture's words.
    """

    def X(x):  # noqa: N802 - picture coordinates (0-1) to pixels
        return 8 + (WIDTH - 16) * x

    def Y(y):  # noqa: N802
        return HEIGHT * (1 - (y - 0.02) / 0.96)

    active = pop["active"]
    channel_weight = pop["channel_weight"]
    idx = sample_indices(len(active))
    idx = idx[active[idx]]
    group = pop["group"][idx]
    village = pop["village"][idx]
    order = np.lexsort((village, np.where(group >= 0, group, np.iinfo(np.int64).max)))
    idx, group = idx[order], group[order]
    level = most_advanced_upgrade(pop["upgrades"][idx])
    trader, lead, link = pop["trader"][idx], pop["lead_firm"][idx], pop["link"][idx]
    all_broker = pop.get("broker", np.full(len(active), -1))
    main_channel = channel_weight[:, idx].argmax(axis=0) if len(idx) else np.zeros(0, int)

    n_drawn = len(idx)
    rows = 4 if n_drawn > 120 else (2 if n_drawn > 30 else 1)
    per_row = max(1, math.ceil(n_drawn / rows))
    xs = (np.arange(n_drawn) % per_row + 0.5) / per_row
    ys = 0.30 - 0.06 * (np.arange(n_drawn) // per_row)
    n_traders = max(int(n_intermediaries), 1)
    n_leads = int(n_lead_firms)
    shown_traders = min(n_traders, MAX_DRAWN_FIRMS)
    # MSE brokers: the MSEs other MSEs sell through this month, on their own tier.
    by_broker_all = (pop["link"] == VIA_BROKER) & active & (all_broker >= 0)
    broker_rows = np.unique(all_broker[by_broker_all])
    n_brokers = len(broker_rows)
    shown_brokers = min(n_brokers, MAX_DRAWN_FIRMS)
    split = 0.68 if n_leads else 1.0
    trader_x = split * (np.arange(shown_traders) + 0.5) / shown_traders
    lead_x = split + (1 - split) * (np.arange(max(n_leads, 1)) + 0.5) / max(n_leads, 1)
    market_x = (np.arange(len(CHANNELS)) + 0.5) / len(CHANNELS)
    broker_x = split * (np.arange(shown_brokers) + 0.5) / max(shown_brokers, 1)

    def broker_slot(rows):
        return np.searchsorted(broker_rows, rows) % max(shown_brokers, 1)

    y_firm, y_market, y_broker = 0.58, 0.86, 0.42

    out = [
        f'<svg class="mse-chain-svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-size="{FONT_PX}" font-family="inherit">'
    ]
    # producer-group bands
    for row in range(rows):
        lo, hi = row * per_row, min((row + 1) * per_row, n_drawn)
        start = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or group[i] != group[start]:
                if group[start] >= 0:
                    x0 = X(xs[start] - 0.45 / per_row)
                    w = X(xs[i - 1] + 0.45 / per_row) - x0
                    out.append(
                        f'<rect x="{x0:.1f}" y="{Y(ys[start]) - 8:.1f}" width="{w:.1f}"'
                        f' height="16" fill="#f3dc9b" stroke="#c9a227"/>'
                    )
                start = i

    def path(mask, x_to, y_to, colour, width, opacity, dash=""):
        if not mask.any():
            return
        d = "".join(
            f"M{X(a):.1f} {Y(b):.1f}L{X(c):.1f} {Y(y_to):.1f}"
            for a, b, c in zip(xs[mask], ys[mask], x_to, strict=True)
        )
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="{d}" stroke="{colour}" stroke-width="{width}" '
            f'stroke-opacity="{opacity}" fill="none"{dashes}/>'
        )

    via_lead = (link == VIA_LEAD_FIRM) & (lead >= 0) & (n_leads > 0)
    direct = link == DIRECT
    via_broker = (link == VIA_BROKER) & (all_broker[idx] >= 0) & (n_brokers > 0)
    via_trader = ~via_lead & ~direct & ~via_broker
    path(
        via_trader,
        trader_x[trader[via_trader] % shown_traders],
        y_firm,
        LINK_COLOURS["trader"],
        0.6,
        0.4,
    )
    if n_leads:
        path(via_lead, lead_x[lead[via_lead] % n_leads], y_firm, LINK_COLOURS["lead_firm"], 1, 0.55)
    path(
        via_broker,
        broker_x[broker_slot(all_broker[idx][via_broker])],
        y_broker,
        LINK_COLOURS["broker"],
        1.2,
        0.8,
        "3 2",
    )
    path(direct, market_x[main_channel[direct]], y_market, LINK_COLOURS["direct"], 1.2, 0.75)

    # firm -> end-market flows, as thick as the volume carried (all MSEs, not only drawn ones)
    volume = (pop["capacity"][None, :] * channel_weight)[:, active]
    kind = pop["link"][active]
    all_trader = pop["trader"][active] % shown_traders
    all_lead = pop["lead_firm"][active]
    total = max(float(volume.sum()), 1e-9)
    via_brokers = by_broker_all[active]
    all_broker_slot = broker_slot(all_broker[active][via_brokers])
    for c, mx in enumerate(market_x):
        by_trader = kind == VIA_TRADER
        flows = [
            (
                trader_x,
                y_firm,
                np.bincount(
                    all_trader[by_trader], weights=volume[c, by_trader], minlength=shown_traders
                ),
                "#7a7a7a",
            )
        ]
        if n_leads:
            by_lead = (kind == VIA_LEAD_FIRM) & (all_lead >= 0)
            flows.append(
                (
                    lead_x,
                    y_firm,
                    np.bincount(
                        all_lead[by_lead] % n_leads, weights=volume[c, by_lead], minlength=n_leads
                    ),
                    LINK_COLOURS["lead_firm"],
                )
            )
        if n_brokers:
            flows.append(
                (
                    broker_x,
                    y_broker,
                    np.bincount(
                        all_broker_slot, weights=volume[c, via_brokers], minlength=shown_brokers
                    ),
                    LINK_COLOURS["broker"],
                )
            )
        for x_from, y_from, flow, colour in flows:
            for x0, v in zip(x_from, flow, strict=False):
                if v > 0:
                    out.append(
                        f'<line x1="{X(x0):.1f}" y1="{Y(y_from):.1f}" x2="{X(mx):.1f}" '
                        f'y2="{Y(y_market):.1f}" stroke="{colour}" stroke-opacity="0.5" '
                        f'stroke-width="{0.5 + 30 * v / total:.1f}"/>'
                    )

    r = max(2.5, min(6.0, 300 / max(per_row, 1)))
    palette = [UPGRADE_COLOURS[k] for k in ("none", *UPGRADE_TYPES)]
    is_broker = np.isin(idx, broker_rows)
    ring = f' stroke="{LINK_COLOURS["broker"]}" stroke-width="2"'
    out.extend(
        f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="{r:.1f}" fill="{palette[v]}"'
        f"{ring if b else ''}/>"
        for x, y, v, b in zip(xs, ys, level, is_broker, strict=True)
    )
    # MSE brokers' tier: one triangle per broker (up to MAX_DRAWN_FIRMS).
    out.extend(
        f'<path d="M{X(x):.1f} {Y(y_broker) - 6:.1f}l6 10h-12z" '
        f'fill="{LINK_COLOURS["broker"]}" class="mse-broker"/>'
        for x in broker_x
    )
    out.extend(
        f'<rect x="{X(x) - 5:.1f}" y="{Y(y_firm) - 5:.1f}" width="10" height="10" fill="#555"/>'
        for x in trader_x
    )
    out.extend(
        f'<rect x="{X(x) - 8:.1f}" y="{Y(y_firm) - 8:.1f}" width="16" height="16" '
        f'fill="#0072B2" transform="rotate(45 {X(x):.1f} {Y(y_firm):.1f})"/>'
        for x in lead_x[:n_leads]
    )
    for c, mx in enumerate(market_x):
        name = html.escape(_(CHANNEL_NAMES[CHANNELS[c]]))
        out.append(
            f'<rect x="{X(mx) - 55:.1f}" y="{Y(y_market) - 13:.1f}" width="110" '
            f'height="26" rx="8" fill="#333"/><text x="{X(mx):.1f}" '
            f'y="{Y(y_market) + 5:.1f}" text-anchor="middle" fill="#fff" '
            f'font-weight="bold">{name}</text>'
        )

    def label(x, y, text, anchor="start"):
        out.append(
            f'<text x="{X(x):.1f}" y="{Y(y):.1f}" text-anchor="{anchor}" fill="#111" '
            f'paint-order="stroke" stroke="#fff" stroke-width="4">'
            f"{html.escape(text)}</text>"
        )

    label(0.0, y_market + 0.075, _("Buyers in end markets"))
    label(0.0, y_firm + 0.05, _("Intermediaries ({n})").format(n=n_traders))
    if n_brokers:
        label(
            1.0 if not n_leads else split,
            y_broker + 0.045,
            _("MSE brokers ({n})").format(n=n_brokers),
            "end",
        )
    if n_leads:
        label(1.0, y_firm + 0.05, _("Lead firms ({n})").format(n=n_leads), "end")
    label(0.0, 0.345, _("MSEs"))
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class PictureCounts:
    """What the picture draws, counted, so that its caption can name each denominator.

    Attributes:
        started: MSEs at the start of the run.
        active: MSEs still in business (the rest have stopped).
        drawn: Dots drawn: the MSEs still in business among a fixed, evenly spread sample of
            at most :data:`MAX_DRAWN_MSES` of the MSEs at the start.
        every: One MSE in this many of those at the start is in the sample.
        in_chain: MSEs still in business and in this chain (not moved to another sector):
            the denominator of group membership, as in :func:`sim.metrics.share_in_groups`.
        in_groups: Of those, members of a producer group.
    """

    started: int
    active: int
    drawn: int
    every: int
    in_chain: int
    in_groups: int

    @property
    def share_in_groups(self) -> float:
        """Members of producer groups over MSEs still in this chain (0 when there are none)."""
        return self.in_groups / self.in_chain if self.in_chain else 0.0


def picture_counts(pop: Mapping[str, np.ndarray]) -> PictureCounts:
    """Count what :func:`value_chain_svg` draws for the population `pop`."""
    active = np.asarray(pop["active"], dtype=bool)
    sample = sample_indices(len(active))
    left_sector = (
        np.asarray(pop["upgrades"], dtype=np.int64) >> UPGRADE_TYPES.index("intersectoral")
    ) & 1 == 1
    in_chain = active & ~left_sector
    return PictureCounts(
        started=len(active),
        active=int(active.sum()),
        drawn=int(active[sample].sum()),
        every=max(1, round(len(active) / len(sample))) if len(sample) else 1,
        in_chain=int(in_chain.sum()),
        in_groups=int((in_chain & (np.asarray(pop["group"]) >= 0)).sum()),
    )


def _english_plural(one: str, many: str, n: int) -> str:
    return one if n == 1 else many


def picture_caption(
    counts: PictureCounts,
    fmt_number: Callable[[float], str],
    fmt_share: Callable[[float], str],
    ngettext: Callable[[str, str, int], str] = _english_plural,
) -> list[str]:
    """Say what the picture draws, each number with its denominator, in plain words.

    Args:
        counts: :func:`picture_counts` of the population drawn.
        fmt_number: Formats a count the page's way ("1,000").
        fmt_share: Formats a share the way the charts and the big number do ("83.0%").
        ngettext: Picks a sentence's plural form in the page's language.
    """
    stopped = counts.started - counts.active
    lines = [
        ngettext(
            "Each dot is an MSE still in business: {drawn} of {active} drawn (one "
            "in {every} of the {started} at the start).",
            "Each dot is an MSE still in business: {drawn} of {active} drawn (one "
            "in {every} of the {started} at the start).",
            counts.active,
        ).format(
            drawn=fmt_number(counts.drawn),
            active=fmt_number(counts.active),
            every=fmt_number(counts.every),
            started=fmt_number(counts.started),
        )
    ]
    if stopped:
        lines.append(
            ngettext(
                "{n} MSE has stopped since the start.",
                "{n} MSEs have stopped since the start.",
                stopped,
            ).format(n=fmt_number(stopped))
        )
    lines.append(
        ngettext(
            "Shaded: producer groups, {share} of the {n} MSE still in this chain.",
            "Shaded: producer groups, {share} of the {n} MSEs still in this chain.",
            counts.in_chain,
        ).format(share=fmt_share(counts.share_in_groups), n=fmt_number(counts.in_chain))
    )
    return lines


def upgrade_legend(_: Callable[[str], str] = str) -> str:
    """Return the picture's legend as HTML.

    Dot colours by most advanced upgrade, then line colours by whom an MSE sells to.
    """
    items = "".join(
        f'<span class="mse-legend-item"><span class="mse-dot" style="background:'
        f'{UPGRADE_COLOURS[k]}"></span>{html.escape(_(UPGRADE_NAMES[k]))}</span>'
        for k in ("none", *UPGRADE_TYPES)
    )
    links = "".join(
        f'<span class="mse-legend-item"><span class="mse-swatch'
        f'{" mse-dashed" if k == "broker" else ""}" style="border-color:{LINK_COLOURS[k]}">'
        f"</span>{html.escape(_(LINK_NAMES[k]))}</span>"
        for k in LINK_NAMES
    )
    return (
        f'<div class="mse-legend">{items}</div>'
        f'<div class="mse-legend mse-legend-links">{html.escape(_("Sells to:"))} {links}</div>'
    )


#: Names of the upgrade types in plain words (legend of the picture and the upgrading chart).
UPGRADE_NAMES: dict[str, str] = {
    "none": N_("no upgrade"),
    "process": N_("process"),
    "product": N_("product"),
    "functional": N_("functional"),
    "channel": N_("channel"),
    "intersectoral": N_("intersectoral"),
}

#: Whom an MSE sells to, by line colour (legend of the picture).
LINK_NAMES: dict[str, str] = {
    "trader": N_("an intermediary"),
    "lead_firm": N_("a lead firm"),
    "broker": N_("an MSE broker"),
    "direct": N_("the end market"),
}

#: Names of the end markets (:data:`sim.markets.CHANNELS`) on the picture.
CHANNEL_NAMES: dict[str, str] = {
    "domestic": N_("Domestic"),
    "export": N_("Export"),
    "specialty": N_("Specialty"),
}
