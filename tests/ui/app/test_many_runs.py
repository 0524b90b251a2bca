"""The runs behind Guideline mode's number: the handout's experiment, answered by a worker."""

from __future__ import annotations

from sim.ui.app import session

SMALL = {"n_mse": 150}


def test_guideline_number_is_the_handouts_for_the_same_settings():
    """The app's worker answers with the handout's experiment: same effect, same interval."""
    from sim.ui.app.many_runs import ManyRuns, Question
    from sim.ui.handout import HANDOUT_SEEDS, handout_experiment
    from sim.ui.words import effect_in_words

    record = {**session.scenario_record("kenya-avocados"), **SMALL, "credit_access": 0.5}
    question = Question.of("g1", record, 12)
    service = ManyRuns()
    try:
        answer = service.ask(question, "tab").result(timeout=600)
        service.release("tab")
        # a second tab asking the same question gets the same answer without a new run
        assert service.ask(question, "other").result() is answer
    finally:
        service.close()
    handout = handout_experiment(
        "g1", "kenya-avocados", steps=12, workers=1, **SMALL, credit_access=0.5
    )
    assert answer.seeds == handout.seeds == tuple(range(HANDOUT_SEEDS))
    assert answer.effects.equals(handout.effects)
    for lang in ("en", "es"):
        assert effect_in_words(answer, "share_product", lang) == effect_in_words(
            handout, "share_product", lang
        )


def _posterior_result(effect, low, high, share_negative, share_positive):
    """A stub of run_posterior_experiment's answer: one metric, 6 draws x 3 seeds."""
    import pandas as pd

    from sim.experiments.uncertainty import PosteriorEffects

    row = {
        "metric": "share_product",
        "effect": effect,
        "seed_low": effect - 0.01,
        "seed_high": effect + 0.01,
        "low": low,
        "high": high,
        "parameter_share": 0.8,
        "share_negative": share_negative,
        "share_positive": share_positive,
        "draws": 6,
        "seeds": 3,
    }
    return PosteriorEffects(None, None, (0,) * 6, (0, 1, 2), {}, pd.DataFrame([row]), {})


def test_parameter_uncertainty_asks_for_draws_x_seeds(monkeypatch):
    """With the option on, the question runs the posterior experiment at the app's size."""
    from sim.ui.app import many_runs

    record = {**session.scenario_record("kenya-avocados"), **SMALL}
    plain = many_runs.Question.of("g1", record, 12)
    uncertain = many_runs.Question.of("g1", record, 12, posterior=True)
    assert plain != uncertain and not plain.posterior and uncertain.posterior
    assert uncertain.seeds == many_runs.APP_POSTERIOR_SEEDS
    asked = {}

    def fake(guideline, scenario, **options):
        asked.update(options, guideline=guideline, scenario=scenario)
        return "answer"

    monkeypatch.setattr(many_runs, "run_posterior_experiment", fake)
    assert uncertain.answer() == "answer"
    assert asked["draws"] == many_runs.APP_DRAWS and asked["seeds"] == many_runs.APP_POSTERIOR_SEEDS
    assert asked["guideline"] == "g1" and asked["steps"] == 12 and asked["workers"] == 1
    assert asked["scenario"]["n_mse"] == SMALL["n_mse"]
    # a workshop's minute: a few dozen runs of each arm at most
    assert many_runs.APP_DRAWS * many_runs.APP_POSTERIOR_SEEDS <= 24


def test_parameter_uncertainty_in_words_says_when_the_sign_is_not_robust():
    from sim.ui.app.views import posterior_words

    robust = posterior_words(_posterior_result(0.05, 0.02, 0.08, 0.0, 1.0), "share_product", "en")
    assert robust.not_robust == "" and robust.verdict == "clearly higher with the guideline"
    assert robust.effect == "+5.0 points"
    assert "6 plausible models" in robust.over and "× 3 runs each" in robust.over
    assert "+2.0 points" in robust.over and "+4.0 points" in robust.over  # seed-only interval
    shaky = _posterior_result(0.02, -0.03, 0.07, 1 / 3, 2 / 3)
    words = posterior_words(shaky, "share_product", "en")
    assert words.verdict == "no clear effect: the range includes zero"
    assert words.not_robust.startswith("In 33% of plausible models this guideline lowers")
    lower = posterior_words(_posterior_result(-0.02, -0.07, 0.03, 0.5, 0.5), "share_product", "en")
    assert "raises" in lower.not_robust
    for lang in ("es", "fr", "pt"):  # every string is translated
        other = posterior_words(shaky, "share_product", lang)
        assert other.over != words.over and other.not_robust != words.not_robust
        assert other.not_robust and "33" in other.not_robust
