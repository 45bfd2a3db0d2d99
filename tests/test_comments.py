"""Comments on summaries: Markdown and math rendered once and sanitized, one level of replies,
editing and soft deletion by their authors, hiding by moderators, and anonymity kept."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from summaries import comments, rendering
from summaries.models import Comment, ModerationAction, Summary
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary(paper, other_user):
    return SummaryFactory(paper=paper, author=other_user, body="Pixels, one at a time.")


def post_comment(client, summary, body, parent=None, **extra):
    data = {"body": body}
    if parent is not None:
        data["parent"] = parent.pk
    return client.post(f"/summary/{summary.pk}/comments/", data, **extra)


def comments_section(html: str) -> str:
    """Only the thread: the card above it is another feature's business."""
    match = re.search(r'<section class="comments".*?</section>', html, re.DOTALL)
    assert match, "the summary page has no comments section"
    return match.group(0)


def thread_html(client, summary) -> str:
    response = client.get(f"/summary/{summary.pk}/")
    assert response.status_code == 200
    return comments_section(response.content.decode())


# ---- Posting ----------------------------------------------------------------------------------


def test_posted_comment_is_rendered_with_math_and_shown_under_the_summary(client, user, summary):
    client.force_login(user)
    response = post_comment(client, summary, "**Nice**: the loss is $x^2$.")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/summary/{summary.pk}/#comment-{comment.pk}"
    assert (comment.summary, comment.author, comment.parent) == (summary, user, None)
    assert "<strong>Nice</strong>" in comment.body_html
    assert '<span class="arithmatex"><span class="katex">' in comment.body_html
    assert '<annotation encoding="application/x-tex">x^2</annotation>' in comment.body_html
    html = thread_html(client, summary)
    assert f'id="comment-{comment.pk}"' in html
    assert "<strong>Nice</strong>" in html
    assert "1 comment" in html


def test_stored_html_is_served_without_rendering_again(client, user, summary, monkeypatch):
    client.force_login(user)
    post_comment(client, summary, "Rendered *once*.")

    def no_rendering_per_request(source):
        raise AssertionError("comments are rendered when saved, never per request")

    monkeypatch.setattr(rendering, "render", no_rendering_per_request)
    assert "Rendered <em>once</em>." in thread_html(client, summary)


@pytest.mark.parametrize(
    "body, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror="),
        ("[click](javascript:alert(1))", 'href="javascript:'),
        ('<a href="javascript:alert(1)">click</a>', 'href="javascript:'),
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ('<p style="position:fixed">x</p>', "style="),
        ("$x$<svg onload=alert(1)>", "<svg"),
    ],
)
def test_comment_html_is_sanitized(client, user, summary, body, forbidden):
    client.force_login(user)
    post_comment(client, summary, body)
    assert forbidden not in Comment.objects.get().body_html
    assert forbidden not in thread_html(client, summary)


def test_comment_links_are_marked_as_user_content(client, user, summary):
    client.force_login(user)
    post_comment(client, summary, "See https://example.org/paper")
    assert 'rel="nofollow ugc noopener"' in Comment.objects.get().body_html


# ---- Replies ----------------------------------------------------------------------------------


def test_reply_attaches_to_the_comment_and_shows_beneath_it(client, user, other_user, summary):
    client.force_login(user)
    post_comment(client, summary, "Question?")
    question = Comment.objects.get()
    client.force_login(other_user)
    post_comment(client, summary, "Answer.", parent=question)
    answer = Comment.objects.exclude(pk=question.pk).get()
    assert answer.parent == question
    html = thread_html(client, summary)
    replies = html[html.index('class="comment-replies"') :]
    assert f'id="comment-{answer.pk}"' in replies
    assert "2 comments" in html


def test_a_reply_to_a_reply_joins_the_top_level_comment(client, user, other_user, summary):
    top = comments.comment_post(summary=summary, author=user, body="Top.")
    reply = comments.comment_post(summary=summary, author=other_user, body="Reply.", parent=top)
    client.force_login(user)
    post_comment(client, summary, "Reply to the reply.", parent=reply)
    nested = Comment.objects.get(body="Reply to the reply.")
    assert nested.parent_id == top.pk
    assert not Comment.objects.filter(parent__parent__isnull=False).exists()


def test_a_reply_must_answer_a_comment_on_the_same_summary(client, user, summary):
    elsewhere = comments.comment_post(summary=SummaryFactory(), author=user, body="Elsewhere.")
    client.force_login(user)
    response = post_comment(client, summary, "My reply text.", parent=elsewhere)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The comment you replied to has been removed." in html
    assert "My reply text." in html
    assert not Comment.objects.filter(summary=summary).exists()
    with pytest.raises(ValueError):
        comments.comment_post(summary=summary, author=user, body="x", parent=elsewhere)


# ---- Editing and deleting ---------------------------------------------------------------------


def test_authors_edit_their_comment_and_it_is_rendered_again(client, user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Frist.")
    client.force_login(user)
    form = client.get(f"/comments/{comment.pk}/edit/").content.decode()
    assert "Frist." in form
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "First, with $y$."})
    assert response["Location"] == f"/summary/{summary.pk}/#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.body == "First, with $y$."
    assert '<annotation encoding="application/x-tex">y</annotation>' in comment.body_html


def test_deleting_a_comment_without_replies_removes_it_from_the_thread(client, user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Regrettable remark.")
    client.force_login(user)
    assert "Regrettable remark." in client.get(f"/comments/{comment.pk}/delete/").content.decode()
    response = client.post(f"/comments/{comment.pk}/delete/")
    assert response["Location"] == f"/summary/{summary.pk}/#comments"
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body_html == ""
    html = thread_html(client, summary)
    assert f'id="comment-{comment.pk}"' not in html
    assert "Regrettable remark." not in html
    assert "[deleted]" not in html
    assert "No comments yet." in html


def test_a_deleted_comment_with_replies_leaves_a_placeholder(client, user, other_user, summary):
    top = comments.comment_post(summary=summary, author=user, body="Regrettable remark.")
    comments.comment_post(summary=summary, author=other_user, body="Still worth answering.", parent=top)
    client.force_login(user)
    client.post(f"/comments/{top.pk}/delete/")
    html = thread_html(Client(), summary)
    assert f'id="comment-{top.pk}"' in html
    assert "[deleted]" in html
    assert "Regrettable remark." not in html
    assert "Still worth answering." in html
    assert "1 comment" in html


def test_only_the_author_edits_or_deletes_a_comment(client, user, other_user, staff_user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Mine.")
    for intruder in (other_user, staff_user):
        client.force_login(intruder)
        assert client.get(f"/comments/{comment.pk}/edit/").status_code == 403
        assert client.post(f"/comments/{comment.pk}/edit/", {"body": "Theirs."}).status_code == 403
        assert client.post(f"/comments/{comment.pk}/delete/").status_code == 403
    assert "/accounts/login/" in Client().post(f"/comments/{comment.pk}/delete/")["Location"]
    comment.refresh_from_db()
    assert (comment.body, comment.is_deleted) == ("Mine.", False)
    with pytest.raises(PermissionError):
        comments.comment_edit(comment=comment, editor=other_user, body="Theirs.")
    with pytest.raises(PermissionError):
        comments.comment_delete(comment=comment, actor=other_user)


def test_a_deleted_comment_cannot_be_edited(client, user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Gone.")
    comments.comment_delete(comment=comment, actor=user)
    client.force_login(user)
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": "Back!"}).status_code == 403


def test_edit_and_delete_links_only_for_the_author(client, user, other_user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Mine.")
    client.force_login(user)
    assert f"/comments/{comment.pk}/edit/" in thread_html(client, summary)
    client.force_login(other_user)
    assert f"/comments/{comment.pk}/edit/" not in thread_html(client, summary)


# ---- Hiding by moderators ---------------------------------------------------------------------


@pytest.fixture
def admin_client(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client


def test_moderators_hide_and_restore_comments_in_the_admin(admin_client, user, staff_user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Buy cheap pills.")
    response = admin_client.post(
        "/admin/summaries/comment/", {"action": "hide", "_selected_action": [comment.pk]}, follow=True
    )
    assert "Hid 1 comment." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert "Buy cheap pills." not in thread_html(Client(), summary)
    log = ModerationAction.objects.get()
    assert (log.moderator, log.action, log.object_id) == (staff_user, "hide comment", comment.pk)

    admin_client.post("/admin/summaries/comment/", {"action": "restore", "_selected_action": [comment.pk]})
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    assert "Buy cheap pills." in thread_html(Client(), summary)


def test_admin_lists_and_searches_comments(admin_client, user, summary):
    comments.comment_post(summary=summary, author=user, body="Findable remark.")
    comments.comment_post(summary=summary, author=user, body="Something else.")
    html = admin_client.get("/admin/summaries/comment/", {"q": "findable"}).content.decode()
    assert "1 result (" in html
    assert "Findable remark." in html
    assert admin_client.get("/admin/summaries/comment/", {"is_hidden__exact": "1"}).status_code == 200


def test_hidden_comments_stay_visible_to_their_author_and_moderators(client, user, other_user, staff_user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Borderline.")
    comments.comments_set_hidden(comments=[comment], hidden=True)
    client.force_login(user)
    html = thread_html(client, summary)
    assert "Borderline." in html and "Hidden by a moderator" in html
    client.force_login(staff_user)
    assert "Borderline." in thread_html(client, summary)
    client.force_login(other_user)
    assert "Borderline." not in thread_html(client, summary)


def test_a_hidden_comment_with_replies_leaves_a_placeholder(user, other_user, summary):
    top = comments.comment_post(summary=summary, author=user, body="Flame bait.")
    comments.comment_post(summary=summary, author=other_user, body="Calm answer.", parent=top)
    comments.comments_set_hidden(comments=[top], hidden=True)
    html = thread_html(Client(), summary)
    assert "[hidden by a moderator]" in html
    assert "Flame bait." not in html
    assert "Calm answer." in html


def test_moderators_hide_from_the_thread_and_nobody_else_can(client, user, other_user, staff_user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Off topic.")
    client.force_login(other_user)
    assert client.post(f"/comments/{comment.pk}/hide/", {"hidden": "1"}).status_code == 403
    client.force_login(staff_user)
    assert 'name="hidden" value="1"' in thread_html(client, summary)
    assert client.post(f"/comments/{comment.pk}/hide/", {"hidden": "1"}).status_code == 302
    assert Comment.objects.get(pk=comment.pk).is_hidden
    client.post(f"/comments/{comment.pk}/hide/", {"hidden": "0"})
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_hide_service_counts_only_changes(user, summary):
    first = comments.comment_post(summary=summary, author=user, body="One.")
    second = comments.comment_post(summary=summary, author=user, body="Two.")
    assert comments.comments_set_hidden(comments=[first], hidden=True) == 1
    assert comments.comments_set_hidden(comments=[first, second], hidden=True) == 1
    assert comments.comments_set_hidden(comments=Comment.objects.all(), hidden=False) == 2


# ---- Who may comment --------------------------------------------------------------------------


def test_visitors_are_invited_to_log_in_and_members_get_a_form(client, user, summary):
    html = thread_html(client, summary)
    assert "Log in to comment" in html
    assert "<textarea" not in html
    client.force_login(user)
    html = thread_html(client, summary)
    assert "Log in to comment" not in html
    assert f'action="/summary/{summary.pk}/comments/"' in html
    assert "csrfmiddlewaretoken" in html


def test_commenting_needs_login_post_and_csrf(user, summary):
    response = post_comment(Client(), summary, "Drive-by.")
    assert "/accounts/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert post_comment(strict, summary, "Forged.").status_code == 403
    strict_get = strict.get(f"/summary/{summary.pk}/comments/")
    assert strict_get.status_code == 405
    assert not Comment.objects.exists()


def test_no_comments_on_summaries_the_user_cannot_see(client, user, other_user, paper):
    private = SummaryFactory(paper=paper, author=other_user, is_private=True)
    hidden = SummaryFactory(author=other_user, is_hidden=True)
    client.force_login(user)
    assert post_comment(client, private, "Peek.").status_code == 404
    assert post_comment(client, hidden, "Peek.").status_code == 404
    assert not Comment.objects.exists()
    assert not comments.summary_commentable(summary=private, user=user)


def test_authors_comment_on_their_own_private_summary(client, other_user, paper):
    private = SummaryFactory(paper=paper, author=other_user, is_private=True)
    client.force_login(other_user)
    assert post_comment(client, private, "Note to self.").status_code == 302
    assert Comment.objects.get().summary == private


# ---- Bad input --------------------------------------------------------------------------------


def test_a_too_long_comment_comes_back_with_its_text_and_the_reason(client, user, summary):
    client.force_login(user)
    body = "My careful argument. " + "x" * 10_000
    response = post_comment(client, summary, body)
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 10000 characters" in html
    assert "My careful argument. " in html
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused_with_a_clear_message(client, user, summary):
    client.force_login(user)
    response = post_comment(client, summary, "   \n ")
    assert "the comment is empty" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_failed_edit_keeps_the_new_text(client, user, summary):
    comment = comments.comment_post(summary=summary, author=user, body="Short.")
    client.force_login(user)
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Revised thought. " + "y" * 10_000})
    assert "Revised thought. " in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Short."


# ---- Query count ------------------------------------------------------------------------------


def make_thread(summary, count: int) -> None:
    """`count` comments by different people, every third one a reply."""
    top = None
    for n in range(count):
        author = UserFactory(password=None)  # an unusable password: no slow hashing, nobody logs in
        parent = top if n % 3 == 2 else None
        body = f"Comment {n} with $x_{n}$."
        comment = comments.comment_post(summary=summary, author=author, body=body, parent=parent)
        top = comment if parent is None else top


@pytest.mark.parametrize("commented", [False, True], ids=["a reader who shares the page", "a commenter, whose page is theirs"])
def test_the_thread_costs_the_same_queries_for_3_or_30_comments(client, user, summary, commented, django_assert_max_num_queries):
    if commented:  # then the page is rendered for them (summaries.permalink_parts), every comment with it
        comments.comment_post(summary=summary, author=user, body="Mine.")
    client.force_login(user)
    client.get(f"/summary/{summary.pk}/")  # the session and caches settle on the first request
    make_thread(summary, 3)
    with CaptureQueriesContext(connection) as few:  # each written thread is rendered afresh
        assert f"{3 + commented} comments" in thread_html(client, summary)
    make_thread(summary, 27)
    with django_assert_max_num_queries(len(few)):
        assert f"{30 + commented} comments" in thread_html(client, summary)


def test_the_thread_selector_is_one_query(user, summary, django_assert_num_queries):
    make_thread(summary, 30)
    with django_assert_num_queries(1):
        thread = comments.comment_thread(summary=summary, viewer=user)
        names = [comment.byline.name for comment in thread for comment in [comment, *comment.thread_replies]]
    assert len(names) == 30
    assert comments.thread_size(thread) == 30


# ---- Anonymity --------------------------------------------------------------------------------


def test_on_an_anonymous_summary_its_author_comments_as_summary_author(client, user, other_user, paper):
    other_user.profile.display_name = "Grace Hopper"
    other_user.profile.save()
    summary = SummaryFactory(paper=paper, author=other_user, is_anonymous=True)
    question = comments.comment_post(summary=summary, author=user, body="Who wrote this?")
    comments.comment_post(summary=summary, author=other_user, body="I did, in a way.", parent=question)
    comments.comment_post(summary=summary, author=other_user, body="A top-level note.")
    for viewer in (None, user, other_user):
        client.logout()
        if viewer:
            client.force_login(viewer)
        html = thread_html(client, summary)
        assert "I did, in a way." in html and "A top-level note." in html
        assert html.count("Summary author") == 2
        assert "Grace Hopper" not in html
        assert "grace" not in html.lower()
        assert "/user/grace/" not in html
        # Commenters are not anonymous.
        assert '<a class="comment-author" href="/user/ada/">ada</a>' in html


def test_on_a_signed_summary_its_authors_comments_carry_their_name_and_a_badge(client, user, other_user, summary):
    comments.comment_post(summary=summary, author=other_user, body="Thanks for reading.")
    html = thread_html(client, summary)
    assert '<a class="comment-author" href="/user/grace/">grace</a>' in html
    assert '<span class="badge">summary author</span>' in html


def test_the_comment_byline_helper(user, other_user, paper):
    anonymous = SummaryFactory(paper=paper, author=other_user, is_anonymous=True)
    own = comments.comment_post(summary=anonymous, author=other_user, body="x")
    theirs = comments.comment_post(summary=anonymous, author=user, body="y")
    assert comments.comment_byline(comment=own, summary=anonymous) == comments.Byline("Summary author", None, True)
    assert comments.comment_byline(comment=theirs, summary=anonymous) == comments.Byline("ada", "/user/ada/", False)
    Summary.objects.filter(pk=anonymous.pk).update(is_anonymous=False)
    anonymous.refresh_from_db()
    assert comments.comment_byline(comment=own, summary=anonymous) == comments.Byline("grace", "/user/grace/", True)


def test_a_comment_over_the_rendering_budget_is_refused_and_kept(client, user, settings):
    summary = SummaryFactory()
    settings.SUMMARY_RENDER_BUDGET_SECONDS = 0.01
    client.force_login(user)
    body = ("We minimise $\\sum_i x_i^2$ over *all* `x`.\n\n- one\n- two\n\n" * 300)[:10_000]
    response = client.post(f"/summary/{summary.pk}/comments/", {"body": body})
    assert response.status_code == 422
    html = response.content.decode()
    assert "took longer than" in html and "We minimise $\\sum_i x_i^2$" in html
    assert not Comment.objects.exists()
