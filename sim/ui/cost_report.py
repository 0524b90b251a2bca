"""The guideline report's section on costs: the cost table, the ranking and who gains.

:func:`cost_section` is placed in ``report.html`` after the summary (see
:func:`sim.ui.report.build_report`'s ``extra_html``). Its table comes from
:func:`sim.costs.cost_effectiveness` (seed-only intervals at the default constants) or, with
posterior uncertainty, :func:`sim.costs.posterior_cost_effectiveness` (intervals that combine
parameters and seeds); who gains is on the runs at the default constants.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

import pandas as pd

from sim.experiments import CONFIDENCE, ExperimentResult
from sim.ui.i18n import DEFAULT_LANGUAGE, N_, gettext_for
from sim.ui.numbers import format_number, format_percent, format_usd
from sim.ui.report import _e
from sim.ui.words import lever_label


def _interval(low: float, high: float, fmt, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = gettext_for(lang)
    if low != low or high != high:
        return _("not bounded")
    return _("{low} to {high}").format(low=fmt(low), high=fmt(high))


def _experiment_name(
    experiment: str, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)
    gid, _sep, lever = experiment.partition(":")
    g = results[gid].guideline if gid in results else None
    name = f"{g.number}. {_(g.action)}" if g else gid
    return (
        _("{name} — {lever} only").format(name=name, lever=lever_label(lever, lang))
        if lever
        else name
    )


def _cost_table(
    table, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)
    head = "".join(
        f"<th>{_e(_(h))}</th>"
        for h in (
            N_("guideline"),
            N_("cost"),
            N_("MSEs reached"),
            N_("additional MSEs upgrading"),
            N_("cost per additional upgrader"),
            N_("extra MSE income"),
            N_("income per dollar"),
            N_("rank"),
        )
    )

    def usd(v):
        return format_usd(v, lang=lang)

    def num(v):
        return format_number(v, 1, lang=lang)

    def two(v):
        return format_number(v, 2, lang=lang)

    def cell(value: str, low: float, high: float, fmt) -> str:
        return f"<td>{value}<br><small>{_e(_interval(low, high, fmt, lang))}</small></td>"

    rows = []
    for _i, r in table.iterrows():
        rank = "" if pd.isna(r["rank"]) else format_number(int(r["rank"]), 0, lang=lang)
        rows.append(
            f"<tr><td>{_e(_experiment_name(r['experiment'], results, lang))}</td>"
            + cell(usd(r["cost_usd"]), r["cost_ci_low"], r["cost_ci_high"], usd)
            + f"<td>{format_number(r['mses_reached'], 0, lang=lang)}</td>"
            + cell(num(r["extra_upgraders"]), r["upgraders_ci_low"], r["upgraders_ci_high"], num)
            + cell(
                usd(r["cost_per_upgrader_usd"]),
                r["per_upgrader_ci_low"],
                r["per_upgrader_ci_high"],
                usd,
            )
            + cell(usd(r["extra_income_usd"]), r["income_ci_low"], r["income_ci_high"], usd)
            + cell(
                two(r["income_per_usd"]),
                r["income_per_usd_ci_low"],
                r["income_per_usd_ci_high"],
                two,
            )
            + f"<td>{rank}</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _ranking_words(
    table, results: Mapping[str, ExperimentResult], lang: str = DEFAULT_LANGUAGE
) -> str:
    _ = gettext_for(lang)

    def usd(v):
        return format_usd(v, lang=lang)

    ranked = table[table["rank"].notna()].sort_values("rank")
    level = format_percent(CONFIDENCE, lang=lang)
    items = []
    for _i, r in ranked.iterrows():
        line = _("{name}: {cost} per additional MSE upgrading ({level} CI {interval})").format(
            name=_experiment_name(r["experiment"], results, lang),
            cost=usd(r["cost_per_upgrader_usd"]),
            level=level,
            interval=_interval(r["per_upgrader_ci_low"], r["per_upgrader_ci_high"], usd, lang),
        )
        items.append(f"<li>{_e(line)}</li>")
    unranked = [
        _experiment_name(x, results, lang) for x in table.loc[table["rank"].isna(), "experiment"]
    ]
    rest = (
        f"<p>{
            _e(
                _(
                    'Not ranked, because their gain in upgrading is not clearly above '
                    'zero: {names}.'
                ).format(names=_('; ').join(unranked))
            )
        }</p>"
        if unranked
        else ""
    )
    return f"<ol class='ranking'>{''.join(items)}</ol>{rest}"


#: What the ranking does and does not mean, in plain words (shown under it).
RANKING_CAVEATS: tuple[str, ...] = (
    N_(
        "It ranks the cost to the programme of each additional MSE that has made any upgrade "
        "by the end of the horizon, in this scenario, with its {conf} interval over seeds."
    ),
    N_(
        "Most unit costs are assumptions (experiments/costs.toml says which): change them for "
        "your programme and the order can change."
    ),
    N_(
        "Every guideline moves its levers by the same amount on the model's 0–1 scale; that is "
        "not the same effort or the same budget, which is why this table exists."
    ),
    N_("An upgrade counts once whatever its kind: a new channel counts as much as a new product."),
    N_(
        "A guideline without a clear gain in upgrading is not ranked; that does not make it "
        "useless. Guideline 7 is about risk and guideline 5 about who upgrades: read their own "
        "sections and the who-gains figures."
    ),
    N_("Guideline 6 moves two levers; its parts are shown alone too, and need not add up to it."),
    N_("These are the model's consequences of its assumptions, not measured programme results."),
)

#: The cost section's explanation of the method; {rate} is US$ per model currency unit.
COST_METHOD = N_(
    "Each guideline's lever moves are costed with the cost model (experiments/costs.toml): a "
    "fixed part, a part per unit of lever, and a part per MSE the model counts as reached "
    "(connected, financed, linked to a lead firm, in a group, or trained). Costs and incomes "
    "are US dollars over the whole horizon, at {rate} US$ per model currency unit. Each seed "
    "gives one cost, one number of additional upgraders and one extra income; totals have "
    'paired-t {level} intervals and ratios Fieller intervals ("not bounded" when the gain is '
    "not clearly above zero). Income per dollar is the extra income of all MSEs over the "
    "horizon for each dollar spent. MSEs reached are those newly connected, financed, linked "
    "or grouped; where a lever serves an audience (all MSEs, or the excluded group) with an "
    "intensity that grows with the move, they are counted in proportion to the move."
)
#: Said above the cost table when its intervals come from the posterior runs.
COST_POSTERIOR = N_(
    "In this table the costs, gains and ratios are over plausible models ({draws} posterior "
    "draws × {seeds} seeds), and their intervals combine the uncertainty of the parameters "
    "and of the seeds; who gains and its figures below are at the default constants."
)
#: The who-gains explanation under its heading.
WHO_GAINS_METHOD = N_(
    "For each guideline: the change in the share of MSEs that upgraded and in their mean "
    "monthly income (last 12 months) for the included and the excluded group, for near, "
    "middle and remote MSEs (thirds by remoteness) and for fifths of initial wealth; and the "
    "change in who keeps what of the price end-market buyers pay (MSEs, traders, brokers, "
    "lead firms, transport; an MSE broker's part is what it kept of its neighbours' sales). "
    "Bars are mean paired differences, whiskers {level} intervals."
)


def cost_section(
    table,
    gains: Mapping[str, object],
    results: Mapping[str, ExperimentResult],
    figures: Mapping[str, bytes],
    usd_per_unit: float,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Return the report's section on costs: the table, the ranking and who gains.

    A table from :func:`sim.costs.posterior_cost_effectiveness` (a ``draws`` column) is
    said to combine parameters and seeds; who gains stays on the runs at the default constants.

    Args:
        table: :func:`sim.costs.cost_effectiveness` of the guidelines (and parts).
        gains: :func:`sim.costs.who_gains` by guideline id.
        results: The guideline results, by id (for names).
        figures: A who-gains figure per guideline id, as PNG bytes (drawn in `lang`).
        usd_per_unit: US dollars per model currency unit.
        lang: Language of the section's words and numbers.
    """
    _ = gettext_for(lang)
    level = format_percent(CONFIDENCE, lang=lang)
    caveats = "".join(f"<li>{_e(_(c).format(conf=level))}</li>" for c in RANKING_CAVEATS)
    pictures = []
    for gid, png in figures.items():
        name = _experiment_name(gid, results, lang)
        alt = _("Who gains: {name}").format(name=name)
        pictures.append(
            f"<h3>{_e(name)}</h3><img alt='{_e(alt)}' src='data:image/png;base64,"
            f"{base64.b64encode(png).decode('ascii')}'>"
        )
    rate = format_number(usd_per_unit, None, lang=lang)
    combined = ""
    if "draws" in table.columns and len(table):
        combined = _(COST_POSTERIOR).format(
            draws=int(table["draws"].iloc[0]), seeds=int(table["n_seeds"].iloc[0])
        )
        combined = f"<p class='method'><strong>{_e(combined)}</strong></p>"
    return f"""
<section id="costs">
<h2>{_e(_("What each guideline costs, and who gains"))}</h2>
<p class="method">{_e(_(COST_METHOD).format(rate=rate, level=level))}</p>
{combined}
{_cost_table(table, results, lang)}
<h3>{_e(_("Ranking by cost per additional MSE upgrading"))}</h3>
{_ranking_words(table, results, lang)}
<p><strong>{_e(_("What this ranking does and does not mean:"))}</strong></p>
<ul class="method">{caveats}</ul>
<h3>{_e(_("Who gains"))}</h3>
<p class="method">{_e(_(WHO_GAINS_METHOD).format(level=level))}</p>
{"".join(pictures)}
</section>"""
