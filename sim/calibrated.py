"""The shipped posterior of the calibration constants (``sim.posterior()``).

The pooled calibration (``mse-sim calibrate --pooled``, :mod:`sim.validation.calibrate_pooled`)
fits the shared calibration constants to every case's observation targets at once; its last
generation ships as package data, ``sim/data/posterior/pooled.csv`` (one row per draw, one
column per constant, and the ABC weight) with its provenance in ``pooled.json`` (the targets'
version and hash, the model version, the settings, the number of runs, the code's commit).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from sim import __version__
from sim.data import data_path
from sim.errors import UserInputError

#: The shipped posterior's files, below the package's data folder.
POSTERIOR_CSV = ("posterior", "pooled.csv")
POSTERIOR_JSON = ("posterior", "pooled.json")


def posterior() -> pd.DataFrame:
    """Return the shipped posterior's draws: one row per draw, one column per constant.

    ``.attrs`` holds the provenance (``pooled.json``) and ``weights``, the draws' normalised
    ABC-SMC importance weights (a list, in row order): weigh the draws by them, or resample.

    Examples:
        >>> import sim
        >>> draws = sim.posterior()
        >>> len(draws) >= 200, "process_output_gain" in draws.columns
        (True, True)
        >>> {"targets_hash", "model_version", "settings", "weights"} <= set(draws.attrs)
        True
    """
    path = data_path(*POSTERIOR_CSV)
    if not path.is_file():
        raise UserInputError(f"no shipped posterior at {path} (mse-sim calibrate --pooled)")
    df = pd.read_csv(path)
    record: dict[str, Any] = json.loads(data_path(*POSTERIOR_JSON).read_text("utf-8"))
    weights = df.pop("weight") if "weight" in df.columns else pd.Series(1.0 / len(df), df.index)
    df.attrs = {**record, "weights": [float(w) for w in weights / weights.sum()]}
    return df


def fitted_to_another_model() -> str:
    """Why the shipped posterior may not describe this version's model, or ''.

    A posterior is fitted to one model: when a later minor version moved the model's numbers
    (CHANGELOG.md, "Results changed"), its draws are a prior guess for the new model, not its
    posterior, until ``mse-sim calibrate --pooled`` is run again.
    """
    fitted = str(json.loads(data_path(*POSTERIOR_JSON).read_text("utf-8")).get("model_version"))
    if fitted.split(".")[:2] == __version__.split(".")[:2]:
        return ""
    return (
        f"note: the shipped posterior was fitted to mse-sim {fitted}; this is {__version__}, "
        "whose numbers have moved since (CHANGELOG.md). Its draws are not this model's "
        "posterior until `mse-sim calibrate --pooled` is run again."
    )


def draw(k: int) -> dict[str, float]:
    """Return the constants of posterior draw ``k`` (0-based row of :func:`posterior`).

    Raises:
        UserInputError: ``k`` outside the draws, naming the allowed range.
    """
    df = posterior()
    if not 0 <= int(k) < len(df):
        raise UserInputError(f"--draw: value {k} is not a draw (allowed: 0 to {len(df) - 1})")
    return constants_of(df, k)


def constants_of(table: pd.DataFrame, k: int) -> dict[str, float]:
    """The constants of row ``k`` of a posterior table laid out as :func:`posterior`'s.

    One constant per column, as plain floats: what `sim.constants` and a scenario's
    ``replace`` take.
    """
    return {name: float(v) for name, v in table.iloc[int(k)].items()}
