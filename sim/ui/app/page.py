"""The trainer's browser app: a Solara page with its own play loop, readable on a projector.

Start it with ``mse-sim app`` (or ``solara run sim.ui.app.page``). Two modes:

* **Explore**: one run of a bundled scenario; every lever shows its value, range and the
  scenario's value, and moving one restarts the run from month 0 with the same seed, with the
  run before it kept as faint lines on every chart until Reset ("what if...?").
* **Guideline**: pick g1-g7; a baseline and the intervention run side by side from the same
  seed and the same MSEs, as one example; the big number is the effect over many paired runs
  worked out in the background, the same experiment and the same words as the handout
  (:mod:`sim.ui.app.many_runs`), next to the room's guess ("predict, then run").

The page fills a projector's screen without scrolling (1280x720, and at 125 % zoom): the
play controls on top, the charts and the value-chain picture below (:mod:`sim.ui.app.panels`),
and the settings and levers in a drawer (:mod:`sim.ui.app.drawer`). This module is the page
itself: its state, its play controls, its address and its save buttons. The address keeps the
state (:mod:`sim.ui.app.address`), and the charts and the run's data can be saved
(:mod:`sim.ui.app.export`).

Why not Mesa's SolaraViz: its controller steps the model in a threaded task and forces a
re-render of every chart (matplotlib PNGs) after each step while the thread that handled the
▶ click may still be rendering; reacton then leaves each new render to that thread, which
renders step after step and never reads the next click (❚❚), and nothing ends the task but
``model.running`` (never false here). Here the play loop is a plain thread owned by the page
(:func:`play_loop`): it steps, bumps a month counter (the only thing the charts listen to),
waits until no other thread is rendering (:func:`wait_for_render`) and until the month has
been on screen as long as the chosen speed asks, and stops at the horizon, on Pause, when the
settings change, and when the tab closes or disconnects. docs/app.md tells the whole story.
"""

from __future__ import annotations

import html
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

# Solara would otherwise try to send usage telemetry (only costs time offline), show its
# loading badge and follow the browser's dark mode (the app is designed light); set before
# solara is imported anywhere in this process.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
os.environ.setdefault("SOLARA_THEME_LOADER", "plain")
os.environ.setdefault("SOLARA_THEME_VARIANT", "light")
os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")

import ipyvuetify  # noqa: E402
import reacton  # noqa: E402
import solara  # noqa: E402
import traitlets  # noqa: E402

from sim.errors import UserInputError  # noqa: E402
from sim.experiments import GUIDELINES  # noqa: E402
from sim.scenario import list_scenarios  # noqa: E402
from sim.ui.app import export  # noqa: E402
from sim.ui.app.address import (  # noqa: E402
    SPEEDS,
    PageState,
    default_settings,
    from_query,
    settings_of,
    state_of,
    to_query,
)
from sim.ui.app.drawer import LEVER_STEP, Drawer  # noqa: E402
from sim.ui.app.many_runs import (  # noqa: E402
    MANY_RUNS,
    Question,
    model_ready,
    prepare_model,
    wait_until_ready,
)
from sim.ui.app.panels import Panels  # noqa: E402
from sim.ui.app.player import Player, use_play  # noqa: E402
from sim.ui.app.session import (  # noqa: E402
    DEFAULT_HORIZON,
    DEFAULT_SCENARIO,
    HORIZON_RANGE,
    FieldProblem,
    Run,
    Settings,
    parse_whole_number,
)
from sim.ui.app.texts import (  # noqa: E402
    SPEED_NAMES,
    address_problems,
)
from sim.ui.app.views import (  # noqa: E402, F401 - the page's words, importable from here
    fmt_difference,
    fmt_value,
    key_metric,
)
from sim.ui.i18n import (  # noqa: E402
    DEFAULT_LANGUAGE,
    LANGUAGES,
    gettext_for,
    scenario_title,
)

#: Environment variables by which ``mse-sim app`` passes its options to the page.
ENV_LANG, ENV_HORIZON = "MSE_SIM_APP_LANG", "MSE_SIM_APP_HORIZON"

#: What the room is told while the model is prepared after an install (measured on 2 shared
#: cores: docs/app.md, "First start").
PREPARING_SECONDS = 30

# The model's compiled passes load (or compile, after an install) as soon as the app starts,
# not when the first tab presses ▶.
prepare_model()


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

#: The page's style sheet (projector sizes, light theme), next to this module.
CSS = Path(__file__).with_name("app.css")


def _initial_language() -> str:
    lang = os.environ.get(ENV_LANG, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _initial_horizon() -> int:
    try:
        return parse_whole_number(os.environ.get(ENV_HORIZON, str(DEFAULT_HORIZON)), *HORIZON_RANGE)
    except FieldProblem:
        return DEFAULT_HORIZON


class _AddressBar(ipyvuetify.VuetifyTemplate):
    """Writes the page's state into the browser's address (``history.replaceState``).

    Why not solara's router: ``router.push`` changes the routing state, which renders the
    whole page again right after each change; a click landing between the two renders (a
    guideline button pressed just after the mode) was lost now and then. Replacing the
    address in the browser renders nothing, and a reload still reads it (the page reads
    ``router.search`` once, when it opens).
    """

    template = traitlets.Unicode("""
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.write(); },
  watch: { query() { this.write(); } },
  methods: {
    write() {
      const url = new URL(window.location.href);
      url.search = this.query ? "?" + this.query : "";
      if (url.href !== window.location.href) {
        window.history.replaceState(window.history.state, "", url.href);
      }
    },
  },
};
</script>
""").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)


AddressBar = reacton.core.ComponentWidget(_AddressBar)


@solara.component
def Layout(children=()):
    """The page without solara's app bar, theme switch and tabs: just the app."""
    return solara.Div(children=list(children), classes=["mse-root"])


class Saves:
    """What the page's save buttons write, read when clicked (the run as it is then)."""

    def __init__(self):
        self.run: Run | None = None
        self.before: Run | None = None
        self.lang = DEFAULT_LANGUAGE
        self.many_words = ""

    def charts(self) -> str:
        """The charts and the picture on screen as one SVG document."""
        return export.charts_svg(self.run, self.lang, self.before, self.many_words)

    def data(self) -> str:
        """The run's data as CSV, with its provenance."""
        many = None
        if self.run.guideline is not None:
            question = Question.of(
                self.run.guideline.id, self.run.settings.scenario, self.run.horizon
            )
            future = MANY_RUNS.ask(question, f"save-{id(self)}")
            many = future.result() if future.done() and not future.exception() else None
            MANY_RUNS.release(f"save-{id(self)}")
        return export.run_csv(self.run, many)


@solara.component
def Page():
    """The app once the model is ready; until then, what is being prepared and for how long."""
    ready = solara.use_thread(lambda: wait_until_ready(), dependencies=[], intrusive_cancel=False)
    if model_ready() or ready.state == solara.ResultState.FINISHED:
        App()
    else:
        Preparing()


@solara.component
def Preparing():
    """Shown while the model is prepared after an install (compiled once, then loaded)."""
    router = solara.use_router()
    state = from_query(router.search, [], DEFAULT_SCENARIO, _initial_language())
    _ = gettext_for(state.lang)
    with solara.Div(classes=["mse-app", "mse-preparing"]):
        solara.Style(CSS)
        solara.HTML(
            tag="div",
            classes=["mse-preparing-text"],
            unsafe_innerHTML=html.escape(
                _("Preparing the model (first time, about {seconds} s)…").format(
                    seconds=PREPARING_SECONDS
                )
            ),
        )


@solara.component
def App():
    """The app: the play controls on top, the charts and the picture, settings in a drawer."""
    router = solara.use_router()
    scenarios = solara.use_memo(list_scenarios, [])
    first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in scenarios else (scenarios or [""])[0]
    start = solara.use_memo(
        lambda: from_query(
            router.search, scenarios, first, _initial_language(), _initial_horizon()
        ),
        [],
    )
    lang = solara.use_reactive(start.lang)
    speed = solara.use_reactive(start.speed)
    scenario_name = solara.use_reactive(start.scenario)
    settings = solara.use_reactive(solara.use_memo(lambda: settings_of(start), []))
    error = solara.use_reactive(address_problems(start, start.lang))
    run = solara.use_reactive(solara.use_memo(lambda: _first_run(settings, error, start), []))
    before = solara.use_reactive(None)
    month = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    guess = solara.use_reactive("")
    drawer = solara.use_reactive(False)
    tab = solara.use_memo(lambda: uuid.uuid4().hex, [])
    saves = solara.use_memo(Saves, [])
    _ = gettext_for(lang.value)
    player = use_play(run.value, playing, month)
    player.seconds_per_month = SPEEDS[speed.value]
    saves.run, saves.before, saves.lang = run.value, before.value, lang.value

    def light_theme():
        # the app is designed light; a browser may remember solara's dark mode from elsewhere
        solara.lab.theme.dark = False

    solara.use_effect(light_theme, [])
    solara.use_effect(lambda: lambda: MANY_RUNS.release(tab), [])

    # the address follows what is on screen, so a reload or a shared link opens it again
    query = to_query(
        state_of(settings.value, lang.value, speed.value),
        default_settings(settings.value.scenario["name"]),
    )

    def apply(new: Settings, keep_before: bool = True):
        """Build the run for new settings first; show it, or say why it cannot run."""
        try:
            built = Run(new)
        except UserInputError as exc:
            error.set(_("These settings cannot be run: {problem}").format(problem=exc))
            return
        except Exception as exc:  # noqa: BLE001 - a workshop screen must show words
            print(f"mse-sim app: could not build the model: {exc!r}", file=sys.stderr)
            error.set(
                _(
                    "The model could not be started with these settings; the details "
                    "are in the terminal running the app."
                )
            )
            return
        player.pause()
        playing.set(False)
        error.set("")
        old = run.value
        if not keep_before:
            before.set(None)
        elif old.month > 0:  # a run with nothing shown leaves the one before it in place
            before.set(old)
        settings.set(new)
        run.set(built)
        month.set(0)

    def change(**kw):
        s = settings.value
        same_question = kw.get("guideline", s.guideline) == s.guideline and kw.get(
            "scenario", s.scenario
        ).get("name") == s.scenario.get("name")
        if not same_question:
            guess.set("")  # a new question for the room
        apply(
            Settings(
                **{
                    "scenario": s.scenario,
                    "seed": s.seed,
                    "guideline": s.guideline,
                    "horizon": s.horizon,
                    **kw,
                }
            ),
            keep_before=same_question,
        )

    def set_lever(name, value):
        if abs(float(value) - float(settings.value.scenario[name])) < LEVER_STEP / 2:
            return  # the slider snapping a value to its grid, not a move
        change(scenario={**settings.value.scenario, name: round(float(value), 4)})

    def choose_scenario(name):
        scenario_name.set(name)
        change(scenario=default_settings(name))

    def do_step():
        if run.value.step():
            month.set(run.value.month)

    def do_reset():
        player.pause()
        apply(settings.value, keep_before=False)

    r, lg = run.value, lang.value
    with solara.Div(classes=["mse-app"] + (["mse-drawer-open"] if drawer.value else [])):
        solara.Style(CSS)
        solara.Title(_("MSE upgrading in value chains"))
        AddressBar(query=query)
        with solara.Div(classes=["mse-top"]):
            Controls(r, month, playing, lg, do_step, do_reset, player)
            with solara.Div(classes=["mse-speed"]):
                solara.HTML(
                    tag="span",
                    classes=["mse-speed-label"],
                    unsafe_innerHTML=html.escape(_("Speed")),
                )
                solara.ToggleButtonsSingle(
                    value=speed.value,
                    on_value=speed.set,
                    dense=True,
                    children=[
                        solara.Button(_(SPEED_NAMES[k]), value=k, classes=[f"mse-speed-{k}"])
                        for k in SPEEDS
                    ],
                )
            names = list(LANGUAGES.values())
            solara.Select(
                _("Language"),
                values=names,
                value=LANGUAGES[lg],
                on_value=lambda v: lang.set(next(k for k, n in LANGUAGES.items() if n == v)),
                classes=["mse-language"],
                dense=True,
            )
        with solara.Div(classes=["mse-bar"]):
            solara.Button(
                "⚙ " + _("Settings"),
                on_click=lambda: drawer.set(not drawer.value),
                classes=["mse-settings-open"],
                outlined=True,
            )
            mode = "guideline" if settings.value.guideline else "explore"
            solara.ToggleButtonsSingle(
                value=mode,
                on_value=lambda v: change(guideline=None if v == "explore" else "g3"),
                children=[
                    solara.Button(_("Explore"), value="explore", classes=["mse-mode-explore"]),
                    solara.Button(
                        _("Guideline"), value="guideline", classes=["mse-mode-guideline"]
                    ),
                ],
            )
            if settings.value.guideline:
                solara.ToggleButtonsSingle(
                    value=settings.value.guideline,
                    on_value=lambda v: change(guideline=v),
                    children=[
                        solara.Button(gid, value=gid, classes=[f"mse-guideline-{gid}"])
                        for gid in GUIDELINES
                    ],
                    classes=["mse-guidelines"],
                )
            title = scenario_title(scenario_name.value, lg)
            solara.HTML(tag="div", classes=["mse-title"], unsafe_innerHTML=html.escape(title))
            with solara.Div(classes=["mse-saves"]):
                stem = export.file_stem(r)
                charts_data = solara.use_memo(lambda: saves.charts, [])
                data_data = solara.use_memo(lambda: saves.data, [])
                with solara.FileDownload(charts_data, f"{stem}.svg", mime_type="image/svg+xml"):
                    solara.Button(
                        "⤓ SVG",
                        classes=["mse-save-charts"],
                        outlined=True,
                        small=True,
                        attributes={"title": _("Save the charts (SVG)")},
                    )
                with solara.FileDownload(data_data, f"{stem}.csv", mime_type="text/csv"):
                    solara.Button(
                        "⤓ CSV",
                        classes=["mse-save-data"],
                        outlined=True,
                        small=True,
                        attributes={
                            "title": _("Save the run's data (CSV), with what reproduces it")
                        },
                    )
        if error.value and not drawer.value:
            solara.HTML(
                tag="div",
                classes=["mse-error", "mse-error-bar"],
                unsafe_innerHTML=html.escape(error.value),
            )
        with solara.Div(classes=["mse-body"]):
            Panels(r, month, lg, guess, before.value, not playing.value, tab)
            if drawer.value:
                Drawer(
                    scenarios,
                    scenario_name.value,
                    settings.value,
                    lg,
                    error.value,
                    choose_scenario,
                    change,
                    set_lever,
                    lambda: drawer.set(False),
                )


def _first_run(
    settings: solara.Reactive[Settings], error: solara.Reactive[str], start: PageState
) -> Run:
    """The first run: what the address asks for, or the scenario as it is if that fails."""
    try:
        return Run(settings.value)
    except UserInputError as exc:
        fallback = Settings(default_settings(start.scenario), 0, start.guideline, start.horizon)
        settings.set(fallback)
        error.set(
            gettext_for(start.lang)("These settings cannot be run: {problem}").format(problem=exc)
        )
        return Run(fallback)


@solara.component
def Controls(
    run: Run,
    month: solara.Reactive[int],
    playing: solara.Reactive[bool],
    lang: str,
    do_step: Callable[[], None],
    do_reset: Callable[[], None],
    player: Player,
):
    """▶/❚❚, Step, Reset and the month counter (the only parts of the bar that change)."""
    _ = gettext_for(lang)
    finished = month.value >= run.horizon

    def toggle():
        if playing.value:
            player.pause()  # first: no month is added once the button shows ▶
        playing.set(not playing.value)

    with solara.Div(classes=["mse-controls"]):
        solara.Button(
            "❚❚ " + _("Pause") if playing.value else "▶ " + _("Play"),
            on_click=toggle,
            disabled=finished and not playing.value,
            color="primary",
            classes=["mse-play"],
        )
        solara.Button(
            _("Step"),
            on_click=do_step,
            disabled=playing.value or finished,
            classes=["mse-step"],
            outlined=True,
        )
        solara.Button(_("Reset"), on_click=do_reset, classes=["mse-reset"], outlined=True)
        solara.HTML(
            tag="div",
            classes=["mse-month"],
            unsafe_innerHTML=(
                _("Month {month} of {horizon}").format(
                    month=f'<b class="mse-month-value">{month.value}</b>', horizon=run.horizon
                )
            ),
        )
        if finished:
            solara.HTML(
                tag="div",
                classes=["mse-finished"],
                unsafe_innerHTML=html.escape(_("End of the run: press Reset")),
            )


page = Page
