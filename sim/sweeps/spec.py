"""Sweep specs: a TOML file, validated, normalised and fingerprinted.

A spec names the base scenario, the design method (a grid, or an LHS / Sobol / Morris sample
of parameter bounds drawn with SALib), the swept parameters, replicates per design point, the
master seed and the outputs (metrics at steps). See ``docs/sweeps.md`` for every key.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.checks import did_you_mean, is_real_number, is_whole_number
from sim.constants import flatten, is_constant, validate_constant
from sim.constants import names as constant_names
from sim.errors import UserInputError
from sim.io import read_toml, stable_hash
from sim.metrics import METRICS
from sim.scenario import (
    FIELDS,
    LEVERS,
    FieldSpec,
    ScenarioError,
    ValueChainScenario,
    coerce_scenario,
    input_spec,
    validate_input,
    validate_value,
)
from sim.sweeps.effects import EffectSpec, build_effect, effect_column
from sim.who_gains import WHO_GAINS_COLUMNS

#: The designs a sweep spec may ask for (``method = ...``).
METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
SAMPLED_METHODS: tuple[str, ...] = ("lhs", "sobol", "morris")

#: Keys of the ``[sweep]`` table and their defaults (``None``: required or derived).
SWEEP_KEYS: dict[str, Any] = {
    "scenario": "baseline",
    "steps": 120,
    "replicates": 10,
    "seed": 12345,
    "method": "grid",
    "samples": 256,
    "outputs": ["share_upgraded", "share_product", "mean_income"],
    "at_steps": None,  # default: [steps]
    "second_order": False,  # sobol: also sample for second-order indices (S2)
    "levels": 4,  # morris: number of grid levels of each trajectory
    "chunk_size": None,  # runs per task; default sized from the cost of a run
    "who_gains": False,  # also record who gains at the last step (sim.who_gains)
    "crn": False,  # common random numbers: the same seeds at every design point
}
TOP_KEYS: tuple[str, ...] = ("sweep", "parameters", "fixed", "effects")

#: Largest number of steps a sweep accepts (ten centuries of months is plenty).
MAX_STEPS = 12_000
#: Column names of the per-run identification, in front of parameters and outputs.
ID_COLUMNS: tuple[str, ...] = ("run_id", "point_id", "replicate", "seed")


class SweepSpecError(UserInputError):
    """A sweep spec that cannot be run: unknown key, bad value, or a bad parameter range.

    Examples:
        >>> from sim.sweeps import SweepSpecError, read_spec
        >>> try:
        ...     read_spec({"sweep": {"method": "magic"}})
        ... except SweepSpecError as error:
        ...     print(error)
        [sweep] method = 'magic': unknown method (allowed: grid, lhs, sobol, morris)
    """


@dataclass(frozen=True)
class ParameterRange:
    """One swept scenario field: grid values, or bounds for a sampled design.

    Attributes:
        name: Scenario field name.
        values: Grid values (``None`` for sampled designs).
        low: Lower bound (sampled designs).
        high: Upper bound (sampled designs).

    Examples:
        >>> from sim.sweeps import ParameterRange
        >>> ParameterRange("credit_access", low=0.0, high=1.0)   # bounds, for a sampled design
        ParameterRange(name='credit_access', values=None, low=0.0, high=1.0)
    """

    name: str
    values: tuple[float | int, ...] | None = None
    low: float | None = None
    high: float | None = None

    def to_json(self) -> Any:
        """Return the range as plain JSON: a list of values or ``{low, high}``."""
        if self.values is not None:
            return list(self.values)
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec (see ``docs/sweeps.md`` for every key).

    Attributes:
        scenario: The base scenario, with ``[fixed]`` values applied.
        steps: Months simulated per run.
        replicates: Seeds per design point.
        seed: Master seed.
        method: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        samples: Base sample size for sampled designs.
        outputs: Metric names recorded.
        at_steps: Steps at which the outputs are recorded.
        parameters: Swept fields, in spec order.
        second_order: Sobol only: sample for second-order indices too.
        who_gains: Also record who gains at the last step: upgrading and income by group and
            the margin shares (``sim.who_gains.WHO_GAINS_COLUMNS``).
        levels: Morris only: number of levels.
        crn: Common random numbers: replicate ``r`` has the same seed at every design point,
            so differences between points are paired (``docs/sweeps.md``).
        effects: Effects recorded at every design point (:mod:`sim.sweeps.effects`).
        chunk_size: Runs per task, or ``None`` for automatic.
        source: Where the spec came from (for messages and the manifest).
        raw: The spec as given (JSON-able), kept in the manifest.

    Examples:
        >>> from sim.sweeps import read_spec
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> spec = read_spec(spec)   # a SweepSpec
        >>> spec.replicates, spec.outputs
        (2, ('share_upgraded',))
    """

    scenario: ValueChainScenario
    steps: int
    replicates: int
    seed: int
    method: str
    samples: int
    outputs: tuple[str, ...]
    at_steps: tuple[int, ...]
    parameters: tuple[ParameterRange, ...]
    second_order: bool = False
    who_gains: bool = False
    levels: int = 4
    crn: bool = False
    effects: tuple[EffectSpec, ...] = ()
    chunk_size: int | None = None
    source: str = "<dict>"
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the swept parameters."""
        return tuple(p.name for p in self.parameters)

    @property
    def output_columns(self) -> tuple[str, ...]:
        """Result columns: ``metric@step`` for every output and step, then who gains."""
        columns = tuple(output_column(m, s) for m in self.outputs for s in self.at_steps)
        effects = tuple(
            effect_column(e.name, m, s)
            for e in self.effects
            for m in e.metrics
            for s in self.at_steps
        )
        return columns + (WHO_GAINS_COLUMNS if self.who_gains else ()) + effects

    def normalized(self) -> dict[str, Any]:
        """Return everything that determines the results, as plain JSON.

        Two specs with equal normalized forms produce identical stores; ``chunk_size`` and the
        spec's location are left out because they do not change any result. Every scenario
        field is here, neutral ones included (the manifest records them); the fingerprint
        leaves out the neutral ones (:meth:`fingerprint`).
        """
        return {
            "scenario": self.scenario.to_record(),
            "steps": self.steps,
            "replicates": self.replicates,
            "seed": self.seed,
            "method": self.method,
            "samples": self.samples if self.method in SAMPLED_METHODS else None,
            "second_order": self.second_order if self.method == "sobol" else None,
            "levels": self.levels if self.method == "morris" else None,
            "outputs": list(self.outputs),
            "at_steps": list(self.at_steps),
            "parameters": {p.name: p.to_json() for p in self.parameters},
            # Only when asked for, so that stores written before these keys keep their
            # fingerprint and resume.
            **({"who_gains": True} if self.who_gains else {}),
            **({"crn": True} if self.crn else {}),
            **({"effects": {e.name: e.to_json() for e in self.effects}} if self.effects else {}),
        }

    def fingerprint(self) -> str:
        """Return a hash of :meth:`normalized`: equal fingerprints mean the same sweep.

        Scenario fields added after stores were written are left out of the hash while they
        hold their neutral value (:data:`NEUTRAL_FIELDS`): at that value the model runs as it
        did before the field existed, so those stores keep their fingerprint and resume.
        """
        return stable_hash(fingerprint_body(self.normalized()), 32)

    def neutral_fields(self) -> dict[str, Any]:
        """Return the fields the fingerprint leaves out here: neutral, recorded as such."""
        record = self.scenario.to_record()
        return {
            name: value
            for name, value in NEUTRAL_FIELDS.items()
            if name in record and record[name] == value
        }


#: Scenario fields added after sweep stores (and docs/screening.md) were written, with the
#: value at which the model runs exactly as before the field existed: at that value the field
#: is left out of the fingerprint, so those stores keep theirs and resume. The manifest
#: records the field and its value all the same (``neutral_fields``).
NEUTRAL_FIELDS: dict[str, Any] = {"agent_training": 0.0}


def fingerprint_body(normalized: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalized spec without its neutral fields: what the fingerprint hashes."""
    body = dict(normalized)
    scenario = dict(body["scenario"])
    for name, neutral in NEUTRAL_FIELDS.items():
        if scenario.get(name) == neutral:
            del scenario[name]
    body["scenario"] = scenario
    return body


def output_column(metric: str, step: int) -> str:
    """Name of the result column holding ``metric`` at ``step`` (e.g. ``share_upgraded@120``).

    Examples:
        >>> from sim.sweeps import output_column
        >>> output_column("share_upgraded", 120)
        'share_upgraded@120'
    """
    return f"{metric}@{step}"


def known_metrics() -> tuple[str, ...]:
    """Return the metric names a sweep can record (the model's ``METRICS``)."""
    return tuple(m for m in METRICS if m != "step")


def parameter_spec(name: str) -> FieldSpec:
    """The range and kind of a sweepable name (:func:`sim.scenario.input_spec`).

    Raises:
        SweepSpecError: Unknown name, or a whole vector constant.
    """
    try:
        return input_spec(name)
    except ScenarioError as exc:
        raise SweepSpecError(str(exc)) from None


def _check_value(name: str, value: Any, where: str) -> float | int:
    """Validate one value of a field or constant (element) and return it."""
    if isinstance(value, list | tuple) and is_constant(name) and name not in FIELDS:
        return validate_constant(name, value, where)[1]  # a whole vector in [fixed]
    return validate_input(name, value, where)


def _int_key(sweep: Mapping[str, Any], key: str, low: int, high: int, where: str) -> int:
    value = sweep.get(key, SWEEP_KEYS[key])
    if not is_whole_number(value) or not low <= value <= high:
        raise SweepSpecError(
            f"[sweep] {key} = {value!r}{where}: must be a whole number from {low} to {high}"
        )
    return value


def read_spec(spec: str | os.PathLike | Mapping[str, Any]) -> SweepSpec:
    """Read and validate a sweep spec before anything runs.

    Args:
        spec: Path to a TOML file, or a dict with the same tables (``sweep``, ``parameters``,
            optionally ``fixed``).

    Returns:
        The validated :class:`SweepSpec`.

    Raises:
        SweepSpecError: An unknown key or parameter, a value of the wrong type or out of range,
            an unknown method or output, a grid with bounds, or bounds outside a field's range.
            The message names the key, the value and what is allowed.
        ScenarioError: The base scenario cannot be loaded.

    Examples:
        >>> from sim.sweeps import read_spec
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> checked = read_spec(spec)
        >>> checked.method, checked.steps, checked.parameters[0].values
        ('grid', 12, (0.2, 0.8))
    """
    base_dir: Path | None = None
    if isinstance(spec, Mapping):
        data = json.loads(json.dumps(spec, default=str))
        source = "<dict>"
    else:
        path = Path(spec)
        source = str(path)
        if not path.is_file():
            raise SweepSpecError(f"sweep spec '{path}' does not exist")
        data = read_toml(path, "sweep spec", SweepSpecError)
        base_dir = path.resolve().parent
    where = "" if source == "<dict>" else f" in {source}"
    for key in data:
        if key not in TOP_KEYS:
            raise SweepSpecError(
                f"unknown table '{key}'{where}{did_you_mean(key, TOP_KEYS)} "
                f"(allowed: {', '.join(TOP_KEYS)})"
            )
    sweep = data.get("sweep", {})
    params = data.get("parameters", {})
    fixed = data.get("fixed", {})
    for name, table in (("sweep", sweep), ("parameters", params), ("fixed", fixed)):
        if not isinstance(table, Mapping):
            raise SweepSpecError(f"'{name}'{where} must be a table, got {table!r}")
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise SweepSpecError(
                f"unknown key '{key}' in [sweep]{where}{did_you_mean(key, SWEEP_KEYS)} "
                f"(allowed: {', '.join(SWEEP_KEYS)})"
            )

    method = sweep.get("method", SWEEP_KEYS["method"])
    if method not in METHODS:
        raise SweepSpecError(
            f"[sweep] method = {method!r}{where}: unknown method (allowed: {', '.join(METHODS)})"
        )
    steps = _int_key(sweep, "steps", 1, MAX_STEPS, where)
    replicates = _int_key(sweep, "replicates", 1, 1_000_000, where)
    seed = _int_key(sweep, "seed", 0, 2**63 - 1, where)
    samples = _int_key(sweep, "samples", 1, 10_000_000, where)
    levels = _int_key(sweep, "levels", 2, 1000, where)
    chunk_size = sweep.get("chunk_size")
    if chunk_size is not None:
        chunk_size = _int_key(sweep, "chunk_size", 1, 10_000_000, where)
    second_order = sweep.get("second_order", False)
    if not isinstance(second_order, bool):
        raise SweepSpecError(
            f"[sweep] second_order = {second_order!r}{where}: must be true or false"
        )
    who_gains = sweep.get("who_gains", False)
    if not isinstance(who_gains, bool):
        raise SweepSpecError(f"[sweep] who_gains = {who_gains!r}{where}: must be true or false")
    crn = sweep.get("crn", False)
    if not isinstance(crn, bool):
        raise SweepSpecError(f"[sweep] crn = {crn!r}{where}: must be true or false")
    if method == "sobol" and samples & (samples - 1):
        lower = 1 << (samples.bit_length() - 1)
        raise SweepSpecError(
            f"[sweep] samples = {samples}{where}: Sobol' samples must be a power of two "
            f"(e.g. {lower} or {lower * 2}) to keep the sequence balanced"
        )
    if method == "morris" and levels % 2:
        raise SweepSpecError(
            f"[sweep] levels = {levels}{where}: Morris needs an even number of levels"
        )

    outputs = sweep.get("outputs", SWEEP_KEYS["outputs"])
    metrics = known_metrics()
    if outputs == "all":
        outputs = list(metrics)
    if not isinstance(outputs, list) or not outputs:
        raise SweepSpecError(
            f"[sweep] outputs = {outputs!r}{where}: must be a non-empty list of metric names "
            f'or "all" (metrics: {", ".join(metrics)})'
        )
    for name in outputs:
        if name not in metrics:
            raise SweepSpecError(
                f"[sweep] outputs{where}: unknown metric {name!r}"
                f"{did_you_mean(str(name), metrics)} "
                f"(metrics: {', '.join(metrics)})"
            )
    if len(set(outputs)) != len(outputs):
        raise SweepSpecError(f"[sweep] outputs = {outputs!r}{where}: a metric is listed twice")

    at_steps = sweep.get("at_steps")
    if at_steps is None:
        at_steps = [steps]
    elif at_steps == "all":
        at_steps = list(range(steps + 1))
    if not isinstance(at_steps, list) or not at_steps:
        raise SweepSpecError(
            f"[sweep] at_steps = {at_steps!r}{where}: must be a list of steps from 0 to "
            f'{steps} or "all"'
        )
    for step in at_steps:
        if not is_whole_number(step) or not 0 <= step <= steps:
            raise SweepSpecError(
                f"[sweep] at_steps{where}: step {step!r} is not a whole number from 0 to "
                f"steps = {steps}"
            )
    at_steps = sorted(set(at_steps))

    scenario_ref = sweep.get("scenario", SWEEP_KEYS["scenario"])
    if not isinstance(scenario_ref, str):
        raise SweepSpecError(
            f"[sweep] scenario = {scenario_ref!r}{where}: must be a bundled scenario name "
            "or a path to a .toml file"
        )
    if base_dir is not None and ("/" in scenario_ref or scenario_ref.endswith(".toml")):
        # A relative path in a spec file means relative to the spec, not to the cwd.
        candidate = base_dir / scenario_ref
        if candidate.is_file():
            scenario_ref = str(candidate)
    fixed, params = flatten(fixed), flatten(params)
    fixed_values = {}
    for name, value in fixed.items():
        if name == "name":
            raise SweepSpecError(f"[fixed] name{where}: the scenario name cannot be changed")
        if name not in FIELDS and is_constant(name):
            fixed_values[name] = _check_value(name, value, f"[fixed]{where}")
        else:
            fixed_values[name] = validate_value(name, value, f"[fixed]{where}")
    scenario = coerce_scenario(scenario_ref, fixed_values)

    if not params:
        raise SweepSpecError(
            f"[parameters]{where} is empty: give at least one scenario field to vary "
            f"(levers: {', '.join(LEVERS)})"
        )
    ranges = []
    for name, value in params.items():
        if name not in FIELDS and not is_constant(name):
            raise SweepSpecError(
                f"[parameters]{where}: unknown parameter '{name}'"
                f"{did_you_mean(name, [*FIELDS, *constant_names()])} "
                f"(scenario fields: {', '.join(FIELDS)}; or a calibration constant, see "
                "`mse-sim constants`)"
            )
        if name in fixed_values:
            raise SweepSpecError(
                f"[parameters] {name}{where}: also set in [fixed]; a field is swept or fixed"
            )
        ranges.append(_parameter_range(name, value, method, where))
    effects = _effects(data.get("effects", {}), outputs, where)
    return SweepSpec(
        scenario=scenario,
        steps=steps,
        replicates=replicates,
        seed=seed,
        method=method,
        samples=samples,
        outputs=tuple(outputs),
        at_steps=tuple(at_steps),
        parameters=tuple(ranges),
        second_order=second_order,
        who_gains=who_gains,
        levels=levels,
        crn=crn,
        effects=effects,
        chunk_size=chunk_size,
        source=source,
        raw=data,
    )


def _effects(raw: Any, outputs: list[str], where: str) -> tuple[EffectSpec, ...]:
    """Read the ``[effects.NAME]`` tables (see :mod:`sim.sweeps.effects`)."""
    if not isinstance(raw, Mapping):
        raise SweepSpecError(f"[effects]{where} must be a table of [effects.NAME] tables")
    effects = []
    for name, table in raw.items():
        key = f"[effects.{name}]{where}"
        if not name or "/" in name or "@" in name:
            raise SweepSpecError(f"{key}: an effect's name may not be empty or hold '/' or '@'")
        if not isinstance(table, Mapping):
            raise SweepSpecError(f'{key} must be a table, e.g. guideline = "g4"')
        try:
            effects.append(build_effect(name, table, known_metrics(), outputs))
        except (ValueError, UserInputError) as exc:
            raise SweepSpecError(f"{key}: {exc}") from None
    return tuple(effects)


def _parameter_range(name: str, value: Any, method: str, where: str) -> ParameterRange:
    try:
        spec = parameter_spec(name)
    except SweepSpecError as exc:
        raise SweepSpecError(f"[parameters] {name}{where}: {exc}") from None
    key = f"[parameters] {name}"
    if method == "grid":
        if isinstance(value, Mapping):
            raise SweepSpecError(
                f"{key} = {dict(value)!r}{where}: method 'grid' needs a list of values, e.g. "
                f"{name} = [{spec.low}, {spec.high}] (bounds {{ low, high }} are for "
                f"{', '.join(SAMPLED_METHODS)})"
            )
        if not isinstance(value, list) or not value:
            raise SweepSpecError(
                f"{key} = {value!r}{where}: method 'grid' needs a non-empty list of values, "
                f"each {spec.allowed}"
            )
        values = tuple(_check_value(name, v, f"{key}{where}") for v in value)
        if len(set(values)) != len(values):
            raise SweepSpecError(f"{key} = {value!r}{where}: a value is listed twice")
        return ParameterRange(name, values=values)
    if spec.kind is not float:
        raise SweepSpecError(
            f"{key}{where}: '{name}' is a whole number; method '{method}' samples real "
            f"numbers only (vary {name} with method 'grid', or put it in [fixed])"
        )
    if not isinstance(value, Mapping) or set(value) != {"low", "high"}:
        raise SweepSpecError(
            f"{key} = {value!r}{where}: method '{method}' needs bounds "
            f"{{ low = ..., high = ... }} within {spec.low} to {spec.high}"
        )
    low, high = value["low"], value["high"]
    for bound, number in (("low", low), ("high", high)):
        if not is_real_number(number) or math.isnan(number):
            raise SweepSpecError(f"{key}.{bound} = {number!r}{where}: must be a number")
        if not spec.low <= number <= spec.high:
            raise SweepSpecError(
                f"{key}.{bound} = {number!r}{where}: outside the range of '{name}' ({spec.allowed})"
            )
    if not low < high:
        raise SweepSpecError(f"{key} = {dict(value)!r}{where}: low must be below high")
    return ParameterRange(name, low=float(low), high=float(high))
