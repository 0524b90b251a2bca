"""EMA Workbench adapter: the value-chain model as an exploratory-modelling model.

:func:`model` wraps :func:`sim.run` in an `EMA Workbench <https://emaworkbench.readthedocs.io>`_
``ReplicatorModel``, in EMA's own words: the scenario fields EMA samples are its
*uncertainties*, those a policy sets are its *levers*, the metrics are its *outcomes*. (Any
scenario lever, :data:`sim.scenario.LEVERS`, may play either EMA role.) Every experiment is run
once per seed, with the outcomes averaged over the seeds. The result works directly with
``perform_experiments``, PRIM, feature scoring and ``optimize``::

    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import feature_scoring

    import sim.ema

    m = sim.ema.model("baseline", uncertainties=["credit_access", "competition", "education"],
                      outcomes=["share_upgraded@120", "mean_income@last12"],
                      steps=120, replications=4, seed=1)
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=64)
    print(feature_scoring.get_feature_scores_all(experiments, outcomes))

Outcome specifications (``metric`` is one of :data:`sim.metrics.METRICS`):

================== ======================= ====================================================
spec               EMA outcome name        value (mean over the replications)
================== ======================= ====================================================
``metric``         ``metric``              the metric at the last step
``metric@N``       ``metric_at_N``         the metric at step ``N`` (month ``N``)
``metric@lastK``   ``metric_lastK``        the mean of the metric over the last ``K`` steps
``metric@series``  ``metric_series``       the whole series, steps 0 to ``steps`` (a
                                           ``TimeSeriesOutcome`` of ``steps + 1`` values)
================== ======================= ====================================================

EMA Workbench is an optional dependency: ``pip install 'mse-upgrading[ema]'``. It is imported
when :func:`model` is called, never when :mod:`sim` is imported. Tested with EMA Workbench
2.5.3 and 3.0.0. Things EMA does that surprise:

- A run that raises is re-raised as ``EMAError``, which derives from ``BaseException``:
  ``except Exception`` does not catch it.
- EMA 3.0 ``optimize`` needs ``filename=`` and ``directory=`` (where it archives results), and
  with ``searchover="levers"`` it fails ("Parameters exist in both ...") unless the model has
  at least one uncertainty as well as its ``levers``.
- The replication seeds are the same for every experiment (common random numbers), so
  differences between experiments come from the fields, not from seed noise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

from sim.checks import check_whole_number, did_you_mean, is_whole_number
from sim.errors import UserInputError, import_extra
from sim.metrics import METRICS, SUMMARY_METRICS
from sim.model import run
from sim.scenario import (
    LEVERS,
    ValueChainScenario,
    coerce_scenario,
    input_spec,
    validate_input,
)

__all__ = ["OutcomeSpec", "model", "parse_outcome", "seeds"]

_SOURCE = "sim.ema bounds"
_KINDS = {"info": 0, "maximize": 1, "max": 1, "minimize": -1, "min": -1}


def _ema():
    """Import EMA Workbench, or say which extra installs it."""
    # EMA warns on import when the optional ipyparallel is missing; we do not use it.
    return import_extra("ema_workbench", "ema", "sim.ema", quiet="ipyparallel not installed")


@dataclass(frozen=True)
class OutcomeSpec:
    """One parsed outcome specification.

    Attributes:
        spec: The specification as written, e.g. ``"share_upgraded@120"``.
        name: The EMA outcome name (a Python identifier), e.g. ``"share_upgraded_at_120"``.
        metric: The metric, one of :data:`sim.metrics.METRICS`.
        mode: ``"step"`` (value at one step), ``"last"`` (mean over the last steps) or
            ``"series"`` (the whole series).
        n: The step for ``"step"``, the number of steps for ``"last"``; None for the last step
            or a series.

    Examples:
        >>> import sim
        >>> from sim.ema import parse_outcome
        >>> outcome = parse_outcome("mean_income", steps=12)   # an OutcomeSpec
        >>> value = outcome.value(sim.run("baseline", steps=12, rng=1, n_mse=100))
        >>> isinstance(value, float)
        True
    """

    spec: str
    name: str
    metric: str
    mode: str
    n: int | None = None

    def value(self, df: pd.DataFrame) -> float | np.ndarray:
        """Extract this outcome from one run's results.

        Args:
            df: The DataFrame returned by :func:`sim.run`.

        Returns:
            A float, or a 1-D array for a series.
        """
        column = df[self.metric].to_numpy(dtype=float)
        if self.mode == "series":
            return column
        if self.mode == "last":
            assert self.n is not None  # parse_outcome gives "last" a count
            return float(column[-self.n :].mean())
        return float(column[-1] if self.n is None else column[self.n])


def parse_outcome(spec: str, steps: int) -> OutcomeSpec:
    """Parse an outcome specification such as ``"share_upgraded@120"``.

    Args:
        spec: ``metric``, ``metric@N``, ``metric@lastK`` or ``metric@series``.
        steps: Months each run lasts; steps named by the spec must lie within it.

    Returns:
        The parsed specification.

    Raises:
        UserInputError: Unknown metric, malformed spec or a step beyond ``steps``.

    Examples:
        >>> from sim.ema import parse_outcome
        >>> parse_outcome("share_upgraded@60", steps=120)
        OutcomeSpec(spec='share_upgraded@60', name='share_upgraded_at_60',
                    metric='share_upgraded', mode='step', n=60)
    """
    if not isinstance(spec, str):
        raise UserInputError(f"outcome {spec!r} is not text such as 'share_upgraded@120'")
    metric, sep, when = spec.partition("@")
    if metric not in METRICS:
        did = did_you_mean(metric, METRICS)
        raise UserInputError(
            f"outcome {spec!r}: unknown metric '{metric}'{did} (known: {', '.join(METRICS)})"
        )
    if not sep:
        return OutcomeSpec(spec, metric, metric, "step")
    if when == "series":
        return OutcomeSpec(spec, f"{metric}_series", metric, "series")
    if m := re.fullmatch(r"last(\d+)", when):
        k = int(m.group(1))
        if not 1 <= k <= steps + 1:
            raise UserInputError(
                f"outcome {spec!r}: last {k} steps is not a whole number from 1 to "
                f"{steps + 1} (runs have steps 0 to {steps})"
            )
        return OutcomeSpec(spec, f"{metric}_last{k}", metric, "last", k)
    if re.fullmatch(r"\d+", when):
        n = int(when)
        if n > steps:
            raise UserInputError(
                f"outcome {spec!r}: step {n} is not a whole number from 0 to {steps} "
                f"(runs last {steps} steps; raise steps= or pick an earlier step)"
            )
        return OutcomeSpec(spec, f"{metric}_at_{n}", metric, "step", n)
    raise UserInputError(
        f"outcome {spec!r}: '@{when}' is not a step ('@120'), 'last' and a number of steps "
        "('@last12') or '@series'"
    )


def _bounds(name: str, bounds: Any) -> tuple[float | int, float | int]:
    """Return the validated ``(low, high)`` for one field (the field's range if None)."""
    spec = input_spec(name)  # a field, or a calibration constant (or one element of one)
    if bounds is None:
        return spec.low, spec.high
    if isinstance(bounds, str) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        raise UserInputError(
            f"field '{name}' in {_SOURCE}: {bounds!r} is not a pair (low, high) of {spec.allowed}"
        )
    low, high = (validate_input(name, b, _SOURCE) for b in bounds)
    if not low < high:
        raise UserInputError(
            f"field '{name}' in {_SOURCE}: low {low!r} is not below high {high!r} "
            f"(bounds must be {spec.allowed}, low < high)"
        )
    return low, high


def _parameters(ema: Any, fields: Any, role: str) -> list:
    """Turn a list of names or a mapping name -> bounds|None into EMA parameters."""
    if fields is None:
        return []
    if isinstance(fields, str):
        fields = [fields]
    if not isinstance(fields, Mapping):
        if not isinstance(fields, Sequence):
            raise UserInputError(
                f"{role}: {fields!r} is not a list of field names or a dict of "
                "field name -> (low, high)"
            )
        fields = dict.fromkeys(fields)
    out = []
    for name, bounds in fields.items():
        if not isinstance(name, str):
            raise UserInputError(f"{role}: field name {name!r} is not text")
        low, high = _bounds(name, bounds)
        if input_spec(name).kind is int:
            out.append(ema.IntegerParameter(name, int(low), int(high)))
        else:
            out.append(ema.RealParameter(name, float(low), float(high)))
    return out


def seeds(replications: int | Sequence[int], seed: int | None = 0) -> list[int]:
    """Return the seeds of the replications, drawn reproducibly from ``seed``.

    Args:
        replications: Number of replications, or the seeds themselves.
        seed: Root seed; the same root gives the same seeds.

    Returns:
        One distinct seed per replication.

    Raises:
        UserInputError: Fewer than one replication, or seeds that are not distinct whole numbers.

    Examples:
        >>> from sim.ema import seeds
        >>> seeds([5, 6]), len(seeds(3)), seeds(3) == seeds(3)
        ([5, 6], 3, True)
    """
    if isinstance(replications, bool) or is_whole_number(replications):
        replications = check_whole_number(replications, "replications", 1)
        state = np.random.SeedSequence(seed).generate_state(int(replications), dtype=np.uint64)
        out = [int(s) for s in state]
    else:
        out = list(cast("Sequence[int]", replications))  # not a whole number: a list
        if not out or not all(is_whole_number(s) and s >= 0 for s in out):
            raise UserInputError(
                f"replications: {replications!r} is not a whole number or a list of seeds "
                "(whole numbers of 0 or more)"
            )
        out = [int(s) for s in out]
    if len(set(out)) != len(out):
        raise UserInputError(f"replications: seeds {out} are not distinct")
    return out


@dataclass(frozen=True)
class _Runner:
    """The callable EMA runs: one seed, some field values -> outcome values (picklable)."""

    scenario: dict[str, Any]
    steps: int
    outcomes: tuple[OutcomeSpec, ...]

    def __call__(self, seed: int, **fields: Any) -> dict[str, Any]:
        clean: dict[str, Any] = {
            k: (int(v) if input_spec(k).kind is int else float(v)) for k, v in fields.items()
        }
        df = run(self.scenario, steps=self.steps, rng=seed, **clean)
        return {o.name: o.value(df) for o in self.outcomes}


def model(
    scenario: ValueChainScenario | str | Mapping[str, Any] | None = None,
    uncertainties: Sequence[str] | Mapping[str, tuple[float, float] | None] | None = None,
    outcomes: Sequence[str] | Mapping[str, str] | None = None,
    *,
    levers: Sequence[str] | Mapping[str, tuple[float, float] | None] | None = None,
    steps: int = 120,
    replications: int | Sequence[int] = 2,
    seed: int | None = 0,
    name: str = "mseupgrading",
) -> Any:
    """Build an EMA Workbench model of the value chain.

    Args:
        scenario: The base scenario (a scenario, bundled name, TOML path or dict of fields);
            fields not sampled keep its values.
        uncertainties: Scenario fields EMA samples (its *uncertainties*): a list of names
            (bounds: the field's allowed range, see :data:`sim.scenario.FIELDS`; calibration
            constants, or one element of a vector as ``base_cost.process``, may be named too,
            see :mod:`sim.constants`) or a dict of name -> ``(low, high)`` or None. Float
            fields become ``RealParameter``, whole-number fields ``IntegerParameter``.
            Default: every scenario lever (float field) over [0, 1].
        outcomes: Outcome specs (see the module docstring), or a dict of spec -> direction
            (``"maximize"``, ``"minimize"`` or ``"info"``) for ``optimize``. Default: the
            summary metrics at the last step.
        levers: Scenario fields a policy sets (EMA's *levers*): sampled by
            ``perform_experiments(model, scenarios, policies)`` and searched by
            ``optimize(searchover="levers")``. Same forms as ``uncertainties``; none by
            default.
        steps: Months each run lasts.
        replications: Runs per experiment (each with its own seed), or the list of seeds.
            Every experiment uses the same seeds (common random numbers).
        seed: Root seed the replication seeds are drawn from.
        name: EMA model name: letters and digits, starting with a letter.

    Returns:
        An ``ema_workbench.ReplicatorModel``. Scalar outcomes are ``ScalarOutcome`` objects,
        series ``TimeSeriesOutcome`` objects, each the mean over the replications.

    Raises:
        MissingExtraError: EMA Workbench is not installed.
        UserInputError: Unknown field or metric, bounds outside a field's range, a field both
            sampled and set by a policy, or bad ``steps``/``replications``.

    Examples:
        >>> import sim.ema
        >>> model = sim.ema.model("baseline", uncertainties={"credit_access": (0.0, 1.0)},
        ...                       outcomes=["share_upgraded"], steps=12, replications=2)
        >>> [u.name for u in model.uncertainties], [o.name for o in model.outcomes]
        (['credit_access'], ['share_upgraded'])
    """
    ema = _ema()
    steps = check_whole_number(steps, "steps", 0)
    if not isinstance(name, str) or not (name.isidentifier() and name.isalnum()):
        raise UserInputError(
            f"name: value {name!r} is not letters and digits starting with a letter "
            "(what every EMA Workbench version accepts)"
        )
    base = coerce_scenario(scenario)

    sampled = _parameters(
        ema, list(LEVERS) if uncertainties is None else uncertainties, "uncertainties"
    )
    policy = _parameters(ema, levers, "levers")
    both = {p.name for p in sampled} & {p.name for p in policy}
    if both:
        raise UserInputError(
            f"fields {sorted(both)} are in both uncertainties and levers; give each field one role"
        )
    if not sampled and not policy:
        raise UserInputError("uncertainties and levers are both empty: give EMA a field to sample")

    if outcomes is None:
        outcomes = list(SUMMARY_METRICS)
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    directions = dict(outcomes) if isinstance(outcomes, Mapping) else dict.fromkeys(outcomes)
    if not directions:
        raise UserInputError("outcomes is empty: name at least one metric")
    parsed = [parse_outcome(spec, steps) for spec in directions]
    names = [o.name for o in parsed]
    if len(set(names)) != len(names):
        raise UserInputError(f"outcomes {list(directions)} name the same outcome twice")

    ema_outcomes = []
    mean = partial(np.mean, axis=0)  # picklable: over replications, per step for a series
    for o in parsed:
        direction = directions[o.spec] or "info"
        kind = _KINDS.get(direction) if isinstance(direction, str) else None
        if kind is None:
            raise UserInputError(
                f"outcome {o.spec!r}: direction {direction!r} is not 'maximize', 'minimize' "
                "or 'info'"
            )
        if o.mode == "series":
            if kind:
                raise UserInputError(
                    f"outcome {o.spec!r}: a series cannot be maximized or minimized; "
                    "use 'metric@N' or 'metric@lastK'"
                )
            ema_outcomes.append(ema.TimeSeriesOutcome(o.name, function=mean))
        else:
            ema_outcomes.append(ema.ScalarOutcome(o.name, kind=kind, function=mean))

    m = ema.ReplicatorModel(name, function=_Runner(base.to_record(), steps, tuple(parsed)))
    m.uncertainties = sampled
    m.levers = policy
    m.outcomes = ema_outcomes
    m.replications = [{"seed": s} for s in seeds(replications, seed)]
    return m
