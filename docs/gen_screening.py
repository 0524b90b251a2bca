"""Write docs/screening.md from a finished Morris sweep over the calibration constants.

The screening (issue 13, item 6) is the sweep ``experiments/sweeps/morris-constants.toml``:
36 calibration constants, each over its default ± 50%, on the baseline scenario. This script
reads the sweep's store, runs the Morris analysis (:func:`sim.sweeps.sensitivity.analyze`) for
every recorded output and writes the tables and the ranking of docs/screening.md. The page's
hand-written reading, between ``<!-- BEGIN READING -->`` and ``<!-- END READING -->``, is kept as
it is, so regenerating never loses it (re-read it when the numbers change). Usage::

    mse-sim sweep experiments/sweeps/morris-constants.toml --out out/morris-constants
    python docs/gen_screening.py out/morris-constants        # rewrites docs/screening.md

``tests/project/test_screening.py`` checks that the page was made from the spec as it is now (its
fingerprint) and names exactly the spec's constants.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.constants import REGISTRY
from sim.errors import UserInputError
from sim.metrics import METRIC_INFO
from sim.sweeps.sensitivity import analyze
from sim.sweeps.spec import output_column
from sim.sweeps.store import SweepStore

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "screening.md"
SPEC = ROOT / "experiments" / "sweeps" / "morris-constants.toml"
#: The output the ranking is about: the paper's question is why MSEs upgrade or do not.
MAIN = "share_upgraded"
#: A constant "matters" for an output when its mu* is at least this share of the largest mu*
#: for that output (the usual screening rule of thumb; Campolongo et al. 2007 use mu* ranks).
MATTERS = 0.10
READING = re.compile(r"<!-- BEGIN READING -->.*?<!-- END READING -->", re.S)
DEFAULT_READING = ("<!-- BEGIN READING -->\n(Write the reading of the table here.)\n"
                   "<!-- END READING -->")


def _module(name: str) -> str:
    return REGISTRY[name.split(".")[0]].module


def _scale(metric: str) -> tuple[float, str]:
    """Shares are shown in percentage points, money as it is."""
    if METRIC_INFO[metric].kind == "share":
        return 100.0, "points"
    return 1.0, METRIC_INFO[metric].unit


def noise_floor(runs: pd.DataFrame, column: str, spec: dict) -> float:
    """Return the μ* a factor with no effect at all would get: the replicate noise's floor.

    Within each design point, half the replicates' mean minus the other half's, halved, is
    pure noise with the variance of the point's mean (for independent replicates). Taking
    its elementary "effects" along each trajectory exactly as Morris takes the outputs' gives
    the μ* of a dummy factor (the classic check of a screening; Saltelli et al. 2008, ch. 3).

    Args:
        runs: The store's runs (``point_id``, ``replicate`` and ``column``).
        column: The output column.
        spec: The sweep's normalized spec.
    """
    k = spec["replicates"] // 2
    wide = runs.pivot(index="point_id", columns="replicate", values=column).sort_index()
    values = wide.to_numpy(dtype=float)
    # Using 2k of the R replicates: rescale to the variance of the mean of all R.
    noise = (values[:, :k].mean(axis=1) - values[:, k:2 * k].mean(axis=1)) / 2
    noise *= np.sqrt(2 * k / spec["replicates"])
    delta = spec["levels"] / (2 * (spec["levels"] - 1))
    trajectories = noise.reshape(-1, len(spec["parameters"]) + 1)
    return float(np.mean(np.abs(np.diff(trajectories, axis=1))) / delta)


def indices(store: str | Path) -> tuple[pd.DataFrame, dict, dict[str, float]]:
    """Return the Morris indices of every output (long table), the manifest and noise floors.

    Raises:
        UserInputError: Not a finished Morris sweep with at least two replicates.
    """
    store = SweepStore(store)
    manifest = store.manifest()
    spec = manifest["spec"]
    if spec["method"] != "morris" or spec["replicates"] < 2:
        raise UserInputError(f"'{store.path}' holds a {spec['method']} sweep with "
                             f"{spec['replicates']} replicate(s); the screening needs a Morris "
                             "sweep with at least 2 replicates")
    step = spec["at_steps"][-1]
    rows, floors = [], {}
    runs = store.read()
    for metric in spec["outputs"]:
        table = analyze(store.path, metric)
        rows.append(table.assign(metric=metric))
        floors[metric] = noise_floor(runs, output_column(metric, step), spec)
    return pd.concat(rows, ignore_index=True), manifest, floors


def page(table: pd.DataFrame, manifest: dict, floors: dict[str, float], reading: str) -> str:
    """Return the Markdown page for a long table of Morris indices and the noise floors."""
    spec = manifest["spec"]
    metrics = list(spec["outputs"])
    mu = table.pivot(index="parameter", columns="metric", values="mu_star")
    conf = table.pivot(index="parameter", columns="metric", values="mu_star_conf")
    sigma = table.pivot(index="parameter", columns="metric", values="sigma")
    order = mu[MAIN].sort_values(ascending=False).index
    floor = pd.Series(floors)
    # Matters: among the largest for the output, and told apart from a dummy factor.
    matters = (mu.div(mu.max(axis=0), axis=1) >= MATTERS) & (mu - conf).gt(floor, axis=1)
    n_params = len(spec["parameters"])
    runs = spec["samples"] * (n_params + 1) * spec["replicates"]
    step = spec["at_steps"][-1]
    lines = [
        "# Which calibration constants matter? A Morris screening",
        "",
        "<!-- Generated by docs/gen_screening.py from a sweep of "
        "experiments/sweeps/morris-constants.toml; edit only the reading. -->",
        "",
        f"The model has {len(REGISTRY)} calibration constants (`mse-sim constants`; ODD "
        "Table 2), almost all judgement calls: the seed gives directions, not numbers. This "
        f"screening moves {n_params} of them at once, each over its default ± 50% (inside its "
        "allowed range), with Morris's elementary-effects design on the `baseline` scenario, "
        "and asks which of them move the outcomes at month "
        f"{step}. It does not say the defaults are right; it says where being wrong would "
        "matter most, and so which constants a calibration (`mse-sim calibrate`) or a new "
        "source should pin down first.",
        "",
        "## How it was made",
        "",
        "```bash",
        "mse-sim sweep experiments/sweeps/morris-constants.toml --out out/morris-constants",
        "python docs/gen_screening.py out/morris-constants",
        "```",
        "",
        f"- Design: Morris, {spec['samples']} trajectories, {spec['levels']} levels, "
        f"{n_params} factors, {spec['replicates']} replicates (seeds) per design point: "
        f"{runs} runs of {spec['steps']} months, `{spec['scenario']['name']}` scenario.",
        "- Analysis: `SALib.analyze.morris` on the mean over replicates of each design point "
        "(`mse-sim analyze`); μ* is the mean absolute elementary effect, in the output's "
        "unit for a move across the whole range (shares in percentage points), σ the "
        "standard deviation of the effects (large σ/μ*: interactions or non-linearity), "
        "± the 95% bootstrap half-width of μ*.",
        f"- A constant *matters* for an output when its μ* is at least {MATTERS:.0%} of the "
        "largest μ* for that output (a screening rule of thumb) and the lower end of its "
        "interval is above the *noise floor*: the μ* that a dummy factor with no effect gets "
        "from replicate noise alone (estimated from the replicates: half of them against the "
        "other half, along the same trajectories).",
        f"- Provenance: spec fingerprint `{manifest['fingerprint']}`, mse-sim "
        f"{manifest['version']}, sweep started {manifest['created']}.",
        "",
        "## What matters for upgrading",
        "",
    ]
    main_scale, main_unit = _scale(MAIN)
    top = [p for p in order if matters.loc[p, MAIN]]
    lines.append(
        f"For `{MAIN}` ({METRIC_INFO[MAIN].label}; noise floor "
        f"{main_scale * floor[MAIN]:.1f} {main_unit}), {len(top)} of {n_params} constants "
        f"matter: " + ", ".join(
            f"`{p}` ({main_scale * mu.loc[p, MAIN]:.1f} {main_unit})" for p in top) + ".")
    quiet = [p for p in order if not matters.loc[p, metrics].any()]
    lines.append("")
    lines.append(
        f"{len(quiet)} constants matter for none of the {len(metrics)} outputs: "
        + (", ".join(f"`{p}`" for p in quiet) if quiet else "none") + ".")
    lines += ["", reading, "", "## μ* for every output", "",
              "Rows are sorted by μ* on share_upgraded; **bold** marks a constant that "
              "matters for that output; the last row is the noise floor. Shares in percentage "
              "points.", ""]
    header = "| constant | module | " + " | ".join(f"`{m}`" for m in metrics) + " |"
    lines += [header, "|" + "---|" * (len(metrics) + 2)]
    for p in order:
        cells = []
        for m in metrics:
            scale, _ = _scale(m)
            text = f"{scale * mu.loc[p, m]:.2f} ± {scale * conf.loc[p, m]:.2f}"
            cells.append(f"**{text}**" if matters.loc[p, m] else text)
        lines.append(f"| `{p}` | {_module(p)} | " + " | ".join(cells) + " |")
    lines.append("| *noise floor* | (dummy factor) | " + " | ".join(
        f"{_scale(m)[0] * floor[m]:.2f}" for m in metrics) + " |")
    lines += ["", "## σ/μ* on share_upgraded (interactions and non-linearity)", "",
              "| constant | μ* (points) | σ (points) | σ/μ* |", "|---|---|---|---|"]
    for p in top:
        ratio = sigma.loc[p, MAIN] / mu.loc[p, MAIN] if mu.loc[p, MAIN] > 0 else float("nan")
        lines.append(f"| `{p}` | {main_scale * mu.loc[p, MAIN]:.2f} | "
                     f"{main_scale * sigma.loc[p, MAIN]:.2f} | {ratio:.2f} |")
    lines += ["", "## Screened ranges", "",
              "| constant | default | low | high | unit |", "|---|---|---|---|---|"]
    for p in order:
        name, _, element = p.partition(".")
        c = REGISTRY[name]
        default = c.default[c.labels.index(element)] if element else c.default
        bounds = spec["parameters"][p]
        lines.append(f"| `{p}` | {default:g} | {bounds['low']:g} | {bounds['high']:g} | "
                     f"{c.unit} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite docs/screening.md from a finished sweep store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="the finished sweep's folder")
    args = parser.parse_args(argv)
    try:
        table, manifest, floors = indices(args.store)
    except UserInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    old = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    found = READING.search(old)
    reading = found.group(0) if found else DEFAULT_READING
    PAGE.write_text(page(table, manifest, floors, reading), encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
