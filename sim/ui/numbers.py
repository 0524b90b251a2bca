"""Numbers, percentages, US dollars and dates as each language writes them (one home for all).

Every reader of results (the CLI, the report, the app, the handouts, the cost and validation
words) formats through these, so a number reads the same everywhere: the locale's decimal
mark and grouping (Babel: ``1,234.5`` in English, ``1.234,5`` in Spanish and Portuguese,
``1 234,5`` in French), a true minus sign, and never "−0.0". The language is always a keyword
(``lang=``), after the value and its decimals.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sim.ui.i18n import DEFAULT_LANGUAGE

#: A true minus sign: it reads better in reports than a hyphen.
MINUS = "−"


def _signed(text: str) -> str:
    return text.replace("-", MINUS)


def format_number(value: float, decimals: int | None = 1, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """Format a number for reading, the way `lang` writes it.

    Args:
        value: The number.
        decimals: Digits after the decimal mark; ``None`` for three significant digits
            (trailing zeros dropped, never an exponent).
        lang: The language (:data:`sim.ui.i18n.LANGUAGES`).
    """
    from babel.numbers import format_decimal  # Babel: a dependency; heavy tables, load late

    value = float(value)
    if not math.isfinite(value):
        return _signed(format_decimal(value, locale=lang))
    if decimals is None:
        value = float(f"{value:.3g}")
        places = 0 if value == 0 else max(0, 2 - math.floor(math.log10(abs(value))))
        pattern = "#,##0" + ("." + "#" * places if places else "")
    else:
        value = round(value, decimals)
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if value == 0:
        value = 0.0  # "−0.0" reads as a typo
    return _signed(format_decimal(value, format=pattern, locale=lang))


def format_percent(share: float, decimals: int = 0, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """Format a share (0.123) as a percentage the way `lang` writes it ("12 %" in French)."""
    from babel import Locale
    from babel.numbers import format_percent as babel_percent

    # the locale's own pattern ("#,##0%" in English, "#,##0 %" in French) with our decimals
    pattern = Locale.parse(lang).percent_formats[None].pattern
    if decimals > 0 and "." not in pattern:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return _signed(babel_percent(round(float(share), decimals + 2), format=pattern, locale=lang))


def format_usd(value: float, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """US dollars, whole, in `lang`'s digits: "$1,234" in English, "1.234 US$" in Spanish.

    NaN (a quantity with no value) is written "–".
    """
    if value != value:  # NaN
        return "–"
    from babel import Locale
    from babel.numbers import format_currency

    # whole dollars: the locale's pattern with its decimals dropped
    pattern = Locale.parse(lang).currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "").replace(",00", "")
    text = format_currency(
        round(abs(float(value))), "USD", locale=lang, format=pattern, currency_digits=False
    )
    return (MINUS if round(value) < 0 else "") + text


def format_datetime(value: str | datetime, *, lang: str = DEFAULT_LANGUAGE) -> str:
    """Write a moment (an ISO 8601 string or a datetime) the way `lang` writes dates, in UTC.

    E.g. "November 30, 2026, 4:27 AM UTC" in English, "30 de noviembre de 2026, 4:27 UTC" in
    Spanish. A text that is no ISO date is returned as it is (never fail a report on a date).
    """
    from babel.dates import format_date, format_time

    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:  # results record UTC; a naive time is taken as UTC
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return (
        f"{format_date(moment, 'long', locale=lang)}, "
        f"{format_time(moment, 'short', tzinfo=UTC, locale=lang)} UTC"
    )
