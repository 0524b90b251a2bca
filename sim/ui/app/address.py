"""The page's address keeps what is on screen, so a reload or a shared link opens the same state.

The query string holds the scenario, the mode, the guideline, the levers moved away from the
scenario file's values, the number fields, the language and the speed, e.g.
``?scenario=kenya-avocados&mode=guideline&g=g1&credit_access=0.6``. Reading it back never
fails: a value that cannot be used is left out and named in :attr:`PageState.problems`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.scenario import FIELDS, LEVERS
from sim.ui.app.session import (
    DEFAULT_HORIZON,
    DEFAULT_SCENARIO,
    HORIZON_RANGE,
    N_MSE_RANGE,
    SEED_RANGE,
    FieldProblem,
    Settings,
    parse_whole_number,
    scenario_record,
)
from sim.ui.i18n import DEFAULT_LANGUAGE, LANGUAGES

#: Speeds of the play loop, by name: the least time each month stays on screen, seconds.
#: Slow shows about 2 months a second (time to point at something); normal about 10, so ten
#: years take about 12 s; fast as quickly as the machine draws them.
SPEEDS: dict[str, float] = {"slow": 0.5, "normal": 0.1, "fast": 0.0}
DEFAULT_SPEED = "normal"

#: Lever values in the address are rounded to the sliders' step.
LEVER_DECIMALS = 2


@dataclass
class PageState:
    """What the address says the page shows.

    Attributes:
        scenario: Scenario name.
        guideline: ``g1`` ... ``g7`` in Guideline mode, else None.
        levers: Levers moved away from the scenario file's values.
        n_mse: Number of MSEs, if not the scenario's.
        seed: Seed of the run on screen.
        horizon: Months to run.
        lang: Language.
        speed: A key of :data:`SPEEDS`.
        problems: What in the address could not be used: (key, value) pairs.
    """

    scenario: str
    guideline: str | None = None
    levers: dict[str, float] = field(default_factory=dict)
    n_mse: int | None = None
    seed: int = 0
    horizon: int = DEFAULT_HORIZON
    lang: str = DEFAULT_LANGUAGE
    speed: str = DEFAULT_SPEED
    problems: list[tuple[str, str]] = field(default_factory=list)


def to_query(state: PageState, defaults: Mapping[str, Any]) -> str:
    """Write `state` as a query string (without ``?``); `defaults` are the scenario file's."""
    items: list[tuple[str, str]] = [
        ("scenario", state.scenario),
        ("mode", "guideline" if state.guideline else "explore"),
    ]
    if state.guideline:
        items.append(("g", state.guideline))
    for name in LEVERS:
        value = state.levers.get(name)
        if value is not None and abs(float(value) - float(defaults.get(name, value))) > 1e-9:
            items.append((name, f"{float(value):.{LEVER_DECIMALS}f}".rstrip("0").rstrip(".")))
    if state.n_mse is not None and int(state.n_mse) != int(defaults.get("n_mse", state.n_mse)):
        items.append(("mse", str(int(state.n_mse))))
    if state.seed:
        items.append(("seed", str(state.seed)))
    if state.horizon != DEFAULT_HORIZON:
        items.append(("months", str(state.horizon)))
    if state.lang != DEFAULT_LANGUAGE:
        items.append(("lang", state.lang))
    if state.speed != DEFAULT_SPEED:
        items.append(("speed", state.speed))
    return urlencode(items)


def from_query(
    search: str | None,
    scenarios: Iterable[str],
    default_scenario: str,
    lang: str = DEFAULT_LANGUAGE,
    horizon: int = DEFAULT_HORIZON,
) -> PageState:
    """Read a query string (with or without ``?``) into a :class:`PageState`.

    Args:
        search: The address' query string, or None.
        scenarios: The scenarios the app offers.
        default_scenario: The scenario when the address names none (or an unknown one).
        lang: The language when the address names none.
        horizon: The months to run when the address names none.
    """
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
    query = dict(pairs)
    scenarios = list(scenarios)
    state = PageState(default_scenario, lang=lang, horizon=horizon)
    problems = state.problems
    name = query.get("scenario")
    if name is not None:
        if name in scenarios:
            state.scenario = name
        else:
            problems.append(("scenario", name))
    mode = query.get("mode", "explore")
    gid = query.get("g")
    if mode == "guideline":
        if gid in GUIDELINES:
            state.guideline = gid
        else:
            state.guideline = "g3"
            if gid is not None:
                problems.append(("g", gid))
    elif mode != "explore":
        problems.append(("mode", mode))
    for lever in LEVERS:
        if lever in query:
            spec = FIELDS[lever]
            try:
                value = float(query[lever])
            except ValueError:
                problems.append((lever, query[lever]))
                continue
            if spec.low <= value <= spec.high:
                state.levers[lever] = round(value, LEVER_DECIMALS)
            else:
                problems.append((lever, query[lever]))
    for key, low_high, attr in (
        ("mse", N_MSE_RANGE, "n_mse"),
        ("seed", SEED_RANGE, "seed"),
        ("months", HORIZON_RANGE, "horizon"),
    ):
        if key in query:
            try:
                setattr(state, attr, parse_whole_number(query[key], *low_high, key))
            except FieldProblem:
                problems.append((key, query[key]))
    if "lang" in query:
        if query["lang"] in LANGUAGES:
            state.lang = query["lang"]
        else:
            problems.append(("lang", query["lang"]))
    if "speed" in query:
        if query["speed"] in SPEEDS:
            state.speed = query["speed"]
        else:
            problems.append(("speed", query["speed"]))
    return state


def default_settings(name: str) -> dict[str, Any]:
    """Return the scenario record a page starts from for scenario ``name``."""
    try:
        return scenario_record(name)
    except UserInputError:  # no bundled scenarios (e.g. a bare checkout): the defaults
        return {**scenario_record(DEFAULT_SCENARIO), "name": name}


def settings_of(state: PageState) -> Settings:
    """Return the run settings an address' state asks for."""
    record = {**default_settings(state.scenario), **state.levers}
    if state.n_mse is not None:
        record["n_mse"] = state.n_mse
    return Settings(record, state.seed, state.guideline, state.horizon)


def state_of(settings: Settings, lang: str, speed: str) -> PageState:
    """Return the address' state of what is on screen."""
    defaults = default_settings(settings.scenario["name"])
    levers = {
        n: float(settings.scenario[n])
        for n in LEVERS
        if abs(float(settings.scenario[n]) - float(defaults[n])) > 1e-9
    }
    return PageState(
        settings.scenario["name"],
        settings.guideline,
        levers,
        int(settings.scenario["n_mse"]),
        settings.seed,
        settings.horizon,
        lang,
        speed,
    )
