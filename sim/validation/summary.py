"""A validation table in a few numbers: its headline, counts and exit code; and targets met.

:func:`summary_counts` and :func:`headline` say "K of N observations pass" (N counting only
observations that discriminate) and what N leaves out; :func:`exit_code` is the command's;
:func:`targets_met` judges runs already made (the guideline report's) against a case's
targets, without running anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.errors import UserInputError
from sim.metrics import derive
from sim.validation.targets import DIRECTION, FACE, OBSERVATION, read_targets
from sim.validation.validate import (
    COLUMNS,
    FAIL,
    NOT_MODELLED,
    NOT_RUN,
    PASS,
    _row,
    per_seed,
)


def exit_code(table: pd.DataFrame) -> int:
    """Return 0 when every observation in the headline passes, else 1.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS
        >>> table = pd.DataFrame({"status": [PASS, PASS, FAIL], "counts": [True] * 3})
        >>> from sim.validation import exit_code
        >>> exit_code(table), exit_code(table.iloc[:2])   # a counted observation fails: 1
        (1, 0)
    """
    counted = table[table["counts"].astype(bool)]
    return 0 if (counted["status"] == PASS).all() else 1


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    """Count targets by kind and outcome; the headline is ``observations_pass`` of ``N``.

    Keys: ``targets``; ``observations`` (all), ``observations_counted`` (N: modelled and
    discriminating), ``observations_pass`` (K), ``observations_fail``,
    ``observations_uninformative`` (modelled, but pass on most placebos),
    ``observations_unplaced`` (no placebo was run); ``directions``, ``directions_pass``,
    ``directions_discriminate``; the same for ``face``; ``not_yet_modelled``.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS, summary_counts
        >>> table = pd.DataFrame({"kind": ["observation"] * 3, "status": [PASS, PASS, FAIL],
        ...                       "discriminates": [True] * 3, "counts": [True] * 3})
        >>> counts = summary_counts(table)
        >>> counts["observations_pass"], counts["observations_counted"]
        (2, 3)
    """
    kind, status = table["kind"], table["status"]
    disc = table["discriminates"]
    modelled = status.isin([PASS, FAIL])
    counted = table["counts"].astype(bool)
    obs = kind == OBSERVATION
    out = {
        "targets": len(table),
        "observations": int(obs.sum()),
        "observations_counted": int(counted.sum()),
        "observations_pass": int((counted & (status == PASS)).sum()),
        "observations_fail": int((counted & (status == FAIL)).sum()),
        "observations_uninformative": int((obs & modelled & (disc == False)).sum()),  # noqa: E712
        "observations_unplaced": int((obs & modelled & disc.isna()).sum()),
        "not_yet_modelled": int((status == NOT_MODELLED).sum()),
    }
    for name, k in (("directions", DIRECTION), ("face", FACE)):
        rows = (kind == k) & modelled
        out[name] = int(rows.sum())
        out[f"{name}_pass"] = int((rows & (status == PASS)).sum())
        out[f"{name}_discriminate"] = int((rows & (disc == True)).sum())  # noqa: E712
    return out


def headline(table: pd.DataFrame) -> str:
    """Return the validation's headline: "K of N observations pass" and what N leaves out.

    Examples:
        >>> import pandas as pd
        >>> from sim.validation import FAIL, PASS, headline
        >>> table = pd.DataFrame({"kind": ["observation"] * 3, "status": [PASS, PASS, FAIL],
        ...                       "discriminates": [True] * 3, "counts": [True] * 3})
        >>> headline(table).startswith("2 of 3 observations pass")
        True
    """
    c = summary_counts(table)
    text = (
        f"{c['observations_pass']} of {c['observations_counted']} observations pass "
        f"(observations that discriminate: they fail on at least half of their placebos)"
    )
    extra = []
    if c["observations_uninformative"]:
        extra.append(
            f"{c['observations_uninformative']} uninformative observations (pass on "
            "most placebos) not counted"
        )
    if c["observations_unplaced"]:
        extra.append(f"{c['observations_unplaced']} observations without placebo runs not counted")
    if c["not_yet_modelled"]:
        extra.append(f"{c['not_yet_modelled']} targets not yet modelled")
    extra.append(f"directions: {c['directions_pass']} of {c['directions']} pass")
    extra.append(f"face checks: {c['face_pass']} of {c['face']} pass")
    return text + "; " + "; ".join(extra) + "."


def targets_met(
    scenario: str | os.PathLike,
    series: Mapping[str, np.ndarray],
    *,
    arms: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Say which of a case's targets runs already made meet, without running anything.

    For the guideline report: the runs of the scenario the report was made on (its baseline
    arm) are checked against that scenario's targets. A target whose metric was not
    recorded, whose window lies beyond the runs, or whose comparison arm was not run is
    ``not in this run``.

    Args:
        scenario: Scenario name (or targets file) of the runs.
        series: Metric -> array (seeds, months + 1) of the scenario's runs.
        arms: Optional arm name -> the same for other arms of the same seeds.

    Returns:
        A table like :func:`validate`'s, empty if the scenario has no targets file.

    Examples:
        >>> import numpy as np
        >>> import sim
        >>> from sim.validation import targets_met
        >>> runs = [sim.run("kenya-avocados", steps=120, rng=seed, n_mse=200) for seed in (0, 1)]
        >>> series = {m: np.stack([df[m].to_numpy() for df in runs]) for m in sim.METRICS}
        >>> table = targets_met("kenya-avocados", series)   # the targets these runs can judge
        >>> set(table["case"])
        {'kenya-avocados'}
    """
    try:
        ct = read_targets(scenario)
    except UserInputError:
        return pd.DataFrame(columns=list(COLUMNS))
    runs = {"case": series, **(arms or {})}
    rows = []
    for target in ct.targets:
        if not target.modelled:
            rows.append(_row(target, None, NOT_MODELLED))
            continue
        needed = ["case"] + ([target.against] if target.against else [])
        try:
            getters = {a: _series_getter(runs[a], target.window) for a in needed}
            values = per_seed(target, getters)
        except (KeyError, IndexError):
            rows.append(_row(target, None, NOT_RUN))
            continue
        rows.append(_row(target, values))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _series_getter(arm: Mapping[str, np.ndarray], window: tuple[int, int]):
    def get(metric: str) -> np.ndarray:
        data = derive(metric, lambda c: np.asarray(arm[c], float))
        if data.ndim != 2 or data.shape[1] <= window[1]:
            raise IndexError(metric)
        return data

    return get
