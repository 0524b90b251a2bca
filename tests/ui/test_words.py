"""Effects in plain words (sim.ui.words)."""

from __future__ import annotations

import pytest

from sim.ui import words

SMALL = {"n_mse": 150}


def test_effect_sentences_in_plain_words():
    row = {"baseline_mean": 0.30, "effect": 0.14, "ci_low": 0.09, "ci_high": 0.19}
    assert words.effect_sentence("More investment credit", "share_product", row) == (
        "More investment credit raised product upgrading by 14.0 points (95% CI 9.0 to 19.0)."
    )
    row = {"baseline_mean": 0.2, "effect": -0.02, "ci_low": -0.03, "ci_high": -0.01}
    assert words.effect_sentence("It", "income_volatility", row) == (
        "It lowered income volatility by 10.0% (95% CI 5.0 to 15.0)."
    )
    row = {"baseline_mean": 0.2, "effect": 0.001, "ci_low": -0.01, "ci_high": 0.012}
    assert "no clear effect" in words.effect_sentence("It", "share_process", row)


def test_effect_in_words_says_runs_effect_range_and_verdict():
    from sim.experiments import run_experiments
    from sim.ui.words import effect_in_words

    result = run_experiments(["g3"], "kenya-avocados", seeds=3, steps=6, workers=1, **SMALL)["g3"]
    row = result.effect("share_in_groups")
    words = effect_in_words(result, "share_in_groups", "en")
    assert words.over.startswith("Over 3 runs: ") and words.runs == 3
    assert words.effect in words.over and words.low in words.over and words.high in words.over
    assert float(words.low.replace("−", "-")) == pytest.approx(100 * row["ci_low"], abs=0.06)
    if row["ci_low"] > 0:
        assert words.verdict == "clearly higher with the guideline"
    spanish = effect_in_words(result, "share_in_groups", "es")
    assert spanish.over.startswith("En 3 simulaciones: ") and "puntos" in spanish.effect
