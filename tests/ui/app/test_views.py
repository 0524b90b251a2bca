"""What the app shows: the run before, denominators, plurals (no browser)."""

from __future__ import annotations

import pytest

from sim.ui.app import chain, session, views


def test_the_run_before_is_kept_for_the_same_question_only(settings):
    first = session.Run(settings)
    first.step()
    moved = session.Run(
        session.Settings(
            {**settings.scenario, "credit_access": 0.9}, settings.seed, None, settings.horizon
        )
    )
    assert views.keeps_before(first, moved)
    assert (
        views.before_label(first, moved, "en")
        == f"Before the change: Credit access for investment {settings.scenario['credit_access']:.2f}"
    )
    assert views.before_label(first, moved, "es").startswith("Antes del cambio: Acceso al crédito")
    assert not views.keeps_before(session.Run(settings), moved)  # nothing shown yet
    other = session.Run(session.Settings(settings.scenario, settings.seed, "g3", 6))
    assert not views.keeps_before(first, other)
    drawn = views.chart_views(moved, "en", before=first)
    assert all(len(v.before) == len(v.lines) for v in drawn)


def test_picture_and_card_name_one_denominator_and_agree(settings):
    """The picture's share in groups is the metric the charts and the card show."""
    run = session.Run(session.Settings({**settings.scenario, "n_mse": 400}, 1, "g3", 24))
    while run.step():
        pass
    counts = chain.picture_counts(run.population(session.INTERVENTION))
    assert counts.share_in_groups == pytest.approx(
        run.value("share_in_groups", session.INTERVENTION)
    )
    words = " ".join(views.picture_words(run, "en"))
    shown = views.fmt_value(
        run.value("share_in_groups", session.INTERVENTION), "share_in_groups", "en"
    )
    assert f"{shown} of the {counts.in_chain} MSEs still in this chain" in words
    key_chart = views.chart_views(run, "en")[0]
    assert key_chart.metric == "share_in_groups"
    assert key_chart.unit == "share of MSEs still in the chain"


def test_plural_forms_follow_the_language():
    assert views.months_words(1, "en") == "1 month" and views.months_words(2, "en") == "2 months"
    assert views.months_words(1, "es") == "1 mes" and views.months_words(7, "es") == "7 meses"
    assert views.months_words(0, "pt") == "0 mês"  # CLDR: Portuguese 0 takes the singular
