"""Titles, descriptions, canonical links and link-preview cards: a shared link shows the paper and the summary's start."""

from html.parser import HTMLParser

import pytest

from summaries.models import Profile
from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


class HeadParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.title, self._in_title, self._in_head = {}, {}, "", False, True

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self._in_head:
            return
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs["name"]
            # Highwire's citation_author is one tag per author (tests/test_citation_metadata.py reads those).
            assert key not in self.meta or key == "citation_author", f"{key} twice"
            self.meta[key] = attrs.get("content")
        elif tag == "link" and attrs.get("rel") == "canonical":
            assert "canonical" not in self.links, "two canonical links"
            self.links["canonical"] = attrs["href"]
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self._in_head = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def head(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    return parser, response.content.decode()


def test_summary_permalink_previews_the_paper_and_the_summary(client, paper, user):
    summary = SummaryFactory(paper=paper, author=user, body="Pixels are *modelled* one at a time, A & B. " + "More words. " * 40)
    page, _ = head(client, f"/summary/{summary.pk}/")
    assert page.title == "Summary of Pixel Recurrent Neural Networks | ShortScience"
    assert page.meta["og:title"] == "Pixel Recurrent Neural Networks"
    description = page.meta["og:description"]
    assert description.startswith("Pixels are modelled one at a time, A & B. More words.")
    assert description.endswith("…") and 150 <= len(description) <= 200
    assert page.meta["description"] == description
    assert page.meta["og:type"] == "article"
    assert page.meta["og:site_name"] == "ShortScience"
    assert page.meta["twitter:card"] == "summary"
    assert page.meta["og:url"] == page.links["canonical"] == f"http://testserver/summary/{summary.pk}/"


def test_anonymous_summary_metadata_never_names_the_author(client, paper):
    ghost = UserFactory(username="ghostwriter")
    Profile.objects.filter(user=ghost).update(display_name="Secret Person", bio="I write anonymously.")
    summary = SummaryFactory(paper=paper, author=ghost, body="Anonymous insight.", is_anonymous=True)
    for url in [f"/summary/{summary.pk}/", "/paper/1601.06759/", "/"]:
        page, html = head(client, url)
        head_html = html[: html.index("</head>")]
        assert "ghostwriter" not in head_html, url
        assert "Secret Person" not in head_html, url
        assert not any(key.startswith(("article:author", "author", "profile:")) for key in page.meta), url


def test_share_link_is_not_the_canonical_url(client, paper, user):
    summary = SummaryFactory(paper=paper, author=user, body="Shared privately.", is_private=True)
    client.force_login(user)
    page, _ = head(client, summary.get_share_url())
    assert page.links["canonical"] == f"http://testserver/summary/{summary.pk}/"
    assert summary.share_token not in page.meta["og:url"]


def test_paper_page_previews_title_and_abstract(client, paper, user):
    paper.abstract = "Modeling the distribution of natural images is a landmark problem. " * 10
    paper.save()
    SummaryFactory(paper=paper, author=user)
    page, _ = head(client, "/paper/1601.06759/")
    assert page.meta["og:title"] == "Pixel Recurrent Neural Networks"
    assert page.meta["og:description"].startswith("Modeling the distribution of natural images")
    assert len(page.meta["og:description"]) <= 200
    assert page.links["canonical"] == page.meta["og:url"] == "http://testserver/paper/1601.06759/"
    assert "robots" not in page.meta


@pytest.mark.parametrize("kind", [None, "is_private", "is_hidden"])
def test_paper_page_without_a_public_summary_is_noindex(client, paper, user, kind):
    if kind:
        SummaryFactory(paper=paper, author=user, **{kind: True})
        client.force_login(user)  # even its author, who sees their own summary there
    page, _ = head(client, "/paper/1601.06759/")
    assert page.meta["robots"] == "noindex"


def test_profile_previews_name_and_bio(client, user):
    Profile.objects.filter(user=user).update(display_name="Ada Lovelace", bio="Analyst of engines.")
    SummaryFactory(author=user)
    page, _ = head(client, "/user/ada/")
    assert page.title == "Ada Lovelace | ShortScience"
    assert page.meta["og:title"] == "Ada Lovelace"
    assert page.meta["og:description"] == page.meta["description"] == "Analyst of engines."
    assert page.meta["og:type"] == "profile"
    assert page.links["canonical"] == "http://testserver/user/ada/"
    assert "robots" not in page.meta


def test_profile_without_public_signed_summaries_is_noindex(client, user):
    SummaryFactory(author=user, is_anonymous=True)
    page, _ = head(client, "/user/ada/")
    assert page.meta["robots"] == "noindex"


def test_top_tab_is_its_own_canonical_page(client, db):
    assert head(client, "/?order=top")[0].links["canonical"] == "http://testserver/?order=top"
    assert head(client, "/?order=popular")[0].links["canonical"] == "http://testserver/?order=popular"
    assert head(client, "/?order=nonsense")[0].links["canonical"] == "http://testserver/"
    assert head(client, "/?page=1")[0].links["canonical"] == "http://testserver/"


@pytest.mark.parametrize(
    "url", ["/", "/paper/1601.06759/", "/user/ada/", "/papers/category/cs.LG/", "/accounts/login/", "/search/?q=pixel"]
)
def test_every_page_has_title_description_canonical_and_card(client, paper, user, url):
    SummaryFactory(paper=paper, author=user)
    page, _ = head(client, url)
    assert page.title.strip()
    for key in ["description", "og:title", "og:description", "og:url", "og:type", "og:site_name", "twitter:card"]:
        assert page.meta.get(key), (url, key)
    assert page.links["canonical"].startswith("http://testserver/")


def test_category_page_card_names_the_category(client, paper, user):
    SummaryFactory(paper=paper, author=user)
    page, _ = head(client, "/papers/category/cs.LG/")
    assert page.meta["og:title"] == "Papers in cs.LG"
    assert "cs.LG" in page.meta["og:description"]


def test_plain_text_excerpt_filter():
    from summaries.templatetags.metadata_tags import plain_text

    assert plain_text("<p>A &amp; B</p>\n<p>C</p>") == "A & B C"
    assert plain_text("<p>" + "word " * 100 + "</p>", 30) == "word word word word word word…"
    assert plain_text("") == ""


def _plain_text_of_the_whole(stored_html: str, length: int) -> str:
    """The excerpt made the obvious way, every formula and tag of the whole text read: what plain_text, which
    stops reading once it has its excerpt, must give."""
    import html
    import re

    from summaries import katex
    from summaries.templatetags.metadata_tags import _TAG, _TEX_SOURCE

    for start, end in reversed(katex.formula_spans(stored_html)):
        tex = _TEX_SOURCE.search(stored_html, start, end)
        stored_html = stored_html[:start] + (f" {tex.group(1)} " if tex else " ") + stored_html[end:]
    text = re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", stored_html))).strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[length - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


SOURCES = [
    "$x$ starts it, then words & more words, $$\\sum_{i<n} a_i$$ and $y > 0$ at last.",
    "Words first.\n\n" + "Then $a_{k}$ &amp; text, " * 40 + "\n\n$$b$$",
    "No math at all: " + "plain words " * 50,
    "$a$$b$$c$" + " tail" * 3,
    "- $x$\n- $\\alpha^2$\n\n`code $z$`\n\n" + "$\\frac{1}{2}$ half. " * 30,
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("length", [1, 2, 5, 12, 30, 200, 10_000])
def test_an_excerpt_read_from_the_start_is_the_excerpt_of_the_whole(source, length):
    from summaries.rendering import render
    from summaries.templatetags.metadata_tags import plain_text

    stored_html = render(source).html
    assert plain_text(stored_html, length) == _plain_text_of_the_whole(stored_html, length)
