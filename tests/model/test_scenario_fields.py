"""Unit tests of :mod:`sim.scenario_fields`: the table of scenario fields and their validation."""

from __future__ import annotations

import pytest

from sim.scenario import ValueChainScenario
from sim.scenario_fields import FIELDS, LEVERS, ScenarioError, validate_value

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
    ((name, value),) = kwargs.items()
    with pytest.raises(ScenarioError) as info:
        validate_value(name, value)
    for word in words:
        assert word in str(info.value)
    assert isinstance(info.value, ValueError)


def test_string_values_from_the_cli_are_converted():
    assert validate_value("credit_access", "0.25") == 0.25
    n_mse = validate_value("n_mse", "200")
    assert n_mse == 200 and type(n_mse) is int
