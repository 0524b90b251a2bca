"""Fast checks of the browser app's Python side (no browser): runs, play loop, charts, CLI."""

from __future__ import annotations

import gc
import re
import socket
import threading
import weakref

import numpy as np
import pytest

from sim.errors import UserInputError
from sim.scenario import FIELDS, LEVERS, list_scenarios
from sim.trade import VIA_BROKER
from sim.ui.app import address, chain, charts, export, session, views
from sim.ui.cli import main

solara = pytest.importorskip("solara")
page = pytest.importorskip("sim.ui.app.page")


@pytest.fixture
def settings():
    return session.Settings({**session.scenario_record("kenya-avocados"), "n_mse": 200},
                            seed=3, horizon=6)


def test_every_lever_has_a_plain_label_and_the_default_scenario_exists():
    assert session.DEFAULT_SCENARIO in list_scenarios()
    for name in LEVERS:
        assert FIELDS[name].label and "_" not in FIELDS[name].label


def test_every_bundled_lever_value_sits_on_the_slider_grid():
    """A value off the slider's grid is snapped when drawn, which used to restart the run."""
    for name in list_scenarios():
        record = session.scenario_record(name)
        for lever in LEVERS:
            steps = record[lever] / page.LEVER_STEP
            assert abs(steps - round(steps)) < 1e-6, (name, lever, record[lever])


def test_run_stops_at_its_horizon(settings):
    run = session.Run(settings)
    months = 0
    while run.step():
        months += 1
    assert months == run.month == 6 and run.finished
    assert not run.step() and run.month == 6
    assert len(run.series("share_upgraded")) == 7  # month 0 to 6


def test_guideline_arms_share_the_seed_and_differ_only_in_levers(settings):
    run = session.Run(session.Settings(settings.scenario, 5, "g3", 4))
    base = run.scenario(session.BASELINE).to_record()
    new = run.scenario(session.INTERVENTION).to_record()
    changed = {k for k in base if base[k] != new[k]}
    assert changed and changed <= set(run.guideline.levers)
    while run.step():
        pass
    metric = page.key_metric(run)
    assert run.difference(metric) == pytest.approx(
        run.series(metric, session.INTERVENTION)[-1] - run.series(metric, session.BASELINE)[-1])


def test_same_settings_give_the_same_run(settings):
    a, b = session.Run(settings), session.Run(settings)
    for run in (a, b):
        while run.step():
            pass
    assert np.array_equal(a.series("mean_income"), b.series("mean_income"))


def test_bad_settings_raise_a_user_input_error(settings):
    with pytest.raises(UserInputError):
        session.Run(session.Settings({**settings.scenario, "credit_access": 7.0}))
    with pytest.raises(UserInputError, match="guideline"):
        session.Run(session.Settings(settings.scenario, 0, "g9"))


@pytest.mark.parametrize("text, value", [("1000", 1000), ("10,000", 10_000),
                                         ("10.000", 10_000), ("10 000", 10_000), (" 7 ", 7)])
def test_number_fields_read_whole_numbers_with_separators(text, value):
    assert session.parse_whole_number(text, 0, 20_000) == value


@pytest.mark.parametrize("text, kind", [("0", "too_small"), ("-5", "too_small"),
                                        ("10,000,000", "too_large"), ("abc", "not_whole"),
                                        ("1.5", "not_whole"), ("", "not_whole"),
                                        ("12345678901234567890123", "too_large")])
def test_number_fields_say_what_is_wrong(text, kind):
    with pytest.raises(session.FieldProblem) as err:
        session.parse_whole_number(text, 10, 20_000, "Number of MSEs")
    assert err.value.kind == kind
    message = page.field_message(err.value, "1,000", "en")
    assert "Still using 1,000" in message and text in message


class _Context:
    """A stand-in for solara's kernel context: open, connected, or closed."""

    def __init__(self, status="connected"):
        self.closed_event = threading.Event()
        self.page_status = {"p": page.kernel_context.PageStatus(status)}


def test_play_loop_stops_at_the_horizon_on_stop_and_when_the_tab_goes(settings):
    shown = []
    run = session.Run(settings)
    assert page.play_loop(run, shown.append, threading.Event(), _Context(), gap=0) == "horizon"
    assert shown == [1, 2, 3, 4, 5, 6]

    stop = threading.Event()
    run = session.Run(settings)
    assert page.play_loop(run, lambda m: stop.set() if m == 2 else None, stop, gap=0) \
        == "stopped"
    assert run.month == 2  # stopped after the month it was on, nothing more

    context = _Context()
    run = session.Run(settings)
    assert page.play_loop(run, lambda m: context.closed_event.set(), threading.Event(),
                          context, gap=0) == "tab closed"
    assert run.month == 1
    assert page.play_loop(session.Run(settings), shown.append, threading.Event(),
                          _Context("disconnected"), gap=0) == "tab closed"


def test_a_stopped_run_is_freed(settings):
    run = session.Run(settings)
    ref = weakref.ref(run)
    page.play_loop(run, lambda m: None, threading.Event(), gap=0)
    del run
    gc.collect()
    assert ref() is None


def test_line_chart_has_axes_legend_outside_and_projector_text():
    lines = [charts.Line("a", "#000", np.array([0.0, 0.1, 0.2])),
             charts.Line("b", "#111", np.array([0.0, 0.05, 0.3]), dashed=True)]
    out = charts.line_chart("Title", lines, horizon=120, share=True, fmt=lambda v: f"{v:.0%}",
                            x_label="Month")
    assert out.count("<polyline") == 2 and "stroke-dasharray" in out
    assert out.index("mse-legend") < out.index("<svg")  # legend above the plot, not on it
    assert int(re.search(r'font-size="(\d+)"', out)[1]) >= 14
    assert ">120<" in out and ">Month<" in out
    # at month 0 one dot per line and a y axis from 0, never a negative share
    first = charts.line_chart("T", [charts.Line("a", "#000", np.array([0.0]))], horizon=120,
                              share=True, fmt=lambda v: f"{v:.0%}", x_label="Month",
                              note="Press ▶")
    assert "<circle" in first and "-" not in re.sub(r"<[^>]*>", " ", first).replace("▶", "")


def test_axis_tops_are_round():
    assert [charts.nice_ceiling(v) for v in (0.07, 0.3, 0.9, 41, 260)] == [0.1, 0.5, 1, 50, 500]
    assert charts.month_ticks(120) == list(range(0, 121, 12))
    assert charts.month_ticks(15)[-1] <= 15


def test_value_chain_picture_draws_tiers_and_a_stable_sample(settings):
    run = session.Run(session.Settings({**settings.scenario, "n_mse": 2000}, 0, None, 12))
    while run.step():
        pass
    scenario = run.scenario()
    svg = chain.value_chain_svg(run.population(), n_intermediaries=scenario.n_intermediaries,
                                n_lead_firms=scenario.n_lead_firms)
    for word in ("Buyers in end markets", "Intermediaries", "Lead firms", "Domestic", "Export"):
        assert word in svg
    counts = chain.picture_counts(run.population())
    assert counts.drawn <= chain.MAX_DRAWN_MSES < counts.active <= counts.started == 2000
    assert svg.count("<circle") == counts.drawn
    caption = " ".join(views.picture_words(run, "en"))
    assert f"{counts.drawn} of {counts.active:,} drawn" in caption
    assert f"of the {counts.started:,} at the start" in caption
    assert np.array_equal(chain.sample_indices(5000), chain.sample_indices(5000))
    assert chain.most_advanced_upgrade(np.array([0, 1, 2, 3, 16])).tolist() == [0, 1, 2, 2, 5]


@pytest.mark.parametrize("mse_brokers", [0.0, 1.0])
def test_value_chain_picture_draws_mse_brokers_apart_from_traders(mse_brokers):
    # A chain where direct selling pays, so that some MSEs broker for their neighbours.
    record = {**session.scenario_record("baseline"), "n_mse": 400, "education": 0.9,
              "intermediary_rent": 1.0, "bargaining_power": 0.0, "credit_access": 0.8,
              "mse_brokers": mse_brokers}
    run = session.Run(session.Settings(record, 0, None, 60))
    while run.step():
        pass
    pop = run.population()
    scenario = run.scenario()
    via_broker = (pop["link"] == VIA_BROKER) & pop["active"]
    svg = chain.value_chain_svg(pop, n_intermediaries=scenario.n_intermediaries,
                                n_lead_firms=scenario.n_lead_firms)
    n_brokers = len(np.unique(pop["broker"][via_broker]))
    # The picture's links are the model's links: with brokers, some MSEs sell through them.
    assert (n_brokers > 0) == (mse_brokers > 0)
    assert svg.count('class="mse-broker"') == min(n_brokers, chain.MAX_DRAWN_FIRMS)
    assert ("MSE brokers (" in svg) == (n_brokers > 0)
    drawn = chain.sample_indices(len(via_broker))
    assert ("stroke-dasharray" in svg) == bool(via_broker[drawn].any())
    assert "an MSE broker" in chain.upgrade_legend()


def test_difference_and_values_are_worded_per_locale():
    assert page.fmt_difference(0.123, "share_upgraded", "en") == "+12.3 points"
    assert page.fmt_difference(-2.5, "mean_income", "en") == "−2.5"
    assert page.fmt_value(0.0234, "share_upgraded", "en") == "2.3%"
    assert page.fmt_difference(0.123, "share_upgraded", "es") == "+12,3 puntos"


def test_cli_rejects_bad_port_busy_port_language_and_horizon(capsys):
    assert main(["app", "--port", "0"]) == 2
    assert "1 to 65535" in capsys.readouterr().err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
        assert "cannot listen" in capsys.readouterr().err
    assert main(["app", "--lang", "de"]) == 2
    assert main(["app", "--months", "0", "--port", "1"]) == 2


def test_cli_help_names_the_default_host(capsys):
    assert main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "--lang" in out and "--months" in out


# --------------------------------------------------------------------------------------------
# Issue 25: the room's number, speed, the run before, denominators, words, address, saves
# --------------------------------------------------------------------------------------------

SMALL = {"n_mse": 150}


def test_guideline_number_is_the_handouts_for_the_same_settings():
    """The app's worker answers with the handout's experiment: same effect, same interval."""
    from sim.ui.app.many_runs import ManyRuns, Question
    from sim.ui.handout import HANDOUT_SEEDS, handout_experiment
    from sim.ui.words import effect_in_words

    record = {**session.scenario_record("kenya-avocados"), **SMALL, "credit_access": 0.5}
    question = Question.of("g1", record, 12)
    service = ManyRuns()
    answer = service.ask(question, "tab").result(timeout=600)
    service.release("tab")
    handout = handout_experiment("g1", "kenya-avocados", steps=12, workers=1, **SMALL,
                                 credit_access=0.5)
    assert answer.seeds == handout.seeds == tuple(range(HANDOUT_SEEDS))
    assert answer.effects.equals(handout.effects)
    for lang in ("en", "es"):
        assert effect_in_words(answer, "share_product", lang) == \
            effect_in_words(handout, "share_product", lang)
    # a second tab asking the same question gets the same answer without a new run
    assert service.ask(question, "other").result() is answer


def test_effect_in_words_says_runs_effect_range_and_verdict():
    from sim.experiments import run_many
    from sim.ui.words import effect_in_words

    result = run_many(["g3"], "kenya-avocados", seeds=3, steps=6, workers=1, **SMALL)["g3"]
    row = result.effect("share_in_groups")
    words = effect_in_words(result, "share_in_groups", "en")
    assert words.over.startswith("Over 3 runs: ") and words.runs == 3
    assert words.effect in words.over and words.low in words.over and words.high in words.over
    assert float(words.low.replace("−", "-")) == pytest.approx(100 * row["ci_low"], abs=0.06)
    if row["ci_low"] > 0:
        assert words.verdict == "clearly higher with the guideline"
    spanish = effect_in_words(result, "share_in_groups", "es")
    assert spanish.over.startswith("En 3 simulaciones: ") and "puntos" in spanish.effect


def test_share_axes_stop_at_100_percent_and_levels_round_up():
    near_one = [charts.Line("a", "#000", np.array([0.5, 0.98]))]
    assert charts.y_range(near_one, share=True) == (0.0, 1.0)
    assert charts.y_range([charts.Line("a", "#000", np.array([0.0, 0.3]))], True) == (0, 0.5)
    assert charts.y_range([charts.Line("a", "#000", np.array([0.0, 96.0]))], False) == (0, 200)


def test_hover_values_and_the_run_before_are_drawn_and_worded():
    lines = [charts.Line("process", "#000", np.array([0.0, 0.1, 0.25]))]
    before = [charts.Line("process", "#000", np.array([0.0, 0.2]))]
    hover = charts.Hover(lambda m: f"Mes {m}", lambda v: f"{100 * v:.1f} %", "antes")
    out = charts.line_chart("T", lines, horizon=12, share=True, fmt=str, x_label="Mes",
                            before=before, before_label="Antes del cambio: Crédito 0,20",
                            hover=hover)
    assert out.count('class="mse-hover"') == 3  # one per month drawn so far
    assert ">Mes 2<" in out and "process: 25.0 %" in out and "process (antes): 20.0 %" in out
    assert 'class="mse-before"' in out and "Antes del cambio: Crédito 0,20" in out
    # while a run plays there is no hover layer (nobody can point at a moving line)
    assert "mse-hover" not in charts.line_chart("T", lines, horizon=12, share=True, fmt=str,
                                                x_label="Month")


def test_the_run_before_is_kept_for_the_same_question_only(settings):
    first = session.Run(settings)
    first.step()
    moved = session.Run(session.Settings({**settings.scenario, "credit_access": 0.9},
                                         settings.seed, None, settings.horizon))
    assert views.keeps_before(first, moved)
    assert views.before_label(first, moved, "en") == \
        f"Before the change: Credit access for investment {settings.scenario['credit_access']:.2f}"
    assert views.before_label(first, moved, "es").startswith("Antes del cambio: Acceso al crédito")
    assert not views.keeps_before(session.Run(settings), moved)  # nothing shown yet
    other = session.Run(session.Settings(settings.scenario, settings.seed, "g3", 6))
    assert not views.keeps_before(first, other)
    drawn = views.chart_views(moved, "en", before=first)
    assert all(len(v.before) == len(v.lines) for v in drawn)


def test_picture_and_card_name_one_denominator_and_agree(settings):
    """The picture's share in groups is the metric the charts and the card show."""
    run = session.Run(session.Settings({**settings.scenario, "n_mse": 400}, 1, "g3", 24))
    while run.step():
        pass
    counts = chain.picture_counts(run.population(session.INTERVENTION))
    assert counts.share_in_groups == pytest.approx(
        run.value("share_in_groups", session.INTERVENTION))
    words = " ".join(views.picture_words(run, "en"))
    shown = views.fmt_value(run.value("share_in_groups", session.INTERVENTION),
                            "share_in_groups", "en")
    assert f"{shown} of the {counts.in_chain} MSEs still in this chain" in words
    key_chart = views.chart_views(run, "en")[0]
    assert key_chart.metric == "share_in_groups"
    assert key_chart.unit == "share of MSEs still in the chain"


def test_plural_forms_follow_the_language():
    assert views.months_words(1, "en") == "1 month" and views.months_words(2, "en") == "2 months"
    assert views.months_words(1, "es") == "1 mes" and views.months_words(7, "es") == "7 meses"
    assert views.months_words(0, "pt") == "0 mês"  # CLDR: Portuguese 0 takes the singular


def test_address_keeps_scenario_mode_guideline_and_levers():
    defaults = session.scenario_record("kenya-avocados")
    state = address.PageState("kenya-avocados", "g1", {"credit_access": 0.9}, 500, 7, 60, "es",
                              "slow")
    query = address.to_query(state, defaults)
    back = address.from_query(query, list_scenarios(), "baseline")
    assert (back.scenario, back.guideline, back.levers, back.n_mse, back.seed, back.horizon,
            back.lang, back.speed) == ("kenya-avocados", "g1", {"credit_access": 0.9}, 500, 7,
                                       60, "es", "slow")
    assert back.problems == []
    bad = address.from_query("?scenario=atlantis&mode=guideline&g=g9&credit_access=3&mse=0"
                             "&speed=warp", list_scenarios(), "kenya-avocados")
    assert bad.scenario == "kenya-avocados" and bad.guideline == "g3" and bad.levers == {}
    assert {k for k, _ in bad.problems} == {"scenario", "g", "credit_access", "mse", "speed"}
    assert "scenario=atlantis" in page.address_problems(bad, "en")


def test_saved_data_and_charts_carry_provenance(settings):
    import io
    import xml.etree.ElementTree as ET

    import pandas as pd

    run = session.Run(session.Settings({**settings.scenario, "credit_access": 0.9}, 3, None, 6))
    run.step()
    text = export.run_csv(run)
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("# mse_sim_version: ") for line in head)
    assert "# seed: 3 " in text and "# months_run: 1 of 6" in text
    assert '"credit_access": 0.9' in text
    assert any("mse-sim run kenya-avocados --seed 3 --steps 6" in line and
               "--set credit_access=0.9" in line for line in head)
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table["month"]) == [0, 1] and "share_upgraded" in table
    svg = export.charts_svg(run, "es", before=None)
    root = ET.fromstring(svg)  # a well-formed, stand-alone SVG document
    assert root.tag.endswith("svg") and "Aguacates de Kenia" in svg and "Mes 1 de 6" in svg


def test_pause_during_a_slow_month_ends_the_wait_and_adds_nothing(settings):
    player = page.Player()
    run = session.Run(settings)
    shown, first = [], threading.Event()

    def on_month(m):
        shown.append(m)
        first.set()

    stop = threading.Event()
    player.stop = stop
    result = []
    thread = threading.Thread(target=lambda: result.append(page.play_loop(
        run, on_month, stop, gate=player.gate, pace=lambda: 600.0)))
    thread.start()
    assert first.wait(60)
    player.pause()
    thread.join(60)
    assert not thread.is_alive() and result == ["stopped"] and shown == [1] and run.month == 1


def test_handout_words_runs_for_a_farmer_and_names_the_scenario():
    from sim.ui.handout import run_words

    for lang in ("en", "es", "fr", "pt"):
        words = run_words(10, 120, lang)
        assert "10" in words and not re.search(r"seed|semilla|graine|semente|arm|brazo", words)
    assert run_words(10, 120, "es") == ("la cadena simulada 10 veces con la pauta y 10 veces "
                                        "sin ella, durante 10 años")
    assert run_words(2, 7, "en").endswith("over 7 months")


def test_scenario_info_texts_never_name_internal_fields():
    """Texts for the room, every scenario: lever labels and plain words."""
    from sim.scenario import read_scenario_file

    for name in list_scenarios():
        info = read_scenario_file(name).info
        for key in ("things_to_notice", "things_to_try", "how_it_works"):
            text = " ".join(info.get(key, "").split())
            assert not re.search(r"\b[a-z]+_[a-z_]+\b|mse-sim|`|sim/data|\bseeds?\b", text), \
                (name, key, text)
