from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count

from summaries import comments as comment_services
from summaries import moderation, moderation_admin, rendering, services
from summaries.models import Comment, ModerationAction, Profile, Report, Summary, Vote


class HideRestoreActions:
    """Hide and restore actions for an admin that defines set_hidden(queryset, hidden=, moderator=) -> count,
    calling the moderation service so that every act is logged."""

    def _set_hidden(self, request, queryset, *, hidden: bool, done: str):
        count = self.set_hidden(queryset, hidden=hidden, moderator=request.user)
        self.message_user(request, f"{done} {count} {model_ngettext(queryset, count)}.", messages.SUCCESS)

    @admin.action(description="Hide selected %(verbose_name_plural)s from public pages")
    def hide(self, request, queryset):
        self._set_hidden(request, queryset, hidden=True, done="Hid")

    @admin.action(description="Restore selected %(verbose_name_plural)s")
    def restore(self, request, queryset):
        self._set_hidden(request, queryset, hidden=False, done="Restored")


class SummaryAdminForm(forms.ModelForm):
    """The admin's summary form refuses an edit begun before the summary last changed, as the site's form does."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Summary
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_revision"].initial = self.instance.revision if self.instance.pk else 0

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin validates and saves in one transaction: the row stays locked until this edit is saved.
            current = Summary.objects.select_for_update().only("revision").get(pk=self.instance.pk)
            if cleaned.get("base_revision") != current.revision:
                raise forms.ValidationError(
                    f"Someone changed this summary (it is at revision {current.revision} now) after you opened it, "
                    "so your changes are not saved. Copy what you typed, reload the page and apply it again."
                )
        if "body" in self.changed_data and "body" in cleaned:
            try:
                rendering.render(cleaned["body"])
            except rendering.RenderingTooSlow as too_slow:
                self.add_error("body", str(too_slow))
        return cleaned


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Deleted"), ("no", "Not deleted")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(Summary)
class SummaryAdmin(HideRestoreActions, admin.ModelAdmin):
    form = SummaryAdminForm
    list_display = ("__str__", "author", "score", "is_hidden", "deleted_at", "created_at", "updated_at")
    list_filter = (DeletedFilter, "is_hidden", "is_anonymous", "is_private", "created_at")
    list_select_related = ("paper", "author")
    search_fields = ("body", "paper__title", "paper__arxiv_id", "author__username", "author__email")
    raw_id_fields = ("paper", "author")
    readonly_fields = ("score", "rendered_version", "created_at", "updated_at", "body_html", "deleted_at", "deleted_by")
    actions = ("hide", "restore", "undelete")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # Deleted summaries too: staff restore them from here.
        return Summary.all_objects.select_related(*self.list_select_related)

    def set_hidden(self, queryset, *, hidden, moderator):
        return moderation.summaries_set_hidden(summaries=queryset, hidden=hidden, moderator=moderator)

    @admin.action(description="Undelete selected summaries (with their comments)")
    def undelete(self, request, queryset):
        count = moderation.summaries_undelete(summaries=queryset, moderator=request.user)
        self.message_user(request, f"Undeleted {count} {model_ngettext(queryset, count)}.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        # Only what the form changed is written: the score and view count on `obj` were read before this
        # save, and votes cast meanwhile must not be overwritten. The stored HTML must follow the Markdown,
        # and a changed text is a revision, whoever edits it.
        if change:
            model_fields = {field.name for field in Summary._meta.concrete_fields}
            changed = [name for name in form.changed_data if name in model_fields]
            if changed:
                obj.save(update_fields=[*changed, "updated_at"])
        else:
            super().save_model(request, obj, form, change)
        if not change or "body" in form.changed_data:
            previous_body = form.initial.get("body") if change else None
            services.summary_revision_record(summary=obj, editor=request.user, previous_body=previous_body)
        services.summary_rerender(summary=obj)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("summary", "voter", "value", "created_at")
    list_filter = ("value", "created_at")
    list_select_related = ("summary__paper", "summary__author", "voter")
    search_fields = ("voter__username", "summary__paper__title")
    raw_id_fields = ("summary", "voter")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    readonly_fields = ("suspended_at",)  # set by the suspend actions, which log it


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithProfileAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "email", "display_name", "summary_count", "is_staff", "is_active", "date_joined")
    list_select_related = ("profile",)
    actions = ("suspend", "unsuspend")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(summary_total=Count("summaries"))

    @admin.action(description="Suspend selected users (they cannot log in or post)")
    def suspend(self, request, queryset):
        count, refused = moderation.users_suspend(users=queryset, moderator=request.user)
        moderation_admin.report_suspensions(self, request, count, refused)

    @admin.action(description="Unsuspend selected users")
    def unsuspend(self, request, queryset):
        count = moderation.users_unsuspend(users=queryset, moderator=request.user)
        self.message_user(request, f"Unsuspended {count} user{'' if count == 1 else 's'}.", messages.SUCCESS)

    @admin.display(description="display name")
    def display_name(self, user):
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else ""

    @admin.display(description="summaries", ordering="summary_total")
    def summary_count(self, user):
        return user.summary_total



@admin.register(Comment)
class CommentAdmin(HideRestoreActions, admin.ModelAdmin):
    list_display = ("__str__", "excerpt", "author", "is_hidden", "is_deleted", "created_at")
    list_filter = ("is_hidden", "is_deleted", "created_at")
    list_select_related = ("author", "summary")
    search_fields = ("body", "author__username", "author__email", "summary__paper__title")
    raw_id_fields = ("summary", "author", "parent")
    readonly_fields = ("body_html", "created_at", "updated_at")
    actions = ("hide", "restore")
    date_hierarchy = "created_at"

    @admin.display(description="text")
    def excerpt(self, comment):
        return comment.body[:80] + ("…" if len(comment.body) > 80 else "")

    def set_hidden(self, queryset, *, hidden, moderator):
        return moderation.comments_set_hidden(comments=queryset, hidden=hidden, moderator=moderator)


    def save_model(self, request, obj, form, change):
        # The stored HTML must follow the Markdown, whoever edits it.
        super().save_model(request, obj, form, change)
        comment_services.comment_rerender(comment=obj)


# The report queue and the moderation log (summaries.moderation does the work, and logs it).
admin.site.register(Report, moderation_admin.ReportAdmin)
admin.site.register(ModerationAction, moderation_admin.ModerationActionAdmin)
