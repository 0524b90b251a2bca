"""The scenario's fields: each input's meaning, unit, range and default, and its validation.

:data:`FIELDS` is the one table of a scenario's inputs: the *levers* (floats in [0, 1], so
that sweeps share one scale) and the *structure* fields (integer counts), in the order the CLI,
the app and the ODD parameter table show them. :func:`validate_value` checks one field's value,
:func:`input_spec` and :func:`validate_input` do the same for a field or a calibration constant
(what sweeps and EMA vary). Every problem is a :class:`ScenarioError` naming the field, the bad
value, what is allowed and, when there is one, the file. The scenario itself, and its files, are
in :mod:`sim.scenario`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim import (  # noqa: F401  (importing them declares their constants)
    brokers,
    choice,
    demand,
    entry,
    groups,
    sales_agents,
    signals,
    traders,
    valuation,
)
from sim.checks import did_you_mean, is_real_number
from sim.constants import REGISTRY, declaration_of, is_constant, validate_constant
from sim.constants import names as constant_names
from sim.errors import UserInputError


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
            "Share of a village's MSEs (not supplying a lead firm) that can reach the "
            "village's MSE brokers, where one exists: a direct seller that aggregates its "
            "neighbours' output for a smaller margin than a trader and brings them "
            "end-market news (seed lines 113-115, 144-148; Pakistan's women sales agents, "
            "lines 239-243). Each of them sells through a broker when it pays more than its "
            "trader by more than a switching cost and has room (broker_capacity clients), "
            "and keeps that choice until the trader pays clearly more (with broker_choice = "
            "0, the 0.3.0 rule: all of them sell through it). 0: MSEs never broker for "
            "others.",
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


def in_source(source: str | None) -> str:
    """Words naming where a value came from, for an error message (empty if unknown)."""
    return f" in {source}" if source else ""


def unknown_name(
    key: str, known: list[str], what: str, source: str | None, also: list[str] | None = None
) -> ScenarioError:
    """The error for an unknown key: what it is, where, a "did you mean" hint and the known."""
    did = did_you_mean(key, known + (also or []))
    more = "; or a calibration constant, see `mse-sim constants`" if also else ""
    return ScenarioError(
        f"unknown {what} '{key}'{in_source(source)}{did} (known: {', '.join(known)}{more})"
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
        raise unknown_name(name, list(FIELDS), "scenario field", source, constant_names())
    where = in_source(source)
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
        raise unknown_name(name, list(FIELDS), "scenario field", None, constant_names())
    try:
        c, element = declaration_of(name)
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
