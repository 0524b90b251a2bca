"""Take the screenshots of the trainer's walk-through in docs/app.md, at 1280x720, in en and es.

    python tests/ui/app/browser/screenshots.py [--url http://127.0.0.1:8765/] [--out docs/img]

Without ``--url`` it starts ``mse-sim app`` on a free port and stops it at the end. Each step of
the walk-through is one picture per language, ``app-<step>-<lang>.png``:

* ``explore``: Kenya avocados after five years (explore mode, normal speed);
* ``settings``: the settings drawer open, a lever moved (credit access) and its faint "before"
  lines on every chart after two years;
* ``guideline``: g3 with the room's guess, the number over many runs and the run on screen as
  one example, after five years;
* ``hover``: a chart's values at one month, the pointer resting on it.

Not a test (pictures for people), but it drives the page with the browser tests' steps
(``app_page.py``) and fails if a step does not show what it should. Look at the pictures: a
page can load with no error and still show nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from app_page import (
    CHROMIUM_ARGS,
    ROOT,
    VIEWPORT,
    close_drawer,
    free_port,
    move_lever,
    open_drawer,
    ready,
)
from playwright.sync_api import sync_playwright

#: Languages of the walk-through, with the word Play in each (the button while paused).
LANGS = {"en": "Play", "es": "Reproducir"}


def play_to(page, month: int, play: str) -> None:
    """Press ▶ and ❚❚ once the counter reaches `month`; wait for the pause to show."""
    page.locator(".mse-play").click()
    page.wait_for_function(
        f"() => parseInt(document.querySelector('.mse-month-value').textContent) >= {month}",
        timeout=300_000,
        polling=20,
    )
    page.locator(".mse-play").click()
    page.get_by_role("button", name=f"▶ {play}").wait_for()
    page.wait_for_timeout(600)


def start_app() -> tuple[subprocess.Popen, str]:
    """Start ``python -m sim app`` on a free port; return it and its URL once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit(f"the app did not answer at {url}")


def take(browser, url: str, out: Path, lang: str) -> list[Path]:
    """Take the walk-through's pictures in `lang`; return their paths."""
    play = LANGS[lang]
    shots = []

    def fresh(query: str = ""):
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{url}?scenario=kenya-avocados&lang={lang}{query}")
        ready(page)
        return page

    def shot(page, name: str) -> None:
        path = out / f"app-{name}-{lang}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    page = fresh()
    play_to(page, 60, play)
    shot(page, "explore")
    page.close()

    page = fresh()
    play_to(page, 24, play)
    move_lever(page, "credit_access", 0.8)
    close_drawer(page)
    play_to(page, 24, play)
    assert page.locator(".mse-before").count() >= 4
    open_drawer(page)
    page.locator(".mse-lever-credit_access").evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(400)
    shot(page, "settings")
    page.close()

    page = fresh("&mode=guideline&g=g3")
    guess = page.locator(".mse-guess-input input")
    guess.fill("10")
    guess.press("Enter")
    page.locator(".mse-many-runs-range").wait_for(timeout=900_000)
    play_to(page, 60, play)
    shot(page, "guideline")
    page.close()

    page = fresh("&speed=fast")
    play_to(page, 48, play)
    column = page.locator(".mse-chart-upgrading .mse-hover[data-month='36'] rect").first
    column.hover()
    page.wait_for_timeout(400)
    shot(page, "hover")
    page.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    """Take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    proc, url = (None, args.url) if args.url else start_app()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("MSE_SIM_CHROMIUM", "/usr/bin/chromium"),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            for lang in LANGS:
                for path in take(browser, url, args.out, lang):
                    print(f"wrote {path}")
            browser.close()
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
