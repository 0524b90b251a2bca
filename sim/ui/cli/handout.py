"""``mse-sim handout``: a one-page printable PDF of a guideline experiment for a workshop."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.errors import UserInputError
from sim.experiments import DEFAULT_STEPS, GUIDELINES
from sim.ui.cli.args import add_arm_options, parse_assignments
from sim.ui.handout import HANDOUT_SEEDS, handout_experiment, write_handout
from sim.ui.i18n import LANGUAGES, check_language


def _cmd_handout(args: argparse.Namespace) -> int:
    if args.guideline not in GUIDELINES:
        raise UserInputError(
            f"guideline: value {args.guideline!r} is not known (allowed: {', '.join(GUIDELINES)})"
        )
    check_language(args.lang)
    if args.seeds < 2:
        raise UserInputError(f"--seeds {args.seeds}: at least 2 (a band needs two runs)")
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UserInputError(f"--out {out}: must end in .pdf")
    if out.parent and not out.parent.exists():
        raise UserInputError(f"--out {out}: folder {out.parent} does not exist")
    result = handout_experiment(
        args.guideline,
        args.scenario,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        progress=not args.quiet,
        **parse_assignments(args.set),
    )
    path = write_handout(result, out, args.lang)
    print(f"wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``handout`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "handout",
        help="write a one-page PDF handout of a guideline for a workshop",
        description="Run a guideline experiment and write a one-page printable handout: the "
        "figure, the effect in plain words, the paper's guideline and three debrief questions.",
    )
    p.add_argument("guideline", help=f"one of {', '.join(GUIDELINES)}")
    p.add_argument(
        "--lang",
        default="en",
        choices=tuple(LANGUAGES),
        help="language of the handout (default en)",
    )
    add_arm_options(p, seeds=HANDOUT_SEEDS, steps=DEFAULT_STEPS)
    p.add_argument("--out", type=Path, required=True, help="the PDF to write")
    p.set_defaults(func=_cmd_handout)
