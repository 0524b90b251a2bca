"""Scenarios: the validated, documented inputs of the value-chain model.

A scenario is a set of *levers* (floats in [0, 1], so that sweeps share one scale) and a few
*structure* fields (integer counts). `ValueChainScenario` is a Mesa
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

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mesa.experimental.scenarios import Scenario

from sim import (  # noqa: F401  (importing them declares their constants)
    choice,
    groups,
    sales_agents,
    signals,
    traders,
    valuation,
)
from sim.checks import did_you_mean, is_real_number
from sim.constants import DEFAULT_SET, REGISTRY, ConstantSet, is_constant, validate_constant
from sim.constants import names as constant_names
from sim.data import data_path
from sim.errors import UserInputError
from sim.io import read_toml


class ScenarioError(UserInputError):
    """An invalid scenario: unknown field, wrong type, value out of range or unreadable file.

    Examples:
        >>> import sim
        >>> try:
        ...     sim.load_scenario("baseline", credit_access=1.5)
        ... except sim.ScenarioError as error:   # also a sim.UserInputError
        ...     print(error)
        field 'credit_access': value 1.5 is not a number from 0.0 to 1.0
    """


@dataclass(frozen=True)
class FieldSpec:
    """The documentation and the allowed range of one scenario field.

    Attributes:
        name: Field name, as used in TOML files, overrides and sweeps.
        kind: ``float`` (a lever) or ``int`` (structure).
        default: Default value.
        low: Smallest allowed value (inclusive).
        high: Largest allowed value (inclusive).
        unit: Unit of the value.
        label: Plain-words label for sliders and reports.
        doc: What the field means in the model.
    """

    name: str
    kind: type
    default: float | int
    low: float | int
    high: float | int
    unit: str
    label: str
    doc: str

    @property
    def allowed(self) -> str:
        """Describe the allowed values in words."""
        kind = "a number" if self.kind is float else "a whole number"
        return f"{kind} from {self.low} to {self.high}"


def _lever(name: str, default: float, label: str, doc: str) -> FieldSpec:
    return FieldSpec(name, float, default, 0.0, 1.0, "index 0-1", label, doc)


#: Every scenario field, in the order shown by the CLI, the app and the ODD parameter table.
FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in [
        FieldSpec(
            "n_mse",
            int,
            1000,
            1,
            10_000_000,
            "enterprises",
            "Number of MSEs",
            "Number of micro and small enterprises (producer households) in the chain.",
        ),
        FieldSpec(
            "n_intermediaries",
            int,
            20,
            1,
            100_000,
            "firms",
            "Number of intermediaries",
            "Traders/brokers that buy from MSEs and sell on to end markets.",
        ),
        FieldSpec(
            "n_lead_firms",
            int,
            3,
            0,
            10_000,
            "firms",
            "Number of lead firms",
            "Exporters/processors that set standards and can offer contracts and services.",
        ),
        FieldSpec(
            "n_villages",
            int,
            40,
            1,
            1_000_000,
            "places",
            "Number of villages",
            "Places MSEs live in; producer groups form within a village.",
        ),
        _lever(
            "physical_distance",
            0.4,
            "Physical distance to markets",
            "Scales every MSE's remoteness: transport cost, delay and attenuation of price "
            "signals, cost of inputs and training, lead firms' reach.",
        ),
        _lever(
            "transit_risk",
            0.3,
            "Security risk in transit",
            "Risk of losing goods or cash carried over long distances (seed lines 208-210): "
            "a direct seller hauling its own products to distant buyers may lose half a "
            "month's sales, with a monthly chance of up to 15% at distance 1.",
        ),
        _lever(
            "social_distance",
            0.4,
            "Social distance of the excluded group",
            "Strength of socio-cultural segmentation (gender, caste, ethnicity): how much "
            "worse the excluded group's information, links, credit and terms are.",
        ),
        _lever(
            "excluded_share",
            0.3,
            "Share of MSEs in an excluded group",
            "Share of MSEs belonging to a socially excluded group.",
        ),
        _lever(
            "bargaining_power",
            0.3,
            "MSEs' bargaining power",
            "MSEs' bargaining power against their buyers; lowers intermediaries' markups and "
            "the share of the quality premium they keep.",
        ),
        _lever(
            "credit_access",
            0.2,
            "Credit access for investment",
            "Access to long-term investment credit: the credit line as a share of the largest "
            "loan the financial market could offer an MSE.",
        ),
        _lever(
            "working_capital_credit",
            0.2,
            "Working-capital credit",
            "Access to short-term working-capital loans (repaid with interest from next "
            "month's sales) as a share of the largest such loan; distinct from investment "
            "credit, and what lenders' terms are better adapted to (seed lines 304-307).",
        ),
        _lever(
            "group_finance",
            0.2,
            "Finance through producer groups",
            "How far producer groups give members access to finance (seed lines 289-291): "
            "group lending adds up to half the largest loan to both credit lines, and joint "
            "input purchase cuts members' working-capital costs by up to 30%.",
        ),
        _lever(
            "ict_access",
            0.2,
            "Mobile phone / ICT access",
            "Share of MSEs with ICT (cell phones, internet): direct market information, "
            "better bargaining, easier contact with groups and buyers.",
        ),
        _lever(
            "intermediary_rent",
            0.6,
            "Premium kept by intermediaries",
            "Share of the end-market quality premium intermediaries keep as rent when MSEs "
            "have no bargaining power.",
        ),
        _lever(
            "embedded_services",
            0.3,
            "Embedded services from lead firms",
            "Intensity of lead firms' embedded services (technical assistance, input advances, "
            "design help) and their reach to new suppliers.",
        ),
        _lever(
            "support_services",
            0.1,
            "Stand-alone support services",
            "Supply of fee-based support services any MSE can buy (training, extension, "
            "business services), apart from lead firms' embedded services; weak by default "
            '("a much less important source of learning", seed lines 167-169). They reach '
            "remote and excluded MSEs poorly and charge a fee.",
        ),
        _lever(
            "forward_contracts",
            0.2,
            "Forward contracts (guaranteed price)",
            "Share of a lead-firm supplier's sales covered by a forward contract at a "
            "guaranteed price.",
        ),
        _lever(
            "quality_demand",
            0.0,
            "Quality demanded without a higher price",
            "How far lead firms' buyers demand higher quality as a condition of doing "
            "business without paying more (seed lines 245-249): raises every lead firm's "
            "standard by up to 0.3, lets the firm keep that share of the quality premium, and "
            "drops suppliers below standard. 0: quality is paid for.",
        ),
        _lever(
            "mse_brokers",
            0.3,
            "MSE brokers serving their neighbours",
            "Share of a village's MSEs (not supplying a lead firm) that sell through the "
            "village's MSE broker, where one exists: a direct seller that aggregates its "
            "neighbours' output for a smaller margin than a trader and brings them "
            "end-market news (seed lines 113-115, 144-148; Pakistan's women sales agents, "
            "lines 239-243). 0: MSEs never broker for others.",
        ),
        _lever(
            "agent_training",
            0.0,
            "Sales agents trained by a project",
            "A project recruits and trains MSEs as sales agents (functional upgrading it "
            "facilitates): this lever times max_trained_agents (5% by default) of each "
            "village's MSEs, the most skilled, start as direct sellers who broker for their "
            "neighbours (lever mse_brokers). Pakistan's women sales agents (seed lines "
            "239-243, 357-360): ECDI trained 120 for about 6,000 embroiderers. 0: no "
            "project agents.",
        ),
        _lever(
            "group_support",
            0.3,
            "Support for producer groups",
            "Facilitation of horizontal collaboration: how readily producer groups form and "
            "how long they last.",
        ),
        _lever(
            "targeted_facilitation",
            0.0,
            "Outreach to the excluded group",
            "Facilitation targeted at the excluded group; offsets social distance in "
            "information, links, groups and credit.",
        ),
        _lever(
            "herding",
            0.0,
            "Herding into one channel",
            "Pressure on MSEs to sell only in the channel that pays most today.",
        ),
        _lever(
            "competition",
            0.4,
            "Competition from low-cost producers",
            "Competition within and between chains: the pace at which the competitive cost "
            "benchmark falls and the volume lost by MSEs above it.",
        ),
        _lever(
            "demand_shift",
            0.4,
            "End-market shift toward quality",
            "Rate at which end-market preferences (and quality premiums) drift toward quality.",
        ),
        _lever(
            "price_volatility",
            0.4,
            "End-market price volatility",
            "Scale of monthly end-market price shocks (export and specialty most of all).",
        ),
        _lever(
            "market_shifts",
            0.5,
            "Long-run shifts in end markets",
            "Scale of slow, channel-specific shifts in each end market's long-run price "
            "level, so that the channel paying most today may not pay most in a few years "
            "(seed lines 362-384). 0: the long-run order of channels by price never "
            "changes.",
        ),
        _lever(
            "export_premium",
            0.1,
            "Export price premium",
            "How far export and specialty base prices exceed the domestic price "
            "(0: the same; 1: three times).",
        ),
        _lever(
            "second_chain_pull",
            0.3,
            "Pull of another value chain",
            "How well another value chain (a different product, its own end market) pays "
            "the MSEs that move to it by intersectoral upgrading: its long-run price level "
            "is 0.7 + this lever times the reference (seed lines 19-21, 116-118, 335-340). "
            "0.3: the reference income.",
        ),
        _lever(
            "household_dependence",
            0.6,
            "Households' dependence on the enterprise",
            "Mean share of household income that comes from the enterprise; raises risk "
            "aversion and the cash drawn for living.",
        ),
        _lever(
            "education",
            0.5,
            "Education and skills",
            "Mean skill of MSE owners: upgrade success, learning and the outside option.",
        ),
    ]
}

#: The levers: the scenario fields that are shares in [0, 1], in the order of :data:`FIELDS`.
LEVERS: tuple[str, ...] = tuple(n for n, f in FIELDS.items() if f.kind is float)
STRUCTURE: tuple[str, ...] = tuple(n for n, f in FIELDS.items() if f.kind is int)
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


def _where(source: str | None) -> str:
    return f" in {source}" if source else ""


def _unknown(
    key: str, known: list[str], what: str, source: str | None, also: list[str] | None = None
) -> ScenarioError:
    did = did_you_mean(key, known + (also or []))
    more = "; or a calibration constant, see `mse-sim constants`" if also else ""
    return ScenarioError(
        f"unknown {what} '{key}'{_where(source)}{did} (known: {', '.join(known)}{more})"
    )


def validate_value(name: str, value: Any, source: str | None = None) -> float | int:
    """Check one field's value and return it with its proper type.

    Args:
        name: Field name.
        value: Proposed value (numbers, or strings such as CLI ``--set`` values).
        source: File or origin, named in the error message.

    Returns:
        The value as ``int`` or ``float``.

    Raises:
        ScenarioError: Unknown field, wrong type, NaN or out of range.
    """
    spec = FIELDS.get(name)
    if spec is None:
        raise _unknown(name, list(FIELDS), "scenario field", source, constant_names())
    where = _where(source)
    if isinstance(value, str):
        try:
            value = float(value) if spec.kind is float else int(value)
        except ValueError:
            raise ScenarioError(
                f"field '{name}'{where}: value {value!r} is not {spec.allowed}"
            ) from None
    if not is_real_number(value):
        raise ScenarioError(f"field '{name}'{where}: value {value!r} is not {spec.allowed}")
    if spec.kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise ScenarioError(f"field '{name}'{where}: value {value!r} is not {spec.allowed}")
            value = int(value)
    else:
        value = float(value)
        if math.isnan(value):
            raise ScenarioError(f"field '{name}'{where}: value nan is not {spec.allowed}")
    if not spec.low <= value <= spec.high:
        raise ScenarioError(f"field '{name}'{where}: value {value!r} is not {spec.allowed}")
    return value


def input_spec(name: str) -> FieldSpec:
    """The range and kind of a scenario field or a calibration constant, as a `FieldSpec`.

    A constant counts when it is one number (``max_group_size``) or one element of a vector
    (``base_cost.process``); studies that vary inputs (sweeps, EMA) use this.

    Raises:
        ScenarioError: Unknown name, unknown element, or a whole vector.
    """
    if name in FIELDS:
        return FIELDS[name]
    if not is_constant(name):
        raise _unknown(name, list(FIELDS), "scenario field", None, constant_names())
    base, _, element = name.partition(".")
    c = REGISTRY[base]
    if c.kind == "vector" and not element:
        raise ScenarioError(
            f"'{name}' is a vector ({', '.join(c.labels)}): vary one element at a time, "
            f"e.g. '{name}.{c.labels[0]}'"
        )
    try:
        validate_constant(name, c.low)  # a known element
    except UserInputError as exc:
        raise ScenarioError(str(exc)) from None
    default = (
        c.default[c.labels.index(element)] if isinstance(c.default, tuple) else c.default
    )  # a vector's element (a vector without one was refused above)
    kind = int if c.kind == "int" else float
    return FieldSpec(name, kind, default, kind(c.low), kind(c.high), c.unit, name, c.meaning)


def validate_input(name: str, value: Any, source: str | None = None) -> float | int:
    """Like :func:`validate_value`, for a scenario field or a constant (or one element)."""
    if name in FIELDS or not is_constant(name):
        return validate_value(name, value, source)
    input_spec(name)  # a whole vector is not one value
    _, full = validate_constant(name, value, source)
    base, _, element = name.partition(".")
    return full[REGISTRY[base].labels.index(element)] if element else full


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
                        f"field 'name'{_where(_source)}: value {value!r} is not a string"
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
            raise _unknown(key, top, "top-level key", source)
    params = data.get("parameters", {})
    if not isinstance(params, Mapping):
        raise ScenarioError(f"'parameters' in {source} must be a table of field = value")
    for key in params:
        if key not in FIELDS:
            raise _unknown(key, list(FIELDS), "scenario field", source)
    info = data.get("info", {})
    if not isinstance(info, Mapping):
        raise ScenarioError(f"'info' in {source} must be a table of text")
    for key, value in info.items():
        if key not in INFO_KEYS:
            raise _unknown(key, list(INFO_KEYS), "info key", source)
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
