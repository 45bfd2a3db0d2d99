"""A paper page rendered for its logged-in reader (their private summary is on it), gzipped a piece at a time
(shortscience.shared_gzip), reads in Chromium as rendered: its cards whole, their math typeset, their vote forms
working. So does a visitor's search page, gzipped whole."""

import pytest
from playwright.sync_api import expect

from summaries.models import Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_readers_paper_page_comes_gzipped_in_pieces_and_works(live_server, page, js_errors, log_in):
    paper = PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    summaries = [
        SummaryFactory(paper=paper, body=f"Summary {n}: learn residuals $F(x) = H(x) - x$.\n\n$$y = F(x) + x$$")
        for n in range(3)
    ]
    reader = UserFactory(username="ada")
    SummaryFactory(paper=paper, author=reader, body="Ada's draft: $F(x) = H(x) - x$.", is_private=True)
    log_in(reader)
    response = page.goto(live_server.url + paper.get_absolute_url())
    assert response.headers.get("content-encoding") == "gzip"  # Chromium asks for it, and unpacked it
    for summary in summaries:
        card = page.locator(f"#summary-{summary.pk}")
        expect(card).to_contain_text(summary.body.split(":")[0])
        expect(card.locator(".katex")).to_have_count(2)
    page.locator(f"#summary-{summaries[1].pk} .vote-up").click()
    expect(page.locator(f"#summary-{summaries[1].pk} .score")).to_have_text("1")
    assert Vote.objects.filter(voter=reader, summary=summaries[1]).exists()
    assert js_errors == []


def test_a_visitors_search_comes_gzipped_whole_and_reads_as_rendered(live_server, page, js_errors):
    paper = PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    SummaryFactory(paper=paper, body="Learn residuals $F(x) = H(x) - x$ instead of whole mappings.")
    response = page.goto(live_server.url + "/search/?q=residual")
    assert response.headers.get("content-encoding") == "gzip"
    expect(page.locator("main")).to_contain_text("Image Recognition")
    page.get_by_role("link", name="Image Recognition").first.click()
    expect(page.locator("h1")).to_contain_text("Deep Residual Learning")
    assert js_errors == []
