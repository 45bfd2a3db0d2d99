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


@pytest.fixture
def axe_check(page):
    """axe_check() runs axe-core (the copy axe-playwright-python ships, no CDN) on `page` and returns its
    serious and critical violations as readable lines ("rule (impact): selector")."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check() -> list[str]:
        results = axe.run(page).response
        return [
            f"{violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}"
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
            for node in violation["nodes"]
        ]

    return check


@pytest.fixture
def reading_site():
    """A small site with one of everything a page type shows: a paper with a long summary (math, a list, a
    table, headings, a \\cite), a citing summary with a comment, two revisions, a follow, a request."""
    from datetime import date

    from summaries import comments, following, services, summary_requests
    from tests.factories import PaperFactory, SummaryFactory, UserFactory

    author = UserFactory(username="kaiming")
    author.profile.display_name = "Kaiming He"
    author.profile.save()
    reader = UserFactory(username="ada", is_staff=True)
    reader.profile.display_name = "Ada Lovelace-Byron, Countess of Lovelace"
    reader.profile.save()
    paper = PaperFactory(
        title="Deep Residual Learning for Image Recognition",
        authors=["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
        arxiv_id="1512.03385",
        venue="CVPR",
        year=2016,
        published=date(2015, 12, 10),
        bibtex_key="DBLP:journals/corr/HeZRS15-and-a-very-long-tail",
        abstract="Deeper neural networks are more difficult to train. We present a residual learning framework.",
    )
    cited = PaperFactory(title="Batch Normalization", arxiv_id="1502.03167", published=date(2015, 2, 11))
    body = (
        "# The idea\n\nLearn residuals $F(x) = H(x) - x$ instead of $H(x)$, as \\cite{1502.03167} normalizes.\n\n"
        "## Why it works\n\n- identity shortcuts\n- no extra parameters\n\n"
        "| depth | error |\n|---|---|\n| 34 | 7.4 |\n| 152 | 4.5 |\n\n"
        "$$y = \\mathcal{F}(x, \\{W_i\\}) + x$$\n\n" + "More detail. " * 80
    )
    summary = SummaryFactory(paper=paper, author=author, body=body)
    services.summary_update(summary=summary, editor=author, body=body + "\n\nEdited.", base_revision=summary.revision)
    citing = SummaryFactory(paper=cited, author=author, body="Residual nets \\cite{1512.03385} train deeper.")
    comments.comment_post(summary=summary, author=reader, body="Clear, thanks: $x$.", parent=None)
    following.follow_create(follower=reader, target=following.follow_target(kind="paper", paper=paper, name=""))
    summary_requests.summary_request_create(paper=PaperFactory(title="Attention Is All You Need"), requester=reader)
    return {"author": author, "reader": reader, "paper": paper, "summary": summary, "citing": citing}
