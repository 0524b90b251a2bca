"""The seven guidelines for practitioners, as data: what each experiment arm changes.

Dunn et al. (2006) close with seven guidelines for practitioners. Each one's title, verbatim
text from the paper, the levers it moves, the metrics it is about and the direction the paper
implies are in ``experiments/guidelines.toml`` (shipped as package data), read once into
:data:`GUIDELINES`: the one definition the CLI, the report, the app and the tests share.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.checks import is_real_number
from sim.data import data_path
from sim.errors import UserInputError
from sim.io import read_toml
from sim.metrics import METRIC_INFO
from sim.scenario import LEVERS, ValueChainScenario


def guidelines_path() -> Path:
    """Return the guideline definitions file (``$MSE_SIM_GUIDELINES`` overrides it).

    Examples:
        >>> from sim.experiments import guidelines_path
        >>> guidelines_path().name
        'guidelines.toml'
    """
    env = os.environ.get("MSE_SIM_GUIDELINES")
    if env:
        return Path(env)
    return data_path("experiments", "guidelines.toml")


_OPS = ("add", "set", "at_least", "at_most")


@dataclass(frozen=True)
class Change:
    """One lever change of an experiment arm, relative to the scenario it is applied to.

    Attributes:
        lever: Scenario lever (a float field in [0, 1]).
        op: ``add`` (clipped to [0, 1]), ``set``, ``at_least`` or ``at_most``.
        value: The operand.

    Examples:
        >>> from sim.experiments import Change
        >>> Change("credit_access", "add", 0.4)
        Change(lever='credit_access', op='add', value=0.4)
    """

    lever: str
    op: str
    value: float

    def apply(self, current: float) -> float:
        """Return the lever's new value given its current value."""
        if self.op == "add":
            new = current + self.value
        elif self.op == "set":
            new = self.value
        elif self.op == "at_least":
            new = max(current, self.value)
        else:
            new = min(current, self.value)
        # Rounding keeps 0.2 + 0.4 from printing as 0.6000000000000001 in reports.
        return round(min(1.0, max(0.0, new)), 10)


@dataclass(frozen=True)
class Guideline:
    """A guideline for practitioners from the paper, as an experiment.

    Attributes:
        id: ``g1`` .. ``g7``.
        number: The guideline's number in the paper.
        title: The guideline's title, verbatim.
        action: Plain-words subject for effect sentences ("More investment credit").
        why: How the intervention works in the model, one sentence.
        seed_text: The guideline's paragraph from the paper, verbatim.
        comparison: Changes applied to both arms (usually none).
        intervention: Changes applied to the intervention arm only.
        key_metrics: The metrics the guideline is about (plotted and tested).
        also_report: Further metrics in the effect table.
        expect: Direction the paper implies for key metrics: metric -> ``up`` or ``down``.

    Examples:
        >>> from sim.experiments import GUIDELINES
        >>> g4 = GUIDELINES["g4"]
        >>> g4.number, g4.title
        (4, 'Develop financial markets for MSE investment capital')
        >>> [(change.lever, change.op, change.value) for change in g4.intervention]
        [('credit_access', 'add', 0.4)]
    """

    id: str
    number: int
    title: str
    action: str
    why: str
    seed_text: str
    comparison: tuple[Change, ...]
    intervention: tuple[Change, ...]
    key_metrics: tuple[str, ...]
    also_report: tuple[str, ...] = ()
    expect: Mapping[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> tuple[str, ...]:
        """Key metrics first, then the others, without repeats."""
        return tuple(dict.fromkeys(self.key_metrics + self.also_report))

    @property
    def levers(self) -> tuple[str, ...]:
        """The levers the intervention arm moves."""
        return tuple(c.lever for c in self.intervention)

    def arms(self, scenario: ValueChainScenario) -> tuple[ValueChainScenario, ValueChainScenario]:
        """Return the (baseline, intervention) scenarios of this experiment on ``scenario``."""
        base = _apply(scenario, self.comparison)
        return base, _apply(base, self.intervention)

    def lever_moves(self, scenario: ValueChainScenario) -> tuple[LeverMove, ...]:
        """Return what the experiment does to each lever on ``scenario``, as data.

        The intervention's levers first (baseline value -> intervention value), then the
        levers both arms share (``both_arms``; ``start == end``). The UI words them
        (:func:`sim.ui.words.describe_moves`), in lever labels and the reader's language.
        """
        base, new = self.arms(scenario)
        moves = [
            LeverMove(c.lever, getattr(base, c.lever), getattr(new, c.lever))
            for c in self.intervention
        ]
        moves += [
            LeverMove(c.lever, getattr(base, c.lever), getattr(base, c.lever), True)
            for c in self.comparison
        ]
        return tuple(moves)


@dataclass(frozen=True)
class LeverMove:
    """One lever in a guideline experiment on a given scenario.

    Attributes:
        lever: Scenario lever name.
        start: Its value in the baseline arm.
        end: Its value in the intervention arm.
        both_arms: True for a comparison change, applied to both arms (then ``start == end``).
    """

    lever: str
    start: float
    end: float
    both_arms: bool = False


def _apply(scenario: ValueChainScenario, changes: Iterable[Change]) -> ValueChainScenario:
    updates = {c.lever: c.apply(getattr(scenario, c.lever)) for c in changes}
    return scenario.replace(**updates) if updates else scenario


def _parse_changes(table: Any, where: str) -> tuple[Change, ...]:
    if not isinstance(table, Mapping):
        raise UserInputError(f"{where} must be a table of lever = {{ op = value }}")
    out = []
    for lever, spec in table.items():
        if lever not in LEVERS:
            raise UserInputError(
                f"{where}: lever {lever!r} is not known (allowed: {', '.join(LEVERS)})"
            )
        if not isinstance(spec, Mapping) or len(spec) != 1:
            raise UserInputError(
                f"{where}.{lever}: value {spec!r} must hold exactly one of {', '.join(_OPS)}"
            )
        ((op, value),) = spec.items()
        if op not in _OPS:
            raise UserInputError(
                f"{where}.{lever}: operation {op!r} is not known (allowed: {', '.join(_OPS)})"
            )
        if not is_real_number(value) or not (-1.0 <= value <= 1.0):
            raise UserInputError(
                f"{where}.{lever}.{op}: value {value!r} is not a number from -1 to 1"
            )
        out.append(Change(lever, op, float(value)))
    return tuple(out)


def load_guidelines(path: str | os.PathLike | None = None) -> dict[str, Guideline]:
    """Read and check guideline definitions.

    Args:
        path: A TOML file in the format of ``experiments/guidelines.toml`` (default: that file).

    Returns:
        Guidelines by id, in file order.

    Raises:
        UserInputError: Unreadable file, unknown lever, operation, metric or direction.

    Examples:
        >>> from sim.experiments import load_guidelines
        >>> list(load_guidelines())
        ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7']
    """
    path = Path(path) if path is not None else guidelines_path()
    data = read_toml(path, "guideline definitions")
    known_keys = {
        "number",
        "title",
        "action",
        "why",
        "seed_text",
        "comparison",
        "intervention",
        "key_metrics",
        "also_report",
        "expect",
    }
    out: dict[str, Guideline] = {}
    for gid, spec in data.items():
        where = f"{path}: [{gid}]"
        if not isinstance(spec, Mapping):
            raise UserInputError(f"{where} must be a table")
        unknown = set(spec) - known_keys
        if unknown:
            raise UserInputError(
                f"{where}: key {sorted(unknown)[0]!r} is not known "
                f"(allowed: {', '.join(sorted(known_keys))})"
            )
        metrics = [*spec.get("key_metrics", []), *spec.get("also_report", [])]
        for metric in metrics:
            if metric not in METRIC_INFO:
                raise UserInputError(
                    f"{where}: metric {metric!r} is not known (allowed: {', '.join(METRIC_INFO)})"
                )
        expect = dict(spec.get("expect", {}))
        for metric, direction in expect.items():
            if metric not in metrics or direction not in ("up", "down"):
                raise UserInputError(
                    f"{where}.expect: {metric} = {direction!r} must name a reported metric "
                    "and be 'up' or 'down'"
                )
        if not spec.get("key_metrics"):
            raise UserInputError(f"{where}: key_metrics must name at least one metric")
        out[gid] = Guideline(
            id=gid,
            number=int(spec.get("number", len(out) + 1)),
            title=str(spec.get("title", gid)),
            action=str(spec.get("action", gid)),
            why=" ".join(str(spec.get("why", "")).split()),
            seed_text=" ".join(str(spec.get("seed_text", "")).split()),
            comparison=_parse_changes(spec.get("comparison", {}), f"{where}.comparison"),
            intervention=_parse_changes(spec.get("intervention", {}), f"{where}.intervention"),
            key_metrics=tuple(spec["key_metrics"]),
            also_report=tuple(spec.get("also_report", ())),
            expect=expect,
        )
    return out


#: The seven guidelines, by id (``g1`` .. ``g7``): the one definition the CLI, report, app and
#: tests share.
GUIDELINES: dict[str, Guideline] = load_guidelines()


def get_guideline(guideline: str | Guideline) -> Guideline:
    """Return a guideline by id (``g1`` .. ``g7``), or the guideline itself.

    Raises:
        UserInputError: Unknown id.

    Examples:
        >>> from sim.experiments import get_guideline
        >>> get_guideline("g4").title
        'Develop financial markets for MSE investment capital'
    """
    if isinstance(guideline, Guideline):
        return guideline
    key = str(guideline).strip().lower()
    if key not in GUIDELINES:
        raise UserInputError(
            f"guideline: value {guideline!r} is not known (allowed: {', '.join(GUIDELINES)})"
        )
    return GUIDELINES[key]
