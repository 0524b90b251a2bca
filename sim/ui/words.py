"""Results in plain words: effect sentences and number formatting for every reader.

The CLI, the report, the app and the handouts word results through these functions, so a
number reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.experiments import CONFIDENCE, ExperimentResult
from sim.metrics import metric_info


def format_number(value: float, decimals: int | None = 1) -> str:
    """Format a number for reading: a true minus sign, and never "−0.0".

    Args:
        value: The number.
        decimals: Digits after the point; ``None`` for three significant digits.
    """
    text = f"{value:.3g}" if decimals is None else f"{value:.{decimals}f}"
    # A true minus sign reads better in reports than a hyphen; "−0.0" reads as a typo.
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def effect_sentence(subject: str, metric: str, row: Mapping[str, float]) -> str:
    """Write one effect in plain words.

    Args:
        subject: What changed ("More investment credit").
        metric: Metric name.
        row: ``baseline_mean``, ``effect``, ``ci_low``, ``ci_high``.

    Returns:
        E.g. "More investment credit raised product upgrading by 14.0 points (95% CI 9.1 to
        18.9)." A share metric's effect is in percentage points; a level metric's in percent
        of its baseline value.
    """
    info = metric_info(metric)
    label, kind = info.label, info.kind
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    base = row["baseline_mean"]
    if kind == "share":
        scale, unit = 100.0, " points"
    elif abs(base) > 1e-12:
        scale, unit = 100.0 / abs(base), "%"
    else:
        scale, unit = 1.0, ""
    e, lo, hi = effect * scale, low * scale, high * scale
    # Small effects get a second decimal, so that an interval never reads "0.0 to 0.0".
    digits = 2 if max(abs(e), abs(lo), abs(hi)) < 1 else 1

    def fmt(value: float) -> str:
        return format_number(value, digits)

    ci = f"{CONFIDENCE:.0%} CI {fmt(lo)} to {fmt(hi)}"
    if effect == 0 and low == 0 and high == 0:
        return f"{subject} left {label} unchanged in every seed."
    if lo > 0 or hi < 0:
        if e > 0:
            return f"{subject} raised {label} by {fmt(e)}{unit} ({ci})."
        # "lowered by 5 (CI 3 to 7)" reads better than a CI of negative numbers.
        ci = f"{CONFIDENCE:.0%} CI {fmt(-hi)} to {fmt(-lo)}"
        return f"{subject} lowered {label} by {fmt(-e)}{unit} ({ci})."
    return (f"{subject} had no clear effect on {label} ({fmt(e)}{unit}, {ci}: the "
            "interval includes zero).")


def sentences(result: ExperimentResult, metrics: Iterable[str] | None = None) -> list[str]:
    """Describe the effects in plain words, one sentence per metric.

    Example: "More investment credit raised product upgrading by 14.0 points (95% CI 9.1
    to 18.9)."
    """
    subject = result.guideline.action if result.guideline else "The intervention"
    out = []
    for i, metric in enumerate(metrics or result.metrics):
        row = result.effect(metric)
        out.append(effect_sentence(subject if i == 0 else "It", metric, row))
    return out
