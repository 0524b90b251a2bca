"""Results in plain words: effect sentences for every reader.

The CLI, the report, the app and the handouts word results through these functions, so an
effect reads the same everywhere (numbers are written by :mod:`sim.ui.numbers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.experiments import CONFIDENCE, ExperimentResult
from sim.experiments.definitions import LeverMove
from sim.metrics import metric_info
from sim.scenario import FIELDS
from sim.ui.i18n import DEFAULT_LANGUAGE, gettext_for, metric_label
from sim.ui.numbers import format_number


def effect_sentence(subject: str, metric: str, row: Mapping[str, float],
                    lang: str = DEFAULT_LANGUAGE) -> str:
    """Write one effect in plain words.

    Args:
        subject: What changed ("More investment credit"), already in `lang`.
        metric: Metric name.
        row: ``baseline_mean``, ``effect``, ``ci_low``, ``ci_high``.
        lang: Language of the sentence (gettext catalogs, :mod:`sim.ui.i18n`).

    Returns:
        E.g. "More investment credit raised product upgrading by 14.0 points (95% CI 9.1 to
        18.9)." A share metric's effect is in percentage points; a level metric's in percent
        of its baseline value.
    """
    _ = gettext_for(lang)
    info = metric_info(metric)
    label, kind = metric_label(metric, lang), info.kind
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    base = row["baseline_mean"]
    if kind == "share":
        scale, unit = 100.0, " " + _("points")
    elif abs(base) > 1e-12:
        scale, unit = 100.0 / abs(base), "%"
    else:
        scale, unit = 1.0, ""
    e, lo, hi = effect * scale, low * scale, high * scale
    # Small effects get a second decimal, so that an interval never reads "0.0 to 0.0".
    digits = 2 if max(abs(e), abs(lo), abs(hi)) < 1 else 1

    def fmt(value: float) -> str:
        return format_number(value, digits, lang=lang)

    level = f"{CONFIDENCE:.0%}"

    def ci_text(a: float, b: float) -> str:
        return _("{level} CI {low} to {high}").format(level=level, low=fmt(a), high=fmt(b))

    ci = ci_text(lo, hi)
    if effect == 0 and low == 0 and high == 0:
        return _("{subject} left {label} unchanged in every seed.").format(
            subject=subject, label=label)
    if lo > 0 or hi < 0:
        if e > 0:
            return _("{subject} raised {label} by {effect} ({ci}).").format(
                subject=subject, label=label, effect=fmt(e) + unit, ci=ci)
        # "lowered by 5 (CI 3 to 7)" reads better than a CI of negative numbers.
        return _("{subject} lowered {label} by {effect} ({ci}).").format(
            subject=subject, label=label, effect=fmt(-e) + unit, ci=ci_text(-hi, -lo))
    return _("{subject} had no clear effect on {label} ({effect}, {ci}: the interval "
             "includes zero).").format(subject=subject, label=label, effect=fmt(e) + unit,
                                       ci=ci)


def sentences(result: ExperimentResult, metrics: Iterable[str] | None = None,
              lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Describe the effects in plain words, one sentence per metric.

    Example: "More investment credit raised product upgrading by 14.0 points (95% CI 9.1
    to 18.9)."
    """
    _ = gettext_for(lang)
    subject = _(result.guideline.action) if result.guideline else _("The intervention")
    out = []
    for i, metric in enumerate(metrics or result.metrics):
        row = result.effect(metric)
        out.append(effect_sentence(subject if i == 0 else _("It"), metric, row, lang))
    return out


def lever_label(lever: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a lever's label in `lang` (:data:`sim.scenario.FIELDS`), e.g. "Credit access"."""
    return gettext_for(lang)(FIELDS[lever].label) if lever in FIELDS \
        else lever.replace("_", " ")


def describe_moves(moves: Iterable[LeverMove], lang: str = DEFAULT_LANGUAGE) -> str:
    """Say what an experiment does to the levers, in lever labels and `lang`'s numbers.

    Args:
        moves: :meth:`sim.experiments.Guideline.lever_moves` on the scenario.
        lang: Language of the words and numbers.

    Returns:
        E.g. "Credit access: 0.20 → 0.60 (both arms: Excluded share 0.50)".
    """
    _ = gettext_for(lang)

    def num(value: float) -> str:
        return format_number(value, 2, lang=lang)

    moves = list(moves)
    sep = _("; ")  # French sets a space before a semicolon
    text = sep.join(_("{lever}: {start} → {end}").format(
        lever=lever_label(m.lever, lang), start=num(m.start), end=num(m.end))
        for m in moves if not m.both_arms)
    shared = sep.join(f"{lever_label(m.lever, lang)} {num(m.start)}"
                      for m in moves if m.both_arms)
    if shared:
        text += " " + _("(both arms start from {levers})").format(levers=shared)
    return text
