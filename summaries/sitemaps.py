"""sitemap.xml: papers with a public summary, public summaries, and profiles that sign a public summary.

/sitemap.xml is the index; each section is /sitemap-<section>.xml (paginated with ?p=). Links use
the host the sitemap was asked for, like the feeds, not the Sites row.
"""

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, sitemap
from django.contrib.sites.requests import RequestSite
from django.db.models import Max
from django.template.response import TemplateResponse
from django.urls import reverse

from papers.models import Paper
from summaries.models import Summary

_request: ContextVar = ContextVar("sitemap_request")


class _RequestHostSitemap(Sitemap):
    changefreq = "weekly"

    def get_urls(self, page=1, site=None, protocol=None):
        request = _request.get(None)
        return super().get_urls(page=page, site=RequestSite(request) if request else site, protocol=protocol)

    def lastmod(self, item):
        return item.last_modified

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("last_modified"))["latest"]


class PaperSitemap(_RequestHostSitemap):
    def items(self):
        # Filtering before annotating: the latest change counts public summaries only.
        return (
            Paper.objects.filter(summaries__deleted_at__isnull=True, summaries__is_hidden=False, summaries__is_private=False)
            .annotate(last_modified=Max("summaries__updated_at"))
            .only("id", "arxiv_id", "doi", "bibtex_key")
            .order_by("id")
        )

    def get_latest_lastmod(self):
        return Summary.objects.public().aggregate(latest=Max("updated_at"))["latest"]


class SummarySitemap(_RequestHostSitemap):
    def items(self):
        return Summary.objects.public().only("id", "updated_at").order_by("id")

    def lastmod(self, summary):
        return summary.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class ProfileSitemap(_RequestHostSitemap):
    changefreq = "monthly"

    def items(self):
        # An anonymous summary must not put its author's profile here; nor may a suspended account.
        return (
            get_user_model()
            .objects.filter(
                is_active=True,
                summaries__deleted_at__isnull=True,
                summaries__is_hidden=False,
                summaries__is_private=False,
                summaries__is_anonymous=False,
            )
            .annotate(last_modified=Max("summaries__updated_at"))
            .only("id", "username")
            .order_by("id")
        )

    def location(self, user):
        return reverse("summaries:profile", kwargs={"username": user.get_username()})

    def get_latest_lastmod(self):
        return (
            Summary.objects.public()
            .filter(is_anonymous=False, author__is_active=True)
            .aggregate(latest=Max("updated_at"))["latest"]
        )


SITEMAPS = {"papers": PaperSitemap(), "summaries": SummarySitemap(), "profiles": ProfileSitemap()}


def sitemap_index(request):
    sections = []
    for section, section_map in SITEMAPS.items():
        url = request.build_absolute_uri(reverse("sitemap_section", kwargs={"section": section}))
        lastmod = section_map.get_latest_lastmod()
        sections.append(SitemapIndexItem(url, lastmod))
        sections += [SitemapIndexItem(f"{url}?p={page}", lastmod) for page in range(2, section_map.paginator.num_pages + 1)]
    response = TemplateResponse(request, "sitemap_index.xml", {"sitemaps": sections}, content_type="application/xml")
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


def sitemap_section(request, section: str):
    token = _request.set(request)
    try:
        return sitemap(request, sitemaps=SITEMAPS, section=section)
    finally:
        _request.reset(token)
