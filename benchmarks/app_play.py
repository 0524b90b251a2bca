"""Browser benchmark of the trainer's app: time to play a whole run with every chart updating.

Not a test (its number depends on the machine): run it by hand,

    python benchmarks/app_play.py [--speed slow|normal|fast] [--mse 1000] [--months 120]
                                  [--repeat 3] [--url URL] [--guideline] [--cold]

It starts ``mse-sim app`` on a free port (unless ``--url`` names a running one), opens it in
Debian's Chromium (headless, 1280x720, through Playwright; no browser download), sets the
speed and the number of MSEs, presses ▶ and times how long the month counter on screen takes
to reach the horizon, where the run stops by itself. Every chart and the value-chain picture
are redrawn each month. It prints the seconds, the months per second shown on screen, the time
of one Step click (click to the counter showing the next month) and of a Pause (click to the
button showing ▶ again, and the months added after the click). ``--guideline`` plays g3 and
also times Guideline mode's number over many runs (page open to the number on screen);
``--cold`` starts the app with an empty compile cache (a fresh install) and times the first
start: server start to the page's first frame, and how long "preparing the model" showed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(months: int, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``python -m sim app`` on a free port; return the process and its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port), "--months", str(months)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
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


def month_on_screen(page) -> int:
    """Return the month the page's counter shows."""
    return int(page.locator(".mse-month-value").inner_text())


def set_field(page, field: str, value: int) -> None:
    """Type a value into one of the app's number fields and wait for the new run."""
    box = page.locator(f".mse-number-{field} input")
    box.fill(str(value))
    box.press("Enter")
    page.locator(f".mse-number-{field} .mse-field-ok").get_by_text(
        f"{value:,}".split(",")[0]
    ).first.wait_for()


def play_once(page, horizon: int, timeout: float = 300) -> float:
    """Reset, press ▶ and return the seconds until the counter shows the horizon."""
    page.locator(".mse-reset").click()
    page.wait_for_function(
        "() => document.querySelector('.mse-month-value').textContent.trim() === '0'"
    )
    start = time.perf_counter()
    page.locator(".mse-play").click()
    page.wait_for_function(
        f"() => document.querySelector('.mse-month-value').textContent.trim() === '{horizon}'",
        timeout=timeout * 1000,
        polling=20,
    )
    return time.perf_counter() - start


def step_once(page) -> float:
    """Click Step once; return the seconds until the counter shows the next month."""
    before = month_on_screen(page)
    start = time.perf_counter()
    page.locator(".mse-step").click()
    page.wait_for_function(
        f"() => document.querySelector('.mse-month-value').textContent.trim() === '{before + 1}'",
        polling=10,
    )
    return time.perf_counter() - start


def pause_once(page, after: int = 5) -> tuple[float, int]:
    """Press ▶, then ❚❚ once `after` months are shown; return the seconds until the button
    shows ▶ again and the months added after the click."""
    start = month_on_screen(page)
    page.locator(".mse-play").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.mse-month-value').textContent) >= "
        f"{start + after}",
        polling=10,
    )
    clicked = month_on_screen(page)
    t0 = time.perf_counter()
    page.locator(".mse-play").click()
    page.get_by_role("button", name="▶ Play").wait_for()
    latency = time.perf_counter() - t0
    page.wait_for_timeout(1500)
    return latency, month_on_screen(page) - clicked


def cold_start(months: int, browser) -> tuple[float, float]:
    """Start the app with an empty compile cache; return the seconds from the server's start
    to the page's first frame, and how long the page said it was preparing the model."""
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        proc, url = start_app(months, {"NUMBA_CACHE_DIR": cache})
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            shown = None
            try:
                page.locator(".mse-preparing-text").wait_for(timeout=20_000)
                shown = time.perf_counter()
            except Exception:  # noqa: BLE001 - the model was ready before the page
                pass
            page.locator(".mse-month-value").wait_for(timeout=600_000)
            ready = time.perf_counter()
            page.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    return ready - t0, (ready - shown) if shown else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mse", type=int, default=1000, help="number of MSEs (default 1000)")
    parser.add_argument("--months", type=int, default=120, help="horizon (default 120)")
    parser.add_argument("--repeat", type=int, default=3, help="plays to time (default 3)")
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--guideline", action="store_true", help="time guideline mode (g3)")
    parser.add_argument(
        "--speed",
        default="normal",
        choices=("slow", "normal", "fast"),
        help="the page's speed (default normal)",
    )
    parser.add_argument(
        "--cold", action="store_true", help="also time a first start with an empty compile cache"
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    proc, url = (None, args.url) if args.url else start_app(args.months)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("MSE_SIM_CHROMIUM", "/usr/bin/chromium"),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            cold = cold_start(args.months, browser) if args.cold else None
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            query = f"?speed={args.speed}" + ("&mode=guideline&g=g3" if args.guideline else "")
            opened = time.perf_counter()
            page.goto(url + query)
            page.locator(".mse-month-value").wait_for(timeout=120_000)
            number = None
            if args.guideline:
                page.locator(".mse-many-runs-range").wait_for(timeout=900_000)
                number = time.perf_counter() - opened
            if args.mse != 1000:
                page.locator(".mse-settings-open").click()
                set_field(page, "n_mse", args.mse)
                page.locator(".mse-drawer-close").click()
            horizon = int(page.locator(".mse-month").inner_text().split()[-1])
            steps = [step_once(page) for _ in range(5)]
            pauses = [pause_once(page) for _ in range(3)]
            times = [play_once(page, horizon, timeout=1200) for _ in range(args.repeat)]
            browser.close()
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    mode = "guideline g3" if args.guideline else "explore"
    print(
        f"app play benchmark ({mode}, speed {args.speed}, {args.mse} MSEs, {horizon} months, "
        f"Chromium 1280x720; load average {os.getloadavg()[0]:.1f})"
    )
    print(
        "  play to the horizon: "
        + ", ".join(f"{t:.1f} s" for t in times)
        + f"  (best {min(times):.1f} s = {horizon / min(times):.1f} months/s)"
    )
    print("  one Step: " + ", ".join(f"{1000 * t:.0f} ms" for t in steps))
    print(
        "  Pause: "
        + ", ".join(f"{1000 * t:.0f} ms (+{n} month{'s' * (n != 1)})" for t, n in pauses)
    )
    if number is not None:
        print(
            f"  Guideline mode's number over many runs: on screen {number:.1f} s after the "
            "page opened"
        )
    if cold is not None:
        print(
            f"  first start (empty compile cache): page ready {cold[0]:.1f} s after the "
            f"server started; 'preparing the model' shown for {cold[1]:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
