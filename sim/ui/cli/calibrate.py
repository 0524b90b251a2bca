"""``mse-sim calibrate``: fit a case's levers or constants to its targets (ABC-SMC, pyABC)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.ui.cli.args import add_engine_options, add_quiet_option, engine_options, positive_int
from sim.ui.outputs import write_files
from sim.ui.plots import png_bytes, predictive_figure
from sim.ui.validation_report import describe_statistic
from sim.validation.calibrate import calibrate, write_calibration


def _cmd_calibrate(args: argparse.Namespace) -> int:
    result = calibrate(
        args.case,
        args.parameters,
        budget=args.budget,
        out=args.out,
        resume=args.resume,
        progress=not args.quiet,
        **engine_options(args),
    )
    # Figures are drawn before the first result file is written.
    pngs = {}
    for t in result.targets:
        row = {"metric": t.metric, "statistic": t.statistic, "against": t.against}
        pngs[t.id] = png_bytes(
            predictive_figure(
                result.predictive[t.id],
                t.low,
                t.high,
                title=t.claim[:90],
                xlabel=describe_statistic(row),
            )
        )
    s = result.summary
    print(
        f"calibrate {result.case}: {s['evaluations']} evaluations "
        f"({s['runs_per_evaluation']} run(s) each), {s['generations']} generations, "
        f"{s['wall_seconds_this_session']} s this session"
    )
    for name, p in s["posterior"].items():
        note = "" if p.get("moved", True) else "  NOT MOVED from the prior"
        print(
            f"  {name:<24} posterior mean {p['mean']:.3f} (sd {p['sd']:.3f}, prior sd "
            f"{p.get('prior_sd', float('nan')):.3f}; 90% {p['q05']:.3f} to "
            f"{p['q95']:.3f}){note}"
        )
    for t in s["targets"]:
        print(
            f"  target {t['id']:<36} {t['bounds']:>16}: "
            f"{100 * t['predictive_share_inside']:.0f}% of predictive runs inside"
        )
    for warning in s.get("warnings", []):
        print(f"WARNING: {warning}")
    for path in write_calibration(result, args.out):
        print(f"wrote {path}")
    for path in write_files(
        args.out, {f"predictive-{tid}.png": data for tid, data in pngs.items()}
    ):
        print(f"wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``calibrate`` subcommand to the ``mse-sim`` parser."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit a case's levers or calibration constants to its documented targets (ABC-SMC)",
        description=(
            "Fit free parameters of a case (scenario levers, or calibration constants: "
            "`mse-sim constants`) to its sourced targets with ABC-SMC (pyABC; install the "
            "'calibrate' extra). Warns when the targets do not constrain a parameter (its "
            "posterior has barely moved from the prior), and then keeps the case's own value "
            "in the calibrated scenario. Writes DIR/posterior.csv, "
            "DIR/<case>-calibrated.toml, DIR/predictive-<target>.png, DIR/summary.json; "
            "DIR/abc.db holds the state, so rerunning the command resumes. "
            "See docs/validation.md."
        ),
    )
    p.add_argument("case", help="a case with targets (e.g. kenya-avocados) or a targets .toml")
    p.add_argument(
        "--parameters",
        required=True,
        metavar="SPEC",
        help="a .toml spec or name=low:high,... of levers or constants (e.g. "
        "intermediary_rent=0:1,base_cost.process=100:300)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        required=True,
        metavar="RUNS",
        help="most model runs (checked after each generation)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    add_engine_options(
        p,
        workers_default=1,
        workers_help="worker processes (default 1: reproducible from the spec's seed)",
    )
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="delete an earlier calibration in DIR and start over",
    )
    add_quiet_option(p)
    p.set_defaults(func=_cmd_calibrate)
