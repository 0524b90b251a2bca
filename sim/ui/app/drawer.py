"""The settings drawer: the scenario and its Info, the paper's guideline, number fields, levers.

Solara components, drawn by the page (:mod:`sim.ui.app.page`, which sets solara's options
before solara is imported; start the app from there). Every change goes back to the page
through the callbacks it passes (``change``, ``set_lever``, ``choose_scenario``), which
restart the run with the new settings.
"""

import html
from collections.abc import Callable

import solara

from sim.experiments import GUIDELINES
from sim.scenario import FIELDS, LEVERS
from sim.ui.app.address import default_settings
from sim.ui.app.session import (
    HORIZON_RANGE,
    N_MSE_RANGE,
    SEED_RANGE,
    FieldProblem,
    Settings,
    parse_whole_number,
)
from sim.ui.app.texts import (
    INFO_SECTIONS,
    field_message,
    info_html,
    scenario_info,
)
from sim.ui.app.views import (
    FIELD_LABELS,
    lever_help,
)
from sim.ui.i18n import (
    gettext_for,
    ngettext_for,
    paper_text,
    scenario_text,
    scenario_title,
    translation_note,
)
from sim.ui.numbers import format_number

#: Lever sliders move in steps of this size (levers are 0-1 scales). Fine enough for every
#: bundled scenario's values (kenya-avocados has 0.67): a coarser slider snaps such a value to
#: its grid when drawn and reports the snap as a move, which restarted the run at load.
LEVER_STEP = 0.01


@solara.component
def LeverControl(
    name: str, value: float, default: float, lang: str, on_value: Callable[[float], None]
):
    """A lever: its label and value, range and scenario value in words, then a plain slider.

    The label is text outside the slider, so clicking it never moves the lever. Its hover text
    says the lever's range in the page's language (never an internal name).
    """
    _ = gettext_for(lang)
    spec = FIELDS[name]
    changed = abs(value - default) > 1e-9
    classes = ["mse-lever", f"mse-lever-{name}"] + (["mse-changed"] if changed else [])
    with solara.Div(classes=classes):
        status = (
            _("changed; scenario value {default}") if changed else _("scenario value")
        ).format(default=format_number(default, 2, lang=lang))
        solara.HTML(
            tag="div",
            classes=["mse-lever-label"],
            unsafe_innerHTML=(
                f'<span class="mse-lever-name" title="{html.escape(lever_help(name, lang))}">'
                f"{html.escape(_(spec.label))}</span> "
                f'<b class="mse-lever-value">{format_number(value, 2, lang=lang)}</b> '
                f'<span class="mse-lever-range">({html.escape(status)}; '
                f"{format_number(spec.low, 0, lang=lang)}–"
                f"{format_number(spec.high, 0, lang=lang)})</span>"
            ),
        )
        solara.SliderFloat(
            "",
            value=float(value),
            min=float(spec.low),
            max=float(spec.high),
            step=LEVER_STEP,
            on_value=on_value,
            thumb_label=False,
        )


@solara.component
def NumberField(
    label: str,
    field: str,
    current: int,
    low: int,
    high: int,
    lang: str,
    on_value: Callable[[int], None],
):
    """A whole-number field that says what was wrong, or what is used."""
    _ = gettext_for(lang)
    text = solara.use_reactive(str(current))
    problem = solara.use_reactive("")
    # a new scenario or a Reset may change the value in use: show it
    solara.use_effect(lambda: text.set(str(current)), [current])

    def submit(typed: str):
        text.set(typed)
        try:
            value = parse_whole_number(typed, low, high, label)
        except FieldProblem as exc:
            problem.set(field_message(exc, format_number(current, 0, lang=lang), lang))
            return
        problem.set("")
        text.set(str(value))
        on_value(value)

    with solara.Div(classes=["mse-number", f"mse-number-{field}"]):
        solara.InputText(_(label), value=text.value, on_value=submit, continuous_update=False)
        if problem.value:
            solara.HTML(
                tag="div",
                classes=["mse-field-problem"],
                unsafe_innerHTML=html.escape(problem.value),
            )
        else:
            solara.HTML(
                tag="div",
                classes=["mse-field-ok"],
                unsafe_innerHTML=html.escape(
                    _("Using {value} ({low}–{high}).").format(
                        value=format_number(current, 0, lang=lang),
                        low=format_number(low, 0, lang=lang),
                        high=format_number(high, 0, lang=lang),
                    )
                ),
            )


@solara.component
def Drawer(
    scenarios,
    scenario_name,
    settings: Settings,
    lang,
    error,
    choose_scenario,
    change,
    set_lever,
    close,
):
    """The settings drawer: scenario, its Info, the paper's guideline, number fields, levers."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    with solara.Div(classes=["mse-drawer"]):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.HTML(
                tag="div",
                classes=["mse-drawer-title"],
                unsafe_innerHTML=html.escape(_("Scenario and levers")),
            )
            solara.Button(
                "✕ " + _("Close"),
                on_click=close,
                classes=["mse-drawer-close"],
                outlined=True,
                small=True,
            )
        titles = {scenario_title(n, lang): n for n in scenarios}
        solara.Select(
            _("Scenario"),
            values=list(titles),
            value=scenario_title(scenario_name, lang),
            on_value=lambda t: choose_scenario(titles[t]),
            classes=["mse-scenario"],
        )
        info = scenario_info(scenario_name)
        if info.get("description"):
            solara.HTML(
                tag="div",
                classes=["mse-help"],
                unsafe_innerHTML=html.escape(scenario_text(info["description"], lang)),
            )
        for summary, parts in INFO_SECTIONS:
            text = info_html(info, parts, lang)
            if text:
                with solara.Details(summary=_(summary), expand=False):
                    solara.HTML(tag="div", classes=["mse-info"], unsafe_innerHTML=text)
        if error:
            solara.HTML(tag="div", classes=["mse-error"], unsafe_innerHTML=html.escape(error))
        if settings.guideline:
            g = GUIDELINES[settings.guideline]
            with solara.Details(summary=_("The paper's guideline"), expand=False):
                note = translation_note(lang)
                solara.HTML(
                    tag="div",
                    classes=["mse-paper"],
                    unsafe_innerHTML=(
                        html.escape(_(paper_text(g.seed_text)))
                        + (
                            f'<div class="mse-translation-note">{html.escape(note)}</div>'
                            if note
                            else ""
                        )
                    ),
                )
            solara.HTML(
                tag="div",
                classes=["mse-help"],
                unsafe_innerHTML=html.escape(
                    _(
                        "Both arms start from the same history and the same MSEs; the levers below set "
                        "the baseline."
                    )
                ),
            )
        NumberField(
            FIELD_LABELS["n_mse"],
            "n_mse",
            int(settings.scenario["n_mse"]),
            *N_MSE_RANGE,
            lang,
            lambda v: change(scenario={**settings.scenario, "n_mse": v}),
        )
        NumberField(
            FIELD_LABELS["seed"], "seed", settings.seed, *SEED_RANGE, lang, lambda v: change(seed=v)
        )
        solara.HTML(
            tag="div",
            classes=["mse-help"],
            unsafe_innerHTML=html.escape(
                _(
                    "Each history number gives another run of chance events (prices, weather, who "
                    "hears of what); the same number gives the same run."
                )
            ),
        )
        NumberField(
            FIELD_LABELS["horizon"],
            "horizon",
            settings.horizon,
            *HORIZON_RANGE,
            lang,
            lambda v: change(horizon=v),
        )
        defaults = default_settings(scenario_name)
        n_changed = sum(abs(settings.scenario[n] - defaults[n]) > 1e-9 for n in LEVERS)
        with solara.Row(style={"align-items": "center"}):
            solara.HTML(
                tag="div",
                classes=["mse-levers-title"],
                unsafe_innerHTML=html.escape(
                    _("Levers (what if…?)")
                    + (
                        " · "
                        + ngettext("{n} changed", "{n} changed", n_changed).format(n=n_changed)
                        if n_changed
                        else ""
                    )
                ),
            )
            solara.Button(
                _("Reset levers"),
                disabled=not n_changed,
                classes=["mse-reset-levers"],
                small=True,
                outlined=True,
                on_click=lambda: change(
                    scenario={**settings.scenario, **{n: defaults[n] for n in LEVERS}}
                ),
            )
        solara.HTML(
            tag="div",
            classes=["mse-help"],
            unsafe_innerHTML=html.escape(
                _(
                    "Moving a lever restarts the run from month 0 with the same history; the run "
                    "before stays on the charts as faint lines until Reset."
                )
            ),
        )
        for name in LEVERS:
            LeverControl(
                name,
                float(settings.scenario[name]),
                float(defaults[name]),
                lang,
                on_value=lambda v, name=name: set_lever(name, v),
            )
