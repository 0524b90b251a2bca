"""Fast checks of the browser app's Python side (no browser): models, pictures, CLI."""

from __future__ import annotations

import re
import socket

import numpy as np
import pytest
from matplotlib.figure import Figure

pytest.importorskip("solara")
pytest.importorskip("mesa.visualization")

from mesa.visualization.solara_viz import _build_model_init_kwargs  # noqa: E402

from sim.errors import UserInputError  # noqa: E402
from sim.scenario import LEVERS  # noqa: E402
from sim.ui.app import drawing, models, page  # noqa: E402
from sim.ui.cli import app as app_command  # noqa: E402
from sim.ui.cli import main  # noqa: E402


@pytest.fixture
def settings():
    return {**models.scenario_record("kenya-avocados"), "n_mse": 200}


def test_every_lever_has_a_plain_label_and_the_default_scenario_exists():
    from sim.scenario import FIELDS, list_scenarios

    assert models.DEFAULT_SCENARIO in list_scenarios()
    for name in LEVERS:
        assert FIELDS[name].label and "_" not in FIELDS[name].label


def test_mesa_reset_rebuilds_the_model_on_screen(settings):
    """Mesa's Reset calls type(model)(**kwargs): it must reproduce scenario, levers and seed."""
    from mesa.visualization.solara_viz import _check_model_params

    settings["credit_access"] = 0.9
    model = models.build_model("explore", settings, 7, "g3")
    params = {}  # the app keeps no parameters in Mesa: the settings travel with the class
    kwargs = _build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    again = type(model)(**kwargs)
    _check_model_params(model, {})
    assert again.scenario.to_record() == model.scenario.to_record()
    for _ in range(3):
        model.step()
        again.step()
    assert model.datacollector.model_vars == again.datacollector.model_vars


def test_mesa_reset_rebuilds_the_guideline_comparison(settings):
    from mesa.visualization.solara_viz import _check_model_params

    model = models.build_model("guideline", settings, 3, "g3")
    _check_model_params(model, {})  # what SolaraViz checks when the model is shown
    params = {}
    kwargs = _build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    again = type(model)(**kwargs)
    assert again.guideline.id == "g3"
    assert again.intervention.scenario.to_record() == model.intervention.scenario.to_record()


def test_guideline_arms_share_the_seed_and_differ_only_in_levers(settings):
    model = models.GuidelineComparison("g3", settings, rng=5)
    base, new = model.baseline.scenario.to_record(), model.intervention.scenario.to_record()
    changed = {k for k in base if base[k] != new[k]}
    assert changed and changed <= set(model.guideline.levers)
    assert model.baseline.seed == model.intervention.seed
    for _ in range(4):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    metric = model.metric
    assert {models.arm_column(metric, a) for a in model.arm_names} <= set(df.columns)
    assert model.difference() == pytest.approx(
        df[models.arm_column(metric, model.arm_names[1])].iloc[-1]
        - df[models.arm_column(metric, model.arm_names[0])].iloc[-1])


@pytest.mark.parametrize("gid", ["g1", "g2", "g3", "g4", "g5", "g6", "g7"])
def test_every_guideline_builds_and_steps(settings, gid):
    model = models.build_model("guideline", settings, 1, gid)
    model.step()
    assert np.isfinite(model.difference())
    assert len(page.guideline_components(model)) == len(page.explore_components()) == 5


def test_value_chain_picture_draws_groups_links_and_all_tiers(settings):
    settings["n_mse"] = 2000
    model = models.build_model("explore", settings, 0, "g3")
    for _ in range(12):
        model.step()
    fig = Figure()
    ax = fig.add_subplot()
    drawing.draw_value_chain(ax, model, title="t")
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("Buyers", "Intermediaries", "Lead firms", "MSEs", "Domestic", "Export"):
        assert word in texts
    drawn, active = map(int, re.search(r"(\d+) of (\d+) drawn", texts).groups())
    assert drawn <= drawing.MAX_DRAWN_MSES < active  # sampled, not all 2,000
    assert ax.collections  # links and dots


def test_most_advanced_upgrade_and_stable_sample():
    levels = drawing.most_advanced_upgrade(np.array([0, 1, 2, 3, 16, 31]))
    assert levels.tolist() == [0, 1, 2, 2, 5, 5]
    assert np.array_equal(drawing.sample_indices(5000), drawing.sample_indices(5000))
    assert len(drawing.sample_indices(100)) == 100


def test_bad_settings_become_a_message_not_a_traceback(settings):
    settings["credit_access"] = 7.0
    model, error = page._safe_build("explore", settings, 0, "g3")
    assert model is None and "cannot be run" in error and "Traceback" not in error


def test_format_difference():
    assert page.format_difference("share_upgraded", 0.123) == "+12.3 points"
    assert page.format_difference("mean_income", -2.5) == "-2.5"


def test_cli_rejects_bad_port_and_busy_port(capsys):
    assert main(["app", "--port", "0"]) == 2
    assert "1 to 65535" in capsys.readouterr().err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
        assert "cannot listen" in capsys.readouterr().err
    with pytest.raises(UserInputError):
        app_command.check_address("127.0.0.1", 70000)


def test_cli_help_names_the_default_host(capsys):
    assert main(["app", "--help"]) == 0
    assert "127.0.0.1" in capsys.readouterr().out


def test_component_slots_draw_either_mode(settings):
    from mesa.visualization.solara_viz import _wrap_component

    slots = page.component_slots()
    explore = models.build_model("explore", settings, 0, "g3")
    compare = models.build_model("guideline", settings, 0, "g3")
    for fn, _page in slots:
        assert _wrap_component(fn) is not None
        assert fn(explore) is not None
        assert fn(compare) is not None
