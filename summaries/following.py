"""Following papers, authors (by name), arXiv categories and summarizers: follow and unfollow (also for readers who
log in to do it), the /following/ feed, the weekly digest."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from papers.identifiers import is_arxiv_category
from papers.models import Paper, json_list_contains
from summaries import selectors
from summaries.models import Follow, Profile, Summary
from summaries.site_address import absolute_url

NAME_MAX_LENGTH = Follow._meta.get_field("name").max_length
DIGEST_MAX_SUMMARIES = 50


class InvalidFollow(ValueError):
    """The follow names no paper, an empty or overlong author name, or a malformed category."""


@dataclass(frozen=True)
class FollowTarget:
    kind: str
    paper: Paper | None = None
    name: str = ""

    def lookup(self) -> dict:
        return {"kind": self.kind, "paper": self.paper, "name": self.name}

    def __str__(self) -> str:
        return "this paper" if self.kind == Follow.PAPER else self.name


def follow_target(*, kind: str, paper: Paper | None = None, name: str = "") -> FollowTarget:
    """Validate and normalise what is being followed."""
    name = " ".join((name or "").split())
    if kind == Follow.PAPER:
        if paper is None:
            raise InvalidFollow("Which paper?")
        return FollowTarget(kind=kind, paper=paper)
    if kind == Follow.AUTHOR:
        if not name or len(name) > NAME_MAX_LENGTH:
            raise InvalidFollow("An author is followed by the name printed on their papers.")
        return FollowTarget(kind=kind, name=name)
    if kind == Follow.CATEGORY:
        if not is_arxiv_category(name):
            raise InvalidFollow(f"“{name}” is not an arXiv category.")
        return FollowTarget(kind=kind, name=name)
    if kind == Follow.USER:
        if not name or not get_user_model().objects.filter(username=name, is_active=True).exists():
            raise InvalidFollow(f"There is no summarizer called “{name}”.")
        return FollowTarget(kind=kind, name=name)
    raise InvalidFollow("One follows a paper, an author, a category or a summarizer.")


FOLLOWED_MESSAGE = "You follow {target}: new summaries appear under Following."
# Where a reader's "Follow" waits while they log in (the button posts before they have an account session).
PENDING_FOLLOW_SESSION_KEY = "follow_after_login"


def follow_after_login_store(*, session, target: FollowTarget) -> None:
    session[PENDING_FOLLOW_SESSION_KEY] = {"kind": target.kind, "paper": target.paper.pk if target.paper else None, "name": target.name}


def follow_after_login_complete(*, session, user: AbstractBaseUser) -> FollowTarget | None:
    """Make the follow a reader asked for before logging in; the target, or None if there was none (or it is gone)."""
    pending = session.pop(PENDING_FOLLOW_SESSION_KEY, None)
    if not isinstance(pending, dict):
        return None
    paper = Paper.objects.filter(pk=pending.get("paper")).first() if pending.get("paper") else None
    try:
        target = follow_target(kind=pending.get("kind", ""), paper=paper, name=pending.get("name", ""))
    except InvalidFollow:
        return None
    follow_create(follower=user, target=target)
    return target


def follow_create(*, follower: AbstractBaseUser, target: FollowTarget) -> Follow:
    """Follow `target`; following it again changes nothing (the database's constraints see to races)."""
    follow, _ = Follow.objects.get_or_create(follower=follower, **target.lookup())
    return follow


def follow_delete(*, follower: AbstractBaseUser, target: FollowTarget) -> None:
    Follow.objects.filter(follower=follower, **target.lookup()).delete()


def follows_of(user: AbstractBaseUser) -> list[Follow]:
    """Everything `user` follows: papers (with the paper), then authors, categories, summarizers."""
    order = {Follow.PAPER: 0, Follow.AUTHOR: 1, Follow.CATEGORY: 2, Follow.USER: 3}
    follows = Follow.objects.filter(follower=user).select_related("paper")
    return sorted(follows, key=lambda f: (order[f.kind], (f.paper.title if f.paper else f.name).lower()))


def followed_targets(*, user: AbstractBaseUser, paper: Paper | None = None, kind: str = "", name: str = "") -> set:
    """Which of one paper's targets (itself, its authors, its categories), or of one named target, `user` follows.

    Returns a set of (kind, paper_id or name) pairs; one query, none for anonymous readers.
    """
    if user is None or not user.is_authenticated:
        return set()
    if paper is not None:
        wanted = (
            Q(kind=Follow.PAPER, paper=paper)
            | Q(kind=Follow.AUTHOR, name__in=paper.authors or [])
            | Q(kind=Follow.CATEGORY, name__in=paper.categories or [])
        )
    else:
        wanted = Q(kind=kind, name=name)
    rows = Follow.objects.filter(wanted, follower=user).values_list("kind", "paper_id", "name")
    return {(kind, paper_id if kind == Follow.PAPER else name) for kind, paper_id, name in rows}


def _followed_condition(follows: list[Follow]) -> Q:
    condition = Q(pk__in=[])  # following nothing matches nothing, without a query
    paper_ids = [f.paper_id for f in follows if f.kind == Follow.PAPER]
    if paper_ids:
        condition |= Q(paper_id__in=paper_ids)
    for follow in follows:
        if follow.kind == Follow.AUTHOR:
            condition |= json_list_contains("paper__authors", follow.name)
        elif follow.kind == Follow.CATEGORY:
            condition |= json_list_contains("paper__categories", follow.name)
        elif follow.kind == Follow.USER:
            # An anonymous summary must not be told apart as theirs.
            condition |= Q(author__username=follow.name, is_anonymous=False)
    return condition


def following_cards(*, viewer: AbstractBaseUser, follows: list[Follow]) -> QuerySet[Summary]:
    """Public summaries of followed papers, of papers by followed authors, in followed categories, or by followed
    summarizers (their anonymous ones aside); newest first."""
    return selectors.feed_cards(order="recent", viewer=viewer).filter(_followed_condition(follows))


# --- Weekly digest ---


def weekly_digest_set(*, user: AbstractBaseUser, enabled: bool) -> None:
    """Opt in to (or out of) the weekly digest; only that column is written."""
    Profile.objects.filter(user=user).exclude(weekly_digest=enabled).update(weekly_digest=enabled)


@dataclass
class Digest:
    user: AbstractBaseUser
    summaries: list[Summary]


def weekly_digests(*, since: datetime, until: datetime) -> list[Digest]:
    """For every opted-in reader, the public summaries created from `since` to `until` in what they follow.

    A reader's last digest moves `since` later for them (Profile.digest_sent_through), so a digest run
    twice in a week doesn't send the same summaries twice. Three queries whatever the number of
    readers: the readers (with profiles), their follows, and the week's new public summaries, which
    are matched against each reader's follows in memory. Readers with nothing new get no digest.
    """
    readers = (
        get_user_model()
        .objects.filter(is_active=True, profile__weekly_digest=True, profile__suspended_at__isnull=True)
        .exclude(email="")
        .select_related("profile")
        .prefetch_related(Prefetch("follows", queryset=Follow.objects.order_by()))
        .order_by("pk")
    )
    new_summaries = list(
        Summary.objects.public()
        .filter(created_at__gte=since, created_at__lt=until)
        .select_related("paper", "author", "author__profile")
        .order_by("-created_at", "-id")
    )
    # Index the week's summaries by what could be followed, so each reader costs only their follows.
    by_paper, by_author, by_category, by_user = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for summary in new_summaries:
        by_paper[summary.paper_id].append(summary)
        if not summary.is_anonymous:
            by_user[summary.author.get_username()].append(summary)
        for name in summary.paper.authors or []:
            by_author[name].append(summary)
        for category in summary.paper.categories or []:
            by_category[category].append(summary)
    index = {Follow.PAPER: by_paper, Follow.AUTHOR: by_author, Follow.CATEGORY: by_category, Follow.USER: by_user}

    digests = []
    for reader in readers:
        already_sent_through = reader.profile.digest_sent_through
        matched = {}
        for follow in reader.follows.all():
            key = follow.paper_id if follow.kind == Follow.PAPER else follow.name
            for summary in index[follow.kind].get(key, ()):
                if summary.author_id == reader.pk:  # nobody needs news of their own summary
                    continue
                if already_sent_through is None or summary.created_at >= already_sent_through:
                    matched[summary.pk] = summary
        if matched:
            summaries = sorted(matched.values(), key=lambda s: (s.created_at, s.pk), reverse=True)
            digests.append(Digest(user=reader, summaries=summaries))
    return digests


def digest_message(digest: Digest, *, connection=None) -> mail.EmailMessage:
    shown = digest.summaries[:DIGEST_MAX_SUMMARIES]
    entries = [
        {
            "paper_title": summary.paper.title,
            "byline": summary.byline,  # "Anonymous" for anonymous summaries
            "excerpt": Truncator(strip_tags(summary.body_html)).words(40),
            "url": absolute_url(summary.get_absolute_url()),
        }
        for summary in shown
    ]
    context = {
        "user": digest.user,
        "entries": entries,
        "more": len(digest.summaries) - len(shown),
        "following_url": absolute_url(reverse("summaries:following")),
        "settings_url": absolute_url(reverse("summaries:profile_edit")),
    }
    count = len(digest.summaries)
    subject = f"{count} new summar{'y' if count == 1 else 'ies'} in what you follow on {settings.SITE_NAME}"
    body = render_to_string("summaries/email/weekly_digest.txt", context)
    return mail.EmailMessage(subject, body, to=[digest.user.email], connection=connection)


def weekly_digests_send(*, since: datetime) -> int:
    """Email each opted-in reader their digest over one SMTP connection; return how many were sent.

    Each reader who got one is marked as served up to this run's start, so a second run the same week
    (a retried cron job) sends only what is newer. A failure part-way marks those already sent.
    """
    until = timezone.now()
    digests = weekly_digests(since=since, until=until)
    if not digests:
        return 0
    served = []
    try:
        with mail.get_connection() as smtp:
            for digest in digests:
                if smtp.send_messages([digest_message(digest, connection=smtp)]):
                    served.append(digest.user.pk)
    finally:
        Profile.objects.filter(user_id__in=served).update(digest_sent_through=until)
    return len(served)
