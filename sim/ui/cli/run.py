"""``mse-sim run`` and ``mse-sim scenarios``: one run summarised; the bundled scenarios."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from sim.calibrated import draw, fitted_to_another_model
from sim.constants import REGISTRY
from sim.io import check_table_path, write_table
from sim.metrics import SUMMARY_METRICS
from sim.model import run
from sim.scenario import FIELDS, INFO_KEYS, coerce_scenario, list_scenarios, read_scenario_file
from sim.ui.cli.args import parse_assignments, positive_int, seed, whole_number
from sim.ui.plots import check_figure_path, plot_run


def summary_table(df) -> str:
    """Format the start, middle and end of a run's metrics as a small text table."""
    rows = sorted({0, len(df) // 2, len(df) - 1})
    head = f"{'metric':<26}" + "".join(
        f"{'step ' + str(int(df['step'].iloc[r])):>12}" for r in rows
    )
    lines = [
        f"scenario {df.attrs.get('scenario', {}).get('name', '?')}, seed "
        f"{df.attrs.get('seed')}, mse-sim {df.attrs.get('version')}",
        head,
    ]
    for metric in SUMMARY_METRICS:
        lines.append(f"{metric:<26}" + "".join(f"{df[metric].iloc[r]:>12.3f}" for r in rows))
    return "\n".join(lines)


def _cmd_run(args: argparse.Namespace) -> int:
    changes: dict = {}
    if args.draw is not None:
        changes.update(draw(args.draw))  # --set wins over the draw
        if note := fitted_to_another_model():
            print(note, file=sys.stderr)
    changes.update(parse_assignments(args.set))
    scenario = coerce_scenario(args.scenario, changes)
    if args.out:
        check_table_path(args.out)
    if args.plot:
        check_figure_path(args.plot)
    df = run(scenario, steps=args.steps, rng=args.seed)
    print(summary_table(df))
    if args.out:
        print(f"wrote {write_table(df, args.out)}")
    if args.plot:
        print(f"wrote {plot_run(df, args.plot)}")
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    if args.info:
        sf = read_scenario_file(args.info)
        print(f"{sf.scenario.name}: {sf.description}\n")
        for key in INFO_KEYS:
            if key in sf.info:
                print(key.replace("_", " ").upper())
                print(textwrap.fill(" ".join(sf.info[key].split()), 88))
                print()
        print("PARAMETERS (changed from the defaults)")
        for name, value in sf.scenario.params().items():
            if value != FIELDS[name].default:
                print(f"  {name:<24} {value:<8} (default {FIELDS[name].default})")
        if sf.scenario.constants:
            print("CONSTANTS (changed from the defaults; see `mse-sim constants`)")
            for name, value in sf.scenario.constants.changed().items():
                print(f"  {name:<24} {value!s:<8} (default {REGISTRY[name].default_text()})")
        return 0
    for name in list_scenarios():
        sf = read_scenario_file(name)
        print(f"{name:<26} {sf.description}")
    return 0


def register(sub: Any) -> None:
    """Add the ``run`` and ``scenarios`` subcommands."""
    p = sub.add_parser("run", help="run one scenario and summarise it")
    p.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="bundled scenario name or path to a .toml file (default: baseline)",
    )
    p.add_argument("--steps", type=positive_int, default=120, help="months to simulate")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a scenario field or a calibration constant (`mse-sim "
        "constants`; a vector's element as NAME.ELEMENT=VALUE); repeatable",
    )
    p.add_argument(
        "--draw",
        type=whole_number,
        metavar="K",
        help="run at draw K of the shipped posterior of the constants (`sim.posterior()`, "
        "row K from 0); --set wins over it",
    )
    p.add_argument("--out", type=Path, help="write the time series (.csv or .parquet)")
    p.add_argument("--plot", type=Path, help="write upgrading curves (.png, .svg or .pdf)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("scenarios", help="list bundled scenarios or show one's info")
    p.add_argument("--info", metavar="NAME", help="print the scenario's Info text")
    p.set_defaults(func=_cmd_scenarios)
