"""The languages: complete catalogs, compiled files in step with their sources, locale numbers."""

from __future__ import annotations

import re

import pytest

from sim.errors import UserInputError
from sim.experiments import GUIDELINES
from sim.ui import i18n

pytest.importorskip("babel")

OTHER = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE]


def test_every_catalog_translates_every_message():
    """A new string marked _() or a new metric/lever/guideline text needs its translations."""
    assert i18n.missing_translations() == {lang: [] for lang in OTHER}


@pytest.mark.parametrize("lang", OTHER)
def test_compiled_catalogs_match_their_sources(lang):
    """The shipped .mo says what the .po says (run `python -m sim.ui.i18n compile`)."""
    from babel.messages.pofile import read_po

    po = i18n.locale_dir() / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    catalog = read_po(po.open("rb"), locale=lang)
    _ = i18n.gettext_for(lang)
    for message in catalog:
        if message.id:
            assert _(message.id) == message.string, message.id


@pytest.mark.parametrize("lang", OTHER)
def test_translations_keep_placeholders_and_the_paper_is_marked(lang):
    _ = i18n.gettext_for(lang)
    for text, _where in i18n.data_messages():
        assert _(text) != text or text in ("MSEs", "points", "Export", "Pause", "CI")
        assert set(re.findall(r"\{\w*\}", _(text))) == set(re.findall(r"\{\w*\}", text))
    g = GUIDELINES["g1"]
    assert _(i18n.paper_text(g.seed_text)) != i18n.paper_text(g.seed_text)
    assert "Dunn" in i18n.translation_note(lang)
    assert i18n.translation_note("en") == ""


def test_numbers_follow_the_locale():
    assert i18n.format_number(1234.5, "en", 1) == "1,234.5"
    assert i18n.format_number(1234.5, "es", 1) == "1.234,5"
    assert i18n.format_number(12345.5, "es", 1) == "12.345,5"
    assert i18n.format_number(12345.5, "pt", 1) == "12.345,5"
    assert i18n.format_number(12345.5, "fr", 1).replace("\u202f", " ") == "12 345,5"
    assert i18n.format_percent(0.123, "en") == "12%"
    assert i18n.format_percent(0.123, "fr", 1).replace("\u202f", " ").replace("\xa0", " ") \
        == "12,3 %"


def test_unknown_language_is_a_user_input_error():
    with pytest.raises(UserInputError, match="de"):
        i18n.check_language("de")
