"""Writing, previewing, editing and deleting summaries through the web forms."""

from html.parser import HTMLParser

import pytest
from django.conf import settings

from summaries import moderation
from summaries.forms import SummaryForm
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

BODY = "PixelRNN factorises $p(x) = \\prod_i p(x_i \\mid x_{<i})$ like \\cite{journals/jmlr/LarochelleM11}."



def test_the_header_offers_writing_a_summary_to_those_logged_in(client, user):
    assert 'href="/summaries/new/"' not in client.get("/").content.decode()
    client.force_login(user)
    assert '<a href="/summaries/new/">Write a summary</a>' in client.get("/").content.decode()
    assert client.get("/summaries/new/").status_code == 200

def test_writing_requires_login(client, paper):
    response = client.get("/summaries/new/?paper=1601.06759")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_form_has_a_summary_textarea_preview_and_submit(client, user, paper):
    client.force_login(user)
    html = client.get("/summaries/new/?paper=1601.06759").content.decode()
    assert '<label for="id_body">Summary</label>' in html
    assert '<textarea name="body"' in html
    assert 'name="preview"' in html
    assert "Publish summary" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_publishing_stores_rendered_html_and_shows_it_on_the_feed(client, user, paper):
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1601.06759", {"body": BODY, "publish": "1"})
    summary = Summary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/summary/{summary.pk}/"
    assert (summary.paper, summary.author, summary.body) == (paper, user, BODY)
    assert "x_{&lt;i}" in summary.body_html
    feed = client.get("/").content.decode()
    assert summary.body_html in feed


def test_preview_shows_exactly_what_will_be_published_and_saves_nothing(client, user, paper):
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1601.06759", {"body": BODY, "preview": "1"})
    assert response.status_code == 200
    assert Summary.objects.count() == 0
    html = response.content.decode()
    # The text stays in the form, and the preview is the renderer's own output.
    assert "PixelRNN factorises" in html.split('<textarea', 1)[1].split("</textarea>", 1)[0]
    published = client.post("/summaries/new/?paper=1601.06759", {"body": BODY, "publish": "1"})
    assert published.status_code == 302
    assert Summary.objects.get().body_html in html


def test_live_preview_endpoint_renders_with_the_same_renderer(client, user, paper):
    client.force_login(user)
    response = client.post("/summaries/preview/", {"body": BODY})
    summary = SummaryFactory(paper=paper, body=BODY)
    assert response.status_code == 200
    assert f'<div class="summary-body" id="preview-body">{summary.body_html}</div>' in response.content.decode()


UNKNOWN_KEY_WARNING = "no paper here has this BibTeX key yet"


@pytest.mark.parametrize("preview", ["page", "live"])
def test_the_preview_warns_of_bibtex_keys_no_paper_has(client, user, paper, preview):
    PaperFactory(bibtex_key="journals/jmlr/LarochelleM11", arxiv_id=None)
    client.force_login(user)
    body = r"As in \cite{journals/jmlr/LarochelleM11, nosuchkey2099} and \cite{1706.03762}."
    if preview == "page":
        response = client.post("/summaries/new/?paper=1601.06759", {"body": body, "preview": "1"})
    else:
        response = client.post("/summaries/preview/", {"body": body})

    html = response.content.decode()
    # Only the key nothing can resolve: a known key links its paper, an arXiv id can still be fetched.
    assert UNKNOWN_KEY_WARNING in html
    assert "<code>\\cite{nosuchkey2099}</code>:" in html
    assert "cite{journals/jmlr/LarochelleM11}</code>" not in html and "cite{1706.03762}</code>" not in html


def test_the_preview_warns_of_nothing_when_every_key_is_known(client, user, paper):
    client.force_login(user)
    assert UNKNOWN_KEY_WARNING not in client.post("/summaries/preview/", {"body": r"See \cite{1601.06759}."}).content.decode()


def test_live_preview_requires_csrf(user, paper):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/summaries/preview/", {"body": BODY}).status_code == 403


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "the summary is empty"),
        ("   \n  ", "the summary is empty"),
        ("x" * (settings.SUMMARY_MAX_LENGTH + 1), f"at most {settings.SUMMARY_MAX_LENGTH:,}".replace(",", "")),
    ],
)
def test_invalid_summaries_are_refused_and_the_text_is_kept(client, user, paper, body, message):
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1601.06759", {"body": body, "publish": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert Summary.objects.count() == 0
    assert message in html.replace(",", "")
    if body.strip():
        assert body in html


def test_unknown_paper_is_refused_and_the_text_is_kept(client, user, db):
    client.force_login(user)
    response = client.post("/summaries/new/?paper=journals/x/Unknown99", {"body": "My precious text", "publish": "1"})
    html = response.content.decode()
    assert response.status_code == 404
    assert "journals/x/Unknown99" in html and "We don&#x27;t have a paper" in html
    assert "My precious text" in html
    assert Summary.objects.count() == 0


def test_choosing_the_right_paper_carries_the_kept_text_along(client, user, paper):
    client.force_login(user)
    response = client.post("/summaries/new/", {"paper": "arXiv:1601.06759", "body": "My precious text", "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "My precious text" in html
    assert 'name="paper" value="1601.06759"' in html


class _FormFields(HTMLParser):
    """What a browser sends for the form of class `css_class`: its named inputs, ticked boxes and textareas."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.inside, self.textarea, self.fields = css_class, False, None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.css_class in (attrs.get("class") or "").split()
        elif not self.inside or not attrs.get("name") or attrs["name"] == "csrfmiddlewaretoken":
            return
        elif tag == "input" and attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value") or "on"
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # Browsers drop the newline that opens a textarea, as Django renders it.
            self.fields[self.textarea] = self.fields[self.textarea].removeprefix("\n")
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def submitted_fields(response, css_class: str) -> dict[str, str]:
    parser = _FormFields(css_class)
    parser.feed(response.content.decode())
    return parser.fields


def test_choosing_the_paper_again_keeps_every_field_not_just_the_text(client, user, paper):
    """A paper that doesn't resolve must not untick "Private": the next Publish would make the summary public."""
    client.force_login(user)
    typed = {"body": "My private thoughts", "is_private": "on", "is_anonymous": "on", "base_revision": "0"}
    # The page's hidden `paper` field, tampered with.
    choice = client.post("/summaries/new/", {**typed, "paper": "journals/x/Unknown99", "publish": "1"})
    assert choice.status_code == 404
    carried = submitted_fields(choice, "paper-choice")
    assert set(SummaryForm.base_fields) <= set(carried)
    assert carried == {**typed, "paper": "journals/x/Unknown99"}

    # The writer corrects the paper and presses Continue, then Publish on the summary form.
    form_page = client.post("/summaries/new/", {**carried, "paper": "1601.06759", "preview": "1"})
    assert form_page.status_code == 200
    shown = submitted_fields(form_page, "summary-form")
    assert shown == {**typed, "paper": "1601.06759"}
    assert client.post("/summaries/new/", {**shown, "publish": "1"}).status_code == 302
    summary = Summary.objects.get()
    assert (summary.paper, summary.body, summary.is_private, summary.is_anonymous) == (paper, "My private thoughts", True, True)


def test_malformed_paper_identifier_gives_a_form_error(client, user, db):
    client.force_login(user)
    response = client.get("/summaries/new/?paper=doi:garbage")
    assert response.status_code == 404
    assert "not a valid DOI" in response.content.decode()


def test_writing_again_edits_the_one_summary_per_paper(client, user, paper):
    SummaryFactory(paper=paper, author=user, body="First take.")
    client.force_login(user)
    form = client.get("/summaries/new/?paper=1601.06759").content.decode()
    assert "First take." in form
    assert 'name="base_revision" value="1"' in form
    client.post("/summaries/new/?paper=1601.06759", {"body": "Second take.", "base_revision": "1", "publish": "1"})
    assert list(Summary.objects.values_list("body", flat=True)) == ["Second take."]


def test_only_writing_again_says_the_paper_is_summarized_already(client, user, paper):
    notice = "You have summarized this paper already; publishing updates your summary."
    summary = SummaryFactory(paper=paper, author=user)
    client.force_login(user)
    assert notice in client.get("/summaries/new/?paper=1601.06759").content.decode()
    previewed = client.post("/summaries/new/?paper=1601.06759", {"body": "Again.", "base_revision": "1", "preview": "1"})
    assert notice in previewed.content.decode()
    # The summary's own edit page, and a paper the user has not summarized, are no surprise.
    assert notice not in client.get(f"/summary/{summary.pk}/edit/").content.decode()
    assert notice not in client.get(f"/summaries/new/?paper={PaperFactory().arxiv_id}").content.decode()


def test_author_edits_their_summary_and_html_is_re_rendered(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Old.")
    client.force_login(user)
    assert client.get(f"/summary/{summary.pk}/edit/").status_code == 200
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": "New *emphasis*.", "base_revision": "1", "publish": "1"})
    summary.refresh_from_db()
    assert response.status_code == 302
    assert summary.body == "New *emphasis*."
    assert "<em>emphasis</em>" in summary.body_html


def test_rejected_edit_keeps_the_typed_text(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Old.")
    client.force_login(user)
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": "y" * (settings.SUMMARY_MAX_LENGTH + 5)})
    assert response.status_code == 200
    assert "y" * (settings.SUMMARY_MAX_LENGTH + 5) in response.content.decode()
    summary.refresh_from_db()
    assert summary.body == "Old."


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_only_the_author_or_staff_may_change_a_summary(client, user, other_user, staff_user, paper, action):
    summary = SummaryFactory(paper=paper, author=user, body="Mine.")
    client.force_login(other_user)
    assert client.get(f"/summary/{summary.pk}/{action}/").status_code == 403
    assert client.post(f"/summary/{summary.pk}/{action}/", {"body": "Hijacked."}).status_code == 403
    summary.refresh_from_db()
    assert summary.body == "Mine."
    client.force_login(staff_user)
    assert client.get(f"/summary/{summary.pk}/{action}/").status_code == 200


def test_anonymous_visitors_cannot_edit(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user)
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": "Hijacked."})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_delete_asks_for_confirmation_then_deletes(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user)
    client.force_login(user)
    confirm = client.get(f"/summary/{summary.pk}/delete/")
    assert "Delete this summary?" in confirm.content.decode()
    assert Summary.objects.filter(pk=summary.pk).exists()
    response = client.post(f"/summary/{summary.pk}/delete/")
    assert response["Location"] == "/paper/1601.06759/"
    assert not Summary.objects.filter(pk=summary.pk).exists()


def test_permalink_shows_the_card_and_hidden_summaries_are_404_for_others(client, user, other_user, staff_user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Visible words.")
    assert "Visible words." in client.get(f"/summary/{summary.pk}/").content.decode()  # cached for visitors now
    moderation.summaries_set_hidden(summaries=[summary], hidden=True, moderator=staff_user)
    assert client.get(f"/summary/{summary.pk}/").status_code == 404
    client.force_login(other_user)
    assert client.get(f"/summary/{summary.pk}/").status_code == 404
    client.force_login(user)
    assert "Hidden by a moderator" in client.get(f"/summary/{summary.pk}/").content.decode()


def test_unknown_summary_is_404(client, db):
    assert client.get("/summary/999999/").status_code == 404


# ---- A text that takes too long to format is refused, never lost --------------------------------

SLOW_BODY = ("## Method\n\nWe minimise $\\sum_i x_i^2$ over *all* `x`.\n\n- one\n- two\n\n" * 900)[:60_000]


@pytest.mark.parametrize("button", ["publish", "preview"])
def test_a_text_over_the_rendering_budget_is_refused_with_a_message_and_kept(client, user, paper, settings, button):
    settings.SUMMARY_RENDER_BUDGET_SECONDS = 0.01
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1601.06759", {"body": SLOW_BODY, button: "1"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "took longer than 0.01 seconds to format" in html
    assert "We minimise $\\sum_i x_i^2$" in html  # the textarea still holds it
    assert Summary.objects.count() == 0


def test_an_edit_over_the_rendering_budget_changes_nothing(client, user, paper, settings):
    summary = SummaryFactory(author=user, paper=paper, body="Old text")
    settings.SUMMARY_RENDER_BUDGET_SECONDS = 0.01
    client.force_login(user)
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": SLOW_BODY, "base_revision": summary.revision})
    assert response.status_code == 422 and "took longer than" in response.content.decode()
    summary.refresh_from_db()
    assert summary.body == "Old text"


def test_the_live_preview_of_a_text_over_the_budget_says_so(client, user, paper, settings):
    settings.SUMMARY_RENDER_BUDGET_SECONDS = 0.01
    client.force_login(user)
    response = client.post("/summaries/preview/", {"body": SLOW_BODY})
    assert response.status_code == 422 and "took longer than" in response.content.decode()
