"""Summary requests: asking and withdrawing, the count on the paper page, /requests/, and the one-time email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from summaries import services, summary_requests
from summaries.models import Summary, SummaryRequest
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ask(client, paper, action="ask"):
    return client.post(f"/requests/{action}/", {"paper": paper.pk, "next": paper.get_absolute_url()})


def _asked_by(paper, *usernames):
    for username in usernames:
        SummaryRequest.objects.create(paper=paper, requester=UserFactory(username=username))


# --- Asking and withdrawing ---


def test_a_reader_asks_once_and_the_paper_page_counts_readers(client, user, other_user, paper):
    client.force_login(user)
    assert client.get(paper.get_absolute_url()).content.decode().count("asked for a summary") == 0
    assert _ask(client, paper)["Location"] == "/paper/1601.06759/"
    _ask(client, paper)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "1 reader asked for a summary" in html
    assert "Withdraw my request" in html
    client.force_login(other_user)
    assert "Ask for a summary" in client.get(paper.get_absolute_url()).content.decode()
    _ask(client, paper)
    assert "2 readers asked for a summary" in client.get(paper.get_absolute_url()).content.decode()
    assert SummaryRequest.objects.filter(paper=paper).count() == 2


def test_the_request_box_disappears_once_a_public_summary_exists(client, user, paper):
    client.force_login(user)
    SummaryFactory(paper=paper, is_private=True)
    assert "Ask for a summary" in client.get(paper.get_absolute_url()).content.decode()
    SummaryFactory(paper=paper)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Ask for a summary" not in html and "asked for a summary" not in html


def test_a_reader_can_withdraw(client, user, paper):
    client.force_login(user)
    _ask(client, paper)
    _ask(client, paper, "withdraw")
    assert not SummaryRequest.objects.exists()
    assert "asked for a summary" not in client.get(paper.get_absolute_url()).content.decode()


def test_asking_needs_login_post_and_csrf(client, user, paper):
    assert "/accounts/login/" in _ask(client, paper)["Location"]
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Log in to ask for a summary" in html
    client.force_login(user)
    assert client.get("/requests/ask/").status_code == 405
    assert client.post("/requests/ask/", {"paper": "nope"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/requests/ask/", {"paper": paper.pk}).status_code == 403
    assert not SummaryRequest.objects.exists()


# --- /requests/ ---


def _titles(html: str, *titles: str) -> list[str]:
    return sorted((t for t in titles if t in html), key=html.index)


def test_requests_page_lists_unsummarized_papers_most_asked_first_then_oldest(client):
    popular = PaperFactory(title="Asked by three")
    early = PaperFactory(title="Asked by two, early")
    late = PaperFactory(title="Asked by two, late")
    done = PaperFactory(title="Already summarized")
    private_only = PaperFactory(title="Only a private summary")
    _asked_by(popular, "a1", "a2", "a3")
    _asked_by(late, "b1", "b2")
    _asked_by(early, "c1", "c2")
    SummaryRequest.objects.filter(paper=early).update(created_at=timezone.now() - timedelta(days=3))
    _asked_by(done, "d1", "d2", "d3", "d4")
    SummaryFactory(paper=done)
    _asked_by(private_only, "e1")
    SummaryFactory(paper=private_only, is_private=True)
    html = client.get("/requests/").content.decode()
    assert _titles(html, "Asked by three", "Asked by two, early", "Asked by two, late", "Already summarized", "Only a private summary") == [
        "Asked by three",
        "Asked by two, early",
        "Asked by two, late",
        "Only a private summary",
    ]
    assert "3 readers asked" in html and "1 reader asked" in html


def test_requests_page_is_paginated_with_fixed_queries(client, user, settings, django_assert_max_num_queries):
    settings.FEED_PAGE_SIZE = 2
    client.force_login(user)
    asker = UserFactory(username="asker")
    for n in range(3):
        SummaryRequest.objects.create(paper=PaperFactory(title=f"Wanted {n}"), requester=asker)
    with django_assert_max_num_queries(6) as small:
        client.get("/requests/")
    for n in range(3, 9):
        SummaryRequest.objects.create(paper=PaperFactory(title=f"Wanted {n}"), requester=asker)
    settings.FEED_PAGE_SIZE = 8
    with django_assert_max_num_queries(6) as large:
        html = client.get("/requests/").content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert html.count('class="requested-paper"') == 8 and "Page 1 of 2" in html
    assert html.count("I want this too") == 8


# --- The email when the first public summary appears ---


def _publish(client, author, paper, **fields):
    client.force_login(author)
    return client.post("/summaries/new/", {"paper": paper.identifier, "body": "Now explained.", **fields})


def test_askers_are_emailed_once_when_the_first_public_summary_appears(
    client, paper, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://shortscience.test"
    _asked_by(paper, "asker1", "asker2")
    writer = UserFactory(username="writer")
    writer.profile.display_name = "Wendy Writer"
    writer.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert _publish(client, writer, paper).status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["asker1@example.org", "asker2@example.org"]
    message = mail.outbox[0]
    assert message.subject == "A summary of “Pixel Recurrent Neural Networks” is up on ShortScience"
    summary = Summary.objects.get(author=writer)
    assert f"https://shortscience.test/summary/{summary.pk}/" in message.body and "by Wendy Writer" in message.body
    assert SummaryRequest.objects.filter(notified_at__isnull=True).count() == 0

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(client, UserFactory(username="second"), paper)
        _publish(client, writer, paper, body="Edited.")
    assert mail.outbox == []


def test_a_private_summary_notifies_no_one_until_it_is_made_public(client, paper, django_capture_on_commit_callbacks):
    _asked_by(paper, "asker")
    writer = UserFactory(username="writer")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(client, writer, paper, is_private="on")
    assert mail.outbox == []
    assert SummaryRequest.objects.get().notified_at is None
    summary = Summary.objects.get(author=writer)
    with django_capture_on_commit_callbacks(execute=True):
        summary.is_private = False
        summary.save(update_fields=["is_private"])
    assert [m.to for m in mail.outbox] == [["asker@example.org"]]


def test_an_anonymous_summary_notifies_without_naming_its_author(client, paper, django_capture_on_commit_callbacks):
    _asked_by(paper, "asker")
    writer = UserFactory(username="writer")
    writer.profile.display_name = "Wendy Writer"
    writer.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        _publish(client, writer, paper, is_anonymous="on")
    (message,) = mail.outbox
    assert "by Anonymous" in message.body
    assert "Wendy" not in message.body and "writer" not in message.body.replace("writers", "")


def test_the_author_who_asked_gets_no_email_about_their_own_summary(client, user, paper, django_capture_on_commit_callbacks):
    SummaryRequest.objects.create(paper=paper, requester=user)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(client, user, paper)
    assert mail.outbox == []
    assert SummaryRequest.objects.get().notified_at is not None


def test_a_rerender_does_not_notify(paper, django_capture_on_commit_callbacks):
    summary = SummaryFactory(paper=paper)
    _asked_by(paper, "late_asker")
    with django_capture_on_commit_callbacks(execute=True):
        services.summary_rerender(summary=summary)
    assert mail.outbox == []


def test_notify_is_idempotent(paper):
    _asked_by(paper, "asker")
    summary = SummaryFactory(paper=paper)
    assert summary_requests.summary_requests_notify(summary) == 1
    assert summary_requests.summary_requests_notify(summary) == 0
    assert len(mail.outbox) == 1
