"""``mse-sim handout``: a one-page PDF in the chosen language; bad input is exit 2, no file."""

from __future__ import annotations

import re

import pytest

from sim.experiments import run_experiments
from sim.ui import handout
from sim.ui.cli import main


@pytest.fixture(scope="module")
def result():
    return run_experiments(["g1"], "kenya-avocados", seeds=2, steps=12, n_mse=150)["g1"]


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_handout_is_one_page_with_the_guideline_and_questions(result, lang):
    fig = handout.handout_page(result, lang)
    texts = "\n".join(t.get_text() for t in fig.texts)
    if lang == "es":
        assert "Pauta 1" in texts and "Preguntas para la reflexión" in texts
        assert "la traducción es nuestra" in texts  # the paper's text marked as translated
    else:
        assert "Guideline 1" in texts and "Debrief questions" in texts
        assert "weak links" in texts  # the paper's own words
    assert len(re.findall(r"^\d\. ", texts, flags=re.M)) == 3
    pdf = handout.handout_pdf(result, lang)
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1


def test_every_guideline_fits_on_one_page_in_every_language():
    results = run_experiments(None, "baseline", seeds=2, steps=3, n_mse=60)
    for r in results.values():
        for lang in ("en", "es", "fr", "pt"):
            handout.handout_page(r, lang)  # raises if the texts do not fit


def test_cli_writes_the_pdf_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "g1.pdf"
    assert (
        main(
            [
                "handout",
                "g1",
                "--scenario",
                "kenya-avocados",
                "--lang",
                "es",
                "--seeds",
                "2",
                "--steps",
                "6",
                "--set",
                "n_mse=100",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"%PDF")
    for argv in (["g9"], ["g1", "--lang", "de"], ["g1", "--seeds", "1"]):
        bad = tmp_path / "bad.pdf"
        assert main(["handout", *argv, "--quiet", "--out", str(bad)]) == 2
        assert not bad.exists()
    assert main(["handout", "g1", "--out", str(tmp_path / "g1.png")]) == 2
    assert "pdf" in capsys.readouterr().err


def test_the_guideline_report_speaks_the_chosen_language(result):
    from sim.ui.report import build_report

    pngs = {"g1": b"\x89PNG"}
    es = build_report({"g1": result}, pngs, lang="es")
    assert '<html lang="es">' in es and "Pauta 1." in es and "la traducción es nuestra" in es
    assert "Scenario" not in es and "Escenario <strong>kenya-avocados</strong>" in es
    en = build_report({"g1": result}, pngs)
    assert "Guideline 1." in en and "translation" not in en


def test_handout_words_runs_for_a_farmer_and_names_the_scenario():
    from sim.ui.handout import run_words

    for lang in ("en", "es", "fr", "pt"):
        words = run_words(10, 120, lang)
        assert "10" in words and not re.search(r"seed|semilla|graine|semente|arm|brazo", words)
    assert run_words(10, 120, "es") == (
        "la cadena simulada 10 veces con la pauta y 10 veces sin ella, durante 10 años"
    )
    assert run_words(2, 7, "en").endswith("over 7 months")


@pytest.mark.parametrize(
    "lang, title, runs, jargon",
    [
        ("en", "Kenya avocados", "Over 2 runs: ", r"seed|\barm"),
        ("es", "Aguacates de Kenia", "En 2 simulaciones: ", r"semilla|brazo"),
        ("fr", "Avocats du Kenya", "Sur 2 simulations : ", r"graine|\bbras\b"),
        ("pt", "Abacates do Quênia", "Em 2 simulações: ", r"semente|\bbraço"),
    ],
)
def test_handout_names_the_scenario_and_says_runs_in_plain_words(result, lang, title, runs, jargon):
    """The scenario's title, not its file name; runs a farmer would call runs, not seeds."""
    from sim.ui.i18n import scenario_title
    from sim.ui.words import effect_in_words

    assert scenario_title("kenya-avocados", lang) == title
    texts = "\n".join(t.get_text() for t in handout.handout_page(result, lang).texts)
    assert title in texts and "kenya-avocados" not in texts
    assert not re.search(jargon, texts, flags=re.I), re.search(jargon, texts, flags=re.I)
    headline = effect_in_words(result, "share_product", lang)
    assert headline.over.startswith(runs)
    assert " ".join(headline.over.split()) in " ".join(texts.split())  # the app's words
