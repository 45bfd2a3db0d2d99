"""The feed in a real browser: summaries and titles arrive typeset, and \\cite links lead to the cited paper."""

import pytest
from playwright.sync_api import expect

from tests.factories import PaperFactory, SummaryFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SUMMARY_BODY = r"""The update rule weights each term by $x_i^2 + \alpha_{t}$, so the total is

$$\sum_{i=1}^n x_i$$

which is the trick borrowed from \cite{1706.03762}.
"""


@pytest.fixture
def cited_paper():
    return PaperFactory(title=r"Attention in $\mathcal{O}(n)$ memory for \$5 and \$6", arxiv_id="1706.03762")


@pytest.fixture
def summary(cited_paper):
    paper = PaperFactory(title="Pixel Recurrent Neural Networks", arxiv_id="1601.06759")
    return SummaryFactory(paper=paper, body=SUMMARY_BODY)


def test_feed_typesets_math_and_cite_link_opens_cited_paper(live_server, page, js_errors, screenshot, summary, cited_paper):
    page.goto(live_server.url + "/")
    card = page.locator(f"#summary-{summary.pk}")
    body = card.locator(".summary-body")

    # Inline and display math were both turned into KaTeX output...
    expect(body.locator(".katex").first).to_be_visible()
    expect(body.locator(".katex")).to_have_count(2)
    expect(body.locator(".katex-display")).to_have_count(1)
    # ...and no delimiter is left over as visible text.
    card_text = card.inner_text()
    for delimiter in ("\\(", "\\)", "\\[", "\\]", "$"):
        assert delimiter not in card_text
    assert not body.locator(".katex-error").count(), "KaTeX could not parse the summary's math"

    # The fonts come from static/vendor/katex/fonts, not the system and not a CDN.
    loaded_families = page.evaluate(
        "async () => { await document.fonts.ready;"
        " return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family); }"
    )
    assert "KaTeX_Main" in loaded_families

    screenshot("feed")

    body.locator(f'a[href*="{cited_paper.arxiv_id}"]').click()

    page.wait_for_url(f"**{cited_paper.get_absolute_url()}")
    heading = page.locator("h1.paper-title")
    expect(heading).to_contain_text("Attention in")
    expect(heading).to_contain_text("memory")
    # Paper titles keep the author's raw $...$, typeset on the server like summaries.
    expect(heading.locator(".katex")).to_have_count(1)
    # "\$" in a title is a dollar sign, not the start of a formula.
    expect(heading).to_contain_text("for $5 and $6")
    assert cited_paper.title in page.title()
    assert js_errors == []
