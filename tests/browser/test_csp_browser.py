"""Content-Security-Policy in a real browser: no page type trips the strict policy the site sends."""

import pytest

from summaries.comments import comment_post
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# Every violation the page sees, however it comes (script, style, image, form, frame), from the first byte on.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    """CSP violations reported to the page's console or as securitypolicyviolation events."""
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))

    def after(path: str) -> list[str]:
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # deferred scripts and KaTeX have typeset by now
        return seen + [f"{path}: {text}" for text in page.evaluate("window.__cspViolations")]

    return after


@pytest.fixture
def site():
    author = UserFactory(username="amelia")
    paper = PaperFactory(arxiv_id="1706.03762", title="Attention with $O(n^2)$ cost", venue="NeurIPS")
    body = (
        "# Idea\n\nThe loss $\\mathcal{L} = \\sum_i x_i^2$ and\n\n$$\\int_0^1 f(x)\\,dx$$\n\n"
        "| a | b |\n|---|---|\n| $|x|$ | 2 |\n\n![figure](https://example.org/figure.png) \\cite{1706.03762}"
    )
    summary = SummaryFactory(author=author, paper=paper, body=body)
    comment_post(summary=summary, author=UserFactory(username="hugo"), body="Nice: $e^{i\\pi} = -1$.")
    staff = UserFactory(username="moderator", is_staff=True, is_superuser=True)
    return {"author": author, "paper": paper, "summary": summary, "staff": staff}


def test_no_page_type_violates_the_content_security_policy(live_server, page, log_in, violations, site):
    summary, paper = site["summary"], site["paper"]
    public = [
        "/", "/?order=top", "/search/?q=attention", paper.get_absolute_url(), summary.get_absolute_url(),
        f"/summary/{summary.pk}/history/", "/user/amelia/", "/users/", "/requests/", "/papers/category/cs.LG/",
        "/venue/NeurIPS/", "/no-such-page/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/",
        "/admin/login/", "/tools/", "/api/v1/docs",
    ]
    for path in public:
        page.goto(live_server.url + path)
        assert violations(path) == [], path

    log_in(site["author"])
    for path in [
        f"/summaries/new/?paper={paper.arxiv_id}", f"/summary/{summary.pk}/edit/", f"/summary/{summary.pk}/delete/",
        "/settings/profile/", "/following/", f"/summary/{summary.pk}/report/", "/library/",
        f"/library/paper/{paper.pk}/",
    ]:
        page.goto(live_server.url + path)
        assert violations(path) == [], path

    # The live preview inserts server-rendered HTML and typesets it in place.
    page.goto(f"{live_server.url}/summary/{summary.pk}/edit/")
    page.click("button[name=preview]")
    page.locator("#preview-content .katex").first.wait_for()
    assert violations("preview") == []

    log_in(site["staff"])
    for path in ["/admin/", "/admin/summaries/summary/", f"/admin/summaries/summary/{summary.pk}/change/", "/admin/papers/paper/"]:
        page.goto(live_server.url + path)
        assert violations(path) == [], path


def test_the_policy_is_enforced_an_injected_inline_script_does_not_run(live_server, page, violations, site):
    page.goto(live_server.url + "/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
    }""")
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in violation for violation in violations("/"))
