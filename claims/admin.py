from django.contrib import admin, messages

from claims import services
from claims.models import AuthorClaim


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ["claimant", "paper", "status", "orcid_id", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["claimant__username", "paper__title", "paper__arxiv_id", "paper__doi"]
    list_select_related = ["claimant", "paper", "decided_by"]
    readonly_fields = ["claimant", "paper", "status", "orcid_id", "created_at", "decided_at", "decided_by"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Approve: the claimant is an author")
    def approve(self, request, queryset):
        count = services.claims_decide(claims=queryset, moderator=request.user, approve=True)
        self.message_user(request, f"{count} claim(s) approved.", messages.SUCCESS)

    @admin.action(description="Reject the claim")
    def reject(self, request, queryset):
        count = services.claims_decide(claims=queryset, moderator=request.user, approve=False)
        self.message_user(request, f"{count} claim(s) rejected.", messages.SUCCESS)
