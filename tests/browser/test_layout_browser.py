"""Page layout in a real browser, at a phone's width: nothing a reader typed or pasted widens the page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE_WIDTH = 390


@pytest.mark.parametrize("query", ["a" * 2000, "https://example.org/" + "segment/" * 100])
def test_a_very_long_query_wraps_instead_of_widening_the_search_page(live_server, page, query):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(f"{live_server.url}/search/?q={query}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_formula_wider_than_a_phone_scrolls_by_itself_and_shows_it_continues(live_server, page):
    from tests.factories import SummaryFactory

    wide = " + ".join(f"\\frac{{x_{{{i}}}}}{{y_{{{i}}}}}" for i in range(40))
    summary = SummaryFactory(body=f"The loss:\n\n$$L = {wide}$$\n\nand that is all.")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(live_server.url + summary.get_absolute_url())
    formula = page.locator(".summary-body div.arithmatex").first
    formula.locator(".katex").wait_for()

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert formula.evaluate("element => element.scrollWidth > element.clientWidth")
    # Edge shadows stay put while the formula scrolls; covers at the formula's own ends hide each one
    # once that end is reached, so the formula's box must be as wide as what scrolls.
    assert "radial-gradient" in formula.evaluate("element => getComputedStyle(element).backgroundImage")
    assert formula.evaluate("element => element.querySelector('.katex-display').getBoundingClientRect().width >= element.scrollWidth - 1")
