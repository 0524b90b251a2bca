"""``mse-sim optimize``: the best lever portfolios for a budget (needs the ``optimize`` extra)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sim.costs.optimize import DEFAULT_GENERATIONS, DEFAULT_POP_SIZE, optimize, require_pymoo
from sim.costs.portfolio import DEFAULT_LEVERS, OBJECTIVES, portfolios
from sim.errors import UserInputError
from sim.scenario import coerce_scenario
from sim.ui.cli.args import (
    add_engine_options,
    add_quiet_option,
    engine_options,
    parse_assignments,
    seed,
    whole_number,
)
from sim.ui.cost_figures import front_figure
from sim.ui.cost_words import front_text
from sim.ui.outputs import out_folder, write_files
from sim.ui.plots import png_bytes


def _budget(text: str) -> float:
    try:
        value = float(text.replace(",", "").replace("_", "").lstrip("$"))
    except ValueError:
        raise UserInputError(f"--budget: value {text!r} is not a number of US dollars") from None
    if not value > 0 or value == float("inf"):
        raise UserInputError(f"--budget: value {text!r} is not allowed (US dollars, above 0)")
    return value


def _cmd_optimize(args: argparse.Namespace) -> int:
    budget = _budget(args.budget)
    out = out_folder(args.out)
    scenario = args.scenario
    overrides = parse_assignments(args.set)
    problem = portfolios(
        coerce_scenario(scenario, overrides),
        levers=args.levers.split(","),
        objectives=args.objectives.split(","),
        seeds=args.seeds,
        steps=args.steps,
    )
    require_pymoo()  # say which extra is missing before any run
    t0 = time.perf_counter()
    front = optimize(
        problem,
        budget,
        pop_size=args.pop_size,
        generations=args.generations,
        seed=args.seed,
        out=out,
        progress=not args.quiet,
        **engine_options(args),
    )
    seconds = time.perf_counter() - t0
    text = front_text(front)
    objectives = list(problem.objectives)
    png = png_bytes(
        front_figure(
            front, objectives, budget, f"{problem.scenario.name}: portfolios within ${budget:,.0f}"
        )
    )
    print(text)
    print(f"search took {seconds:.0f} s")
    for path in write_files(out, {"front.csv": front, "front.png": png, "front.md": text}):
        print(f"wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``optimize`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "optimize",
        help="search the best lever portfolios within a budget (Pareto front)",
        description=(
            "Search lever portfolios (which levers, how far) costing at most BUDGET US$ on "
            "every seed, and write the Pareto front across the objectives: OUT/front.csv, "
            "OUT/front.png and OUT/front.md. Every portfolio runs on the same seeds. "
            "Rerunning the same command resumes from OUT/checkpoint.pkl. Needs the "
            "'optimize' extra (pymoo)."
        ),
    )
    p.add_argument(
        "--scenario",
        default="baseline",
        help="bundled scenario name or path to a .toml file (default: baseline)",
    )
    p.add_argument("--budget", required=True, help="US dollars over the horizon, e.g. 200000")
    p.add_argument(
        "--objectives",
        default="upgrading,income,equity",
        help=f"comma-separated, from {', '.join(OBJECTIVES)} (default: all three)",
    )
    p.add_argument(
        "--levers",
        default=",".join(DEFAULT_LEVERS),
        help="comma-separated levers to search (default: "
        f"{','.join(DEFAULT_LEVERS)}); each needs a cost in costs.toml",
    )
    p.add_argument(
        "--seeds",
        type=whole_number,
        default=10,
        help="common seeds per portfolio, at least 2 (default 10)",
    )
    p.add_argument("--steps", type=whole_number, default=120, help="months per run")
    p.add_argument(
        "--pop-size",
        type=whole_number,
        default=DEFAULT_POP_SIZE,
        help=f"portfolios per generation (default {DEFAULT_POP_SIZE})",
    )
    p.add_argument(
        "--generations",
        type=whole_number,
        default=DEFAULT_GENERATIONS,
        help=f"generations (default {DEFAULT_GENERATIONS})",
    )
    p.add_argument("--seed", type=seed, default=0, help="seed of the search (default 0)")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a scenario field; repeatable"
    )
    add_engine_options(p, cluster=False)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_quiet_option(p)
    p.set_defaults(func=_cmd_optimize)
