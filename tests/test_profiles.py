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


def test_affiliation_website_and_orcid_are_saved_and_shown(client, user):
    client.force_login(user)
    response = client.post(
        "/settings/profile/",
        {"display_name": "Ada", "affiliation": "Analytical Society", "website": "https://ada.example/", "orcid": "https://orcid.org/0000-0002-1694-233x"},
    )
    assert response.status_code == 302
    user.profile.refresh_from_db()
    # The iD is kept bare and upper-case, whichever way it was typed.
    assert (user.profile.affiliation, user.profile.website, user.profile.orcid) == (
        "Analytical Society", "https://ada.example/", "0000-0002-1694-233X"
    )
    html = client.get("/user/ada/").content.decode()
    assert "<li>Analytical Society</li>" in html
    assert '<a href="https://ada.example/" rel="nofollow ugc noopener">https://ada.example/</a>' in html
    assert '<a href="https://orcid.org/0000-0002-1694-233X" rel="noopener">0000-0002-1694-233X</a>' in html


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("website", "javascript:alert(1)", "starting with http:// or https://"),
        ("website", "ftp://ada.example/", "starting with http:// or https://"),
        ("orcid", "0000-0002-1825-0098", "does not match the others (ISO 7064 checksum)"),  # 0097 is the valid one
        ("orcid", "1234", "four groups of four digits"),
    ],
)
def test_a_bad_website_or_orcid_is_refused_with_a_message_and_the_rest_is_kept(client, user, field, value, error):
    client.force_login(user)
    response = client.post("/settings/profile/", {"bio": "Kept bio.", field: value})
    html = response.content.decode()
    assert response.status_code == 200
    assert error in html and "Kept bio." in html
    user.profile.refresh_from_db()
    assert user.profile.bio == ""


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "0000000218250097", "http://orcid.org/0000-0002-1825-0097/"])
def test_orcid_ids_in_every_usual_spelling_are_accepted(orcid):
    from summaries.forms import orcid_normalised

    assert orcid_normalised(orcid) == "0000-0002-1825-0097"


def test_the_settings_page_is_laid_out_like_the_other_forms(client, user):
    client.force_login(user)
    html = client.get("/settings/profile/").content.decode()
    # Labels, help and grouped fields like the write form, not Django's bare as_div output.
    assert '<label for="id_orcid">ORCID iD</label>' in html
    assert '<p class="help" id="id_website_helptext">An http:// or https:// address.</p>' in html
    assert "<legend>About you</legend>" in html and "<legend>Emails</legend>" in html
