"""Voting: one vote per reader per summary, never on your own, score kept exact."""

import pytest
from django.test import Client

from summaries import services
from summaries.models import Summary, Vote
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def summary(paper, other_user):
    return SummaryFactory(paper=paper, author=other_user)


def vote(client, summary, value, **headers):
    return client.post(f"/summary/{summary.pk}/vote/", {"value": value, "next": "/"}, **headers)


def score_of(summary):
    return Summary.objects.get(pk=summary.pk).score


def test_up_down_and_take_back(client, user, summary):
    client.force_login(user)
    assert vote(client, summary, "up").status_code == 302
    assert score_of(summary) == 1
    vote(client, summary, "up")
    assert score_of(summary) == 1, "voting twice counts once"
    vote(client, summary, "down")
    assert score_of(summary) == -1
    vote(client, summary, "clear")
    assert score_of(summary) == 0
    assert not Vote.objects.exists()


def test_without_javascript_the_vote_returns_to_the_page(client, user, summary):
    client.force_login(user)
    assert vote(client, summary, "up")["Location"] == "/"


def test_unsafe_next_is_ignored(client, user, summary):
    client.force_login(user)
    response = client.post(f"/summary/{summary.pk}/vote/", {"value": "up", "next": "https://evil.example/"})
    assert response["Location"] == f"/summary/{summary.pk}/"


def test_javascript_gets_the_new_score_as_json(client, user, summary):
    client.force_login(user)
    response = vote(client, summary, "down", HTTP_ACCEPT="application/json")
    assert response.json() == {"score": -1, "vote": -1}


def test_scores_add_up_over_voters(client, summary):
    for n in range(3):
        voter = UserFactory()
        client.force_login(voter)
        vote(client, summary, "up" if n else "down")
    assert score_of(summary) == 1


def test_you_cannot_vote_on_your_own_summary(client, other_user, summary):
    client.force_login(other_user)
    response = vote(client, summary, "up", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert score_of(summary) == 0
    with pytest.raises(PermissionError):
        services.vote_cast(summary=summary, voter=other_user, value=Vote.UP)


def test_votes_need_login_post_and_csrf(user, summary):
    anonymous = Client()
    assert "/accounts/login/" in vote(anonymous, summary, "up")["Location"]
    assert score_of(summary) == 0
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert vote(strict, summary, "up").status_code == 403
    strict_get = strict.get(f"/summary/{summary.pk}/vote/")
    assert strict_get.status_code == 405
    assert score_of(summary) == 0


def test_bad_vote_value_is_a_clear_400(client, user, summary):
    client.force_login(user)
    response = vote(client, summary, "sideways")
    assert response.status_code == 400
    assert "up, down or clear" in response.content.decode()


def test_hidden_summaries_cannot_be_voted_on(client, user, summary):
    Summary.objects.filter(pk=summary.pk).update(is_hidden=True)
    client.force_login(user)
    assert vote(client, summary, "up").status_code == 404


def test_card_shows_the_viewers_own_vote(client, user, summary):
    client.force_login(user)
    vote(client, summary, "up")
    html = client.get("/").content.decode()
    assert 'class="vote-up active"' in html
    assert 'value="clear"' in html


# ---- Voting before logging in: the buttons are there, the vote waits for the log-in ----


def log_in(client, user):
    return client.post("/accounts/login/", {"login": user.username, "password": "correct horse battery staple"}, follow=True)


def click_as_visitor(client, summary, value, next_url="/"):
    return client.get(f"/summary/{summary.pk}/vote/after-login/", {"value": value, "next": next_url})


def test_visitors_see_named_vote_buttons_on_a_page_without_a_csrf_token(client, summary):
    html = client.get("/").content.decode()
    assert f'<form method="get" action="/summary/{summary.pk}/vote/after-login/" class="vote-form" data-login-first>' in html
    assert '<span class="visually-hidden">Upvote</span>' in html and '<span class="visually-hidden">Downvote</span>' in html
    # No token: the page is the same for every visitor, so it can be cached whole.
    assert "csrfmiddlewaretoken" not in html


def test_a_visitors_vote_is_cast_once_they_log_in(client, user, summary):
    response = click_as_visitor(client, summary, "up", next_url=f"/?page=1#summary-{summary.pk}")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2F%3Fpage%3D1%23summary-" + str(summary.pk)
    assert score_of(summary) == 0

    landed = log_in(client, user)
    assert score_of(summary) == 1
    assert Vote.objects.get().voter == user
    assert "Your upvote is counted." in landed.content.decode()
    # Cast once: logging in again later does not vote again.
    client.logout()
    log_in(client, user)
    assert Vote.objects.count() == 1


def test_a_visitor_voting_on_their_own_summary_is_told_after_log_in(client, other_user, summary):
    click_as_visitor(client, summary, "down")
    landed = log_in(client, other_user)
    assert score_of(summary) == 0
    assert "your own summary" in landed.content.decode()


def test_the_last_click_before_logging_in_is_the_vote(client, user, summary):
    click_as_visitor(client, summary, "up")
    click_as_visitor(client, summary, "down")
    log_in(client, user)
    assert score_of(summary) == -1


def test_a_click_long_before_the_log_in_counts_for_nothing(client, user, summary, monkeypatch):
    """Another site could plant the click (it is a GET): only a log-in soon after it casts the vote."""
    import time

    click_as_visitor(client, summary, "up")
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    log_in(client, user)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not Vote.objects.exists()


def test_a_summary_hidden_before_the_log_in_gets_no_vote(client, user, summary):
    click_as_visitor(client, summary, "up")
    Summary.objects.filter(pk=summary.pk).update(is_hidden=True)
    log_in(client, user)
    assert not Vote.objects.exists()


def test_the_visitors_button_keeps_only_same_site_addresses(client, summary):
    response = click_as_visitor(client, summary, "up", next_url="https://evil.example/")
    assert response["Location"] == f"/accounts/login/?next=%2Fsummary%2F{summary.pk}%2F"


def test_a_logged_in_reader_on_the_visitors_button_just_goes_back(client, user, summary):
    client.force_login(user)
    assert click_as_visitor(client, summary, "up", next_url="/?page=1")["Location"] == "/?page=1"
    assert not Vote.objects.exists()


def test_javascript_is_told_to_log_in(client, summary):
    response = vote(client, summary, "up", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["login"].startswith("/accounts/login/?next=")
