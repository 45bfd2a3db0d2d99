"""Atom and RSS feeds of public summaries: latest, top, and one paper's, user's or arXiv category's."""

from contextvars import ContextVar
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import feedgenerator

from papers.identifiers import InvalidIdentifier, is_arxiv_category, parse
from papers.models import Paper, json_list_contains
from summaries import katex
from summaries.models import Summary

FEED_LENGTH = 30
# Our own elements (arXiv id, BibTeX key, score) live in this namespace, prefixed "ss:".
NAMESPACE = "https://shortscience.org/ns/feed/1.0"

# The request being answered: links use the host it was addressed to, not the Sites row.
_request: ContextVar = ContextVar("feed_request")


def absolute_url(path: str) -> str:
    return _request.get().build_absolute_uri(path)


class _AbsoluteLinks(HTMLParser):
    """Copies stored summary HTML as it is, except that relative href and src become absolute against `base`."""

    _URL_ATTRIBUTES = {"href", "src"}

    def __init__(self, base: str):
        # Entities are passed through as written, so the copy is byte for byte where nothing changes.
        super().__init__(convert_charrefs=False)
        self.base = base
        self.parts: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closing: str) -> str:
        resolved = [
            (name, urljoin(self.base, value.strip()) if name in self._URL_ATTRIBUTES and value else value)
            for name, value in attrs
        ]
        if resolved == attrs:
            return self.get_starttag_text()
        written = "".join(f" {name}" if value is None else f' {name}="{escape(value)}"' for name, value in resolved)
        return f"<{tag}{written}{closing}"

    def handle_starttag(self, tag, attrs):
        self.parts.append(self._tag(tag, attrs, ">"))

    def handle_startendtag(self, tag, attrs):
        self.parts.append(self._tag(tag, attrs, " />"))

    def handle_endtag(self, tag):
        self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(data)

    def handle_entityref(self, name):
        self.parts.append(f"&{name};")

    def handle_charref(self, name):
        self.parts.append(f"&#{name};")


def absolute_links(html: str, *, base: str) -> str:
    """Feed readers show an item away from our pages, where "/paper/1601.06759/" (a \\cite) leads nowhere."""
    rewriter = _AbsoluteLinks(base)
    rewriter.feed(html)
    rewriter.close()
    return "".join(rewriter.parts)


class _ShortScienceElements:
    """Adds ss:arxiv_id, ss:bibtex_key and ss:score to every item."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("arxiv_id"):
            handler.addQuickElement("ss:arxiv_id", item["arxiv_id"])
        if item.get("bibtex_key"):
            handler.addQuickElement("ss:bibtex_key", item["bibtex_key"])
        handler.addQuickElement("ss:score", str(item["score"]))


class AtomFeed(_ShortScienceElements, feedgenerator.Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:ss": NAMESPACE}

    def add_item_elements(self, handler, item):
        # Atom's <summary> is an excerpt; the whole stored HTML belongs in <content>.
        super().add_item_elements(handler, {**item, "description": None})
        handler.addQuickElement("content", item["description"], {"type": "html"})


class RssFeed(_ShortScienceElements, feedgenerator.Rss201rev2Feed):
    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:ss": NAMESPACE}


FORMATS = {"atom": AtomFeed, "rss": RssFeed}


class FeedFormatConverter:
    """The extension of a feed URL: latest.atom, latest.rss."""

    regex = "atom|rss"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def feed_items(queryset: QuerySet[Summary]) -> QuerySet[Summary]:
    """Only public summaries, with what an item shows in the same query."""
    return queryset.public().select_related("paper", "author", "author__profile")[:FEED_LENGTH]


class SummaryFeed(Feed):
    """One feed's content; `fmt` picks Atom or RSS for the same items."""

    url_name = ""

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.feed_type = FORMATS[fmt]

    def __call__(self, request, *args, **kwargs):
        token = _request.set(request)
        try:
            return super().__call__(request, *args, **kwargs)
        finally:
            _request.reset(token)

    def feed_url(self, obj):
        return absolute_url(reverse(f"summaries:{self.url_name}", kwargs={**self.url_kwargs(obj), "fmt": self.fmt}))

    def url_kwargs(self, obj) -> dict:
        return {}

    def item_title(self, summary):
        return summary.paper.title

    def item_description(self, summary):
        # MathML alone: feed readers have no KaTeX stylesheet, and most render MathML.
        return absolute_links(katex.mathml_only(summary.body_html), base=self.item_link(summary))

    def item_link(self, summary):
        return absolute_url(summary.get_absolute_url())

    def item_author_name(self, summary):
        # "Anonymous" for an anonymous summary: never its real author.
        return summary.byline

    def item_author_link(self, summary):
        return absolute_url(summary.byline_url) if summary.byline_url else None

    def item_pubdate(self, summary):
        return summary.created_at

    def item_updateddate(self, summary):
        return summary.updated_at

    def item_categories(self, summary):
        return summary.paper.categories

    def item_extra_kwargs(self, summary):
        return {"arxiv_id": summary.paper.arxiv_id, "bibtex_key": summary.paper.bibtex_key, "score": summary.score}


class LatestFeed(SummaryFeed):
    url_name = "feed_latest"
    title = "ShortScience: latest summaries"
    description = subtitle = "The newest summaries of research papers on ShortScience."

    def link(self):
        return absolute_url(reverse("summaries:feed"))

    def items(self):
        return feed_items(Summary.objects.order_by("-created_at", "-id"))


class TopFeed(SummaryFeed):
    url_name = "feed_top"
    title = "ShortScience: top summaries"
    description = subtitle = "The highest-voted summaries of research papers on ShortScience."

    def link(self):
        return absolute_url(reverse("summaries:feed") + "?order=top")

    def items(self):
        return feed_items(Summary.objects.order_by("-score", "-created_at", "-id"))


class PaperFeed(SummaryFeed):
    url_name = "feed_paper"

    def get_object(self, request, identifier: str):
        # Only papers we have: a feed request never fetches from arXiv or Crossref.
        try:
            return get_object_or_404(Paper.objects.matching(parse(identifier)))
        except InvalidIdentifier:
            raise Http404("No such paper.")

    def url_kwargs(self, paper):
        return {"identifier": paper.identifier}

    def title(self, paper):
        return f"ShortScience: summaries of “{paper.title}”"

    def description(self, paper):
        return f"Summaries of {paper.title} on ShortScience."

    subtitle = description

    def link(self, paper):
        return absolute_url(paper.get_absolute_url())

    def items(self, paper):
        return feed_items(Summary.objects.filter(paper=paper).order_by("-created_at", "-id"))


class UserFeed(SummaryFeed):
    url_name = "feed_user"

    def get_object(self, request, username: str):
        return get_object_or_404(get_user_model().objects.select_related("profile"), username=username)

    def url_kwargs(self, person):
        return {"username": person.get_username()}

    def title(self, person):
        return f"ShortScience: summaries by {person.profile.name}"

    def description(self, person):
        return f"Summaries written by {person.profile.name} on ShortScience."

    subtitle = description

    def link(self, person):
        return absolute_url(reverse("summaries:profile", kwargs={"username": person.get_username()}))

    def items(self, person):
        # Anonymous summaries stay out: listing them here would name their author.
        summaries = Summary.objects.filter(author=person, is_anonymous=False)
        return feed_items(summaries.order_by("-created_at", "-id"))


def category_page_url(category: str) -> str:
    try:
        return reverse("papers:category", kwargs={"category": category})
    except NoReverseMatch:
        return reverse("summaries:feed")


class CategoryFeed(SummaryFeed):
    url_name = "feed_category"

    def get_object(self, request, category: str):
        # As on the category page: a NUL or other control character would also be unwritable in XML.
        if not is_arxiv_category(category):
            raise Http404("No such arXiv category.")
        return category

    def url_kwargs(self, category):
        return {"category": category}

    def title(self, category):
        return f"ShortScience: summaries in {category}"

    def description(self, category):
        return f"Summaries of papers in the arXiv category {category} on ShortScience."

    subtitle = description

    def link(self, category):
        return absolute_url(category_page_url(category))

    def items(self, category):
        summaries = Summary.objects.filter(json_list_contains("paper__categories", category))
        return feed_items(summaries.order_by("-created_at", "-id"))


def _view(feed_class):
    feeds = {fmt: feed_class(fmt) for fmt in FORMATS}

    def view(request, fmt: str, **kwargs):
        return feeds[fmt](request, **kwargs)

    view.__name__ = view.__qualname__ = f"{feed_class.__name__.lower()}_view"
    return view


latest = _view(LatestFeed)
top = _view(TopFeed)
paper = _view(PaperFeed)
user = _view(UserFeed)
category = _view(CategoryFeed)
