"""Following papers, authors and arXiv categories: buttons, /following/, and the weekly digest email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from summaries import following
from summaries.models import Follow, Summary
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def _follow(client, **data):
    return client.post("/following/follow/", {"next": "/somewhere/", **data})


@pytest.fixture
def reader(client, user):
    client.force_login(user)
    return user


# --- Following and unfollowing ---


def test_follow_a_paper_an_author_and_a_category(client, reader, paper):
    assert _follow(client, kind="paper", paper=paper.pk)["Location"] == "/somewhere/"
    _follow(client, kind="author", name="  Nal   Kalchbrenner ")
    _follow(client, kind="category", name="cs.CV")
    assert set(Follow.objects.filter(follower=reader).values_list("kind", "paper", "name")) == {
        ("paper", paper.pk, ""),
        ("author", None, "Nal Kalchbrenner"),
        ("category", None, "cs.CV"),
    }


def test_following_twice_is_following_once_and_unfollow_removes(client, reader, paper):
    _follow(client, kind="author", name="Alan Turing")
    _follow(client, kind="author", name="Alan Turing")
    assert Follow.objects.filter(follower=reader).count() == 1
    response = client.post("/following/unfollow/", {"kind": "author", "name": "Alan Turing"})
    assert response["Location"] == "/following/"
    assert not Follow.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "category", "name": "not a category!"},
        {"kind": "author", "name": "   "},
        {"kind": "author", "name": "x" * 301},
        {"kind": "paper"},
        {"kind": "planet", "name": "Mars"},
    ],
)
def test_invalid_follows_are_refused(client, reader, data):
    assert _follow(client, **data).status_code == 400
    assert not Follow.objects.exists()


def test_unknown_paper_is_404(client, reader):
    assert _follow(client, kind="paper", paper=999999).status_code == 404


def test_following_needs_login_post_and_csrf(client, user, paper):
    assert "/accounts/login/" in _follow(client, kind="paper", paper=paper.pk)["Location"]
    assert "/accounts/login/" in client.get("/following/")["Location"]
    client.force_login(user)
    assert client.get("/following/follow/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/following/follow/", {"kind": "paper", "paper": paper.pk}).status_code == 403
    assert not Follow.objects.exists()


def test_the_next_url_must_be_on_this_site(client, reader, paper):
    response = client.post("/following/follow/", {"kind": "paper", "paper": paper.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/following/"


def test_paper_page_has_follow_buttons_for_the_paper_its_authors_and_categories(client, reader, paper):
    html = client.get("/paper/1601.06759/").content.decode()
    assert "+ Follow this paper" in html
    assert "+ Follow Aaron van den Oord" in html and "+ Follow Koray Kavukcuoglu" in html
    assert "+ Follow cs.LG" in html
    assert 'name="csrfmiddlewaretoken"' in html
    _follow(client, kind="paper", paper=paper.pk)
    _follow(client, kind="author", name="Nal Kalchbrenner")
    html = client.get("/paper/1601.06759/").content.decode()
    assert "✓ Following this paper" in html and "✓ Following Nal Kalchbrenner" in html
    assert "+ Follow Aaron van den Oord" in html


def test_anonymous_readers_are_invited_to_log_in_to_follow(client, paper):
    html = client.get("/paper/1601.06759/").content.decode()
    assert "to follow this paper, its authors or its categories" in html
    assert "/following/follow/" not in html


def test_paper_page_query_count_does_not_depend_on_the_number_of_authors(client, reader, django_assert_max_num_queries):
    few = PaperFactory(authors=["One Author"], categories=["cs.LG"])
    many = PaperFactory(authors=[f"Author {n}" for n in range(30)], categories=["cs.LG", "stat.ML", "cs.AI"])
    for paper in (few, many):  # the first view of a paper stores its typeset title (one more query)
        client.get(paper.get_absolute_url())
    with django_assert_max_num_queries(20) as small:
        client.get(few.get_absolute_url())
    with django_assert_max_num_queries(20) as large:
        client.get(many.get_absolute_url())
    assert len(large.captured_queries) == len(small.captured_queries)


def test_category_page_has_a_follow_button(client, reader):
    html = client.get("/papers/category/cs.LG/").content.decode()
    assert "+ Follow cs.LG" in html
    _follow(client, kind="category", name="cs.LG")
    assert "✓ Following cs.LG" in client.get("/papers/category/cs.LG/").content.decode()


# --- /following/ ---


@pytest.fixture
def followed_world(reader, paper, other_user):
    """Ada follows the PixelRNN paper, the author Grace Hopper and the category q-bio.NC."""
    Follow.objects.create(follower=reader, kind="paper", paper=paper)
    Follow.objects.create(follower=reader, kind="author", name="Grace Hopper")
    Follow.objects.create(follower=reader, kind="category", name="q-bio.NC")
    grace = PaperFactory(title="Compilers for everyone", authors=["Grace Hopper", "Someone Else"], categories=["cs.PL"])
    brains = PaperFactory(title="Neurons that fire together", authors=["Donald Hebb"], categories=["cs.LG", "q-bio.NC"])
    elsewhere = PaperFactory(title="Unrelated work", authors=["Grace Hoppers"], categories=["q-bio.NCX"])
    return {
        "by_paper": SummaryFactory(paper=paper, body="About PixelRNN."),
        "by_author": SummaryFactory(paper=grace, body="About compilers."),
        "by_category": SummaryFactory(paper=brains, body="About neurons."),
        "unrelated": SummaryFactory(paper=elsewhere, body="About something else."),
        "private": SummaryFactory(paper=grace, body="Private notes on compilers.", is_private=True),
        "hidden": SummaryFactory(paper=brains, body="Hidden spam about neurons.", is_hidden=True),
        "anonymous": SummaryFactory(paper=paper, author=other_user, body="Anonymous take on PixelRNN.", is_anonymous=True),
    }


def test_following_feed_shows_public_summaries_from_each_kind_newest_first(client, followed_world):
    for age, key in enumerate(["anonymous", "by_category", "by_author", "by_paper"]):
        Summary.objects.filter(pk=followed_world[key].pk).update(created_at=timezone.now() - timedelta(hours=age))
    html = client.get("/following/").content.decode()
    bodies = ["Anonymous take on PixelRNN.", "About neurons.", "About compilers.", "About PixelRNN."]
    assert all(body in html for body in bodies)
    assert sorted(bodies, key=html.index) == bodies
    for absent in ["About something else.", "Private notes on compilers.", "Hidden spam about neurons."]:
        assert absent not in html


def test_following_feed_keeps_anonymous_authors_anonymous(client, followed_world):
    html = client.get("/following/").content.decode()
    assert "Anonymous take on PixelRNN." in html
    assert "/user/grace/" not in html and ">grace<" not in html


def test_following_page_lists_what_is_followed_with_unfollow_buttons(client, followed_world):
    html = client.get("/following/").content.decode()
    assert 'Paper: <a href="/paper/1601.06759/">Pixel Recurrent Neural Networks</a>' in html
    assert "Author: Grace Hopper" in html
    assert 'Category: <a href="/papers/category/q-bio.NC/">q-bio.NC</a>' in html
    assert html.count('action="/following/unfollow/"') == 3


def test_following_nothing_explains_how_to_start(client, reader):
    assert "You follow nothing yet" in client.get("/following/").content.decode()


def test_following_feed_query_count_is_fixed(client, reader, settings, django_assert_max_num_queries):
    settings.FEED_PAGE_SIZE = 50
    Follow.objects.create(follower=reader, kind="author", name="Alan Turing")
    Follow.objects.create(follower=reader, kind="category", name="cs.LG")
    writer = UserFactory(username="writer")
    for _ in range(3):
        SummaryFactory(author=writer)
    with django_assert_max_num_queries(10) as small:
        client.get("/following/")
    for _ in range(20):
        SummaryFactory(author=writer)
    Follow.objects.create(follower=reader, kind="paper", paper=PaperFactory())
    with django_assert_max_num_queries(10) as large:
        html = client.get("/following/").content.decode()
    assert html.count('<article class="card') == 23
    assert len(large.captured_queries) == len(small.captured_queries)


def test_json_matching_is_exact_element_matching(reader):
    follows = [Follow(kind="author", name="Ada Lovelace"), Follow(kind="category", name="cs.L")]
    SummaryFactory(paper=PaperFactory(authors=["Ada Lovelace"]), body="Exact.")
    SummaryFactory(paper=PaperFactory(authors=["Ada Lovelace-Byron"], categories=["cs.LG"]), body="Prefix only.")
    bodies = [s.body for s in following.following_cards(viewer=reader, follows=follows)]
    assert bodies == ["Exact."]


# --- Weekly digest ---


@pytest.fixture
def digest_world(user, other_user, paper):
    """Ada opted in and follows a paper and a category; Grace follows the same paper but did not opt in."""
    user.profile.weekly_digest = True
    user.profile.save()
    Follow.objects.create(follower=user, kind="paper", paper=paper)
    Follow.objects.create(follower=user, kind="category", name="stat.ML")
    Follow.objects.create(follower=other_user, kind="paper", paper=paper)
    writer = UserFactory(username="writer")
    writer.profile.display_name = "Wendy Writer"
    writer.profile.save()
    stats = PaperFactory(title="Statistical learning", categories=["stat.ML"])
    summaries = {
        "signed": SummaryFactory(paper=paper, author=writer, body="Fresh signed summary."),
        "anonymous": SummaryFactory(paper=stats, author=writer, body="Fresh anonymous summary.", is_anonymous=True),
        "private": SummaryFactory(paper=PaperFactory(title="Secret stats", categories=["stat.ML"]), author=writer, is_private=True),
        "old": SummaryFactory(paper=PaperFactory(title="Old stats", categories=["stat.ML"]), author=writer),
        "unfollowed": SummaryFactory(paper=PaperFactory(title="Nobody follows this", categories=["cs.CR"]), author=writer),
    }
    Summary.objects.filter(pk=summaries["old"].pk).update(created_at=timezone.now() - timedelta(days=8))
    return summaries


def test_digest_emails_opted_in_readers_their_weeks_summaries(digest_world, user, settings):
    settings.SITE_URL = "https://shortscience.test"
    call_command("send_weekly_digest", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "2 new summaries in what you follow on ShortScience"
    assert "Pixel Recurrent Neural Networks\nSummary by Wendy Writer" in message.body
    assert "Statistical learning\nSummary by Anonymous" in message.body
    assert f"https://shortscience.test/summary/{digest_world['signed'].pk}/" in message.body
    for absent in ["Secret stats", "Old stats", "Nobody follows this"]:
        assert absent not in message.body
    assert message.body.count("Wendy Writer") == 1  # the anonymous summary does not name her
    assert "https://shortscience.test/settings/profile/" in message.body


def test_digest_skips_readers_with_nothing_new_and_their_own_summaries(digest_world, user):
    Summary.objects.filter(pk__in=[digest_world["signed"].pk, digest_world["anonymous"].pk]).delete()
    SummaryFactory(paper=PaperFactory(categories=["stat.ML"]), author=user, body="Ada's own.")
    call_command("send_weekly_digest", stdout=open("/dev/null", "w"))
    assert mail.outbox == []


def test_a_second_run_the_same_week_sends_only_what_is_newer(digest_world, user, paper):
    call_command("send_weekly_digest", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    user.profile.refresh_from_db()
    assert user.profile.digest_sent_through is not None

    mail.outbox.clear()
    call_command("send_weekly_digest", stdout=open("/dev/null", "w"))  # a retried cron job
    assert mail.outbox == []

    SummaryFactory(paper=paper, author=UserFactory(username="latecomer"), body="Written after the digest.")
    call_command("send_weekly_digest", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "1 new summary in what you follow on ShortScience"


def test_readers_sent_before_a_failure_are_not_sent_again(digest_world, user, paper, monkeypatch):
    second = UserFactory(username="second", email="second@example.org")
    second.profile.weekly_digest = True
    second.profile.save()
    Follow.objects.create(follower=second, kind="paper", paper=paper)
    real_send = mail.backends.locmem.EmailBackend.send_messages

    def fails_for_the_second_reader(backend, messages):
        if messages[0].to == ["second@example.org"]:
            raise OSError("SMTP went away")
        return real_send(backend, messages)

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", fails_for_the_second_reader)
    with pytest.raises(OSError):
        following.weekly_digests_send(since=timezone.now() - timedelta(days=7))
    monkeypatch.undo()
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]

    mail.outbox.clear()
    assert following.weekly_digests_send(since=timezone.now() - timedelta(days=7)) == 1
    assert [message.to for message in mail.outbox] == [["second@example.org"]]


def test_digest_queries_do_not_grow_with_readers(digest_world, paper, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as one_reader:
        following.weekly_digests_send(since=timezone.now() - timedelta(days=7))
    for n in range(5):
        reader = UserFactory(username=f"digest{n}")
        reader.profile.weekly_digest = True
        reader.profile.save()
        Follow.objects.create(follower=reader, kind="paper", paper=paper)
        Follow.objects.create(follower=reader, kind="author", name="Aaron van den Oord")
    mail.outbox.clear()
    with django_assert_max_num_queries(6) as six_readers:
        sent = following.weekly_digests_send(since=timezone.now() - timedelta(days=7))
    assert sent == len(mail.outbox) == 5  # the first reader had hers already
    assert len(six_readers.captured_queries) == len(one_reader.captured_queries)


def test_weekly_digest_is_a_profile_setting(client, user):
    client.force_login(user)
    assert 'name="weekly_digest"' in client.get("/settings/profile/").content.decode()
    client.post("/settings/profile/", {"display_name": "Ada", "bio": "", "weekly_digest": "on"})
    user.profile.refresh_from_db()
    assert user.profile.weekly_digest is True
    client.post("/settings/profile/", {"display_name": "Ada", "bio": ""})
    user.profile.refresh_from_db()
    assert user.profile.weekly_digest is False


@pytest.mark.parametrize("kind, name", [("author", "Ashish Vaswani"), ("category", "cs.LG")])
def test_the_database_refuses_a_second_identical_follow(reader, kind, name):
    Follow.objects.create(follower=reader, kind=kind, name=name)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=reader, kind=kind, name=name)
