from django.urls import path

from papers import views

app_name = "papers"

urlpatterns = [
    path("paper", views.paper_legacy_redirect, name="legacy"),
    path("lookup/", views.paper_lookup_view, name="lookup"),
    path("unapi", views.unapi, name="unapi"),
    path("search/", views.search_page, name="search"),
    path("papers/suggest/", views.paper_suggest, name="suggest"),
    path("papers/category/<str:category>/", views.category_detail, name="category"),
    path("categories/", views.category_list, name="categories"),
    path("venues/", views.venue_list, name="venues"),
    path("venue/<path:venue>/", views.venue_detail, name="venue"),
    path("author/<path:name>/", views.author_detail, name="author"),
    # Before the catch-all below, which would read "<identifier>/bibtex" as one identifier.
    path("paper/<path:identifier>/bibtex", views.paper_bibtex, name="bibtex"),
    path("paper/<path:identifier>/bibtex/", views.paper_bibtex_slash),
    path("paper/<path:identifier>/cited-by/", views.paper_cited_by, name="cited_by"),
    path("paper/<path:identifier>/", views.paper_detail, name="detail"),
]
