"""What a paired experiment returns: the arms, the series of both arms and the effect table.

A result is data. The user interface (``sim.ui``) words it, draws it and writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.experiments.definitions import Guideline
from sim.experiments.stats import CONFIDENCE, OUTCOME_WINDOW, outcome, paired_effect
from sim.metrics import derive
from sim.provenance import provenance
from sim.scenario import ValueChainScenario


@dataclass
class ExperimentResult:
    """The outcome of one paired experiment.

    Attributes:
        guideline: The guideline applied (None for an ad-hoc :func:`compare`).
        scenario: The scenario the experiment was run on.
        baseline_scenario: The baseline arm's scenario.
        intervention_scenario: The intervention arm's scenario.
        seeds: Seeds used by both arms.
        steps: Months simulated per run.
        metrics: Metrics reported, key metrics first.
        series: Per arm (``baseline``, ``intervention``), metric -> array (seeds, steps + 1).
        effects: Effect table: metric, baseline_mean, intervention_mean, effect, ci_low,
            ci_high, n_seeds (outcomes are means over the last :data:`OUTCOME_WINDOW` months).
        version: mse-sim version.
        created: UTC time the result was computed (ISO 8601).
        probes: Per arm, one probe result per seed, when the experiment was run with a
            probe (see :func:`sim.experiments.run_experiments`); empty otherwise.
        made_with: The code (commit or build) and library versions that computed it
            (:func:`sim.provenance.provenance`).

    Examples:
        >>> import sim.experiments as ex
        >>> result = ex.run_experiment("g4", "baseline", seeds=2, steps=12, workers=1, n_mse=200)
        >>> result.id, list(result.effect("share_process").index[:3])
        ('g4', ['baseline_mean', 'intervention_mean', 'effect'])
        >>> result.provenance()["version"] == result.version
        True
    """

    guideline: Guideline | None
    scenario: ValueChainScenario
    baseline_scenario: ValueChainScenario
    intervention_scenario: ValueChainScenario
    seeds: tuple[int, ...]
    steps: int
    metrics: tuple[str, ...]
    series: dict[str, dict[str, np.ndarray]]
    effects: pd.DataFrame
    version: str
    created: str
    probes: dict[str, list[Any]] = field(default_factory=dict)
    made_with: dict[str, Any] = field(default_factory=provenance)

    @property
    def id(self) -> str:
        """The guideline id, or ``custom``."""
        return self.guideline.id if self.guideline else "custom"

    def effect(self, metric: str) -> pd.Series:
        """Return the effect-table row of one metric."""
        return self.effects.set_index("metric").loc[metric]

    def provenance(self) -> dict[str, Any]:
        """Return what is needed to reproduce the result."""
        return {
            "experiment": self.id,
            "scenario": self.scenario.to_record(),
            "baseline_arm": self.baseline_scenario.to_record(),
            "intervention_arm": self.intervention_scenario.to_record(),
            "seeds": list(self.seeds),
            "steps": self.steps,
            "outcome": f"mean over the last {min(OUTCOME_WINDOW, self.steps + 1)} months",
            "confidence": CONFIDENCE,
            **self.made_with,
            "version": self.version,
            "created": self.created,
        }


def build_result(
    guideline: Guideline | None,
    scenario: ValueChainScenario,
    arms: tuple[ValueChainScenario, ValueChainScenario],
    raw: tuple[np.ndarray, np.ndarray],
    seeds: tuple[int, ...],
    steps: int,
    metrics: tuple[str, ...],
    columns: tuple[str, ...],
    created: str,
) -> ExperimentResult:
    """Return the :class:`ExperimentResult` of two arms' raw runs (seeds, steps + 1, columns)."""
    series: dict[str, dict[str, np.ndarray]] = {"baseline": {}, "intervention": {}}
    rows = []
    for metric in metrics:
        for arm, data in zip(series, raw, strict=True):
            series[arm][metric] = derive(metric, lambda c, data=data: data[:, :, columns.index(c)])
        base = outcome(series["baseline"][metric], steps)
        new = outcome(series["intervention"][metric], steps)
        effect, low, high = paired_effect(base, new)
        rows.append(
            {
                "metric": metric,
                "baseline_mean": float(base.mean()),
                "intervention_mean": float(new.mean()),
                "effect": effect,
                "ci_low": low,
                "ci_high": high,
                "n_seeds": len(seeds),
            }
        )
    return ExperimentResult(
        guideline=guideline,
        scenario=scenario,
        baseline_scenario=arms[0],
        intervention_scenario=arms[1],
        seeds=seeds,
        steps=steps,
        metrics=metrics,
        series=series,
        effects=pd.DataFrame(rows),
        version=__version__,
        created=created,
    )
