"""The summary form in a real browser: the JavaScript preview renders in place and clears errors it proves stale."""

import pytest
from playwright.sync_api import expect

from summaries.models import Summary
from tests.factories import PaperFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_preview_of_the_filled_text_clears_the_empty_summary_error(live_server, page, js_errors, screenshot, log_in):
    PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385")
    log_in(UserFactory(username="ada"))
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    page.get_by_role("button", name="Publish summary").click()
    errors = page.locator("#id_body_error")
    expect(errors).to_have_text("Write something before you publish: the summary is empty.")
    body = page.locator("#id_body")
    expect(body).to_have_attribute("aria-invalid", "true")

    body.fill(r"Learn residuals $F(x) = H(x) - x$.")
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview-body")
    expect(preview.locator(".katex")).to_have_count(1)
    expect(errors).to_have_count(0)
    assert body.get_attribute("aria-invalid") is None
    assert "id_body_error" not in (body.get_attribute("aria-describedby") or "")
    assert "Learn residuals" in preview.inner_text()
    assert not Summary.objects.exists(), "a preview saves nothing"
    screenshot("summary-preview")
    assert js_errors == []


def test_a_preview_that_fails_keeps_the_error(live_server, page, js_errors, log_in):
    PaperFactory(arxiv_id="1512.03385")
    log_in(UserFactory(username="ada"))
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    page.get_by_role("button", name="Publish summary").click()
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#preview-content")).to_have_text("Write something before you publish: the summary is empty.")
    expect(page.locator("#id_body_error")).to_have_count(1)
    assert js_errors == []
