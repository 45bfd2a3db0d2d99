"""The tools page: the bookmarklet and where the API and exports are."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

# Prefer the identifier the page itself declares (arXiv, publishers and we all carry citation_* tags), else its
# address: /lookup/ understands arXiv abs/pdf URLs and doi.org links.
BOOKMARKLET = (
    "javascript:(function(){"
    "var m=document.querySelector('meta[name=\"citation_arxiv_id\"],meta[name=\"citation_doi\"],"
    "meta[name=\"dc.identifier\"],meta[name=\"DC.identifier\"],meta[name=\"prism.doi\"]');"
    "window.open('%s?q='+encodeURIComponent(m&&m.content?m.content:location.href));"
    "})();"
)


def tools(request):
    bookmarklet = BOOKMARKLET % (settings.SITE_URL + reverse("papers:lookup"))
    return render(request, "api/tools.html", {"bookmarklet": bookmarklet})
