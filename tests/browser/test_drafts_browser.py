"""Writing never loses text: drafts kept in the browser as one types, a warning before leaving, and papers
suggested by title in the "which paper?" box."""

import pytest
from playwright.sync_api import expect

from summaries.models import Summary
from tests.factories import PaperFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DRAFT_KEY = "shortscience:draft:{user}:1512.03385"


def test_a_draft_survives_leaving_the_page_is_restored_and_goes_on_publish(live_server, page, js_errors, log_in, screenshot):
    PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    ada = UserFactory(username="ada")
    log_in(ada)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))

    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    body = page.locator("#id_body")
    body.click()
    page.keyboard.type("Residuals make depth trainable.")
    page.wait_for_function(f"() => localStorage.getItem('{DRAFT_KEY.format(user=ada.pk)}') !== null")

    # Leaving asks first (accepted here), and the text is still there when the writer comes back.
    page.goto(f"{live_server.url}/")
    assert dialogs == ["beforeunload"]
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    expect(body).to_have_value("Residuals make depth trainable.")
    expect(page.locator(".draft-restored")).to_contain_text("Your unpublished draft from")
    screenshot("draft-restored")

    page.get_by_role("button", name="Publish summary").click()
    expect(page.locator(".messages")).to_contain_text("Your summary is published.")
    assert Summary.objects.get().body == "Residuals make depth trainable."
    assert page.evaluate(f"localStorage.getItem('{DRAFT_KEY.format(user=ada.pk)}')") is None
    assert dialogs == ["beforeunload"], "publishing does not ask"
    # Editing it later starts from the published text, with nothing to restore.
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    expect(page.locator(".draft-restored")).to_have_count(0)
    assert js_errors == []


def test_a_restored_draft_can_be_discarded(live_server, page, js_errors, log_in):
    PaperFactory(arxiv_id="1512.03385")
    ada = UserFactory(username="ada")
    log_in(ada)
    page.goto(f"{live_server.url}/")  # a draft left from an earlier visit
    page.evaluate(
        "key => localStorage.setItem(key, JSON.stringify({body: 'Old idea.', savedAt: new Date().toISOString()}))",
        DRAFT_KEY.format(user=ada.pk),
    )
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    expect(page.locator("#id_body")).to_have_value("Old idea.")
    page.get_by_role("button", name="Discard it").click()
    expect(page.locator("#id_body")).to_have_value("")
    assert page.evaluate(f"localStorage.getItem('{DRAFT_KEY.format(user=ada.pk)}')") is None
    assert js_errors == []


def test_the_paper_box_suggests_papers_by_title_and_a_pick_opens_the_write_form(live_server, page, js_errors, log_in):
    PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762")
    log_in(UserFactory(username="ada"))
    page.goto(f"{live_server.url}/summaries/new/")
    box = page.locator("#id_paper")
    box.click()
    page.keyboard.type("residual learning")
    options = page.locator("#id_paper-suggestions option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "1512.03385"
    assert options.first.get_attribute("label").startswith("Deep Residual Learning for Image Recognition (")
    box.fill("1512.03385")  # what choosing the suggestion does
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Write a summary")).to_be_visible()
    expect(page.locator(".form-paper")).to_contain_text("Deep Residual Learning")
    assert js_errors == []
