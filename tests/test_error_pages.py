"""Error pages speak to readers in the site's own words, never in Django's."""

import pytest
from django.test import Client

from tests.factories import SummaryFactory


@pytest.mark.parametrize("path", ["/no/such/page/", "/user/nobody/", "/summary/999999/", "/venue/Nowhere/"])
def test_not_found_pages_say_so_plainly(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is nothing at this address." in html
    for internal in ("Resolver404", "matches the given query", ".."):
        assert internal not in html
    assert 'href="/search/"' in html


def test_a_private_summary_is_not_found_in_the_same_words(client, db):
    summary = SummaryFactory(is_private=True)
    response = client.get(summary.get_absolute_url())
    assert response.status_code == 404
    assert "There is nothing at this address." in response.content.decode()


# ---- Control characters and other input no page takes: a 4xx that says so, never a 500 ----------


NOTHING_HERE, CONTROL_CHARACTER = "There is nothing at this address", "contained a control character"


@pytest.mark.parametrize(
    "path, status, message",
    [
        # In the address it names nothing; in a query it is a request no page can answer.
        ("/paper/10.1234%2F%00/", 404, NOTHING_HERE), ("/user/%00/", 404, NOTHING_HERE),
        ("/feeds/user/%00.atom", 404, NOTHING_HERE), ("/papers/category/cs.%7f/", 404, NOTHING_HERE),
        ("/lookup/?q=10.1234/%00", 400, CONTROL_CHARACTER), ("/summaries/new/?paper=10.1234/%00", 400, CONTROL_CHARACTER),
        ("/search/?q=nul%00byte", 400, CONTROL_CHARACTER), ("/?page=%01", 400, CONTROL_CHARACTER),
    ],
)  # fmt: skip
def test_a_control_character_in_an_address_or_query_is_refused_in_words(client, user, path, status, message):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == status
    assert message in response.content.decode()


def test_a_nul_in_a_form_field_is_a_bad_request_and_nothing_is_stored(client, user):
    from summaries.models import Follow

    client.force_login(user)
    response = client.post("/following/follow/", {"kind": "author", "name": "Ada\x00Lovelace"})
    assert response.status_code == 400
    assert not Follow.objects.exists()


def test_form_text_keeps_the_control_characters_a_paste_brings(client, user, paper):
    client.force_login(user)
    response = client.post("/summaries/new/?paper=1601.06759", {"body": "Page one\x0cpage two", "preview": "1"})
    assert response.status_code == 200


def test_a_doi_longer_than_any_paper_can_hold_is_not_found_in_words(client, user):
    client.force_login(user)
    response = client.get("/lookup/", {"q": "10.1234/" + "x" * 400})
    assert response.status_code == 404
    assert "is not a valid DOI" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/tools/", "/search/?q=attention", "/accounts/login/"])
def test_a_host_the_site_does_not_serve_is_a_bad_request_not_a_server_error(db, path):
    client = Client(raise_request_exception=False)  # as the server answers
    response = client.get(path, HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode() and "attacker.example" not in response.content.decode()
