"""Measure the app's speed as displayed: months per second shown on screen while playing.

Not a test (it takes a minute and its number depends on the machine): run it by hand,
``python tests/browser/measure_speed.py [--mse 2000] [--seconds 30]``. It starts the app on a
free port, sets the number of MSEs, presses Mesa's Play button and reads Mesa's "Time: N"
counter, once with a chart update every month and once every 11 months (Mesa's "Render
Interval" slider).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import CHROMIUM_ARGS, ROOT, VIEWPORT, find_chromium, free_port  # noqa: E402


def _time(page) -> float:
    return float(re.search(r"Time: ([\d.]+)", page.get_by_text("Time:").inner_text())[1])


def measure(page, seconds: float) -> float:
    """Press Play for `seconds`, return months advanced per second as shown."""
    page.get_by_role("button", name="▶").click()
    page.get_by_role("button", name="❚❚").wait_for()
    page.wait_for_timeout(2000)  # past the first frame
    t0, m0 = time.monotonic(), _time(page)
    while time.monotonic() - t0 < seconds:
        page.wait_for_timeout(2000)
        print(f"  {time.monotonic() - t0:5.1f} s  month {_time(page):.0f}", flush=True)
    t1, m1 = time.monotonic(), _time(page)
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    return (m1 - m0) / (t1 - t0)


def main() -> int:
    """Run the measurement and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mse", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True,
                                         args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            page.goto(url)
            page.get_by_role("button", name="Step").wait_for()
            box = page.get_by_label("Number of MSEs")
            box.fill(str(args.mse))
            box.press("Enter")
            page.wait_for_timeout(3000)
            page.get_by_text("Time: 0.0", exact=True).wait_for()
            page.locator(".vue-grid-item img").first.wait_for()
            page.wait_for_timeout(8000)
            page.screenshot(path=str(ROOT / "tests" / "_artifacts" / "speed-start.png"))
            every_month = measure(page, args.seconds)
            print(f"{args.mse} MSEs, charts every month:     {every_month:.2f} months/s shown")
            # Mesa's Render Interval slider: min 1, step 2; five steps right gives 11
            slider = page.locator(".v-slider").nth(1)
            slider.click(position={"x": 2, "y": 8})
            for _ in range(5):
                page.keyboard.press("ArrowRight")
            page.wait_for_timeout(1000)
            every_11 = measure(page, args.seconds)
            print(f"{args.mse} MSEs, charts every 11 months: {every_11:.2f} months/s shown")
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a play loop can outlive SIGTERM
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
