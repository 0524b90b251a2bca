"""The models the app shows: one run of a scenario, or a guideline's two arms side by side."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.experiments import GUIDELINES
from sim.metrics import DERIVED, metric_info
from sim.model import ValueChainModel
from sim.population import UPGRADE_TYPES
from sim.scenario import ValueChainScenario, read_scenario_file

#: Scenario shown first: the one the workshop story starts from.
DEFAULT_SCENARIO = "kenya-avocados"


def guidelines() -> dict:
    """Return the guidelines g1-g7 (:data:`sim.experiments.GUIDELINES`)."""
    return dict(GUIDELINES)


# --------------------------------------------------------------------------------------------
# Models shown by the page
# --------------------------------------------------------------------------------------------


@functools.cache
def _model_class():
    """Return the model class the app shows: ValueChainModel with a thread-safe table.

    A subclass (not a wrapper) because Mesa's Reset rebuilds ``type(model)(**kwargs)``; its
    ``__init__`` keeps the parent's signature, which Mesa inspects to route ``rng``.
    """
    class AppValueChainModel(ValueChainModel):
        """ValueChainModel whose DataCollector can be read while it steps."""

        def __init__(self, scenario=None, *, rng=None, **overrides):
            super().__init__(scenario, rng=rng, **overrides)
            _consistent(self)

    return AppValueChainModel


def scenario_record(name: str) -> dict[str, Any]:
    """Return a bundled scenario's field values (and name) as a plain dict."""
    return read_scenario_file(name).scenario.to_record()


#: Reporters compared between the two arms in guideline mode.
COMPARED = ("share_upgraded", "share_in_groups", "mean_income", "premium_share_mse",
            "share_linked_lead_firm", *(f"share_{t}" for t in UPGRADE_TYPES))


def arm_column(metric: str, arm: str) -> str:
    """Column name of one arm's metric in :class:`GuidelineComparison`'s data (a legend label)."""
    return f"{metric_label(metric)} ({arm})"


class GuidelineComparison(mesa.Model):
    """A baseline run and an intervention run stepped together from the same seed.

    Its DataCollector has one column per compared metric and arm (:func:`arm_column`), so
    Mesa's plot components draw both curves; ``baseline`` and ``intervention`` are the two
    :class:`~sim.model.ValueChainModel` runs.

    Args:
        guideline: ``g1`` ... ``g7``.
        settings: Scenario field values (with ``name``) of the baseline arm.
        rng: Seed shared by both arms.
    """

    def __init__(self, guideline: str = "g3", settings: Mapping[str, Any] | None = None, *,
                 rng: int | None = 0):
        super().__init__(rng=rng)
        self.guideline = guidelines()[guideline]
        self.metric = self.guideline.key_metrics[0]
        scenario = _scenario(dict(settings or scenario_record(DEFAULT_SCENARIO)), rng)
        base, new = self.guideline.arms(scenario)
        self.changes_text = self.guideline.describe_changes(scenario)
        model_class = _model_class()
        self.baseline = model_class(base, rng=rng)
        self.intervention = model_class(new, rng=rng)
        self.arm_names = ("baseline", f"with {self.guideline.id}")
        metrics = list(dict.fromkeys([*self.guideline.key_metrics, *COMPARED]))
        reporters = {}
        for metric in metrics:
            for arm_name, arm in zip(self.arm_names, (self.baseline, self.intervention),
                                     strict=True):
                reporters[arm_column(metric, arm_name)] = _latest(arm, metric)
        self.datacollector = ConsistentDataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def step(self):
        """Advance both arms one month."""
        self.baseline.step()
        self.intervention.step()
        self.running = self.baseline.running and self.intervention.running
        self.datacollector.collect(self)

    def difference(self, metric: str | None = None) -> float:
        """Return intervention minus baseline of `metric` (default: the guideline's) now."""
        metric = metric or self.metric
        return current_value(self.intervention, metric) - current_value(self.baseline, metric)


class ConsistentDataCollector(mesa.DataCollector):
    """A DataCollector whose table is always rectangular, even while the model steps.

    When playing, Mesa's controller steps the model in one thread while the charts render
    in another, so a chart can read the reporters halfway through a ``collect``: one column
    already a row longer than the next, and pandas refuses to build the table. Reading only
    the rows every column has keeps the charts drawing (the newest row shows next frame).
    """

    def get_model_vars_dataframe(self):
        """Return the model-level table, cut to the rows that every reporter has."""
        columns = dict(self.model_vars)  # a shallow copy: new columns may appear meanwhile
        rows = min((len(v) for v in columns.values()), default=0)
        return pd.DataFrame({k: list(v[:rows]) for k, v in columns.items()})


def _consistent(model):
    """Make `model`'s DataCollector safe to read from another thread (see above)."""
    if type(model.datacollector) is mesa.DataCollector:
        model.datacollector.__class__ = ConsistentDataCollector
    return model


def _scenario(record: Mapping[str, Any], seed: int | None):
    # Mesa requires the model's rng and its scenario's rng to be the same
    return ValueChainScenario(rng=seed, **record)


def current_value(model, metric: str) -> float:
    """Return a metric's latest value; derived metrics (e.g. the upgrading gap) computed."""
    if metric in DERIVED:
        sources, fn = DERIVED[metric]
        values = [np.asarray([current_value(model, src)]) for src in sources]
        return float(fn(*values)[0])
    return float(model.datacollector.model_vars[metric][-1])


def metric_label(metric: str) -> str:
    """Return a metric's name in plain words, capitalised (for titles and legends)."""
    return metric_info(metric).title


def _latest(model, metric: str) -> Callable[[Any], float]:
    return lambda _self: current_value(model, metric)


def build_model(mode: str, settings: Mapping[str, Any], seed: int, guideline: str):
    """Build the model the page shows for the current settings.

    The model is an instance of a subclass made for these settings (see :func:`baked_class`),
    so that Mesa's Reset button, which calls ``type(model)(**kwargs)``, rebuilds exactly this
    run from month 0 whatever ``kwargs`` Mesa passes.

    Args:
        mode: ``"explore"`` or ``"guideline"``.
        settings: Scenario field values with ``name``.
        seed: Random seed.
        guideline: ``g1`` ... ``g7`` (guideline mode only).

    Returns:
        A :class:`~sim.model.ValueChainModel` or a :class:`GuidelineComparison`.
    """
    return baked_class(mode, settings, seed, guideline)()


def baked_class(mode: str, settings: Mapping[str, Any], seed: int, guideline: str) -> type:
    """Return a model class whose constructor ignores its arguments and uses these settings.

    Why: the page keeps one SolaraViz mounted and swaps its model (re-mounting SolaraViz
    stopped Mesa's Play loop from redrawing), so Mesa's own record of model parameters is
    never updated; the settings travel with the model's class instead.
    """
    settings = dict(settings)
    if mode == "guideline":
        base = GuidelineComparison

        # keyword-only: Mesa refuses model classes whose __init__ takes *args
        def __init__(self, **kwargs):
            GuidelineComparison.__init__(self, guideline, settings, rng=seed)
    else:
        base = _model_class()

        def __init__(self, scenario=None, *, rng=None, **overrides):
            base.__init__(self, _scenario(settings, seed), rng=seed)

    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__,
                                         "__module__": __name__})
