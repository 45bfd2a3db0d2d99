"""Hostile input on every page: no URL pattern, query parameter or form field answers with a server error.

The addresses come from the URL resolver and the parameter names from the forms and the views' own
source, so a page or parameter added later is fuzzed without anyone listing it here.
"""

import re
from pathlib import Path

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from summaries import forms as summary_forms
from summaries.comments import comment_post
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
# Values no form expects: control characters, a lone surrogate's bytes, broken percent-encodings,
# huge sizes, numbers past every column, wrong types, traversal and markup.
HOSTILE_TEXT = [
    "a\x00b", "\x01\x1f\x7f", "%ff%c3%28%zz%", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1") + "\u202e",
    "x" * 20_000, "9" * 40, "-1e309", "../../<script>alert(1)</script>",
]  # fmt: skip
# Path segments must stay a segment: nothing that is a "/" or "?" once encoded.
HOSTILE_SEGMENTS = ["a%00b", "%01%7f", "%ff%c3%28", "%zz%", "x" * 3_000, "9" * 40, "%2e%2e"]
# Converters whose values must be well-formed to reach a view at all: a good value, so the rest is fuzzed.
WELL_FORMED = {"feedformat": "atom"}


def url_patterns(resolver=None, prefix=""):
    """(route with <converters>, converter names) for every pattern the site answers, admin and allauth included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            converters = entry.pattern.converters.items()
            yield route, {name: type(converter).__name__.lower().removesuffix("converter") for name, converter in converters}


def fill(route: str, values: dict) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    for name, value in values.items():
        route = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", value, route)
    return "/" + route


def plausible_values(converters: dict) -> dict:
    return {name: WELL_FORMED.get(kind, "1") for name, kind in converters.items()}


def hostile_addresses(route: str, converters: dict) -> set[str]:
    """Each hostile segment in each parameter in turn, the others given a plausible value."""
    found = set()
    for name, kind in converters.items():
        if kind not in WELL_FORMED:
            for segment in HOSTILE_SEGMENTS if kind != "int" else ["0", "9" * 30]:
                found.add(fill(route, {**plausible_values(converters), name: segment}))
    return found


def parameter_names() -> set[str]:
    """Every field of the site's forms and every parameter a view reads from GET or POST itself."""
    names = {
        name for form in vars(summary_forms).values()
        if isinstance(form, type) and issubclass(form, forms.BaseForm) for name in form.base_fields
    }  # fmt: skip
    for module in (*ROOT.glob("summaries/*.py"), *ROOT.glob("papers/*.py")):
        names |= set(re.findall(r"request\.(?:GET|POST)(?:\.get|\.getlist)?[(\[]\"(\w+)\"", module.read_text()))
    return names


@pytest.fixture
def site(db):
    """One of everything a page can show, so views get past their 404s to the code that reads input."""
    author = UserFactory(username="1")
    summary = SummaryFactory(author=author, paper=PaperFactory(arxiv_id="1706.03762", venue="1"), body="$x$ \\cite{1706.03762}")
    comment_post(summary=summary, author=UserFactory(), body="A comment.")
    return {"author": author, "staff": UserFactory(is_staff=True, is_superuser=True)}


def server_errors(client: Client, routes: list[tuple[str, dict]], names: set[str]) -> list[str]:
    errors = []
    for route, converters in routes:
        for path in hostile_addresses(route, converters):
            if (status := client.get(path).status_code) >= 500:
                errors.append(f"GET {path[:100]}: {status}")
        path = fill(route, plausible_values(converters))
        for value in HOSTILE_TEXT:
            for method in (client.get, client.post):
                if (status := method(path, {name: value for name in names}).status_code) >= 500:
                    errors.append(f"{method.__name__.upper()} {path} with {value[:20]!r}: {status}")
    return errors


@pytest.mark.parametrize("who", ["visitor", "author", "staff"])
def test_no_address_or_input_gives_a_server_error(site, who):
    client = Client(raise_request_exception=False)
    if who != "visitor":
        client.force_login(site[who])
    # The admin sends visitors and authors to its log-in page; only staff get further.
    routes = [(route, converters) for route, converters in url_patterns() if who == "staff" or not route.startswith("admin/")]
    errors = server_errors(client, routes, parameter_names())
    assert errors == [], "\n".join(errors[:40])


def test_the_fuzzed_addresses_include_every_page_of_the_site():
    routes = {route for route, _ in url_patterns()}
    assert {"", "summary/<int:pk>/edit/", "paper/<path:identifier>/", "feeds/user/<str:username>.<feedformat:fmt>"} <= routes
    assert any(route.startswith("admin/") for route in routes) and any(route.startswith("accounts/") for route in routes)
