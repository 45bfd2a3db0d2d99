"""The moderation queue and log in the Django admin: reports, most-reported first, and who did what when.

Registered from summaries/admin.py; every action calls summaries.moderation, which logs it.
"""

from django.contrib import admin, messages
from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from summaries import moderation
from summaries.models import Report


def _plural(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def report_suspensions(model_admin, request, count: int, refused) -> None:
    model_admin.message_user(request, f"Suspended {_plural(count, 'user')}.", messages.SUCCESS)
    if refused:
        names = ", ".join(user.get_username() for user in refused)
        model_admin.message_user(
            request, f"Not suspended (staff, or yourself): {names}. Remove staff status first.", messages.WARNING
        )


class ReportStatusFilter(admin.SimpleListFilter):
    """Open reports unless asked otherwise: the queue is what still needs a decision."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(Report.OPEN, "open"), (Report.ACTIONED, "actioned"), (Report.DISMISSED, "dismissed"), ("all", "all")]

    def choices(self, changelist):
        current = self.value() or Report.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        status = self.value() or Report.OPEN
        return queryset if status == "all" else queryset.filter(status=status)


def _open_reports_on(target: str):
    """How many open reports share this report's target (a summary or a comment)."""
    return Subquery(
        Report.objects.filter(status=Report.OPEN, **{target: OuterRef(target)})
        .order_by()
        .values(target)
        .annotate(total=Count("pk"))
        .values("total"),
        output_field=IntegerField(),
    )


class ReportAdmin(admin.ModelAdmin):
    list_display = ("target_link", "target_author", "excerpt", "reason", "open_reports", "reporter", "status", "created_at")
    list_display_links = None
    list_filter = (ReportStatusFilter, "created_at")
    list_select_related = ("reporter", "summary__paper", "summary__author", "comment__author", "comment__summary")
    search_fields = ("reason", "reporter__username", "summary__author__username", "comment__author__username", "summary__body", "comment__body")
    readonly_fields = ("reporter", "summary", "comment", "reason", "status", "created_at", "handled_by", "handled_at")
    actions = ("hide_targets", "suspend_authors_and_hide_all", "suspend_authors", "dismiss", "restore_targets")
    date_hierarchy = "created_at"
    list_per_page = 100

    def get_queryset(self, request):
        # Annotated before ModelAdmin would order it, since the ordering uses the annotations.
        reports = Report.objects.annotate(
            open_report_count=Coalesce(_open_reports_on("summary"), _open_reports_on("comment"), Value(0)),
            is_open=Case(When(status=Report.OPEN, then=1), default=0, output_field=IntegerField()),
        )
        return reports.order_by(*self.get_ordering(request))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Moderation queue: reports", **(extra_context or {})})

    def get_ordering(self, request):
        # Open first, then whatever most readers flagged, then the newest.
        return ("-is_open", "-open_report_count", "-created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a report is part of the record; dismiss it instead

    @admin.display(description="reported")
    def target_link(self, report):
        target = report.target
        if report.summary_id:
            label = f"Summary {target.pk}: {Truncator(target.paper.title).chars(60)}"
            change_url = reverse("admin:summaries_summary_change", args=[target.pk])
        else:
            label = f"Comment {target.pk} on summary {target.summary_id}"
            change_url = _admin_change_url("summaries", "comment", target.pk)
        hidden = " (hidden)" if target.is_hidden else ""
        return format_html('<a href="{}">{}</a>{} · <a href="{}">view</a>', change_url, label, hidden, target.get_absolute_url())

    @admin.display(description="author")
    def target_author(self, report):
        target = report.target
        notes = []
        if report.summary_id and target.is_anonymous:
            notes.append("anonymous")
        if not target.author.is_active:
            notes.append("suspended")
        suffix = f" ({', '.join(notes)})" if notes else ""
        author_meta = target.author._meta
        url = _admin_change_url(author_meta.app_label, author_meta.model_name, target.author_id)
        if url:
            return format_html('<a href="{}">{}</a>{}', url, target.author.get_username(), suffix)
        return f"{target.author.get_username()}{suffix}"

    @admin.display(description="text")
    def excerpt(self, report):
        return Truncator(report.target.body).chars(80)

    @admin.display(description="open reports", ordering="open_report_count")
    def open_reports(self, report):
        return report.open_report_count

    @admin.action(description="Hide the reported content")
    def hide_targets(self, request, queryset):
        summaries, comments = moderation.reports_hide_targets(reports=queryset, moderator=request.user)
        self.message_user(
            request, f"Hid {_plural(summaries, 'summary', 'summaries')} and {_plural(comments, 'comment')}.", messages.SUCCESS
        )

    @admin.action(description="Restore the reported content")
    def restore_targets(self, request, queryset):
        summaries, comments = moderation.reports_restore_targets(reports=queryset, moderator=request.user)
        self.message_user(
            request, f"Restored {_plural(summaries, 'summary', 'summaries')} and {_plural(comments, 'comment')}.", messages.SUCCESS
        )

    @admin.action(description="Dismiss the selected reports (nothing wrong)")
    def dismiss(self, request, queryset):
        count = moderation.reports_dismiss(reports=queryset, moderator=request.user)
        self.message_user(request, f"Dismissed {_plural(count, 'report')}.", messages.SUCCESS)

    @admin.action(description="Suspend the authors of the reported content")
    def suspend_authors(self, request, queryset):
        count, refused = moderation.reports_suspend_authors(reports=queryset, moderator=request.user)
        report_suspensions(self, request, count, refused)

    @admin.action(description="Suspend the authors and hide everything they wrote (spam)")
    def suspend_authors_and_hide_all(self, request, queryset):
        count, refused = moderation.reports_suspend_authors(reports=queryset, moderator=request.user, hide_content=True)
        report_suspensions(self, request, count, refused)


def _admin_change_url(app_label: str, model: str, pk) -> str:
    try:
        return reverse(f"admin:{app_label}_{model}_change", args=[pk])
    except NoReverseMatch:
        return ""


class ModerationActionAdmin(admin.ModelAdmin):
    """The moderation log: read-only, so it stays a record."""

    list_display = ("created_at", "moderator", "action", "target_link", "note")
    list_filter = ("action", ("moderator", admin.RelatedOnlyFieldListFilter), ("content_type", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("moderator", "content_type")
    search_fields = ("target_repr", "note", "moderator__username", "action")
    date_hierarchy = "created_at"
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="target", ordering="target_repr")
    def target_link(self, action):
        url = _admin_change_url(action.content_type.app_label, action.content_type.model, action.object_id)
        return format_html('<a href="{}">{}</a>', url, action.target_repr) if url else action.target_repr
