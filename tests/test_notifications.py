"""Comment emails: the summary's author and earlier commenters hear once each, if they opted in;
a signed link turns it off without logging in; an anonymous summary's author stays unnamed."""

import pytest
from django.core import mail
from django.test import Client

from summaries import comments, notifications
from summaries.models import Comment, Profile, Summary
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://shortscience.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def author(db):
    author = UserFactory(username="hopper", email="hopper@example.org")
    author.profile.display_name = "Grace Hopper"
    author.profile.save()
    return author


@pytest.fixture
def summary(paper, author):
    return SummaryFactory(paper=paper, author=author, body="Pixels, one at a time.")


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post a comment through the site as `who`, with the after-commit emails actually sent."""

    def post(who, summary, body, parent=None):
        client = Client()
        client.force_login(who)
        data = {"body": body, **({"parent": parent.pk} if parent else {})}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/summary/{summary.pk}/comments/", data)
        assert response.status_code == 302, response.content.decode()
        return Comment.objects.latest("pk")

    return post


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_summary_author_hears_about_a_comment_with_its_text_and_a_link(post, user, author, summary):
    comment = post(user, summary, "Why **raster** order?\n\nAnd what about $x^2$?")
    assert recipients() == ["hopper@example.org"]
    message = mail.outbox[0]
    assert message.subject == "New comment on your summary: Pixel Recurrent Neural Networks"
    assert "ada commented on your summary of “Pixel Recurrent Neural Networks”" in message.body
    # The comment as it was typed: plain text, no HTML.
    assert "Why **raster** order?\n\nAnd what about $x^2$?" in message.body
    assert "<" not in message.body
    assert f"{SITE}/summary/{summary.pk}/#comment-{comment.pk}" in message.body


def test_earlier_commenters_hear_too_once_each_but_never_the_commenter(post, user, other_user, author, summary):
    third = UserFactory(username="hedy", email="hedy@example.org")
    post(user, summary, "First.")
    post(user, summary, "Second, by the same person.")
    post(third, summary, "Third.")
    mail.outbox.clear()

    post(other_user, summary, "Fourth.")
    assert recipients() == ["ada@example.org", "hedy@example.org", "hopper@example.org"]
    assert all(len(message.to) == 1 and not message.cc and not message.bcc for message in mail.outbox)
    for_ada = next(message for message in mail.outbox if message.to == ["ada@example.org"])
    assert for_ada.subject.startswith("New comment on a summary you commented on:")


def test_the_summary_author_commenting_emails_only_the_others(post, user, author, summary):
    post(user, summary, "Question.")
    mail.outbox.clear()
    post(author, summary, "Answer.")
    assert recipients() == ["ada@example.org"]


def test_replies_notify_like_comments(post, user, other_user, author, summary):
    question = post(user, summary, "Question.")
    mail.outbox.clear()
    post(other_user, summary, "A reply.", parent=question)
    assert recipients() == ["ada@example.org", "hopper@example.org"]
    assert "replied to a comment" in mail.outbox[0].body


def test_people_who_opted_out_get_nothing(post, user, other_user, author, summary):
    post(user, summary, "First.")
    Profile.objects.filter(user=author).update(notify_comments=False)
    mail.outbox.clear()
    post(other_user, summary, "Second.")
    assert recipients() == ["ada@example.org"]


def test_deleted_commenters_no_address_and_suspended_users_get_nothing(post, user, other_user, author, summary):
    nobody = UserFactory(username="noaddress", email="")
    suspended = UserFactory(username="suspended", email="suspended@example.org")
    post(nobody, summary, "No address.")
    post(suspended, summary, "Spam.")
    left = post(user, summary, "I take it back.")
    comments.comment_delete(comment=left, actor=user)
    Profile.objects.filter(user=suspended).update(suspended_at="2024-01-01T00:00Z")
    mail.outbox.clear()
    post(other_user, summary, "Hello.")
    assert recipients() == ["hopper@example.org"]


def test_emails_go_after_the_commit_not_before(django_capture_on_commit_callbacks, user, summary):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comments.comment_post(summary=summary, author=user, body="Pending.")
    assert mail.outbox == []
    for callback in callbacks:  # the email task's, and the page cache's
        callback()
    assert recipients() == ["hopper@example.org"]


def test_a_mail_server_failure_does_not_lose_the_comment(post, user, summary, monkeypatch):
    def mail_server_down(self, messages):
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", mail_server_down)
    post(user, summary, "Still saved.")
    assert Comment.objects.filter(body="Still saved.").exists()


def test_readers_who_can_no_longer_see_the_summary_are_not_emailed(post, user, author, summary):
    post(user, summary, "While it was public.")
    Summary.objects.filter(pk=summary.pk).update(is_private=True)
    mail.outbox.clear()
    post(author, summary, "Now it is private.")
    assert mail.outbox == []


# ---- Unsubscribing ----------------------------------------------------------------------------


def test_every_email_carries_one_click_unsubscribe_headers(post, user, author, summary):
    post(user, summary, "Hello.")
    message = mail.outbox[0]
    link = notifications.unsubscribe_url(author)
    assert link.startswith(f"{SITE}/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    assert f"{SITE}/settings/profile/" in message.body
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message.message().as_string()


def test_the_unsubscribe_link_asks_then_turns_emails_off_without_login(post, user, other_user, author, summary):
    post(user, summary, "Hello.")
    path = notifications.unsubscribe_url(author).removeprefix(SITE)
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(path)
    assert page.status_code == 200
    assert "Stop comment emails?" in page.content.decode()
    assert Profile.objects.get(user=author).notify_comments, "a GET (a link scanner) changes nothing"

    done = visitor.post(path)
    assert done.status_code == 200
    assert "You will get no more comment emails" in done.content.decode()
    assert not Profile.objects.get(user=author).notify_comments

    mail.outbox.clear()
    post(other_user, summary, "Anyone there?")
    assert recipients() == ["ada@example.org"]


def test_mail_clients_unsubscribe_with_a_one_click_post(post, user, author, summary):
    post(user, summary, "Hello.")
    path = notifications.unsubscribe_url(author).removeprefix(SITE)
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Profile.objects.get(user=author).notify_comments


def another_first_character(token: str) -> str:
    # Changing the user id the token starts with must break its signature, whatever the id was.
    return ("3" if token[0] == "2" else "2") + token[1:]


@pytest.mark.parametrize("mangle", [lambda token: token[:-2], another_first_character, lambda token: "nonsense"])
def test_a_forged_or_mangled_token_changes_nothing(user, author, mangle):
    token = notifications.unsubscribe_token(author)
    response = Client().post(f"/notifications/unsubscribe/{mangle(token)}/")
    assert response.status_code == 404
    assert "does not work" in response.content.decode()
    assert Profile.objects.get(user=author).notify_comments
    assert Profile.objects.get(user=user).notify_comments


def test_users_switch_comment_emails_in_their_profile_settings(author):
    client = Client()
    client.force_login(author)
    form = client.get("/settings/profile/").content.decode()
    assert 'name="notify_comments"' in form and "checked" in form
    client.post("/settings/profile/", {"display_name": "Grace Hopper", "bio": ""})
    assert not Profile.objects.get(user=author).notify_comments
    client.post("/settings/profile/", {"display_name": "Grace Hopper", "bio": "", "notify_comments": "on"})
    assert Profile.objects.get(user=author).notify_comments


# ---- Anonymity --------------------------------------------------------------------------------


def test_mail_about_an_anonymous_summary_never_names_its_author(post, user, other_user, author, paper):
    summary = SummaryFactory(paper=paper, author=author, is_anonymous=True)
    question = post(user, summary, "Who wrote this?")
    mail.outbox.clear()

    post(author, summary, "The author answers.", parent=question)
    post(other_user, summary, "A third voice.")
    to_ada = [message for message in mail.outbox if message.to == ["ada@example.org"]]
    assert len(to_ada) == 2
    for message in to_ada:
        text = message.message().as_string()
        assert "hopper" not in text.lower()
    assert "Summary author replied to a comment" in to_ada[0].body


def test_the_email_has_an_html_part_whose_math_is_mathml(post, user, author, summary):
    post(user, summary, "What about $x^2$? See \\cite{1601.06759}.")
    [(html, mime)] = mail.outbox[0].alternatives
    assert mime == "text/html"
    # MathML that any mail program can show, without KaTeX's visual markup (it needs KaTeX's CSS).
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><msup><mi>x</mi><mn>2</mn></msup>' in html
    assert "katex-html" not in html and "<script" not in html
    assert f'href="{SITE}/paper/1601.06759/"' in html
