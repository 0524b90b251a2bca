"""Documented targets: what was observed in each case chain, as checked data.

Each case has a targets file, ``targets/<case>.toml`` (shipped as package data). A target names
a metric, a window of months, a statistic, a bound or an interval, its kind and its source: a
public report (author, year, title, page) with the quoted figure, or a line of the seed (Dunn
et al. 2006). Every target is one of three kinds (:data:`KINDS`):

* ``observation``: a magnitude or range measured in a source other than the briefing paper;
* ``direction``: a sign (more, less, higher than before) reported by a source other than the
  briefing paper;
* ``face``: a restatement of the briefing paper's own lessons (a face-validity check).

Only observations make the headline of a validation ("K of N observations pass"), and only
those that discriminate (fail on placebo runs, :mod:`sim.validation.validate`).

The target set is frozen: each file carries a ``version``, and its content has a hash
(:attr:`CaseTargets.digest`, :func:`targets_digest`) recorded with every validation and
calibration. Targets change only with a new source, never because of what the model gives.

Targets live beside the scenarios rather than inside them because a scenario is an *input*
(the sliders, the sweeps and ``calibrate``'s calibrated scenario are scenarios) and a target
is an *observation* the inputs are judged against: keeping them apart means calibrating a
scenario never rewrites its evidence, and the scenario format (read by the ODD generator and
the app) stays as it was.

File format (every key is checked; see docs/validation.md)::

    case = "pakistan-embroidery"       # the scenario the targets are about
    version = 2                        # of this file's targets (default 1); see above
    steps = 120                        # months each run lasts (default 120)

    [arms.before]                      # a variant of the case, run on the same seeds
    description = "The chain before the project"
    source = "..."
    changes = { targeted_facilitation = 0.0, intermediary_rent = 0.7 }

    [[targets]]
    id = "income-tripled"
    claim = "Embroiderers' incomes more than tripled."
    metric = "mean_income"
    statistic = "ratio"                # value (default), ratio or difference
    against = "before"                 # the arm a ratio or difference compares with
    window = [109, 120]                # months averaged, inclusive (default: the last 12)
    low = 2.0                          # a bound, or both
    kind = "observation"               # or "direction" or "face" (required)
    source = "MEDA & ECDI (2007), ..."
    quote = "..."
    url = "..."
    interval = "how the bounds follow from the quoted figure"
    description = true                 # restates an outcome sentence of the description
    requires = "issue 10"              # only for a planned metric the model lacks yet
    rule = "mean"                      # pass rule: mean (default), interval or overlap
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.checks import did_you_mean, is_real_number, is_whole_number
from sim.data import data_path
from sim.errors import UserInputError
from sim.io import read_toml
from sim.metrics import DERIVED, METRIC_INFO, METRICS
from sim.scenario import ValueChainScenario, list_scenarios, load_scenario

#: Metrics that are planned but not yet in the model, with the issue that adds them. A target
#: may name one (with ``requires``); ``validate`` then reports it as "not yet modelled" until
#: the model reports the metric, after which it is checked like any other.
PLANNED_METRICS: dict[str, str] = {}  # issue 10's metrics (brokers, traders, second chain) landed
#: How a target turns runs into one number per seed: ``value`` (the case's mean over the
#: window), ``ratio`` (case / arm) or ``difference`` (case − arm), both on the same seed.
STATISTICS: tuple[str, ...] = ("value", "ratio", "difference")
#: The kinds of target: an observed magnitude, a sourced sign, a restatement of the paper.
KINDS: tuple[str, ...] = ("observation", "direction", "face")
#: A target's kind: a magnitude or range measured in a source other than the briefing paper.
OBSERVATION = "observation"
#: A target's kind: a sourced sign (which way a number moves).
DIRECTION = "direction"
#: A target's kind: a restatement of the briefing paper's lessons (a face check).
FACE = "face"
#: Kinds of earlier target files, and what replaced them.
_OLD_KINDS = {
    "sourced": "observation, direction or face",
    "assumption": "nothing: a target without a source was removed",
}
#: Pass rules: what of the model's 95% interval over seeds must lie within the bounds.
#: ``mean``: the mean; ``interval``: the whole interval (the model is confidently inside);
#: ``overlap``: some of it (the model is not confidently outside).
RULES: tuple[str, ...] = ("mean", "interval", "overlap")
#: Default months per run: ten years, as in the guideline experiments.
DEFAULT_STEPS = 120
#: Default window: the last twelve months, the outcome window of the guideline experiments.
DEFAULT_WINDOW_MONTHS = 12
MAX_STEPS = 1200

_TOP_KEYS = ("case", "version", "steps", "arms", "targets")
_ARM_KEYS = ("description", "source", "changes")
_TARGET_KEYS = (
    "id",
    "claim",
    "metric",
    "statistic",
    "against",
    "window",
    "low",
    "high",
    "kind",
    "source",
    "quote",
    "url",
    "page",
    "interval",
    "description",
    "requires",
    "note",
    "rule",
)


class TargetError(UserInputError):
    """A targets file that cannot be used: bad TOML, unknown key, metric or arm, bad bound.

    Examples:
        >>> from pathlib import Path
        >>> from sim.validation import TargetError, read_targets
        >>> _ = Path("broken.toml").write_text("case = ")
        >>> try:
        ...     read_targets("broken.toml")
        ... except TargetError as error:
        ...     print("TargetError")
        TargetError
    """


@dataclass(frozen=True)
class Arm:
    """A named variant of a case, run on the case's seeds (e.g. the chain *before* a project).

    Attributes:
        name: Arm name, referred to by a target's ``against``.
        changes: Scenario fields changed from the case.
        description: What the arm stands for.
        source: Where the changed values come from.

    Examples:
        >>> from sim.validation import read_targets
        >>> before = read_targets("kenya-avocados").arms["before"]   # an Arm
        >>> before.name, isinstance(before.changes, dict)
        ('before', True)
    """

    name: str
    changes: Mapping[str, float | int]
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class Target:
    """One observed outcome of a case, with its source.

    Attributes:
        case: Scenario name.
        id: Short id, unique within the case.
        claim: The observation in words.
        metric: A model metric (``sim.metrics``), a derived one, or a planned one.
        statistic: ``value``, ``ratio`` or ``difference``.
        against: Arm compared with (ratio and difference).
        window: First and last month averaged (inclusive).
        low: Lower bound (``-inf`` when none).
        high: Upper bound (``inf`` when none).
        kind: ``observation``, ``direction`` or ``face`` (:data:`KINDS`).
        source: Author, year, title, page; or the seed's lines.
        quote: The quoted figure or sentence.
        url: Where the source can be read.
        interval: How the bounds follow from the quoted figure.
        description: Whether the target restates a sentence of the scenario's description.
        requires: The issue that adds a planned metric, if the target needs one.
        note: Anything else a reader should know (e.g. a proxy metric).
        rule: The pass rule (:data:`RULES`): ``mean`` (default), ``interval`` or ``overlap``.

    Examples:
        >>> from sim.validation import read_targets
        >>> target = read_targets("kenya-avocados").targets[0]   # a Target
        >>> target.id, target.metric, target.window
        ('export-share-of-output', 'export_share_output', (109, 120))
    """

    case: str
    id: str
    claim: str
    metric: str
    statistic: str = "value"
    against: str | None = None
    window: tuple[int, int] = (DEFAULT_STEPS - DEFAULT_WINDOW_MONTHS + 1, DEFAULT_STEPS)
    low: float = -math.inf
    high: float = math.inf
    kind: str = OBSERVATION
    source: str = ""
    quote: str = ""
    url: str = ""
    interval: str = ""
    description: bool = False
    requires: str | None = None
    note: str = ""
    rule: str = "mean"

    @property
    def observed(self) -> bool:
        """Whether the target is an observed magnitude (the headline's kind)."""
        return self.kind == OBSERVATION

    @property
    def beyond_paper(self) -> bool:
        """Whether a source other than the briefing paper reports it (not a face check)."""
        return self.kind != FACE

    @property
    def modelled(self) -> bool:
        """Whether the model reports the metric now."""
        return is_model_metric(self.metric)

    def bounds_text(self) -> str:
        """The target in words, e.g. ``≥ 2`` or ``0.25 to 0.3``."""
        if math.isfinite(self.low) and math.isfinite(self.high):
            return f"{self.low:g} to {self.high:g}"
        if math.isfinite(self.low):
            return f"≥ {self.low:g}"
        return f"≤ {self.high:g}"

    def contains(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return bool(self.low <= value <= self.high)

    def passes(self, mean: float, ci_low: float, ci_high: float, rule: str | None = None) -> bool:
        """Whether the model's mean and 95% interval over seeds pass, by ``rule``.

        Args:
            mean: The mean over seeds.
            ci_low: The interval's lower end (NaN when it cannot be computed).
            ci_high: The interval's upper end.
            rule: A rule of :data:`RULES` (default: the target's own).

        Returns:
            ``mean``: the mean lies within the bounds; ``interval``: the whole interval does;
            ``overlap``: the interval and the bounds share a point. Without an interval
            (NaN), ``interval`` and ``overlap`` fall back to the mean.
        """
        rule = rule or self.rule
        if not math.isfinite(mean):
            return False
        if rule == "mean" or not (math.isfinite(ci_low) and math.isfinite(ci_high)):
            return self.contains(mean)
        if rule == "interval":
            return self.contains(ci_low) and self.contains(ci_high)
        return bool(ci_low <= self.high and ci_high >= self.low)


@dataclass(frozen=True)
class CaseTargets:
    """The targets of one case and the arms they compare with.

    Attributes:
        case: Scenario name (bundled) or path.
        scenario: The case's scenario.
        steps: Months per run.
        arms: Named variants, by name.
        targets: The targets, in file order.
        path: The targets file.
        version: The file's version of its targets.
        digest: SHA-256 of the file's content as read (comments and layout aside).

    Examples:
        >>> from sim.validation import read_targets
        >>> case = read_targets("kenya-avocados")   # a CaseTargets
        >>> case.scenario.name, case.steps, len(case.targets)
        ('kenya-avocados', 192, 6)
    """

    case: str
    scenario: ValueChainScenario
    steps: int
    arms: dict[str, Arm] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    path: Path | None = None
    version: int = 1
    digest: str = ""

    def arm_scenario(self, arm: str) -> ValueChainScenario:
        """Return the scenario of an arm (``case`` is the case itself)."""
        if arm == "case":
            return self.scenario
        return self.scenario.replace(**dict(self.arms[arm].changes))

    def needed_arms(self, targets: tuple[Target, ...] | None = None) -> tuple[str, ...]:
        """Return ``case`` and every arm a modelled target compares with."""
        chosen = self.targets if targets is None else targets
        names = ["case"] + [t.against for t in chosen if t.against and t.modelled]
        return tuple(dict.fromkeys(names))


def content_digest(data: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a targets file's parsed content (key order and comments aside)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def targets_digest(cases: list[CaseTargets] | tuple[CaseTargets, ...]) -> str:
    """Return one SHA-256 for a set of cases' targets (the order of cases aside).

    Recorded with every validation and calibration, so a result says which targets it was
    judged against.

    Examples:
        >>> from sim.validation import read_targets, targets_digest
        >>> kenya = read_targets("kenya-avocados")
        >>> len(targets_digest([kenya])), targets_digest([kenya]) == targets_digest((kenya,))
        (64, True)
    """
    parts = sorted(f"{ct.case}:{ct.version}:{ct.digest}" for ct in cases)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def targets_provenance(cases: list[CaseTargets] | tuple[CaseTargets, ...]) -> dict[str, Any]:
    """Return the version and hash of each case's targets and the hash of the set.

    Examples:
        >>> from sim.validation import read_targets, targets_provenance
        >>> record = targets_provenance([read_targets("kenya-avocados")])
        >>> sorted(record), sorted(record["targets"]["kenya-avocados"])
        (['targets', 'targets_hash'], ['hash', 'version'])
    """
    return {
        "targets_hash": targets_digest(cases),
        "targets": {ct.case: {"version": ct.version, "hash": ct.digest} for ct in cases},
    }


def is_model_metric(metric: str) -> bool:
    """Whether the model reports ``metric`` (a column) or derives it from columns."""
    return metric in METRICS or metric in DERIVED


def known_metrics() -> tuple[str, ...]:
    """Return every metric a target may name: the model's, derived ones and planned ones."""
    names = [m for m in METRIC_INFO if m != "step"] + [m for m in METRICS if m != "step"]
    names += list(DERIVED) + list(PLANNED_METRICS)
    return tuple(dict.fromkeys(names))


def targets_dir() -> Path:
    """Return the folder of bundled targets files (``$MSE_SIM_TARGETS`` overrides it).

    Examples:
        >>> from sim.validation import targets_dir
        >>> (targets_dir() / "kenya-avocados.toml").is_file()
        True
    """
    env = os.environ.get("MSE_SIM_TARGETS")
    if env:
        return Path(env)
    return data_path("targets")


def list_target_cases() -> list[str]:
    """Return the cases that have a bundled targets file, in scenario order.

    Examples:
        >>> from sim.validation import list_target_cases
        >>> cases = list_target_cases()
        >>> cases[0], "pakistan-embroidery" in cases
        ('guatemala-handicrafts', True)
    """
    have = {p.stem for p in targets_dir().glob("*.toml")}
    return [name for name in list_scenarios() if name in have]


def _number(value: Any, where: str) -> float:
    if not is_real_number(value) or math.isnan(value):
        raise TargetError(f"{where}: value {value!r} is not a number")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise TargetError(f"{where}: value {value!r} is not text")
    return " ".join(value.split())


def _unknown(key: str, known: tuple[str, ...] | list[str], what: str, where: str) -> TargetError:
    did = did_you_mean(key, known)
    return TargetError(f"{where}: unknown {what} '{key}'{did} (allowed: {', '.join(known)})")


def _parse_arm(name: str, spec: Any, scenario: ValueChainScenario, where: str) -> Arm:
    if not isinstance(spec, Mapping):
        raise TargetError(f"{where} must be a table with description, source and changes")
    for key in spec:
        if key not in _ARM_KEYS:
            raise _unknown(key, _ARM_KEYS, "key", where)
    changes = spec.get("changes", {})
    if not isinstance(changes, Mapping) or not changes:
        raise TargetError(f"{where}.changes must be a table of field = value (at least one)")
    # Validated now, so a bad field fails before any run (the message names the field).
    scenario.replace(**dict(changes))
    return Arm(
        name,
        dict(changes),
        _text(spec.get("description", ""), f"{where}.description"),
        _text(spec.get("source", ""), f"{where}.source"),
    )


def _parse_target(
    spec: Any, case: str, arms: Mapping[str, Arm], steps: int, where: str, seen: set[str]
) -> Target:
    if not isinstance(spec, Mapping):
        raise TargetError(f"{where} must be a table")
    for key in spec:
        if key not in _TARGET_KEYS:
            raise _unknown(key, _TARGET_KEYS, "key", where)
    for key in ("id", "claim", "metric"):
        if key not in spec:
            raise TargetError(f"{where}: '{key}' is required")
    tid = _text(spec["id"], f"{where}.id")
    if not tid or tid in seen:
        raise TargetError(f"{where}.id: value {tid!r} is empty or used twice in {case}")
    seen.add(tid)
    where = f"{where} ({tid})"
    metric = _text(spec["metric"], f"{where}.metric")
    requires = spec.get("requires")
    if requires is not None:
        requires = _text(requires, f"{where}.requires")
    if metric not in known_metrics():
        raise _unknown(metric, known_metrics(), "metric", f"{where}.metric")
    if not is_model_metric(metric) and requires is None:
        raise TargetError(
            f"{where}.metric: '{metric}' is planned ({PLANNED_METRICS[metric]}) but not in "
            f'the model yet; mark the target requires = "{PLANNED_METRICS[metric]}"'
        )
    statistic = spec.get("statistic", "value")
    if statistic not in STATISTICS:
        raise _unknown(str(statistic), STATISTICS, "statistic", f"{where}.statistic")
    against = spec.get("against")
    if statistic == "value":
        if against is not None:
            raise TargetError(f"{where}.against: a 'value' target compares with no arm")
    else:
        if against is None:
            raise TargetError(
                f"{where}.against: a '{statistic}' target needs an arm "
                f"(allowed: {', '.join(arms) or 'none defined in [arms]'})"
            )
        if against not in arms:
            raise _unknown(str(against), list(arms), "arm", f"{where}.against")
    window = spec.get("window", [max(0, steps - DEFAULT_WINDOW_MONTHS + 1), steps])
    if (
        not isinstance(window, list)
        or len(window) != 2
        or not all(is_whole_number(w) for w in window)
        or not 0 <= window[0] <= window[1] <= steps
    ):
        raise TargetError(
            f"{where}.window: value {window!r} is not [first, last] months "
            f"with 0 <= first <= last <= steps ({steps})"
        )
    low = _number(spec["low"], f"{where}.low") if "low" in spec else -math.inf
    high = _number(spec["high"], f"{where}.high") if "high" in spec else math.inf
    if not (math.isfinite(low) or math.isfinite(high)):
        raise TargetError(f"{where}: give a bound, 'low' or 'high' or both")
    if low > high:
        raise TargetError(f"{where}: low {low:g} is above high {high:g}")
    if "kind" not in spec:
        raise TargetError(
            f"{where}: 'kind' is required ({', '.join(KINDS)}; see docs/validation.md)"
        )
    kind = spec["kind"]
    if kind in _OLD_KINDS:
        raise TargetError(
            f"{where}.kind: value '{kind}' is no longer a kind; it became "
            f"{_OLD_KINDS[kind]} (allowed: {', '.join(KINDS)})"
        )
    if kind not in KINDS:
        raise _unknown(str(kind), KINDS, "kind", f"{where}.kind")
    source = _text(spec.get("source", ""), f"{where}.source")
    if not source:
        raise TargetError(
            f"{where}.source: a target needs its source (author, year, title, "
            "page; or the seed's lines); an unsourced claim is not a target"
        )
    description = spec.get("description", False)
    if not isinstance(description, bool):
        raise TargetError(f"{where}.description: value {description!r} is not true or false")
    rule = spec.get("rule", "mean")
    if rule not in RULES:
        raise _unknown(str(rule), RULES, "rule", f"{where}.rule")
    return Target(
        case=case,
        id=tid,
        claim=_text(spec["claim"], f"{where}.claim"),
        metric=metric,
        statistic=statistic,
        against=against,
        window=(window[0], window[1]),
        low=low,
        high=high,
        kind=kind,
        source=source,
        quote=_text(spec.get("quote", ""), f"{where}.quote"),
        url=_text(spec.get("url", ""), f"{where}.url"),
        interval=_text(spec.get("interval", ""), f"{where}.interval"),
        description=description,
        requires=requires,
        note=_text(spec.get("note", ""), f"{where}.note"),
        rule=rule,
    )


def read_targets(path_or_case: str | os.PathLike) -> CaseTargets:
    """Read and check a targets file before anything runs.

    Args:
        path_or_case: A bundled case name (``"kenya-avocados"``) or a path to a TOML file.

    Returns:
        The case's :class:`CaseTargets`.

    Raises:
        TargetError: Missing or broken file, unknown key, metric, statistic, kind or arm, a
            planned metric without ``requires``, a target without a source, bad bounds.
        ScenarioError: The case or an arm's change names an unknown field or a bad value.

    Examples:
        >>> from sim.validation import read_targets
        >>> case = read_targets("kenya-avocados")
        >>> case.case, list(case.arms), case.targets[0].metric
        ('kenya-avocados', ['before'], 'export_share_output')
    """
    text = os.fspath(path_or_case)
    path = Path(text)
    if not (path.suffix == ".toml" or "/" in text or os.sep in text):
        path = targets_dir() / f"{text}.toml"
        if not path.is_file():
            known = list_target_cases()
            did = did_you_mean(text, known)
            raise TargetError(
                f"no targets for case '{text}'{did} (cases with targets: "
                f"{', '.join(known) or 'none'})"
            )
    where = str(path)
    data = read_toml(path, "targets file", TargetError)
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown(key, _TOP_KEYS, "top-level key", where)
    case = data.get("case")
    if not isinstance(case, str) or not case:
        raise TargetError(f"{where}: 'case' must name the scenario the targets are about")
    scenario = load_scenario(case)
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise TargetError(f"{where}: version = {version!r} is not a whole number of 1 or more")
    steps = data.get("steps", DEFAULT_STEPS)
    if not is_whole_number(steps) or not 1 <= steps <= MAX_STEPS:
        raise TargetError(f"{where}: steps = {steps!r} is not a whole number from 1 to {MAX_STEPS}")
    raw_arms = data.get("arms", {})
    if not isinstance(raw_arms, Mapping):
        raise TargetError(f"{where}: 'arms' must be a table of [arms.NAME] tables")
    if "case" in raw_arms:
        raise TargetError(f"{where}: an arm may not be called 'case' (the case itself)")
    arms = {
        name: _parse_arm(name, spec, scenario, f"{where}: [arms.{name}]")
        for name, spec in raw_arms.items()
    }
    raw = data.get("targets", [])
    if not isinstance(raw, list) or not raw:
        raise TargetError(f"{where}: no [[targets]] given")
    seen: set[str] = set()
    targets = tuple(
        _parse_target(spec, case, arms, steps, f"{where}: target {i + 1}", seen)
        for i, spec in enumerate(raw)
    )
    return CaseTargets(
        case=case,
        scenario=scenario,
        steps=steps,
        arms=arms,
        targets=targets,
        path=path,
        version=version,
        digest=content_digest(data),
    )


def read_all_targets(cases: str | os.PathLike | list | tuple = "all") -> list[CaseTargets]:
    """Read the targets of ``cases``: ``"all"``, one case or path, or a list of them.

    Examples:
        >>> from sim.validation import read_all_targets
        >>> [case.case for case in read_all_targets(["kenya-avocados", "india-leather-shoes"])]
        ['kenya-avocados', 'india-leather-shoes']
        >>> len(read_all_targets("all"))   # the nine case chains
        9
    """
    if isinstance(cases, str) and cases == "all":
        chosen: list = list_target_cases()
    elif isinstance(cases, str | os.PathLike):
        chosen = [cases]
    else:
        chosen = list(cases)
    if not chosen:
        raise TargetError("no cases given")
    return [read_targets(c) for c in chosen]
