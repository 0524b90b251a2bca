"""Effects as sweep outputs: a guideline's paired effect, or an interaction, at every design point.

A sweep normally records *levels*: a metric of one run. An ``[effects.NAME]`` table of a spec
asks for an *effect* too: at every design point and replicate, the point's scenario is run in
several *arms* on the same seed (common random numbers), and the effect is a fixed linear
combination of the arms' metrics. A screening of effects then asks which parameters change the
size of a guideline's effect, not only the level of an outcome.

Two kinds, each built from the guidelines' own changes (``sim/data/guidelines.toml``, the one
definition of what a guideline does):

* ``guideline = "g4"``: the guideline's intervention arm minus its baseline arm, both made from
  the design point's scenario as :meth:`sim.experiments.Guideline.arms` makes them;
* ``interaction = ["g4", "g2"]``: (both interventions) − (the first only) − (the second only)
  + (neither): how much the first guideline's effect changes when the second is applied too.

The result columns are ``NAME/metric@step`` (e.g. ``g4/share_process@120``), one per metric of
the effect (``metrics``; default: a guideline's key metrics that a sweep can record, or every
output of the spec for an interaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.experiments.definitions import Change, Guideline, get_guideline
from sim.scenario import ValueChainScenario

#: Keys of an ``[effects.NAME]`` table.
EFFECT_KEYS: tuple[str, ...] = ("guideline", "interaction", "metrics")


@dataclass(frozen=True)
class EffectSpec:
    """One effect recorded by a sweep.

    Attributes:
        name: The effect's name (its columns are ``name/metric@step``).
        terms: ``(coefficient, changes)`` pairs: the effect is the sum over terms of the
            coefficient times the metric of the arm made by applying ``changes`` (in order) to
            the design point's scenario.
        metrics: The metrics whose effect is recorded.
        definition: The table as given (normalized), kept in the manifest.
    """

    name: str
    terms: tuple[tuple[float, tuple[Change, ...]], ...]
    metrics: tuple[str, ...]
    definition: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Return the effect as plain JSON (for the spec's fingerprint and manifest)."""
        return dict(self.definition)


def effect_column(name: str, metric: str, step: int) -> str:
    """Name of the column holding effect ``name`` on ``metric`` at ``step``."""
    return f"{name}/{metric}@{step}"


def guideline_terms(g: Guideline) -> tuple[tuple[float, tuple[Change, ...]], ...]:
    """Return the terms of a guideline's paired effect: intervention arm minus baseline arm."""
    return ((1.0, (*g.comparison, *g.intervention)), (-1.0, tuple(g.comparison)))


def interaction_terms(a: Guideline, b: Guideline) -> tuple[tuple[float, tuple[Change, ...]], ...]:
    """Return the terms of the interaction of two guidelines' interventions (a 2 x 2 contrast).

    Both guidelines' comparison changes are applied in all four arms.
    """
    both = (*a.comparison, *b.comparison)
    return (
        (1.0, (*both, *a.intervention, *b.intervention)),
        (-1.0, (*both, *a.intervention)),
        (-1.0, (*both, *b.intervention)),
        (1.0, both),
    )


def build_effect(
    name: str, table: Mapping[str, Any], known_metrics: Sequence[str], outputs: Sequence[str]
) -> EffectSpec:
    """Return the :class:`EffectSpec` of an ``[effects.NAME]`` table.

    Raises:
        ValueError: Unknown key, both or neither of ``guideline`` and ``interaction``, an
            interaction not of two guidelines, or a metric the sweep does not record. The
            message names the key, the value and what is allowed.
        UserInputError: An unknown guideline.
    """
    unknown = [k for k in table if k not in EFFECT_KEYS]
    if unknown:
        raise ValueError(f"unknown key '{unknown[0]}' (allowed: {', '.join(EFFECT_KEYS)})")
    kinds = [k for k in ("guideline", "interaction") if k in table]
    if len(kinds) != 1:
        raise ValueError('give exactly one of guideline = "gN" or interaction = ["gN", "gM"]')
    if kinds[0] == "guideline":
        g = get_guideline(table["guideline"])
        terms = guideline_terms(g)
        default = [m for m in g.key_metrics if m in known_metrics]
        definition = {"guideline": g.id}
    else:
        pair = table["interaction"]
        if not isinstance(pair, list) or len(pair) != 2 or len(set(map(str, pair))) != 2:
            raise ValueError(
                f'interaction = {pair!r}: must list two different guidelines, e.g. ["g4", "g2"]'
            )
        a, b = (get_guideline(x) for x in pair)
        terms = interaction_terms(a, b)
        default = list(outputs)
        definition = {"interaction": [a.id, b.id]}
    metrics = table.get("metrics", default)
    if not isinstance(metrics, list) or not metrics:
        raise ValueError(
            f"metrics = {metrics!r}: must be a non-empty list of the sweep's "
            f"outputs ({', '.join(outputs)})"
        )
    for metric in metrics:
        if metric not in outputs:
            raise ValueError(
                f"metric {metric!r} is not among the sweep's outputs "
                f"({', '.join(outputs)}); add it to [sweep] outputs"
            )
    definition["metrics"] = list(dict.fromkeys(metrics))
    return EffectSpec(name, terms, tuple(definition["metrics"]), definition)


def arm_scenario(point: ValueChainScenario, changes: Sequence[Change]) -> ValueChainScenario:
    """Return the design point's scenario with ``changes`` applied one after another."""
    scenario = point
    for change in changes:
        scenario = scenario.replace(**{change.lever: change.apply(getattr(scenario, change.lever))})
    return scenario
