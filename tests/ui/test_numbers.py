"""Numbers, percentages, dollars and dates per locale (sim.ui.numbers)."""

from __future__ import annotations

import pytest

from sim.ui.numbers import format_datetime, format_number, format_percent, format_usd

OTHER = ("es", "fr", "pt")


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_numbers_follow_the_locale():
    assert format_number(1234.5, 1, lang="en") == "1,234.5"
    assert format_number(1234.5, 1, lang="es") == "1.234,5"
    assert format_number(12345.5, 1, lang="es") == "12.345,5"
    assert format_number(12345.5, 1, lang="pt") == "12.345,5"
    assert _spaces(format_number(12345.5, 1, lang="fr")) == "12 345,5"
    assert format_percent(0.123, lang="en") == "12%"
    assert _spaces(format_percent(0.123, 1, lang="fr")) == "12,3 %"


def test_a_true_minus_sign_and_never_minus_zero():
    assert format_number(-2.5) == "−2.5"
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(-0.0, 0) == "0"
    assert format_percent(-0.25, lang="en") == "−25%"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (123.456, "123"),
        (0.000123, "0.000123"),
        (12345.6, "12,300"),
        (0.0, "0"),
        (-0.5, "−0.5"),
    ],
)
def test_three_significant_digits_without_an_exponent(value, text):
    assert format_number(value, None) == text


def test_dollars_are_whole_and_follow_the_locale():
    assert format_usd(1234.4) == "$1,234"
    assert format_usd(-1234.6) == "−$1,235"
    assert format_usd(float("nan")) == "–"
    assert "1.234" in format_usd(1234, lang="es") and "US$" in format_usd(1234, lang="es")


@pytest.mark.parametrize("lang", OTHER)
def test_dates_follow_the_locale(lang):
    text = format_datetime("2026-11-30T04:27:52+00:00", lang=lang)
    month = {"es": "noviembre", "fr": "novembre", "pt": "novembro"}[lang]
    assert month in text and "2026" in text and "T04" not in text
    assert format_datetime("2026-11-30T04:27:52+00:00", lang="en").startswith("November 30")
    assert format_datetime("not a date", lang=lang) == "not a date"
