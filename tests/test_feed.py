"""The welcome feed: summary cards, Recent and Top tabs, pagination, a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def test_card_shows_everything_a_reader_needs(client, paper, user):
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    paper.venue = "ICML"
    paper.save()
    summary = SummaryFactory(paper=paper, author=user, body="Pixels, one at a time: $x_{i,j}$.")
    html = client.get("/").content.decode()
    assert '<a href="/paper/1601.06759/">Pixel Recurrent Neural Networks</a>' in html
    assert "Aaron van den Oord, Nal Kalchbrenner and Koray Kavukcuoglu" in html
    assert "ICML 2016" in html
    assert summary.body_html in html
    assert '<a href="/user/ada/">Ada Lovelace</a>' in html
    assert f'<a class="permalink" href="/summary/{summary.pk}/">[link]</a>' in html
    assert 'aria-label="score">0<' in html
    # Math arrives typeset: KaTeX's stylesheet and fonts, never its script.
    assert "katex.min.css" in html and "KaTeX_Main-Regular.woff2" in html
    assert "katex.min.js" not in html and "auto-render" not in html


def test_long_author_lists_are_shortened(client):
    paper = PaperFactory(authors=[f"Author Number{n}" for n in range(12)])
    SummaryFactory(paper=paper)
    html = client.get("/").content.decode()
    assert "Author Number3 et al." in html
    assert "Author Number4" not in html


def test_user_text_in_titles_and_names_is_escaped(client, user):
    user.profile.display_name = "<script>alert('name')</script>"
    user.profile.save()
    SummaryFactory(paper=PaperFactory(title="<img src=x onerror=alert(1)>"), author=user)
    html = client.get("/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_recent_is_the_default_and_top_orders_by_score(client):
    old_good = SummaryFactory(body="Old but good.", score=10)
    Summary.objects.filter(pk=old_good.pk).update(created_at=timezone.now() - timedelta(days=30))
    SummaryFactory(body="New and meh.", score=1)
    recent = client.get("/").content.decode()
    assert recent.index("New and meh.") < recent.index("Old but good.")
    assert 'class="active" aria-current="page">Recent' in recent
    top = client.get("/?order=top").content.decode()
    assert top.index("Old but good.") < top.index("New and meh.")
    assert 'class="active" aria-current="page">Top' in top


def test_unknown_order_falls_back_to_recent(client):
    SummaryFactory()
    assert client.get("/?order=;drop").status_code == 200


def test_hidden_summaries_are_not_in_the_feed(client):
    SummaryFactory(body="Spam spam spam.", is_hidden=True)
    assert "Spam spam spam." not in client.get("/").content.decode()


def test_feed_is_paginated(client, settings):
    settings.FEED_PAGE_SIZE = 3
    for n in range(7):
        SummaryFactory(body=f"Summary number {n}.")
    first = client.get("/").content.decode()
    assert first.count('class="card"') == 3
    assert "Page 1 of 3" in first and 'rel="next" href="?order=recent&amp;page=2"' in first
    last = client.get("/?page=3").content.decode()
    assert last.count('class="card"') == 1
    assert client.get("/?page=999").status_code == 200
    assert client.get("/?page=abc").status_code == 200


def test_empty_feed_invites_contributions(client, db):
    assert "No summaries yet" in client.get("/").content.decode()


@pytest.mark.parametrize("logged_in", [False, True])
def test_feed_query_count_does_not_grow_with_cards(client, user, make_summaries, django_assert_max_num_queries, settings, logged_in):
    settings.FEED_PAGE_SIZE = 50
    if logged_in:
        client.force_login(user)
    make_summaries(5)
    with django_assert_max_num_queries(8) as small:
        client.get("/")
    make_summaries(45)
    with django_assert_max_num_queries(8) as large:
        html = client.get("/").content.decode()
    assert html.count('class="card"') == 50
    assert len(large.captured_queries) == len(small.captured_queries)
