"""What a calibration fits: the free parameters (levers or constants) and the ABC settings.

A parameter spec is a TOML file, a mapping or an inline ``name=low:high,...`` string. A free
parameter is a scenario *lever* (``kind = "lever"``, the default) or a calibration *constant*
(``kind = "constant"``, :mod:`sim.constants`; one element of a vector as ``base_cost.process``);
a constant's bounds default to its allowed range. A misspelt name gets a "did you mean" over
both levers and constants. :mod:`sim.validation.calibrate` runs the fit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.checks import did_you_mean, is_real_number, is_whole_number
from sim.constants import (
    REGISTRY,
    ConstantError,
    declaration_of,
    flatten,
    is_constant,
    validate_constant,
)
from sim.constants import names as constant_names
from sim.errors import UserInputError
from sim.io import read_toml
from sim.scenario import FIELDS, LEVERS, ValueChainScenario, validate_value

#: Kinds of free parameter: scenario levers now; model constants once they are inputs.
PARAMETER_KINDS: tuple[str, ...] = ("lever", "constant")
#: Defaults of the ``[abc]`` table of a parameter spec.
ABC_DEFAULTS: dict[str, Any] = {
    "population": 40,  # particles per generation
    "generations": 10,  # at most this many generations
    "seed": 1,  # seeds pyABC's numpy generator (reproducible with 1 worker)
    "min_acceptance_rate": 0.01,  # stop when a generation accepts fewer (a stuck epsilon)
    "predictive_draws": 40,  # posterior-predictive runs
}


class CalibrationError(UserInputError):
    """A parameter spec or calibration folder that cannot be used."""


@dataclass(frozen=True)
class FreeParameter:
    """A parameter fitted by calibration, with a uniform prior on [low, high].

    Attributes:
        name: Scenario lever (kind ``lever``), or a calibration constant or one element of a
            vector constant, e.g. ``base_cost.process`` (kind ``constant``).
        low: Lower prior bound.
        high: Upper prior bound.
        kind: ``lever`` (a scenario field) or ``constant`` (:mod:`sim.constants`).
    """

    name: str
    low: float
    high: float
    kind: str = "lever"


@dataclass(frozen=True)
class CalibrationSpec:
    """What to fit and how.

    Attributes:
        parameters: The free parameters, in spec order.
        fixed: Scenario fields set before fitting (e.g. a smaller ``n_mse`` for speed).
        population: Particles per generation.
        generations: Most generations.
        seed: Seed of pyABC's numpy generator.
        min_acceptance_rate: Stop when a generation's acceptance rate falls below it.
        predictive_draws: Posterior draws run for the posterior-predictive check.
        source: Where the spec came from.
    """

    parameters: tuple[FreeParameter, ...]
    fixed: Mapping[str, float | int] = field(default_factory=dict)
    population: int = ABC_DEFAULTS["population"]
    generations: int = ABC_DEFAULTS["generations"]
    seed: int = ABC_DEFAULTS["seed"]
    min_acceptance_rate: float = ABC_DEFAULTS["min_acceptance_rate"]
    predictive_draws: int = ABC_DEFAULTS["predictive_draws"]
    source: str = "<inline>"

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the free parameters."""
        return tuple(p.name for p in self.parameters)

    def to_json(self) -> dict[str, Any]:
        """Everything that determines a calibration, as plain JSON."""
        return {
            "parameters": {
                p.name: {"low": p.low, "high": p.high, "kind": p.kind} for p in self.parameters
            },
            "fixed": dict(self.fixed),
            "population": self.population,
            "generations": self.generations,
            "seed": self.seed,
            "min_acceptance_rate": self.min_acceptance_rate,
            "predictive_draws": self.predictive_draws,
        }


def _constant_parameter(name: str, spec: Mapping[str, Any], where: str) -> FreeParameter:
    """A calibration constant (or one element of a vector) as a free parameter."""
    if not is_constant(name):
        raise CalibrationError(
            f"{where}: '{name}' is not a calibration constant"
            f"{_did_you_mean(name)} (see `mse-sim constants`, or a lever: "
            f"{', '.join(LEVERS)})"
        )
    try:
        c, element = declaration_of(name)
    except UserInputError as exc:
        raise CalibrationError(f"{where}: {exc}") from None
    if c.kind == "int":
        raise CalibrationError(
            f"{where}: '{name}' is a whole number; ABC-SMC fits real "
            "numbers (set it in [fixed] or the scenario's [constants])"
        )
    try:
        validate_constant(name, c.low)  # a known element
        bounds = [
            validate_constant(name, spec.get(b, getattr(c, b)), f"{where}.{b}")[1]
            for b in ("low", "high")
        ]
    except ConstantError as exc:
        raise CalibrationError(str(exc)) from None
    if element:
        bounds = [v[c.labels.index(element)] for v in bounds]
    low, high = bounds
    if not low < high:
        raise CalibrationError(f"{where}: low {low} must be below high {high}")
    return FreeParameter(name, float(low), float(high), "constant")


def _did_you_mean(name: str) -> str:
    """Suggest the nearest lever or calibration constant (a constant's element included)."""
    known = [*LEVERS, *constant_names()]
    known += [
        f"{n}.{label}" for n, c in REGISTRY.items() if c.kind == "vector" for label in c.labels
    ]
    return did_you_mean(name, known)


def _parameter(name: str, spec: Mapping[str, Any], where: str) -> FreeParameter:
    # Without a kind, a constant's name means the constant (inline specs have no kind).
    kind = spec.get("kind", "constant" if is_constant(name) and name not in FIELDS else "lever")
    if kind not in PARAMETER_KINDS:
        raise CalibrationError(
            f"{where}: kind {kind!r} is not known (allowed: {', '.join(PARAMETER_KINDS)})"
        )
    for key in spec:
        if key not in ("low", "high", "kind"):
            raise CalibrationError(f"{where}: unknown key '{key}' (allowed: low, high, kind)")
    if kind == "constant":
        return _constant_parameter(name, spec, where)
    if name not in LEVERS:
        what = (
            "a structure field, not a lever"
            if name in FIELDS
            else 'a calibration constant, not a scenario lever (give kind = "constant")'
            if is_constant(name)
            else "not a scenario lever or a calibration constant"
        )
        raise CalibrationError(
            f"{where}: '{name}' is {what}{_did_you_mean(name)} (allowed: "
            f"the levers {', '.join(LEVERS)}; or a calibration constant, "
            "see `mse-sim constants`)"
        )
    for key in spec:
        if key not in ("low", "high", "kind"):
            raise CalibrationError(f"{where}: unknown key '{key}' (allowed: low, high, kind)")
    f = FIELDS[name]
    low = spec.get("low", f.low)
    high = spec.get("high", f.high)
    low = validate_value(name, low, f"{where}.low")
    high = validate_value(name, high, f"{where}.high")
    if not low < high:
        raise CalibrationError(f"{where}: low {low} must be below high {high}")
    return FreeParameter(name, float(low), float(high), kind)


def _inline_spec(text: str) -> dict[str, Any]:
    """Parse ``name=low:high,name=low:high`` into a spec dict."""
    params: dict[str, Any] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        if not sep or not colon:
            raise CalibrationError(
                f"--parameters {item!r}: expected name=low:high, e.g. intermediary_rent=0:1, "
                "or a .toml spec file"
            )
        try:
            params[name.strip()] = {"low": float(low), "high": float(high)}
        except ValueError:
            raise CalibrationError(f"--parameters {item!r}: bounds are not numbers") from None
    return {"parameters": params}


def read_parameters(spec: str | os.PathLike | Mapping[str, Any]) -> CalibrationSpec:
    """Read and check a parameter spec before anything runs.

    Args:
        spec: A TOML file (``[parameters.NAME] low/high/kind``, optional ``[abc]`` and
            ``[fixed]`` tables), an inline ``name=low:high,...`` string, or a dict.

    Raises:
        CalibrationError: Unknown key or parameter (with the nearest lever or constant), a
            whole-number or whole vector constant, bad bounds, bad ``[abc]`` values.
        ScenarioError: A bad ``[fixed]`` field or value.
    """
    if isinstance(spec, Mapping):
        data, where = dict(spec), "<dict>"
    else:
        text = os.fspath(spec)
        path = Path(text)
        if path.suffix == ".toml" or path.is_file():
            where = str(path)
            data = read_toml(path, "parameter spec", CalibrationError)
        else:
            data, where = _inline_spec(text), "--parameters"
    for key in data:
        if key not in ("parameters", "abc", "fixed"):
            raise CalibrationError(
                f"{where}: unknown table '{key}' (allowed: parameters, abc, fixed)"
            )
    raw = data.get("parameters", {})
    if not isinstance(raw, Mapping) or not raw:
        raise CalibrationError(
            f"{where}: no free parameters given ([parameters.NAME] with "
            "low and high, or name=low:high)"
        )
    raw = flatten(raw)  # TOML reads ``base_cost.process = {...}`` as a nested table
    params = tuple(
        _parameter(name, s if isinstance(s, Mapping) else {"bad": s}, f"{where}: parameters.{name}")
        for name, s in raw.items()
    )
    fixed = data.get("fixed", {})
    if not isinstance(fixed, Mapping):
        raise CalibrationError(f"{where}: [fixed] must be a table of field = value")
    fixed = {
        k: v if is_constant(k) and k not in FIELDS else validate_value(k, v, f"{where}: [fixed]")
        for k, v in flatten(fixed).items()
    }
    # Constants (or vector elements) in [fixed]: validated as a scenario would.
    ValueChainScenario(
        **{k: v for k, v in fixed.items() if k not in FIELDS}, _source=f"{where}: [fixed]"
    )
    clash = set(fixed) & {p.name for p in params}
    if clash:
        raise CalibrationError(f"{where}: '{sorted(clash)[0]}' is both fixed and free")
    abc = data.get("abc", {})
    if not isinstance(abc, Mapping):
        raise CalibrationError(f"{where}: [abc] must be a table")
    for key in abc:
        if key not in ABC_DEFAULTS:
            raise CalibrationError(
                f"{where}: [abc] key '{key}' is not known (allowed: {', '.join(ABC_DEFAULTS)})"
            )
    values = {**ABC_DEFAULTS, **abc}
    for key, low in (("population", 2), ("generations", 1), ("seed", 0), ("predictive_draws", 1)):
        v = values[key]
        if not is_whole_number(v) or v < low:
            raise CalibrationError(
                f"{where}: [abc] {key} = {v!r} is not a whole number of {low} or more"
            )
    rate = values["min_acceptance_rate"]
    if not is_real_number(rate) or not 0 <= rate < 1:
        raise CalibrationError(
            f"{where}: [abc] min_acceptance_rate = {rate!r} is not a number from 0 to below 1"
        )
    return CalibrationSpec(
        parameters=params,
        fixed=fixed,
        population=values["population"],
        generations=values["generations"],
        seed=values["seed"],
        min_acceptance_rate=float(rate),
        predictive_draws=values["predictive_draws"],
        source=where,
    )
