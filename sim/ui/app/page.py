"""The trainer's browser app: a Solara page with its own play loop, readable on a projector.

Start it with ``mse-sim app`` (or ``solara run sim.ui.app.page``). Two modes:

* **Explore**: one run of a bundled scenario; every lever shows its value, range and the
  scenario's value, and moving one restarts the run from month 0 with the same seed.
* **Guideline**: pick g1-g7; a baseline and the intervention run side by side from the same
  seed and the same MSEs; the app shows both curves, the difference as one number and the
  room's guess next to it ("predict, then run").

Why not Mesa's SolaraViz: its controller steps the model in a threaded task and forces a
re-render of every chart (matplotlib PNGs) after each step while the thread that handled the
▶ click may still be rendering; reacton then leaves each new render to that thread, which
renders step after step and never reads the next click (❚❚), and nothing ends the task but
``model.running`` (never false here). Here the play loop is a plain thread owned by the page
(:func:`play_loop`): it steps, bumps a month counter (the only thing the charts listen to),
waits until no other thread is rendering (:func:`wait_for_render`) and a few milliseconds more,
and stops at the horizon, on Pause, when the settings change, and when the tab closes or
disconnects. docs/app.md tells the whole story.
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Solara would otherwise try to send usage telemetry (only costs time offline), show its
# loading badge and follow the browser's dark mode (the app is designed light); set before
# solara is imported anywhere in this process.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
os.environ.setdefault("SOLARA_THEME_LOADER", "plain")
os.environ.setdefault("SOLARA_THEME_VARIANT", "light")
os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")

import solara  # noqa: E402
import solara.server.kernel_context as kernel_context  # noqa: E402

from sim.errors import UserInputError  # noqa: E402
from sim.experiments import GUIDELINES  # noqa: E402
from sim.experiments.definitions import LeverMove  # noqa: E402
from sim.metrics import metric_info  # noqa: E402
from sim.population import UPGRADE_TYPES  # noqa: E402
from sim.scenario import FIELDS, LEVERS, list_scenarios, read_scenario_file  # noqa: E402
from sim.ui.app.chain import UPGRADE_NAMES, upgrade_legend, value_chain_svg  # noqa: E402
from sim.ui.app.charts import Line, line_chart  # noqa: E402
from sim.ui.app.session import (  # noqa: E402
    BASELINE,
    DEFAULT_HORIZON,
    DEFAULT_SCENARIO,
    HORIZON_RANGE,
    INTERVENTION,
    N_MSE_RANGE,
    SEED_RANGE,
    FieldProblem,
    Run,
    Settings,
    parse_whole_number,
    scenario_record,
)
from sim.ui.i18n import (  # noqa: E402
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    gettext_for,
    metric_title,
    metric_unit,
    paper_text,
    scenario_text,
    scenario_title,
    scenario_translation_note,
    translation_note,
)
from sim.ui.numbers import format_number, format_percent
from sim.ui.style import (  # noqa: E402
    BASELINE_COLOUR,
    INTERVENTION_COLOUR,
    SERIES_COLOURS,
    UPGRADE_COLOURS,
)
from sim.ui.words import describe_moves  # noqa: E402

#: Seconds the play loop leaves between months after a frame is rendered: time for the server
#: to handle a click (Pause) and send the frame. The model itself needs ~5 ms a month at 1,000
#: MSEs and drawing a month about 15 ms in Python; the rest of a frame is solara sending it.
FRAME_GAP = 0.01

#: Environment variables by which ``mse-sim app`` passes its options to the page.
ENV_LANG, ENV_HORIZON = "MSE_SIM_APP_LANG", "MSE_SIM_APP_HORIZON"

#: Lever sliders move in steps of this size (levers are 0-1 scales). Fine enough for every
#: bundled scenario's values (kenya-avocados has 0.67): a coarser slider snaps such a value to
#: its grid when drawn and reports the snap as a move, which restarted the run at load.
LEVER_STEP = 0.01


# --------------------------------------------------------------------------------------------
# Play loop
# --------------------------------------------------------------------------------------------


def tab_is_gone(context) -> bool:
    """Return True when the tab of a kernel context was closed or has no live connection."""
    if context is None:
        return False
    if context.closed_event.is_set():
        return True
    status = dict(getattr(context, "page_status", {}))
    return bool(status) and kernel_context.PageStatus.CONNECTED not in status.values()


def wait_for_render(render_context, timeout: float = 5.0) -> None:
    """Wait until no other thread is rendering the page (reacton's render pass).

    Why: a state change made while another thread renders is left to that thread, which
    renders again before it returns. When the play loop's months arrive faster than a render
    pass, the thread that happened to be rendering (the one handling the ▶ click) keeps
    rendering months for the whole run and never gets back to the next click: ❚❚ was then
    ignored until the horizon in about a third of fresh pages. Waiting here lets that render
    pass end with nothing new to do. Only watches the render lock's owner, never takes it.
    """
    if render_context is None:
        return
    me = threading.current_thread()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owner = getattr(render_context, "_lock_thread", None)
        if owner is None or owner is me:
            return
        time.sleep(0.002)


def play_loop(run: Run, on_month: Callable[[int], None], stop: threading.Event,
              context=None, gap: float = FRAME_GAP, gate: threading.Lock | None = None) -> str:
    """Step `run` until the horizon, `stop`, or the tab going away; call `on_month` each month.

    Each month is checked, stepped and shown while holding `gate`; a Pause takes `gate` before
    setting `stop`, so no month is stepped or shown after the Pause button says so. After each
    month the loop waits for the page's render to finish (:func:`wait_for_render`) and then
    `gap` seconds, so clicks are handled between months.

    Returns:
        Why it ended: ``horizon``, ``stopped`` or ``tab closed``.
    """
    gate = gate or threading.Lock()
    render_context = getattr(context, "app_object", None)
    while True:
        with gate:
            if stop.is_set():
                return "stopped"
            if tab_is_gone(context):
                return "tab closed"
            if not run.step():
                return "horizon"
            on_month(run.month)
        wait_for_render(render_context)
        stop.wait(gap)


class Player:
    """The page's play loop: a thread stepping one run, started and stopped by the page."""

    def __init__(self):
        self.gate = threading.Lock()
        self.stop = threading.Event()
        self.stop.set()

    def pause(self) -> None:
        """Stop the loop after the month it is on; once this returns no month is added."""
        with self.gate:
            self.stop.set()

    def start(self, run: Run, month: solara.Reactive[int], playing: solara.Reactive[bool],
              context) -> Callable[[], None]:
        """Start a loop on `run` (stopping any other); return the function that stops it."""
        self.pause()
        stop = self.stop = threading.Event()

        def loop():
            with context if context is not None else contextlib.nullcontext():
                try:
                    why = play_loop(run, month.set, stop, context, gate=self.gate)
                except Exception as exc:  # noqa: BLE001 - a workshop screen must keep working
                    print(f"mse-sim app: the run stopped: {exc!r}", file=sys.stderr)
                    why = "error"
                if why in ("horizon", "error") and not stop.is_set():
                    playing.set(False)

        threading.Thread(target=loop, name="mse-sim-play", daemon=True).start()
        return stop.set


def use_play(run: Run, playing: solara.Reactive[bool], month: solara.Reactive[int]) -> Player:
    """Run :func:`play_loop` in a thread while `playing` is true; stop it on any change.

    The thread is started by an effect and stopped by the effect's cleanup, which solara runs
    when `playing` or the run changes and when the page closes (tab closed), so no run outlives
    its tab. The loop also checks the tab's connection itself, in case the close is late.
    Returns the :class:`Player`, whose :meth:`Player.pause` the Pause button calls.
    """
    context = kernel_context.get_current_context() if kernel_context.has_current_context() \
        else None
    player = solara.use_memo(Player, [])

    def start():
        return player.start(run, month, playing, context) if playing.value else None

    solara.use_effect(start, [playing.value, run])
    return player


# --------------------------------------------------------------------------------------------
# Words and numbers
# --------------------------------------------------------------------------------------------


def fmt_value(value: float, metric: str, lang: str) -> str:
    """Format a metric's value: percent with one decimal for shares, else a number."""
    if metric_info(metric).kind == "share":
        return format_percent(value, 1, lang=lang)
    return format_number(value, 1 if abs(value) < 100 else 0, lang=lang)


def fmt_difference(value: float, metric: str, lang: str) -> str:
    """Format a difference between arms: percentage points for shares, else a plain number."""
    _ = gettext_for(lang)
    sign = "+" if value >= 0 else "−"
    if metric_info(metric).kind == "share":
        points = format_number(abs(100 * value), 1, lang=lang)
        return _("{value} points").format(value=sign + points)
    return sign + format_number(abs(value), 1, lang=lang)


def _scenario_info(name: str) -> dict[str, str]:
    try:
        sf = read_scenario_file(name)
    except UserInputError:
        return {}
    return {"description": sf.description, **{k: " ".join(v.split()) for k, v in sf.info.items()}}


#: The scenario's Info texts the settings panel offers, folded, with their headings.
#: Two folds: what to notice, and the rest of the Info under its own small headings.
INFO_SECTIONS = ((N_("What to notice"), (("things_to_notice", None),)),
                 (N_("About this scenario"), (("what_it_is", None),
                                              ("how_it_works", N_("How it works in the model")),
                                              ("things_to_try", N_("Things to try")))))


def info_html(info: dict[str, str], parts, lang: str) -> str:
    """Return Info texts of a scenario as HTML in `lang`, each under its heading if it has one."""
    _ = gettext_for(lang)
    out = []
    for key, heading in parts:
        if info.get(key):
            style = "mse-notice" if key == "things_to_notice" else "mse-help"
            out.append((f"<b>{html.escape(_(heading))}</b>" if heading else "")
                       + f'<div class="{style} mse-info-{key}">'
                       + html.escape(scenario_text(info[key], lang)) + "</div>")
    note = scenario_translation_note(lang)
    if out and note:
        out.append(f'<div class="mse-translation-note">{html.escape(note)}</div>')
    return "".join(out)


def field_message(problem: FieldProblem, using: str, lang: str) -> str:
    """Say what was wrong with a number field and what the app still uses."""
    _ = gettext_for(lang)
    low, high = format_number(problem.low, 0, lang=lang), format_number(problem.high, 0, lang=lang)
    if problem.kind == "not_whole":
        what = _("“{text}” is not a whole number.").format(text=problem.text)
    elif problem.kind == "too_small":
        what = _("“{text}” is too small: the smallest allowed is {low}.").format(
            text=problem.text, low=low)
    else:
        what = _("“{text}” is too large: the largest allowed is {high}.").format(
            text=problem.text, high=high)
    return f"{what} {_('Still using {value}.').format(value=using)}"


# --------------------------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------------------------

EXPLORE_CHARTS = (
    ("upgrading", N_("MSEs that have upgraded, by type"),
     tuple(f"share_{t}" for t in UPGRADE_TYPES)),
    ("income", None, ("mean_income",)),
    ("premium", None, ("premium_share_mse",)),
    ("groups", N_("Producer groups and lead firms"), ("share_in_groups", "share_linked_lead_firm")),
)


def explore_chart_html(run: Run, key: str, lang: str) -> str:
    """Return one explore-mode chart as HTML."""
    _ = gettext_for(lang)
    title, metrics = next((t, m) for k, t, m in EXPLORE_CHARTS if k == key)
    share = metric_info(metrics[0]).kind == "share"
    if key == "upgrading":
        lines = [Line(_(UPGRADE_NAMES[t]), UPGRADE_COLOURS[t], run.series(f"share_{t}"))
                 for t in UPGRADE_TYPES]
    else:
        lines = [Line(metric_title(m, lang), SERIES_COLOURS.get(m, "#0072B2"), run.series(m))
                 for m in metrics]
    return _chart(run, _(title) if title else metric_title(metrics[0], lang), lines,
                  metrics[0], share, lang, key)


def arm_chart_html(run: Run, metric: str, lang: str, key: str) -> str:
    """Return a guideline-mode chart: one metric, baseline and intervention."""
    _ = gettext_for(lang)
    lines = [Line(_("Baseline"), BASELINE_COLOUR, run.series(metric, BASELINE), dashed=True),
             Line(_("With {g}").format(g=run.guideline.id), INTERVENTION_COLOUR,
                  run.series(metric, INTERVENTION))]
    return _chart(run, metric_title(metric, lang), lines, metric,
                  metric_info(metric).kind == "share", lang, key)


def _chart(run: Run, title: str, lines: list[Line], metric: str, share: bool, lang: str,
           key: str) -> str:
    _ = gettext_for(lang)
    fmt = ((lambda v: format_percent(v, 0 if abs(v * 100 - round(v * 100)) < 1e-6 else 1,
                                           lang=lang))
           if share
           else (lambda v: format_number(v, 0 if abs(v) >= 10 or v == 0 else 1, lang=lang)))
    note = _("Press ▶ or Step to start") if run.month == 0 else ""
    return line_chart(title, lines, horizon=run.horizon, share=share, fmt=fmt,
                      x_label=_("Month"), y_label=metric_unit(metric, lang), note=note,
                      css_class=f"mse-chart-{key}")


def chain_html(run: Run, lang: str, arm: str | None = None) -> str:
    """Return the value-chain picture with its title and legend."""
    _ = gettext_for(lang)
    scenario = run.scenario(arm)
    svg = value_chain_svg(run.population(arm), n_intermediaries=scenario.n_intermediaries,
                          n_lead_firms=scenario.n_lead_firms, _=_)
    title = (_("The value chain with {g}, month {month}").format(g=run.guideline.id,
                                                               month=run.month)
             if arm == INTERVENTION else _("The value chain, month {month}").format(
                 month=run.month))
    return (f'<div class="mse-chart mse-chain"><div class="mse-chart-title">{html.escape(title)}'
            f"</div>{upgrade_legend(_)}{svg}</div>")


def changes_text(run: Run, lang: str) -> str:
    """Say what the intervention arm changes, in lever labels: ``Credit ...: 0.20 → 0.60``."""
    base, new = run.scenario(BASELINE), run.scenario(INTERVENTION)
    return describe_moves([LeverMove(c.lever, getattr(base, c.lever), getattr(new, c.lever))
                           for c in run.guideline.intervention], lang)


def key_metric(run: Run) -> str:
    """The metric a guideline is judged on (its first key metric)."""
    return run.guideline.key_metrics[0]


@solara.component
def DifferenceCard(run: Run, month: int, lang: str, guess: solara.Reactive[str]):
    """The number a trainer projects: intervention minus baseline now, and the room's guess."""
    _ = gettext_for(lang)
    g, metric = run.guideline, key_metric(run)
    diff = run.difference(metric)
    with solara.Column(classes=["mse-difference"], gap="4px"):
        solara.HTML(tag="div", classes=["mse-difference-title"], unsafe_innerHTML=html.escape(
            f"{g.id}: {_(g.action)}"))
        solara.HTML(tag="div", classes=["mse-difference-value"],
                    unsafe_innerHTML=html.escape(fmt_difference(diff, metric, lang)))
        solara.HTML(tag="div", classes=["mse-difference-text"], unsafe_innerHTML=html.escape(
            _("{metric} after {months} months: {new} with {g}, {base} in the baseline "
              "(same seed, same MSEs).").format(
                metric=metric_title(metric, lang), months=month, g=g.id,
                new=fmt_value(run.value(metric, INTERVENTION), metric, lang),
                base=fmt_value(run.value(metric, BASELINE), metric, lang))))
        GuessRow(metric, diff, lang, guess)
        solara.HTML(tag="div", classes=["mse-difference-note"], unsafe_innerHTML=html.escape(
            _("Intervention: {changes}").format(changes=changes_text(run, lang))))


@solara.component
def GuessRow(metric: str, diff: float, lang: str, guess: solara.Reactive[str]):
    """Predict, then run: the room's guess of the difference, shown against the result."""
    _ = gettext_for(lang)
    share = metric_info(metric).kind == "share"
    unit = _("points") if share else ""
    with solara.Row(classes=["mse-guess"], style={"align-items": "center"}):
        solara.InputText(_("The room's guess ({unit})").format(unit=unit or "±"),
                         value=guess, continuous_update=False, classes=["mse-guess-input"])
        if guess.value.strip():
            try:
                guessed = float(guess.value.replace(",", ".").replace("+", "").replace(
                    "−", "-"))
            except ValueError:
                solara.HTML(tag="div", classes=["mse-field-problem"], unsafe_innerHTML=(
                    html.escape(_("“{text}” is not a number.").format(text=guess.value))))
                return
            result = 100 * diff if share else diff
            solara.HTML(tag="div", classes=["mse-guess-result"], unsafe_innerHTML=html.escape(
                _("Guess {guess}, result {result}").format(
                    guess=fmt_difference(guessed / (100 if share else 1), metric, lang),
                    result=fmt_difference(result / (100 if share else 1), metric, lang))))


@solara.component
def Panels(run: Run, month: solara.Reactive[int], lang: str, guess: solara.Reactive[str]):
    """The charts and pictures of the run on screen (re-rendered every month)."""
    month.value  # noqa: B018 - read, so that a new month re-renders the panels (only them)
    with solara.Div(classes=["mse-panels"]):
        if run.guideline is None:
            for key, _t, _m in EXPLORE_CHARTS[:2]:
                solara.HTML(tag="div", unsafe_innerHTML=explore_chart_html(run, key, lang))
            solara.HTML(tag="div", unsafe_innerHTML=chain_html(run, lang))
            for key, _t, _m in EXPLORE_CHARTS[2:]:
                solara.HTML(tag="div", unsafe_innerHTML=explore_chart_html(run, key, lang))
        else:
            metric = key_metric(run)
            second = next(m for m in (*run.guideline.key_metrics[1:], "share_upgraded",
                                      "share_in_groups") if m != metric)
            solara.HTML(tag="div", unsafe_innerHTML=arm_chart_html(run, metric, lang, "key"))
            DifferenceCard(run, run.month, lang, guess)
            solara.HTML(tag="div", unsafe_innerHTML=arm_chart_html(run, second, lang, "second"))
            solara.HTML(tag="div", unsafe_innerHTML=chain_html(run, lang, INTERVENTION))


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@solara.component
def LeverControl(name: str, value: float, default: float, lang: str,
                 on_value: Callable[[float], None]):
    """A lever: its label and value, range and scenario value in words, then a plain slider.

    The label is text outside the slider, so clicking it never moves the lever.
    """
    _ = gettext_for(lang)
    spec = FIELDS[name]
    changed = abs(value - default) > 1e-9
    classes = ["mse-lever", f"mse-lever-{name}"] + (["mse-changed"] if changed else [])
    with solara.Div(classes=classes):
        status = (_("changed; scenario value {default}") if changed
                  else _("scenario value")).format(default=format_number(default, 2, lang=lang))
        solara.HTML(tag="div", classes=["mse-lever-label"], unsafe_innerHTML=(
            f'<span class="mse-lever-name" title="{html.escape(name)}">'
            f"{html.escape(_(spec.label))}</span> "
            f'<b class="mse-lever-value">{format_number(value, 2, lang=lang)}</b> '
            f'<span class="mse-lever-range">({html.escape(status)}; '
            f"{format_number(spec.low, 0, lang=lang)}–"
            f"{format_number(spec.high, 0, lang=lang)})</span>"))
        solara.SliderFloat("", value=float(value), min=float(spec.low), max=float(spec.high),
                           step=LEVER_STEP, on_value=on_value, thumb_label=False)


@solara.component
def NumberField(label: str, field: str, current: int, low: int, high: int, lang: str,
                on_value: Callable[[int], None]):
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
            solara.HTML(tag="div", classes=["mse-field-problem"],
                        unsafe_innerHTML=html.escape(problem.value))
        else:
            solara.HTML(tag="div", classes=["mse-field-ok"], unsafe_innerHTML=html.escape(
                _("Using {value} ({low}–{high}).").format(
                    value=format_number(current, 0, lang=lang),
                    low=format_number(low, 0, lang=lang),
                    high=format_number(high, 0, lang=lang))))


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
        return parse_whole_number(os.environ.get(ENV_HORIZON, str(DEFAULT_HORIZON)),
                                  *HORIZON_RANGE)
    except FieldProblem:
        return DEFAULT_HORIZON


def _default_settings(name: str) -> dict[str, Any]:
    try:
        return scenario_record(name)
    except UserInputError:  # no bundled scenarios (e.g. a bare checkout): the defaults
        return {**scenario_record(DEFAULT_SCENARIO), "name": name}


@solara.component
def Layout(children=()):
    """The page without solara's app bar, theme switch and tabs: just the app."""
    return solara.Div(children=list(children), classes=["mse-root"])


@solara.component
def Page():
    """The app: a top bar (play controls, month, language) and the settings beside the charts."""
    scenarios = solara.use_memo(list_scenarios, [])
    first = DEFAULT_SCENARIO if DEFAULT_SCENARIO in scenarios else (scenarios or [""])[0]
    lang = solara.use_reactive(_initial_language())
    scenario_name = solara.use_reactive(first)
    settings = solara.use_reactive(solara.use_memo(
        lambda: Settings(_default_settings(first), 0, None, _initial_horizon()), []))
    run = solara.use_reactive(solara.use_memo(lambda: Run(settings.value), []))
    month = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    error = solara.use_reactive("")
    guess = solara.use_reactive("")
    _ = gettext_for(lang.value)
    player = use_play(run.value, playing, month)

    def light_theme():
        # the app is designed light; a browser may remember solara's dark mode from elsewhere
        solara.lab.theme.dark = False

    solara.use_effect(light_theme, [])

    def apply(new: Settings):
        """Build the run for new settings first; show it, or say why it cannot run."""
        try:
            built = Run(new)
        except UserInputError as exc:
            error.set(_("These settings cannot be run: {problem}").format(problem=exc))
            return
        except Exception as exc:  # noqa: BLE001 - a workshop screen must show words
            print(f"mse-sim app: could not build the model: {exc!r}", file=sys.stderr)
            error.set(_("The model could not be started with these settings; the details "
                        "are in the terminal running the app."))
            return
        player.pause()
        playing.set(False)
        error.set("")
        settings.set(new)
        run.set(built)
        month.set(0)

    def change(**kw):
        s = settings.value
        if kw.get("guideline", s.guideline) != s.guideline:
            guess.set("")  # a new question for the room
        apply(Settings(**{"scenario": s.scenario, "seed": s.seed, "guideline": s.guideline,
                          "horizon": s.horizon, **kw}))

    def set_lever(name, value):
        if abs(float(value) - float(settings.value.scenario[name])) < LEVER_STEP / 2:
            return  # the slider snapping a value to its grid, not a move
        change(scenario={**settings.value.scenario, name: round(float(value), 4)})

    def choose_scenario(name):
        scenario_name.set(name)
        change(scenario=_default_settings(name))

    def do_step():
        if run.value.step():
            month.set(run.value.month)

    def do_reset():
        player.pause()
        apply(settings.value)

    r, lg = run.value, lang.value
    with solara.Div(classes=["mse-app"]):
        solara.Style(CSS)
        solara.Title(_("MSE upgrading in value chains"))
        with solara.Div(classes=["mse-top"]):
            Controls(r, month, playing, lg, do_step, do_reset, player)
            solara.HTML(tag="div", classes=["mse-title"], unsafe_innerHTML=html.escape(
                f"{scenario_title(scenario_name.value, lg)} · "
                + (f"{r.guideline.id}" if r.guideline else _("Explore"))))
            names = list(LANGUAGES.values())
            solara.Select(_("Language"), values=names, value=LANGUAGES[lg],
                          on_value=lambda v: lang.set(next(k for k, n in LANGUAGES.items()
                                                           if n == v)),
                          classes=["mse-language"], dense=True)
        with solara.Div(classes=["mse-body"]):
            with solara.Div(classes=["mse-side"]):
                Settings_(scenarios, scenario_name.value, settings.value, lg, error.value,
                          choose_scenario, change, set_lever)
            with solara.Div(classes=["mse-main"]):
                Panels(r, month, lg, guess)


@solara.component
def Controls(run: Run, month: solara.Reactive[int], playing: solara.Reactive[bool], lang: str,
             do_step: Callable[[], None], do_reset: Callable[[], None], player: Player):
    """▶/❚❚, Step, Reset and the month counter (the only parts of the bar that change)."""
    _ = gettext_for(lang)
    finished = month.value >= run.horizon

    def toggle():
        if playing.value:
            player.pause()  # first: no month is added once the button shows ▶
        playing.set(not playing.value)

    with solara.Div(classes=["mse-controls"]):
        solara.Button("❚❚ " + _("Pause") if playing.value else "▶ " + _("Play"),
                      on_click=toggle,
                      disabled=finished and not playing.value, color="primary",
                      classes=["mse-play"])
        solara.Button(_("Step"), on_click=do_step, disabled=playing.value or finished,
                      classes=["mse-step"], outlined=True)
        solara.Button(_("Reset"), on_click=do_reset, classes=["mse-reset"], outlined=True)
        solara.HTML(tag="div", classes=["mse-month"], unsafe_innerHTML=(
            _("Month {month} of {horizon}").format(
                month=f'<b class="mse-month-value">{month.value}</b>', horizon=run.horizon)))
        if finished:
            solara.HTML(tag="div", classes=["mse-finished"],
                        unsafe_innerHTML=html.escape(_("End of the run: press Reset")))


@solara.component
def Settings_(scenarios, scenario_name, settings: Settings, lang, error, choose_scenario,
              change, set_lever):
    """The settings panel: scenario, mode, guideline, number fields and levers."""
    _ = gettext_for(lang)
    titles = {scenario_title(n, lang): n for n in scenarios}
    solara.Select(_("Scenario"), values=list(titles), value=scenario_title(scenario_name, lang),
                  on_value=lambda t: choose_scenario(titles[t]), classes=["mse-scenario"])
    info = _scenario_info(scenario_name)
    if info.get("description"):
        solara.HTML(tag="div", classes=["mse-help"],
                    unsafe_innerHTML=html.escape(scenario_text(info["description"], lang)))
    for summary, parts in INFO_SECTIONS:
        text = info_html(info, parts, lang)
        if text:
            with solara.Details(summary=_(summary), expand=False):
                solara.HTML(tag="div", classes=["mse-info"], unsafe_innerHTML=text)
    if error:
        solara.HTML(tag="div", classes=["mse-error"], unsafe_innerHTML=html.escape(error))
    mode = "guideline" if settings.guideline else "explore"
    solara.ToggleButtonsSingle(
        value=mode, on_value=lambda v: change(guideline=None if v == "explore" else "g3"),
        children=[solara.Button(_("Explore"), value="explore", classes=["mse-mode-explore"]),
                  solara.Button(_("Guideline"), value="guideline",
                                classes=["mse-mode-guideline"])])
    if settings.guideline:
        g = GUIDELINES[settings.guideline]
        solara.ToggleButtonsSingle(
            value=settings.guideline, on_value=lambda v: change(guideline=v),
            children=[solara.Button(gid, value=gid, classes=[f"mse-guideline-{gid}"])
                      for gid in GUIDELINES], classes=["mse-guidelines"])
        solara.HTML(tag="div", classes=["mse-guideline-text"], unsafe_innerHTML=(
            f"<b>{html.escape(g.id)}: {html.escape(_(g.title))}</b>"))
        with solara.Details(summary=_("The paper's guideline"), expand=False):
            note = translation_note(lang)
            solara.HTML(tag="div", classes=["mse-paper"], unsafe_innerHTML=(
                html.escape(_(paper_text(g.seed_text)))
                + (f'<div class="mse-translation-note">{html.escape(note)}</div>'
                   if note else "")))
        solara.HTML(tag="div", classes=["mse-help"], unsafe_innerHTML=html.escape(_(
            "Both arms start from the same seed and the same MSEs; the levers below set the "
            "baseline.")))
    NumberField(N_("Number of MSEs"), "n_mse", int(settings.scenario["n_mse"]), *N_MSE_RANGE,
                lang, lambda v: change(scenario={**settings.scenario, "n_mse": v}))
    NumberField(N_("Seed"), "seed", settings.seed, *SEED_RANGE, lang,
                lambda v: change(seed=v))
    NumberField(N_("Months to run"), "horizon", settings.horizon, *HORIZON_RANGE, lang,
                lambda v: change(horizon=v))
    defaults = _default_settings(scenario_name)
    n_changed = sum(abs(settings.scenario[n] - defaults[n]) > 1e-9 for n in LEVERS)
    with solara.Row(style={"align-items": "center"}):
        solara.HTML(tag="div", classes=["mse-levers-title"], unsafe_innerHTML=html.escape(
            _("Levers (what if…?)") + (f" · {_('{n} changed').format(n=n_changed)}"
                                        if n_changed else "")))
        solara.Button(_("Reset levers"), disabled=not n_changed, classes=["mse-reset-levers"],
                      small=True, outlined=True,
                      on_click=lambda: change(scenario={**settings.scenario, **{
                          n: defaults[n] for n in LEVERS}}))
    solara.HTML(tag="div", classes=["mse-help"], unsafe_innerHTML=html.escape(_(
        "Moving a lever restarts the run from month 0 with the same seed.")))
    for name in LEVERS:
        LeverControl(name, float(settings.scenario[name]), float(defaults[name]), lang,
                     on_value=lambda v, name=name: set_lever(name, v))


page = Page
