"""Unit tests of :mod:`sim.scenario`: the scenario object and scenario files."""

from __future__ import annotations

import pytest

import sim
from sim.scenario import ScenarioError, ValueChainScenario, load_scenario


def test_scenario_is_a_mesa_scenario():
    from mesa.experimental.scenarios import Scenario

    sc = ValueChainScenario(rng=3, credit_access=0.7)
    assert isinstance(sc, Scenario)
    assert sc.credit_access == 0.7 and sc.rng == 3


def test_baseline_loads_by_name_and_path():
    by_name = load_scenario("baseline")
    by_path = load_scenario(sim.scenario.scenario_dir() / "baseline.toml")
    assert by_name.name == "baseline" and by_name.params() == by_path.params()
    assert load_scenario("baseline", credit_access=0.9).credit_access == 0.9


def test_baseline_file_matches_the_defaults():
    """The baseline file documents the defaults; a drift between the two would mislead."""
    assert load_scenario("baseline").params() == ValueChainScenario().params()


def test_unknown_scenario_name_suggests_one():
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        load_scenario("baselin")


def _write(tmp_path, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_file_errors_name_the_file_field_and_value(tmp_path):
    path = _write(tmp_path, "[parameters]\nherding = 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert str(path) in text and "herding" in text and "3" in text and "0.0 to 1.0" in text


def test_file_unknown_key_hints(tmp_path):
    path = _write(tmp_path, "[parameters]\nbargain_power = 0.3\n")
    with pytest.raises(ScenarioError, match="did you mean 'bargaining_power'"):
        load_scenario(path)
    path = _write(tmp_path, "[paramters]\n")
    with pytest.raises(ScenarioError, match="did you mean 'parameters'"):
        load_scenario(path)
    path = _write(tmp_path, "[info]\nwhat_it_iz = 'x'\n")
    with pytest.raises(ScenarioError, match="did you mean 'what_it_is'"):
        load_scenario(path)


def test_bad_toml_is_a_scenario_error(tmp_path):
    path = _write(tmp_path, "[parameters\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "missing.toml")


def test_replace_validates():
    sc = ValueChainScenario(credit_access=0.1)
    assert sc.replace(credit_access=0.3).credit_access == 0.3
    with pytest.raises(ScenarioError):
        sc.replace(credit_access=3)


def test_every_bundled_scenario_loads_with_info():
    names = sim.list_scenarios()
    assert names[0] == "baseline"
    for name in names:
        sf = sim.read_scenario_file(name)
        assert sf.description
        assert set(sf.info) >= {"what_it_is", "things_to_notice", "things_to_try"}
