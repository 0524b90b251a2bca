"""``mse-sim validate``: run the cases and check them against their documented targets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.io import write_table
from sim.ui.cli.args import add_engine_options, add_quiet_option, engine_options, whole_number
from sim.ui.outputs import out_folder
from sim.ui.validation_report import format_bounds, format_value, write_validation_html
from sim.validation import DEFAULT_SEEDS, NOT_MODELLED, exit_code, summary_counts, validate


def format_table(table) -> str:
    """Format a validation table for the terminal, one line per target."""
    lines = [f"{'case / target':<52} {'model mean [95% CI]':>30} {'target':>16}  result"]
    for _, row in table.iterrows():
        mean = format_value(row["mean"], row["metric"], row["statistic"])
        if row["status"] == NOT_MODELLED:
            ci = f"(needs {row['requires']})"
        else:
            ci = (f"{mean} [{format_value(row['ci_low'], row['metric'], row['statistic'])}, "
                  f"{format_value(row['ci_high'], row['metric'], row['statistic'])}]")
        status = row["status"] + ("" if row["counts"] else " (assumption)")
        case = Path(row["case"]).stem if "/" in row["case"] else row["case"]
        name = f"{case} / {row['id']}"
        lines.append(f"{name[:52]:<52} {ci:>30} {format_bounds(row):>16}  {status}")
        if row["source"]:
            lines.append(f"{'':4}source: {row['source'][:110]}")
    c = summary_counts(table)
    lines.append(f"\n{c['sourced_pass']} of {c['sourced'] - c['not_yet_modelled']} sourced "
                 f"targets pass, {c['sourced_fail']} fail; {c['not_yet_modelled']} not yet "
                 f"modelled; {c['assumptions']} assumptions (not counted).")
    return "\n".join(lines)


def _cmd_validate(args: argparse.Namespace) -> int:
    out = out_folder(args.out) if args.out else None
    # Everything is computed (and every input checked) before the first file is written.
    table = validate(args.case, seeds=args.seeds, progress=not args.quiet,
                     **engine_options(args))
    print(format_table(table))
    if out is not None:
        print(f"wrote {write_table(table, out / 'validation.csv')}")
        print(f"wrote {write_validation_html(table, out / 'validation.html')}")
    return exit_code(table)


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "validate", help="run the cases and check them against their documented targets",
        description=(
            "Run each case (and the arms its targets compare with) on the same seeds and "
            "check every documented target: the model's mean over seeds, its 95%% CI, the "
            "target, pass or fail, and the source. Exit code 0 when every sourced target "
            "passes, 1 when any fails, 2 on bad input. Writes DIR/validation.csv and "
            "DIR/validation.html. See docs/validation.md."),
    )
    p.add_argument("case", nargs="?", default="all",
                   help="a case with targets (e.g. kenya-avocados), a targets .toml file, "
                        "or all (default)")
    p.add_argument("--seeds", type=whole_number, default=DEFAULT_SEEDS,
                   help=f"seeds per case and arm, at least 2 (default {DEFAULT_SEEDS})")
    p.add_argument("--out", type=Path, metavar="DIR", help="write validation.csv and .html here")
    add_engine_options(p)
    add_quiet_option(p)
    p.set_defaults(func=_cmd_validate)
