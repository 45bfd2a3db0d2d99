from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from api import views as api_views
from api.v1 import api as api_v1
from shortscience import health, media
from summaries import sitemaps

admin.site.site_header = "ShortScience moderation"
admin.site.site_title = "ShortScience admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8")),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap"),
    path("sitemap-<str:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("api/v1/", api_v1.urls),
    path("tools/", api_views.tools, name="tools"),
    path("", include("library.urls")),
    path("", include("claims.urls")),
    path("", include("papers.urls")),
    path("", include("summaries.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.media_file, name="media"))
