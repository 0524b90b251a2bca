"""Measure the hand-tuned constants before and after, and write the ODD's section on them.

Issue 23 item 5 ("no silent tuning"): a constant changed to make a claim hold is calibrated or
documented as a structural choice with the before and after numbers. Commit 2293b0f tuned two
constants by hand (and one lever default with them):

- ``process_output_gain`` 0.12 -> 0.05: at 0.12 the output gain alone made process upgrading pay
  with end markets muted, against structural effect 1 (end markets are the main drivers);
- ``max_working_loan`` 150 -> 60, with the lever ``working_capital_credit`` 0.4 -> 0.2: ample
  short loans removed guideline 4's effect (more investment credit) on product upgrading.

This script measures both claims on today's model at the old and the new values: structural
effect 1 as tests/emergent/test_structural_effects.py defines it (share_process on the baseline
with every end-market lever muted vs as is) and guideline 4 as ``mse-sim experiment g4`` defines
it (its intervention on the baseline), all arms on common seeds with paired 95% t intervals
(:func:`sim.experiments.run_arms`). It also reports what the pooled calibration's posterior
(``sim.posterior()``) says about the two constants. It writes the section between
``<!-- BEGIN HAND-TUNED -->`` and ``<!-- END HAND-TUNED -->`` in docs/ODD.md, with a fingerprint
of the constants' declarations and the settings (tests/project/test_hand_tuned_docs.py checks
it). About a minute on 2 cores::

    python docs/gen_hand_tuned.py            # measure and rewrite the section
    python docs/gen_hand_tuned.py --seeds 4  # quicker, for a look (not for committing)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
BEGIN, END = "<!-- BEGIN HAND-TUNED -->", "<!-- END HAND-TUNED -->"

SCENARIO = "baseline"
SEEDS = 20
STEPS = 120

#: The hand-tuned constants: name -> (value before 2293b0f, the claim the change made hold).
HAND_TUNED: dict[str, tuple[float, str]] = {
    "process_output_gain": (
        0.12,
        "structural effect 1: without end-market pressure process upgrading is rare",
    ),
    "max_working_loan": (
        150.0,
        "guideline 4: more investment credit raises product upgrading",
    ),
}
#: The lever default tuned with max_working_loan: name -> value before 2293b0f.
HAND_TUNED_LEVERS: dict[str, float] = {"working_capital_credit": 0.4}

#: Structural effect 1's arm (as in tests/emergent/test_structural_effects.py).
MUTED = {
    "competition": 0.0,
    "demand_shift": 0.0,
    "price_volatility": 0.0,
    "export_premium": 0.0,
    "market_shifts": 0.0,
}
METRICS = ["share_process", "share_product"]


def fingerprint() -> str:
    """Hash of the hand-tuned constants' declarations, the tuned lever's and the settings."""
    from sim.constants import declaration_of
    from sim.scenario import FIELDS

    parts: list = []
    for name in HAND_TUNED:
        c = declaration_of(name)[0]
        parts.append([name, c.module, c.default, c.low, c.high, c.source, HAND_TUNED[name][0]])
    for name, before in HAND_TUNED_LEVERS.items():
        parts.append([name, FIELDS[name].default, before])
    parts.append([SCENARIO, SEEDS, STEPS, sorted(MUTED.items()), METRICS])
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def arms() -> dict[str, dict]:
    """Every arm measured, as changes to the baseline (identical arms run once)."""
    from sim.experiments import get_guideline
    from sim.scenario import coerce_scenario

    base = coerce_scenario(SCENARIO)
    g4 = {
        c.lever: getattr(get_guideline("g4").arms(base)[1], c.lever)
        for c in get_guideline("g4").intervention
    }
    pog = HAND_TUNED["process_output_gain"][0]
    mwl = HAND_TUNED["max_working_loan"][0]
    old_wc = {"max_working_loan": mwl, **HAND_TUNED_LEVERS}
    return {
        "as is": {},
        "muted": dict(MUTED),
        "as is, pog old": {"process_output_gain": pog},
        "muted, pog old": {**MUTED, "process_output_gain": pog},
        "g4": dict(g4),
        "mwl old": {"max_working_loan": mwl},
        "g4, mwl old": {**g4, "max_working_loan": mwl},
        "wc old": dict(old_wc),
        "g4, wc old": {**g4, **old_wc},
    }


def measure(seeds: int, workers: int | None) -> dict:
    """Run every arm on ``seeds`` common seeds."""
    from sim.experiments import run_arms

    out = run_arms(
        SCENARIO, arms(), metrics=METRICS, seeds=seeds, steps=STEPS, workers=workers, progress=True
    )
    return {"outcomes": out, "seeds": seeds}


def _posterior() -> dict[str, dict[str, float]]:
    import sim

    draws = sim.posterior()
    w = np.asarray(draws.attrs["weights"], dtype=float)
    priors = draws.attrs["settings"]["priors"]
    rows = {}
    for name in HAND_TUNED:
        x = draws[name].to_numpy(dtype=float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        lo, hi = priors[name]
        rows[name] = {
            "low": lo,
            "high": hi,
            "prior_mean": (lo + hi) / 2,
            "prior_sd": (hi - lo) / 12**0.5,
            "mean": mean,
            "sd": sd,
            "q05": _wquantile(x, w, 0.05),
            "q95": _wquantile(x, w, 0.95),
        }
    return rows


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(np.searchsorted(cum, q), len(x) - 1)])


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


def _ci(t: tuple[float, float, float]) -> str:
    return f"{t[0]:+.3f} ({t[1]:+.3f} to {t[2]:+.3f})"


def section(measured: dict) -> str:
    """The markdown of the section from the measured arms."""
    from sim.constants import declaration_of
    from sim.scenario import FIELDS

    o, n = measured["outcomes"], measured["seeds"]
    pog_now = declaration_of("process_output_gain")[0].default
    mwl_now = declaration_of("max_working_loan")[0].default
    pog_old = HAND_TUNED["process_output_gain"][0]
    mwl_old = HAND_TUNED["max_working_loan"][0]
    wc_now, wc_old = (
        FIELDS["working_capital_credit"].default,
        HAND_TUNED_LEVERS["working_capital_credit"],
    )

    lines = [
        BEGIN,
        f"<!-- generated by docs/gen_hand_tuned.py; fingerprint {fingerprint()} -->",
        "",
        f"Measured on today's model: scenario `{SCENARIO}`, {n} seeds (common to all arms), "
        f"{STEPS} months, outcome the mean of the last months; effects are paired differences "
        "with 95% t intervals (`sim.experiments.run_arms`).",
        "",
        f"**`process_output_gain`** ({pog_old:g} before, {pog_now:g} now). Claim: "
        f"{HAND_TUNED['process_output_gain'][1]} (tests/emergent/test_structural_effects.py: "
        "muted at most half of as is, interval below zero).",
        "",
        "| process_output_gain | share_process as is | muted end markets | muted / as is "
        "| effect of muting (95% CI) | claim holds |",
        "|---|---|---|---|---|---|",
    ]
    for label, a, m in (
        (f"{pog_old:g} (before)", "as is, pog old", "muted, pog old"),
        (f"{pog_now:g} (now)", "as is", "muted"),
    ):
        as_is, muted = o.mean(a, "share_process"), o.mean(m, "share_process")
        effect = o.effect(m, a, "share_process")
        lines.append(
            f"| {label} | {as_is:.3f} | {muted:.3f} | {muted / as_is:.0%} "
            f"| {_ci(effect)} | {_yes(effect[2] < 0 and muted <= 0.5 * as_is)} |"
        )
    lines += [
        "",
        f"**`max_working_loan`** ({mwl_old:g} before, {mwl_now:g} now; tuned together with the "
        f"lever `working_capital_credit`, {wc_old:g} before, {wc_now:g} now). Claim: "
        f"{HAND_TUNED['max_working_loan'][1]} (`mse-sim experiment g4 --scenario {SCENARIO}`).",
        "",
        "| max_working_loan | working_capital_credit | g4 effect on share_product (95% CI) "
        "| claim holds (product interval above zero) | g4 effect on share_process (95% CI) |",
        "|---|---|---|---|---|",
    ]
    for mwl, wc, base, g4 in (
        (f"{mwl_old:g} (before)", f"{wc_old:g} (before)", "wc old", "g4, wc old"),
        (f"{mwl_old:g} (before)", f"{wc_now:g} (now)", "mwl old", "g4, mwl old"),
        (f"{mwl_now:g} (now)", f"{wc_now:g} (now)", "as is", "g4"),
    ):
        product = o.effect(g4, base, "share_product")
        lines.append(
            f"| {mwl} | {wc} | {_ci(product)} | {_yes(product[1] > 0)} "
            f"| {_ci(o.effect(g4, base, 'share_process'))} |"
        )
    post = _posterior()
    lines += [
        "",
        "What the pooled calibration says (`sim.posterior()`, weighted; uniform priors spanning "
        "the values they were tuned between; [validation.md](validation.md)):",
        "",
        "| constant | default | prior | prior mean ± sd | posterior mean ± sd "
        "| posterior 5–95% (weighted) |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in post.items():
        default = declaration_of(name)[0].default
        lines.append(
            f"| `{name}` | {default:g} | {p['low']:g} – {p['high']:g} "
            f"| {p['prior_mean']:.3g} ± {p['prior_sd']:.3g} | {p['mean']:.3g} ± {p['sd']:.3g} "
            f"| {p['q05']:.3g} – {p['q95']:.3g} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write(text: str, path: Path = ODD) -> None:
    """Replace the section in ``path`` (between the markers) with ``text``."""
    page = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(page):
        sys.exit(f"{path}: no {BEGIN} ... {END} block to fill")
    path.write_text(pattern.sub(lambda _: text, page, count=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure and write the section (print it only when the seeds are not the default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    text = section(measure(args.seeds, args.workers))
    if args.seeds != SEEDS:
        print(text)
        return 0
    write(text)
    print(f"{ODD.relative_to(ROOT)}: hand-tuned section regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
