"""The trainer's app in a real browser: Debian's Chromium driven by Playwright, at 1280x720.

Each test opens a fresh page (a new solara session on the shared app server started by
``conftest.py``) and checks what a trainer would see; screenshots go to ``tests/_artifacts/``.
Tests wait for the month counter on screen rather than for fixed times, except where they
check that something does *not* happen (the counter standing still after Pause).
"""

from __future__ import annotations

import re
import time

import pytest
from app_page import (
    VIEWPORT,
    choose_language,
    close_drawer,
    month,
    move_lever,
    open_drawer,
    play_and_pause,
    ready,
    set_number,
    wait_month,
)

#: English labels that must all disappear when the page switches to another language.
ENGLISH_LABELS = (
    "Play",
    "Step",
    "Reset",
    "Month",
    "Scenario",
    "Explore",
    "Guideline",
    "Number of MSEs",
    "History number",
    "Months to run",
    "Reset levers",
    "Speed",
    "Slow",
    "Fast",
    "Scenario and levers",
    "Settings",
    "MSEs that have upgraded, by type",
    "Mean income",
    "What to notice",
    "About this scenario",
    "Kenya avocados",
)


def test_play_then_pause_in_fresh_pages(page, browser, app_url, console, artifacts):
    """▶ then ❚❚ in several fresh pages (Pause was lost in about a third of them once)."""
    for _ in range(4):
        context = browser.new_context(viewport=VIEWPORT)
        try:
            other = context.new_page()
            other.goto(app_url)
            ready(other)
            assert play_and_pause(other) >= 10
        finally:
            context.close()
    ready(page)
    assert month(page) == 0
    stopped = play_and_pause(page)
    assert stopped >= 10
    # the charts were redrawn: the upgrading chart has lines, not the month-0 note
    assert page.locator(".mse-chart-upgrading polyline").count() >= 1
    page.screenshot(path=str(artifacts / "play-pause.png"))
    assert console.errors == [], console.errors


def test_play_after_step_and_after_reset(page, console):
    ready(page)
    for k in (1, 2):
        page.locator(".mse-step").click()
        wait_month(page, f"n === {k}")
    play_and_pause(page)
    page.locator(".mse-reset").click()
    wait_month(page, "n === 0")
    play_and_pause(page)
    assert console.errors == [], console.errors


def test_play_after_a_settings_change(page):
    ready(page)
    set_number(page, "seed", "7")
    page.locator(".mse-number-seed .mse-field-ok").get_by_text("Using 7 ").wait_for()
    close_drawer(page)
    play_and_pause(page)


def test_run_stops_at_the_horizon(page):
    ready(page)
    set_number(page, "horizon", "15")
    page.get_by_text("of 15").wait_for()
    close_drawer(page)
    page.locator(".mse-speed-fast").click()
    page.locator(".mse-play").click()
    wait_month(page, "n === 15")
    page.get_by_text("End of the run").wait_for()
    page.wait_for_timeout(500)
    assert month(page) == 15
    assert page.locator(".mse-play").is_disabled() and page.locator(".mse-step").is_disabled()


def test_two_tabs_play_independently(browser, app_url):
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(2)]
    try:
        a, b = (c.new_page() for c in contexts)
        for p in (a, b):
            p.goto(app_url)
            ready(p)
        a.locator(".mse-play").click()
        b.locator(".mse-play").click()
        wait_month(a, "n >= 10")
        wait_month(b, "n >= 10")
        a.locator(".mse-play").click()
        a.get_by_role("button", name="▶ Play").wait_for()
        stopped = month(a)
        wait_month(b, f"n >= {month(b) + 5}")  # b goes on while a stands still
        assert month(a) == stopped
    finally:
        for c in contexts:
            c.close()


def test_closed_tab_stops_its_run(browser, app_server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(app_server.url)
    ready(page)
    set_number(page, "horizon", "600")
    page.get_by_text("of 600").wait_for()
    close_drawer(page)
    page.locator(".mse-speed-fast").click()
    page.locator(".mse-play").click()
    wait_month(page, "n >= 5")
    playing = _busy(app_server, 1.0)
    context.close()  # the tab closes while playing
    # back to idle within a few seconds (the page-close message, one last month, solara's
    # clean-up); a playing run keeps a core busy
    samples = [_busy(app_server, 1.0) for _ in range(6)]
    assert min(samples) < 0.1 < playing, (
        f"server CPU while playing {playing:.0%}, after the tab closed {samples}"
    )


def _busy(server, seconds: float) -> float:
    """Share of a core the server used over the next `seconds`."""
    before = server.cpu_seconds()
    time.sleep(seconds)
    return (server.cpu_seconds() - before) / seconds


def test_label_click_leaves_the_lever_unchanged(page):
    ready(page)
    open_drawer(page)
    lever = page.locator(".mse-lever-credit_access")
    value = lever.locator(".mse-lever-value").inner_text()
    lever.locator(".mse-lever-name").click()
    page.wait_for_timeout(500)
    assert lever.locator(".mse-lever-value").inner_text() == value
    assert not lever.evaluate("e => e.classList.contains('mse-changed')")


def test_moving_a_lever_marks_it_changed_and_reset_levers_undoes_it(page):
    ready(page)
    move_lever(page, "credit_access", 1.0)
    lever = page.locator(".mse-lever-credit_access.mse-changed")
    assert float(lever.locator(".mse-lever-value").inner_text()) >= 0.95
    page.locator(".mse-reset-levers").click()
    lever.wait_for(state="detached")


@pytest.mark.parametrize(
    "field, text, words",
    [
        ("n_mse", "0", "too small"),
        ("n_mse", "-5", "too small"),
        ("n_mse", "10,000,000", "too large"),
        ("seed", "-1", "too small"),
        ("seed", "12345678901234567890123", "too large"),
        ("seed", "abc", "not a whole number"),
    ],
)
def test_bad_number_fields_say_what_was_wrong_and_what_is_used(page, field, text, words):
    ready(page)
    set_number(page, field, text)
    message = page.locator(f".mse-number-{field} .mse-field-problem")
    message.wait_for()
    said = message.inner_text()
    assert words in said and "Still using" in said, said
    assert month(page) == 0


def visible_lines(page) -> list[str]:
    return [
        line.strip() for line in page.locator(".mse-app").inner_text().splitlines() if line.strip()
    ]


#: Words spelt alike in English and Spanish (the speed "Normal", the file types).
SAME_IN_SPANISH = {"Normal", "⤓ CSV", "⤓ SVG"}


def same_lines(english: list[str], other: list[str]) -> list[str]:
    """Lines shown alike in both languages, but for numbers, guideline ids (g1-g7) and words
    spelt alike in both."""
    return sorted(
        line
        for line in set(english) & set(other)
        if not re.fullmatch(r"[\W\d_]*|g[1-7]", line) and line not in SAME_IN_SPANISH
    )


def settled_same_lines(page, english: list[str], timeout: float = 10.0) -> list[str]:
    """:func:`same_lines` once the page has re-rendered (or what is left after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        left = same_lines(english, visible_lines(page))
        if not left or time.monotonic() > deadline:
            return left
        page.wait_for_timeout(200)


def test_language_switch_changes_every_visible_label(page, artifacts):
    ready(page)
    open_drawer(page)
    english = visible_lines(page)
    page.locator(".mse-mode-guideline").click()
    page.locator(".mse-difference").wait_for()
    english_guideline = visible_lines(page)
    choose_language(page, "Español", "Mes")
    assert settled_same_lines(page, english_guideline) == []
    page.locator(".mse-mode-explore").click()
    page.locator(".mse-chart-upgrading svg").wait_for()
    open_drawer(page)
    page.screenshot(path=str(artifacts / "language-es.png"))
    assert settled_same_lines(page, english) == []
    text = page.locator(".mse-app").inner_text()
    left = [w for w in ENGLISH_LABELS if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text)]
    assert left == [], f"still in English after switching to Spanish: {left}"
    assert "Reproducir" in text and "Aguacates de Kenia" in text
    # the scenario's Info texts, opened, are in Spanish too and marked as our translation
    for summary in ("Qué observar", "Acerca de este escenario"):
        page.get_by_text(summary, exact=True).click()
    page.locator(".mse-info-what_it_is").wait_for()
    page.screenshot(path=str(artifacts / "language-es-info.png"))
    info = page.locator(".mse-drawer").inner_text()
    assert "La cadena del aguacate en Kenia" in info
    assert "La mejora de canal hacia la exportación" in info
    assert "The avocado chain in Kenya" not in info and "Channel upgrading into" not in info
    assert "la traducción es nuestra" in info
    # hover texts are translated too, and never name the model's internal fields
    titles = page.evaluate(
        "() => [...document.querySelectorAll('.mse-app [title]')].map(e => e.getAttribute('title'))"
    )
    assert titles and all("_" not in t for t in titles), titles
    assert any(t.startswith("Acceso al crédito para inversión: de 0") for t in titles), titles


def test_no_framework_leftovers_and_projector_text_sizes(page, artifacts):
    ready(page)
    text = page.locator("body").inner_text()
    for leftover in (
        "Page 0",
        "PAGE 0",
        "Model Parameters",
        "Use Threads",
        "runs on Solara",
        "Time:",
    ):
        assert leftover not in text, leftover
    # every chart text is at least 14 px as drawn (the drawings scale to their cells)
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.mse-chart text')].map(e => {"
        " const m = e.getScreenCTM();"
        " return parseFloat(getComputedStyle(e).fontSize) * m.a; })"
    )
    assert sizes and min(sizes) >= 13.5, min(sizes)
    html_sizes = page.evaluate(
        "() => [...document.querySelectorAll('.mse-chart-title, "
        ".mse-legend, .mse-chain-caption')].map("
        "e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert html_sizes and min(html_sizes) >= 14, min(html_sizes)
    page.screenshot(path=str(artifacts / "layout-1280x720.png"))


def test_guideline_mode_shows_both_arms_the_difference_and_the_guess(page, console):
    ready(page)
    page.locator(".mse-mode-guideline").click()
    card = page.locator(".mse-difference")
    card.wait_for()
    assert "g3" in page.locator(".mse-difference-title").inner_text()
    guess = page.locator(".mse-guess-input input")
    guess.fill("5")
    guess.press("Enter")
    for k in range(1, 4):
        page.locator(".mse-step").click()
        wait_month(page, f"n === {k}")
    page.locator(".mse-example").get_by_text("after 3 months").wait_for()
    example = page.locator(".mse-example").inner_text()
    assert example.startswith("The run on screen is one example:"), example
    assert re.search(r"[+−]\d+\.\d points after 3 months", example), example
    assert "Guess +5.0 points" in card.inner_text()
    assert page.locator(".mse-chart-key polyline").count() == 2
    # the switch asks for the effect over plausible models (its answer takes longer: not awaited)
    page.locator(".mse-uncertainty").get_by_text("Include parameter uncertainty").click()
    card.get_by_text("6 plausible models × 3 runs with and without g3").wait_for()
    assert console.errors == [], console.errors


def test_light_theme_even_when_the_browser_asks_for_dark(browser, app_url):
    """The app is designed light: a dark preference, or solara's remembered dark mode, is
    ignored (charts and text stay readable)."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="dark")
    context.add_init_script("localStorage.setItem(':solara:theme.variant', JSON.stringify('dark'))")
    try:
        page = context.new_page()
        page.goto(app_url)
        ready(page)
        page.wait_for_timeout(500)
        assert "theme--light" in page.locator("#app").get_attribute("class")
        background = page.locator(".mse-app").evaluate("e => getComputedStyle(e).backgroundColor")
        assert background == "rgb(255, 255, 255)"
    finally:
        context.close()
