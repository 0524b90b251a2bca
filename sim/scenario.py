"""Scenarios: the model's inputs as one validated object, and the scenario files they come from.

A scenario is a set of *levers* (floats in [0, 1], so that sweeps share one scale) and a few
*structure* fields (integer counts), each described in :mod:`sim.scenario_fields` (whose names
are importable from here too). `ValueChainScenario` is a Mesa
:class:`~mesa.experimental.scenarios.Scenario` subclass with a typed default for every field;
it is validated when it is constructed, so a model never starts from a bad input.

Scenario files live in the top-level ``scenarios/`` folder (package data in a wheel) as TOML::

    name = "baseline"
    description = "One line shown by `mse-sim scenarios`."

    [parameters]
    credit_access = 0.2      # where the value comes from

    [constants]              # calibration constants changed for this case (`mse-sim constants`)
    max_group_size = 30      # where the value comes from

    [info]                   # NetLogo-style Info tab, printed by `mse-sim scenarios --info`
    what_it_is = "..."
    how_it_works = "..."
    things_to_notice = "..."
    things_to_try = "..."

Every problem is reported as a :class:`ScenarioError` naming the field, the bad value, what is
allowed and, when there is one, the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mesa.experimental.scenarios import Scenario

from sim.checks import did_you_mean
from sim.constants import DEFAULT_SET, ConstantSet, is_constant
from sim.data import data_path
from sim.io import read_toml
from sim.scenario_fields import (  # noqa: F401  (FieldSpec, input_spec, ...: importable from here)
    FIELDS,
    LEVERS,
    STRUCTURE,
    FieldSpec,
    ScenarioError,
    in_source,
    input_spec,
    unknown_name,
    validate_input,
    validate_value,
)

#: The sections of a scenario file's Info text, in the order they are printed.
INFO_KEYS: tuple[str, ...] = ("what_it_is", "how_it_works", "things_to_notice", "things_to_try")


def scenario_dir() -> Path:
    """Return the folder of bundled scenario files (``$MSE_SIM_SCENARIOS`` overrides it).

    The bundled files are the repository's ``scenarios/`` folder, shipped as package data, so
    an installed wheel finds them wherever it is run from (see :func:`sim.data.data_path`).
    """
    env = os.environ.get("MSE_SIM_SCENARIOS")
    if env:
        return Path(env)
    return data_path("scenarios")


class ValueChainScenario(Scenario):
    """Inputs of one value-chain model run: levers in [0, 1] and structure counts.

    Each class attribute below is a typed default; see :data:`FIELDS` for meaning, unit and
    range. Construction validates every field, so ``ValueChainScenario(credit_access=2)``
    raises :class:`ScenarioError`.

    Calibration constants (:mod:`sim.constants`) are set with ``constants={"name": value}``
    (or ``name=value`` like a field, or ``base_cost.process=180`` for one element of a
    vector); they are kept as a validated, hashable :class:`~sim.constants.ConstantSet` of the
    values that differ from the defaults.

    Attributes:
        name: Scenario name (the file stem for bundled scenarios).
        constants: The calibration constants changed from their defaults.

    Examples:
        >>> import sim
        >>> sc = sim.ValueChainScenario(credit_access=0.8, constants={"learning_rate": 0.4})
        >>> sc.name, sc.credit_access, sc.replace(ict_access=0.5).ict_access
        ('custom', 0.8, 0.5)
        >>> df = sim.run(sc.replace(n_mse=200), steps=12, rng=1)
        >>> df.attrs["scenario"]["constants"]
        {'learning_rate': 0.4}
        >>> try:
        ...     sim.ValueChainScenario(credit_access=2)
        ... except sim.ScenarioError as error:
        ...     print(error)
        field 'credit_access': value 2.0 is not a number from 0.0 to 1.0
    """

    name: str = "custom"
    constants: ConstantSet = DEFAULT_SET
    n_mse: int = 1000
    n_intermediaries: int = 20
    n_lead_firms: int = 3
    n_villages: int = 40
    physical_distance: float = 0.4
    transit_risk: float = 0.3
    social_distance: float = 0.4
    excluded_share: float = 0.3
    bargaining_power: float = 0.3
    credit_access: float = 0.2
    working_capital_credit: float = 0.2
    group_finance: float = 0.2
    ict_access: float = 0.2
    intermediary_rent: float = 0.6
    embedded_services: float = 0.3
    support_services: float = 0.1
    forward_contracts: float = 0.2
    quality_demand: float = 0.0
    mse_brokers: float = 0.3
    agent_training: float = 0.0
    group_support: float = 0.3
    targeted_facilitation: float = 0.0
    herding: float = 0.0
    competition: float = 0.4
    demand_shift: float = 0.4
    price_volatility: float = 0.4
    market_shifts: float = 0.5
    export_premium: float = 0.1
    second_chain_pull: float = 0.3
    household_dependence: float = 0.6
    education: float = 0.5

    def __init__(
        self,
        *,
        rng: int | np.random.Generator | None = None,
        _source: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Create and validate a scenario.

        Args:
            rng: Seed or generator for a model built from this scenario.
            _source: File the values came from, named in error messages.
            **kwargs: Field values overriding the defaults.

        Raises:
            ScenarioError: If any field is unknown or invalid.
        """
        scenario_id = kwargs.pop("_scenario_id", None)
        given = kwargs.pop("constants", None)
        base = given if isinstance(given, ConstantSet) else ConstantSet.of(given, _source)
        loose = {
            key: kwargs.pop(key)
            for key in list(kwargs)
            if key not in FIELDS and key != "name" and is_constant(key)
        }
        clean: dict[str, Any] = {
            "constants": ConstantSet.of(loose, _source, base) if loose else base
        }
        for key, value in kwargs.items():
            if key == "name":
                if not isinstance(value, str):
                    raise ScenarioError(
                        f"field 'name'{in_source(_source)}: value {value!r} is not a string"
                    )
                clean[key] = value
            else:
                clean[key] = validate_value(key, value, _source)
        if scenario_id is not None:
            clean["_scenario_id"] = scenario_id
        super().__init__(rng=rng, **clean)

    def params(self) -> dict[str, float | int]:
        """Return the field values (levers and structure) as a plain dict."""
        return {k: getattr(self, k) for k in FIELDS}

    def to_record(self) -> dict[str, Any]:
        """Return name and field values: the scenario as provenance for results.

        The constants that differ from their defaults are under ``"constants"`` (absent when
        there are none, so records of default runs are as they always were).
        """
        record: dict[str, Any] = {"name": self.name, **self.params()}
        if self.constants:
            record["constants"] = self.constants.changed()
        return record

    def replace(self, **changes: Any) -> ValueChainScenario:
        """Return a validated copy with some fields changed."""
        return ValueChainScenario(rng=self.rng, **{**self.to_record(), **changes})

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.params().items() if v != FIELDS[k].default}
        changed.update(self.constants.changed())
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"ValueChainScenario(name={self.name!r}{', ' if inner else ''}{inner})"


@dataclass(frozen=True)
class ScenarioFile:
    """A parsed scenario file: the scenario, its one-line description and its Info text."""

    scenario: ValueChainScenario
    description: str
    info: dict[str, str]
    path: Path


def _folder_given(text: str) -> ScenarioError:
    return ScenarioError(
        f"'{text}' is a folder, not a scenario file: give a .toml file in it, "
        "or the name of a bundled scenario (`mse-sim scenarios`)"
    )


def _resolve(path_or_name: str | os.PathLike) -> Path:
    text = os.fspath(path_or_name)
    path = Path(text)
    if path.suffix == ".toml" or os.sep in text or "/" in text:
        if path.is_dir():
            raise _folder_given(text)
        if not path.is_file():
            raise ScenarioError(
                f"scenario file '{text}' does not exist (give a .toml file, or "
                "the name of a bundled scenario: `mse-sim scenarios` lists them)"
            )
        return path
    candidate = scenario_dir() / f"{text}.toml"
    if not candidate.is_file() and path.is_dir():
        raise _folder_given(text)  # e.g. `mse-sim run scenarios`
    if not candidate.is_file():
        known = list_scenarios()
        did = did_you_mean(text, known)
        raise ScenarioError(
            f"unknown scenario '{text}'{did} (bundled: {', '.join(known) or 'none'}; "
            "or give a path to a .toml file)"
        )
    return candidate


def read_scenario_file(path_or_name: str | os.PathLike) -> ScenarioFile:
    """Read and validate a scenario file with its description and Info text.

    Args:
        path_or_name: A path to a TOML file, or the name of a bundled scenario.

    Returns:
        The parsed :class:`ScenarioFile`.

    Raises:
        ScenarioError: Missing file, bad TOML, unknown keys or invalid values.

    Examples:
        >>> import sim
        >>> found = sim.read_scenario_file("kenya-avocados")
        >>> found.scenario.name, found.path.name
        ('kenya-avocados', 'kenya-avocados.toml')
        >>> found.description.startswith("Kenya avocados")
        True
    """
    path = _resolve(path_or_name)
    source = str(path)
    data = read_toml(path, "scenario file", ScenarioError)
    top = ["name", "description", "parameters", "constants", "info"]
    for key in data:
        if key not in top:
            raise unknown_name(key, top, "top-level key", source)
    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise ScenarioError(f"'parameters' in {source} must be a table of field = value")
    for key in params:
        if key not in FIELDS:
            raise unknown_name(key, list(FIELDS), "scenario field", source)
    info = data.get("info", {})
    if not isinstance(info, Mapping):
        raise ScenarioError(f"'info' in {source} must be a table of text")
    for key, value in info.items():
        if key not in INFO_KEYS:
            raise unknown_name(key, list(INFO_KEYS), "info key", source)
        if not isinstance(value, str):
            raise ScenarioError(f"info '{key}' in {source}: value {value!r} is not text")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"'description' in {source}: value {description!r} is not text")
    consts = data.get("constants", {})
    if not isinstance(consts, Mapping):
        raise ScenarioError(f"'constants' in {source} must be a table of name = value")
    name = data.get("name", path.stem)
    scenario = ValueChainScenario(_source=source, name=name, constants=dict(consts), **params)
    return ScenarioFile(
        scenario, description.strip(), {k: v.strip() for k, v in info.items()}, path
    )


def load_scenario(path_or_name: str | os.PathLike, **overrides: Any) -> ValueChainScenario:
    """Load a scenario by bundled name (e.g. ``"baseline"``) or TOML path.

    Args:
        path_or_name: Name of a bundled scenario or a path to a TOML file.
        **overrides: Field values applied after loading (validated too).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: If the file or any value is invalid.

    Examples:
        >>> import sim
        >>> sc = sim.load_scenario("kenya-avocados", n_mse=300)
        >>> sc.name, sc.n_mse
        ('kenya-avocados', 300)
    """
    scenario = read_scenario_file(path_or_name).scenario
    return scenario.replace(**overrides) if overrides else scenario


def list_scenarios() -> list[str]:
    """Return the names of the bundled scenarios, baseline first.

    Examples:
        >>> import sim
        >>> names = sim.list_scenarios()
        >>> names[0], "kenya-avocados" in names, len(names)
        ('baseline', True, 10)
    """
    names = sorted(p.stem for p in scenario_dir().glob("*.toml"))
    if "baseline" in names:
        names.remove("baseline")
        names.insert(0, "baseline")
    return names


def coerce_scenario(
    scenario: ValueChainScenario | str | os.PathLike | Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None = None,
) -> ValueChainScenario:
    """Turn any accepted scenario form into a validated `ValueChainScenario`.

    Args:
        scenario: A scenario, a bundled name or path, a dict of fields, or None (defaults).
        overrides: Field values to apply on top.

    Returns:
        A validated scenario.
    """
    overrides = dict(overrides or {})
    if scenario is None:
        return ValueChainScenario(**overrides)
    if isinstance(scenario, ValueChainScenario):
        return scenario.replace(**overrides) if overrides else scenario
    if isinstance(scenario, Mapping):
        return ValueChainScenario(**{**scenario, **overrides})
    return load_scenario(scenario, **overrides)
