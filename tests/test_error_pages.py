"""Error pages speak to readers in the site's own words, never in Django's."""

import pytest

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
