"""The floor under bench_http.py's "caches off" feed: the least a feed page could cost in this stack with nothing
cached, served by gunicorn exactly as the site is.

    gunicorn bench.cold_floor:application

The site itself (its settings, middleware and URLs) with two pages added, each one raw query for the 20 newest
public summaries' stored excerpt HTML, put into the site's base.html with nothing around each card (no paper,
byline, votes or links): /floor/ with the excerpts as stored, /floor/2kb/ with each cut to 2,000 characters.
No real page can cost less, so a share under the target here is a share under it for any feed made with Django's
templates and these excerpts. bench_cold_floor.py measures it.
"""

import os

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()

_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}{% for html in cards %}<article class="card">{{ html|safe }}</article>{% endfor %}{% endblock %}'
)
# SummaryQuerySet.public() and the feed's "recent" order, written out: the ORM's query building is part of what the
# real feed pays and the floor leaves out.
_NEWEST_EXCERPTS = (
    "SELECT LEFT(excerpt_html, %s) FROM summaries_summary WHERE deleted_at IS NULL AND NOT is_hidden AND NOT is_private"
    " ORDER BY created_at DESC, id DESC LIMIT 20"
)


def floor(request, cut: int = 1_000_000):
    with connection.cursor() as cursor:
        cursor.execute(_NEWEST_EXCERPTS, [cut])
        cards = [html for (html,) in cursor.fetchall()]
    return HttpResponse(_PAGE.render({"cards": cards}, request))


def _site_urls():
    from shortscience.urls import urlpatterns

    return [path("floor/", floor), path("floor/2kb/", floor, {"cut": 2000}), *urlpatterns]


urlpatterns = _site_urls()
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
