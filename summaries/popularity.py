"""The Popular feed tab: summaries ranked by recent upvotes and views, decaying with age, computed in SQL.

    popularity = (2 * upvotes_last_7_days + views / 10 + score) / (age_hours + 2) ** 1.5

upvotes_last_7_days counts +1 votes cast in the last week, so fresh attention counts most; score (the net
all-time vote total) is a small bonus that also lets a downvoted summary sink; ten permalink views weigh as
much as one point of score. A view counts once per reader per day (`summary_view_record`), so reloading a page
does not move a summary up. The denominator is Hacker News style gravity: a summary loses its place within
days unless readers keep voting for it, and the + 2 keeps a brand-new summary from dividing by zero. Ties
fall back to Recent order.

The whole expression is evaluated by the database against its own clock (Now()), so one ordering works on
PostgreSQL and SQLite alike and a Popular page costs the same queries as a Recent one. It is computed for
every public summary on each request (recent upvotes come from a correlated subquery on the one-vote-per-
voter index); if that ever shows up in profiles, store the value in a column refreshed every few minutes.
"""

import re
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, FloatField, Func, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Greatest, Now, Power
from django.utils import timezone

from shortscience import page_cache
from summaries.models import SummaryView, SummaryViewCount, Vote

SECONDS_PER_DAY = 24 * 60 * 60
RECENT_VOTE_WINDOW = timedelta(days=7)
RECENT_UPVOTE_WEIGHT = 2.0
VIEWS_PER_POINT = 10.0
AGE_OFFSET_HOURS = 2.0
GRAVITY = 1.5


class ExtractEpoch(Func):
    """Seconds since 1970-01-01 UTC of a timestamp, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps timestamps as UTC text; julianday() parses it, and day 2440587.5 is the Unix epoch.
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)")


def _float(expression):
    return Cast(expression, FloatField())


def _recent_upvotes():
    upvotes = (
        Vote.objects.filter(summary=OuterRef("pk"), value=Vote.UP, created_at__gte=Now() - RECENT_VOTE_WINDOW)
        .order_by()
        .values("summary")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(upvotes, output_field=IntegerField()), 0)


def popularity_expression():
    """The formula above as one SQL expression over a Summary queryset (usable in annotate and order_by)."""
    age_hours = Greatest((ExtractEpoch(Now()) - ExtractEpoch("created_at")) / Value(3600.0), Value(0.0))
    attention = (
        Value(RECENT_UPVOTE_WEIGHT) * _float(_recent_upvotes())
        + _float(Coalesce(F("views__count"), 0)) / Value(VIEWS_PER_POINT)
        + _float(F("score"))
    )
    return attention / Power(age_hours + Value(AGE_OFFSET_HOURS), Value(GRAVITY))


# Feed ordering for selectors.FEED_ORDERINGS["popular"]; newest first among equals.
POPULAR_ORDERING = (popularity_expression().desc(), "-created_at", "-id")


# Obvious robots and link unfurlers; an empty User-Agent is a script too.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|preview|monitor|scanner|headless|lighthouse|"
    r"curl|wget|python-|httpx|aiohttp|java/|go-http|okhttp|libwww|scrapy|facebookexternalhit|embedly",
    re.IGNORECASE,
)


def is_countable_view(request, *, author_id: int | None) -> bool:
    """A page view counts unless it is the author's own, a robot's, or not a plain GET."""
    if request.method != "GET":
        return False
    user = getattr(request, "user", None)  # none yet where the page cache answers: an anonymous reader
    if user is not None and user.is_authenticated and user.pk == author_id:
        return False
    user_agent = request.headers.get("User-Agent", "")
    return bool(user_agent) and not BOT_USER_AGENT.search(user_agent)


def summary_view_record(*, summary_id: int, reader: str, path: str) -> bool:
    """Count `reader`'s view of the summary (read at `path`) unless they were counted today; True when it counted.

    The cache answers "read today" (shortscience.page_cache.read_today_key, which a cached permalink fetches
    in its own round trip, and this process remembers once known) without touching the database; the unique SummaryView row decides (also when the
    cache is away or forgot), and the count lives in a narrow row of its own.
    """
    read_key = page_cache.read_today_key(reader=reader, path=path)
    if page_cache.known_read_today(read_key):
        return False
    counted = cache.add(read_key, 1, timeout=SECONDS_PER_DAY) and _first_view_today(summary_id=summary_id, reader=reader)
    # Either way the reader is counted today now: this process need not ask the cache again (page_cache).
    page_cache.remember_read_today(read_key)
    return counted


def _first_view_today(*, summary_id: int, reader: str) -> bool:
    try:
        with transaction.atomic():
            SummaryView.objects.create(summary_id=summary_id, reader=reader, day=timezone.localdate())
    except IntegrityError:
        return False
    if not SummaryViewCount.objects.filter(summary_id=summary_id).update(count=F("count") + 1):
        SummaryViewCount.objects.bulk_create([SummaryViewCount(summary_id=summary_id, count=0)], ignore_conflicts=True)
        SummaryViewCount.objects.filter(summary_id=summary_id).update(count=F("count") + 1)
    return True


def summary_views_purge() -> int:
    """Forget who read what before yesterday (only today's rows are needed to count once a day); daily."""
    deleted, _ = SummaryView.objects.filter(day__lt=timezone.localdate() - timedelta(days=1)).delete()
    return deleted
