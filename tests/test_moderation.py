"""Readers report; moderators hide, restore, dismiss and suspend from the admin queue; every act is logged."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from summaries import comments as comment_services
from summaries import moderation
from summaries.models import Comment, ModerationAction, Report, Summary
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def spammer(db):
    return UserFactory(username="spammer")


@pytest.fixture
def spam(paper, spammer):
    return SummaryFactory(paper=paper, author=spammer, body="Buy cheap pills at example.com!")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def report(user, summary, reason="Spam."):
    return moderation.report_create(reporter=user, summary=summary, reason=reason)


# ---- Reporting ---------------------------------------------------------------------------------


def test_reader_reports_a_summary(spam, user):
    client = logged_in(user)
    page = client.get(f"/summary/{spam.pk}/report/")
    assert page.status_code == 200
    assert "Buy cheap pills" in page.content.decode()
    response = client.post(f"/summary/{spam.pk}/report/", {"reason": "Advertising, not a summary."})
    assert response.status_code == 302 and response["Location"] == f"/summary/{spam.pk}/"
    filed = Report.objects.get()
    assert (filed.reporter, filed.summary, filed.comment, filed.status) == (user, spam, None, Report.OPEN)
    assert filed.reason == "Advertising, not a summary."
    assert "moderators will look" in client.get(response["Location"]).content.decode()


def test_the_report_form_shows_the_summary_as_readers_see_it_not_its_source(user, paper):
    summary = SummaryFactory(paper=paper, body="Loss $\\mathcal{L}$ is **low** \\cite{1601.06759}.")
    page = logged_in(user).get(f"/summary/{summary.pk}/report/").content.decode()
    assert f'<blockquote class="report-target summary-body">{summary.body_html}</blockquote>' in page
    assert 'class="katex"' in page and "<strong>low</strong>" in page  # typeset, as readers see it
    assert "**low**" not in page and "$\\mathcal" not in page


def test_reader_reports_a_comment(spam, user, other_user):
    comment = comment_services.comment_post(summary=spam, author=other_user, body="Rude remark.")
    client = logged_in(user)
    assert "Rude remark." in client.get(f"/comment/{comment.pk}/report/").content.decode()
    response = client.post(f"/comment/{comment.pk}/report/", {"reason": "Abusive."})
    assert response.status_code == 302 and response["Location"] == comment.get_absolute_url()
    assert Report.objects.get().comment == comment


def test_reporting_needs_an_account_and_a_post_with_csrf(spam, user):
    response = Client().get(f"/summary/{spam.pk}/report/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/summary/{spam.pk}/report/", {"reason": "Spam."}).status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "reason,error",
    [("", "Say what is wrong"), ("   ", "Say what is wrong"), ("x" * 1001, "at most 1000 characters")],
)
def test_bad_report_shows_the_error_and_keeps_the_text(spam, user, reason, error):
    response = logged_in(user).post(f"/summary/{spam.pk}/report/", {"reason": reason})
    html = response.content.decode()
    assert response.status_code == 400
    assert error in html
    if reason.strip():
        assert reason in html
    assert not Report.objects.exists()


def test_one_open_report_per_reader_and_target(spam, user):
    client = logged_in(user)
    client.post(f"/summary/{spam.pk}/report/", {"reason": "Spam."})
    response = client.post(f"/summary/{spam.pk}/report/", {"reason": "Spam again, really."})
    assert response.status_code == 400
    assert "already reported" in response.content.decode()
    assert "Spam again, really." in response.content.decode()
    assert Report.objects.count() == 1
    # Once handled, the same reader may report it again.
    moderation.reports_dismiss(reports=Report.objects.all(), moderator=UserFactory(is_staff=True))
    assert client.post(f"/summary/{spam.pk}/report/", {"reason": "Back again."}).status_code == 302
    assert Report.objects.filter(status=Report.OPEN).count() == 1


def test_nobody_reports_their_own_summary(spam, spammer):
    response = logged_in(spammer).post(f"/summary/{spam.pk}/report/", {"reason": "Hmm."})
    assert response.status_code == 400
    assert not Report.objects.exists()


@pytest.mark.parametrize("field", ["is_hidden", "is_private"])
def test_only_public_summaries_can_be_reported(spam, user, field):
    Summary.objects.filter(pk=spam.pk).update(**{field: True})
    assert logged_in(user).get(f"/summary/{spam.pk}/report/").status_code == 404


def test_cards_offer_a_report_link_to_everyone_but_the_author(spam, user, spammer):
    link = f'href="/summary/{spam.pk}/report/"'
    assert link in logged_in(user).get("/").content.decode()
    assert link in Client().get("/").content.decode()
    assert link not in logged_in(spammer).get("/").content.decode()


# ---- The queue in the admin -----------------------------------------------------------------------


def rows(admin_client, query=""):
    html = admin_client.get(f"/admin/summaries/report/{query}").content.decode()
    return re.findall(r'<a href="/admin/summaries/summary/(\d+)/change/">', html), html


def test_queue_lists_open_reports_most_reported_then_newest(admin_client, paper, user, other_user):
    once = SummaryFactory(body="Reported once.")
    thrice = SummaryFactory(body="Reported thrice.")
    dismissed = SummaryFactory(body="Reported, dismissed.")
    for reader in [user, other_user, UserFactory()]:
        report(reader, thrice)
    report(user, once)  # the newest report
    moderation.reports_dismiss(reports=[report(user, dismissed)], moderator=user)
    order, html = rows(admin_client)
    assert order == [str(thrice.pk)] * 3 + [str(once.pk)]
    assert "Reported thrice." in html
    everything, _ = rows(admin_client, "?status=all")
    assert str(dismissed.pk) in everything


def test_hide_from_the_queue_removes_it_from_every_public_page(admin_client, spam, user, moderator):
    filed = report(user, spam)
    visitor = Client()
    assert "Buy cheap pills" in visitor.get("/").content.decode()
    response = admin_client.post(
        "/admin/summaries/report/", {"action": "hide_targets", "_selected_action": [filed.pk]}, follow=True
    )
    assert "Hid 1 summary and 0 comments." in response.content.decode()
    assert Summary.objects.get(pk=spam.pk).is_hidden
    for url in ["/", "/?order=top", "/paper/1601.06759/", "/user/spammer/", "/feeds/latest.atom", "/sitemap-summaries.xml"]:
        assert "Buy cheap pills" not in visitor.get(url).content.decode(), url
        assert f"/summary/{spam.pk}/" not in visitor.get(url).content.decode(), url
    assert visitor.get(f"/summary/{spam.pk}/").status_code == 404
    filed.refresh_from_db()
    assert (filed.status, filed.handled_by) == (Report.ACTIONED, moderator)
    assert filed.handled_at is not None
    log = ModerationAction.objects.get()
    assert (log.moderator, log.action, log.target) == (moderator, "hide summary", spam)
    assert rows(admin_client)[0] == []  # out of the open queue

    admin_client.post("/admin/summaries/report/?status=actioned", {"action": "restore_targets", "_selected_action": [filed.pk]})
    assert not Summary.objects.get(pk=spam.pk).is_hidden
    assert ModerationAction.objects.filter(action="restore summary").count() == 1


def test_hiding_a_reported_comment(admin_client, spam, user, other_user, moderator):
    comment = comment_services.comment_post(summary=spam, author=other_user, body="Rude remark.")
    filed = moderation.report_create(reporter=user, comment=comment, reason="Rude.")
    response = admin_client.post("/admin/summaries/report/", {"action": "hide_targets", "_selected_action": [filed.pk]}, follow=True)
    assert "Hid 0 summaries and 1 comment." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert "Rude remark." not in Client().get(f"/summary/{spam.pk}/").content.decode()
    assert Report.objects.get().status == Report.ACTIONED
    assert ModerationAction.objects.get().action == "hide comment"


def test_dismiss_leaves_the_summary_and_logs(admin_client, spam, user, moderator):
    filed = report(user, spam)
    response = admin_client.post("/admin/summaries/report/", {"action": "dismiss", "_selected_action": [filed.pk]}, follow=True)
    assert "Dismissed 1 report." in response.content.decode()
    filed.refresh_from_db()
    assert (filed.status, filed.handled_by) == (Report.DISMISSED, moderator)
    assert not Summary.objects.get(pk=spam.pk).is_hidden
    log = ModerationAction.objects.get()
    assert (log.action, log.target, log.moderator) == ("dismiss report", filed, moderator)


# ---- Suspending ---------------------------------------------------------------------------------


def log_in(client, username):
    return client.post("/accounts/login/", {"login": username, "password": PASSWORD})


def test_suspended_author_cannot_log_in_and_their_open_session_stops(admin_client, spam, spammer, user, moderator):
    EmailAddress.objects.create(user=spammer, email=spammer.email, verified=True, primary=True)
    session = Client()
    assert log_in(session, "spammer").status_code == 302
    assert "Log out" in session.get("/").content.decode()

    filed = report(user, spam)
    response = admin_client.post("/admin/summaries/report/", {"action": "suspend_authors", "_selected_action": [filed.pk]}, follow=True)
    assert "Suspended 1 user." in response.content.decode()
    spammer.refresh_from_db()
    assert not spammer.is_active
    assert spammer.profile.suspended_at is not None
    assert Report.objects.get().status == Report.ACTIONED
    assert ModerationAction.objects.filter(action="suspend user", object_id=spammer.pk, moderator=moderator).exists()

    # The session opened before the suspension no longer logs them in...
    page = session.get("/")
    assert "Log out" not in page.content.decode() and "Log in" in page.content.decode()
    # ...so they cannot post...
    response = session.post("/summaries/new/?paper=1601.06759", {"body": "More spam."})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert session.post(f"/summary/{spam.pk}/vote/", {"value": "up"}).status_code == 302
    # ...and logging in again ends at allauth's "account inactive" page.
    fresh = Client()
    response = log_in(fresh, "spammer")
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert "Log in" in fresh.get("/").content.decode()


def test_suspend_and_hide_everything_they_wrote(admin_client, spam, spammer, user, other_user, moderator):
    second = SummaryFactory(author=spammer, body="More pills.")
    comment = comment_services.comment_post(summary=SummaryFactory(author=other_user), author=spammer, body="Pills here too.")
    innocent = SummaryFactory(author=other_user, body="A fine summary.")
    report(user, spam)
    report(other_user, spam)
    response = admin_client.post(
        "/admin/summaries/report/",
        {"action": "suspend_authors_and_hide_all", "_selected_action": list(Report.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert "Suspended 1 user." in response.content.decode()
    assert set(Summary.objects.filter(is_hidden=True)) == {spam, second}
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert not Summary.objects.get(pk=innocent.pk).is_hidden
    assert not Report.objects.filter(status=Report.OPEN).exists()
    actions = sorted(ModerationAction.objects.values_list("action", flat=True))
    assert actions == ["hide comment", "hide summary", "hide summary", "suspend user"]
    assert set(ModerationAction.objects.values_list("moderator", flat=True)) == {moderator.pk}
    html = Client().get("/").content.decode()
    assert "pills" not in html.lower() and "A fine summary." in html


def test_staff_and_the_moderator_themselves_are_never_suspended(admin_client, paper, user, moderator):
    colleague = UserFactory(username="colleague", is_staff=True)
    response = admin_client.post(
        "/admin/auth/user/", {"action": "suspend", "_selected_action": [colleague.pk, moderator.pk, user.pk]}, follow=True
    )
    html = response.content.decode()
    assert "Suspended 1 user." in html
    assert "Not suspended (staff, or yourself): " in html
    colleague.refresh_from_db()
    moderator.refresh_from_db()
    assert colleague.is_active and moderator.is_active
    assert not type(user).objects.get(pk=user.pk).is_active


def test_user_admin_suspend_and_unsuspend(admin_client, spammer, moderator):
    EmailAddress.objects.create(user=spammer, email=spammer.email, verified=True, primary=True)
    admin_client.post("/admin/auth/user/", {"action": "suspend", "_selected_action": [spammer.pk]})
    spammer.refresh_from_db()
    assert not spammer.is_active and spammer.profile.suspended_at
    assert log_in(Client(), "spammer")["Location"] == "/accounts/inactive/"

    response = admin_client.post("/admin/auth/user/", {"action": "unsuspend", "_selected_action": [spammer.pk]}, follow=True)
    assert "Unsuspended 1 user." in response.content.decode()
    spammer.refresh_from_db()
    assert spammer.is_active and spammer.profile.suspended_at is None
    assert log_in(Client(), "spammer")["Location"] == "/"
    assert list(ModerationAction.objects.order_by("created_at").values_list("action", flat=True)) == ["suspend user", "unsuspend user"]


# ---- The log ------------------------------------------------------------------------------------


def test_summary_admin_hide_and_restore_are_logged(admin_client, spam, moderator):
    admin_client.post("/admin/summaries/summary/", {"action": "hide", "_selected_action": [spam.pk]})
    admin_client.post("/admin/summaries/summary/", {"action": "restore", "_selected_action": [spam.pk]})
    log = list(ModerationAction.objects.order_by("created_at"))
    assert [(entry.action, entry.target, entry.moderator) for entry in log] == [
        ("hide summary", spam, moderator),
        ("restore summary", spam, moderator),
    ]
    assert "Pixel Recurrent Neural Networks" in log[0].target_repr


def test_the_log_is_visible_filterable_and_read_only(admin_client, spam, user, moderator):
    moderation.summaries_set_hidden(summaries=[spam], hidden=True, moderator=moderator)
    html = admin_client.get("/admin/summaries/moderationaction/").content.decode()
    assert "hide summary" in html and "moderator" in html
    assert f'href="/admin/summaries/summary/{spam.pk}/change/"' in html
    assert admin_client.get("/admin/summaries/moderationaction/?action=hide+summary").status_code == 200
    assert admin_client.get("/admin/summaries/moderationaction/add/").status_code == 403
    entry = ModerationAction.objects.get()
    page = admin_client.get(f"/admin/summaries/moderationaction/{entry.pk}/change/").content.decode()
    assert 'name="action"' not in page  # shown, not editable
    assert admin_client.post(f"/admin/summaries/moderationaction/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ModerationAction.objects.count() == 1


def test_queue_query_count_does_not_grow(admin_client, django_assert_max_num_queries, user, other_user):
    def fill(count):
        for summary in SummaryFactory.create_batch(count):
            report(user, summary)
            report(other_user, summary)

    fill(2)
    with django_assert_max_num_queries(12):
        assert admin_client.get("/admin/summaries/report/").status_code == 200
    fill(20)
    with django_assert_max_num_queries(12):
        assert admin_client.get("/admin/summaries/report/").status_code == 200


@pytest.mark.parametrize("page", ["/admin/summaries/report/", "/admin/summaries/report/?status=all", "/admin/summaries/moderationaction/"])
def test_moderation_pages_load(admin_client, spam, user, page):
    report(user, spam)
    assert admin_client.get(page).status_code == 200


def test_comments_offer_a_report_link_to_everyone_but_their_author(spam, user, other_user):
    comment = comment_services.comment_post(summary=spam, author=other_user, body="A remark.")
    link = f'href="/comment/{comment.pk}/report/"'
    assert link in logged_in(user).get(f"/summary/{spam.pk}/").content.decode()
    assert link not in logged_in(other_user).get(f"/summary/{spam.pk}/").content.decode()


@pytest.mark.parametrize("where", ["admin", "thread"])
def test_hiding_a_comment_anywhere_closes_its_reports(admin_client, spam, user, other_user, moderator, where):
    comment = comment_services.comment_post(summary=spam, author=other_user, body="Rude remark.")
    filed = moderation.report_create(reporter=user, comment=comment, reason="Rude.")
    if where == "admin":
        admin_client.post("/admin/summaries/comment/", {"action": "hide", "_selected_action": [comment.pk]})
    else:
        admin_client.post(f"/comments/{comment.pk}/hide/", {"hidden": "1"})
    assert Comment.objects.get(pk=comment.pk).is_hidden
    filed.refresh_from_db()
    assert (filed.status, filed.handled_by) == (Report.ACTIONED, moderator)
    assert ModerationAction.objects.get().action == "hide comment"
