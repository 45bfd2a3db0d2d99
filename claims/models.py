"""Members who wrote a paper: a claim, verified against their ORCID record or approved by a moderator."""

from django.conf import settings
from django.db import models

from papers.models import Paper


class AuthorClaimQuerySet(models.QuerySet):
    def accepted(self) -> "AuthorClaimQuerySet":
        return self.filter(status__in=AuthorClaim.ACCEPTED)


class AuthorClaim(models.Model):
    PENDING, VERIFIED, APPROVED, REJECTED = "pending", "verified", "approved", "rejected"
    STATUSES = [
        (PENDING, "waiting for a moderator"),
        (VERIFIED, "verified with ORCID"),
        (APPROVED, "approved by a moderator"),
        (REJECTED, "rejected"),
    ]
    ACCEPTED = (VERIFIED, APPROVED)

    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="author_claims")
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING, db_index=True)
    orcid_id = models.CharField("ORCID iD", max_length=19, blank=True, help_text="The record the claim was checked against.")
    notify = models.BooleanField("email me about new summaries and comments", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = AuthorClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["claimant", "paper"], name="claim_a_paper_once")]

    def __str__(self) -> str:
        return f"{self.claimant} claims {self.paper_id} ({self.status})"

    @property
    def is_accepted(self) -> bool:
        return self.status in self.ACCEPTED
