"""The Popular feed tab: summaries ranked by recent upvotes and views, decaying with age, computed in SQL.

    popularity = (2 * upvotes_last_7_days + views / 10 + score) / (age_hours + 2) ** 1.5

upvotes_last_7_days counts +1 votes cast in the last week, so fresh attention counts most; score (the net
all-time vote total) is a small bonus that also lets a downvoted summary sink; ten permalink views weigh as
much as one point of score. A view counts once per reader per day (summaries.view_counting), so reloading a page
does not move a summary up. The denominator is Hacker News style gravity: a summary loses its place within
days unless readers keep voting for it, and the + 2 keeps a brand-new summary from dividing by zero. Ties
fall back to Recent order.

The whole expression is evaluated by the database against its own clock (Now()), so one ordering works on
PostgreSQL and SQLite alike and a Popular page costs the same queries as a Recent one. It is computed for
every public summary on each request (recent upvotes come from a correlated subquery on the one-vote-per-
voter index); if that ever shows up in profiles, store the value in a column refreshed every few minutes.
"""

from datetime import timedelta

from django.db.models import Count, F, FloatField, Func, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Greatest, Now, Power
from django.utils import timezone

from summaries.models import SummaryView, Vote

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


def summary_views_purge() -> int:
    """Forget who read what before yesterday (only today's rows are needed to count once a day); daily."""
    deleted, _ = SummaryView.objects.filter(day__lt=timezone.localdate() - timedelta(days=1)).delete()
    return deleted
