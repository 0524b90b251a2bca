"""``mse-sim discover``: when does an outcome fall below a threshold? (PRIM; ``ema`` extra)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.costs.discover import DEFAULT_MIN_DENSITY, discover
from sim.ui.cost_figures import prim_figure
from sim.ui.cost_words import prim_text
from sim.ui.outputs import out_folder, write_files
from sim.ui.plots import png_bytes


def _cmd_discover(args: argparse.Namespace) -> int:
    out = out_folder(args.out if args.out else Path(args.store) / "discover")
    result = discover(
        args.store,
        args.metric,
        args.below,
        step=args.step,
        baseline=args.baseline,
        min_density=args.min_density,
    )
    text = prim_text(result.box, result.info())
    png = png_bytes(prim_figure(result.trajectory, result.chosen, f"PRIM: {result.what}"))
    print(text)
    box = result.box.assign(coverage=result.coverage, density=result.density, mass=result.mass)
    box.attrs.update(
        {
            "store": str(args.store),
            "baseline": str(args.baseline or ""),
            "metric": args.metric,
            "below": args.below,
            **result.info(),
        }
    )
    for path in write_files(
        out, {"box.csv": box, "trajectory.csv": result.trajectory, "prim.png": png, "box.txt": text}
    ):
        print(f"wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``discover`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "discover",
        help="scenario discovery (PRIM): conditions where an outcome falls low",
        description=(
            "Find the box of swept conditions under which METRIC falls below X in a sweep "
            "store (mean over replicates per design point), with its coverage and density. "
            "With --baseline, the outcome is the difference from a store of the same design "
            "run without the guideline: the guideline's effect. Writes box.csv, "
            "trajectory.csv, prim.png and box.txt to --out (default STORE/discover). Needs "
            "the 'ema' extra."
        ),
    )
    p.add_argument("store", type=Path, metavar="STORE", help="the sweep's folder")
    p.add_argument(
        "--metric",
        required=True,
        help="an output of the sweep, e.g. share_upgraded or share_upgraded@120",
    )
    p.add_argument(
        "--below",
        type=float,
        required=True,
        metavar="X",
        help="threshold: design points below it are the cases of interest",
    )
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="STORE",
        help="the same design run without the guideline (outcome = difference)",
    )
    p.add_argument("--step", type=int, help="recorded step (default: the last)")
    p.add_argument(
        "--min-density",
        type=float,
        default=DEFAULT_MIN_DENSITY,
        help=f"report the highest-coverage box at least this dense (default {DEFAULT_MIN_DENSITY})",
    )
    p.add_argument("--out", type=Path, help="output folder (default STORE/discover)")
    p.set_defaults(func=_cmd_discover)
