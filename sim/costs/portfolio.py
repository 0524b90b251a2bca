"""Lever portfolios: which levers a programme moves and how far, run on common seeds.

A portfolio is one move size per lever, each within the room the scenario leaves (a lever
lives in [0, 1]); levers a programme lowers (physical distance, the premium intermediaries
keep, herding) move down, the others up. Every portfolio is run on the same seeds as the
scenario without intervention (common random numbers), so its objectives are paired
differences, averaged over the seeds:

* ``upgrading``: change in the share of MSEs that made any upgrade by the end (points);
* ``income``: extra income of all MSEs over the horizon (US$);
* ``equity``: narrowing of the upgrading gap between the included and the excluded group
  (points; positive when the gap shrinks).

Its cost is the largest over the seeds (the per-MSE part varies with whom it reaches), so a
portfolio within the budget is within it on every seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.checks import check_whole_number
from sim.costs.model import COSTS, CostModel
from sim.engines import Progress, make_engine, run_columns
from sim.errors import UserInputError
from sim.scenario import ValueChainScenario, coerce_scenario
from sim.who_gains import summary

#: Objectives a portfolio is judged on (all maximised): name -> plain words and unit.
OBJECTIVES: dict[str, str] = {
    "upgrading": "change in the share of MSEs upgrading (percentage points)",
    "income": "extra income of all MSEs over the horizon (US$)",
    "equity": "narrowing of the upgrading gap, included minus excluded (percentage points)",
}
#: Levers a programme lowers rather than raises.
LOWERED: tuple[str, ...] = ("physical_distance", "intermediary_rent", "herding")
#: Width of the "lever off" zone below zero of each search variable (see
#: :meth:`Portfolios.moves`): a third of a random variable's range, so a random portfolio
#: leaves each lever alone one time in three.
OFF_ZONE = 0.5
#: The levers searched when none are named: one per guideline 1-6 instrument.
DEFAULT_LEVERS: tuple[str, ...] = (
    "credit_access",
    "ict_access",
    "bargaining_power",
    "group_support",
    "targeted_facilitation",
    "physical_distance",
)


def check_objectives(objectives: Sequence[str]) -> tuple[str, ...]:
    """Return the objectives, checked.

    Raises:
        UserInputError: None given, unknown or repeated.
    """
    out = tuple(o.strip() for o in objectives if o.strip())
    if not out:
        raise UserInputError(f"objectives: none given (allowed: {', '.join(OBJECTIVES)})")
    for o in out:
        if o not in OBJECTIVES:
            raise UserInputError(
                f"objectives: value {o!r} is not known (allowed: {', '.join(OBJECTIVES)})"
            )
    if len(set(out)) != len(out):
        raise UserInputError(f"objectives: value {','.join(out)!r} names one twice")
    return out


def check_levers(levers: Sequence[str], costs: CostModel) -> tuple[str, ...]:
    """Return the levers, checked against the cost model.

    Raises:
        UserInputError: None given, repeated, or a lever without a cost.
    """
    out = tuple(lv.strip() for lv in levers if lv.strip())
    if not out:
        raise UserInputError(f"levers: none given (allowed: {', '.join(costs.levers)})")
    for lv in out:
        costs.lever(lv)
    if len(set(out)) != len(out):
        raise UserInputError(f"levers: value {','.join(out)!r} names one twice")
    return out


@dataclass(frozen=True)
class Portfolios:
    """The portfolios of one scenario: levers, room to move, seeds and how they are judged.

    Attributes:
        scenario: The scenario without intervention.
        levers: Levers moved, in the order of a portfolio's values.
        objectives: Objectives, in the order of :meth:`evaluate`'s columns.
        seeds: Common seeds.
        steps: Months per run.
        costs: The cost model.
    """

    scenario: ValueChainScenario
    levers: tuple[str, ...]
    objectives: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    costs: CostModel = COSTS

    @property
    def lower(self) -> np.ndarray:
        """Lower bound of each search variable (see :meth:`moves`)."""
        return np.full(len(self.levers), -OFF_ZONE)

    @property
    def upper(self) -> np.ndarray:
        """Upper bound of each search variable: 1, the whole room the scenario leaves."""
        return np.ones(len(self.levers))

    def initial(self, pop_size: int, seed: int) -> np.ndarray:
        """A first generation: each lever alone, half-way, then random portfolios.

        Single-lever portfolios make sure the search starts with some a modest budget can
        pay for (every lever moved has a fixed cost).
        """
        k = len(self.levers)
        rng = np.random.default_rng(seed)
        X = rng.uniform(self.lower, self.upper, size=(pop_size, k))
        for i in range(min(k, pop_size)):
            X[i] = -OFF_ZONE
            X[i, i] = 0.5
        return X

    def _room(self, lever: str) -> float:
        value = float(getattr(self.scenario, lever))
        return value if lever in LOWERED else 1.0 - value

    def moves(self, x: Sequence[float]) -> dict[str, float]:
        """Signed lever moves of portfolio ``x``, rounded to 0.001.

        Each variable is the share of the lever's room used; at or below zero (down to
        ``-OFF_ZONE``) the lever is not moved at all, so that the search can switch a lever
        off (and save its fixed cost) as easily as it moves it.
        """
        out = {}
        for lever, u in zip(self.levers, x, strict=True):
            size = round(min(max(float(u), 0.0), 1.0) * self._room(lever), 3)
            out[lever] = -size if lever in LOWERED and size else size
        return out

    def arm(self, x: Sequence[float]) -> ValueChainScenario:
        """The scenario with portfolio ``x`` applied."""
        changes = {
            lv: round(float(getattr(self.scenario, lv)) + m, 10)
            for lv, m in self.moves(x).items()
            if m
        }
        return self.scenario.replace(**changes) if changes else self.scenario

    def key(self) -> dict[str, Any]:
        """What determines every evaluation: to check a checkpoint belongs to this search."""
        return {
            "scenario": self.scenario.to_record(),
            "levers": list(self.levers),
            "objectives": list(self.objectives),
            "seeds": list(self.seeds),
            "steps": self.steps,
            "costs": {lv: vars(c) for lv, c in self.costs.levers.items()},
            "usd_per_unit": self.costs.usd_per_unit,
        }

    def run(
        self, scenarios: Sequence[ValueChainScenario], workers: int | None, progress: bool = False
    ) -> list[list[dict]]:
        """Run each scenario on every seed; return the run summaries, per scenario."""
        tasks = [
            (s.to_record(), seed, self.steps, ("share_upgraded",), summary)
            for s in scenarios
            for seed in self.seeds
        ]
        out: list[dict] = []
        with (
            make_engine(workers=workers, n_tasks=len(tasks)) as engine,
            Progress(len(tasks), enabled=progress, desc="portfolios") as bar,
        ):
            for _, probe in engine.map(run_columns, tasks):
                out.append(probe)
                bar.update()
        n = len(self.seeds)
        return [out[i * n : (i + 1) * n] for i in range(len(scenarios))]

    def judge(
        self, x: Sequence[float], runs: list[dict], baseline: list[dict]
    ) -> tuple[np.ndarray, float]:
        """Objectives (to maximise) and cost (largest over seeds) of one portfolio's runs."""
        moves = self.moves(x)
        values = {o: [] for o in self.objectives}
        costs = []
        for new, old in zip(runs, baseline, strict=True):
            costs.append(self.costs.moves_cost(moves, new["reach"], old["reach"]))
            d_new, d_old = new["distribution"], old["distribution"]
            if "upgrading" in values:
                values["upgrading"].append(100 * (_share(d_new, "all") - _share(d_old, "all")))
            if "income" in values:
                values["income"].append(
                    self.costs.to_usd(new["horizon_income"] - old["horizon_income"])
                )
            if "equity" in values:
                values["equity"].append(100 * (_gap(d_old) - _gap(d_new)))
        return np.array([np.mean(values[o]) for o in self.objectives]), float(max(costs))


def _share(distribution, group: str) -> float:
    row = distribution[distribution["group"] == group].iloc[0]
    return float(row["share_upgraded"])


def _gap(distribution) -> float:
    return _share(distribution, "included") - _share(distribution, "excluded")


def portfolios(
    scenario: ValueChainScenario | str | Mapping | None,
    *,
    levers: Sequence[str] = DEFAULT_LEVERS,
    objectives: Sequence[str] = ("upgrading", "income", "equity"),
    seeds: int = 10,
    steps: int = 120,
    costs: CostModel = COSTS,
) -> Portfolios:
    """Return the checked :class:`Portfolios` of a scenario.

    Raises:
        UserInputError: Unknown scenario, lever or objective; seeds below 2; steps below 1.
    """
    seeds = check_whole_number(seeds, "seeds", 2)
    steps = check_whole_number(steps, "steps", 1)
    return Portfolios(
        coerce_scenario(scenario),
        check_levers(levers, costs),
        check_objectives(objectives),
        tuple(range(seeds)),
        steps,
        costs,
    )
