from django.contrib import admin

from papers.identifiers import parse_or_none
from papers.models import Paper


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("title", "first_author", "year", "venue", "arxiv_id", "doi", "bibtex_key")
    list_filter = ("year",)
    search_fields = ("title", "authors", "arxiv_id", "doi", "bibtex_key", "venue")
    search_help_text = "Title, author, venue, or any identifier: arXiv id or URL, DOI, BibTeX key."
    readonly_fields = ("created_at", "modified_at")
    fieldsets = (
        (None, {"fields": ("title", "authors", "abstract")}),
        ("Publication", {"fields": ("year", "venue", "journal_ref", "published", "updated")}),
        ("Identifiers", {"fields": ("arxiv_id", "arxiv_version", "doi", "bibtex_key", "categories")}),
        ("Links", {"fields": ("url", "pdf_url")}),
        ("History", {"fields": ("created_at", "modified_at")}),
    )

    @admin.display(description="first author")
    def first_author(self, paper):
        return paper.authors[0] if paper.authors else ""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Any spelling of an identifier (arXiv URL, doi: prefix, version suffix) finds its paper.
        identifier = parse_or_none(search_term)
        if identifier is not None:
            results |= queryset.matching(identifier)
        return results, may_have_duplicates
