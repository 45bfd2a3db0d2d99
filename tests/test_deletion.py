"""Deleting a summary is soft: gone from every page, restorable by staff with others' comments and reports,
purged for good later by `manage.py purge_deleted_summaries`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from summaries import moderation
from summaries.comments import comment_post
from summaries.models import Comment, ModerationAction, Report, Summary, Vote
from summaries.services import vote_cast
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def discussed(paper, user, other_user):
    """A summary with another reader's comment, vote and open report on it."""
    summary = SummaryFactory(paper=paper, author=user, body="Words the author regrets.")
    comment_post(summary=summary, author=other_user, body="A comment worth keeping.")
    vote_cast(summary=summary, voter=other_user, value=Vote.UP)
    moderation.report_create(reporter=other_user, summary=summary, reason="Plagiarised.")
    return summary


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def delete(summary, user):
    return client_for(user).post(f"/summary/{summary.pk}/delete/")


def test_deleting_keeps_the_summary_and_everything_others_wrote_on_it(discussed, user):
    response = delete(discussed, user)
    assert response.status_code == 302
    row = Summary.all_objects.get(pk=discussed.pk)
    assert row.deleted_at is not None and row.deleted_by == user
    assert Comment.objects.filter(summary_id=discussed.pk).count() == 1
    assert Report.objects.filter(summary_id=discussed.pk, status=Report.OPEN).count() == 1
    assert Vote.objects.filter(summary_id=discussed.pk).count() == 1


@pytest.mark.parametrize(
    "path",
    ["/", "/?order=top", "/?order=popular", "/paper/1601.06759/", "/user/ada/", "/users/", "/search/?q=regrets",
     "/feeds/latest.atom", "/sitemap-summaries.xml"],
)  # fmt: skip
def test_a_deleted_summary_is_on_no_page(discussed, user, client, path):
    delete(discussed, user)
    for reader in (client, client_for(user)):
        assert "Words the author regrets" not in reader.get(path).content.decode()
    assert client_for(user).get(f"/summary/{discussed.pk}/").status_code == 404
    assert client.get(f"/summary/{discussed.pk}/").status_code == 404


def test_staff_find_deleted_summaries_in_the_admin_and_undelete_them_with_their_comments(discussed, user, staff_user):
    delete(discussed, user)
    staff_user.is_superuser = True
    staff_user.save()
    admin = client_for(staff_user)
    assert "Words the author regrets" in admin.get(f"/admin/summaries/summary/{discussed.pk}/change/").content.decode()
    assert str(discussed.pk) in admin.get("/admin/summaries/summary/?deleted=yes").content.decode()

    response = admin.post("/admin/summaries/summary/", {"action": "undelete", "_selected_action": [discussed.pk]}, follow=True)
    assert "Undeleted 1 summary." in response.content.decode()
    assert Summary.objects.get(pk=discussed.pk).deleted_at is None
    page = Client().get(f"/summary/{discussed.pk}/").content.decode()
    assert "Words the author regrets" in page and "A comment worth keeping." in page
    assert ModerationAction.objects.filter(action="undelete summary", object_id=discussed.pk, moderator=staff_user).exists()


def test_writing_again_after_deleting_brings_the_summary_back_with_the_new_text(discussed, user, paper):
    delete(discussed, user)
    response = client_for(user).post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "A better summary.", "base_revision": 0})
    assert response.status_code == 302
    summary = Summary.objects.get(pk=discussed.pk)
    assert summary.body == "A better summary." and summary.revisions.count() == 2


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_deleted_summaries", *args, stdout=out)
    return out.getvalue()


def test_the_purge_removes_only_summaries_deleted_past_the_grace_period(paper, user, other_user, settings):
    old, recent, live = (SummaryFactory(paper=paper, author=UserFactory()) for _ in range(3))
    comment_post(summary=old, author=other_user, body="Goes with it.")
    delete(old, old.author)
    delete(recent, recent.author)
    Summary.all_objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=settings.SUMMARY_PURGE_AFTER_DAYS + 1))

    assert purge() == f"Purged 1 summary deleted more than {settings.SUMMARY_PURGE_AFTER_DAYS} days ago.\n"
    assert set(Summary.all_objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not Comment.objects.filter(summary_id=old.pk).exists()


def test_the_purge_waits_for_open_reports_to_be_handled(discussed, user):
    delete(discussed, user)
    Summary.all_objects.filter(pk=discussed.pk).update(deleted_at=timezone.now() - timedelta(days=400))
    assert "0 summaries" in purge() and "1 with open reports wait for a moderator" in purge()
    assert Summary.all_objects.filter(pk=discussed.pk).exists()
    Report.objects.update(status=Report.DISMISSED)
    assert purge().startswith("Purged 1 summary")
