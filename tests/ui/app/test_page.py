"""The app's page (sim.ui.app.page), without a browser: the play loop and its words."""

from __future__ import annotations

import gc
import re
import threading
import weakref

import pytest

from sim.scenario import list_scenarios
from sim.ui.app import session

page = pytest.importorskip("sim.ui.app.page")
play = pytest.importorskip("sim.ui.app.player")
texts = pytest.importorskip("sim.ui.app.texts")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("0", "too_small"),
        ("-5", "too_small"),
        ("10,000,000", "too_large"),
        ("abc", "not_whole"),
        ("1.5", "not_whole"),
        ("", "not_whole"),
        ("12345678901234567890123", "too_large"),
    ],
)
def test_number_fields_say_what_is_wrong(text, kind):
    with pytest.raises(session.FieldProblem) as err:
        session.parse_whole_number(text, 10, 20_000, "Number of MSEs")
    assert err.value.kind == kind
    message = texts.field_message(err.value, "1,000", "en")
    assert "Still using 1,000" in message and text in message


class _Context:
    """A stand-in for solara's kernel context: open, connected, or closed."""

    def __init__(self, status="connected"):
        self.closed_event = threading.Event()
        self.page_status = {"p": play.kernel_context.PageStatus(status)}


def test_play_loop_stops_at_the_horizon_on_stop_and_when_the_tab_goes(settings):
    shown = []
    run = session.Run(settings)
    assert play.play_loop(run, shown.append, threading.Event(), _Context(), gap=0) == "horizon"
    assert shown == [1, 2, 3, 4, 5, 6]

    stop = threading.Event()
    run = session.Run(settings)
    assert play.play_loop(run, lambda m: stop.set() if m == 2 else None, stop, gap=0) == "stopped"
    assert run.month == 2  # stopped after the month it was on, nothing more

    context = _Context()
    run = session.Run(settings)
    assert (
        play.play_loop(run, lambda m: context.closed_event.set(), threading.Event(), context, gap=0)
        == "tab closed"
    )
    assert run.month == 1
    assert (
        play.play_loop(
            session.Run(settings), shown.append, threading.Event(), _Context("disconnected"), gap=0
        )
        == "tab closed"
    )


def test_a_stopped_run_is_freed(settings):
    run = session.Run(settings)
    ref = weakref.ref(run)
    play.play_loop(run, lambda m: None, threading.Event(), gap=0)
    del run
    gc.collect()
    assert ref() is None


def test_difference_and_values_are_worded_per_locale():
    assert page.fmt_difference(0.123, "share_upgraded", "en") == "+12.3 points"
    assert page.fmt_difference(-2.5, "mean_income", "en") == "−2.5"
    assert page.fmt_value(0.0234, "share_upgraded", "en") == "2.3%"
    assert page.fmt_difference(0.123, "share_upgraded", "es") == "+12,3 puntos"


def test_pause_during_a_slow_month_ends_the_wait_and_adds_nothing(settings):
    player = play.Player()
    run = session.Run(settings)
    shown, first = [], threading.Event()

    def on_month(m):
        shown.append(m)
        first.set()

    stop = threading.Event()
    player.stop = stop
    result = []
    thread = threading.Thread(
        target=lambda: result.append(
            play.play_loop(run, on_month, stop, gate=player.gate, pace=lambda: 600.0)
        )
    )
    thread.start()
    assert first.wait(60)
    player.pause()
    thread.join(60)
    assert not thread.is_alive() and result == ["stopped"] and shown == [1] and run.month == 1


def test_scenario_info_texts_never_name_internal_fields():
    """Texts for the room, every scenario: lever labels and plain words."""
    from sim.scenario import read_scenario_file

    for name in list_scenarios():
        info = read_scenario_file(name).info
        for key in ("things_to_notice", "things_to_try", "how_it_works"):
            text = " ".join(info.get(key, "").split())
            assert not re.search(r"\b[a-z]+_[a-z_]+\b|mse-sim|`|sim/data|\bseeds?\b", text), (
                name,
                key,
                text,
            )
