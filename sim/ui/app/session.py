"""What one browser tab shows: a run of a scenario, or a guideline's two arms, up to a horizon.

Plain Python (no solara): the page steps a :class:`Run` from its play loop or its Step button
and draws from :meth:`Run.series` and :meth:`Run.population`. A lock makes stepping and reading
safe from different threads (the play loop steps in its own thread while a click may read), so
no DataCollector needs patching.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.experiments.arms import DEFAULT_STEPS
from sim.links import links_and_brokers
from sim.metrics import DERIVED
from sim.model import ValueChainModel
from sim.scenario import ValueChainScenario, read_scenario_file

#: Scenario shown first: the one the workshop story starts from.
DEFAULT_SCENARIO = "kenya-avocados"

#: Months a run lasts unless the trainer says otherwise: ten years, as the experiments.
DEFAULT_HORIZON = DEFAULT_STEPS

#: Limits of the app's number fields. MSEs: the model takes up to 10 million, but a tab must
#: stay responsive on a trainer's laptop (20,000 MSEs step in about 0.1 s a month here);
#: horizon: up to 50 years; seed: what numpy's generators take as one 32-bit word, so a seed
#: can be typed, read back and reproduced with ``mse-sim run --seed``.
N_MSE_RANGE = (10, 20_000)
HORIZON_RANGE = (1, 600)
SEED_RANGE = (0, 2**32 - 1)

#: Arm names: explore mode has one run, guideline mode a baseline and an intervention.
RUN, BASELINE, INTERVENTION = "run", "baseline", "intervention"


def scenario_record(name: str) -> dict[str, Any]:
    """Return a bundled scenario's field values (and name) as a plain dict."""
    return read_scenario_file(name).scenario.to_record()


@dataclass(frozen=True)
class Settings:
    """Everything that defines a run on screen: rebuilt from month 0 when any of it changes.

    Attributes:
        scenario: Scenario field values (with ``name``).
        seed: Random seed (both arms share it in guideline mode).
        guideline: ``g1`` ... ``g7`` for guideline mode, None to explore one run.
        horizon: Months after which the run stops.
    """

    scenario: Mapping[str, Any]
    seed: int = 0
    guideline: str | None = None
    horizon: int = DEFAULT_HORIZON


class Run:
    """One run (or a guideline's two paired arms) stepped month by month up to a horizon.

    Args:
        settings: What to run.

    Raises:
        UserInputError: A setting the model rejects (the message names it).
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        # Mesa requires the model's rng and its scenario's rng to be the same
        scenario = ValueChainScenario(rng=settings.seed, **dict(settings.scenario))
        if settings.guideline is None:
            self.guideline = None
            self.arms = {RUN: ValueChainModel(scenario, rng=settings.seed)}
        else:
            if settings.guideline not in GUIDELINES:
                raise UserInputError(
                    f"guideline {settings.guideline!r}: must be one of {', '.join(GUIDELINES)}"
                )
            self.guideline = GUIDELINES[settings.guideline]
            base, new = self.guideline.arms(scenario)
            self.arms = {
                BASELINE: ValueChainModel(base, rng=settings.seed),
                INTERVENTION: ValueChainModel(new, rng=settings.seed),
            }

    @property
    def month(self) -> int:
        """Months stepped so far."""
        return next(iter(self.arms.values())).steps

    @property
    def horizon(self) -> int:
        """Month at which the run stops."""
        return self.settings.horizon

    @property
    def finished(self) -> bool:
        """True once the horizon is reached."""
        return self.month >= self.horizon

    def step(self) -> bool:
        """Advance every arm one month; return False (and do nothing) at the horizon."""
        with self._lock:
            if self.finished:
                return False
            for model in self.arms.values():
                model.step()
            return True

    def series(self, metric: str, arm: str | None = None) -> np.ndarray:
        """Return a metric's monthly values from month 0 to now (a copy).

        Args:
            metric: A reporter of :data:`sim.metrics.METRIC_INFO` or a :data:`DERIVED` metric.
            arm: ``run``, ``baseline`` or ``intervention`` (default: the first arm).
        """
        model = self.arms[arm or next(iter(self.arms))]
        with self._lock:
            if metric in DERIVED:
                sources, fn = DERIVED[metric]
                columns = [
                    np.asarray(model.datacollector.model_vars[s], dtype=float) for s in sources
                ]
                return np.asarray(fn(*columns), dtype=float)
            return np.array(model.datacollector.model_vars[metric], dtype=float)

    def value(self, metric: str, arm: str | None = None) -> float:
        """Return a metric's latest value."""
        return float(self.series(metric, arm)[-1])

    def difference(self, metric: str) -> float:
        """Return intervention minus baseline of `metric` now (guideline mode)."""
        return self.value(metric, INTERVENTION) - self.value(metric, BASELINE)

    def population(self, arm: str | None = None) -> dict[str, np.ndarray]:
        """Return copies of the MSE arrays the value-chain picture needs, read consistently."""
        model = self.arms[arm or next(iter(self.arms))]
        pop = model.population
        with self._lock:
            # The links of this month's sales with the scenario's MSE brokers (without them
            # the MSEs selling through a broker would be drawn as selling to a trader): the
            # MSEs' own choice of broker (sim.brokers), or the fixed key with it switched off.
            chosen = model.broker_choice if model.constants[0]["broker_choice"] else None
            link, broker = links_and_brokers(
                pop,
                model.scenario.mse_brokers,
                model.scenario.n_villages,
                consts=model.constants,
                chosen=chosen,
            )
            return {
                "active": np.array(pop.active, dtype=bool),
                "group": np.array(pop.group, dtype=np.int64),
                "village": np.array(pop.village),
                "upgrades": np.array(pop.upgrades, dtype=np.int64),
                "trader": np.array(pop.trader, dtype=np.int64),
                "lead_firm": np.array(pop.lead_firm, dtype=np.int64),
                "channel_weight": np.array(pop.channel_weight),
                "capacity": np.array(pop.capacity, dtype=float),
                "link": link,
                "broker": broker,
            }

    def scenario(self, arm: str | None = None) -> ValueChainScenario:
        """Return an arm's scenario."""
        return self.arms[arm or next(iter(self.arms))].scenario

    def table(self) -> pd.DataFrame:
        """Return every metric the model reports, month by month, up to now.

        One row per month from 0; in guideline mode each column is prefixed with its arm
        (``baseline.mean_income``). ``attrs`` holds the provenance (:meth:`provenance`).
        """
        with self._lock:
            frames = {arm: model.results() for arm, model in self.arms.items()}
        if self.guideline is None:
            df = frames[RUN].copy()
        else:
            df = pd.concat({arm: f for arm, f in frames.items()}, axis=1)
            df.columns = [f"{arm}.{metric}" for arm, metric in df.columns]
        df.insert(0, "month", np.arange(len(df)))
        df.attrs = self.provenance()
        return df

    def provenance(self) -> dict[str, Any]:
        """Return what reproduces the run on screen: scenario, seed, months, arms, version."""
        out: dict[str, Any] = {
            "mse_sim_version": __version__,
            "scenario": self.settings.scenario.get("name", ""),
            "seed": self.settings.seed,
            "months_run": self.month,
            "horizon": self.horizon,
        }
        if self.guideline is None:
            out["fields"] = self.scenario().to_record()
        else:
            out["guideline"] = self.guideline.id
            out["baseline_fields"] = self.scenario(BASELINE).to_record()
            out["intervention_fields"] = self.scenario(INTERVENTION).to_record()
        return out


class FieldProblem(UserInputError):
    """A number field's text that cannot be used.

    Attributes:
        kind: ``not_whole`` (not a whole number), ``too_small`` or ``too_large``.
        text: What was typed.
        low, high: The allowed range.
    """

    def __init__(self, kind: str, text: str, low: int, high: int, what: str):
        self.kind, self.text, self.low, self.high = kind, text, low, high
        detail = "is not a whole number" if kind == "not_whole" else f"is outside {low}-{high}"
        super().__init__(f"{what}: {text!r} {detail}")


def parse_whole_number(text: str, low: int, high: int, what: str = "value") -> int:
    """Read a number field: a whole number from `low` to `high`.

    Thousands separators (``,`` ``.`` ``_`` and spaces, as typed in any of the app's
    languages) are accepted, so ``10,000``, ``10.000`` and ``10 000`` all read as ten thousand.

    Raises:
        FieldProblem: Not a whole number, or outside the range.
    """
    cleaned = re.sub(r"[,_\s\u202f\xa0]", "", str(text).strip())
    if "." in cleaned and all(len(p) == 3 for p in cleaned.split(".")[1:]):
        cleaned = cleaned.replace(".", "")
    if not re.fullmatch(r"-?\d{1,30}", cleaned):
        raise FieldProblem("not_whole", str(text), low, high, what)
    value = int(cleaned)
    if value < low:
        raise FieldProblem("too_small", str(text), low, high, what)
    if value > high:
        raise FieldProblem("too_large", str(text), low, high, what)
    return value
