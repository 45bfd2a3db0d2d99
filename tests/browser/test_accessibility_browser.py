"""axe-core on every page type, logged out and in, at a desktop's and a phone's width: no serious or critical violation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DESKTOP, PHONE = 1280, 390


def page_paths(site) -> dict[str, str]:
    paper, summary = site["paper"], site["summary"]
    return {
        "feed": "/",
        "feed, top of the month": "/?order=top&period=month",
        "paper page": paper.get_absolute_url(),
        "citing summaries": f"/paper/{paper.identifier}/cited-by/",
        "permalink": summary.get_absolute_url(),
        "history": f"{summary.get_absolute_url()}history/",
        "write form": f"/summaries/new/?paper={paper.identifier}",
        "search": "/search/?q=residual",
        "search in summaries": "/search/?q=residual&in=summaries",
        "category": "/papers/category/cs.LG/",
        "venue": "/venue/CVPR/",
        "profile": "/user/kaiming/",
        "users": "/users/",
        "following": "/following/",
        "requests": "/requests/",
        "settings": "/settings/profile/",
        "library": "/library/",
        "filing a paper in the library": f"/library/paper/{paper.pk}/",
        "tools": "/tools/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
    }


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("logged_in", [False, True], ids=["visitor", "member"])
def test_no_page_type_has_serious_or_critical_violations(live_server, page, log_in, axe_check, reading_site, width, logged_in):
    page.set_viewport_size({"width": width, "height": 900})
    if logged_in:
        log_in(reading_site["reader"])
    found = {}
    for name, path in page_paths(reading_site).items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        violations = axe_check()
        if violations:
            found[f"{name} ({page.url})"] = violations
    assert found == {}


def test_the_open_phone_menu_has_no_serious_or_critical_violations(live_server, page, log_in, axe_check, reading_site):
    page.set_viewport_size({"width": PHONE, "height": 900})
    log_in(reading_site["reader"])
    page.goto(live_server.url + "/")
    page.click(".menu-toggle")
    assert page.locator(".site-nav").is_visible()
    assert axe_check() == []


def test_the_skip_link_is_first_and_leads_to_the_content(live_server, page, reading_site):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible(), "the skip link shows when it has focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_every_page_has_one_h1(live_server, page, log_in, reading_site):
    log_in(reading_site["reader"])
    for name, path in page_paths(reading_site).items():
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1, name


def test_the_check_itself_catches_what_the_issue_found(page, axe_check):
    """The check is not vacuous: a link told from its text by colour alone, and a button without a name, both fail it."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#1d232b">Summary by <a href="/u" style="color:#1f5fbf;text-decoration:none">Ada</a> on a paper.</p>'
        "<button></button></main></body></html>"
    )
    rules = {line.split(" ")[0] for line in axe_check()}
    assert {"link-in-text-block", "button-name"} <= rules
