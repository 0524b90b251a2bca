"""Take the documentation's screenshots of the app at 1280x720 (by hand, not a test).

    python tests/ui/app/browser/screenshots.py --url http://127.0.0.1:8765/ [--out docs/img]

Writes ``app.png`` (explore mode, kenya-avocados after five years), ``app-guideline.png`` (g3
after five years, with a guess recorded), ``app-es.png`` (the same in Spanish at month 24) and
``app-levers.png`` (a changed lever and a number field's message).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def play_to(page, month: int) -> None:
    """Press ▶ and Pause once the counter reaches `month` (or just past it)."""
    page.locator(".mse-play").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.mse-month-value').textContent) >= "
        f"{month}", timeout=120_000, polling=20)
    page.locator(".mse-play").click()
    page.wait_for_timeout(800)


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args(argv)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=CHROMIUM_ARGS)

        def fresh():
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(args.url)
            page.locator(".mse-chart-upgrading svg").wait_for(timeout=120_000)
            return page

        page = fresh()
        play_to(page, 60)
        page.screenshot(path=str(args.out / "app.png"))
        page.close()

        page = fresh()
        page.locator(".mse-mode-guideline").click()
        page.locator(".mse-difference").wait_for()
        guess = page.locator(".mse-guess-input input")
        guess.fill("10")
        guess.press("Enter")
        play_to(page, 60)
        page.screenshot(path=str(args.out / "app-guideline.png"))
        page.close()

        page = fresh()
        page.locator(".mse-language").click()
        page.get_by_role("option", name="Español").click()
        page.get_by_text("Mes", exact=True).first.wait_for()
        play_to(page, 24)
        page.screenshot(path=str(args.out / "app-es.png"))
        page.close()

        page = fresh()
        slider = page.locator(".mse-lever-credit_access .v-slider")
        slider.scroll_into_view_if_needed()
        box = slider.bounding_box()
        slider.click(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
        page.locator(".mse-lever-credit_access.mse-changed").wait_for()
        box = page.locator(".mse-number-n_mse input")
        box.fill("10,000,000")
        box.press("Enter")
        page.locator(".mse-field-problem").wait_for()
        page.locator(".mse-lever-credit_access").evaluate(
            "e => e.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(400)
        page.screenshot(path=str(args.out / "app-levers.png"))
        page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
