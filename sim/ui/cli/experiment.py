"""``mse-sim experiment``: a guideline experiment, or all seven with the HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.calibrated import fitted_to_another_model
from sim.costs import LEVER_BY_LEVER, lever_by_lever
from sim.errors import UserInputError
from sim.experiments import DEFAULT_SEEDS, DEFAULT_STEPS, GUIDELINES, run_experiments
from sim.experiments.uncertainty import run_posterior_experiment
from sim.io import write_table
from sim.ui.cli.args import add_arm_options, parse_assignments, whole_number
from sim.ui.i18n import LANGUAGES
from sim.ui.outputs import out_folder, write_outputs
from sim.ui.words import describe_moves, sentences
from sim.who_gains import summary


def _cmd_experiment(args: argparse.Namespace) -> int:
    choice = args.guideline.strip().lower()
    if choice != "all" and choice not in GUIDELINES:  # fail on a bad id before any work
        raise UserInputError(
            f"guideline: value {args.guideline!r} is not known "
            f"(allowed: {', '.join(GUIDELINES)}, all)"
        )
    if args.uncertainty == "posterior":
        return _posterior(args, choice)
    if args.draws is not None:
        raise UserInputError(
            f"--draws: value {args.draws} is only allowed with --uncertainty posterior"
        )
    out = out_folder(args.out)
    ids = list(GUIDELINES) if choice == "all" else [choice]
    # The cost study (sim.costs) reads reach and who gains from the same runs, and adds
    # guideline 6's two levers alone (they share the baseline arm).
    parts = [p for gid in ids if gid in LEVER_BY_LEVER for p in lever_by_lever(GUIDELINES[gid])]
    everything = run_experiments(
        [*ids, *parts],
        args.scenario,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        progress=not args.quiet,
        probe=summary,
        **parse_assignments(args.set),
    )
    results = {gid: everything[gid] for gid in ids}
    part_results = {p.id: everything[p.id] for p in parts}
    # Everything is computed before the first file is written, and each file is written
    # atomically: a failure leaves no half-written report.
    for result in results.values():
        print(
            f"\n{result.id.upper()}. {result.guideline.title}  "
            f"[{describe_moves(result.guideline.lever_moves(result.scenario), args.lang)}]"
        )
        for sentence in sentences(result, lang=args.lang):
            print(f"  - {sentence}")
    print()
    for path in write_outputs(
        results, out, report=choice == "all", parts=part_results, lang=args.lang
    ):
        print(f"wrote {path}")
    return 0


def _posterior(args: argparse.Namespace, choice: str) -> int:
    """``--uncertainty posterior``: one guideline over posterior draws x seeds."""
    if choice == "all":
        raise UserInputError(
            "guideline: value 'all' is not allowed with --uncertainty posterior "
            f"(allowed: one of {', '.join(GUIDELINES)})"
        )
    out = out_folder(args.out)
    if note := fitted_to_another_model():
        print(note, file=sys.stderr)
    result = run_posterior_experiment(
        choice,
        args.scenario,
        draws=50 if args.draws is None else args.draws,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        progress=not args.quiet,
        **parse_assignments(args.set),
    )
    g = result.guideline
    print(
        f"\n{g.id.upper()}. {g.title}: {len(result.draws)} posterior draws x "
        f"{len(result.seeds)} seeds, both arms on the same seeds (95% intervals)"
    )
    for row in result.table.to_dict("records"):
        print(
            f"  {row['metric']:<24} effect {row['effect']:+.4f}; with parameter uncertainty "
            f"{row['low']:+.4f} to {row['high']:+.4f} ({100 * row['parameter_share']:.0f}% of "
            f"its variance is the parameters'); seed-only interval {row['seed_low']:+.4f} to "
            f"{row['seed_high']:+.4f}"
        )
        for sign, share in (("lowers", row["share_negative"]), ("raises", row["share_positive"])):
            if 0 < share < 0.5:
                print(
                    f"    in {100 * share:.0f}% of plausible models this guideline {sign} "
                    f"{row['metric']}"
                )
    table = result.table.copy()
    table.attrs = result.provenance
    print(f"wrote {write_table(table, out / f'{g.id}-posterior.csv')}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``experiment`` subcommand to the ``mse-sim`` parser."""
    ids = ", ".join(GUIDELINES)
    p = subparsers.add_parser(
        "experiment",
        help="run a guideline experiment (g1..g7) or all seven with an HTML report",
        description=(
            "Run the scenario with and without a guideline for practitioners, on the same "
            "seeds, and report the effect with 95% confidence intervals. Writes OUT/<id>.csv "
            "and OUT/<id>.png; 'all' also writes OUT/report.html."
        ),
    )
    p.add_argument("guideline", help=f"one of {ids}, or all")
    add_arm_options(p, seeds=DEFAULT_SEEDS, steps=DEFAULT_STEPS)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument(
        "--lang",
        default="en",
        choices=tuple(LANGUAGES),
        help="language of the sentences and the report (default en)",
    )
    p.add_argument(
        "--uncertainty",
        choices=("seeds", "posterior"),
        default="seeds",
        help="seeds (default): seed-only intervals at the default constants; posterior: runs "
        "over draws of the shipped posterior of the constants x seeds, with intervals that "
        "combine both (one guideline; writes OUT/<id>-posterior.csv)",
    )
    p.add_argument(
        "--draws",
        type=whole_number,
        metavar="N",
        help="with --uncertainty posterior: posterior draws (default 50)",
    )
    p.set_defaults(func=_cmd_experiment)
