"""The cost model: what each lever move costs, from ``experiments/costs.toml``.

A lever move of size ``d`` costs a fixed part (once, if the lever moves), a part per unit of
lever (``per_lever_unit_usd * d``) and a part per MSE reached (``per_mse_usd`` times the MSEs
the model counts as reached; see the file's header and :data:`sim.who_gains.REACH`). A
guideline, or any portfolio of lever moves, costs the sum of its moves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.checks import is_real_number
from sim.data import data_path
from sim.errors import UserInputError
from sim.io import read_toml
from sim.scenario import LEVERS
from sim.who_gains import REACH

#: Reach kinds whose per-MSE cost is paid for MSEs *newly* reached: the count with the
#: intervention less the count without it on the same seed (never below zero).
ADDITIONAL_REACH: tuple[str, ...] = ("connected", "financed", "linked", "grouped")
#: Reach kinds that are an audience served with an intensity growing with the move: the
#: per-MSE cost is for a full move (0 to 1) and is scaled by the move's size.
AUDIENCE_REACH: tuple[str, ...] = ("all", "excluded")
#: The parts of a cost, in the order of cost tables.
PARTS: tuple[str, ...] = ("fixed", "per_lever_unit", "per_mse")

_NUMBERS = ("fixed_usd", "per_lever_unit_usd", "per_mse_usd")


def costs_path() -> Path:
    """Return the cost data file (``$MSE_SIM_COSTS`` overrides the bundled one)."""
    env = os.environ.get("MSE_SIM_COSTS")
    return Path(env) if env else data_path("experiments", "costs.toml")


@dataclass(frozen=True)
class LeverCost:
    """The cost of moving one lever.

    Attributes:
        lever: Scenario lever.
        label: Plain words for what is bought.
        reach: Kind of reach the per-MSE cost applies to (:data:`sim.who_gains.REACH`).
        fixed_usd: Paid once if the lever moves (US$).
        per_lever_unit_usd: Paid per unit of lever moved (US$ for a move of 1.0).
        per_mse_usd: Paid per MSE reached (US$; for an audience, for a full move).
        source: Where the numbers come from, or ``assumption`` and why.

    Examples:
        >>> from sim.costs import COSTS
        >>> credit = COSTS.lever("credit_access")   # a LeverCost
        >>> credit.per_mse_usd, credit.reach
        (130.0, 'financed')
    """

    lever: str
    label: str
    reach: str
    fixed_usd: float
    per_lever_unit_usd: float
    per_mse_usd: float
    source: str

    def reached(
        self, move: float, reach_new: Mapping[str, float], reach_before: Mapping[str, float]
    ) -> float:
        """MSEs the per-MSE cost is paid for (possibly fractional for an audience).

        Args:
            move: Size of the lever move (absolute change of its value).
            reach_new: Reach counts with the intervention (:func:`sim.who_gains.reach`).
            reach_before: Reach counts without it, same seed.
        """
        if self.reach == "none" or move == 0:
            return 0.0
        if self.reach in AUDIENCE_REACH:
            return float(reach_new[self.reach]) * abs(move)
        return max(0.0, float(reach_new[self.reach]) - float(reach_before[self.reach]))

    def parts(
        self, move: float, reach_new: Mapping[str, float], reach_before: Mapping[str, float]
    ) -> dict[str, float]:
        """The cost of a move, by part (US$): fixed, per lever unit and per MSE reached."""
        if move == 0:
            return dict.fromkeys(PARTS, 0.0)
        return {
            "fixed": self.fixed_usd,
            "per_lever_unit": self.per_lever_unit_usd * abs(move),
            "per_mse": self.per_mse_usd * self.reached(move, reach_new, reach_before),
        }


@dataclass(frozen=True)
class CostModel:
    """Every lever's cost and the currency conversion, as read from the cost file.

    Attributes:
        usd_per_unit: US dollars per model currency unit (the one conversion).
        currency_source: Where the conversion comes from.
        levers: Lever -> its :class:`LeverCost` (only the levers a programme can move).
        path: The file read (None if built in code).

    Examples:
        >>> from sim.costs import COSTS
        >>> COSTS.usd_per_unit, "credit_access" in COSTS.levers
        (1.0, True)
    """

    usd_per_unit: float
    currency_source: str
    levers: dict[str, LeverCost]
    path: Path | None = None

    def lever(self, lever: str) -> LeverCost:
        """Return one lever's cost.

        Raises:
            UserInputError: The lever has no cost entry.
        """
        if lever not in self.levers:
            raise UserInputError(
                f"lever: value {lever!r} has no cost (allowed: {', '.join(self.levers)})"
            )
        return self.levers[lever]

    def to_usd(self, amount: float) -> float:
        """Convert an amount in model currency units to US dollars."""
        return amount * self.usd_per_unit

    def moves_parts(
        self,
        moves: Mapping[str, float],
        reach_new: Mapping[str, float],
        reach_before: Mapping[str, float],
    ) -> dict[str, dict[str, float]]:
        """Cost of several lever moves, lever -> part -> US$."""
        return {
            lever: self.lever(lever).parts(move, reach_new, reach_before)
            for lever, move in moves.items()
        }

    def moves_cost(
        self,
        moves: Mapping[str, float],
        reach_new: Mapping[str, float],
        reach_before: Mapping[str, float],
    ) -> float:
        """Total cost of several lever moves (US$)."""
        return sum(
            sum(p.values()) for p in self.moves_parts(moves, reach_new, reach_before).values()
        )

    def fixed_cost(self, moves: Mapping[str, float]) -> float:
        """The part of a portfolio's cost that does not depend on whom it reaches (US$)."""
        return sum(
            self.lever(lv).fixed_usd + self.lever(lv).per_lever_unit_usd * abs(m)
            for lv, m in moves.items()
            if m != 0
        )

    def with_cost(self, lever: str, **changes: float) -> CostModel:
        """Return a copy with one lever's numbers changed (e.g. ``per_mse_usd=70``)."""
        levers = dict(self.levers)
        levers[lever] = replace(self.lever(lever), **changes)
        return replace(self, levers=levers)


def _number(value: Any, where: str) -> float:
    if not is_real_number(value, finite=True) or value < 0:
        raise UserInputError(f"{where}: value {value!r} is not a number of 0 or more")
    return float(value)


def load_costs(path: str | os.PathLike | None = None) -> CostModel:
    """Read and check a cost file.

    Args:
        path: A TOML file in the format of ``experiments/costs.toml`` (default: that file).

    Raises:
        UserInputError: Unreadable file, unknown lever or reach kind, a negative or missing
            number, or a missing source.

    Examples:
        >>> from sim.costs import load_costs
        >>> costs = load_costs()   # the bundled cost file ($MSE_SIM_COSTS overrides it)
        >>> costs.lever("credit_access").reach
        'financed'
    """
    path = Path(path) if path is not None else costs_path()
    data = read_toml(path, "cost file")
    currency = data.get("currency", {})
    rate = currency.get("usd_per_unit")
    if not is_real_number(rate) or not rate > 0:
        raise UserInputError(f"{path}: [currency] usd_per_unit = {rate!r} must be a number above 0")
    levers: dict[str, LeverCost] = {}
    for lever, spec in data.get("levers", {}).items():
        where = f"{path}: [levers.{lever}]"
        if lever not in LEVERS:
            raise UserInputError(
                f"{where}: lever {lever!r} is not known (allowed: {', '.join(LEVERS)})"
            )
        reach = spec.get("reach", "none")
        if reach not in REACH:
            raise UserInputError(
                f"{where}: reach = {reach!r} is not known (allowed: {', '.join(REACH)})"
            )
        if not str(spec.get("source", "")).strip():
            raise UserInputError(
                f"{where}: source is missing (a public report, or 'assumption: why')"
            )
        numbers = {}
        for key in _NUMBERS:
            if key not in spec:
                raise UserInputError(f"{where}: {key} is missing")
            numbers[key] = _number(spec[key], f"{where}.{key}")
        levers[lever] = LeverCost(
            lever=lever,
            label=str(spec.get("label", lever)),
            reach=reach,
            source=" ".join(str(spec["source"]).split()),
            **numbers,
        )
    return CostModel(float(rate), str(currency.get("source", "")), levers, path)


#: The bundled cost model: the one definition the report, optimise and the notebook share.
COSTS: CostModel = load_costs()
