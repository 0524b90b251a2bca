"""When does a guideline fail? Scenario discovery with PRIM on a sweep store.

PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999), as implemented in the EMA
Workbench, looks for a box of swept conditions (a range for each of a few parameters) where
the cases of interest -- design points whose outcome falls below a threshold -- are
concentrated. A box is judged by its *coverage* (the share of all cases of interest that
lie inside it) and its *density* (the share of the cases inside it that are of interest).

The outcome of a design point is a metric's mean over its replicates. With a *baseline*
store -- the same sweep spec run without the guideline (same design, same seeds; see
``experiments/sweeps/g4-conditions-*.toml``) -- the outcome is the paired difference, i.e.
the guideline's effect under each set of conditions.

EMA Workbench is an optional dependency: ``pip install 'mse-upgrading[ema]'``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.checks import is_real_number
from sim.errors import UserInputError, import_extra
from sim.metrics import metric_info
from sim.sweeps import SweepStore, output_column

#: Share of the box's cases that must be of interest, when not given: the box reported is
#: the one with the highest coverage among those this dense (PRIM's usual trade-off).
DEFAULT_MIN_DENSITY = 0.8


@dataclass
class Discovery:
    """A PRIM box and how it was found.

    Attributes:
        box: One row per restricted parameter: parameter, low, high, range_low, range_high.
        coverage: Share of the cases of interest inside the box.
        density: Share of the box's cases that are of interest.
        mass: Share of all cases inside the box.
        trajectory: PRIM's peeling trajectory (coverage, density, mass, n_restricted).
        chosen: Row of ``trajectory`` reported.
        n_cases: Design points.
        n_of_interest: Design points whose outcome is below the threshold.
        what: The outcome and threshold in words.
    """

    box: pd.DataFrame
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    chosen: int
    n_cases: int
    n_of_interest: int
    what: str

    def info(self) -> dict:
        """The scalar facts, for words and provenance."""
        return {
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "n_cases": self.n_cases,
            "n_of_interest": self.n_of_interest,
            "what": self.what,
        }


def _prim_module():
    # quiet: EMA's import-time notes on optional packages
    return import_extra("ema_workbench.analysis.prim", "ema", "discover", quiet=".*")


def prim_box(
    x: pd.DataFrame,
    of_interest: np.ndarray,
    *,
    min_density: float = DEFAULT_MIN_DENSITY,
    what: str = "cases of interest",
) -> Discovery:
    """Find the PRIM box of the cases of interest.

    Args:
        x: Conditions, one row per case, one column per parameter.
        of_interest: Boolean per case.
        min_density: The box reported is the highest-coverage one at least this dense
            (the densest one if none is).
        what: The outcome in words.

    Raises:
        UserInputError: No case, or every case, is of interest.
    """
    y = np.asarray(of_interest, bool)
    if not y.any() or y.all():
        raise UserInputError(
            f"{what}: {int(y.sum())} of {y.size} design points; PRIM needs "
            "some inside and some outside (change the threshold)"
        )
    prim = _prim_module()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        finder = prim.Prim(x.reset_index(drop=True).astype(float), y)
        box = finder.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    dense = np.flatnonzero(trajectory["density"].to_numpy() >= min_density)
    chosen = (
        int(dense[np.argmax(trajectory["coverage"].to_numpy()[dense])])
        if dense.size
        else len(trajectory) - 1
    )
    initial = box.box_lims[0]
    limits = box.box_lims[chosen]
    rows = []
    for name in x.columns:
        low, high = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        low0, high0 = float(initial[name].iloc[0]), float(initial[name].iloc[1])
        if low > low0 or high < high0:
            rows.append(
                {
                    "parameter": name,
                    "low": low,
                    "high": high,
                    "range_low": low0,
                    "range_high": high0,
                }
            )
    traj = pd.DataFrame(
        {
            "coverage": trajectory["coverage"],
            "density": trajectory["density"],
            "mass": trajectory["mass"],
            "n_restricted": trajectory["res_dim"],
        }
    )
    return Discovery(
        pd.DataFrame(rows, columns=["parameter", "low", "high", "range_low", "range_high"]),
        float(traj["coverage"].iloc[chosen]),
        float(traj["density"].iloc[chosen]),
        float(traj["mass"].iloc[chosen]),
        traj,
        chosen,
        int(y.size),
        int(y.sum()),
        what,
    )


def store_outcomes(
    store: str | os.PathLike, metric: str, step: int | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """A sweep store's conditions and one outcome per design point (mean over replicates).

    Args:
        store: The sweep's folder.
        metric: A metric of the sweep's outputs (``share_upgraded``), optionally with its
            step (``share_upgraded@120``).
        step: Recorded step (default: the last one recorded).

    Returns:
        ``(conditions, outcome)``, both indexed by point_id.

    Raises:
        UserInputError: Not a store, unknown metric or step, or no finished runs.
    """
    s = SweepStore(store)
    if not Path(store).exists():
        raise UserInputError(f"store: '{store}' does not exist (give the --out folder of a sweep)")
    manifest = s.manifest()
    spec = manifest["spec"]
    outputs, at_steps = list(spec["outputs"]), [int(v) for v in spec["at_steps"]]
    name, _, at = metric.partition("@")
    if name not in outputs:
        raise UserInputError(
            f"--metric: value {metric!r} is not an output of '{store}' "
            f"(allowed: {', '.join(outputs)})"
        )
    if at:
        try:
            step = int(at)
        except ValueError:
            raise UserInputError(f"--metric: step in {metric!r} is not a whole number") from None
    step = at_steps[-1] if step is None else step
    if step not in at_steps:
        raise UserInputError(
            f"--step: value {step} was not recorded in '{store}' (allowed: "
            f"{', '.join(map(str, at_steps))})"
        )
    column = output_column(name, step)
    runs = s.read([column])
    if runs.empty:
        raise UserInputError(f"store: '{store}' has no finished runs yet")
    outcome = runs.groupby("point_id")[column].mean()
    design = s.design().set_index("point_id")
    return design.loc[outcome.index], outcome


def discover(
    store: str | os.PathLike,
    metric: str,
    below: float,
    *,
    step: int | None = None,
    baseline: str | os.PathLike | None = None,
    min_density: float = DEFAULT_MIN_DENSITY,
) -> Discovery:
    """Find the conditions under which a metric (or a guideline's effect) falls below ``below``.

    Args:
        store: The sweep's folder.
        metric: An output of the sweep (``share_upgraded`` or ``share_upgraded@120``).
        below: The threshold: design points whose outcome is below it are the cases of
            interest.
        step: Recorded step (default: the last).
        baseline: A store of the same design run without the guideline; the outcome is then
            ``store`` minus ``baseline``, paired by design point.
        min_density: See :func:`prim_box`.

    Raises:
        UserInputError: Bad store, metric, step or baseline, or a threshold outside the
            metric's range.
    """
    if not is_real_number(below, finite=True):
        raise UserInputError(f"--below: value {below!r} is not a number")
    if not 0 < min_density <= 1:
        raise UserInputError(f"--min-density: value {min_density!r} is not in (0, 1]")
    x, y = store_outcomes(store, metric, step)
    name = metric.partition("@")[0]
    info = metric_info(name)
    what = f"{info.label} below {below:g}"
    if baseline is not None:
        bx, by = store_outcomes(baseline, metric, step)
        same = (
            list(bx.columns) == list(x.columns)
            and bx.index.equals(x.index)
            and np.allclose(bx.to_numpy(float), x.to_numpy(float))
        )
        if not same:
            raise UserInputError(
                f"--baseline: '{baseline}' holds another design than "
                f"'{store}' (run the same spec's design without the "
                "guideline)"
            )
        y = y - by
        what = f"the effect on {info.label} below {below:g}"
    if info.kind == "share":
        low, high = (-1.0, 1.0) if baseline is not None else (0.0, 1.0)
        if not low <= below <= high:
            raise UserInputError(
                f"--below: value {below:g} is outside the range of {name} ({low:g} to {high:g})"
            )
    if not (y.min() < below <= y.max()):
        raise UserInputError(
            f"--below: value {below:g} is outside the range of {name} in the store "
            f"({y.min():.4g} to {y.max():.4g}): PRIM needs design points on both sides"
        )
    result = prim_box(x, (y < below).to_numpy(), min_density=min_density, what=what)
    return result
