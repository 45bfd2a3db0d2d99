"""The bookmarklet, run in Chromium on pages shaped like arXiv's and a publisher's: it opens our lookup with the
page's own identifier, or its address."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from api.views import BOOKMARKLET

pytestmark = pytest.mark.browser

LOOKUP = "https://shortscience.example/lookup/"


def opened_by_bookmarklet(page, html: str, url: str) -> str:
    """Load `html` as if at `url`, run the bookmarklet with window.open recorded, return what it opened."""
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)
    page.evaluate("window.open = (address) => { window.openedAddress = address; }")
    page.evaluate(re.sub(r"^javascript:", "", BOOKMARKLET % LOOKUP))
    return page.evaluate("window.openedAddress")


@pytest.mark.parametrize(
    ("html", "url", "query"),
    [
        ('<meta name="citation_arxiv_id" content="1706.03762"><meta name="citation_doi" content="10.1/x">',
         "https://arxiv.org/abs/1706.03762v7", "1706.03762"),
        ('<meta name="citation_doi" content="10.1038/nature14539">', "https://www.nature.com/articles/nature14539",
         "10.1038/nature14539"),
        ("<p>A PDF viewer</p>", "https://arxiv.org/pdf/1706.03762v2", "https://arxiv.org/pdf/1706.03762v2"),
    ],
)  # fmt: skip
def test_the_bookmarklet_opens_the_papers_lookup(page, html, url, query):
    opened = opened_by_bookmarklet(page, f"<html><head>{html}</head><body></body></html>", url)
    assert opened.startswith(LOOKUP + "?q=")
    assert parse_qs(urlparse(opened).query)["q"] == [query]
