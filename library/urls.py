from django.urls import path, register_converter

from library import views

register_converter(views.ExportFormatConverter, "exportformat")

app_name = "library"

urlpatterns = [
    path("library/", views.library_list, name="list"),
    path("library/save/", views.library_save, name="save"),
    path("library/remove/", views.library_remove, name="remove"),
    path("library/mark/", views.library_mark, name="mark"),
    path("library/paper/<int:paper_id>/", views.library_edit, name="edit"),
    path("library/export.<exportformat:fmt>", views.library_export, name="export"),
    # Any list of papers on the site, as it shows them (the same ?page=).
    path("export/category/<str:category>.<exportformat:fmt>", views.category_export, name="export_category"),
    path("export/venue.<exportformat:fmt>", views.venue_export, name="export_venue"),
    path("export/search.<exportformat:fmt>", views.search_export, name="export_search"),
    path("export/user/<str:username>.<exportformat:fmt>", views.user_export, name="export_user"),
]
