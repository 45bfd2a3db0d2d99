"""The community around papers: summaries and their revisions, votes, comments, images, profiles,
follows, summary requests, reports and the moderation log."""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from papers.models import Paper
from shortscience.url_templates import url_for


ANONYMOUS_BYLINE = "Anonymous"


class SummaryQuerySet(models.QuerySet):
    def public(self) -> "SummaryQuerySet":
        """What may appear in any list, feed, search or sitemap: not deleted, not hidden, not private."""
        return self.filter(deleted_at__isnull=True, is_hidden=False, is_private=False)

    def visible_to(self, user) -> "SummaryQuerySet":
        """Public summaries plus the user's own (private or hidden ones included, deleted ones not)."""
        if user is None or not user.is_authenticated:
            return self.public()
        return self.filter(Q(is_hidden=False, is_private=False) | Q(author=user), deleted_at__isnull=True)


class LiveSummaryManager(models.Manager.from_queryset(SummaryQuerySet)):
    """Summary.objects: deleted summaries are gone for every page, count and relation; staff reach them
    through Summary.all_objects (the admin, restoring, purging)."""

    def get_queryset(self) -> SummaryQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Summary(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="summaries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries")
    body = models.TextField(help_text="Markdown with LaTeX math and \\cite{key}.")
    # Rendered and sanitized at save time by summaries.rendering; never rendered per request.
    body_html = models.TextField(editable=False)
    rendered_version = models.PositiveSmallIntegerField(default=0, editable=False)
    # What cards show (summaries.excerpts), cut from body_html when it is stored.
    excerpt_html = models.TextField(editable=False, default="")
    excerpt_is_whole = models.BooleanField(default=True, editable=False, help_text="The excerpt is the whole summary.")
    cited_papers = models.ManyToManyField(Paper, blank=True, related_name="cited_by_summaries", editable=False)
    score = models.IntegerField(default=0, editable=False)
    is_hidden = models.BooleanField("hidden", default=False, help_text="Hidden summaries appear on no public page.")
    is_anonymous = models.BooleanField(
        "anonymous", default=False, help_text="The author's identity appears nowhere public; staff still see it."
    )
    is_private = models.BooleanField(
        "private", default=False, help_text="Only the author, and whoever has the share link, can read it."
    )
    share_token = models.CharField(max_length=43, default=secrets.token_urlsafe, editable=False)
    # The arXiv version the summary was written for (the paper's latest when written; its author may change it),
    # the latest one its author has said it still holds for, and the latest one they were emailed about.
    arxiv_version = models.PositiveSmallIntegerField("written for arXiv version", null=True, blank=True)
    checked_arxiv_version = models.PositiveSmallIntegerField("checked against arXiv version", null=True, blank=True)
    arxiv_version_notified = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Number of the current revision; an edit based on an older one is a conflict, not an overwrite.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Deleting keeps the row, its comments, votes, revisions and reports, so staff can restore it;
    # `manage.py purge_deleted_summaries` removes it for good later.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    objects = LiveSummaryManager()
    all_objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "summaries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="one_summary_per_author_per_paper"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="summary_recent"),
            # Counting the public summaries (the feed's pages) reads this small index, never the wide rows.
            models.Index(
                fields=["-created_at", "-id"],
                name="summary_public_recent",
                condition=Q(deleted_at__isnull=True, is_hidden=False, is_private=False),
            ),
            models.Index(fields=["-score", "-created_at"], name="summary_top"),
        ]

    def __str__(self) -> str:
        return f"Summary of “{self.paper}” by {self.author}"

    def get_absolute_url(self) -> str:
        return url_for("summaries:detail", pk=self.pk)

    @property
    def report_url(self) -> str:
        return url_for("summaries:summary_report", pk=self.pk)

    def can_edit(self, user) -> bool:
        return user is not None and user.is_authenticated and (user.pk == self.author_id or user.is_staff)

    def get_share_url(self) -> str:
        return f"{self.get_absolute_url()}?share={self.share_token}"

    @property
    def is_public(self) -> bool:
        return not (self.is_hidden or self.is_private)

    def can_read(self, user, share_token: str = "") -> bool:
        """Its author and staff always; others while it is not hidden, and, if private, with the share token."""
        if self.can_edit(user):
            return True
        if self.is_hidden:
            return False
        if not self.is_private:
            return True
        # Constant time, so the token cannot be guessed a character at a time.
        return bool(share_token) and secrets.compare_digest(share_token.encode(), self.share_token.encode())

    @property
    def version_note(self) -> str:
        """"Written for v1; v3 is out", "Written for v1, checked against v3", or "" when there is nothing to say.

        Reads self.paper, which every card's selector has already joined."""
        latest, written = self.paper.arxiv_version, self.arxiv_version
        if not latest or not written:
            return ""
        holds_for = max(written, self.checked_arxiv_version or 0)
        if holds_for < latest:
            checked = f", checked against v{holds_for}" if holds_for > written else ""
            return f"Written for v{written}{checked}; v{latest} is out"
        if holds_for > written:
            return f"Written for v{written}, checked against v{holds_for}"
        return ""

    @property
    def byline(self) -> str:
        """The author's name as any page, feed, sitemap or metadata may show it: "Anonymous" when anonymous."""
        if self.is_anonymous:
            return ANONYMOUS_BYLINE
        profile = getattr(self.author, "profile", None)
        return profile.name if profile is not None else self.author.get_username()

    @property
    def byline_url(self) -> str:
        """The author's profile page, or "" when the summary is anonymous: link the byline only when this is set."""
        return "" if self.is_anonymous else url_for("summaries:profile", username=self.author.get_username())


class SummaryViewCount(models.Model):
    """How many readers have read a summary's permalink, one a day each (summaries.view_counting).

    A narrow row of its own, so counting a view never rewrites (and bloats) the wide summary row.
    """

    summary = models.OneToOneField(Summary, on_delete=models.CASCADE, primary_key=True, related_name="views")
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} views of summary {self.summary_id}"


class SummaryView(models.Model):
    """A reader read a summary on a day: what makes a view count once per reader per day (purged after the day)."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="+")
    # "user:<id>", or for visitors a hash of their address and browser (no address is stored).
    reader = models.CharField(max_length=40)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["summary", "reader", "day"], name="one_view_per_reader_per_day")]

    def __str__(self) -> str:
        return f"{self.reader} read summary {self.summary_id} on {self.day}"


class SummaryRevision(models.Model):
    """Every saved text of a summary, so edits can be compared and undone."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["summary", "number"], name="one_revision_number_per_summary")]

    def __str__(self) -> str:
        return f"Revision {self.number} of summary {self.summary_id}"


class UnresolvedCitation(models.Model):
    """A \\cite key of a summary that named no paper when it was rendered: when that paper arrives
    (summaries.citations), the summary is rendered again and gets the label and the backlink."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="unresolved_citations")
    key = models.TextField(help_text="As the author wrote it.")
    # The identifier the key names, normalised as papers.identifiers does; both blank when it names none (a title).
    kind = models.CharField(max_length=10, blank=True)
    value = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="unresolved_citation_identifier")]

    def __str__(self) -> str:
        return f"\\cite{{{self.key}}} in summary {self.summary_id}"


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
    affiliation = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=300, blank=True)
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, help_text="0000-0002-1825-0097, checksum verified.")
    notify_comments = models.BooleanField(
        "email me about new comments", default=True, help_text="On my summaries and where I commented."
    )
    weekly_digest = models.BooleanField("weekly digest of what I follow", default=False)
    digest_sent_through = models.DateTimeField(
        null=True, blank=True, help_text="The last weekly digest covered summaries up to here; the next one starts after."
    )
    suspended_at = models.DateTimeField(null=True, blank=True, help_text="Set by moderators; a suspended user cannot log in.")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    def get_absolute_url(self) -> str:
        return url_for("summaries:profile", username=self.user.get_username())

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


class CommentQuerySet(models.QuerySet):
    def shown(self) -> "CommentQuerySet":
        """Comments a reader sees in a thread (deleted ones remain as placeholders when they have replies)."""
        return self.filter(is_hidden=False)


class Comment(models.Model):
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    # One level of replies: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    rendered_version = models.PositiveSmallIntegerField(default=0, editable=False)
    is_deleted = models.BooleanField("deleted by its author", default=False)
    is_hidden = models.BooleanField("hidden", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When its emails went out (or were found owed to nobody): empty means still owed, so a lost task is caught up.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author} on summary {self.summary_id}"

    def get_absolute_url(self) -> str:
        return f"{self.summary.get_absolute_url()}#comment-{self.pk}"


def summary_image_path(instance, filename: str) -> str:
    # Re-encoded images get a fresh random name: the uploaded file name is user input.
    return f"summary-images/{secrets.token_hex(12)}.{instance.extension}"


class SummaryImage(models.Model):
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_images")
    image = models.ImageField(upload_to=summary_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    extension = "png"  # set by the upload service to the re-encoded format before saving

    def __str__(self) -> str:
        return self.image.name


class Follow(models.Model):
    """A reader follows a paper, an author of papers (by name), an arXiv category, or a summarizer (by username)."""

    PAPER, AUTHOR, CATEGORY, USER = "paper", "author", "category", "user"
    KINDS = [(PAPER, "paper"), (AUTHOR, "author"), (CATEGORY, "category"), (USER, "summarizer")]

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    kind = models.CharField(max_length=10, choices=KINDS)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, null=True, blank=True, related_name="follows")
    name = models.CharField(max_length=300, blank=True, help_text="Author name, arXiv category or username.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Two partial constraints, because NULLs are distinct in one over (paper, name).
            models.UniqueConstraint(fields=["follower", "paper"], condition=Q(kind="paper"), name="follow_paper_once"),
            models.UniqueConstraint(
                fields=["follower", "kind", "name"], condition=Q(paper__isnull=True), name="follow_name_once"
            ),
            models.CheckConstraint(
                condition=(Q(kind="paper", paper__isnull=False) | (~Q(kind="paper") & Q(paper__isnull=True) & ~Q(name=""))),
                name="follow_has_a_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.kind} {self.paper or self.name}"


class SummaryRequest(models.Model):
    """A reader asks for a summary of a paper; they hear when the first one appears."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="summary_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_requests")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "requester"], name="request_once")]

    def __str__(self) -> str:
        return f"{self.requester} asks for a summary of {self.paper}"


class Report(models.Model):
    """A reader flags a summary or a comment for moderators."""

    OPEN, DISMISSED, ACTIONED = "open", "dismissed", "actioned"
    STATUSES = [(OPEN, "open"), (DISMISSED, "dismissed"), (ACTIONED, "actioned")]

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=STATUSES, default=OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(summary__isnull=False, comment__isnull=True) | Q(summary__isnull=True, comment__isnull=False),
                name="report_names_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} on {self.summary or self.comment}"

    @property
    def target(self):
        return self.summary or self.comment


class ModerationAction(models.Model):
    """Who did what to which content, and when: the moderation log."""

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    target_repr = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.moderator} {self.action} {self.target_repr}"
