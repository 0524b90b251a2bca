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
from sim.links import VIA_BROKER
from sim.scenario import FIELDS, LEVERS, list_scenarios
from sim.ui.app import chain, charts, session
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
    drawn, active = map(int, re.search(r"(\d+) of (\d+) drawn", svg).groups())
    assert drawn <= chain.MAX_DRAWN_MSES < active
    assert svg.count("<circle") == drawn
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
