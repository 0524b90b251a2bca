"""Scenario fields, validation and TOML loading."""

from __future__ import annotations

import pytest

import sim
from sim.scenario import FIELDS, LEVERS, ScenarioError, ValueChainScenario, load_scenario

CONTRACT_LEVERS = {
    "physical_distance",
    "social_distance",
    "excluded_share",
    "bargaining_power",
    "credit_access",
    "ict_access",
    "intermediary_rent",
    "embedded_services",
    "forward_contracts",
    "group_support",
    "targeted_facilitation",
    "herding",
    "competition",
    "demand_shift",
    "price_volatility",
}


def test_contract_levers_are_floats_in_unit_interval():
    assert set(LEVERS) >= CONTRACT_LEVERS
    for name in LEVERS:
        spec = FIELDS[name]
        assert spec.kind is float and (spec.low, spec.high) == (0.0, 1.0)
        assert isinstance(getattr(ValueChainScenario, name), float)


def test_every_field_is_documented_and_typed():
    for name, spec in FIELDS.items():
        assert spec.doc and spec.label and spec.unit, name
        assert spec.low <= spec.default <= spec.high
        assert getattr(ValueChainScenario, name) == spec.default
        assert type(getattr(ValueChainScenario, name)) is spec.kind
    assert ValueChainScenario().n_mse == 1000


def test_scenario_is_a_mesa_scenario():
    from mesa.experimental.scenarios import Scenario

    sc = ValueChainScenario(rng=3, credit_access=0.7)
    assert isinstance(sc, Scenario)
    assert sc.credit_access == 0.7 and sc.rng == 3


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"credit_access": 1.5}, ["credit_access", "1.5", "0.0 to 1.0"]),
        ({"credit_access": -0.1}, ["credit_access", "-0.1"]),
        ({"credit_access": float("nan")}, ["credit_access", "nan"]),
        ({"credit_access": "lots"}, ["credit_access", "'lots'"]),
        ({"credit_access": True}, ["credit_access", "True"]),
        ({"n_mse": 0}, ["n_mse", "0", "whole number"]),
        ({"n_mse": 2.5}, ["n_mse", "2.5"]),
        ({"credit_acess": 0.5}, ["credit_acess", "did you mean 'credit_access'"]),
    ],
)
def test_invalid_values_are_named(kwargs, words):
    with pytest.raises(ScenarioError) as info:
        ValueChainScenario(**kwargs)
    for word in words:
        assert word in str(info.value)
    assert isinstance(info.value, ValueError)


def test_string_values_from_the_cli_are_converted():
    sc = ValueChainScenario(credit_access="0.25", n_mse="200")
    assert sc.credit_access == 0.25 and sc.n_mse == 200


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
