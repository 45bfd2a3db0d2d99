"""Page layout in a real browser, at a phone's width: nothing a reader typed or pasted widens the page."""

from io import BytesIO

import pytest
from PIL import Image

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


def test_a_formula_that_fits_shows_no_edge_shadow(live_server, page):
    from tests.factories import SummaryFactory

    summary = SummaryFactory(body="The bound:\n\n$$\\log p(x) \\geq \\mathbb{E}_q[\\log p(x \\mid z)]$$\n\nand that is all.")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + summary.get_absolute_url())
    formula = page.locator(".summary-body div.arithmatex").first
    formula.locator(".katex").wait_for()
    assert formula.evaluate("element => element.scrollWidth <= element.clientWidth")

    # Nothing scrolls, so the covers hide both shadows whole: the formula's edges are the card's own colour.
    shot = Image.open(BytesIO(formula.screenshot())).convert("RGB")
    card = page.locator(".card").first.evaluate("element => getComputedStyle(element).backgroundColor")
    background = tuple(int(part) for part in card[card.index("(") + 1 : card.index(")")].split(",")[:3])
    edges = [(x, y) for x in [*range(24), *range(shot.width - 24, shot.width)] for y in range(shot.height)]
    assert {shot.getpixel(point) for point in edges} == {background}


# ---- The header: one row on a desktop, a menu button below, the search box's hint never cut ----

HEADER_MAX_HEIGHT = 64

PLACEHOLDER_ROOM = """input => {
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(input.placeholder).width, room: room};
}"""


def header_items_in_one_row(page) -> bool:
    """Every visible item of the header lies within the band of its first row (the brand's)."""
    return page.evaluate(
        """() => {
          const brand = document.querySelector('.brand').getBoundingClientRect();
          const items = document.querySelectorAll('.site-header .lookup, .site-header .site-nav > *, .menu-toggle');
          return [...items].filter(item => item.offsetParent !== null).every(item => {
            const box = item.getBoundingClientRect();
            return box.top >= brand.top - 20 && box.bottom <= brand.bottom + 20;
          });
        }"""
    )


@pytest.mark.parametrize("width", [1366, 1280, 1024, 768])
def test_logged_in_the_header_is_one_row(live_server, page, log_in, reading_site, width):
    log_in(reading_site["reader"])  # staff, with a long display name: the widest header there is
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/")
    assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_HEIGHT
    assert header_items_in_one_row(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width > 1100:
        assert page.locator(".site-nav").is_visible() and not page.locator(".menu-toggle").is_visible()
        sizes = page.eval_on_selector_all(".site-nav a, .site-nav button", "items => items.map(item => getComputedStyle(item).fontSize)")
        assert len(set(sizes)) == 1, "Log out is the same size as the links beside it"
    else:
        assert page.locator(".menu-toggle").is_visible() and not page.locator(".site-nav").is_visible()


@pytest.mark.parametrize("width", [1366, 1280, 1024, 768, PHONE_WIDTH])
@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "member"])
def test_the_search_hint_is_never_cut(live_server, page, log_in, reading_site, width, logged_in):
    if logged_in:
        log_in(reading_site["reader"])
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/")
    if not page.locator("#lookup-q").is_visible():
        page.click(".menu-toggle")
    room = page.locator("#lookup-q").evaluate(PLACEHOLDER_ROOM)
    assert room["text"] <= room["room"], room


def test_on_a_phone_a_menu_button_opens_the_search_and_the_links(live_server, page, log_in, reading_site):
    log_in(reading_site["reader"])
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(live_server.url + "/")
    toggle = page.locator(".menu-toggle")
    assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_HEIGHT
    assert toggle.get_attribute("aria-expanded") == "false"
    box = toggle.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert not page.locator(".site-nav").is_visible() and not page.locator("#lookup-q").is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#lookup-q").is_visible()
    page.locator(".site-nav").get_by_text("Following").click()
    assert page.url.endswith("/following/")


def test_without_javascript_the_menu_still_reaches_the_links(live_server, browser, reading_site):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_HEIGHT
        page.click(".menu-toggle")
        assert page.locator(".site-nav").get_by_text("Log in").is_visible()
        assert page.locator("#lookup-q").is_visible()
    finally:
        context.close()


def test_the_bibtex_key_stays_inside_the_paper_card_on_a_phone(live_server, page, reading_site):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(live_server.url + reading_site["paper"].get_absolute_url())
    card = page.locator("article.paper").bounding_box()
    key = page.locator(".paper-facts code").bounding_box()
    assert key["x"] + key["width"] <= card["x"] + card["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_summary_headings_read_as_headings(live_server, page, reading_site):
    page.goto(live_server.url + reading_site["summary"].get_absolute_url())
    size = lambda selector: page.locator(selector).first.evaluate("element => parseFloat(getComputedStyle(element).fontSize)")  # noqa: E731
    text = size(".summary-body p")
    assert size(".summary-body h2") > size(".summary-body h3") > text
    assert page.locator("h1").count() == 1 and "Deep Residual Learning" in page.locator("h1").inner_text()


def test_vote_buttons_are_big_enough_for_a_finger(live_server, page, reading_site):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    page.goto(live_server.url + "/")
    for button in page.locator(".vote button").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44


def test_long_summaries_make_short_cards(live_server, page, reading_site):
    from tests.factories import SummaryFactory

    for n in range(10):
        SummaryFactory(body=f"Summary {n}.\n\n" + "A long sentence about the method. " * 200)
    # A whole summary of this length is ~3,000 px on a desktop and ~8,000 on a phone.
    for width, most in ((1280, 800), (PHONE_WIDTH, 1300)):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + "/")
        heights = page.eval_on_selector_all(".card", "cards => cards.map(card => card.getBoundingClientRect().height)")
        assert len(heights) == 12 and max(heights) <= most, heights
        assert page.locator(".read-more a").count() == 11  # the citing summary is short: nothing more to read
