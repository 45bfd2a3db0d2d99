"""Summaries people write about papers, the votes they receive, and their authors' profiles."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from papers.models import Paper


class SummaryQuerySet(models.QuerySet):
    def public(self) -> "SummaryQuerySet":
        """What any visitor may see: everything moderators have not hidden."""
        return self.filter(is_hidden=False)


class Summary(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="summaries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries")
    body = models.TextField(help_text="Markdown with LaTeX math and \\cite{key}.")
    # Rendered and sanitized at save time by summaries.rendering; never rendered per request.
    body_html = models.TextField(editable=False)
    rendered_version = models.PositiveSmallIntegerField(default=0, editable=False)
    cited_papers = models.ManyToManyField(Paper, blank=True, related_name="cited_by_summaries", editable=False)
    score = models.IntegerField(default=0, editable=False)
    is_hidden = models.BooleanField("hidden", default=False, help_text="Hidden summaries appear on no public page.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "summaries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="one_summary_per_author_per_paper"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="summary_recent"),
            models.Index(fields=["-score", "-created_at"], name="summary_top"),
        ]

    def __str__(self) -> str:
        return f"Summary of “{self.paper}” by {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("summaries:detail", kwargs={"pk": self.pk})

    def can_edit(self, user) -> bool:
        return user.is_authenticated and (user.pk == self.author_id or user.is_staff)


class Vote(models.Model):
    UP, DOWN = 1, -1
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=[(UP, "up"), (DOWN, "down")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["summary", "voter"], name="one_vote_per_voter"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="vote_is_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} {'+1' if self.value > 0 else '-1'} on {self.summary_id}"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True, max_length=2000)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    def get_absolute_url(self) -> str:
        return reverse("summaries:profile", kwargs={"username": self.user.get_username()})
