"""Voting in a real browser: the score and the buttons change in place, and the vote is stored."""

import pytest
from playwright.sync_api import expect

from summaries.models import Summary, Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def summary():
    paper = PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    return SummaryFactory(paper=paper, author=UserFactory(username="kaiming"), body="Learn residuals $F(x) = H(x) - x$.")


def test_voting_updates_the_score_in_place(live_server, page, js_errors, screenshot, log_in, summary):
    log_in(UserFactory(username="ada"))
    page.goto(f"{live_server.url}/")
    card = page.locator(f"#summary-{summary.pk}")
    score, up, down = card.locator(".score"), card.locator(".vote-up"), card.locator(".vote-down")
    expect(score).to_have_text("0")

    up.click()
    expect(score).to_have_text("1")
    expect(up).to_have_class("vote-up active")
    assert page.url == f"{live_server.url}/", "the vote must not reload the page"
    assert Summary.objects.get(pk=summary.pk).score == 1
    screenshot("vote")

    down.click()
    expect(score).to_have_text("-1")
    expect(down).to_have_class("vote-down active")
    expect(up).to_have_class("vote-up")

    # Clicking the active button takes the vote back.
    down.click()
    expect(score).to_have_text("0")
    expect(down).to_have_class("vote-down")
    assert not Vote.objects.exists()

    page.reload()
    expect(page.locator(f"#summary-{summary.pk} .score")).to_have_text("0")
    assert js_errors == []


def test_your_own_summary_shows_its_score_without_buttons(live_server, page, log_in, summary):
    log_in(summary.author)
    page.goto(f"{live_server.url}/")
    card = page.locator(f"#summary-{summary.pk}")
    expect(card.locator(".score")).to_have_text("0")
    expect(card.locator(".vote-up")).to_have_count(0)


def test_a_visitor_clicks_upvote_logs_in_and_the_vote_is_counted(live_server, page, summary):
    reader = UserFactory(username="grace")
    page.goto(f"{live_server.url}/")
    up = page.locator(f"#summary-{summary.pk} .vote-up")
    assert up.get_attribute("title") == "Log in to upvote"
    up.click()
    assert "/accounts/login/" in page.url
    page.fill("input[name=login]", reader.username)
    page.fill("input[name=password]", "correct horse battery staple")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/#summary-{summary.pk}")
    expect(page.locator(".messages")).to_contain_text("Your upvote is counted.")
    expect(page.locator(f"#summary-{summary.pk} .score")).to_have_text("1")
    expect(page.locator(f"#summary-{summary.pk} .vote-up")).to_have_attribute("aria-pressed", "true")
    assert Vote.objects.get().voter == reader
