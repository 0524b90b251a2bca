"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against the real app.

The app server is started once per test session as a subprocess (``python -m sim app --port P``
on a free local port) and killed at the end; every test gets a fresh page whose console errors
are collected, and saves a screenshot under ``tests/_artifacts/`` (gitignored).

Without a Chromium (``/usr/bin/chromium``, or ``$MSE_SIM_CHROMIUM``) or without the playwright
package the tests are skipped with a message saying how to get them; in CI (``CI`` set to a
true value) the same situation fails instead, so a broken CI setup cannot pass silently.
Playwright never downloads a browser here: it is always given Chromium's path.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# The page's steps (app_page.py, next to this file) are shared by the tests here and by
# screenshots.py; pytest imports test files by path (--import-mode=importlib), so this folder
# is put on the path for them.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_page import CHROMIUM_ARGS, ROOT, VIEWPORT, free_port  # noqa: E402

ARTIFACTS = ROOT / "tests" / "_artifacts"

#: Seconds to wait for the server to answer and for the page to show its first plot.
SERVER_TIMEOUT = 90
PAGE_TIMEOUT = 60_000


def in_ci() -> bool:
    """Return True when running under CI (``CI`` set to anything but empty/0/false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(message: str):
    if in_ci():
        pytest.fail(f"{message} (CI is set, so browser tests must run)", pytrace=False)
    pytest.skip(message)


def find_chromium() -> str | None:
    """Return the path of a Chromium executable, or None."""
    env = os.environ.get("MSE_SIM_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _unavailable(
            "browser tests need Chromium: apt-get install chromium (Debian/Ubuntu), or set "
            "MSE_SIM_CHROMIUM to a Chromium executable"
        )
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def app_url(app_server):
    """The URL of the app under test."""
    return app_server.url


class AppServer:
    """The app's server process: its URL and process id (to read its CPU time)."""

    def __init__(self, url: str, pid: int):
        self.url, self.pid = url, pid

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far, in seconds (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="session")
def app_server(chromium_path, artifacts):
    """Start ``python -m sim app`` on a free port; yield it; kill it afterwards."""
    from sim.ui.app.assets import AssetError, ensure_assets

    try:
        ensure_assets(log=None)
    except AssetError as exc:
        _unavailable(f"the app's front-end files are missing and cannot be installed: {exc}")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = artifacts / "app-server.log"
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in the teardown)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group, so teardown ends solara's children too
    )
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail(
                    f"the app exited with code {proc.returncode} before serving:\n"
                    + log_path.read_text(encoding="utf-8")[-3000:],
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app did not answer at {url} within {SERVER_TIMEOUT} s", pytrace=False
                )
            time.sleep(0.5)
        yield AppServer(url, proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright package: pip install playwright")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleLog:
    """Console messages and uncaught exceptions of one page."""

    def __init__(self):
        self.messages: list[tuple[str, str]] = []

    def add(self, kind: str, text: str) -> None:
        self.messages.append((kind, text))

    @property
    def errors(self) -> list[str]:
        return [text for kind, text in self.messages if kind in ("error", "pageerror")]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, app_url, console, artifacts, request):
    """A fresh page on the app (a new solara session), screenshotted when the test ends."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT)
    page.on("console", lambda msg: console.add(msg.type, msg.text))
    page.on("pageerror", lambda exc: console.add("pageerror", str(exc)))
    page.goto(app_url)
    yield page
    try:
        page.screenshot(path=str(artifacts / f"{request.node.name}-final.png"), full_page=True)
    finally:
        context.close()
