"""``mse-sim experiment``: a guideline experiment, or all seven with the HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.calibrated import fitted_to_another_model
from sim.checks import check_whole_number
from sim.costs import LEVER_BY_LEVER, lever_by_lever
from sim.errors import UserInputError
from sim.experiments import DEFAULT_SEEDS, DEFAULT_STEPS, GUIDELINES, run_experiments
from sim.experiments.stats import check_seeds
from sim.experiments.uncertainty import (
    DEFAULT_DRAWS,
    REPORT_DESIGN,
    PosteriorEffects,
    run_posterior_experiment,
    run_posterior_experiments,
)
from sim.io import write_table
from sim.ui.cli.args import add_arm_options, parse_assignments, whole_number
from sim.ui.i18n import LANGUAGES
from sim.ui.outputs import out_folder, write_outputs
from sim.ui.report import sign_sentences
from sim.ui.words import describe_moves, sentences
from sim.who_gains import summary


def _uncertainty(args: argparse.Namespace, choice: str) -> str:
    """The kind of intervals asked for: ``posterior`` by default for ``all``, else ``seeds``.

    Raises:
        UserInputError: ``--draws`` or ``--draw-seeds`` with seed-only intervals, or a
            ``--draw-seeds`` below 2.
    """
    uncertainty = args.uncertainty or ("posterior" if choice == "all" else "seeds")
    given = (("--draws", args.draws), ("--draw-seeds", args.draw_seeds))
    if uncertainty == "seeds":
        for option, value in given:
            if value is not None:
                raise UserInputError(
                    f"{option}: value {value} is only allowed with --uncertainty posterior "
                    "(the default for all)"
                )
    if args.draw_seeds is not None:
        check_whole_number(args.draw_seeds, "--draw-seeds", 2)
    return uncertainty


def _cmd_experiment(args: argparse.Namespace) -> int:
    choice = args.guideline.strip().lower()
    if choice != "all" and choice not in GUIDELINES:  # fail on a bad id before any work
        raise UserInputError(
            f"guideline: value {args.guideline!r} is not known "
            f"(allowed: {', '.join(GUIDELINES)}, all)"
        )
    uncertainty = _uncertainty(args, choice)
    if uncertainty == "posterior" and choice != "all":
        return _posterior(args, choice)
    check_seeds(args.seeds)  # before the posterior runs, which come first
    out = out_folder(args.out)
    ids = list(GUIDELINES) if choice == "all" else [choice]
    # The cost study (sim.costs) reads reach and who gains from the same runs, and adds
    # guideline 6's two levers alone (they share the baseline arm).
    parts = [p for gid in ids if gid in LEVER_BY_LEVER for p in lever_by_lever(GUIDELINES[gid])]
    overrides = parse_assignments(args.set)
    posterior = None
    if uncertainty == "posterior":
        # The report's intervals: every guideline (and part) over posterior draws x seeds, in
        # one pool of runs, with the probe the cost table needs. They come first: they check
        # --draws, the scenario and --set before the longer runs below.
        if note := fitted_to_another_model():
            print(note, file=sys.stderr)
        posterior = run_posterior_experiments(
            [*ids, *parts],
            args.scenario,
            draws=REPORT_DESIGN.draws if args.draws is None else args.draws,
            seeds=REPORT_DESIGN.seeds if args.draw_seeds is None else args.draw_seeds,
            steps=args.steps,
            workers=args.workers,
            progress=not args.quiet,
            probe=summary,
            **overrides,
        )
    # The runs at the default constants: the figures, who gains and the seed-only tables.
    everything = run_experiments(
        [*ids, *parts],
        args.scenario,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        progress=not args.quiet,
        probe=summary,
        **overrides,
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
        if posterior is not None:
            _print_posterior(posterior[result.id], heading=False)
    print()
    for path in write_outputs(
        results,
        out,
        report=choice == "all",
        parts=part_results,
        lang=args.lang,
        posterior=posterior,
    ):
        print(f"wrote {path}")
    return 0


def _print_posterior(result: PosteriorEffects, heading: bool = True) -> None:
    """Print a guideline's effects over posterior draws x seeds."""
    g = result.guideline
    if heading:
        print(f"\n{g.id.upper()}. {g.title}:", end="")
    print(
        f"  {len(result.draws)} posterior draws x {len(result.seeds)} seeds, both arms on "
        "the same seeds (95% intervals)"
    )
    for row in result.table.to_dict("records"):
        print(
            f"  {row['metric']:<24} effect {row['effect']:+.4f}; with parameter uncertainty "
            f"{row['low']:+.4f} to {row['high']:+.4f} ({100 * row['parameter_share']:.0f}% of "
            f"its variance is the parameters'); seed-only interval {row['seed_low']:+.4f} to "
            f"{row['seed_high']:+.4f}"
        )
        for sentence in sign_sentences(row["metric"], row, "en"):
            print(f"    {sentence}")


def _posterior(args: argparse.Namespace, choice: str) -> int:
    """``--uncertainty posterior``: one guideline over posterior draws x seeds."""
    out = out_folder(args.out)
    if note := fitted_to_another_model():
        print(note, file=sys.stderr)
    result = run_posterior_experiment(
        choice,
        args.scenario,
        draws=DEFAULT_DRAWS if args.draws is None else args.draws,
        seeds=args.seeds if args.draw_seeds is None else args.draw_seeds,
        steps=args.steps,
        workers=args.workers,
        progress=not args.quiet,
        **parse_assignments(args.set),
    )
    _print_posterior(result)
    table = result.table.copy()
    table.attrs = result.provenance
    print(f"wrote {write_table(table, out / f'{result.id}-posterior.csv')}")
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
            "and OUT/<id>.png; 'all' also writes OUT/report.html, and by default "
            f"(--uncertainty posterior) runs every guideline at {REPORT_DESIGN.draws} draws "
            f"of the posterior of the calibration constants x {REPORT_DESIGN.seeds} seeds, "
            "so that the report's intervals combine parameters and seeds "
            "(OUT/<id>-posterior.csv)."
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
        default=None,
        help="posterior (the default for all): runs over draws of the shipped posterior of "
        "the calibration constants x seeds, with intervals that combine both (the report's "
        "main intervals, with the seed-only ones beside them, and the cost table); the "
        "figures and who gains stay on the --seeds runs at the default constants. For one "
        "guideline it writes OUT/<id>-posterior.csv. seeds (the default for one guideline): "
        "seed-only intervals at the default constants",
    )
    p.add_argument(
        "--draws",
        type=whole_number,
        metavar="N",
        help=f"with --uncertainty posterior: posterior draws (default {REPORT_DESIGN.draws} "
        f"for all, {DEFAULT_DRAWS} for one guideline)",
    )
    p.add_argument(
        "--draw-seeds",
        type=whole_number,
        metavar="N",
        help=f"with --uncertainty posterior: seeds per draw and arm, at least 2 (default "
        f"{REPORT_DESIGN.seeds} for all; for one guideline, --seeds)",
    )
    p.set_defaults(func=_cmd_experiment)
