"""Page layout in a real browser, at a phone's width: nothing a reader typed or pasted widens the page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE_WIDTH = 390


@pytest.mark.parametrize("query", ["a" * 2000, "https://example.org/" + "segment/" * 100])
def test_a_very_long_query_wraps_instead_of_widening_the_search_page(live_server, page, query):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(f"{live_server.url}/search/?q={query}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
