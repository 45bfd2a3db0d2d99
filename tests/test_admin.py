"""Moderators find papers by any identifier and hide or restore summaries from the admin."""

import re

import pytest
from django.db.models import F
from django.db.models.signals import pre_save
from django.test import Client

from summaries import services

from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    "query", ["Recurrent", "Kalchbrenner", "1601.06759", "https://arxiv.org/abs/1601.06759v2", "doi:10.1000/PIXELRNN", "journals/corr/OordKK16"]
)
def test_paper_search_by_title_author_and_any_identifier(admin_client, paper, query):
    paper.doi = "10.1000/pixelrnn"
    paper.bibtex_key = "journals/corr/OordKK16"
    paper.save()
    PaperFactory(title="Unrelated work", authors=["Somebody Else"])
    html = admin_client.get("/admin/papers/paper/", {"q": query}).content.decode()
    assert "1 result (" in html
    assert "Pixel Recurrent Neural Networks" in html
    assert "Unrelated work" not in html


def test_hide_and_restore_actions(admin_client, paper):
    summary = SummaryFactory(paper=paper, body="Spam, buy now.")
    response = admin_client.post(
        "/admin/summaries/summary/", {"action": "hide", "_selected_action": [summary.pk]}, follow=True
    )
    assert "Hid 1 summary." in response.content.decode()
    assert Summary.objects.get(pk=summary.pk).is_hidden
    visitor = Client()
    assert "Spam, buy now." not in visitor.get("/").content.decode()
    assert "Spam, buy now." not in visitor.get("/paper/1601.06759/").content.decode()
    assert visitor.get(f"/summary/{summary.pk}/").status_code == 404

    admin_client.post("/admin/summaries/summary/", {"action": "restore", "_selected_action": [summary.pk]})
    assert not Summary.objects.get(pk=summary.pk).is_hidden
    assert "Spam, buy now." in visitor.get("/").content.decode()


def test_editing_a_summary_in_the_admin_re_renders_it(admin_client, paper, user):
    summary = SummaryFactory(paper=paper, author=user, body="Before.")
    response = admin_client.post(
        f"/admin/summaries/summary/{summary.pk}/change/",
        {"paper": paper.pk, "author": user.pk, "body": "After **bold**.", "is_hidden": "", "base_revision": summary.revision},
    )
    assert response.status_code == 302
    assert "<strong>bold</strong>" in Summary.objects.get(pk=summary.pk).body_html


def admin_change_data(admin_client, summary) -> dict:
    """The change form's fields as the page gave them (what a moderator submits unchanged)."""
    html = admin_client.get(f"/admin/summaries/summary/{summary.pk}/change/").content.decode()
    base_revision = re.search(r'name="base_revision" value="(\d+)"', html).group(1)
    return {
        "paper": summary.paper_id, "author": summary.author_id, "body": summary.body, "base_revision": base_revision,
        "is_anonymous": "", "is_private": "", "is_hidden": "",
    }


def test_an_admin_save_writes_only_what_the_form_changed_so_votes_meanwhile_survive(admin_client, paper, user):
    summary = SummaryFactory(paper=paper, author=user, body="Before.")
    data = admin_change_data(admin_client, summary)

    def vote_lands_mid_save(sender, instance, **kwargs):
        # A vote committed after the admin read the row and before it wrote it back (once).
        pre_save.disconnect(vote_lands_mid_save, sender=Summary)
        Summary.objects.filter(pk=instance.pk).update(score=F("score") + 5, revision=F("revision"))

    pre_save.connect(vote_lands_mid_save, sender=Summary)
    response = admin_client.post(f"/admin/summaries/summary/{summary.pk}/change/", {**data, "is_hidden": "on"})
    assert response.status_code == 302
    saved = Summary.objects.get(pk=summary.pk)
    assert (saved.is_hidden, saved.score, saved.body) == (True, 5, "Before.")


def test_an_admin_edit_begun_before_the_authors_edit_is_refused_and_overwrites_nothing(admin_client, paper, user):
    summary = SummaryFactory(paper=paper, author=user, body="The author's first text.")
    data = admin_change_data(admin_client, summary)
    services.summary_update(summary=summary, body="The author's newer text.", editor=user)

    response = admin_client.post(f"/admin/summaries/summary/{summary.pk}/change/", {**data, "body": "Moderator's text."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone changed this summary (it is at revision 2 now) after you opened it" in html
    assert "Moderator&#x27;s text." in html  # what the moderator typed is still in the form
    assert Summary.objects.get(pk=summary.pk).body == "The author's newer text."


@pytest.mark.parametrize("page", ["/admin/summaries/summary/", "/admin/summaries/vote/", "/admin/auth/user/", "/admin/papers/paper/"])
def test_admin_lists_load(admin_client, paper, page):
    SummaryFactory(paper=paper)
    assert admin_client.get(page).status_code == 200
