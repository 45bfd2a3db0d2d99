"""Playwright fixtures that drive Debian's Chromium (never a downloaded browser) for tests marked `browser`."""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an asyncio loop running in the test thread, so Django's
# async-safety check would raise SynchronousOnlyOperation on every ORM call a test makes.
# Nothing here is really async (the live server runs in its own thread), so allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",  # the machine has no internet: no update or metrics calls
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; each test gets its own context via `page`."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `apt-get install -y chromium` (Debian's package) to run browser tests."
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {message}", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab in a fresh context (no cookies or storage shared between tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Fail in seconds, not Playwright's default 30, when an element never appears.
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def js_errors(page):
    """Uncaught JavaScript errors on `page`, so a test can assert the page's scripts ran cleanly."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def screenshot(page):
    """screenshot("feed") saves a full-page PNG of `page` to tests/artifacts/feed.png and returns its path."""

    def take(name: str) -> Path:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS_DIR / (name if name.endswith(".png") else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(page, live_server):
    """log_in(user) gives the browser the session Django's test client gets from force_login."""

    def log_in_as(user) -> None:
        client = Client()
        client.force_login(user)
        host = urlparse(live_server.url).hostname
        session = client.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])

    return log_in_as
