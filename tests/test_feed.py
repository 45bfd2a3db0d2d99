"""The welcome feed: summary cards, Recent and Top tabs, pagination, a fixed number of queries."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def test_card_shows_everything_a_reader_needs(client, paper, user):
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    paper.venue = "ICML"
    paper.published = date(2016, 1, 25)
    paper.save()
    summary = SummaryFactory(paper=paper, author=user, body="Pixels, one at a time: $x_{i,j}$.")
    html = client.get("/").content.decode()
    assert '<a href="/paper/1601.06759/">Pixel Recurrent Neural Networks</a>' in html
    assert "Aaron van den Oord, Nal Kalchbrenner and Koray Kavukcuoglu" in html
    assert "ICML 2016" in html
    assert '<time class="paper-date" datetime="2016-01-25">Jan 25, 2016</time>' in html
    assert '<a href="https://arxiv.org/abs/1601.06759" rel="noopener">arXiv' in html
    assert '<a href="https://arxiv.org/pdf/1601.06759v3" rel="noopener">PDF' in html
    assert summary.body_html in html  # short: the excerpt is all of it, with nothing more to read
    assert "Read more" not in html
    assert '<a href="/user/ada/">Ada Lovelace</a>' in html
    assert f'<a class="permalink" href="/summary/{summary.pk}/">[link]</a>' in html
    assert f'<a class="comment-count" href="/summary/{summary.pk}/#comments">0 comments</a>' in html
    assert '<span class="score">0</span>' in html
    # Math arrives typeset: KaTeX's stylesheet and fonts, never its script.
    assert "katex.min.css" in html and "KaTeX_Main-Regular.woff2" in html
    assert "katex.min.js" not in html and "auto-render" not in html


def test_a_long_summary_shows_an_excerpt_and_read_more(client):
    words = " ".join(f"word{n}" for n in range(400))
    summary = SummaryFactory(body=f"Opening line.\n\n{words}\n\n- a list\n- that comes later\n\nThe conclusion.")
    html = client.get("/").content.decode()
    assert "Opening line." in html and "word30 " in html
    assert "word399" not in html and "that comes later" not in html and "The conclusion." not in html
    assert f'<p class="read-more"><a href="/summary/{summary.pk}/">Read more' in html
    permalink = client.get(summary.get_absolute_url()).content.decode()
    assert "word399" in permalink and "The conclusion." in permalink and "Read more" not in permalink


def test_the_comment_count_counts_only_comments_readers_see(client, user):
    from summaries.comments import comment_delete, comment_post

    summary = SummaryFactory()
    comment_post(summary=summary, author=user, body="Nice.", parent=None)
    comment_post(summary=summary, author=user, body="Very nice.", parent=None)
    comment_delete(comment=comment_post(summary=summary, author=user, body="Oops.", parent=None), actor=user)
    assert f'href="/summary/{summary.pk}/#comments">2 comments</a>' in client.get("/").content.decode()


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
    assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
    last = client.get("/?page=3").content.decode()
    assert last.count('class="card"') == 1
    top = client.get("/?order=top&period=year&page=2").content.decode()
    assert 'rel="next" href="?order=top&amp;period=year&amp;page=3"' in top


@pytest.mark.parametrize("path", ["/?page=4", "/?page=99", "/?page=abc", "/?page=0", "/?order=top&page=99", "/users/?page=99"])
def test_a_page_past_the_last_is_not_found(client, settings, path):
    settings.FEED_PAGE_SIZE = 3
    for n in range(7):
        SummaryFactory(body=f"Summary number {n}.")
    assert client.get(path).status_code == 404


def test_an_empty_feed_has_its_first_page(client, db):
    assert client.get("/?page=1").status_code == 200


@pytest.mark.parametrize(
    "period, shown",
    [
        ("week", ["This week"]),
        ("month", ["This week", "This month"]),
        ("year", ["This week", "This month", "This year"]),
        ("all", ["This week", "This month", "This year", "Long ago"]),
        ("nonsense", ["This week", "This month", "This year", "Long ago"]),
    ],
)
def test_top_keeps_the_best_of_its_period(client, period, shown):
    ages = {"This week": 2, "This month": 20, "This year": 200, "Long ago": 900}
    for score, (body, days) in enumerate(ages.items()):
        summary = SummaryFactory(body=f"{body}.", score=score)
        Summary.objects.filter(pk=summary.pk).update(created_at=timezone.now() - timedelta(days=days))
    html = client.get("/", {"order": "top", "period": period}).content.decode()
    assert [body for body in ages if f"{body}." in html] == shown
    # Best first within the period.
    positions = [html.index(f"{body}.") for body in shown]
    assert positions == sorted(positions, reverse=True)
    expected_tab = period if period in {"week", "month", "year"} else "all"
    assert f'href="?order=top&amp;period={expected_tab}" class="active" aria-current="page"' in html


def test_the_period_applies_only_to_top(client):
    summary = SummaryFactory(body="Old news.")
    Summary.objects.filter(pk=summary.pk).update(created_at=timezone.now() - timedelta(days=900))
    assert "Old news." in client.get("/", {"period": "week"}).content.decode()
    assert 'aria-label="Period"' not in client.get("/").content.decode()


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


def test_counting_the_feeds_summaries_reads_a_small_index_not_the_wide_rows(make_summaries):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the partial index is PostgreSQL's plan")
    make_summaries(3)
    sql, params = Summary.objects.public().order_by().values("pk").query.sql_with_params()
    count_sql = sql.replace('SELECT "summaries_summary"."id"', "SELECT COUNT(*)", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here: ask what the index can do
        cursor.execute(f"EXPLAIN {count_sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using summary_public_recent" in plan, plan
