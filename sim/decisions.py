"""What the month's decisions take and give: the decision context and the valued options.

:class:`Context` holds what valuing and applying upgrades need besides the population (markets,
links, scenario levers); the compiled passes take it as one :data:`DecisionTerms` bundle, built
once (`Context.terms`). :class:`Options` are what :func:`sim.valuation.value_options` gives
for the MSEs that weigh any option this month, as :data:`OptionValues` for the compiled passes
of :mod:`sim.choice` and :mod:`sim.upgrades`. Every name is also importable from
:mod:`sim.valuation`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from sim.markets import price_covariance, second_chain_sd
from sim.population import N_OPTIONS


@dataclass
class Context:
    """What the decision needs besides the population: markets, links and scenario levers.

    The compiled passes take it as `DecisionTerms` (`terms`): the same fields, with
    ``price_volatility`` turned into the covariance of prices and the second chain's risk.

    Attributes:
        benchmark_cost: Unit cost of low-cost competitors (currency per unit).
        competition: Scenario lever in [0, 1].
        price_volatility: Scenario lever in [0, 1].
        second_level: The second chain's long-run price level (1: reference income).
        price: End-market base price by channel this month, (3,) (currency per unit).
        markup: Share of the base price the MSE's buyer keeps, per MSE.
        pass_through: Share of the quality premium reaching the MSE, per MSE.
        clarity: How clearly the MSE perceives premiums and distant markets, in [0, 1].
        services: Embedded-service intensity the MSE receives, in [0, 1].
        contract_share: Share of output sold forward at a guaranteed price, per MSE.
        social: Social barrier holding the MSE back, in [0, 1].
        credit_access: Scenario lever: access to investment credit, in [0, 1]. The passes
            work out each decider's credit still available from it, its debt, group and
            social barrier (`sim.finance.available_credit`) when they read it, rather than
            the month holding the lines of every MSE (8 bytes an MSE).
        group_benefit: The MSE's share of its group's benefits (`sim.groups.group_economics`):
            the valuation works out from it the share of upgrading costs the MSE saves
            through its group (`sim.groups.member_cost_share`), and from ``group_finance``
            the working capital it saves by joint input purchase
            (`sim.finance.member_input_discount`), when it reads them.
        working_capital_credit: Scenario lever: access to working-capital loans (none if
            omitted); each decider's loan is worked out likewise
            (`sim.finance.working_credit_line`).
        group_finance: Scenario lever: group lending and joint input purchase (none if
            omitted).
        support: Stand-alone (fee-based) support-service intensity the MSE buys, in [0, 1]
            (none if omitted).
        transit_risk: Scenario lever: risk of losing goods or cash carried to distant buyers.
        brokerage: What the MSE earned this month brokering its neighbours' sales (currency),
            per MSE: an MSE broker gives it up if it leaves the chain (none if omitted).
        links: The month's link of each MSE (`sim.links`). With it, ``clarity``,
            ``services`` and ``support`` may be None: the valuation then works out each
            MSE's from the population, the links and the three numbers below, as
            `sim.signals.signal_clarity`, `sim.services.service_intensity` and
            `sim.services.support_intensity` do (the same bits), rather than the month
            holding them for every MSE (24 bytes an MSE). Their inputs do not change between
            the month's information and its upgrades.
        embedded_services: Scenario lever (with ``links``).
        support_services: Scenario lever (with ``links``).
        own_clarity: How clearly an MSE sees end markets through its trader
            (`sim.signals.own_clarity`; with ``links``).
    """

    benchmark_cost: float
    competition: float
    price_volatility: float
    second_level: float
    price: np.ndarray
    markup: np.ndarray
    pass_through: np.ndarray
    clarity: np.ndarray | None
    services: np.ndarray | None
    contract_share: np.ndarray
    social: np.ndarray
    credit_access: float
    group_benefit: np.ndarray
    working_capital_credit: float = 0.0
    group_finance: float = 0.0
    support: np.ndarray | None = None
    transit_risk: float = 0.0
    brokerage: np.ndarray | None = None
    links: np.ndarray | None = None
    embedded_services: float = 0.0
    support_services: float = 0.0
    own_clarity: float = 0.0

    def terms(self, consts: np.ndarray) -> DecisionTerms:
        """The context as the compiled passes take it (see `DecisionTerms`).

        Built once and kept: the month's valuation and upgrades read the same bundle. It is
        built again when a field has been given another value (or other constants are
        passed), so a changed context is never read through a stale bundle.
        """
        values = _field_values(self)
        cached = self.__dict__.get("_terms")
        if cached is not None and cached[0] is consts and all(map(operator.is_, cached[1], values)):
            return cached[2]
        terms = self._build_terms(consts)
        # Kept outside the dataclass's fields (not in `fields`, so not in `DecisionTerms`).
        self.__dict__["_terms"] = (consts, values, terms)
        return terms

    def for_upgrades(self) -> Context:
        """The context with only what applying the upgrades reads (memory).

        `sim.upgrades._apply` reads the embedded services and the social barrier of the
        deciders (with the credit levers, for their credit lines); the clarity only the
        valuation reads. It is empty in the copy (a pass that read it would read past its
        end; `tests/model/test_upgrades.py` runs the upgrades' passes as plain Python, where
        such a read fails), so the month can let go of it before the upgrades: 8 bytes an
        MSE at 10^7 MSEs' peak.
        """
        dropped = {"clarity": np.empty(0)}
        kept = _copy_with(self, dropped)
        cached = self.__dict__.get("_terms")
        if cached is not None:
            # The bundle already built for the valuation serves the upgrades, with the same
            # arrays let go (building it again cost about a tenth of a 100-MSE month).
            terms = cached[2]._replace(**dropped)
            kept.__dict__["_terms"] = (cached[0], _field_values(kept), terms)
        return kept

    def _build_terms(self, consts: np.ndarray) -> DecisionTerms:
        # The names from a module constant: `fields` costs some microseconds a call.
        values = dict(zip(_FIELD_NAMES, _field_values(self), strict=True))
        volatility = values.pop("price_volatility")
        for name in _NUMBERS:
            values[name] = float(values[name])
        worked_out = values["links"] is not None
        if not worked_out:
            values["links"] = np.empty(0, dtype=np.int8)
        for name, value in values.items():
            if value is None and worked_out and name in _WORKED_OUT:
                values[name] = np.empty(0)  # worked out for each MSE by the valuation
            elif value is None:  # an omitted per-MSE array: zeros
                values[name] = np.zeros_like(self.markup)
        values["price"] = np.asarray(self.price, dtype=float)
        return DecisionTerms(
            **values,
            covariance=price_covariance(volatility, consts=consts),
            second_sd=float(second_chain_sd(volatility, consts=consts)),
        )


def _copy_with(record, changes: dict):
    """A copy of a `Context` or `Options` with some fields given other values.

    `dataclasses.replace` without its call of ``__init__`` with every field by name (a third
    of its time, twice a month): the fields' values are copied as they are, so nothing the
    constructor would check can differ. A cached bundle of `Context.terms` is not copied.
    """
    copy = object.__new__(type(record))
    values = dict(record.__dict__)
    values.pop("_terms", None)
    assert changes.keys() <= values.keys(), "only fields are replaced"
    values.update(changes)
    copy.__dict__.update(values)
    return copy


# The names of `Context`'s fields, in their order.
_FIELD_NAMES = tuple(f.name for f in fields(Context))

# The values of `Context`'s fields, as a tuple (what `Context.terms` keeps its bundle for).
_field_values = operator.attrgetter(*_FIELD_NAMES)

# `Context`'s numbers, passed to the compiled passes as floats.
_NUMBERS = (
    "benchmark_cost",
    "competition",
    "second_level",
    "credit_access",
    "working_capital_credit",
    "group_finance",
    "transit_risk",
    "embedded_services",
    "support_services",
    "own_clarity",
)

# The per-MSE arrays the valuation can work out for itself (`Context.links`).
_WORKED_OUT = ("clarity", "services", "support")

# `Context`'s fields as one argument numba accepts, built from them so the two lists cannot
# differ; the price volatility comes as what the passes use of it.
DecisionTerms = NamedTuple(
    "DecisionTerms",
    [
        *(
            (f.name, np.ndarray if f.name not in _NUMBERS else float)
            for f in fields(Context)
            if f.name != "price_volatility"
        ),
        ("covariance", np.ndarray),
        ("second_sd", float),
    ],
)
DecisionTerms.__doc__ = """Markets, links and levers as one argument of the decision passes.

The fields are :class:`Context`'s (see its attributes; omitted arrays are zeros), except
``price_volatility``, replaced by ``covariance`` (of relative price deviations between
channels, (3, 3)) and ``second_sd`` (long-run relative price risk of the second chain).
"""


@dataclass
class Options:
    """Options valued for the MSEs that weigh any this month (arrays of shape (5, m)).

    Attributes:
        rows: Population rows of the deciders (m of them).
        gain: Change in believed mean monthly income (0 where infeasible; None if valued
            without ``detail``, `value_options`).
        variance_change: Change in believed variance of monthly income (0 where infeasible;
            None if valued without ``detail``).
        investment: Long-term investment cost.
        working_capital: Working-capital cost.
        success: Chance of success.
        value: Risk-adjusted value over the horizon (-inf where infeasible).
        feasible: Known, allowed and affordable.
        new_channel: Channel a channel upgrade would enter, per decider, or -1.
    """

    rows: np.ndarray
    gain: np.ndarray | None
    variance_change: np.ndarray | None
    investment: np.ndarray
    working_capital: np.ndarray
    success: np.ndarray
    value: np.ndarray
    feasible: np.ndarray
    new_channel: np.ndarray

    def for_upgrades(self) -> Options:
        """The options with only what applying the upgrades reads (memory).

        `sim.upgrades._apply` reads the rows, costs, chances and channels of the chosen
        options; the values and which are feasible only the choice reads (`sim.choice`). They
        are empty in the copy (checked as the clarity is, `Context.for_upgrades`), so the
        month can let go of them before the upgrades.
        """
        nothing = np.empty((N_OPTIONS, 0))
        return _copy_with(self, {"value": nothing, "feasible": nothing.astype(bool)})

    def values(self) -> OptionValues:
        """The options as the compiled passes take them (success per decider, contiguous)."""
        arrays = dict(zip(OptionValues._fields, _option_arrays(self), strict=True))
        arrays["success"] = np.ascontiguousarray(self.success[0])
        for name in ("gain", "variance_change"):
            if arrays[name] is None:  # valued without detail: no columns
                arrays[name] = np.empty((N_OPTIONS, 0))
        return OptionValues(**arrays)


# The same arrays as :class:`Options`, as one argument numba accepts. Built from Options'
# fields, so the two lists can never differ.
OptionValues = NamedTuple("OptionValues", [(f.name, np.ndarray) for f in fields(Options)])

# The arrays of :class:`Options`' fields, in their order (without `fields` each month).
_option_arrays = operator.attrgetter(*OptionValues._fields)


OptionValues.__doc__ = """Options valued for the deciders, as one argument of the compiled passes.

The fields are :class:`Options`' (see its attributes), except that ``success`` holds one value
per decider. Column ``j`` of each (5, m) array and element ``j`` of each (m,) array is the
j-th decider; `_value_all` writes them, `_apply` reads them.
"""


def _option_values(columns: int, detail_columns: int) -> OptionValues:
    """Empty `OptionValues` of ``columns`` columns (gains and variances: ``detail_columns``)."""
    return OptionValues(
        rows=np.empty(columns, dtype=np.int64),
        gain=np.empty((N_OPTIONS, detail_columns)),
        variance_change=np.empty((N_OPTIONS, detail_columns)),
        investment=np.empty((N_OPTIONS, columns)),
        working_capital=np.empty((N_OPTIONS, columns)),
        success=np.empty(columns),
        value=np.empty((N_OPTIONS, columns)),
        feasible=np.empty((N_OPTIONS, columns), dtype=bool),
        new_channel=np.empty(columns, dtype=np.int64),
    )


def _rows_repeated(x: np.ndarray, m: int) -> np.ndarray:
    """``x[:m]`` as every row of a read-only (N_OPTIONS, m) view.

    The view ``np.broadcast_to`` makes, without its checks (a few microseconds a month).
    """
    view: np.ndarray = np.ndarray((N_OPTIONS, m), x.dtype, x, 0, (0, x.strides[0]))
    view.flags.writeable = False
    return view
