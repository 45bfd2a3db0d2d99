"""Comments and images in a real browser: a comment with math is posted through the page and typeset
by KaTeX, and an uploaded image's Markdown lands where the cursor was in the summary textarea."""

import io

import pytest
from playwright.sync_api import expect
from PIL import Image

from summaries.models import Comment
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def reader():
    return UserFactory(username="ada")


@pytest.fixture
def summary():
    paper = PaperFactory(title="Pixel Recurrent Neural Networks", arxiv_id="1601.06759")
    return SummaryFactory(paper=paper, author=UserFactory(username="grace"), body="Pixels, one at a time.")


def test_a_comment_with_math_is_posted_and_typeset(live_server, page, js_errors, screenshot, log_in, reader, summary):
    log_in(reader)
    page.goto(f"{live_server.url}/summary/{summary.pk}/")
    comments = page.locator("#comments")
    expect(comments).to_contain_text("No comments yet.")

    question = r"So the likelihood is $p(x) = \prod_i p(x_i \mid x_{<i})$, and $$\sum_i \log p(x_i)$$ is the loss?"
    page.fill("#comment-body", question)
    page.get_by_role("button", name="Post comment").click()

    comment = Comment.objects.get()
    page.wait_for_url(f"**/summary/{summary.pk}/#comment-{comment.pk}")
    posted = page.locator(f"#comment-{comment.pk}")
    expect(posted.locator(".comment-body .katex").first).to_be_visible()
    expect(posted.locator(".comment-body .katex")).to_have_count(2)
    expect(posted.locator(".comment-body .katex-display")).to_have_count(1)
    assert not posted.locator(".katex-error").count(), "KaTeX could not parse the comment's math"
    for delimiter in ("\\(", "\\)", "\\[", "\\]", "$"):
        assert delimiter not in posted.locator(".comment-body").inner_text()
    expect(posted.locator(".comment-author")).to_have_text("ada")

    # A reply through the <details> box, typeset too, and shown under its comment.
    posted.get_by_text("Reply", exact=True).click()
    posted.locator("textarea[name=body]").fill(r"Yes: $\mathcal{L} = -\log p(x)$.")
    posted.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.exclude(pk=comment.pk).get()
    page.wait_for_url(f"**#comment-{reply.pk}")
    expect(page.locator(f"#comment-{comment.pk} .comment-replies #comment-{reply.pk} .katex")).to_have_count(1)
    expect(comments.locator("h2")).to_have_text("2 comments")

    screenshot("comments")
    assert js_errors == []


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_uploaded_image_is_inserted_at_the_cursor(
    live_server, page, js_errors, screenshot, settings, tmp_path, log_in, reader, summary
):
    settings.MEDIA_ROOT = tmp_path
    log_in(reader)
    page.goto(f"{live_server.url}/summaries/new/?paper={summary.paper.arxiv_id}")
    body = page.locator("#id_body")
    body.fill("Before the figure.\n\nAfter the figure.")
    # The cursor goes between the two paragraphs, then focus moves to the upload form.
    body.evaluate("textarea => textarea.setSelectionRange(20, 20)")
    page.set_input_files("#image-file", files=[{"name": "figure.png", "mimeType": "image/png", "buffer": png()}])
    page.fill("#image-alt", "Masked convolution")
    page.get_by_role("button", name="Upload and insert").click()

    expect(page.locator(".image-upload-status")).to_contain_text("Inserted")
    text = body.input_value()
    before, image, after = text[:20], text[20:-len("\n\nAfter the figure.")], text[-len("\n\nAfter the figure.") :]
    assert before == "Before the figure.\n\n"
    assert image.startswith("![Masked convolution](/media/summary-images/")  # site-relative
    assert image.endswith(".png)")
    # A paragraph of its own: the text after the cursor moves down.
    assert after == "\n\nAfter the figure."
    assert len(list(tmp_path.rglob("*.png"))) == 1
    screenshot("image-upload")
    assert js_errors == []
