"""Calibration constants as model inputs: one registry, validated values, one runtime record.

Each mechanism module *declares* its constants with :func:`declare`, in one list
``CONSTANTS``: name (lower snake case, unique across modules), default, allowed range, unit,
meaning, kind (a number, a whole number, or a vector with one value per upgrading type or
channel) and where the default comes from; a comment above a declaration says why the value is
what it is. That declaration is the only place a constant's value is written: the mechanisms
read it from the run's record, so a kernel that does not read a constant it names fails to
compile instead of using a default.

A run's constants are a :class:`ConstantSet` (the overrides of a scenario: frozen, hashable,
validated) and reach the compiled kernels as one *record*: a numpy structured array of length
one with a field per constant (vectors as nested arrays) and the derived constants computed
from them (e.g. ``interest_burden`` from ``loan_interest`` and ``loan_term``). Every kernel
takes it as its ``k`` argument and reads ``k[0]["learning_rate"]``; Python code reads the
same. One compiled model therefore serves every set of constants. (Measured on numba 0.68: a
length-one structured array costs about 0.25 µs per kernel call, a record scalar about 13 µs,
a NamedTuple of 20 fields about 2.5 µs.) Inside a kernel's loop, though, a value read from
the record is memory the compiler must load again after every write to an output array, where
a module global was a constant folded into the code: the valuation pass ran 0.35 ms a month at
10,000 MSEs instead of 0.24 ms. The hot loops therefore copy the constants their helpers read
into a tuple of values once per call, a bundle derived from the declarations by
:func:`values_bundle` (``sim.valuation.HotConstants``, ``sim.sales.SaleConstants``); the helpers
read ``consts[0].name`` from the record or from such a bundle alike.

Which modules declare constants is fixed (:data:`MECHANISMS`), so the record's layout, and
therefore the compiled kernels, do not depend on import order. Importing :mod:`sim.scenario`
or :mod:`sim.model` imports them all.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numba import njit
from numba.extending import overload

from sim.checks import did_you_mean, is_real_number
from sim.errors import UserInputError

#: The modules that declare calibration constants, in the order of the registry and record.
MECHANISMS: tuple[str, ...] = (
    "population",
    "markets",
    "demand",
    "links",
    "traders",
    "terms",
    "brokers",
    "sales",
    "signals",
    "lead_firms",
    "services",
    "contracts",
    "groups",
    "finance",
    "second_chain",
    "upgrades",
    "valuation",
    "choice",
    "sales_agents",
    "supplier_choice",
    "entry",
)

#: Default source of a constant whose value is the modeller's judgement.
JUDGEMENT = "calibration choice (judgement; the seed gives directions, not numbers)"


class ConstantError(UserInputError):
    """An invalid constant: unknown name or element, wrong type, length or range."""


@dataclass(frozen=True)
class Constant:
    """The documentation and allowed range of one calibration constant.

    Attributes:
        name: Lower snake case name, unique across modules (``learning_rate``).
        default: Today's value: a float, an int, or a tuple of floats for a vector.
        low: Smallest allowed value (inclusive; of every element for a vector).
        high: Largest allowed value (inclusive).
        unit: Unit of the value.
        meaning: What the constant means in the model.
        labels: For a vector, the name of each element (upgrading types or channels).
        source: Where the default comes from.
        module: The mechanism module that declares it (set by :func:`declare`).
    """

    name: str
    default: float | int | tuple[float, ...]
    low: float
    high: float
    unit: str
    meaning: str
    labels: tuple[str, ...] = ()
    source: str = JUDGEMENT
    module: str = ""

    @property
    def kind(self) -> str:
        """``"float"``, ``"int"`` or ``"vector"``."""
        if self.labels:
            return "vector"
        return "int" if isinstance(self.default, int) else "float"

    @property
    def allowed(self) -> str:
        """Describe the allowed values in words."""
        if self.kind == "int":
            return f"a whole number from {self.low:g} to {self.high:g}"
        what = "a number"
        if self.kind == "vector":
            what = f"a list of {len(self.labels)} numbers ({', '.join(self.labels)}), each"
        return f"{what} from {self.low:g} to {self.high:g}"

    def default_text(self) -> str:
        """The default as written in tables and listings."""
        if self.kind == "vector":
            return "[" + ", ".join(f"{x:g}" for x in self.default) + "]"
        return f"{self.default:g}"


def real(
    name: str,
    default: float,
    low: float,
    high: float,
    unit: str,
    meaning: str,
    source: str = JUDGEMENT,
) -> Constant:
    """Declare a real-valued constant."""
    return Constant(name, float(default), low, high, unit, meaning, (), source)


def whole(
    name: str, default: int, low: int, high: int, unit: str, meaning: str, source: str = JUDGEMENT
) -> Constant:
    """Declare a whole-number constant."""
    return Constant(name, int(default), low, high, unit, meaning, (), source)


def vector(
    name: str,
    default: Iterable[float],
    labels: Iterable[str],
    low: float,
    high: float,
    unit: str,
    meaning: str,
    source: str = JUDGEMENT,
) -> Constant:
    """Declare a constant with one value per labelled element (upgrading type, channel)."""
    values = tuple(float(x) for x in np.asarray(default, dtype=float).ravel())
    labels = tuple(labels)
    if len(values) != len(labels):
        raise ValueError(f"constant {name}: {len(values)} values for {len(labels)} labels")
    return Constant(name, values, low, high, unit, meaning, labels, source)


#: Every declared constant, by name, in declaration order.
REGISTRY: dict[str, Constant] = {}
#: Derived constants: name -> (function of the values dict, meaning). Computed, never set.
DERIVED: dict[str, tuple[Callable[[Mapping[str, Any]], float], str]] = {}
_DECLARED: dict[str, tuple[str, ...]] = {}


def declare(
    module: str,
    constants: Iterable[Constant],
    derived: Mapping[str, tuple[Callable[[Mapping[str, Any]], float], str]] | None = None,
) -> tuple[Constant, ...]:
    """Register a mechanism module's constants (called once, at the module's import).

    Args:
        module: The module's ``__name__`` (``sim.signals``) or short name.
        constants: Its constants.
        derived: Constants computed from others: name -> (function of all values, meaning).

    Returns:
        The constants with their module set.
    """
    short = module.rpartition(".")[2]
    if short not in MECHANISMS:
        raise ValueError(f"{module} is not one of the mechanism modules {MECHANISMS}")
    out = []
    for c in constants:
        if c.name in REGISTRY and REGISTRY[c.name].module != short:
            raise ValueError(f"constant {c.name} declared by {REGISTRY[c.name].module} and {short}")
        c = Constant(**{**c.__dict__, "module": short})
        REGISTRY[c.name] = c
        out.append(c)
    for name, spec in (derived or {}).items():
        DERIVED[name] = spec
    _DECLARED[short] = tuple(c.name for c in out)
    _record_dtype.cache_clear()
    return tuple(out)


def _ordered() -> list[Constant]:
    missing = [m for m in MECHANISMS if m not in _DECLARED]
    if missing:
        raise RuntimeError(
            f"constants of {', '.join(missing)} not declared yet: import "
            "sim.model (or sim.scenario) first"
        )
    return [REGISTRY[n] for m in MECHANISMS for n in _DECLARED[m]]


def names(module: str | None = None) -> list[str]:
    """Return the constants' names in registry order (of one module if given)."""
    return [c.name for c in _ordered() if module is None or c.module == module]


def _dtype_of(c: Constant) -> tuple:
    if c.kind == "vector":
        return (c.name, np.float64, (len(c.labels),))
    return (c.name, np.int64 if c.kind == "int" else np.float64)


class _Cache:
    """A one-slot cache of the record dtype, cleared by each declaration."""

    def __init__(self):
        self.value = None

    def __call__(self) -> np.dtype:
        if self.value is None:
            self.value = np.dtype(
                [_dtype_of(c) for c in _ordered()] + [(n, np.float64) for n in DERIVED]
            )
        return self.value

    def cache_clear(self) -> None:
        self.value = None


_record_dtype = _Cache()


def _where(source: str | None) -> str:
    return f" in {source}" if source else ""


def unknown_constant(key: str, source: str | None = None, also: Iterable[str] = ()) -> str:
    """The message for an unknown constant name, with a did-you-mean."""
    known = [*names(), *also]
    did = did_you_mean(key, known)
    return (
        f"unknown constant '{key}'{_where(source)}{did} (see `mse-sim constants` for the "
        f"{len(REGISTRY)} constants)"
    )


def _number(c: Constant, label: str, value: Any, where: str) -> float | int:
    bad = ConstantError(f"constant '{label}'{where}: value {value!r} is not {c.allowed}")
    if isinstance(value, str):
        try:
            value = int(value) if c.kind == "int" else float(value)
        except ValueError:
            raise bad from None
    if not is_real_number(value):
        raise bad
    if c.kind == "int":
        if isinstance(value, float | np.floating) and not float(value).is_integer():
            raise bad
        value = int(value)
    else:
        value = float(value)
        if math.isnan(value):
            raise bad
    if not c.low <= value <= c.high:
        raise bad
    return value


def _vector_text(value: str) -> list[str]:
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [p for p in text.replace(";", ",").split(",") if p.strip()]


def validate_constant(
    key: str, value: Any, source: str | None = None, base: Mapping[str, Any] | None = None
) -> tuple[str, Any]:
    """Check one constant's value and return ``(name, value)`` with its proper type.

    Args:
        key: A constant's name, or ``name.element`` for one element of a vector
            (``base_cost.process``).
        value: A number, a list of numbers (a whole vector), or text (CLI ``--set``: ``30``,
            ``180`` or ``[200,150,250,120,350]``).
        source: File or origin, named in the error message.
        base: Values so far (for an element of a vector: the rest of the vector).

    Returns:
        The constant's name and its validated value (a tuple for a vector).

    Raises:
        ConstantError: Unknown constant or element, wrong type, length or range.
    """
    where = _where(source)
    name, _, element = key.partition(".")
    c = REGISTRY.get(name)
    if c is None:
        raise ConstantError(unknown_constant(key, source))
    if element:
        if c.kind != "vector":
            raise ConstantError(
                f"constant '{name}'{where} has no elements ('{key}'): it is {c.allowed}"
            )
        if element not in c.labels:
            did = did_you_mean(element, c.labels, prefix=f"{name}.")
            raise ConstantError(
                f"unknown element '{element}' of constant '{name}'{where}"
                f"{did} (elements: {', '.join(c.labels)})"
            )
        current = list((base or {}).get(name, c.default))
        current[c.labels.index(element)] = _number(c, key, value, where)
        return name, tuple(current)
    if c.kind != "vector":
        return name, _number(c, name, value, where)
    items = _vector_text(value) if isinstance(value, str) else value
    if isinstance(items, np.ndarray):
        items = items.tolist()
    if not isinstance(items, list | tuple):
        raise ConstantError(
            f"constant '{name}'{where}: value {value!r} is not {c.allowed} "
            f"(or set one element, e.g. '{name}.{c.labels[0]}')"
        )
    if len(items) != len(c.labels):
        raise ConstantError(
            f"constant '{name}'{where}: value {value!r} has {len(items)} "
            f"values, not {len(c.labels)} ({', '.join(c.labels)})"
        )
    return name, tuple(
        _number(c, f"{name}.{lab}", x, where) for lab, x in zip(c.labels, items, strict=True)
    )


def flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn TOML's nested form of vector elements into ``name.element`` keys.

    In TOML, ``base_cost.process = 180`` is a table ``base_cost = {process = 180}``; both
    mean the element. Other keys pass through unchanged.
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        c = REGISTRY.get(key)
        if (
            c is not None
            and c.kind == "vector"
            and isinstance(value, Mapping)
            and all(k in c.labels for k in value)
        ):
            out.update({f"{key}.{element}": v for element, v in value.items()})
        else:
            out[key] = value
    return out


def is_constant(key: str) -> bool:
    """Whether ``key`` names a constant (or an element of one); no validation."""
    return key.partition(".")[0] in REGISTRY


def declaration_of(name: str) -> tuple[Constant, str]:
    """The declaration behind a constant's name, and the element it names ('' for a scalar).

    A vector constant is set, varied and fitted one element at a time (``base_cost.process``),
    so a vector named without its element is refused here, for every caller.

    Raises:
        UserInputError: ``name`` is a vector without its element.

    Example:
        >>> declaration_of("base_cost.process")[1]
        'process'
    """
    base, _, element = name.partition(".")
    c = REGISTRY[base]
    if c.kind == "vector" and not element:
        raise UserInputError(
            f"'{name}' is a vector ({', '.join(c.labels)}): give one element at a time, "
            f"e.g. '{name}.{c.labels[0]}'"
        )
    return c, element


#: Constraints between constants: (low name, high name), low <= high.
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("min_group_size", "max_group_size"),
    ("firm_standard_low", "firm_standard_high"),
    ("firm_contract_low", "firm_contract_high"),
    ("trader_exit_share", "trader_entry_share"),
)


@dataclass(frozen=True)
class ConstantSet:
    """A validated set of constant overrides: frozen, hashable, recorded in provenance.

    Only values that differ from the defaults are kept, so an empty set is the defaults and
    two sets with the same effective values are equal.

    Attributes:
        items: ``(name, value)`` pairs, sorted by name; vectors as tuples.
    """

    items: tuple[tuple[str, Any], ...] = ()
    _record: list = field(default_factory=list, compare=False, repr=False, hash=False)

    @classmethod
    def of(
        cls,
        values: Mapping[str, Any] | ConstantSet | None = None,
        source: str | None = None,
        base: ConstantSet | None = None,
    ) -> ConstantSet:
        """Validate ``values`` (names or ``name.element`` keys) on top of ``base``.

        Raises:
            ConstantError: Any bad name, element, type, length or value, or a pair of
                constants out of order (e.g. ``min_group_size`` above ``max_group_size``).
        """
        if isinstance(values, ConstantSet):
            values = dict(values.items)
        current: dict[str, Any] = dict(base.items) if base else {}
        if values is not None and not isinstance(values, Mapping):
            raise ConstantError(
                f"constants{_where(source)} must be a table of name = value, not {values!r}"
            )
        # Whole values first, then elements, so that ``base_cost.process`` edits the vector
        # given in the same set.
        values = flatten(values or {})
        keys = sorted(values, key=lambda key: "." in key)
        for key in keys:
            name, value = validate_constant(key, values[key], source, current)
            current[name] = value
        full = {c.name: current.get(c.name, c.default) for c in REGISTRY.values()}
        for low, high in ORDERED_PAIRS:
            if low in full and high in full and full[low] > full[high]:
                raise ConstantError(
                    f"constants{_where(source)}: {low} = {full[low]!r} is above "
                    f"{high} = {full[high]!r} (it must not be)"
                )
        changed = tuple(sorted((n, v) for n, v in current.items() if v != REGISTRY[n].default))
        return cls(changed)

    def __bool__(self) -> bool:
        return bool(self.items)

    def changed(self) -> dict[str, Any]:
        """The constants that differ from their defaults (vectors as lists), for provenance."""
        return {n: list(v) if isinstance(v, tuple) else v for n, v in self.items}

    def values(self) -> dict[str, Any]:
        """Every constant's value (defaults where not overridden)."""
        mine = dict(self.items)
        return {c.name: mine.get(c.name, c.default) for c in _ordered()}

    def record(self) -> np.ndarray:
        """The read-only record the kernels read (built once per set)."""
        if not self._record:
            self._record.append(make_record(self.values()))
        return self._record[0]


def make_record(values: Mapping[str, Any]) -> np.ndarray:
    """Build the kernels' record (length-one structured array, read-only) from ``values``."""
    rec = np.zeros(1, dtype=_record_dtype())
    for c in _ordered():
        rec[0][c.name] = values[c.name]
    for name, (fn, _) in DERIVED.items():
        rec[0][name] = fn(values)
    rec.flags.writeable = False
    return rec


#: Each live record's values by name, for Python code (see `values_of`).
_VALUES: dict[int, tuple[weakref.ref, dict[str, Any]]] = {}


def values_of(consts: np.ndarray) -> dict[str, Any]:
    """The record's values by name, for the passes written in Python (not compiled).

    ``consts[0]["name"]`` looks the name up among 138 fields and builds a numpy scalar each
    time, about 1 us, some 40 times a month; this dict of the same values (the same numpy
    scalars and array views) is built once per record. Records are read-only
    (`make_record`), so the values cannot go stale.
    """
    key = id(consts)
    entry = _VALUES.get(key)
    if entry is not None and entry[0]() is consts:
        return entry[1]
    rec = consts[0]
    values = {name: rec[name] for name in consts.dtype.names}
    _VALUES[key] = (
        weakref.ref(consts, lambda _, key=key, cache=_VALUES: cache.pop(key, None)),
        values,
    )
    return values


DEFAULT_SET = ConstantSet()


def defaults() -> np.ndarray:
    """The record of every constant at its default (today's calibration)."""
    return DEFAULT_SET.record()


@njit(cache=True)
def values3(v):
    """A vector constant of 3 (channels) as a tuple of values, for a kernel's inner loop.

    Read from the record inside a loop that writes arrays, a vector is memory the compiler
    must load again after every write; as a tuple it stays in registers.
    """
    return (v[0], v[1], v[2])


@njit(cache=True)
def values5(v):
    """A vector constant of 5 (upgrading types) as a tuple of values (see `values3`)."""
    return (v[0], v[1], v[2], v[3], v[4])


def values_bundle(typename: str, names: Iterable[str], module: str) -> tuple[type, Callable]:
    """A bundle of some constants' values for a kernel's inner loop, derived from the registry.

    Read from the record inside a loop that writes arrays, a constant is memory the compiler
    must load again after every write; copied once per call into a tuple of values, it stays
    in registers (measured: the valuation pass took 0.35 ms instead of 0.24 ms a month at
    10,000 MSEs). Each field's type comes from the constant's declaration (vectors of 3 and 5
    become tuples), so the names are the only list.

    Args:
        typename: Name of the bundle class; the caller assigns it to a module global of
            that name (compiled code that returns it is cached by reference to it).
        names: Declared or derived constants, by name.
        module: The ``__name__`` of the module that holds the class.

    Returns:
        ``(cls, fill)``: a NamedTuple class with one field per constant, and ``fill(consts)``,
        which returns ``(cls(...),)`` from a record, compiled or not. Helpers read
        ``consts[0].name`` from the record or from this one-tuple alike.

    Raises:
        ValueError: An unknown constant, or a vector of another length than 3 or 5.
    """
    names = tuple(names)
    kinds = {}
    for name in names:
        if name in DERIVED:
            kinds[name] = float
            continue
        c = REGISTRY.get(name)
        if c is None:
            raise ValueError(f"{typename}: no constant named {name!r} is declared yet")
        if c.kind == "vector" and len(c.labels) not in (3, 5):
            raise ValueError(f"{typename}: vector {name!r} has {len(c.labels)} elements")
        kinds[name] = tuple if c.kind == "vector" else int if c.kind == "int" else float
    cls = NamedTuple(typename, [(name, kinds[name]) for name in names])
    cls.__module__ = module
    cls.__doc__ = (
        f"The values of {len(names)} constants, for a kernel's inner loop "
        "(`sim.constants.values_bundle`)."
    )

    def fill(consts):
        k = consts[0]
        return (
            cls(
                *(
                    tuple(float(x) for x in k[n]) if kinds[n] is tuple else kinds[n](k[n])
                    for n in names
                )
            ),
        )

    @overload(fill)
    def _compiled_fill(consts):
        def value(name: str) -> str:
            if kinds[name] is not tuple:
                return f"k.{name}"
            return f"values{len(REGISTRY[name].labels)}(k.{name})"

        source = (
            f"def fill(consts):\n    k = consts[0]\n"
            f"    return (cls({', '.join(value(n) for n in names)}),)\n"
        )
        scope = {"cls": cls, "values3": values3, "values5": values5}
        exec(source, scope)  # noqa: S102  (built from declared names only)
        return scope["fill"]

    fill.__name__ = fill.__qualname__ = f"fill_{typename}"
    fill.__module__ = module
    return cls, fill
