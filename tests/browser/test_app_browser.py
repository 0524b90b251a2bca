"""The trainer's app in a real browser: Debian's Chromium driven by Playwright.

Each test opens a fresh page (a new solara session on the shared app server started by
``conftest.py``), checks what a trainer would see, and saves a screenshot to
``tests/_artifacts/``. Stepping waits for Mesa's "Time: N" counter, so a test never races the
server.
"""

from __future__ import annotations

import re

import pytest

STEP_TIMEOUT = 30_000


def wait_ready(page):
    """Wait until SolaraViz's controls and the first chart are on screen."""
    page.get_by_role("button", name="Step").wait_for()
    page.locator(".vue-grid-item img").first.wait_for()
    page.get_by_text("Time: 0.0").wait_for()


def step(page, times: int, start: int = 0):
    """Click Mesa's Step button `times` times, waiting for each month to be shown."""
    button = page.get_by_role("button", name="Step")
    for k in range(start + 1, start + times + 1):
        button.click()
        page.get_by_text(f"Time: {k}.0", exact=True).wait_for(timeout=STEP_TIMEOUT)
    # the charts re-render after the counter; give the last images time to arrive
    page.wait_for_timeout(1500)


def screenshot(page, path):
    """Save a screenshot with the sidebar scrolled to its top (scenario and mode visible)."""
    page.locator(".v-navigation-drawer__content").first.evaluate("e => e.scrollTop = 0")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path))


def chart(page, index: int):
    """Return the image of the `index`-th component in SolaraViz's grid."""
    return page.locator(".vue-grid-item").nth(index).locator("img").first


def test_page_loads_without_console_errors(page, console, artifacts):
    wait_ready(page)
    page.locator(".mse-value-chain img").wait_for()
    page.wait_for_timeout(1000)
    screenshot(page, artifacts / "app-loaded.png")
    assert page.get_by_text("Scenario").first.is_visible()
    page.get_by_text("Show the levers").click()
    assert page.get_by_text("Credit access for investment").is_visible()
    assert page.get_by_text("What to notice").is_visible()
    assert not page.get_by_text("Traceback").count(), "a Python traceback is on the page"
    assert console.errors == [], f"console errors: {console.errors}"


def test_credit_slider_and_ten_steps_change_upgrading_chart(page, console, artifacts):
    wait_ready(page)
    before = chart(page, 0).screenshot()

    # unfold the levers, move credit access to the far right; the run restarts from month 0
    page.get_by_text("Show the levers").click()
    slider = page.locator(".mse-lever-credit_access .v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] - 2, "y": box["height"] / 2})
    page.get_by_text("Time: 0.0", exact=True).wait_for()
    thumb = page.locator(".mse-lever-credit_access .v-slider__thumb-label").first
    assert thumb.inner_text().strip() in ("1", "1.0", "0.95"), thumb.inner_text()
    step(page, 10)
    after = chart(page, 0).screenshot()
    screenshot(page, artifacts / "app-credit-10-steps.png")

    assert after != before, "the credit lever and ten steps did not change the upgrading chart"
    assert console.errors == [], f"console errors: {console.errors}"


def test_guideline_mode_shows_two_arms(page, console, artifacts):
    wait_ready(page)
    page.get_by_role("button", name="Guideline").click()
    card = page.locator(".mse-difference")
    card.wait_for()
    assert "g3" in page.locator(".mse-difference-title").inner_text()
    step(page, 6)
    text = card.inner_text()
    assert re.search(r"with g3 vs .* in the baseline", text), text
    assert re.search(r"[+-]\d+(\.\d+)? points", page.locator(".mse-difference-value").inner_text())
    # both arms' charts, the difference card and the intervention arm's value chain
    assert page.locator(".vue-grid-item img").count() >= 3
    screenshot(page, artifacts / "app-guideline-g3.png")
    assert console.errors == [], f"console errors: {console.errors}"


def test_value_chain_picture_renders(page, console, artifacts):
    wait_ready(page)
    step(page, 3)
    picture = page.locator(".mse-value-chain img").first
    picture.wait_for()
    width = picture.evaluate("img => img.naturalWidth")
    assert width > 300, f"value-chain picture is {width} px wide"
    assert not page.get_by_text("cannot be drawn").count()
    png = picture.screenshot(path=str(artifacts / "app-value-chain.png"))
    # a drawn picture has many colours; a blank or error image has a handful
    pytest.importorskip("PIL")
    import io

    from PIL import Image

    colours = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50
    assert console.errors == [], f"console errors: {console.errors}"
