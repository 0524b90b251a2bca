"""Write docs/screening.md from a finished Morris sweep over the calibration constants.

The screening (issue 13, item 6) is the sweep ``experiments/sweeps/morris-constants.toml``:
36 calibration constants, each over its default ± 50%, on the baseline scenario. This script
reads the sweep's store, runs the Morris analysis (:func:`sim.sweeps.sensitivity.analyze`) for
every recorded output and writes the tables and the ranking of docs/screening.md. The page's
hand-written reading, between ``<!-- BEGIN READING -->`` and ``<!-- END READING -->``, is kept as
it is, so regenerating never loses it (re-read it when the numbers change). Usage::

    mse-sim sweep experiments/sweeps/morris-constants.toml --out out/morris-constants
    python docs/gen_screening.py out/morris-constants        # rewrites docs/screening.md

A second sweep, ``experiments/sweeps/morris-effects.toml`` (issue 26, item 2), screens the
constants' influence on the guidelines' *effects* (each guideline's paired difference, and the
credit x bargaining interaction) instead of the outcomes' levels; ``--effects STORE`` writes its
section of the page (between ``<!-- BEGIN EFFECTS -->`` and ``<!-- END EFFECTS -->``), keeping
its hand-written reading (``<!-- BEGIN EFFECTS READING -->``) and the rest of the page::

    mse-sim sweep experiments/sweeps/morris-effects.toml --out out/morris-effects
    python docs/gen_screening.py --effects out/morris-effects

``tests/project/test_screening.py`` and ``tests/project/test_screening_effects.py`` check that
the page was made from the specs as they are now (their fingerprints) and names exactly their
constants.
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
from sim.experiments.definitions import GUIDELINES
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
EFFECTS = re.compile(r"<!-- BEGIN EFFECTS -->.*?<!-- END EFFECTS -->", re.S)
EFFECTS_READING = re.compile(r"<!-- BEGIN EFFECTS READING -->.*?<!-- END EFFECTS READING -->", re.S)
DEFAULT_EFFECTS_READING = (
    "<!-- BEGIN EFFECTS READING -->\n(Write the reading of the effects "
    "here.)\n<!-- END EFFECTS READING -->"
)
EFFECTS_SPEC = ROOT / "experiments" / "sweeps" / "morris-effects.toml"
DEFAULT_READING = (
    "<!-- BEGIN READING -->\n(Write the reading of the table here.)\n<!-- END READING -->"
)


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
    noise = (values[:, :k].mean(axis=1) - values[:, k : 2 * k].mean(axis=1)) / 2
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
        raise UserInputError(
            f"'{store.path}' holds a {spec['method']} sweep with "
            f"{spec['replicates']} replicate(s); the screening needs a Morris "
            "sweep with at least 2 replicates"
        )
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
        f"matter: "
        + ", ".join(f"`{p}` ({main_scale * mu.loc[p, MAIN]:.1f} {main_unit})" for p in top)
        + "."
    )
    quiet = [p for p in order if not matters.loc[p, metrics].any()]
    lines.append("")
    lines.append(
        f"{len(quiet)} constants matter for none of the {len(metrics)} outputs: "
        + (", ".join(f"`{p}`" for p in quiet) if quiet else "none")
        + "."
    )
    lines += [
        "",
        reading,
        "",
        "## μ* for every output",
        "",
        "Rows are sorted by μ* on share_upgraded; **bold** marks a constant that "
        "matters for that output; the last row is the noise floor. Shares in percentage "
        "points.",
        "",
    ]
    header = "| constant | module | " + " | ".join(f"`{m}`" for m in metrics) + " |"
    lines += [header, "|" + "---|" * (len(metrics) + 2)]
    for p in order:
        cells = []
        for m in metrics:
            scale, _ = _scale(m)
            text = f"{scale * mu.loc[p, m]:.2f} ± {scale * conf.loc[p, m]:.2f}"
            cells.append(f"**{text}**" if matters.loc[p, m] else text)
        lines.append(f"| `{p}` | {_module(p)} | " + " | ".join(cells) + " |")
    lines.append(
        "| *noise floor* | (dummy factor) | "
        + " | ".join(f"{_scale(m)[0] * floor[m]:.2f}" for m in metrics)
        + " |"
    )
    lines += [
        "",
        "## σ/μ* on share_upgraded (interactions and non-linearity)",
        "",
        "| constant | μ* (points) | σ (points) | σ/μ* |",
        "|---|---|---|---|",
    ]
    for p in top:
        ratio = sigma.loc[p, MAIN] / mu.loc[p, MAIN] if mu.loc[p, MAIN] > 0 else float("nan")
        lines.append(
            f"| `{p}` | {main_scale * mu.loc[p, MAIN]:.2f} | "
            f"{main_scale * sigma.loc[p, MAIN]:.2f} | {ratio:.2f} |"
        )
    lines += [
        "",
        "## Screened ranges",
        "",
        "| constant | default | low | high | unit |",
        "|---|---|---|---|---|",
    ]
    for p in order:
        name, _, element = p.partition(".")
        c = REGISTRY[name]
        default = c.default[c.labels.index(element)] if element else c.default
        bounds = spec["parameters"][p]
        lines.append(f"| `{p}` | {default:g} | {bounds['low']:g} | {bounds['high']:g} | {c.unit} |")
    return "\n".join(lines) + "\n"


def effect_indices(store: str | Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Return the Morris indices of every effect column, the manifest, and per-column facts.

    The facts, per effect column: the mean effect over design points, the smallest and
    largest point mean (the mean over replicates at a point), the share of points where the
    effect has the direction the paper implies (for a guideline's expected metrics), and the
    noise floor.

    Raises:
        UserInputError: Not a finished Morris sweep with effects and at least 2 replicates.
    """
    store = SweepStore(store)
    manifest = store.manifest()
    spec = manifest["spec"]
    if spec["method"] != "morris" or spec["replicates"] < 2 or not spec.get("effects"):
        raise UserInputError(
            f"'{store.path}' is not a Morris sweep with [effects] and at least 2 replicates"
        )
    step = spec["at_steps"][-1]
    runs = store.read()
    rows, facts = [], []
    for name, effect in spec["effects"].items():
        expect = GUIDELINES[effect["guideline"]].expect if "guideline" in effect else {}
        for metric in effect["metrics"]:
            column = f"{name}/{metric}@{step}"
            table = analyze(store.path, f"{name}/{metric}")
            rows.append(table.assign(effect=name, metric=metric))
            points = runs.groupby("point_id")[column].mean()
            direction = expect.get(metric)
            agree = (
                float(np.mean(points > 0 if direction == "up" else points < 0))
                if direction
                else float("nan")
            )
            against = (
                float(np.mean(points < 0 if direction == "up" else points > 0))
                if direction
                else float("nan")
            )
            facts.append(
                {
                    "effect": name,
                    "metric": metric,
                    "mean": float(points.mean()),
                    "low": float(points.min()),
                    "high": float(points.max()),
                    "direction": direction or "",
                    "agree": agree,
                    "against": against,
                    "floor": noise_floor(runs, column, spec),
                }
            )
    return pd.concat(rows, ignore_index=True), manifest, pd.DataFrame(facts)


def _effect_label(effect: str, definition: dict) -> str:
    if "guideline" in definition:
        g = GUIDELINES[definition["guideline"]]
        return f"g{g.number}: {g.action}"
    a, b = definition["interaction"]
    return f"{a} × {b}: {GUIDELINES[a].action} × {GUIDELINES[b].action} (interaction)"


def _number(value: float, metric: str) -> str:
    """A number in the page's unit: shares in points (2 decimals), others to 3 digits."""
    scale, _ = _scale(metric)
    return f"{scale * value:.2f}" if scale != 1.0 else f"{value:.3g}"


def effects_section(table: pd.DataFrame, manifest: dict, facts: pd.DataFrame, reading: str) -> str:
    """Return the effects section of the page (between its markers)."""
    spec = manifest["spec"]
    n_params = len(spec["parameters"])
    runs = spec["samples"] * (n_params + 1) * spec["replicates"]
    step = spec["at_steps"][-1]
    table = table.assign(column=table["effect"] + "/" + table["metric"])
    mu = table.pivot(index="parameter", columns="column", values="mu_star")
    conf = table.pivot(index="parameter", columns="column", values="mu_star_conf")
    facts = facts.assign(column=facts["effect"] + "/" + facts["metric"]).set_index("column")
    floor = facts["floor"]
    matters = (mu.div(mu.max(axis=0), axis=1) >= MATTERS) & (mu - conf).gt(floor, axis=1)
    columns = list(facts.index)
    order = matters[columns].sum(axis=1).add(mu[columns].rank(pct=True).mean(axis=1) / 10)
    order = order.sort_values(ascending=False).index
    arms = (
        "the point's scenario, each guideline's arms and the interaction's arms (each "
        "distinct arm once)"
    )
    lines = [
        "<!-- BEGIN EFFECTS -->",
        "## Effects: which constants change what the guidelines do?",
        "",
        "<!-- Generated by docs/gen_screening.py --effects from a sweep of "
        "experiments/sweeps/morris-effects.toml; edit only the reading. -->",
        "",
        "The screening above is of *levels*. A constant can leave the level of upgrading alone "
        "and still change how much a guideline raises it, so this second screening takes the "
        "guidelines' *effects* as its outputs: at every design point and seed, each "
        "guideline's intervention arm minus its baseline arm on the same seed, and the "
        "credit × bargaining interaction (both guidelines' changes together, minus each "
        "alone, plus neither).",
        "",
        "```bash",
        "mse-sim sweep experiments/sweeps/morris-effects.toml --out out/morris-effects",
        "python docs/gen_screening.py --effects out/morris-effects",
        "```",
        "",
        f"- Design: Morris, {spec['samples']} trajectories, {spec['levels']} levels, "
        f"{n_params} constants (the 14 that matter for some level above, and 5 that carry a "
        "guideline's own mechanism), each over its default ± 50%; "
        f"{spec['replicates']} seeds per design point, the same at every point (common "
        f"random numbers); {spec['scenario']['n_mse']} MSEs, {spec['steps']} months, "
        f"`{spec['scenario']['name']}` scenario: {runs} runs, each with {arms}.",
        "- Outputs: each effect at month "
        f"{step} on the guideline's key metrics (g5 on `share_upgraded_excluded`: the "
        "upgrading gap is derived), in percentage points for shares.",
        "- Noise floor: the μ* of a dummy factor from seed noise alone (the two seeds of a "
        "point against each other, as above). With two seeds per point it is high: a "
        "constant must move an effect by more than the floor across its range to be told "
        "from noise, and smaller influences go unseen.",
        f"- *Matters* as above: μ* at least {MATTERS:.0%} of the largest for that effect and "
        "its interval above the noise floor.",
        f"- Provenance: spec fingerprint `{manifest['fingerprint']}`, mse-sim "
        f"{manifest['version']}, code "
        f"{_code_text(manifest)}, sweep started {manifest['created']}.",
        "",
        "### The effects and what moves them",
        "",
        "Mean over the design points (each the mean of its seeds), the smallest and largest "
        "point, the share of points where the effect has the paper's direction, the noise "
        "floor, and the constants that matter (μ*, the change across the constant's range).",
        "",
        "| effect | metric | mean | range over points | points with the paper's direction "
        "(against it) | noise floor | constants that matter (μ*) |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in columns:
        f = facts.loc[column]
        m = f["metric"]
        unit = _scale(m)[1]
        top = mu.index[matters[column]].tolist()
        top = sorted(top, key=lambda p: -mu.loc[p, column])
        named = ", ".join(f"`{p}` ({_number(mu.loc[p, column], m)})" for p in top) or "none"
        held = (
            f"{f['agree']:.0%} {f['direction']} ({f['against']:.0%})"
            if f["direction"]
            else "(none stated)"
        )
        label = _effect_label(f["effect"], spec["effects"][f["effect"]])
        lines.append(
            f"| {label} | `{m}` ({unit}) | {_number(f['mean'], m)} | "
            f"{_number(f['low'], m)} to {_number(f['high'], m)} | {held} | "
            f"{_number(f['floor'], m)} | {named} |"
        )
    lines += [
        "",
        reading,
        "",
        "### μ* of every constant on every effect",
        "",
        "Rows: constants, most often mattering first; columns: `effect/metric`; "
        "**bold**: matters; the last row is the noise floor. Shares in percentage "
        "points.",
        "",
    ]
    lines.append("| constant | " + " | ".join(f"`{c}`" for c in columns) + " |")
    lines.append("|" + "---|" * (len(columns) + 1))
    for p in order:
        cells = []
        for c in columns:
            m = facts.loc[c, "metric"]
            text = f"{_number(mu.loc[p, c], m)} ± {_number(conf.loc[p, c], m)}"
            cells.append(f"**{text}**" if matters.loc[p, c] else text)
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    lines.append(
        "| *noise floor* | "
        + " | ".join(_number(floor[c], facts.loc[c, "metric"]) for c in columns)
        + " |"
    )
    lines += ["", "<!-- END EFFECTS -->"]
    return "\n".join(lines)


def _code_text(manifest: dict) -> str:
    code = manifest.get("provenance", {}).get("code", {})
    if code.get("commit"):
        return f"`{code['commit'][:12]}`" + (" (uncommitted changes)" if code.get("dirty") else "")
    return code.get("build") or "unknown"


def main(argv: list[str] | None = None) -> int:
    """Rewrite docs/screening.md from finished sweep stores (levels, effects or both)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "store", type=Path, nargs="?", help="the finished levels sweep's folder (morris-constants)"
    )
    parser.add_argument(
        "--effects",
        type=Path,
        metavar="STORE",
        help="the finished effects sweep's folder (morris-effects)",
    )
    args = parser.parse_args(argv)
    if args.store is None and args.effects is None:
        parser.error("give the levels store, --effects STORE, or both")
    old = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    try:
        if args.store is not None:
            table, manifest, floors = indices(args.store)
            found = READING.search(old)
            reading = found.group(0) if found else DEFAULT_READING
            levels = page(table, manifest, floors, reading)
        else:
            levels = EFFECTS.sub("", old).rstrip() + "\n"
        block = EFFECTS.search(old)
        effects = block.group(0) if block else ""
        if args.effects is not None:
            found = EFFECTS_READING.search(old)
            reading = found.group(0) if found else DEFAULT_EFFECTS_READING
            effects = effects_section(*effect_indices(args.effects), reading)
    except UserInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    text = levels.rstrip() + "\n" + (f"\n{effects}\n" if effects else "")
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
