"""People: profile pages with their summaries, and editing one's own name and bio."""

import pytest

from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def test_profile_shows_name_bio_and_summaries(client, user, paper):
    user.profile.display_name = "Ada Lovelace"
    user.profile.bio = "Analytical engines."
    user.profile.save()
    SummaryFactory(paper=paper, author=user, body="About pixels.")
    SummaryFactory(body="Someone else's.")
    html = client.get("/user/ada/").content.decode()
    assert "<h1>Ada Lovelace</h1>" in html
    assert "Analytical engines." in html
    assert "About pixels." in html
    assert "Someone else&#x27;s." not in html and "Someone else's." not in html
    assert "1 summary" in html


def test_unknown_user_is_404(client, db):
    assert client.get("/user/nobody/").status_code == 404


def test_users_edit_their_own_display_name_and_bio(client, user):
    client.force_login(user)
    response = client.post("/settings/profile/", {"display_name": "Countess", "bio": "Poetical science."})
    assert response["Location"] == "/user/ada/"
    user.profile.refresh_from_db()
    assert (user.profile.display_name, user.profile.bio) == ("Countess", "Poetical science.")


def test_profile_edit_requires_login_and_keeps_input_on_error(client, user):
    assert "/accounts/login/" in client.get("/settings/profile/")["Location"]
    client.force_login(user)
    response = client.post("/settings/profile/", {"display_name": "x" * 101, "bio": "Kept bio."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kept bio." in html
    assert "at most 100 characters" in html
