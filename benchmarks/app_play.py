"""Browser benchmark of the trainer's app: time to play a whole run with every chart updating.

Not a test (its number depends on the machine): run it by hand,

    python benchmarks/app_play.py [--mse 1000] [--months 120] [--repeat 3] [--url URL]

It starts ``mse-sim app`` on a free port (unless ``--url`` names a running one), opens it in
Debian's Chromium (headless, 1280x720, through Playwright; no browser download), sets the
number of MSEs, presses ▶ and times how long the month counter on screen takes to reach the
horizon, where the run stops by itself. Every chart and the value-chain picture are redrawn
each month. It prints the seconds, the months per second shown on screen, and the time of
one Step click (click to the counter showing the next month).
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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(months: int) -> tuple[subprocess.Popen, str]:
    """Start ``python -m sim app`` on a free port; return the process and its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port), "--months", str(months)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)
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
        f"{value:,}".split(",")[0]).first.wait_for()


def play_once(page, horizon: int, timeout: float = 300) -> float:
    """Reset, press ▶ and return the seconds until the counter shows the horizon."""
    page.locator(".mse-reset").click()
    page.wait_for_function("() => document.querySelector('.mse-month-value')"
                           ".textContent.trim() === '0'")
    start = time.perf_counter()
    page.locator(".mse-play").click()
    page.wait_for_function(
        f"() => document.querySelector('.mse-month-value').textContent.trim() === "
        f"'{horizon}'", timeout=timeout * 1000, polling=20)
    return time.perf_counter() - start


def step_once(page) -> float:
    """Click Step once; return the seconds until the counter shows the next month."""
    before = month_on_screen(page)
    start = time.perf_counter()
    page.locator(".mse-step").click()
    page.wait_for_function(
        f"() => document.querySelector('.mse-month-value').textContent.trim() === "
        f"'{before + 1}'", polling=10)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mse", type=int, default=1000, help="number of MSEs (default 1000)")
    parser.add_argument("--months", type=int, default=120, help="horizon (default 120)")
    parser.add_argument("--repeat", type=int, default=3, help="plays to time (default 3)")
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--guideline", action="store_true", help="time guideline mode (g3)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    proc, url = (None, args.url) if args.url else start_app(args.months)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get(
                "MSE_SIM_CHROMIUM", "/usr/bin/chromium"), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            page.locator(".mse-month-value").wait_for(timeout=120_000)
            if args.guideline:
                page.locator(".mse-mode-guideline").click()
                page.locator(".mse-difference").wait_for()
            if args.mse != 1000:
                set_field(page, "n_mse", args.mse)
            horizon = int(page.locator(".mse-month").inner_text().split()[-1])
            steps = [step_once(page) for _ in range(5)]
            times = [play_once(page, horizon) for _ in range(args.repeat)]
            browser.close()
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    mode = "guideline g3" if args.guideline else "explore"
    print(f"app play benchmark ({mode}, {args.mse} MSEs, {horizon} months, Chromium 1280x720)")
    print("  play to the horizon: " + ", ".join(f"{t:.1f} s" for t in times)
          + f"  (best {min(times):.1f} s = {horizon / min(times):.1f} months/s)")
    print("  one Step: " + ", ".join(f"{1000 * t:.0f} ms" for t in steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
