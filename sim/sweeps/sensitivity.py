"""Sensitivity analysis of a sweep store: SALib indices and grid main effects.

:func:`analyze` reads only the columns it needs from a store written by :func:`sim.sweeps.sweep`
(design point, replicate and one output), so a store of 100,000 runs with whole time series is
analysed without loading them. Replicates are averaged per design point before the SALib
analysers see them, which removes most of the model's stochastic noise from the indices.

======== ============================================= ========================================
method   analyser                                      columns
======== ============================================= ========================================
sobol    ``SALib.analyze.sobol`` (Saltelli/Jansen)     S1, S1_conf, ST, ST_conf
morris   ``SALib.analyze.morris``                      mu, mu_star, mu_star_conf, sigma
lhs      ``SALib.analyze.rbd_fast``                    S1, S1_conf
grid     main effects (mean over the other factors)    value, mean, ci_low, ci_high, n_points
======== ============================================= ========================================

``*_conf`` columns are half-widths of the confidence interval at ``conf_level``. Every table
has a ``flag`` column (:mod:`sim.sweeps.flags`: an index outside [0, 1] beyond its interval,
an interval too wide to read, with the N that would do) and ``attrs["warnings"]``. A Sobol'
design with ``second_order`` also gives ``attrs["second_order"]`` (S2 and S2_conf per pair), a
grid ``attrs["effects"]`` (main and pairwise interaction terms with intervals over replicates,
:mod:`sim.sweeps.interactions`); :func:`sim.sweeps.interactions.effects_frame` returns either
as a table. A sweep with ``[effects]`` is analysed on an effect with
``metric = "NAME/metric"`` (e.g. ``g4/share_process``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserInputError
from sim.sweeps.flags import flag_grid, flag_indices
from sim.sweeps.interactions import grid_effects, second_order_rows
from sim.sweeps.spec import output_column
from sim.sweeps.store import SweepStore


def resolve_metric(manifest: dict[str, Any], metric: str, step: int | None) -> tuple[str, int]:
    """Return ``(metric, step)`` for a ``--metric`` (``name`` or ``name@step``) and ``--step``.

    Raises:
        UserInputError: The metric or step was not recorded by the sweep.
    """
    spec = manifest["spec"]
    effect, slash, metric = metric.rpartition("/")
    if slash:
        effects = spec.get("effects", {})
        if effect not in effects:
            raise UserInputError(
                f"--metric {effect}/...: this sweep recorded no effect {effect!r} (effects: "
                f"{', '.join(effects) or 'none'})"
            )
        name, step = resolve_metric(manifest, metric, step)
        if name not in effects[effect]["metrics"]:
            raise UserInputError(
                f"--metric {effect}/{name}: effect {effect!r} was recorded on "
                f"{', '.join(effects[effect]['metrics'])} only"
            )
        return f"{effect}/{name}", step
    name, sep, step_text = metric.partition("@")
    if sep:
        if step is not None:
            raise UserInputError(f"--metric {metric!r} names a step already; drop --step")
        try:
            step = int(step_text)
        except ValueError:
            raise UserInputError(
                f"--metric {metric!r}: step {step_text!r} is not a whole number"
            ) from None
    if name not in spec["outputs"]:
        raise UserInputError(
            f"--metric {name!r} was not recorded by this sweep (outputs: "
            f"{', '.join(spec['outputs'])})"
        )
    steps = spec["at_steps"]
    if step is None:
        step = steps[-1]
    if step not in steps:
        shown = steps if len(steps) <= 12 else [*steps[:5], "...", *steps[-5:]]
        raise UserInputError(
            f"--step {step} was not recorded by this sweep (at_steps: {', '.join(map(str, shown))})"
        )
    return name, step


def point_means(store: SweepStore, column: str, n_points: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Return the per-design-point mean of ``column`` (in design order) and the runs read.

    Raises:
        UserInputError: Some design point has no finished run yet.
    """
    runs = store.read(columns=[column])
    manifest = store.manifest()
    if len(runs) < manifest["n_runs"]:
        raise UserInputError(
            f"the sweep in '{store.path}' is not finished ({len(runs)} of "
            f"{manifest['n_runs']} runs); rerun the same `mse-sim sweep` command to resume it"
        )
    means = runs.groupby("point_id")[column].mean().reindex(range(n_points))
    return means.to_numpy(dtype=float), runs


def analyze(
    out: str | os.PathLike,
    metric: str,
    *,
    step: int | None = None,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Analyse one output of a finished sweep.

    Args:
        out: The sweep's store folder.
        metric: Output name, optionally with ``@step`` (e.g. ``"share_upgraded@60"``).
        step: Recorded step (default: the last one recorded).
        conf_level: Confidence level of the intervals.
        num_resamples: Bootstrap resamples of the SALib analysers.
        seed: Seed of the bootstrap: every value, 0 included, gives the same intervals on
            every call.

    Returns:
        One row per parameter (per parameter and value for grids); see the module docstring
        for the columns, and ``flag`` for what cannot be read. ``attrs`` holds method,
        metric, step, run counts, ``warnings``, the grid's ``effects`` or Sobol'
        ``second_order`` records, and the sweep's provenance.

    Raises:
        UserInputError: Not a sweep folder, unfinished sweep, unknown metric or step, or a bad
            confidence level.

    Examples:
        >>> import sim
        >>> spec = {"sweep": {"scenario": "baseline", "steps": 12, "replicates": 2, "seed": 1,
        ...                   "method": "grid", "outputs": ["share_upgraded"]},
        ...         "parameters": {"credit_access": [0.2, 0.8]}, "fixed": {"n_mse": 100}}
        >>> _ = sim.sweep(spec, out="store", workers=1, progress=False)
        >>> effects = sim.analyze("store", "share_upgraded")   # grid: main effects with CIs
        >>> list(effects.columns[:5]), len(effects)
        (['parameter', 'value', 'mean', 'ci_low', 'ci_high'], 2)
    """
    if not 0 < conf_level < 1:
        raise UserInputError(f"--conf-level {conf_level}: must be between 0 and 1")
    store = SweepStore(out)
    manifest = store.manifest()
    name, step = resolve_metric(manifest, metric, step)
    column = output_column(name, step)
    spec = manifest["spec"]
    design = store.design()
    names = list(spec["parameters"])
    y, runs = point_means(store, column, len(design))
    if not np.all(np.isfinite(y)):
        raise UserInputError(f"output {column} has missing or infinite values; cannot analyse")
    method = spec["method"]
    extra: dict[str, Any] = {}
    if method == "grid":
        table = grid_main_effects(design, runs, names, column, conf_level)
        flags, warnings = flag_grid(table, spec["replicates"])
        extra["effects"] = grid_effects(design, runs, names, column, conf_level)
    else:
        problem = {
            "num_vars": len(names),
            "names": names,
            "bounds": [
                [spec["parameters"][n]["low"], spec["parameters"][n]["high"]] for n in names
            ],
        }
        x = design[names].to_numpy(dtype=float)
        table = salib_indices(
            method,
            problem,
            x,
            y,
            conf_level=conf_level,
            num_resamples=num_resamples,
            seed=seed,
            second_order=bool(spec.get("second_order")),
            levels=spec.get("levels") or 4,
        )
        if "second_order" in table.attrs:
            extra["second_order"] = table.attrs["second_order"]
        flags, warnings = flag_indices(
            table, method, spec["samples"], extra.get("second_order", ())
        )
    table["flag"] = flags
    table.attrs = {
        **extra,
        "warnings": warnings,
        "crn": bool(spec.get("crn")),
        "method": method,
        "metric": name,
        "step": step,
        "column": column,
        "n_points": len(design),
        "n_runs": len(runs),
        "replicates": spec["replicates"],
        "conf_level": conf_level,
        "out": str(out),
        "sweep_provenance": manifest.get("provenance", {"version": manifest.get("version")}),
    }
    return table


def salib_indices(
    method: str,
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 0,
    second_order: bool = False,
    levels: int = 4,
) -> pd.DataFrame:
    """Run the SALib analyser of a sampled design on outputs ``y`` (one per design row).

    Args:
        method: ``sobol``, ``morris`` or ``lhs``.
        problem: SALib problem (names and bounds).
        x: Design matrix, in the sampler's row order.
        y: Output per design row.
        conf_level: Confidence level.
        num_resamples: Bootstrap resamples.
        seed: Bootstrap seed.
        second_order: Sobol: the design includes second-order cross-samples.
        levels: Morris: number of levels of the design.

    Returns:
        One row per parameter.
    """
    names = problem["names"]
    if method == "sobol":
        from SALib.analyze import sobol

        # SALib's Sobol' analyser treats a falsy seed (0) as no seed and then resamples from
        # numpy's global generator; a Generator is always used as given, so every seed,
        # 0 included, fixes the bootstrap (and other seeds give the same numbers as before).
        si = sobol.analyze(
            problem,
            y,
            calc_second_order=second_order,
            conf_level=conf_level,
            num_resamples=num_resamples,
            seed=np.random.default_rng(seed),
        )
        keys = ["S1", "S1_conf", "ST", "ST_conf"]
    elif method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(
            problem,
            x,
            y,
            conf_level=conf_level,
            num_resamples=num_resamples,
            num_levels=levels,
            seed=seed,
        )
        keys = ["mu", "mu_star", "mu_star_conf", "sigma"]
    elif method == "lhs":
        from SALib.analyze import rbd_fast

        si = rbd_fast.analyze(
            problem, x, y, conf_level=conf_level, num_resamples=num_resamples, seed=seed
        )
        keys = ["S1", "S1_conf"]
    else:
        raise ValueError(f"no SALib analyser for method {method!r}")
    table = pd.DataFrame({k: np.asarray(si[k], dtype=float) for k in keys})
    table.insert(0, "parameter", names)
    if method == "sobol" and second_order:
        table.attrs["second_order"] = second_order_rows(
            list(names), np.asarray(si["S2"], float), np.asarray(si["S2_conf"], float)
        )
    return table


def grid_main_effects(
    design: pd.DataFrame, runs: pd.DataFrame, names: list[str], column: str, conf_level: float
) -> pd.DataFrame:
    """Return the main effect of each grid parameter: the output averaged over the others.

    For each value of a parameter, ``mean`` is the average over design points with that value
    of the point means (the mean over replicates). Its interval is a t interval from the
    replicate-to-replicate spread within points (pooled), i.e. the Monte Carlo error of the
    main effect; with one replicate per point it is undefined (NaN).
    """
    from scipy import stats

    per_point = runs.groupby("point_id")[column].agg(["mean", "var", "count"])
    per_point = design.set_index("point_id").join(per_point)
    rows = []
    for name in names:
        for value, group in per_point.groupby(name, sort=True):
            n_points = len(group)
            mean = group["mean"].mean()
            dof = int((group["count"] - 1).sum())
            if dof > 0:
                se = float(np.sqrt((group["var"] / group["count"]).sum()) / n_points)
                half = float(stats.t.ppf(0.5 + conf_level / 2, dof)) * se
            else:
                half = float("nan")
            rows.append(
                {
                    "parameter": name,
                    "value": value,
                    "mean": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "n_points": n_points,
                    "n_runs": int(group["count"].sum()),
                }
            )
    return pd.DataFrame(rows)
