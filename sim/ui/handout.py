"""One-page printable handouts for a workshop: a guideline's experiment on one page (PDF).

A handout has the guideline's title, a figure of its key metric in both arms (mean over seeds
with a 95 % band), the effect in plain words, the paper's guideline text (translated, and
marked as a translation, when the handout is not in English) and three debrief questions. It
is drawn with matplotlib's PDF backend (pure Python: no LaTeX, no browser, no system tools).
"""

from __future__ import annotations

import io
import math
import os
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments import DEFAULT_STEPS, ExperimentResult, Guideline, run_experiments
from sim.experiments.stats import t_crit
from sim.io import atomic_write
from sim.metrics import metric_info
from sim.ui.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    gettext_for,
    metric_title,
    metric_unit,
    ngettext_for,
    paper_text,
    scenario_title,
    translation_note,
)
from sim.ui.numbers import format_number, format_percent
from sim.ui.style import ACCENT_COLOUR, BASELINE_COLOUR, INTERVENTION_COLOUR
from sim.ui.words import effect_in_words, sentences

#: Runs of each arm behind a handout, and behind the app's number in Guideline mode: enough
#: for a clear band on a printed figure, few enough to make a handout in about a minute on a
#: laptop (the report uses 20).
HANDOUT_SEEDS = 10


def handout_experiment(
    guideline: str | Guideline,
    scenario: Any = "baseline",
    *,
    seeds: int = HANDOUT_SEEDS,
    steps: int = DEFAULT_STEPS,
    workers: int | None = None,
    progress: bool = False,
    **overrides: Any,
) -> ExperimentResult:
    """Run the experiment a handout shows, and the app's Guideline mode shows as its number.

    One definition for both: the guideline's two arms on seeds ``0 .. seeds - 1`` with common
    random numbers (:func:`sim.experiments.run_experiments`), so the handout and the screen
    give the same effect and interval for the same guideline, scenario and settings.

    Args:
        guideline: ``g1`` ... ``g7``.
        scenario: Bundled name, path, scenario object or dict of fields.
        seeds: Runs of each arm (at least 2).
        steps: Months per run.
        workers: Worker processes (default: every core); results do not depend on it.
        progress: Show a progress bar on stderr.
        **overrides: Scenario fields to change first (levers, ``n_mse``).

    Raises:
        UserInputError: Unknown guideline or scenario, or bad settings.
    """
    gid = guideline.id if isinstance(guideline, Guideline) else guideline
    return run_experiments(
        [guideline],
        scenario,
        seeds=seeds,
        steps=steps,
        workers=workers,
        progress=progress,
        **overrides,
    )[gid]


def run_words(runs: int, months: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """Say how a result was made in words a farmer would use: no seeds, no arms.

    E.g. "the chain simulated 10 times with the guideline and 10 times without, over 10
    years".
    """
    ngettext = ngettext_for(lang)
    span = (
        ngettext("{n} year", "{n} years", months // 12).format(n=months // 12)
        if months % 12 == 0
        else ngettext("{n} month", "{n} months", months).format(n=months)
    )
    return ngettext(
        "the chain simulated {n} time with the guideline and {n} time without, over {span}",
        "the chain simulated {n} times with the guideline and {n} times without, over {span}",
        runs,
    ).format(n=runs, span=span)


#: Page size: A4 portrait, inches (prints on Letter with small margins too).
PAGE_INCHES = (8.27, 11.69)

#: The three debrief questions, the same for every guideline so that a room comparing
#: handouts compares like with like; ``{action}`` and ``{metric}`` are filled in.
DEBRIEF_QUESTIONS = (
    N_(
        "Before the run, what did the room expect “{action}” to do to {metric}? What happened, "
        "and what surprised you?"
    ),
    N_(
        "Which MSEs in a value chain you know would this reach, and which would it miss "
        "(remote, poorer, women-led)?"
    ),
    N_(
        "What would it take to do this in your programme: who acts, who pays, and how would you "
        "know it worked?"
    ),
)


def handout_figure(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE):
    """Return a matplotlib Figure of the key metric in both arms (mean and 95 % band)."""
    from matplotlib.figure import Figure  # heavy: loaded when a handout is drawn

    _ = gettext_for(lang)
    metric = result.guideline.key_metrics[0]
    share = metric_info(metric).kind == "share"
    fig = Figure(figsize=(6.6, 2.9), layout="constrained")
    ax = fig.add_subplot()
    steps = np.arange(result.steps + 1)
    t = t_crit(len(result.seeds))
    arms = (
        ("baseline", BASELINE_COLOUR, _("Baseline"), "--"),
        ("intervention", INTERVENTION_COLOUR, _("With {g}").format(g=result.guideline.id), "-"),
    )
    for arm, colour, name, style in arms:
        values = result.series[arm][metric]
        mean = values.mean(axis=0)
        half = t * values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
        ax.fill_between(steps, mean - half, mean + half, color=colour, alpha=0.2, linewidth=0)
        ax.plot(steps, mean, color=colour, linewidth=2.2, linestyle=style, label=name)
    ax.set_title(metric_title(metric, lang), fontsize=12, loc="left", fontweight="bold")
    ax.set_xlabel(_("Month"))
    ax.set_ylabel(metric_unit(metric, lang))
    ax.set_xlim(0, result.steps)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(
        (lambda v, _pos: format_percent(v, lang=lang))
        if share
        else (lambda v, _pos: format_number(v, 0 if abs(v) >= 10 else 1, lang=lang))
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=10)
    return fig


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(p, width) for p in text.split("\n"))


#: Sizes tried for the paper's paragraph, points: the largest that lets the page fit is used
#: (paragraphs differ in length, and French runs about 15 % longer than English).
PAPER_TEXT_SIZES = (9.5, 9.0, 8.5, 8.0, 7.5)


def handout_page(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE):
    """Return the one-page handout of a guideline experiment as a matplotlib Figure.

    Raises:
        RuntimeError: The texts do not fit on one page even in the smallest size (never cut
            silently).
    """
    for size in PAPER_TEXT_SIZES:
        page, room = _draw_page(result, lang, size)
        if room >= 0.02:
            return page
    raise RuntimeError(f"the handout of {result.guideline.id} in {lang} does not fit on one page")


def _draw_page(result: ExperimentResult, lang: str, paper_size: float):
    """Draw the handout with the paper's paragraph in `paper_size` points.

    Returns:
        The page, and the room left at its bottom (a share of the page height; below 0.02
        when the texts do not fit).
    """
    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    _ = gettext_for(lang)
    g = result.guideline
    metric = g.key_metrics[0]
    page = Figure(figsize=PAGE_INCHES)
    y = 0.965

    def text(
        s: str, size: float, *, weight="normal", colour="#111", style="normal", gap: float = 0.008
    ) -> None:
        nonlocal y
        # characters a line holds: 86 % of the page width over an average glyph of 0.56 em
        # (DejaVu Sans); bold glyphs are wider
        em = 0.56 * size * (1.12 if weight == "bold" else 1.0)
        wrapped = _wrapped(s, int(0.86 * PAGE_INCHES[0] * 72 / em))
        page.text(
            0.07,
            y,
            wrapped,
            fontsize=size,
            fontweight=weight,
            color=colour,
            fontstyle=style,
            va="top",
            ha="left",
        )
        y -= (wrapped.count("\n") + 1) * size * 1.3 / 72 / PAGE_INCHES[1] + gap

    text(
        _("Guideline {number}: {title}").format(number=g.number, title=_(g.title)),
        15,
        weight="bold",
        colour=ACCENT_COLOUR,
    )
    words = run_words(len(result.seeds), result.steps, lang)
    text(
        f"{scenario_title(result.scenario.name, lang)} · {words[:1].upper()}{words[1:]}",
        10,
        colour="#444",
        gap=0.012,
    )
    # the figure, rendered to an image and placed on the page
    buf = io.BytesIO()
    handout_figure(result, lang).savefig(buf, format="png", dpi=200)
    buf.seek(0)
    height = 0.27
    ax = page.add_axes((0.06, y - height, 0.88, height))
    ax.imshow(mpimg.imread(buf))
    ax.set_axis_off()
    y -= height + 0.012
    text(_("What the model shows"), 12.5, weight="bold", colour=ACCENT_COLOUR)
    headline = effect_in_words(result, metric, lang)
    text(
        f"{metric_title(metric, lang)}: {headline.over} ({headline.verdict}).", 11.5, weight="bold"
    )
    # the headline says the first key metric's effect; the others get a sentence each
    for sentence in sentences(result, g.key_metrics[1:], lang=lang) if g.key_metrics[1:] else ():
        text("• " + sentence, 10.5)
    ngettext = ngettext_for(lang)
    text(
        ngettext(
            "Band and range: {n} pair of runs, with and without the guideline, each pair with the "
            "same MSEs and the same chance events (the app shows the same numbers). They show what "
            "this model does, not measurements from the case studies.",
            "Band and range: {n} pairs of runs, with and without the guideline, each pair with the "
            "same MSEs and the same chance events (the app shows the same numbers). They show what "
            "this model does, not measurements from the case studies.",
            len(result.seeds),
        ).format(n=len(result.seeds)),
        9,
        colour="#444",
        style="italic",
        gap=0.014,
    )
    text(_("The paper's guideline"), 12.5, weight="bold", colour=ACCENT_COLOUR)
    text(_(paper_text(g.seed_text)), paper_size)
    source = "— Dunn, Sebstad, Batzdorff & Parsons (2006), USAID"
    note = translation_note(lang)
    text(source + (f". {note}" if note else ""), 8.5, colour="#444", style="italic", gap=0.014)
    text(_("Debrief questions"), 12.5, weight="bold", colour=ACCENT_COLOUR)
    for k, question in enumerate(DEBRIEF_QUESTIONS, start=1):
        text(
            f"{k}. "
            + _(question).format(action=_(g.action), metric=metric_title(metric, lang).lower()),
            10.5,
            gap=0.01,
        )
    return page, y


def handout_pdf(result: ExperimentResult, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Return the one-page handout of a guideline experiment as PDF bytes."""
    out = io.BytesIO()
    handout_page(result, lang).savefig(out, format="pdf")
    return out.getvalue()


def write_handout(
    result: ExperimentResult, path: str | os.PathLike, lang: str = DEFAULT_LANGUAGE
) -> Path:
    """Write :func:`handout_pdf` to `path` atomically (computed first) and return the path."""
    data = handout_pdf(result, lang)
    path = Path(path)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return path
