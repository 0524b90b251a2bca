"""What the page shows each month: the charts, the value-chain picture and Guideline's card.

Solara components, drawn by the page (:mod:`sim.ui.app.page`, which sets solara's options
before solara is imported; start the app from there). :func:`Panels` re-renders every month;
in Guideline mode :func:`DifferenceCard` shows the number a trainer projects, the effect over
many paired runs worked out in the background (:mod:`sim.ui.app.many_runs`), next to the
room's guess (:func:`GuessRow`: "predict, then run").
"""

import html
import sys

import solara

from sim.experiments.uncertainty import PosteriorEffects
from sim.metrics import metric_info
from sim.ui.app.many_runs import (
    APP_DRAWS,
    APP_POSTERIOR_SEEDS,
    MANY_RUNS,
    Question,
)
from sim.ui.app.session import (
    BASELINE,
    INTERVENTION,
    Run,
)
from sim.ui.app.views import (
    chain_html,
    changes_text,
    chart_html,
    chart_views,
    fmt_difference,
    fmt_value,
    key_metric,
    months_words,
    posterior_words,
)
from sim.ui.handout import HANDOUT_SEEDS
from sim.ui.i18n import (
    gettext_for,
    metric_title,
    metric_unit,
    ngettext_for,
)
from sim.ui.words import effect_in_words


@solara.component
def DifferenceCard(run: Run, month: int, lang: str, guess: solara.Reactive[str], tab: str):
    """The number a trainer projects: the effect over many runs, and the run on screen.

    The big number is the guideline's effect over :data:`~sim.ui.handout.HANDOUT_SEEDS`
    paired runs (the handout's experiment for the same settings), worked out in the
    background; the animated run below it is labelled as one example. A switch includes
    parameter uncertainty: the effect over :data:`~sim.ui.app.many_runs.APP_DRAWS` posterior
    draws × :data:`~sim.ui.app.many_runs.APP_POSTERIOR_SEEDS` seeds, with the combined
    interval and, when the sign is not the same in every plausible model, a sentence saying so.
    """
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    g, metric = run.guideline, key_metric(run)
    uncertain = solara.use_reactive(False)
    question = Question.of(g.id, run.settings.scenario, run.horizon, uncertain.value)
    future = solara.use_memo(lambda: MANY_RUNS.ask(question, tab), [question])
    # the thread returns the question with its answer: right after a change of guideline the
    # hook still holds the last answer, which must not be read as this question's
    answer = solara.use_thread(
        lambda: (question, future.result()), dependencies=[future], intrusive_cancel=False
    )
    result = (
        answer.value[1]
        if answer.state == solara.ResultState.FINISHED
        and answer.value is not None
        and answer.value[0] == question
        else None
    )
    words = None
    if result is not None:
        words = (
            posterior_words(result, metric, lang)
            if question.posterior
            else effect_in_words(result, metric, lang)
        )
    with solara.Column(classes=["mse-difference"], gap="2px"):
        solara.HTML(
            tag="div",
            classes=["mse-difference-title"],
            unsafe_innerHTML=html.escape(f"{g.id}: {_(g.action)}"),
        )
        solara.HTML(
            tag="div",
            classes=["mse-difference-metric"],
            unsafe_innerHTML=html.escape(
                _("{metric}, with {g} minus without, after {months}:").format(
                    metric=metric_title(metric, lang),
                    g=g.id,
                    months=months_words(run.horizon, lang),
                )
            ),
        )
        if words is not None:
            solara.HTML(
                tag="div",
                classes=["mse-difference-value"],
                unsafe_innerHTML=html.escape(words.effect),
            )
            solara.HTML(
                tag="div",
                classes=["mse-many-runs"],
                unsafe_innerHTML=(
                    f'<span class="mse-many-runs-range">{html.escape(words.over)}</span> · '
                    f'<span class="mse-verdict">{html.escape(words.verdict)}</span>'
                ),
            )
            if getattr(words, "not_robust", ""):
                solara.HTML(
                    tag="div",
                    classes=["mse-many-runs", "mse-not-robust"],
                    unsafe_innerHTML=html.escape(words.not_robust),
                )
        elif future.done() and not future.cancelled() and future.exception() is not None:
            print(
                f"mse-sim app: the runs behind the number failed: {future.exception()!r}",
                file=sys.stderr,
            )
            solara.HTML(
                tag="div",
                classes=["mse-many-runs", "mse-error"],
                unsafe_innerHTML=(
                    html.escape(
                        _(
                            "The runs behind the number could not be made; the details are "
                            "in the terminal running the app."
                        )
                    )
                ),
            )
        else:
            solara.HTML(
                tag="div", classes=["mse-difference-value", "mse-working"], unsafe_innerHTML="…"
            )
            working = ngettext(
                "Working out the effect over {n} run with and without {g}…",
                "Working out the effect over {n} runs with and without {g}…",
                HANDOUT_SEEDS,
            ).format(n=HANDOUT_SEEDS, g=g.id)
            if question.posterior:
                working = _(
                    "Working out the effect over {draws} plausible models × {n} runs with and "
                    "without {g}…"
                ).format(draws=APP_DRAWS, n=APP_POSTERIOR_SEEDS, g=g.id)
            solara.HTML(
                tag="div",
                classes=["mse-many-runs", "mse-working"],
                unsafe_innerHTML=html.escape(working),
            )
        with solara.Div(classes=["mse-uncertainty"]):
            solara.Checkbox(
                label=_(
                    "Include parameter uncertainty ({draws} plausible models × {n} runs: slower, "
                    "a wider range)"
                ).format(draws=APP_DRAWS, n=APP_POSTERIOR_SEEDS),
                value=uncertain,
            )
        solara.HTML(
            tag="div",
            classes=["mse-example"],
            unsafe_innerHTML=html.escape(
                _(
                    "The run on screen is one example: {diff} after {months} ({new} with {g}, {base} "
                    "without; {unit})."
                ).format(
                    diff=fmt_difference(run.difference(metric), metric, lang),
                    months=months_words(month, lang),
                    g=g.id,
                    new=fmt_value(run.value(metric, INTERVENTION), metric, lang),
                    base=fmt_value(run.value(metric, BASELINE), metric, lang),
                    unit=metric_unit(metric, lang),
                )
            ),
        )
        GuessRow(metric, _effect_of(result, metric), lang, guess)
        solara.HTML(
            tag="div",
            classes=["mse-difference-note"],
            unsafe_innerHTML=html.escape(
                _("The guideline changes: {changes}").format(changes=changes_text(run, lang))
            ),
        )


def _effect_of(result, metric: str) -> float | None:
    """The effect on `metric` of Guideline mode's answer (either kind), or None."""
    if result is None:
        return None
    if isinstance(result, PosteriorEffects):
        return float(result.table.set_index("metric").loc[metric, "effect"])
    return float(result.effect(metric)["effect"])


@solara.component
def GuessRow(metric: str, effect: float | None, lang: str, guess: solara.Reactive[str]):
    """Predict, then run: the room's guess of the effect, shown against the result."""
    _ = gettext_for(lang)
    share = metric_info(metric).kind == "share"
    unit = _("points") if share else ""
    with solara.Row(classes=["mse-guess"], style={"align-items": "center"}):
        solara.InputText(
            _("The room's guess ({unit})").format(unit=unit or "±"),
            value=guess,
            continuous_update=False,
            classes=["mse-guess-input"],
        )
        if guess.value.strip():
            try:
                guessed = float(guess.value.replace(",", ".").replace("+", "").replace("−", "-"))
            except ValueError:
                solara.HTML(
                    tag="div",
                    classes=["mse-field-problem"],
                    unsafe_innerHTML=(
                        html.escape(_("“{text}” is not a number.").format(text=guess.value))
                    ),
                )
                return
            text = _("Guess {guess}").format(
                guess=fmt_difference(guessed / (100 if share else 1), metric, lang)
            )
            if effect is not None:
                text = _("Guess {guess}, result {result}").format(
                    guess=fmt_difference(guessed / (100 if share else 1), metric, lang),
                    result=fmt_difference(effect, metric, lang),
                )
            solara.HTML(tag="div", classes=["mse-guess-result"], unsafe_innerHTML=html.escape(text))


@solara.component
def Panels(
    run: Run,
    month: solara.Reactive[int],
    lang: str,
    guess: solara.Reactive[str],
    before: Run | None,
    hover: bool,
    tab: str,
):
    """The charts and the picture of the run on screen (re-rendered every month)."""
    month.value  # noqa: B018 - read, so that a new month re-renders the panels (only them)
    views = chart_views(run, lang, before)
    mode = "mse-panels-guideline" if run.guideline is not None else "mse-panels-explore"
    with solara.Div(classes=["mse-panels", mode]):
        if run.guideline is None:
            solara.HTML(
                tag="div",
                classes=["mse-cell", "mse-cell-picture"],
                unsafe_innerHTML=chain_html(run, lang),
            )
            for view in views:
                solara.HTML(
                    tag="div",
                    classes=["mse-cell"],
                    unsafe_innerHTML=chart_html(view, run, lang, hover),
                )
        else:
            with solara.Div(classes=["mse-cell", "mse-cell-card"]):
                DifferenceCard(run, run.month, lang, guess, tab)
            for view in views:
                solara.HTML(
                    tag="div",
                    classes=["mse-cell"],
                    unsafe_innerHTML=chart_html(view, run, lang, hover),
                )
            solara.HTML(
                tag="div",
                classes=["mse-cell", "mse-cell-picture"],
                unsafe_innerHTML=chain_html(run, lang),
            )
