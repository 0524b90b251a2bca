"""The power check: would a case's targets catch a wrong model? Wrong models, run and counted.

A target that every plausible and implausible model passes says nothing about the model. The
power check runs each case's targets against a set of deliberately **wrong models** and
reports, for each target, the share of them it rejects (fails):

* **constants at the edges of their ranges**: each constant that matters in the levels
  screening (:data:`SCREENED_CONSTANTS`, ``docs/screening.md``) set to the low and to the high
  end of its screened range: its default x 0.5 and x 1.5, inside its allowed range (the rule of
  ``experiments/sweeps/morris-constants.toml``);
* **each mechanism switched off in turn** (:data:`MECHANISMS_OFF`): the levers and constants
  that carry it set to the value at which it does nothing (every value lies in its declared
  range; the model itself is unchanged).

A wrong model's changes apply to the case and to every arm its targets compare with, after the
arm's own changes, so a mechanism switched off stays off in the *before* arm too. Every wrong
model runs on the case's seeds. The power check complements the placebo check of the targets:
placebo asks "is this target specific to this case?", power asks "would it catch a wrong
model?". A target of high power on wrong models that are not far from the right one is
informative; a target of power 0 passes whatever the model does.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from sim.constants import REGISTRY
from sim.engines import check_workers, choose_engine
from sim.errors import UserInputError
from sim.experiments.stats import check_seeds
from sim.provenance import provenance
from sim.scenario import FIELDS
from sim.validation.targets import RULES, Arm, CaseTargets, read_all_targets, targets_provenance
from sim.validation.validate import FAIL, NOT_MODELLED, PASS, run_cases

#: The constants that matter for upgrading in the levels screening (docs/screening.md: μ* at
#: least 10% of the largest and above the noise floor); ``tests/validation/test_power.py``
#: checks that this list is the page's.
SCREENED_CONSTANTS: tuple[str, ...] = (
    "mean_unit_cost",
    "base_cost.process",
    "consumption_rate",
    "price_persistence",
    "success_base",
    "max_intermediary_markup",
    "join_hazard",
    "base_cost.product",
    "subsistence",
    "product_quality_gain",
    "max_loan",
)
#: A screened range: the default times these, inside the constant's allowed range.
EDGE_FACTORS: tuple[float, float] = (0.5, 1.5)

#: Mechanisms and the levers or constants that switch each off (its name -> what it does, and
#: the values). Every value lies within its declared range.
MECHANISMS_OFF: dict[str, tuple[str, dict[str, Any]]] = {
    "bargaining": (
        "no bargaining power: the lever, collective and ICT bargaining at 0",
        {"bargaining_power": 0.0, "group_bargaining": 0.0, "ict_bargaining": 0.0},
    ),
    "producer groups": ("no MSE joins a producer group", {"join_hazard": 0.0}),
    "investment credit": ("no investment loans", {"max_loan": 0.0}),
    "working-capital credit": ("no working-capital loans", {"max_working_loan": 0.0}),
    "lead-firm recruiting": ("lead firms recruit no new suppliers", {"recruit_hazard": 0.0}),
    "embedded services": (
        "services neither cut costs, raise success, teach skill nor advance capital",
        {
            "service_cost_discount": 0.0,
            "service_success_gain": 0.0,
            "service_skill_gain": 0.0,
            "advance_share": 0.0,
        },
    ),
    "price learning": (
        "beliefs about prices never update",
        {"learning_rate": 0.0, "direct_learning_rate": 0.0},
    ),
    "demonstration": (
        "no news of options from group members or neighbours",
        {"group_hazard": 0.0, "village_hazard": 0.0},
    ),
    "quality premium": (
        "no channel pays for quality",
        {"initial_premium": [0.0, 0.0, 0.0], "premium_drift_per_year": [0.0, 0.0, 0.0]},
    ),
    "competition": (
        "competition erodes neither prices, costs nor sales",
        {"price_erosion": 0.0, "benchmark_fall": 0.0, "sales_loss_per_10pct": 0.0},
    ),
    "price risk": (
        "no price shocks or shifts",
        {
            "volatility": [0.0, 0.0, 0.0],
            "shift_volatility": [0.0, 0.0, 0.0],
            "second_chain_volatility": 0.0,
        },
    ),
    "social barrier": (
        "the excluded group faces no worse terms, news, reach, joining, credit or income",
        {
            "social_markup": 0.0,
            "social_bargaining": 0.0,
            "social_attenuation": 0.0,
            "social_isolation": 0.0,
            "social_reach_loss": 0.0,
            "support_social_loss": 0.0,
            "social_joining_loss": 0.0,
            "social_credit_penalty": 0.0,
            "social_marketing_cost": 0.0,
            "outside_social_penalty": 0.0,
        },
    ),
    "distance": (
        "distance costs nothing and loses no news, reach or speed",
        {
            "distance_cost": 0.0,
            "transport_cost": 0.0,
            "direct_transport_extra": 0.0,
            "far_trader_cost": 0.0,
            "distance_delay": 0.0,
            "distance_attenuation": 0.0,
            "distance_isolation": 0.0,
            "distance_reach_loss": 0.0,
            "support_distance_loss": 0.0,
        },
    ),
    "group cost sharing": ("group members share no upgrading costs", {"group_cost_share": 0.0}),
    "learning by doing": ("a successful upgrade teaches no skill", {"upgrade_skill_gain": 0.0}),
    "trained sales agents": ("projects train no sales agents", {"max_trained_agents": 0.0}),
    "stepping stone": (
        "upgrading first neither raises second-chain income, cuts the cost of moving nor "
        "brings news of it",
        {
            "stepping_stone_gain": 0.0,
            "stepping_stone_cost_cut": 0.0,
            "stepping_stone_hazard": [0.0, 0.0, 0.0, 0.0, 0.0],
        },
    ),
    "traders' exit": ("traders never exit", {"trader_exit_share": 0.0}),
    "transit loss": ("no loads are lost in transit", {"transit_loss_hazard": 0.0}),
    "intermediaries' markup": ("traders take no markup", {"max_intermediary_markup": 0.0}),
    "risk aversion": (
        "decisions ignore risk and liquidity",
        {"risk_aversion": 0.0, "liquidity_risk": 0.0},
    ),
}

#: Columns of a power table, in order.
COLUMNS = (
    "case",
    "id",
    "metric",
    "statistic",
    "target",
    "rule",
    "kind",
    "status",
    "n_wrong",
    "rejected",
    "power",
    "power_mean",
    "power_interval",
    "power_overlap",
    "passed_by",
)


@dataclass(frozen=True)
class WrongModel:
    """A deliberately wrong model: changes to a case and all its arms.

    Attributes:
        name: Short name, e.g. ``max_loan low`` or ``no bargaining``.
        kind: ``constant edge`` or ``mechanism off``.
        changes: Scenario fields and constants (names as in a scenario file) and their values.
        description: What is wrong with it, in words.
    """

    name: str
    kind: str
    changes: Mapping[str, Any]
    description: str


def _default(name: str) -> float:
    base, _, element = name.partition(".")
    c = REGISTRY[base]
    return c.default[c.labels.index(element)] if element else c.default


def edges(name: str) -> tuple[float, float]:
    """Return the low and high end of a constant's screened range (default x 0.5 and x 1.5)."""
    c = REGISTRY[name.partition(".")[0]]
    d = _default(name)
    low, high = (max(c.low, EDGE_FACTORS[0] * d), min(c.high, EDGE_FACTORS[1] * d))
    if c.kind == "int":
        low, high = math.ceil(low), math.floor(high)
    return low, high


def wrong_models(
    constants: Sequence[str] = SCREENED_CONSTANTS,
    mechanisms: Mapping[str, tuple[str, dict[str, Any]]] = MECHANISMS_OFF,
) -> tuple[WrongModel, ...]:
    """Return the wrong models: each constant at both edges, then each mechanism switched off."""
    out = []
    for name in constants:
        low, high = edges(name)
        default = _default(name)
        for end, value in (("low", low), ("high", high)):
            out.append(
                WrongModel(
                    f"{name} {end}",
                    "constant edge",
                    {name: value},
                    f"{name} = {value:g} (default {default:g})",
                )
            )
    for mechanism, (description, changes) in mechanisms.items():
        out.append(WrongModel(f"no {mechanism}", "mechanism off", dict(changes), description))
    return tuple(out)


def wrong_case(ct: CaseTargets, model: WrongModel) -> CaseTargets:
    """Return the case with a wrong model's changes applied to it and to every arm (last)."""
    levers = {k: v for k, v in model.changes.items() if k in FIELDS}
    scenario = ct.scenario.replace(**dict(model.changes))
    arms = {
        name: Arm(name, {**dict(arm.changes), **levers}, arm.description, arm.source)
        for name, arm in ct.arms.items()
    }
    return dataclasses.replace(ct, scenario=scenario, arms=arms)


def power(
    cases: str | os.PathLike | Sequence[str | os.PathLike] = "all",
    *,
    seeds: int | Sequence[int] = 20,
    models: Sequence[WrongModel] | None = None,
    workers: int | None = None,
    engine: str | None = None,
    scheduler: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run each case's targets against the wrong models; return each target's rejection rate.

    Args:
        cases: ``"all"``, a case name, a targets file, or a list of them.
        seeds: Seeds per case, arm and model (a count or a list; at least 2).
        models: The wrong models (default :func:`wrong_models`).
        workers: Worker processes (default: one per core). Results do not depend on it.
        engine: ``local``, ``dask`` or ``None`` (:func:`sim.engines.choose_engine`).
        scheduler: A Dask scheduler address or client (engine ``dask``).
        progress: Show progress on stderr.

    Returns:
        One row per target (columns :data:`COLUMNS`): ``status`` on the case itself,
        ``rejected`` of ``n_wrong`` wrong models failed by the target's own rule, ``power``
        their share, ``power_mean`` / ``power_interval`` / ``power_overlap`` the share by each
        rule, and ``passed_by`` the wrong models it lets through. ``attrs["models"]`` lists
        the wrong models; ``attrs["results"]`` has every (model, target) outcome.

    Raises:
        UserInputError: A bad case, seed list, worker count or engine, or a wrong model that
            is not a valid scenario; raised before any model runs.
    """
    chosen = read_all_targets(cases)
    seed_list = check_seeds(seeds)
    if choose_engine(engine, scheduler, workers) == "local":
        check_workers(workers)
    models = tuple(wrong_models() if models is None else models)
    if not models:
        raise UserInputError("power: no wrong models given")
    variants = [ct for ct in chosen]
    labels = ["right model"] * len(chosen)
    for model in models:
        for ct in chosen:
            try:
                variants.append(wrong_case(ct, model))
            except UserInputError as exc:
                raise UserInputError(f"wrong model '{model.name}': {exc}") from None
            labels.append(model.name)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    table = run_cases(
        variants,
        seed_list,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
        desc="power",
    )
    sizes = [len(ct.targets) for ct in variants]
    table["model"] = [label for label, n in zip(labels, sizes, strict=True) for _ in range(n)]
    out = summarize(table, chosen, models)
    out.attrs = {
        "study": "power",
        "cases": [ct.case for ct in chosen],
        "seeds": list(seed_list),
        "models": [dataclasses.asdict(m) for m in models],
        "created": created,
        "results": table[["model", "case", "id", "mean", "ci_low", "ci_high", "status"]].to_dict(
            "records"
        ),
        **targets_provenance(chosen),
        **provenance(),
    }
    return out


def summarize(
    table: pd.DataFrame, cases: Sequence[CaseTargets], models: Sequence[WrongModel]
) -> pd.DataFrame:
    """Return the power table from every (model, target) row of :func:`run_cases`."""
    rows = []
    right = table[table["model"] == "right model"]
    wrong = table[table["model"] != "right model"]
    for ct in cases:
        for target in ct.targets:
            own = right[(right["case"] == ct.case) & (right["id"] == target.id)].iloc[0]
            mine = wrong[(wrong["case"] == ct.case) & (wrong["id"] == target.id)]
            row = {
                "case": ct.case,
                "id": target.id,
                "metric": target.metric,
                "statistic": target.statistic,
                "target": target.bounds_text(),
                "rule": target.rule,
                "kind": target.kind,
                "status": own["status"],
                "n_wrong": len(mine),
            }
            if own["status"] == NOT_MODELLED:
                rows.append({**row, "rejected": 0, "power": math.nan, "passed_by": ""})
                continue
            for rule in RULES:
                fails = [
                    not target.passes(m, lo, hi, rule)
                    for m, lo, hi in zip(mine["mean"], mine["ci_low"], mine["ci_high"], strict=True)
                ]
                row[f"power_{rule}"] = float(sum(fails) / len(fails)) if fails else math.nan
            failed = mine["status"] == FAIL
            row["rejected"] = int(failed.sum())
            row["power"] = float(failed.mean()) if len(mine) else math.nan
            row["passed_by"] = ", ".join(mine.loc[mine["status"] == PASS, "model"])
            rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))
