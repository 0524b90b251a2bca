"""What a trainer does on the app's page, as Playwright steps shared by the browser tests and the
documentation's screenshots (``screenshots.py``).

Every wait is for something on screen (the month counter, a panel), never a fixed time, except
where a step checks that something does *not* happen.
"""

from __future__ import annotations

import socket
from pathlib import Path

#: The checkout (the app server runs from it).
ROOT = Path(__file__).resolve().parents[4]

#: Flags for a headless Chromium on a machine that reaches no network but the package
#: registries: no sandbox (root in CI), no GPU, no background traffic to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: A small projector, and the same window at the browser zooms a guide may advise: at 125 %
#: a 1280x720 window is 1024x576 CSS pixels drawn 1.25 times larger.
VIEWPORT = {"width": 1280, "height": 720}
ZOOMS = {1.0: (1280, 720), 1.25: (1024, 576), 1.5: (853, 480)}


def context_at(browser, zoom: float = 1.0, **kw):
    """A browser context showing a 1280x720 window at browser zoom `zoom`."""
    width, height = ZOOMS[zoom]
    return browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=zoom, **kw
    )


def month(page) -> int:
    """The month the counter shows."""
    return int(page.locator(".mse-month-value").inner_text())


def wait_month(page, predicate: str, timeout: float = 60_000):
    """Wait until the counter's number `n` satisfies a JavaScript expression in `n`."""
    page.wait_for_function(
        "() => { const n = parseInt(document.querySelector('.mse-month-value').textContent);"
        f" return {predicate}; }}",
        timeout=timeout,
        polling=50,
    )


def ready(page, timeout: float = 120_000):
    """Wait for the app's first frame: the counter and the first chart."""
    page.locator(".mse-month-value").wait_for(timeout=timeout)
    page.locator(".mse-panels svg").first.wait_for(timeout=timeout)


def play_and_pause(page, at_least: int = 10, play_label: str = "▶ Play") -> int:
    """Press ▶ until the month advanced `at_least`, press ❚❚; return the month it stopped at.

    Checks that the month stands still after the Pause button says so.
    """
    start = month(page)
    page.locator(".mse-play").click()
    wait_month(page, f"n >= {start + at_least}")
    page.locator(".mse-play").click()
    # the click is handled at once, not when the run ends (it once waited for the horizon)
    page.get_by_role("button", name=play_label).wait_for(timeout=3000)
    stopped = month(page)
    page.wait_for_timeout(700)
    assert month(page) == stopped, "the month kept advancing after Pause"
    assert stopped < start + 60, f"Pause took effect only at month {stopped}"
    return stopped


def open_drawer(page):
    """Open the drawer of settings and levers (if closed)."""
    if not page.locator(".mse-drawer").count():
        page.locator(".mse-settings-open").click()
    page.locator(".mse-drawer").wait_for()


def close_drawer(page):
    """Close the drawer (if open)."""
    if page.locator(".mse-drawer").count():
        page.locator(".mse-drawer-close").click()
        page.locator(".mse-drawer").wait_for(state="detached")


def set_number(page, field: str, text: str):
    """Type `text` into a number field of the drawer and press Enter."""
    open_drawer(page)
    box = page.locator(f".mse-number-{field} input")
    box.fill(text)
    box.press("Enter")


def move_lever(page, lever: str, fraction: float = 1.0):
    """Click a lever's slider at `fraction` of its width; wait until it is marked changed."""
    open_drawer(page)
    slider = page.locator(f".mse-lever-{lever} .v-slider")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    x = min(max(box["width"] * fraction, 2), box["width"] - 2)
    slider.click(position={"x": x, "y": box["height"] / 2})
    page.locator(f".mse-lever-{lever}.mse-changed").wait_for()


def choose_language(page, name: str, word: str):
    """Switch the page to the language `name` (as in the menu); wait for `word` to show."""
    page.locator(".mse-language").click()
    page.get_by_role("option", name=name).click()
    page.get_by_text(word, exact=True).first.wait_for()


def inside(box, width: float, height: float) -> bool:
    """Whether a bounding box lies wholly inside a width x height window."""
    return (
        bool(box)
        and box["x"] >= -0.5
        and box["y"] >= -0.5
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
