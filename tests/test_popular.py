"""The Popular tab: recent upvotes and views, decaying with age, computed in SQL; counting permalink views."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from summaries import popularity, services, view_counting
from summaries.models import Summary, SummaryView, SummaryViewCount, Vote
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (Macintosh) Safari/605"


def _age(summary, **delta):
    Summary.objects.filter(pk=summary.pk).update(created_at=timezone.now() - timedelta(**delta))


@pytest.fixture
def voters(db):
    return [UserFactory() for _ in range(3)]


def _upvote(summary, voters, *, days_ago: float = 0):
    for voter in voters:
        services.vote_cast(summary=summary, voter=voter, value=Vote.UP)
    if days_ago:
        Vote.objects.filter(summary=summary).update(created_at=timezone.now() - timedelta(days=days_ago))


def _order(html: str, *bodies: str) -> list[str]:
    return sorted(bodies, key=html.index)


def _popularity(summary) -> float:
    return Summary.objects.annotate(p=popularity.popularity_expression()).get(pk=summary.pk).p


def test_a_recent_well_voted_summary_outranks_an_old_high_score_one(client, voters):
    old = SummaryFactory(body="Old classic.", score=50, view_count=2000)
    _age(old, days=60)
    fresh = SummaryFactory(body="Fresh and liked.")
    _upvote(fresh, voters)
    _age(fresh, hours=5)
    SummaryFactory(body="Fresh, nobody cares.")

    html = client.get("/?order=popular").content.decode()
    assert _order(html, "Old classic.", "Fresh and liked.", "Fresh, nobody cares.")[0] == "Fresh and liked."
    assert 'class="active" aria-current="page">Popular' in html
    top = client.get("/?order=top").content.decode()
    assert _order(top, "Old classic.", "Fresh and liked.")[0] == "Old classic."


def test_votes_from_this_week_count_more_than_older_votes(client, voters):
    recent_votes = SummaryFactory(body="Voted this week.")
    old_votes = SummaryFactory(body="Voted last month.")
    _upvote(recent_votes, voters[:2])
    _upvote(old_votes, voters[:2], days_ago=20)
    same_time = timezone.now() - timedelta(days=1)
    Summary.objects.filter(pk__in=[recent_votes.pk, old_votes.pk]).update(created_at=same_time)
    html = client.get("/?order=popular").content.decode()
    assert _order(html, "Voted this week.", "Voted last month.") == ["Voted this week.", "Voted last month."]


def test_views_lift_a_summary_and_downvotes_sink_one(client):
    read = SummaryFactory(body="Much read.", view_count=300)
    plain = SummaryFactory(body="Plain.")
    downvoted = SummaryFactory(body="Disliked.", score=-3)
    same_time = timezone.now() - timedelta(hours=10)
    Summary.objects.filter(pk__in=[read.pk, plain.pk, downvoted.pk]).update(created_at=same_time)
    html = client.get("/?order=popular").content.decode()
    assert _order(html, "Plain.", "Much read.", "Disliked.") == ["Much read.", "Plain.", "Disliked."]


def test_the_sql_matches_the_documented_formula(voters):
    summary = SummaryFactory(view_count=55)
    _upvote(summary, voters)  # score 3
    Vote.objects.filter(pk=Vote.objects.filter(summary=summary).first().pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )  # one of the three falls out of the 7-day window
    _age(summary, hours=30)
    expected = (2 * 2 + 55 / 10 + 3) / (30 + 2) ** 1.5
    assert _popularity(summary) == pytest.approx(expected, rel=1e-3)


def test_a_brand_new_summary_does_not_divide_by_zero():
    summary = SummaryFactory(view_count=10)
    assert _popularity(summary) == pytest.approx(1 / 2**1.5, rel=1e-2)


@pytest.mark.parametrize("logged_in", [False, True])
def test_popular_feed_query_count_does_not_grow(
    client, user, other_user, make_summaries, django_assert_max_num_queries, settings, logged_in
):
    settings.FEED_PAGE_SIZE = 50
    if logged_in:
        client.force_login(user)
    author = UserFactory(username="prolific")
    for summary in make_summaries(5, author=author):
        _upvote(summary, [other_user])
    with django_assert_max_num_queries(8) as small:
        client.get("/?order=popular")
    for summary in make_summaries(45, author=author):
        _upvote(summary, [other_user])
    with django_assert_max_num_queries(8) as large:
        html = client.get("/?order=popular").content.decode()
    assert html.count('class="card') >= 50
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Counting views ---


def _views(summary) -> int:
    return SummaryViewCount.objects.filter(summary=summary).values_list("count", flat=True).first() or 0


def test_a_view_counts_once_per_reader_per_day(client, other_user, monkeypatch):
    summary = SummaryFactory()
    for _ in range(3):  # reloading the page
        client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(summary) == 1
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=SAFARI)  # another visitor
    client.force_login(other_user)
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(summary) == 3

    # The next day the same reader counts again, and the record of who read it the day before yesterday can go.
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *args: today + timedelta(days=1))
    client.logout()
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(summary) == 4
    monkeypatch.setattr(timezone, "localdate", lambda *args: today + timedelta(days=2))
    assert popularity.summary_views_purge() == 3
    assert SummaryView.objects.count() == 1


def test_three_hundred_reloads_do_not_move_a_summary_up_popular(client):
    reloaded = SummaryFactory(body="Reloaded.")
    for _ in range(300):
        client.get(reloaded.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(reloaded) == 1


def test_a_reader_another_process_counted_today_counts_nothing(client):
    summary = SummaryFactory()
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    view_counting._noted.clear()  # as another process, which never saw this reader
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=SAFARI)
    assert _views(summary) == 2


def _views_by_new_readers(client, summary, readers: int) -> None:
    for number in range(readers):
        client.get(summary.get_absolute_url(), HTTP_USER_AGENT=f"{BROWSER} reader/{number}")


def test_views_are_written_a_moment_later_in_two_statements_however_many_readers_came(client, settings):
    settings.VIEW_COUNT_FLUSH_SECONDS = 60
    busy, quiet = SummaryFactory(), SummaryFactory()
    for readers in (3, 40):
        _views_by_new_readers(client, busy, readers)
        _views_by_new_readers(client, quiet, 1)
        assert _views(busy) == (0 if readers == 3 else 3)  # nothing written on the requests' path
        with CaptureQueriesContext(connection) as flush:
            view_counting.summary_views_flush()
        writes = [query["sql"] for query in flush.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert len(writes) == 2
    # Readers 0-2 came back in the second round, and the quiet summary's one reader: each counted once.
    assert (_views(busy), _views(quiet)) == (40, 1)


def test_every_flush_writes_its_rows_in_one_order_so_two_flushes_never_deadlock(client, settings):
    settings.VIEW_COUNT_FLUSH_SECONDS = 60
    first, second = SummaryFactory(), SummaryFactory()
    for summary in (second, first):
        for number in (3, 1, 2):  # noted out of order
            client.get(summary.get_absolute_url(), HTTP_USER_AGENT=f"{BROWSER} reader/{number}")
    view_counting.summary_views_flush()
    written = list(SummaryView.objects.order_by("pk").values_list("summary_id", "reader"))
    assert written == sorted(written) and len(written) == 6


def test_a_view_of_a_summary_deleted_before_the_flush_counts_nothing_and_the_rest_go_in(client, settings):
    settings.VIEW_COUNT_FLUSH_SECONDS = 60
    kept, deleted = SummaryFactory(), SummaryFactory()
    _views_by_new_readers(client, kept, 2)
    _views_by_new_readers(client, deleted, 2)
    Summary.objects.filter(pk=deleted.pk).delete()
    assert view_counting.summary_views_flush() == 2
    assert _views(kept) == 2


def test_counting_a_view_does_not_rewrite_the_summary_row(client):
    summary = SummaryFactory()
    before = Summary.objects.values_list("updated_at", flat=True).get(pk=summary.pk)
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(summary) == 1
    assert Summary.objects.values_list("updated_at", flat=True).get(pk=summary.pk) == before


def test_the_authors_own_views_and_robots_do_not_count(client, user):
    summary = SummaryFactory(author=user)
    client.force_login(user)
    client.get(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    client.logout()
    for agent in ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0", "python-requests/2.32", ""]:
        client.get(summary.get_absolute_url(), HTTP_USER_AGENT=agent)
    client.head(summary.get_absolute_url(), HTTP_USER_AGENT=BROWSER)
    assert _views(summary) == 0


def test_a_missing_summary_counts_nothing(client):
    assert client.get("/summary/999999/", HTTP_USER_AGENT=BROWSER).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_views_show_in_the_counts_within_two_seconds_written_by_the_process_itself(client, settings):
    settings.VIEW_COUNT_FLUSH_SECONDS = 60
    summary = SummaryFactory()
    _views_by_new_readers(client, summary, 3)
    assert _views(summary) == 0
    settings.VIEW_COUNT_FLUSH_SECONDS = 0.3  # the flusher thread reads it within half a second
    deadline = time.monotonic() + 2
    while _views(summary) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _views(summary) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce a column's length")
def test_a_flush_the_database_refuses_is_logged_and_its_readers_count_when_they_come_back(settings, caplog):
    settings.VIEW_COUNT_FLUSH_SECONDS = 60
    summary = SummaryFactory()
    too_long = "visitor:" + "f" * 40  # longer than the reader column: PostgreSQL refuses the whole flush
    view_counting.summary_view_note(summary_id=summary.pk, reader=too_long)
    view_counting.summary_view_note(summary_id=summary.pk, reader="user:1")
    assert view_counting.summary_views_flush() == 0
    assert "2 views noted could not be written" in caplog.text
    view_counting.summary_view_note(summary_id=summary.pk, reader="user:1")  # they come back
    assert view_counting.summary_views_flush() == 1
    assert _views(summary) == 1
