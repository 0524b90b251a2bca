"""``mse-sim validate``: run the cases and check them against their documented targets."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserInputError
from sim.io import write_table
from sim.ui.cli.args import (
    add_engine_options,
    add_quiet_option,
    engine_options,
    positive_int,
    whole_number,
)
from sim.ui.outputs import out_folder
from sim.ui.validation_report import format_bounds, format_value, write_validation_html
from sim.validation import (
    DEFAULT_PLACEBO_SEEDS,
    DEFAULT_SEEDS,
    KINDS,
    NOT_MODELLED,
    exit_code,
    headline,
    validate,
)
from sim.validation.posterior import (
    DEFAULT_DRAWS,
    DEFAULT_POSTERIOR_SEEDS,
    POSTERIOR_PASS_RULE,
    UNCERTAINTY_MODES,
    check_uncertainty,
)
from sim.validation.power import power


def placebo_text(row) -> str:
    """Say how a target did on its placebos, e.g. ``discriminates (passes 2 of 9 placebos)``."""
    if row["placebo_n"] == 0 or pd.isna(row["discriminates"]):
        return "no placebo run"
    verdict = "discriminates" if row["discriminates"] else "uninformative"
    return f"{verdict} (passes {row['placebo_pass']} of {row['placebo_n']} placebos)"


def posterior_text(row) -> str:
    """Say a target's seed-only interval and share of draws passing (posterior uncertainty)."""
    if "share_draws_pass" not in row or not math.isfinite(row["share_draws_pass"]):
        return ""

    def f(v):
        return format_value(v, row["metric"], row["statistic"])

    return (
        f"seeds only [{f(row['seed_low'])}, {f(row['seed_high'])}]; passes in "
        f"{100 * row['share_draws_pass']:.0f}% of {row['n_draws']} plausible models (draws)"
    )


def format_table(table) -> str:
    """Format a validation table for the terminal: observations, then directions and face."""
    lines = []
    posterior = table.attrs.get("uncertainty") == "posterior"
    if posterior:
        lines.append(
            f"posterior uncertainty: {len(table.attrs.get('draws', []))} draws of the shipped "
            f"posterior x {len(table.attrs.get('seeds', []))} seeds; the interval combines "
            f"parameters and seeds. Pass rule: {POSTERIOR_PASS_RULE}."
        )
    for kind in KINDS:
        rows = table[table["kind"] == kind]
        if rows.empty:
            continue
        title = {
            "observation": "Observations (measured magnitudes)",
            "direction": "Directions (sourced signs)",
            "face": "Face checks (the briefing paper's lessons)",
        }[kind]
        lines.append(f"\n{title}")
        lines.append(f"{'case / target':<52} {'model mean [95% CI]':>30} {'target':>16}  result")
        for _, row in rows.iterrows():
            mean = format_value(row["mean"], row["metric"], row["statistic"])
            if row["status"] == NOT_MODELLED:
                ci = f"(needs {row['requires']})"
            else:
                ci = (
                    f"{mean} [{format_value(row['ci_low'], row['metric'], row['statistic'])}"
                    f", {format_value(row['ci_high'], row['metric'], row['statistic'])}]"
                )
            case = Path(row["case"]).stem if "/" in row["case"] else row["case"]
            name = f"{case} / {row['id']}"
            # A rule other than the default is named: "pass (interval)".
            status = row["status"] + ("" if row["rule"] in ("", "mean") else f" ({row['rule']})")
            lines.append(
                f"{name[:52]:<52} {ci:>30} {format_bounds(row):>16}  {status}; {placebo_text(row)}"
            )
            if posterior and (extra := posterior_text(row)):
                lines.append(f"{'':4}{extra}")
            if row["source"]:
                lines.append(f"{'':4}source: {row['source'][:110]}")
    lines.append(f"\n{headline(table)}")
    return "\n".join(lines)


def format_power(table) -> str:
    """Format a power table for the terminal: each target's share of wrong models rejected."""
    a = table.attrs
    models = a.get("models", [])
    kinds = pd.Series([m["kind"] for m in models]).value_counts().to_dict() if models else {}
    lines = [
        f"power: {len(models)} wrong models ({', '.join(f'{n} {k}' for k, n in kinds.items())}"
        f"), {len(a.get('seeds', []))} seeds each; share of wrong models each target "
        "rejects (fails)",
        f"{'case / target':<52} {'rule':>8} {'on case':>8} {'rejects':>9} "
        f"{'mean':>6} {'interval':>9} {'overlap':>8}",
    ]
    for _, row in table.iterrows():
        case = Path(row["case"]).stem if "/" in row["case"] else row["case"]
        name = f"{case} / {row['id']}"
        if row["status"] == NOT_MODELLED:
            lines.append(f"{name[:52]:<52} {'':>8} {'not yet modelled':>8}")
            continue
        status = row["status"] + ("" if row["kind"] == "observation" else "*")
        lines.append(
            f"{name[:52]:<52} {row['rule']:>8} {status:>8} "
            f"{row['rejected']:>3}/{row['n_wrong']:<3}   "
            f"{row['power_mean']:>6.0%} {row['power_interval']:>9.0%} "
            f"{row['power_overlap']:>8.0%}"
        )
    lines.append(
        "(rejects: by the target's own rule; mean / interval / overlap: the share "
        "each pass rule would reject; * a direction or face check, not in the "
        "headline)"
    )
    return "\n".join(lines)


def _cmd_validate(args: argparse.Namespace) -> int:
    if args.power and (args.uncertainty != "seeds" or args.draws is not None):
        raise UserInputError(
            f"--uncertainty: value {args.uncertainty!r} is not allowed with --power "
            "(allowed: seeds, and no --draws)"
        )
    check_uncertainty(args.uncertainty, args.draws)  # before the output folder is made
    out = out_folder(args.out) if args.out else None
    if args.power:
        seeds = {} if args.seeds is None else {"seeds": args.seeds}
        table = power(args.case, progress=not args.quiet, **seeds, **engine_options(args))
        print(format_power(table))
        if out is not None:
            print(f"wrote {write_table(table, out / 'power.csv')}")
        return 0
    # Everything is computed (and every input checked) before the first file is written.
    table = validate(
        args.case,
        seeds=args.seeds,
        progress=not args.quiet,
        placebos=None if args.no_placebo else "bundled",
        placebo_seeds=args.placebo_seeds,
        uncertainty=args.uncertainty,
        draws=args.draws,
        **engine_options(args),
    )
    if note := table.attrs.get("fitted_to_another_model"):
        print(note, file=sys.stderr)
    print(format_table(table))
    if out is not None:
        print(f"wrote {write_table(table, out / 'validation.csv')}")
        print(f"wrote {write_validation_html(table, out / 'validation.html')}")
    return exit_code(table)


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "validate",
        help="run the cases and check them against their documented targets",
        description=(
            "Run each case (and the arms its targets compare with) on the same seeds and "
            "check every documented target: the model's mean over seeds, its 95%% CI, the "
            "target, pass or fail, and the source. Each target is also run on placebos (the "
            "other bundled scenarios): it discriminates when it fails on at least half of "
            "them. The headline counts observations that discriminate: 'K of N observations "
            "pass'; directions and face checks are listed apart. Exit code 0 when every "
            "counted observation passes, 1 when any fails, 2 on bad input. Writes "
            "DIR/validation.csv and DIR/validation.html. See docs/validation.md."
        ),
    )
    p.add_argument(
        "case",
        nargs="?",
        default="all",
        help="a case with targets (e.g. kenya-avocados), a targets .toml file, or all (default)",
    )
    p.add_argument(
        "--seeds",
        type=whole_number,
        default=None,
        help=f"seeds per case and arm, at least 2 (default {DEFAULT_SEEDS}; with "
        f"--uncertainty posterior, seeds per draw, default {DEFAULT_POSTERIOR_SEEDS})",
    )
    p.add_argument(
        "--uncertainty",
        default="seeds",
        metavar="|".join(UNCERTAINTY_MODES),
        help="seeds (default): the model at its default constants, intervals over seeds; "
        "posterior: each case over draws of the shipped posterior of the constants x seeds "
        "(the same seeds at every draw), with the interval combining both beside the "
        "seed-only one and the share of draws under which each target passes",
    )
    p.add_argument(
        "--draws",
        type=whole_number,
        metavar="N",
        help=f"with --uncertainty posterior: posterior draws, at least 2 (default {DEFAULT_DRAWS})",
    )
    p.add_argument(
        "--placebo-seeds",
        type=positive_int,
        default=DEFAULT_PLACEBO_SEEDS,
        metavar="N",
        help="seeds of each placebo run, the first N of the seeds "
        f"(default {DEFAULT_PLACEBO_SEEDS})",
    )
    p.add_argument(
        "--no-placebo",
        action="store_true",
        help="run no placebo (then no target discriminates and none is counted)",
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="write validation.csv and .html here")
    add_engine_options(p)
    p.add_argument(
        "--power",
        action="store_true",
        help="instead, run the targets against deliberately wrong models "
        "(constants at the edges of their screened ranges, each mechanism "
        "switched off) and print the share each target rejects; with --out, "
        "write DIR/power.csv",
    )
    add_quiet_option(p)
    p.set_defaults(func=_cmd_validate)
