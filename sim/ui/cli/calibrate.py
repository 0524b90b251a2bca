"""``mse-sim calibrate``: fit a case's levers or constants to its targets (ABC-SMC, pyABC)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.errors import UserInputError
from sim.ui.cli.args import (
    add_engine_options,
    add_quiet_option,
    engine_options,
    positive_int,
    whole_number,
)
from sim.ui.outputs import write_files
from sim.ui.plots import png_bytes, predictive_figure
from sim.ui.validation_report import describe_statistic
from sim.validation.calibrate import calibrate, write_calibration
from sim.validation.calibrate_pooled import POOLED_DEFAULTS, calibrate_pooled, write_pooled

#: Options that only the pooled fit takes, and the single-case options it does not.
POOLED_ONLY = ("population", "generations", "n_mse", "abc_seed")
SINGLE_ONLY = ("case", "parameters", "budget")


def _flag(name: str) -> str:
    return "CASE" if name == "case" else "--" + name.replace("_", "-")


def _cmd_pooled(args: argparse.Namespace) -> int:
    for name in SINGLE_ONLY:
        if getattr(args, name) is not None:
            raise UserInputError(
                f"calibrate --pooled: {_flag(name)} = {getattr(args, name)!r} is not allowed "
                "(the pooled fit takes every case with observation targets and its own "
                f"constants; allowed with --pooled: --out, --workers, "
                f"{', '.join(_flag(n) for n in POOLED_ONLY)}, --no-resume, --quiet)"
            )
    if args.scheduler is not None or args.engine not in (None, "local"):
        raise UserInputError(
            "calibrate --pooled: runs on local workers only (--scheduler/--engine dask are "
            "not allowed; allowed: --workers N)"
        )
    options = {n: getattr(args, n) for n in POOLED_ONLY}
    result = calibrate_pooled(
        out=args.out,
        workers=args.workers,
        resume=args.resume,
        progress=not args.quiet,
        **{n: POOLED_DEFAULTS[n] if v is None else v for n, v in options.items()},
    )
    p = result.provenance
    print(
        f"calibrate --pooled: {len(p['cases'])} cases, {p['evaluations']} evaluations "
        f"({p['settings']['runs_per_evaluation']} runs each, n_mse "
        f"{p['settings']['n_mse']}), {p['generations_done']} generations, "
        f"{p['wall_seconds_this_session']} s this session; {p['draws']} draws"
    )
    for name, q in p["posterior"].items():
        note = "" if q["moved"] else "  NOT MOVED from the prior"
        print(
            f"  {name:<24} mean {q['mean']:.4g} (sd {q['sd']:.3g}, prior sd {q['prior_sd']:.3g}){note}"
        )
    print(
        f"leave-one-case-out ({result.loco.attrs['accepted']} of "
        f"{result.loco.attrs['prior_draws']} prior draws accepted per case):"
    )
    for row in result.loco.to_dict("records"):
        n = row["targets"]
        print(
            f"  {row['case']:<26} {n} targets: held out {row['held_out_covered']}/{n} covered, "
            f"{row['held_out_pass']}/{n} pass; in sample {row['in_sample_covered']}/{n} "
            f"covered, {row['in_sample_pass']}/{n} pass"
        )
    for path in write_pooled(result, args.out):
        print(f"wrote {path}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    if args.pooled:
        return _cmd_pooled(args)
    for name in POOLED_ONLY:
        if getattr(args, name) is not None:
            raise UserInputError(
                f"calibrate: {_flag(name)} = {getattr(args, name)} is only allowed with --pooled"
            )
    for name in SINGLE_ONLY:
        if getattr(args, name) is None:
            raise UserInputError(f"calibrate: {_flag(name)} is required (or give --pooled)")
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
    p.add_argument(
        "case",
        nargs="?",
        help="a case with targets (e.g. kenya-avocados) or a targets .toml (not with --pooled)",
    )
    p.add_argument(
        "--pooled",
        action="store_true",
        help="fit the shared constants to every case's observation targets at once, then "
        "validate leave-one-case-out (writes DIR/pooled.csv, DIR/pooled.json, DIR/loco.csv)",
    )
    p.add_argument(
        "--parameters",
        metavar="SPEC",
        help="a .toml spec or name=low:high,... of levers or constants (e.g. "
        "intermediary_rent=0:1,base_cost.process=100:300)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        metavar="RUNS",
        help="most model runs (checked after each generation)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    add_engine_options(
        p,
        workers_default=1,
        workers_help="worker processes (default 1: reproducible from the spec's seed)",
    )
    for name, what in (
        ("population", "particles per generation"),
        ("generations", "generations in all (a resumed fit runs the missing ones)"),
        ("n_mse", "MSEs per run"),
        ("abc_seed", "seed of pyABC's generator"),
    ):
        p.add_argument(
            _flag(name),
            type=whole_number,
            metavar="N",
            help=f"with --pooled: {what} (default {POOLED_DEFAULTS[name]})",
        )
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="delete an earlier calibration in DIR and start over",
    )
    add_quiet_option(p)
    p.set_defaults(func=_cmd_calibrate)
