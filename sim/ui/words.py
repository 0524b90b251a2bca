"""Results in plain words: effect sentences for every reader.

The CLI, the report, the app and the handouts word results through these functions, so an
effect reads the same everywhere (numbers are written by :mod:`sim.ui.numbers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sim.experiments import CONFIDENCE, ExperimentResult
from sim.experiments.definitions import LeverMove
from sim.metrics import metric_info
from sim.scenario import FIELDS
from sim.ui.i18n import DEFAULT_LANGUAGE, gettext_for, metric_label, ngettext_for
from sim.ui.numbers import format_number


def effect_scale(
    metric: str, baseline_mean: float, lang: str = DEFAULT_LANGUAGE
) -> tuple[float, str]:
    """How an effect on `metric` is written: the factor applied to it and the unit after it.

    A share metric's effect is in percentage points (" points"); a level metric's in percent
    of its baseline value ("%"), or as it is when the baseline is zero.
    """
    if metric_info(metric).kind == "share":
        return 100.0, " " + gettext_for(lang)("points")
    if abs(baseline_mean) > 1e-12:
        return 100.0 / abs(baseline_mean), "%"
    return 1.0, ""


def effect_digits(*values: float) -> int:
    """Decimals of an effect and its interval (already scaled): two when all are below 1.

    So that an interval never reads "0.0 to 0.0".
    """
    return 2 if max(abs(v) for v in values) < 1 else 1


def effect_sentence(
    subject: str, metric: str, row: Mapping[str, float], lang: str = DEFAULT_LANGUAGE
) -> str:
    """Write one effect in plain words.

    Args:
        subject: What changed ("More investment credit"), already in `lang`.
        metric: Metric name.
        row: ``baseline_mean``, ``effect``, ``ci_low``, ``ci_high``.
        lang: Language of the sentence (gettext catalogs, :mod:`sim.ui.i18n`).

    Returns:
        E.g. "More investment credit raised product upgrading by 14.0 points (95% CI 9.1 to
        18.9)." A share metric's effect is in percentage points; a level metric's in percent
        of its baseline value (:func:`effect_scale`).
    """
    _ = gettext_for(lang)
    label = metric_label(metric, lang)
    effect, low, high = row["effect"], row["ci_low"], row["ci_high"]
    scale, unit = effect_scale(metric, row["baseline_mean"], lang)
    e, lo, hi = effect * scale, low * scale, high * scale
    digits = effect_digits(e, lo, hi)

    def fmt(value: float) -> str:
        return format_number(value, digits, lang=lang)

    level = f"{CONFIDENCE:.0%}"

    def ci_text(a: float, b: float) -> str:
        return _("{level} CI {low} to {high}").format(level=level, low=fmt(a), high=fmt(b))

    ci = ci_text(lo, hi)
    if effect == 0 and low == 0 and high == 0:
        return _("{subject} left {label} unchanged in every run.").format(
            subject=subject, label=label
        )
    if lo > 0 or hi < 0:
        if e > 0:
            return _("{subject} raised {label} by {effect} ({ci}).").format(
                subject=subject, label=label, effect=fmt(e) + unit, ci=ci
            )
        # "lowered by 5 (CI 3 to 7)" reads better than a CI of negative numbers.
        return _("{subject} lowered {label} by {effect} ({ci}).").format(
            subject=subject, label=label, effect=fmt(-e) + unit, ci=ci_text(-hi, -lo)
        )
    return _(
        "{subject} had no clear effect on {label} ({effect}, {ci}: the interval includes zero)."
    ).format(subject=subject, label=label, effect=fmt(e) + unit, ci=ci)


@dataclass(frozen=True)
class EffectInWords:
    """A guideline's effect over many runs, in the words of a room.

    What the app's big number and the handout's headline say, from one function
    (:func:`effect_in_words`).

    Attributes:
        effect: The effect with its sign and unit, e.g. "+1.0 points".
        low, high: The ends of its 95 % interval, e.g. "−0.1" and "2.0".
        runs: Runs of each arm (paired: same MSEs, same chance events).
        over: E.g. "Over 10 runs: +1.0 points, from −0.1 to 2.0".
        verdict: E.g. "no clear effect: the range includes zero".
    """

    effect: str
    low: str
    high: str
    runs: int
    over: str
    verdict: str


def effect_in_words(
    result: ExperimentResult, metric: str | None = None, lang: str = DEFAULT_LANGUAGE
) -> EffectInWords:
    """Say a guideline's effect on `metric` (default: its key metric) over the result's runs.

    The numbers are those of :func:`effect_sentence` (same scale, same decimals), in words a
    room reads: "Over 10 runs: +1.0 points, from −0.1 to 2.0".
    """
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    metric = metric or result.metrics[0]
    row = result.effect(metric)
    scale, unit = effect_scale(metric, row["baseline_mean"], lang)
    e, lo, hi = (row[k] * scale for k in ("effect", "ci_low", "ci_high"))
    digits = effect_digits(e, lo, hi)
    sign = "+" if round(e, digits) > 0 else ""
    effect = sign + format_number(e, digits, lang=lang) + unit
    low, high = format_number(lo, digits, lang=lang), format_number(hi, digits, lang=lang)
    runs = len(result.seeds)
    over = ngettext(
        "Over {n} run: {effect}, from {low} to {high}",
        "Over {n} runs: {effect}, from {low} to {high}",
        runs,
    ).format(n=runs, effect=effect, low=low, high=high)
    if row["effect"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0:
        verdict = _("the same in every run")
    elif lo > 0:
        verdict = _("clearly higher with the guideline")
    elif hi < 0:
        verdict = _("clearly lower with the guideline")
    else:
        verdict = _("no clear effect: the range includes zero")
    return EffectInWords(effect, low, high, runs, over, verdict)


def sentences(
    result: ExperimentResult, metrics: Iterable[str] | None = None, lang: str = DEFAULT_LANGUAGE
) -> list[str]:
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
    return gettext_for(lang)(FIELDS[lever].label) if lever in FIELDS else lever.replace("_", " ")


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
    text = sep.join(
        _("{lever}: {start} → {end}").format(
            lever=lever_label(m.lever, lang), start=num(m.start), end=num(m.end)
        )
        for m in moves
        if not m.both_arms
    )
    shared = sep.join(f"{lever_label(m.lever, lang)} {num(m.start)}" for m in moves if m.both_arms)
    if shared:
        text += " " + _("(both arms start from {levers})").format(levers=shared)
    return text
