"""Effects in plain words (sim.ui.words)."""

from __future__ import annotations

from sim.ui import words


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
