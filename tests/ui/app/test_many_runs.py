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
