from django.urls import path

from papers import views

app_name = "papers"

urlpatterns = [
    path("paper", views.paper_legacy_redirect, name="legacy"),
    path("lookup/", views.paper_lookup_view, name="lookup"),
    path("paper/<path:identifier>/", views.paper_detail, name="detail"),
]
