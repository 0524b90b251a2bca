"""The languages: complete catalogs, compiled files in step with their sources, locale numbers."""

from __future__ import annotations

import functools
import html.parser
import re
from pathlib import Path

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
    _, ngettext = i18n.gettext_for(lang), i18n.ngettext_for(lang)
    for message in catalog:
        if isinstance(message.id, tuple):  # a plural: one form for 1, the last for 2
            assert ngettext(*message.id, 1) == message.string[0], message.id
            assert ngettext(*message.id, 2) == message.string[-1], message.id
        elif message.id:
            assert _(message.id) == message.string, message.id


@pytest.mark.parametrize("lang", OTHER)
def test_translations_keep_placeholders_and_the_paper_is_marked(lang):
    _ = i18n.gettext_for(lang)
    # the same word in some languages; quintile names (Q2..Q4) are labels, not words
    same = ("MSEs", "points", "Export", "Pause", "CI", "Q2", "Q3", "Q4")
    for text, _where in i18n.data_messages() + i18n.scenario_messages():
        assert _(text) != text or text in same
        assert set(re.findall(r"\{\w*\}", _(text))) == set(re.findall(r"\{\w*\}", text))
    g = GUIDELINES["g1"]
    assert _(i18n.paper_text(g.seed_text)) != i18n.paper_text(g.seed_text)
    assert "Dunn" in i18n.translation_note(lang)
    assert i18n.translation_note("en") == ""


def test_unknown_language_is_a_user_input_error():
    with pytest.raises(UserInputError, match="de"):
        i18n.check_language("de")


# --------------------------------------------------------------------------------------------
# Strict: nothing English left in a Spanish, French or Portuguese report, figure or handout
# --------------------------------------------------------------------------------------------

#: Names that stay as they are in every language (authors, the programme's name).
PROPER_NOUNS = ("Dunn", "Sebstad", "Batzdorff", "Parsons", "USAID", "mse-sim", "Fieller")
#: Titles of publications, cited as published (the paper's title in the report's method).
PUBLICATIONS = ("Lessons Learned on MSE Upgrading in Value Chains",)


def _is_identifier(token: str) -> bool:
    """Scenario, metric and lever ids, guideline ids, file paths, versions: not words."""
    return bool(re.search(r"[_/\d]|^[a-z]+(-[a-z]+)+$|\.(toml|md|csv|html)$", token))


def _words(text: str, allowed: set[str]) -> list[str]:
    """The words of `text` a reader would read as language (allowances removed)."""
    tokens = re.findall(r"[\w./’'-]+", text)
    return [
        t
        for t in tokens
        if not _is_identifier(t) and t.strip("'’.-") not in allowed and re.search(r"[A-Za-z]", t)
    ]


def _allowed_names() -> set[str]:
    from sim.scenario import list_scenarios
    from sim.validation.targets import list_target_cases, read_targets

    names = set(PROPER_NOUNS) | set(list_scenarios())
    # the targets' sources are citations: authors and titles of published reports, cited as
    # they were published (the report's "source" column)
    for case in list_target_cases():
        for target in read_targets(case).targets:
            names |= set(re.findall(r"[\w’'-]+", target.source))
    return names


@functools.cache
def _runs():
    """Two guidelines on the baseline (one with a part, one with a comparison arm), small."""
    from sim.costs import lever_by_lever
    from sim.experiments import run_experiments
    from sim.experiments.uncertainty import run_posterior_experiments
    from sim.who_gains import summary

    parts = lever_by_lever(GUIDELINES["g6"])
    everything = run_experiments(
        ["g6", "g7", *parts], "baseline", seeds=2, steps=12, n_mse=120, probe=summary
    )
    # the report's posterior part too: 2 draws of the shipped posterior x 2 seeds
    posterior = run_posterior_experiments(
        ["g6", "g7", *parts], "baseline", draws=2, seeds=2, steps=12, n_mse=120, probe=summary
    )
    return (
        {gid: everything[gid] for gid in ("g6", "g7")},
        {p.id: everything[p.id] for p in parts},
        posterior,
    )


class _Text(html.parser.HTMLParser):
    """The visible text of an HTML page, one fragment per text node (and alt texts)."""

    def __init__(self):
        super().__init__()
        self.fragments: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.fragments.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.fragments.append(" ".join(data.split()))


def _figure_texts(fig) -> list[str]:
    from matplotlib.text import Text

    fig.draw_without_rendering()  # tick labels exist only once drawn
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def visible_texts(runs, lang: str, out_dir) -> dict[str, list[str]]:
    """Everything a reader sees in `lang`: report page, its figures, the handout and its figure."""
    from sim.costs import who_gains
    from sim.ui import handout
    from sim.ui.cost_figures import who_gains_figure
    from sim.ui.outputs import write_outputs
    from sim.ui.plots import experiment_figure

    results, parts, posterior = runs
    write_outputs(results, out_dir, report=True, parts=parts, lang=lang, posterior=posterior)
    page = _Text()
    page.feed((Path(out_dir) / "report.html").read_text(encoding="utf-8"))
    figures = []
    for r in results.values():
        figures += _figure_texts(experiment_figure(r, lang))
        figures += _figure_texts(who_gains_figure(who_gains(r), "", lang))
    g6 = results["g6"]
    return {
        "report": page.fragments,
        "report figures": figures,
        "handout": _figure_texts(handout.handout_page(g6, lang)),
        "handout figure": _figure_texts(handout.handout_figure(g6, lang)),
    }


def english_left(english: dict[str, list[str]], other: dict[str, list[str]]) -> dict:
    """English phrases (two words or more, allowances removed) found in the other language.

    Each English fragment is cut at punctuation into phrases; a phrase of at least two words
    that reads the same in the other language's text was not translated.
    """
    allowed = _allowed_names()
    out = {}
    for where, fragments in english.items():
        theirs = " ".join(" ".join(other[where]).split())
        left = set()
        for fragment in fragments:
            for phrase in re.split(r"[.;:()\[\]—–,“”\"?!·•|]+", fragment):
                phrase = " ".join(phrase.split())
                words = _words(phrase, allowed)
                if (
                    len(words) >= 2
                    and not any(phrase in p for p in PUBLICATIONS)
                    and re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", theirs)
                ):
                    left.add(phrase)
            # a whole text (a heading, a legend, a group name) that stays the same
            if _words(fragment, allowed) and fragment in other[where]:
                left.add(fragment)
        out[where] = sorted(left)
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    runs = _runs()
    return {
        lang: visible_texts(runs, lang, tmp_path_factory.mktemp(lang)) for lang in i18n.LANGUAGES
    }


def test_the_english_rendering_is_checked_for_real(rendered):
    """The check below sees the report's cost section, figures and handout (it can fail)."""
    en = rendered["en"]
    assert any("cost per additional upgrader" in f for f in en["report"])
    assert any("Who gains" in f for f in en["report"])
    assert "seed-only interval" in en["report"]  # the posterior part is checked too
    assert any("plausible models" in f for f in en["report"])
    assert "month" in en["report figures"] and "upgrading (points)" in en["report figures"]
    assert "Debrief questions" in en["handout"]
    assert english_left(en, en)["report"]  # English against itself: everything "left"


@pytest.mark.parametrize("lang", OTHER)
def test_no_english_left_in_the_report_figures_and_handout(rendered, lang):
    assert english_left(rendered["en"], rendered[lang]) == {where: [] for where in rendered["en"]}


def test_scenario_texts_are_extracted_into_the_catalogs():
    from sim.scenario import list_scenarios, read_scenario_file

    messages = dict(i18n.scenario_messages())
    sf = read_scenario_file("kenya-avocados")
    assert i18n.paper_text(sf.info["things_to_notice"]) in messages
    # per file: its title (from its name), its description and each Info text
    assert len(messages) == sum(2 + len(read_scenario_file(n).info) for n in list_scenarios())
    assert i18n.scenario_title("kenya-avocados") == "Kenya avocados"
    assert i18n.scenario_title("kenya-avocados", "es") == "Aguacates de Kenia"
    for lang in OTHER:
        assert i18n.scenario_text(sf.info["what_it_is"], lang) != i18n.paper_text(
            sf.info["what_it_is"]
        )


@pytest.mark.parametrize("lang", OTHER)
def test_lever_moves_are_worded_with_translated_labels(lang):
    from sim.scenario import load_scenario
    from sim.ui.words import describe_moves

    g7 = GUIDELINES["g7"]
    moves = g7.lever_moves(load_scenario("baseline"))
    assert [(m.lever, m.both_arms) for m in moves] == [("herding", False), ("herding", True)]
    en, other = describe_moves(moves, "en"), describe_moves(moves, lang)
    assert "0.80 → 0.00" in en and "0,80 → 0,00" in other and "both arms" in en
    assert "herding" not in other.lower()
